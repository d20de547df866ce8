//! The send queue (Warteschlange): alerts on top (sending stopped until the farmer resolves them with the key the
//! text names; a restart does not), then every broadcast with a progress gauge per row state, sending rate and time
//! left, scheduled ones with their time, drafts; keys to pause, resume (also queues a draft), cancel (asks first)
//! and retry the failed ones. The detail of one broadcast is `detail`; the customers' replies are their own screen,
//! which the app shows on this tab. Updated live through the calm `data_version` check (also for changes by
//! `hofbote serve`); a check that finds nothing draws nothing. Owns its state (`QueueView`); who sends, the rate and
//! the unread count come in as [`Sending`]. Answers with [`Outcome`]s. Must not perform IO.

pub mod detail;
pub mod text;

mod draw;

pub use self::draw::{render, render_alerts};

use chrono::{DateTime, Utc};

use self::detail::Detail;
use self::text as queue_text;
use super::{Env, Outcome};
use crate::store::alerts::{Alert, farmer_resolves};
use crate::store::broadcasts::BroadcastInfo;
use crate::store::inbound::Reply;
use crate::tui::keymap::{Action, Ctx};
use crate::tui::msg::{BroadcastOp, Effect, Sender};
use crate::tui::nav::Nav;
use crate::tui::widgets::confirm::{Confirm, OnYes};
use crate::tui::widgets::gauge;
use crate::tui::widgets::text::{fit, safe};

/// What a load of the queue screen brings.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueData {
    pub broadcasts: Vec<BroadcastInfo>,
    pub alerts: Vec<Alert>,
    /// A sender stuck on a busy or full database (the alert file beside it; the database may take no write).
    pub sender_alert: Option<crate::queue::health::SenderAlert>,
    pub replies: Vec<Reply>,
    pub unread: i64,
    /// Category of each template by name (to say "Werbung" or "Service").
    pub categories: Vec<(String, crate::domain::template::Category)>,
    /// The templates as synced (to show a broadcast's message as it was written).
    pub templates: Vec<crate::domain::template::Template>,
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
    /// How long a row waits for WhatsApp's answer (`[queue] unknown_after_seconds`), for the state words.
    pub unknown_after: chrono::Duration,
}

/// How many broadcasts the list loads.
pub const LIST_LIMIT: usize = 200;
/// How many replies the list loads.
pub const REPLIES_LIMIT: usize = 500;
/// Lines of an alert's "what to do" at most.
const ALERT_TODO_LINES: usize = 4;
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

    /// The keymap contexts of the queue screen's current view; the key that resolves alerts only while one is open
    /// that the farmer can resolve.
    pub fn ctx(&self) -> Vec<Ctx> {
        let view = match (self.detail.is_some(), self.pane) {
            (true, _) => Ctx::QueueDetail,
            (false, Pane::Replies) => Ctx::Replies,
            (false, Pane::Broadcasts) => Ctx::Queue,
        };
        if self.resolvable_alerts() {
            vec![Ctx::Always, Ctx::QueueAlert, view, Ctx::Lists, Ctx::Global]
        } else {
            vec![Ctx::Always, view, Ctx::Lists, Ctx::Global]
        }
    }

    /// Whether an open alert is one the farmer's key resolves (a stop from Meta, held sign-ups).
    pub fn resolvable_alerts(&self) -> bool {
        self.data.as_ref().is_some_and(|d| d.alerts.iter().any(|a| farmer_resolves(&a.kind)))
    }
}

/// The key that resolves the alerts, as the alert text names it (also while a conversation has the keys).
fn resolve_key(env: &Env) -> String {
    let key =
        crate::tui::keymap::KEYMAP.iter().find(|b| b.action == Action::ResolveAlerts).and_then(|b| b.keys.first());
    key.map(|k| k.label(env.lang, env.theme)).unwrap_or_default()
}

/// What to do after Meta's advice for a stop: press the key; a new token needs a restart first (it is read when
/// hofbote starts), and a restart alone no longer clears the alert.
fn resolve_words(kind: &str, env: &Env) -> String {
    if halts_broadcasts(kind) {
        return queue_text::ALERT_THEN_RESUME.fill(env.lang, &[&resolve_key(env), &env.key(Action::Resume)]);
    }
    let then = if kind == "auth" { queue_text::ALERT_THEN_KEY_TOKEN } else { queue_text::ALERT_THEN_KEY };
    then.fill(env.lang, &[&resolve_key(env)])
}

/// The alerts that paused broadcasts (Meta's review 135000, marketing disabled 131063): resolving them lets sending
/// go on, the broadcasts they paused wait for the farmer's resume.
fn halts_broadcasts(kind: &str) -> bool {
    use crate::store::outbox::{ALERT_MARKETING_DISABLED, ALERT_PORTFOLIO_REVIEW};
    kind == ALERT_PORTFOLIO_REVIEW || kind == ALERT_MARKETING_DISABLED
}

/// Rows of the body after the alerts and the title line.
fn room(v: &QueueView, size: (u16, u16)) -> usize {
    let alerts = v
        .data
        .as_ref()
        .map(|d| (d.alerts.len() + usize::from(d.sender_alert.is_some())) * (1 + ALERT_TODO_LINES))
        .unwrap_or(0);
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
            // A draft has no recipients yet: it opens in the composer, to be changed and sent.
            Some(b) if b.state == crate::domain::sending::BroadcastState::Draft => {
                vec![Outcome::EditDraft(Box::new(b.clone()))]
            }
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
            broadcast_action(env, b.id, &b.template, b.state, action)
        }
        _ => Vec::new(),
    }
}

/// A broadcast's message as it goes out (header, body, footer), the per-customer values in words ("‹Vorname›");
/// `None` when its template is no longer known.
pub fn message_text(
    b: &BroadcastInfo,
    templates: &[crate::domain::template::Template],
    lang: crate::i18n::Lang,
) -> Option<String> {
    use crate::domain::template::{Header, Params, fill};
    let t = templates.iter().find(|t| t.name == b.template && t.language == b.language)?;
    let first = queue_text::FIRST_NAME_WORD.get(lang);
    let name = queue_text::NAME_WORD.get(lang);
    let words = |v: &str| v.replace("{vorname}", first).replace("{Vorname}", first).replace("{name}", name);
    let params = Params {
        body: b.params.body.iter().map(|(k, v)| (k.clone(), words(v))).collect(),
        header: b.params.header.as_deref().map(words),
    };
    let mut parts = Vec::new();
    if let Some(Header::Text { text }) = &t.header {
        parts.push(fill(text, |_| params.header.clone()));
    }
    parts.push(t.render_body(&params));
    if let Some(footer) = &t.footer {
        parts.push(footer.clone());
    }
    Some(parts.join("\n"))
}

/// Pause, resume (or queue a draft), cancel (after asking) or retry one broadcast.
pub fn broadcast_action(
    env: &Env,
    id: i64,
    template: &str,
    bstate: crate::domain::sending::BroadcastState,
    action: Action,
) -> Vec<Outcome> {
    let op = match action {
        Action::Pause => BroadcastOp::Pause,
        Action::Resume if bstate == crate::domain::sending::BroadcastState::Draft => BroadcastOp::QueueDraft,
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
