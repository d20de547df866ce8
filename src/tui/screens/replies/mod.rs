//! The customers' replies (Antworten) on the queue screen: messages that are not keywords, newest first, unread
//! marked, a possible wish to stop highlighted. Enter opens the conversation (marks it read); while the customer's
//! 24 h window is open (countdown shown) the farmer can answer with free text, queued as `reply_in_window`; after
//! it closes the screen says that only a template can be sent. Owns its state (`RepliesView`: the list's selection
//! and the open conversation); the list itself comes with the queue's load and is passed in. Answers with
//! [`Outcome`]s. Must not perform IO.

pub mod text;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use self::text as replies_text;
use super::{Env, Outcome};
use crate::store::inbound::{MAX_TEXT, Reply};
use crate::tui::keymap::{Action, Ctx};
use crate::tui::msg::Effect;
use crate::tui::nav::Nav;
use crate::tui::text as app_text;
use crate::tui::widgets::text::{cut, fit, safe, width, wrap};

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

/// Draws the list of replies (`unread`: how many are unread).
pub fn render_list(frame: &mut Frame<'_>, area: Rect, v: &RepliesView, list: &[Reply], unread: i64, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    let w = area.width as usize;
    let mut lines: Vec<Line<'static>> = vec![Line::styled(
        cut(&replies_text::REPLIES_TITLE.fill(lang, &[&list.len(), &unread]), w, ell),
        theme.title(),
    )];
    if list.is_empty() {
        lines.push(Line::raw(""));
        for part in wrap(replies_text::REPLIES_EMPTY.get(lang), w.max(10)) {
            lines.push(Line::raw(part));
        }
    }
    let page = (area.height as usize).saturating_sub(1).max(1);
    let window = v.nav.window(list.len(), page);
    let name_w = (w / 4).clamp(10, 24);
    let time_w = 17;
    let unread_mark = if theme.ascii { "*" } else { "●" };
    for (i, r) in list.iter().enumerate().skip(window.start).take(page) {
        let selected = i == v.nav.selected;
        let unread = r.read_at.is_none();
        let name = if r.name.is_empty() {
            format!("{} ({})", replies_text::UNKNOWN_SENDER.get(lang), r.phone)
        } else {
            safe(&r.name).into_owned()
        };
        let mut text = safe(&r.text).into_owned();
        if r.flagged_stop {
            text = format!("{text}  ! {}", replies_text::MAYBE_STOP.get(lang));
        }
        let rest = w.saturating_sub(3 + time_w + 1 + name_w + 1);
        let line = format!(
            "{}{} {} {} {}",
            if selected { theme.pointer() } else { " " },
            if unread { unread_mark } else { " " },
            fit(&app_text::datetime_short(r.received_at, lang), time_w, ell),
            fit(&name, name_w, ell),
            cut(&text, rest, ell)
        );
        let style = match (selected, r.flagged_stop, unread) {
            (true, _, _) => theme.selected(),
            (false, true, _) => theme.error(),
            (false, false, true) => theme.title(),
            _ => theme.base(),
        };
        lines.push(Line::styled(if selected { fit(&line, w, ell) } else { line }, style));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

pub fn render_conversation(frame: &mut Frame<'_>, area: Rect, c: &Conversation, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    let w = area.width as usize;
    let Some(d) = &c.data else {
        frame.render_widget(Paragraph::new(app_text::LOADING.get(lang)), area);
        return;
    };
    let who = format!("{} ({})", safe(&d.name), d.phone);
    let mut head: Vec<Line<'static>> =
        vec![Line::styled(cut(&replies_text::CONV_TITLE.fill(lang, &[&who]), w, ell), theme.title())];
    let window = match d.window_closes {
        Some(at) if at > d.now => {
            replies_text::WINDOW_OPEN.fill(lang, &[&replies_text::left((at - d.now).num_minutes(), lang)])
        }
        _ => replies_text::WINDOW_CLOSED.get(lang).to_owned(),
    };
    let open = c.can_answer();
    for part in wrap(&window, w.max(10)) {
        head.push(Line::styled(part, if open { theme.success() } else { theme.error() }));
    }
    // Messages, newest at the bottom.
    let mut body: Vec<Line<'static>> = Vec::new();
    for m in &d.messages {
        let who = if m.ours { replies_text::YOU.get(lang).to_owned() } else { safe(&d.name).into_owned() };
        let prefix = format!("{} {who}: ", app_text::datetime_short(m.received_at, lang));
        let indent = width(&prefix).min(w / 2);
        let parts = wrap(&safe(&m.text), w.saturating_sub(indent).max(10));
        let style = if m.ours {
            theme.dim()
        } else if m.flagged_stop {
            theme.error()
        } else {
            theme.base()
        };
        for (i, part) in parts.into_iter().enumerate() {
            let lead = if i == 0 { prefix.clone() } else { " ".repeat(indent) };
            body.push(Line::from(vec![Span::styled(lead, theme.dim()), Span::styled(part, style)]));
        }
    }
    let input_h = if open { 2 } else { 0 };
    let room = (area.height as usize).saturating_sub(head.len() + input_h);
    let end = body.len().saturating_sub(c.scroll.min(body.len().saturating_sub(room)));
    let start = end.saturating_sub(room);
    let mut lines = head;
    lines.extend(body[start..end].iter().cloned());
    frame.render_widget(Paragraph::new(lines), area);
    if open && area.height >= 3 {
        let y = area.y + area.height - 1;
        let label = replies_text::ANSWER.get(lang);
        let inner = w.saturating_sub(width(label) + 1).max(1);
        let scroll = c.input.visual_scroll(inner);
        let shown: String = c.input.value().chars().skip(scroll).collect();
        let line = Line::from(vec![
            Span::styled(label.to_owned(), theme.title()),
            Span::styled(fit(&safe(&shown), inner, ""), theme.focus()),
        ]);
        frame.render_widget(Paragraph::new(line), Rect { y, height: 1, ..area });
        let x = area.x as usize + width(label) + c.input.visual_cursor().saturating_sub(scroll);
        frame.set_cursor_position(Position::new(x.min(u16::MAX as usize) as u16, y));
    }
}
