//! The send queue (Warteschlange): alerts on top (sending stopped until resolved), then every broadcast with a
//! progress gauge per row state, sending rate and time left, scheduled ones with their time, drafts; keys to pause,
//! resume (also queues a draft), cancel (asks first) and retry the failed ones. The detail of one broadcast is
//! `detail`; the customers' replies are their own screen, which the app shows on this tab. Updated live through the
//! calm `data_version` check (also for changes by `hofbote serve`); a check that finds nothing draws nothing. Owns
//! its state (`QueueView`); who sends, the rate and the unread count come in as [`Sending`]. Answers with
//! [`Outcome`]s. Must not perform IO.

pub mod detail;
pub mod text;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use self::detail::Detail;
use self::text as queue_text;
use super::{Env, Outcome};
use crate::queue::state::RowState;
use crate::store::broadcasts::{Alert, BroadcastInfo};
use crate::store::inbound::Reply;
use crate::tui::keymap::{Action, Ctx};
use crate::tui::msg::{BroadcastOp, Effect, Sender};
use crate::tui::nav::Nav;
use crate::tui::text as app_text;
use crate::tui::widgets::confirm::{Confirm, OnYes};
use crate::tui::widgets::gauge;
use crate::tui::widgets::text::{cut, fit, safe, width, wrap};

/// What a load of the queue screen brings.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueData {
    pub broadcasts: Vec<BroadcastInfo>,
    pub alerts: Vec<Alert>,
    pub replies: Vec<Reply>,
    pub unread: i64,
    /// Category of each template by name (to say "Werbung" or "Service").
    pub categories: Vec<(String, crate::domain::template::Category)>,
    pub now: DateTime<Utc>,
}

/// Which list the queue screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Broadcasts,
    Replies,
}

/// The queue screen.
#[derive(Debug, Default)]
pub struct QueueView {
    pub loaded: bool,
    pub stale: bool,
    pub data: Option<QueueData>,
    pub nav: Nav,
    pub pane: Pane,
    pub detail: Option<Detail>,
}

/// What the queue screen shows besides its own state: who sends, at what rate, how many replies are unread.
#[derive(Debug, Clone, Copy)]
pub struct Sending {
    pub sender: Sender,
    /// Messages per second.
    pub rate: u32,
    pub unread: i64,
}

/// How many broadcasts the list loads.
pub const LIST_LIMIT: usize = 200;
/// How many replies the list loads.
pub const REPLIES_LIMIT: usize = 500;
/// Lines of an alert's "what to do" at most.
const ALERT_TODO_LINES: usize = 3;
/// Lines per broadcast in the list.
pub const ENTRY_LINES: usize = 3;

impl QueueView {
    pub fn broadcasts(&self) -> &[BroadcastInfo] {
        self.data.as_ref().map(|d| d.broadcasts.as_slice()).unwrap_or_default()
    }

    pub fn replies(&self) -> &[Reply] {
        self.data.as_ref().map(|d| d.replies.as_slice()).unwrap_or_default()
    }

    pub fn selected(&self) -> Option<&BroadcastInfo> {
        self.broadcasts().get(self.nav.selected)
    }

    /// The keymap contexts of the queue screen's current view.
    pub fn ctx(&self) -> Vec<Ctx> {
        if self.detail.is_some() {
            return vec![Ctx::Always, Ctx::QueueDetail, Ctx::Lists, Ctx::Global];
        }
        match self.pane {
            Pane::Replies => vec![Ctx::Always, Ctx::Replies, Ctx::Lists, Ctx::Global],
            Pane::Broadcasts => vec![Ctx::Always, Ctx::Queue, Ctx::Lists, Ctx::Global],
        }
    }
}

/// Rows of the body after the alerts and the title line.
fn room(v: &QueueView, size: (u16, u16)) -> usize {
    let alerts = v.data.as_ref().map(|d| d.alerts.len() * (1 + ALERT_TODO_LINES)).unwrap_or(0);
    (crate::tui::screens::body_height(size) as usize).saturating_sub(1 + alerts)
}

/// Broadcasts that fit on screen.
pub fn page(v: &QueueView, size: (u16, u16)) -> usize {
    (room(v, size) / ENTRY_LINES).max(1)
}

