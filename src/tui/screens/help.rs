//! The `?` help popup, generated from the keymap for the view it was opened from (so it always lists the real
//! keys), in the user's language. Owns its state (`Help`). Must not know any key itself.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Env;
use crate::tui::keymap::{self, Action, Ctx};
use crate::tui::text;
use crate::tui::widgets::popup;
use crate::tui::widgets::text::{cut, fit};

#[derive(Debug, Clone)]
pub struct Help {
    /// The contexts of the view behind the popup.
    pub chain: Vec<Ctx>,
    pub scroll: usize,
}

impl Help {
    pub fn new(chain: Vec<Ctx>) -> Help {
        Help { chain, scroll: 0 }
    }
}

/// A key while the popup is open; returns whether it stays open.
pub fn on_action(h: &mut Help, action: Action) -> bool {
    match action {
        Action::Back => return false,
        Action::Up => h.scroll = h.scroll.saturating_sub(1),
        Action::Down => h.scroll += 1,
        _ => {}
    }
    true
}

pub fn render(frame: &mut Frame<'_>, area: Rect, h: &Help, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    // Screen keys first; the keys that work everywhere (Strg+C) at the end.
    let mut rows = keymap::bindings(&h.chain);
    rows.sort_by_key(|b| b.ctx == Ctx::Always);
    let keys: Vec<String> = rows.iter().map(|b| keymap::keys_label(b, lang, theme)).collect();
    let key_w = keys.iter().map(|k| crate::tui::widgets::text::width(k)).max().unwrap_or(4).min(20) + 2;
    let w = area.width.saturating_sub(4).min(70);
    let h_needed = rows.len() as u16 + 7;
    let rect = popup::centered(area, w, h_needed.min(area.height));
    let inner = popup::open(frame, rect, text::HELP_TITLE.get(lang), theme);
    let text_w = (inner.width as usize).saturating_sub(key_w);
    let mut lines: Vec<Line<'static>> = rows
        .iter()
        .zip(&keys)
        .map(|(b, k)| {
            Line::from(vec![
                Span::styled(fit(k, key_w, theme.ellipsis()), theme.key()),
                Span::raw(cut(b.text.get(lang), text_w, theme.ellipsis())),
            ])
        })
        .collect();
    // Where the consent columns are shown, what their signs mean.
    if h.chain.iter().any(|c| matches!(c, Ctx::Customers | Ctx::Detail | Ctx::Consent)) {
        use crate::domain::consent::ConsentState as S;
        let g = |s: S| s.glyph(theme.ascii);
        let legend = text::HELP_GLYPHS.fill(lang, &[&g(S::Granted), &g(S::Withdrawn), &g(S::Pending), &g(S::None)]);
        let mut top: Vec<Line<'static>> = crate::tui::widgets::text::wrap(&legend, inner.width as usize)
            .into_iter()
            .map(|l| Line::styled(l, theme.dim()))
            .collect();
        top.push(Line::raw(""));
        top.extend(lines);
        lines = top;
    }
    let room = inner.height.saturating_sub(1) as usize;
    let max_scroll = lines.len().saturating_sub(room);
    let scroll = h.scroll.min(max_scroll);
    lines = lines.into_iter().skip(scroll).take(room).collect();
    let (up, down) = theme.up_down();
    let footer = if max_scroll > 0 {
        text::HELP_FOOTER_SCROLL.fill(lang, &[&up, &down])
    } else {
        text::HELP_FOOTER.get(lang).to_owned()
    };
    lines.push(Line::styled(cut(&footer, inner.width as usize, theme.ellipsis()), theme.dim()));
    frame.render_widget(Paragraph::new(lines), inner);
}
