//! The send queue (Warteschlange): alerts on top (sending stopped until resolved), then every broadcast with a
//! progress gauge per row state, sending rate and time left, scheduled ones with their time, drafts; keys to pause,
//! resume (also queues a draft), cancel (asks first) and retry the failed ones. The detail of one broadcast is
//! `detail`, the customers' replies `screens::replies`. Updated live through the calm `data_version` check (also for
//! changes by `hofbote serve`); a check that finds nothing draws nothing. Must not perform IO.

pub mod detail;
pub mod text;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use self::detail::Detail;
use self::text as queue_text;
use crate::queue::state::RowState;
use crate::store::broadcasts::{Alert, BroadcastInfo};
use crate::store::inbound::Reply;
use crate::tui::app::{BroadcastOp, Confirm, Effect, OnYes, Overlay, Sender, State, key_label};
use crate::tui::keymap::{Action, Ctx};
use crate::tui::nav::Nav;
use crate::tui::screens::composer::text as compose_text;
use crate::tui::screens::replies::{self, Conversation};
use crate::tui::text as app_text;
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
    pub replies_nav: Nav,
    pub detail: Option<Detail>,
    pub conversation: Option<Conversation>,
}

/// How many broadcasts the list loads.
pub const LIST_LIMIT: usize = 200;
/// How many replies the list loads.
pub const REPLIES_LIMIT: usize = 500;
/// Lines of an alert's "what to do" at most.
const ALERT_TODO_LINES: usize = 3;
/// Lines per broadcast in the list.
const ENTRY_LINES: usize = 3;

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
        if let Some(c) = &self.conversation {
            return if c.can_answer() {
                vec![Ctx::Always, Ctx::ReplyInput, Ctx::Conversation]
            } else {
                vec![Ctx::Always, Ctx::Conversation, Ctx::Global]
            };
        }
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
fn room(state: &State) -> usize {
    let alerts = state.queue.data.as_ref().map(|d| d.alerts.len() * (1 + ALERT_TODO_LINES)).unwrap_or(0);
    (crate::tui::view::body_height(state.size) as usize).saturating_sub(1 + alerts)
}

pub fn page(state: &State) -> usize {
    (room(state) / ENTRY_LINES).max(1)
}

pub fn loaded(state: &mut State, data: QueueData) {
    let v = &mut state.queue;
    let keep = v.selected().map(|b| b.id);
    v.loaded = true;
    state.unread = data.unread;
    v.data = Some(data);
    if let Some(pos) = keep.and_then(|id| v.broadcasts().iter().position(|b| b.id == id)) {
        v.nav.selected = pos;
    }
    let page = page(state);
    let v = &mut state.queue;
    v.nav.clamp(v.broadcasts().len(), page);
    let n = v.replies().len();
    v.replies_nav.clamp(n, page * ENTRY_LINES);
}

pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    if state.queue.conversation.is_some() {
        return replies::on_conversation(state, action);
    }
    if state.queue.detail.is_some() {
        return detail::on_action(state, action);
    }
    if state.queue.pane == Pane::Replies {
        return replies::on_list(state, action);
    }
    let page = page(state);
    let lang = state.lang;
    let v = &mut state.queue;
    match action {
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home | Action::End => {
            v.nav.apply(action, v.broadcasts().len(), page);
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
                vec![Effect::LoadRows(id)]
            }
            None => Vec::new(),
        },
        Action::Pause | Action::Resume | Action::CancelBroadcast | Action::RetryFailed => {
            let Some((id, template, bstate)) = v.selected().map(|b| (b.id, b.template.clone(), b.state.clone())) else {
                state.info(queue_text::NOTHING_SELECTED.get(lang).to_owned());
                return Vec::new();
            };
            broadcast_action(state, id, &template, &bstate, action)
        }
        _ => Vec::new(),
    }
}

