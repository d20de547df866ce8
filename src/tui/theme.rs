//! Colours, text styles and glyphs of the terminal app. With `NO_COLOR` set there are no colours at all: selection,
//! headings and errors are told apart by bold, reversed and underlined text only. In ASCII mode (`TERM=linux`,
//! `[ui] ascii = true`) every glyph is plain ASCII. Must not decide what is shown, only how it looks.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

use crate::domain::consent::ConsentState;

/// How things look: colours on or off, Unicode glyphs or ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub ascii: bool,
}

/// Plain ASCII borders for terminals without box-drawing glyphs.
const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    pub fn new(color: bool, ascii: bool) -> Theme {
        Theme { color, ascii }
    }

    fn fg(self, style: Style, color: Color) -> Style {
        if self.color { style.fg(color) } else { style }
    }

    pub fn base(self) -> Style {
        Style::default()
    }

    pub fn header(self) -> Style {
        self.fg(Style::default().add_modifier(Modifier::BOLD), Color::Cyan)
    }

    pub fn demo_banner(self) -> Style {
        self.fg(Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED), Color::Yellow)
    }

    pub fn tab(self) -> Style {
        Style::default()
    }

    pub fn tab_active(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
    }

    pub fn column_title(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn title(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn selected(self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    pub fn dim(self) -> Style {
        if self.color { Style::default().fg(Color::DarkGray) } else { Style::default() }
    }

    pub fn key(self) -> Style {
        self.fg(Style::default().add_modifier(Modifier::BOLD), Color::Cyan)
    }

    pub fn error(self) -> Style {
        self.fg(Style::default().add_modifier(Modifier::BOLD), Color::Red)
    }

    pub fn success(self) -> Style {
        self.fg(Style::default(), Color::Green)
    }

    pub fn focus(self) -> Style {
        self.fg(Style::default().add_modifier(Modifier::UNDERLINED), Color::Yellow)
    }

    pub fn input(self) -> Style {
        Style::default().add_modifier(Modifier::UNDERLINED)
    }

    pub fn consent(self, state: ConsentState) -> Style {
        let color = match state {
            ConsentState::Granted => Color::Green,
            ConsentState::Withdrawn => Color::Red,
            ConsentState::Pending => Color::Yellow,
            ConsentState::None => return self.dim(),
        };
        self.fg(Style::default(), color)
    }

    pub fn border(self) -> border::Set<'static> {
        if self.ascii { ASCII_BORDER } else { border::PLAIN }
    }

    /// ✓ granted, ✗ withdrawn, ? pending, – none (ASCII: y, x, ?, -).
    pub fn consent_glyph(self, state: ConsentState) -> &'static str {
        state.glyph(self.ascii)
    }

    /// Marks text that was cut to fit.
    pub fn ellipsis(self) -> &'static str {
        if self.ascii { "~" } else { "…" }
    }

    pub fn separator(self) -> &'static str {
        if self.ascii { " | " } else { " │ " }
    }

    pub fn dot(self) -> &'static str {
        if self.ascii { " - " } else { " · " }
    }

    pub fn checkbox(self, on: bool) -> &'static str {
        if on { "[x]" } else { "[ ]" }
    }

    pub fn pointer(self) -> &'static str {
        ">"
    }

    pub fn up_down(self) -> (&'static str, &'static str) {
        if self.ascii { ("Up", "Down") } else { ("↑", "↓") }
    }

    pub fn left_right(self) -> (&'static str, &'static str) {
        if self.ascii { ("Left", "Right") } else { ("←", "→") }
    }
}

/// Whether `NO_COLOR` asks for no colours (set and not empty, as no-color.org defines it).
pub fn no_color(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_means_no_colour_in_any_style() {
        let t = Theme::new(false, false);
        for s in [t.header(), t.error(), t.success(), t.focus(), t.key(), t.dim(), t.demo_banner()]
            .into_iter()
            .chain(ConsentState::ALL.iter().map(|c| t.consent(*c)))
        {
            assert_eq!(s.fg, None, "{s:?}");
            assert_eq!(s.bg, None, "{s:?}");
        }
        assert!(Theme::new(true, false).error().fg.is_some());
    }

    #[test]
    fn ascii_glyphs_are_ascii() {
        let t = Theme::new(false, true);
        let all: Vec<&str> = ConsentState::ALL
            .iter()
            .map(|s| t.consent_glyph(*s))
            .chain([t.ellipsis(), t.separator(), t.dot(), t.up_down().0, t.left_right().1, t.border().top_left])
            .collect();
        assert!(all.iter().all(|g| g.is_ascii()), "{all:?}");
        assert_eq!(Theme::new(false, false).consent_glyph(ConsentState::Granted), "✓");
    }

    #[test]
    fn no_color_env_rule() {
        assert!(!no_color(None));
        assert!(!no_color(Some(std::ffi::OsStr::new(""))));
        assert!(no_color(Some(std::ffi::OsStr::new("1"))));
    }
}
