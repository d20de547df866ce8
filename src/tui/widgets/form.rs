//! Form fields (one-line text via `tui-input`, checkboxes, choices) and how a form is drawn: label, value, hint,
//! and the field's error in plain words right below it. Knows nothing about customers or consent; the screens
//! decide what the fields mean and how they are validated. Must not perform IO.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::text::{cut, fit, skip_cells, width, wrap};
use crate::i18n::{Lang, Tr};
use crate::tui::keymap::Ctx;
use crate::tui::theme::Theme;
use ratatui::crossterm::event::{Event, KeyEvent};

/// What a field holds.
#[derive(Debug, Clone)]
pub enum FieldKind {
    Text(Input),
    Check(bool),
    Choice { options: Vec<Tr>, index: usize },
}

/// One form field.
#[derive(Debug, Clone)]
pub struct Field {
    pub label: Tr,
    pub kind: FieldKind,
    /// Shown dim after the value (an example, the default).
    pub hint: Option<String>,
    pub error: Option<String>,
}

impl Field {
    pub fn text(label: Tr, value: &str) -> Field {
        Field { label, kind: FieldKind::Text(Input::new(value.to_owned())), hint: None, error: None }
    }

    pub fn check(label: Tr, on: bool) -> Field {
        Field { label, kind: FieldKind::Check(on), hint: None, error: None }
    }

    pub fn choice(label: Tr, options: Vec<Tr>, index: usize) -> Field {
        Field { label, kind: FieldKind::Choice { options, index }, hint: None, error: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Field {
        self.hint = Some(hint.into());
        self
    }

    pub fn value(&self) -> &str {
        match &self.kind {
            FieldKind::Text(input) => input.value(),
            _ => "",
        }
    }

    pub fn set_value(&mut self, value: &str) {
        if let FieldKind::Text(input) = &mut self.kind {
            *input = Input::new(value.to_owned());
        }
    }

    pub fn checked(&self) -> bool {
        matches!(self.kind, FieldKind::Check(true))
    }

    pub fn choice_index(&self) -> usize {
        match self.kind {
            FieldKind::Choice { index, .. } => index,
            _ => 0,
        }
    }

    pub fn is_text(&self) -> bool {
        matches!(self.kind, FieldKind::Text(_))
    }

    /// The value as a string, for [`Form::changed`].
    fn fingerprint(&self) -> String {
        match &self.kind {
            FieldKind::Text(input) => input.value().to_owned(),
            FieldKind::Check(on) => on.to_string(),
            FieldKind::Choice { index, .. } => index.to_string(),
        }
    }
}

/// A list of fields with one in focus.
#[derive(Debug, Clone)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The values the form opened with (see [`Form::changed`]).
    opened_with: Vec<String>,
}

impl Form {
    /// The keymap contexts while this form has the focus (with the customer picker on top when `picker`).
    pub fn chain(&self, picker: bool) -> Vec<Ctx> {
        let mut chain = vec![Ctx::Always];
        if picker {
            chain.push(Ctx::FormPicker);
        }
        match self.focused().map(|f| &f.kind) {
            Some(FieldKind::Check(_)) => chain.push(Ctx::FormCheck),
            Some(FieldKind::Choice { .. }) => chain.push(Ctx::FormChoice),
            _ => {}
        }
        chain.push(Ctx::Form);
        chain
    }
    pub fn new(fields: Vec<Field>) -> Form {
        let opened_with = fields.iter().map(Field::fingerprint).collect();
        Form { fields, focus: 0, opened_with }
    }

    /// Whether something was typed, ticked or chosen since the form opened (leaving it then asks first).
    pub fn changed(&self) -> bool {
        self.fields.len() != self.opened_with.len()
            || self.fields.iter().zip(&self.opened_with).any(|(f, was)| f.fingerprint() != *was)
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    /// The position of the field with this label.
    pub fn index_of(&self, label: Tr) -> Option<usize> {
        self.fields.iter().position(|f| f.label == label)
    }

    /// The text of the field with this label ("" if there is none).
    pub fn value_of(&self, label: Tr) -> &str {
        self.index_of(label).map(|i| self.field(i)).unwrap_or("")
    }

    pub fn focused_is(&self, label: Tr) -> bool {
        self.focused().is_some_and(|f| f.label == label)
    }

    pub fn field(&self, i: usize) -> &str {
        self.fields.get(i).map(Field::value).unwrap_or("")
    }

    pub fn field_mut(&mut self, i: usize) -> Option<&mut Field> {
        self.fields.get_mut(i)
    }

    pub fn set_error(&mut self, i: usize, error: Option<String>) {
        if let Some(f) = self.fields.get_mut(i) {
            f.error = error;
        }
    }

    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }

    /// Focus the first field with an error.
    pub fn focus_first_error(&mut self) {
        if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = i;
        }
    }

    pub fn is_last(&self) -> bool {
        self.focus + 1 >= self.fields.len()
    }