/// Pause, resume (or queue a draft), cancel (after asking) or retry one broadcast.
pub fn broadcast_action(state: &mut State, id: i64, template: &str, bstate: &str, action: Action) -> Vec<Effect> {
    let op = match action {
        Action::Pause => BroadcastOp::Pause,
        Action::Resume if bstate == "draft" => BroadcastOp::QueueDraft,
        Action::Resume => BroadcastOp::Resume,
        Action::RetryFailed => BroadcastOp::Retry,
        Action::CancelBroadcast => {
            state.overlay = Some(Overlay::Confirm(Confirm {
                question: queue_text::CANCEL_QUESTION.fill(state.lang, &[&id, &safe(template)]),
                on_yes: OnYes::CancelBroadcast(id),
            }));
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    vec![Effect::Broadcast { id, op }]
}

/// "noch ca. 12 s" and friends for a broadcast in the list.
fn progress_text(b: &BroadcastInfo, state: &State) -> String {
    let lang = state.lang;
    let total: i64 = b.counts.values().sum::<i64>() - b.count(RowState::Skipped);
    let out = total - b.count(RowState::Queued) - b.count(RowState::Inflight) - b.count(RowState::Cancelled);
    match b.state.as_str() {
        "draft" => queue_text::DRAFT_HINT.get(lang).to_owned(),
        "scheduled" => queue_text::SCHEDULED_FOR
            .fill(lang, &[&b.scheduled_at.map(|at| app_text::datetime(at, lang)).unwrap_or_default()]),
        "sending" if b.open() > 0 => {
            let rate = state.config.whatsapp.effective_rate().max(1) as i64;
            let left = chrono::Duration::milliseconds(b.open() * 1000 / rate);
            let mut s = queue_text::RATE_LEFT.fill(
                lang,
                &[
                    &app_text::number(out),
                    &app_text::number(total),
                    &rate,
                    &crate::tui::screens::composer::review::duration_text(left, lang),
                ],
            );
            if state.sender == Sender::Off {
                s = format!("{s}{}{}", state.theme.dot(), queue_text::NOT_SENDING.get(lang));
            } else if b.state_reason == "quiet_hours" {
                s = format!("{s}{}{}", state.theme.dot(), queue_text::WAITING_QUIET.get(lang));
            }
            s
        }
        _ => queue_text::DONE_OF.fill(lang, &[&app_text::number(out), &app_text::number(total)]),
    }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let v = &state.queue;
    let mut area = area;
    render_alerts(frame, &mut area, state);
    if let Some(c) = &v.conversation {
        replies::render_conversation(frame, area, c, state);
    } else if let Some(d) = &v.detail {
        detail::render(frame, area, d, state);
    } else if v.pane == Pane::Replies {
        replies::render_list(frame, area, state);
    } else {
        render_list(frame, area, state);
    }
}

/// Alerts first: while one is open, nothing is sent.
fn render_alerts(frame: &mut Frame<'_>, area: &mut Rect, state: &State) {
    let (theme, lang) = (state.theme, state.lang);
    let Some(data) = &state.queue.data else { return };
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

fn render_list(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let (theme, lang) = (state.theme, state.lang);
    let ell = theme.ellipsis();
    let v = &state.queue;
    let w = area.width as usize;
    let list = v.broadcasts();
    let replies_key = key_label(state, Action::Replies);
    let link = if state.unread > 0 {
        queue_text::REPLIES_LINK.fill(lang, &[&state.unread, &replies_key])
    } else {
        queue_text::REPLIES_LINK_NONE.fill(lang, &[&replies_key])
    };
    let title = queue_text::LIST_TITLE.fill(lang, &[&list.len()]);
    let pad = w.saturating_sub(width(&title) + width(&link)).max(1);
    let link_style = if state.unread > 0 { theme.key() } else { theme.dim() };
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
            category_of(state, &b.template),
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
        spans.push(Span::raw(cut(&progress_text(b, state), w.saturating_sub(bar_w + 5), ell)));
        lines.push(Line::from(spans));
        let legend = if b.state == "draft" { String::new() } else { gauge::legend(b, lang, theme.dot()) };
        lines.push(Line::styled(cut(&format!("  {legend}"), w, ell), theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// "Werbung" / "Service" of a template as the composer knows it ("" when unknown).
fn category_of(state: &State, name: &str) -> String {
    state
        .queue
        .data
        .as_ref()
        .and_then(|d| d.categories.iter().find(|(n, _)| n == name))
        .map(|(_, c)| c.label(state.lang).to_owned())
        .unwrap_or_else(|| compose_text::R_TEMPLATE.get(state.lang).to_owned())
}
