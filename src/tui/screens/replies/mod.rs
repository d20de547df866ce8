//! The customers' replies (Antworten) on the queue screen: messages that are not keywords, newest first, unread
//! marked, a possible wish to stop highlighted. Enter opens the conversation (marks it read); while the customer's
//! 24 h window is open (countdown shown) the farmer can answer with free text, queued as `reply_in_window`; after
//! it closes the screen says that only a template can be sent. Owns its state (`RepliesView`: the list's selection
//! and the open conversation); the list itself comes with the queue's load and is passed in. Answers with
//! [`Outcome`]s. Must not perform IO.

pub mod text;

mod draw;

pub use self::draw::{render_conversation, render_list};

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use self::text as replies_text;
use super::{Env, Outcome};
use crate::store::inbound::{MAX_TEXT, Reply};
use crate::tui::keymap::{Action, Ctx};
use crate::tui::msg::Effect;
use crate::tui::nav::Nav;

/// A loaded conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationData {
    pub customer_id: i64,
    pub name: String,
    pub phone: String,
    /// Oldest first.
    pub messages: Vec<Reply>,
    /// When the 24 h window closes; `None`: closed.
    pub window_closes: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// What the replies screen remembers.
#[derive(Debug, Default)]
pub struct RepliesView {
    /// Selection in the list of replies.
    pub nav: Nav,
    /// The open conversation, if any (it covers the queue screen).
    pub conversation: Option<Conversation>,
    /// What one answer costs, as shown ("0,05 €"; since 1 October 2026 answers are billed).
    pub reply_price: String,
}

/// The keymap contexts of an open conversation.
pub fn ctx(c: &Conversation) -> Vec<Ctx> {
    if c.can_answer() {
        vec![Ctx::Always, Ctx::ReplyInput, Ctx::Conversation]
    } else {
        vec![Ctx::Always, Ctx::Conversation, Ctx::Global]
    }
}

/// The open conversation.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub customer_id: i64,
    pub data: Option<ConversationData>,
    pub input: Input,
    /// Lines scrolled up from the newest.
    pub scroll: usize,
    pub sending: bool,
}

impl Conversation {
    pub fn new(customer_id: i64) -> Conversation {
        Conversation { customer_id, data: None, input: Input::default(), scroll: 0, sending: false }
    }

    /// The window is open: the input takes the keys.
    pub fn can_answer(&self) -> bool {
        self.data.as_ref().is_some_and(|d| d.window_closes.is_some_and(|c| c > d.now))
    }
}

/// Opens the conversation with a customer (from the replies or the customer detail).
pub fn open(v: &mut RepliesView, customer_id: i64) -> Effect {
    v.conversation = Some(Conversation::new(customer_id));
    Effect::LoadConversation(customer_id)
}

/// Whether `data` is what the open conversation already shows (a reload that changes nothing).
pub fn shows(v: &RepliesView, data: &ConversationData) -> bool {
    v.conversation.as_ref().is_some_and(|c| c.customer_id == data.customer_id && c.data.as_ref() == Some(data))
}

pub fn loaded(v: &mut RepliesView, data: ConversationData) {
    let Some(c) = &mut v.conversation else { return };
    if c.customer_id != data.customer_id {
        return;
    }
    if c.data.as_ref() == Some(&data) {
        return;
    }
    c.data = Some(data);
}

/// A key on the list of replies (`list`: the replies the queue's load brought).
pub fn on_list(v: &mut RepliesView, env: &Env, list: &[Reply], action: Action) -> Vec<Outcome> {
    let page = (crate::tui::screens::body_height(env.size) as usize).saturating_sub(2).max(1);
    match action {
        Action::Replies => return vec![Outcome::ShowBroadcasts],
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home | Action::End => {
            v.nav.apply(action, list.len(), page);
        }
        Action::Answer => {
            let Some(r) = list.get(v.nav.selected) else { return Vec::new() };
            return vec![match r.customer_id {
                Some(id) => Outcome::OpenConversation(id),
                None => Outcome::Info(replies_text::NOT_A_CUSTOMER.get(env.lang).to_owned()),
            }];
        }
        _ => {}
    }
    Vec::new()
}

/// A key in the open conversation.
pub fn on_conversation(v: &mut RepliesView, env: &Env, action: Action) -> Vec<Outcome> {
    let lang = env.lang;
    let Some(c) = &mut v.conversation else { return Vec::new() };
    match action {
        Action::Back => v.conversation = None,
        Action::Up => c.scroll += 1,
        Action::Down => c.scroll = c.scroll.saturating_sub(1),
        Action::SendReply => {
            let text = c.input.value().trim().to_owned();
            let n = text.chars().count();
            if c.sending {
                return Vec::new();
            }
            if text.is_empty() {
                return vec![Outcome::Info(replies_text::REPLY_EMPTY.get(lang).to_owned())];
            } else if n > MAX_TEXT {
                return vec![Outcome::Error(replies_text::REPLY_TOO_LONG.fill(lang, &[&n, &MAX_TEXT]))];
            } else {
                c.sending = true;
                return vec![Outcome::Effect(Effect::QueueReply { customer_id: c.customer_id, text })];
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Text typed into the answer.
pub fn type_key(v: &mut RepliesView, ev: &KeyEvent) {
    let Some(c) = &mut v.conversation else { return };
    let Some(req) = to_input_request(&Event::Key(*ev)) else { return };
    c.input.handle(req);
}

/// The answer went into the queue: clear the input.
pub fn queued(v: &mut RepliesView, customer_id: i64) {
    if let Some(c) = &mut v.conversation
        && c.customer_id == customer_id
    {
        c.sending = false;
        c.input = Input::default();
        c.scroll = 0;
    }
}
