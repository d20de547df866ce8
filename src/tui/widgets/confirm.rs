//! The yes/no dialog (erase a customer, quit while sending). The question names what will happen; the keys come
//! from the keymap. Also the question itself (`Confirm`), so that a screen can ask one without knowing the app.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::popup;
use super::text::wrap;
use crate::domain::phone::Recipient;
use crate::i18n::Lang;
use crate::tui::keymap::{self, Ctx};
use crate::tui::text;
use crate::tui::theme::Theme;

/// A yes/no question.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub question: String,
    pub on_yes: OnYes,
}

#[derive(Debug, Clone)]
pub enum OnYes {
    Erase {
        id: i64,
        /// The number, or the user id of a person who shared none.
        phone: Recipient,
        name: String,
    },
    Quit,
    CancelBroadcast(i64),
    DecideRestored {
        broadcast: i64,
        send_again: bool,
    },
    /// Throw away what was typed in the composer.
    DiscardDraft,
}

pub fn render(frame: &mut Frame<'_>, area: Rect, c: &Confirm, theme: Theme, lang: Lang) {
    render_question(frame, area, &c.question, Ctx::Confirm, theme, lang);
}

/// A question with the keys of `ctx` below it.
pub fn render_question(frame: &mut Frame<'_>, area: Rect, question: &str, ctx: Ctx, theme: Theme, lang: Lang) {
    let w = area.width.saturating_sub(4).min(64);
    let text_w = w.saturating_sub(4) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for l in question.split('\n') {
        lines.extend(wrap(l, text_w).into_iter().map(Line::raw));
    }
    lines.push(Line::raw(""));
    let keys: Vec<String> = keymap::bindings(&[ctx])
        .iter()
        .map(|b| format!("{} = {}", keymap::keys_label(b, lang, theme), b.text.get(lang)))
        .collect();
    lines.push(Line::styled(keys.join("   "), theme.key()));
    let rect = popup::centered(area, w, lines.len() as u16 + 2);
    let inner = popup::open(frame, rect, text::CONFIRM_TITLE.get(lang), theme);
    frame.render_widget(Paragraph::new(lines), inner);
}