    pub fn next(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + 1) % self.fields.len();
        }
    }

    pub fn prev(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
        }
    }

    /// Types a key into the focused text field; returns whether the value changed.
    pub fn type_key(&mut self, key: &KeyEvent) -> bool {
        let Some(Field { kind: FieldKind::Text(input), .. }) = self.fields.get_mut(self.focus) else { return false };
        let Some(req) = to_input_request(&Event::Key(*key)) else { return false };
        input.handle(req).is_some_and(|c| c.value)
    }

    /// Space on a checkbox flips it; on a choice it moves on.
    pub fn toggle(&mut self) {
        match self.fields.get_mut(self.focus).map(|f| &mut f.kind) {
            Some(FieldKind::Check(on)) => *on = !*on,
            Some(FieldKind::Choice { .. }) => self.step_choice(1),
            _ => {}
        }
    }

    pub fn step_choice(&mut self, by: isize) {
        if let Some(FieldKind::Choice { options, index }) = self.fields.get_mut(self.focus).map(|f| &mut f.kind) {
            let n = options.len() as isize;
            if n > 0 {
                *index = ((*index as isize + by).rem_euclid(n)) as usize;
            }
        }
    }
}

/// Extra lines shown right below a field (e.g. the matches of a customer search).
pub type Below = Vec<(usize, Vec<Line<'static>>)>;

/// Lines the form needs at `width` (to size the popup).
pub fn height(form: &Form, below: &Below, width: u16, lang: Lang) -> u16 {
    let (label_w, value_w) = columns(form, width, lang);
    let _ = label_w;
    let mut n = 0usize;
    for (i, f) in form.fields.iter().enumerate() {
        n += 1;
        if let Some(e) = &f.error {
            n += wrap(e, value_w.max(10)).len();
        }
        n += below.iter().filter(|(at, _)| *at == i).map(|(_, l)| l.len()).sum::<usize>();
    }
    n as u16
}

fn columns(form: &Form, width: u16, lang: Lang) -> (usize, usize) {
    let label_w = form.fields.iter().map(|f| super::text::width(f.label.get(lang))).max().unwrap_or(0) + 3;
    let value_w = (width as usize).saturating_sub(label_w);
    (label_w, value_w)
}

/// Draws the form into `area` and places the terminal cursor in the focused text field.
pub fn render(frame: &mut Frame<'_>, area: Rect, form: &Form, below: &Below, theme: Theme, lang: Lang) {
    let (label_w, value_w) = columns(form, area.width, lang);
    let ell = theme.ellipsis();
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut cursor: Option<Position> = None;
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let marker = if focused { theme.pointer() } else { " " };
        let label_style = if focused { theme.title() } else { theme.base() };
        let mut spans =
            vec![Span::raw(format!("{marker} ")), Span::styled(fit(f.label.get(lang), label_w - 2, ell), label_style)];
        match &f.kind {
            FieldKind::Text(input) => {
                let hint_w = f.hint.as_deref().map(|h| width(h) + 2).unwrap_or(0);
                let box_w = if value_w > hint_w + 12 { value_w - hint_w } else { value_w }.max(1);
                let inner = box_w.saturating_sub(1).max(1);
                let scroll = input.visual_scroll(inner);
                let shown: String = skip_cells(input.value(), scroll);
                let style = if focused { theme.focus() } else { theme.input() };
                spans.push(Span::styled(fit(&shown, inner, ""), style));
                spans.push(Span::raw(" "));
                if focused {
                    let x = area.x as usize + label_w + input.visual_cursor().saturating_sub(scroll);
                    cursor = Some(Position::new(x.min(u16::MAX as usize) as u16, area.y + lines.len() as u16));
                }
                if let Some(h) = &f.hint
                    && box_w < value_w
                {
                    spans.push(Span::styled(format!(" {}", cut(h, hint_w, ell)), theme.dim()));
                }
            }
            FieldKind::Check(on) => {
                let style = if focused { theme.focus() } else { theme.base() };
                spans.push(Span::styled(theme.checkbox(*on).to_owned(), style));
                if let Some(h) = &f.hint {
                    spans.push(Span::styled(format!("  {}", cut(h, value_w.saturating_sub(5), ell)), theme.dim()));
                }
            }
            FieldKind::Choice { options, index } => {
                let (l, r) = theme.left_right();
                let current = options.get(*index).map(|o| o.get(lang)).unwrap_or("");
                let style = if focused { theme.focus() } else { theme.base() };
                let text = if focused { format!("{l} {current} {r}") } else { current.to_owned() };
                spans.push(Span::styled(cut(&text, value_w, ell), style));
            }
        }
        lines.push(Line::from(spans));
        if let Some(e) = &f.error {
            for l in wrap(e, value_w.max(10)) {
                lines.push(Line::from(vec![Span::raw(" ".repeat(label_w)), Span::styled(l, theme.error())]));
            }
        }
        for (_, extra) in below.iter().filter(|(at, _)| *at == i) {
            lines.extend(extra.iter().cloned());
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
    if let Some(pos) = cursor.filter(|p| p.y < area.y + area.height) {
        frame.set_cursor_position(pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn typing_goes_into_the_focused_text_field_only() {
        let mut form =
            Form::new(vec![Field::text(Tr::new("Name", "Name"), ""), Field::check(Tr::new("x", "x"), false)]);
        assert!(form.type_key(&key('q')));
        assert_eq!(form.field(0), "q");
        form.next();
        assert!(!form.type_key(&key('q')));
        form.toggle();
        assert!(form.fields[1].checked());
        form.next();
        assert_eq!(form.focus, 0);
    }

    #[test]
    fn choices_wrap_around() {
        let mut form = Form::new(vec![Field::choice(Tr::new("Q", "Q"), vec![Tr::new("a", "a"), Tr::new("b", "b")], 0)]);
        form.step_choice(-1);
        assert_eq!(form.fields[0].choice_index(), 1);
        form.toggle();
        assert_eq!(form.fields[0].choice_index(), 0);
    }
}
