//! The customers' replies (Antworten) on the queue screen: messages that are not keywords, newest first, unread
//! marked, a possible wish to stop highlighted. Enter opens the conversation (marks it read); while the customer's
//! 24 h window is open (countdown shown) the farmer can answer with free text, queued as `reply_in_window`; after
//! it closes the screen says that only a template can be sent. Must not perform IO.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::store::inbound::{MAX_TEXT, Reply};
use crate::tui::Screen;
use crate::tui::app::{Effect, State};
use crate::tui::keymap::Action;
use crate::tui::screens::queue::Pane;
use crate::tui::screens::queue::text as queue_text;
use crate::tui::text;
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
pub fn open(state: &mut State, customer_id: i64) -> Vec<Effect> {
    state.tab = Screen::Queue;
    state.queue.pane = Pane::Replies;
    state.queue.detail = None;
    state.queue.conversation = Some(Conversation::new(customer_id));
    let mut effects = vec![Effect::LoadConversation(customer_id)];
    if !state.queue.loaded || state.queue.stale {
        state.queue.stale = false;
        effects.push(Effect::LoadQueue);
    }
    effects
}

pub fn loaded(state: &mut State, data: ConversationData) {
    let Some(c) = &mut state.queue.conversation else { return };
    if c.customer_id != data.customer_id {
        return;
    }
    if c.data.as_ref() == Some(&data) {
        return;
    }
    c.data = Some(data);
}

pub fn on_list(state: &mut State, action: Action) -> Vec<Effect> {
    let page = (crate::tui::view::body_height(state.size) as usize).saturating_sub(2).max(1);
    let v = &mut state.queue;
    match action {
        Action::Replies => v.pane = Pane::Broadcasts,
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home | Action::End => {
            let n = v.replies().len();
            v.replies_nav.apply(action, n, page);
        }
        Action::Answer => {
            let Some(r) = v.replies().get(v.replies_nav.selected) else { return Vec::new() };
            match r.customer_id {
                Some(id) => return open(state, id),
                None => state.info(queue_text::NOT_A_CUSTOMER.get(state.lang).to_owned()),
            }
        }
        _ => {}
    }
    Vec::new()
}

pub fn on_conversation(state: &mut State, action: Action) -> Vec<Effect> {
    let lang = state.lang;
    let Some(c) = &mut state.queue.conversation else { return Vec::new() };
    match action {
        Action::Back => state.queue.conversation = None,
        Action::Up => c.scroll += 1,
        Action::Down => c.scroll = c.scroll.saturating_sub(1),
        Action::SendReply => {
            let text = c.input.value().trim().to_owned();
            let n = text.chars().count();
            if c.sending {
                return Vec::new();
            }
            if text.is_empty() {
                state.info(queue_text::REPLY_EMPTY.get(lang).to_owned());
            } else if n > MAX_TEXT {
                state.error(queue_text::REPLY_TOO_LONG.fill(lang, &[&n, &MAX_TEXT]));
            } else {
                c.sending = true;
                return vec![Effect::QueueReply { customer_id: c.customer_id, text }];
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Text typed into the answer.
pub fn type_key(state: &mut State, ev: &KeyEvent) {
    let Some(c) = &mut state.queue.conversation else { return };
    let Some(req) = to_input_request(&Event::Key(*ev)) else { return };
    c.input.handle(req);
}

/// The answer went into the queue: clear the input.
pub fn queued(state: &mut State, customer_id: i64) {
    if let Some(c) = &mut state.queue.conversation
        && c.customer_id == customer_id
    {
        c.sending = false;
        c.input = Input::default();
        c.scroll = 0;
    }
}

pub fn render_list(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let (theme, lang) = (state.theme, state.lang);
    let ell = theme.ellipsis();
    let v = &state.queue;
    let w = area.width as usize;
    let list = v.replies();
    let mut lines: Vec<Line<'static>> = vec![Line::styled(
        cut(&queue_text::REPLIES_TITLE.fill(lang, &[&list.len(), &state.unread]), w, ell),
        theme.title(),
    )];
    if list.is_empty() {
        lines.push(Line::raw(""));
        for part in wrap(queue_text::REPLIES_EMPTY.get(lang), w.max(10)) {
            lines.push(Line::raw(part));
        }
    }
    let page = (area.height as usize).saturating_sub(1).max(1);
    let window = v.replies_nav.window(list.len(), page);
    let name_w = (w / 4).clamp(10, 24);
    let time_w = 17;
    let unread_mark = if theme.ascii { "*" } else { "●" };
    for (i, r) in list.iter().enumerate().skip(window.start).take(page) {
        let selected = i == v.replies_nav.selected;
        let unread = r.read_at.is_none();
        let name = if r.name.is_empty() {
            format!("{} ({})", queue_text::UNKNOWN_SENDER.get(lang), r.phone)
        } else {
            safe(&r.name).into_owned()
        };
        let mut text = safe(&r.text).into_owned();
        if r.flagged_stop {
            text = format!("{text}  ! {}", queue_text::MAYBE_STOP.get(lang));
        }
        let rest = w.saturating_sub(3 + time_w + 1 + name_w + 1);
        let line = format!(
            "{}{} {} {} {}",
            if selected { theme.pointer() } else { " " },
            if unread { unread_mark } else { " " },
            fit(&text::datetime_short(r.received_at, lang), time_w, ell),
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

pub fn render_conversation(frame: &mut Frame<'_>, area: Rect, c: &Conversation, state: &State) {
    let (theme, lang) = (state.theme, state.lang);
    let ell = theme.ellipsis();
    let w = area.width as usize;
    let Some(d) = &c.data else {
        frame.render_widget(Paragraph::new(text::LOADING.get(lang)), area);
        return;
    };
    let who = format!("{} ({})", safe(&d.name), d.phone);
    let mut head: Vec<Line<'static>> =
        vec![Line::styled(cut(&queue_text::CONV_TITLE.fill(lang, &[&who]), w, ell), theme.title())];
    let window = match d.window_closes {
        Some(at) if at > d.now => {
            queue_text::WINDOW_OPEN.fill(lang, &[&queue_text::left((at - d.now).num_minutes(), lang)])
        }
        _ => queue_text::WINDOW_CLOSED.get(lang).to_owned(),
    };
    let open = c.can_answer();
    for part in wrap(&window, w.max(10)) {
        head.push(Line::styled(part, if open { theme.success() } else { theme.error() }));
    }
    // Messages, newest at the bottom.
    let mut body: Vec<Line<'static>> = Vec::new();
    for m in &d.messages {
        let who = if m.ours { queue_text::YOU.get(lang).to_owned() } else { safe(&d.name).into_owned() };
        let prefix = format!("{} {who}: ", text::datetime_short(m.received_at, lang));
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
        let label = queue_text::ANSWER.get(lang);
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