pub fn loaded(v: &mut QueueView, env: &Env, data: QueueData) {
    let keep = v.selected().map(|b| b.id);
    v.loaded = true;
    v.data = Some(data);
    if let Some(pos) = keep.and_then(|id| v.broadcasts().iter().position(|b| b.id == id)) {
        v.nav.selected = pos;
    }
    let page = page(v, env.size);
    v.nav.clamp(v.broadcasts().len(), page);
}

/// A key on the list of broadcasts (the app sends keys to the detail or the replies when those are open).
pub fn on_action(v: &mut QueueView, env: &Env, action: Action) -> Vec<Outcome> {
    let page = page(v, env.size);
    let lang = env.lang;
    match action {
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home | Action::End => {
            let n = v.broadcasts().len();
            v.nav.apply(action, n, page);
            Vec::new()
        }
        Action::Replies => {
            v.pane = Pane::Replies;
            Vec::new()
        }
        Action::Open => match v.selected() {
            Some(b) => {
                let id = b.id;
                v.detail = Some(Detail::new(id));
                vec![Outcome::Effect(Effect::LoadRows(id))]
            }
            None => Vec::new(),
        },
        Action::Pause | Action::Resume | Action::CancelBroadcast | Action::RetryFailed => {
            let Some(b) = v.selected() else {
                return vec![Outcome::Info(queue_text::NOTHING_SELECTED.get(lang).to_owned())];
            };
            broadcast_action(env, b.id, &b.template, &b.state, action)
        }
        _ => Vec::new(),
    }
}

/// Pause, resume (or queue a draft), cancel (after asking) or retry one broadcast.
pub fn broadcast_action(env: &Env, id: i64, template: &str, bstate: &str, action: Action) -> Vec<Outcome> {
    let op = match action {
        Action::Pause => BroadcastOp::Pause,
        Action::Resume if bstate == "draft" => BroadcastOp::QueueDraft,
        Action::Resume => BroadcastOp::Resume,
        Action::RetryFailed => BroadcastOp::Retry,
        Action::CancelBroadcast => {
            return vec![Outcome::Confirm(Confirm {
                question: queue_text::CANCEL_QUESTION.fill(env.lang, &[&id, &safe(template)]),
                on_yes: OnYes::CancelBroadcast(id),
            })];
        }
        _ => return Vec::new(),
    };
    vec![Outcome::Effect(Effect::Broadcast { id, op })]
}

/// "noch ca. 12 s" and friends for a broadcast in the list.
fn progress_text(b: &BroadcastInfo, env: &Env, sending: Sending) -> String {
    let lang = env.lang;
    let total: i64 = b.counts.values().sum::<i64>() - b.count(RowState::Skipped);
    let out = total - b.count(RowState::Queued) - b.count(RowState::Inflight) - b.count(RowState::Cancelled);
    match b.state.as_str() {
        "draft" => queue_text::DRAFT_HINT.get(lang).to_owned(),
        "scheduled" => queue_text::SCHEDULED_FOR
            .fill(lang, &[&b.scheduled_at.map(|at| app_text::datetime(at, lang)).unwrap_or_default()]),
        "sending" if b.open() > 0 => {
            let rate = sending.rate.max(1) as i64;
            let left = chrono::Duration::milliseconds(b.open() * 1000 / rate);
            let mut s = queue_text::RATE_LEFT.fill(
                lang,
                &[&app_text::number(out), &app_text::number(total), &rate, &app_text::duration(left, lang)],
            );
            if sending.sender == Sender::Off {
                s = format!("{s}{}{}", env.theme.dot(), queue_text::NOT_SENDING.get(lang));
            } else if b.state_reason == "quiet_hours" {
                s = format!("{s}{}{}", env.theme.dot(), queue_text::WAITING_QUIET.get(lang));
            }
            s
        }
        _ => queue_text::DONE_OF.fill(lang, &[&app_text::number(out), &app_text::number(total)]),
    }
}

/// Draws the open broadcast or the list of broadcasts (below the alerts, see [`render_alerts`]).
pub fn render(frame: &mut Frame<'_>, area: Rect, v: &QueueView, env: &Env, sending: Sending) {
    match &v.detail {
        Some(d) => detail::render(frame, area, d, v, env),
        None => render_list(frame, area, v, env, sending),
    }
}

