//! Placeholder for the screens whose content comes in a later version (Nachricht, Warteschlange): says what will be
//! there and what to use meanwhile, so the frame is never empty. Must not pretend the feature exists.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::Screen;
use crate::tui::app::State;
use crate::tui::text as t;

pub fn render(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let lang = state.lang;
    let (title, body) = match state.tab {
        Screen::Nachricht => (t::MESSAGE_TITLE, t::MESSAGE_PLACEHOLDER),
        _ => (t::QUEUE_TITLE, t::QUEUE_PLACEHOLDER),
    };
    let lines = vec![
        Line::raw(""),
        Line::styled(title.get(lang).to_owned(), state.theme.title()),
        Line::raw(""),
        Line::raw(body.get(lang).to_owned()),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
