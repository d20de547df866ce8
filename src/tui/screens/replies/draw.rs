//! Drawing the replies screen: the list of replies and one conversation with its input. Pure drawing: reads the state,
//! never changes it.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::*;
use crate::tui::text as app_text;
use crate::tui::widgets::text::{cut, fit, safe, width, wrap};

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
        if r.held_signup {
            text = format!("{text}  ! {}", replies_text::HELD_SIGNUP.get(lang));
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
        let style = match (selected, r.flagged_stop || r.held_signup, unread) {
            (true, _, _) => theme.selected(),
            (false, true, _) => theme.error(),
            (false, false, true) => theme.title(),
            _ => theme.base(),
        };
        lines.push(Line::styled(if selected { fit(&line, w, ell) } else { line }, style));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

pub fn render_conversation(frame: &mut Frame<'_>, area: Rect, c: &Conversation, price: &str, env: &Env) {
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
            replies_text::WINDOW_OPEN.fill(lang, &[&replies_text::left((at - d.now).num_minutes(), lang), &price])
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