/// Alerts first: while one is open, nothing is sent. Takes their lines off the top of `area`.
pub fn render_alerts(frame: &mut Frame<'_>, area: &mut Rect, v: &QueueView, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let Some(data) = &v.data else { return };
    if data.alerts.is_empty() {
        return;
    }
    let w = area.width as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for a in &data.alerts {
        let (what, todo) = match a.code {
            Some(code) => {
                let info = crate::whatsapp::explain(code);
                (format!("{} [{code}]", info.explanation.get(lang)), info.action.get(lang).to_owned())
            }
            None => (safe(&a.message).into_owned(), queue_text::ALERT_RESTART.get(lang).to_owned()),
        };
        // What to do matters most: it is wrapped, never cut (at most three lines).
        lines.push(Line::styled(cut(&queue_text::ALERT.fill(lang, &[&what]), w, theme.ellipsis()), theme.error()));
        for part in wrap(&queue_text::ALERT_WHAT.fill(lang, &[&todo]), w.max(10)).into_iter().take(ALERT_TODO_LINES) {
            lines.push(Line::styled(part, theme.error()));
        }
    }
    let h = (lines.len() as u16).min(area.height);
    frame.render_widget(Paragraph::new(lines), Rect { height: h, ..*area });
    *area = Rect { y: area.y + h, height: area.height - h, ..*area };
}

fn render_list(frame: &mut Frame<'_>, area: Rect, v: &QueueView, env: &Env, sending: Sending) {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    let w = area.width as usize;
    let list = v.broadcasts();
    let replies_key = env.key(Action::Replies);
    let link = if sending.unread > 0 {
        queue_text::REPLIES_LINK.fill(lang, &[&sending.unread, &replies_key])
    } else {
        queue_text::REPLIES_LINK_NONE.fill(lang, &[&replies_key])
    };
    let title = queue_text::LIST_TITLE.fill(lang, &[&list.len()]);
    let pad = w.saturating_sub(width(&title) + width(&link)).max(1);
    let link_style = if sending.unread > 0 { theme.key() } else { theme.dim() };
    let mut lines: Vec<Line<'static>> = vec![Line::from(vec![
        Span::styled(title, theme.title()),
        Span::raw(" ".repeat(pad)),
        Span::styled(cut(&link, w.saturating_sub(2), ell), link_style),
    ])];
    if !v.loaded {
        lines.push(Line::raw(app_text::LOADING.get(lang).to_owned()));
    } else if list.is_empty() {
        lines.push(Line::raw(""));
        for part in wrap(queue_text::EMPTY.get(lang), w.max(10)) {
            lines.push(Line::raw(part));
        }
    }
    let page = ((area.height as usize).saturating_sub(1) / ENTRY_LINES).max(1);
    let window = v.nav.window(list.len(), page);
    for (i, b) in list.iter().enumerate().skip(window.start).take(page) {
        let selected = i == v.nav.selected;
        let mark = if selected { theme.pointer() } else { " " };
        let state_word = queue_text::broadcast_state(&b.state).get(lang);
        let when = match (b.state.as_str(), b.scheduled_at) {
            ("scheduled", Some(at)) => app_text::datetime(at, lang),
            _ => app_text::datetime(b.created_at, lang),
        };
        let head = format!(
            "{mark} {}  {} ({})  {}{}{}{}{}",
            queue_text::NUMBER.fill(lang, &[&b.id]),
            safe(&b.template),
            category_of(v, lang, &b.template),
            state_word,
            theme.dot(),
            when,
            theme.dot(),
            b.audience.describe(lang)
        );
        let style = if selected { theme.selected() } else { theme.title() };
        let head = if selected { fit(&head, w, ell) } else { cut(&head, w, ell) };
        lines.push(Line::styled(head, style));
        let bar_w = (w / 3).clamp(10, 40);
        let mut spans = vec![Span::raw("  [")];
        spans.extend(gauge::bar(b, bar_w, theme));
        spans.push(Span::raw("] "));
        spans.push(Span::raw(cut(&progress_text(b, env, sending), w.saturating_sub(bar_w + 5), ell)));
        lines.push(Line::from(spans));
        let legend = if b.state == "draft" { String::new() } else { gauge::legend(b, lang, theme.dot()) };
        lines.push(Line::styled(cut(&format!("  {legend}"), w, ell), theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// "Werbung" / "Service" of a template as the composer knows it ("" when unknown).
fn category_of(v: &QueueView, lang: crate::i18n::Lang, name: &str) -> String {
    v.data
        .as_ref()
        .and_then(|d| d.categories.iter().find(|(n, _)| n == name))
        .map(|(_, c)| c.label(lang).to_owned())
        .unwrap_or_else(|| app_text::R_TEMPLATE.get(lang).to_owned())
}
