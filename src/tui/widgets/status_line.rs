//! The two bottom lines: the status line (info, success, or an error in plain words that stays until a key is
//! pressed) and the key hints, generated from the keymap for what has the focus. Hints that do not fit are left
//! out from the end, but the help key is always shown. Also the status message itself (`Status`). Draws what it is
//! given; knows nothing of the app's state.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{cut, width};
use crate::i18n::Lang;
use crate::tui::keymap::{self, Action, Ctx};
use crate::tui::text;
use crate::tui::theme::Theme;

/// A message in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Success,
    /// Stays until a key is pressed; that key only acknowledges it.
    Error,
}

pub fn render_status(frame: &mut Frame<'_>, area: Rect, status: Option<&Status>, theme: Theme, lang: Lang) {
    let w = area.width as usize;
    let line = match status {
        None => Line::raw(""),
        Some(s) => match s.kind {
            StatusKind::Info => Line::raw(cut(&s.text, w, theme.ellipsis())),
            StatusKind::Success => Line::styled(cut(&s.text, w, theme.ellipsis()), theme.success()),
            StatusKind::Error => {
                let tail = text::PRESS_ANY_KEY.get(lang);
                let text = format!("{}{}", text::ERROR_PREFIX.get(lang), s.text.replace('\n', " "));
                Line::from(vec![
                    Span::styled(cut(&text, w.saturating_sub(width(tail)), theme.ellipsis()), theme.error()),
                    Span::styled(tail.to_owned(), theme.dim()),
                ])
            }
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The status text may be longer than one line; errors get as many lines as they need (up to `max`).
/// Lines the status takes at `width` columns (an error wraps, up to `max`).
pub fn status_height(status: Option<&Status>, width_cols: u16, lang: Lang, max: u16) -> u16 {
    match status {
        Some(s) if s.kind == StatusKind::Error => {
            let w = width_cols.max(1) as usize;
            let total = width(text::ERROR_PREFIX.get(lang)) + width(&s.text) + width(text::PRESS_ANY_KEY.get(lang));
            (total.div_ceil(w) as u16).clamp(1, max)
        }
        _ => 1,
    }
}

/// Renders a (possibly multi-line) error status.
pub fn render_status_wrapped(frame: &mut Frame<'_>, area: Rect, status: Option<&Status>, theme: Theme, lang: Lang) {
    if area.height <= 1 {
        return render_status(frame, area, status, theme, lang);
    }
    let Some(s) = status else { return };
    let text =
        format!("{}{}{}", text::ERROR_PREFIX.get(lang), s.text.replace('\n', " "), text::PRESS_ANY_KEY.get(lang));
    let lines: Vec<Line<'static>> =
        super::text::wrap(&text, area.width as usize).into_iter().map(|l| Line::styled(l, theme.error())).collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The hints for `chain`, the keymap contexts of what has the focus.
pub fn render_hints(frame: &mut Frame<'_>, area: Rect, chain: &[Ctx], theme: Theme, lang: Lang) {
    let rows: Vec<_> = keymap::bindings(chain).into_iter().filter(|b| b.hint.is_some()).collect();
    let label = |b: &keymap::Binding| b.keys.first().map(|k| k.label(lang, theme)).unwrap_or_default();
    let word = |b: &keymap::Binding| b.hint.map(|h| h.get(lang)).unwrap_or_default();
    // The help key is always shown, at the end.
    let help = rows.iter().find(|b| b.action == Action::Help);
    let reserve = help.map(|b| width(&label(b)) + 1 + width(word(b))).unwrap_or(0);
    let w = area.width as usize;
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    for b in rows.iter().filter(|b| b.action != Action::Help) {
        let need = width(&label(b)) + 1 + width(word(b)) + 2;
        if used + need + reserve > w {
            break;
        }
        used += need;
        spans.push(Span::styled(label(b), theme.key()));
        spans.push(Span::raw(format!(" {}  ", word(b))));
    }
    if let Some(b) = help {
        spans.push(Span::styled(label(b), theme.key()));
        spans.push(Span::raw(format!(" {}", word(b))));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
