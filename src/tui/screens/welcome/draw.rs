//! Drawing the welcome screen: the choice, the setup form (step 1 "Dein Hof") and what comes next. Pure drawing:
//! reads the state, never changes it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::*;
use crate::tui::widgets::text::wrap;

/// Draws the welcome; `files` are the secrets and configuration files as the setup names them.
pub fn render(frame: &mut Frame<'_>, area: Rect, w: &Welcome, env: &Env, files: (&str, &str)) {
    let (theme, lang) = (env.theme, env.lang);
    let width = area.width.saturating_sub(2).min(90) as usize;
    let area = Rect { x: area.x + 1, width: width as u16, ..area };
    let mut lines: Vec<Line<'static>> =
        vec![Line::styled(welcome_text::TITLE.get(lang).to_owned(), theme.title()), Line::raw("")];
    match &w.step {
        Step::Choose => {
            for part in wrap(welcome_text::INTRO.get(lang), width) {
                lines.push(Line::raw(part));
            }
            lines.push(Line::raw(""));
            for (tr, action) in [
                (welcome_text::DEMO_LINE, Action::Demo),
                (welcome_text::SETUP_LINE, Action::Setup),
                (welcome_text::QUIT_LINE, Action::Quit),
            ] {
                let key = crate::tui::keymap::key_for(&[Ctx::Welcome], action)
                    .map(|k| k.label(lang, theme))
                    .unwrap_or_default();
                for (i, part) in wrap(&tr.fill(lang, &[&key]), width).into_iter().enumerate() {
                    lines.push(if i == 0 { Line::styled(part, theme.key()) } else { Line::raw(format!("   {part}")) });
                }
                lines.push(Line::raw(""));
            }
            frame.render_widget(Paragraph::new(lines), area);
        }
        Step::Form | Step::Working => {
            lines[0] = Line::styled(welcome_text::FORM_TITLE.get(lang).to_owned(), theme.title());
            let (_secrets, config) = files;
            for part in wrap(&welcome_text::FORM_NOTE.fill(lang, &[&config]), width) {
                lines.push(Line::styled(part, theme.dim()));
            }
            lines.push(Line::raw(""));
            let top = lines.len() as u16;
            frame.render_widget(Paragraph::new(lines), area);
            let rect = Rect { y: area.y + top, height: area.height.saturating_sub(top), ..area };
            form::render(frame, rect, &w.form, &Vec::new(), theme, lang);
        }
        Step::Done => {
            lines[0] = Line::styled(welcome_text::DONE_TITLE.get(lang).to_owned(), theme.success());
            for part in wrap(welcome_text::DONE_TEXT.get(lang), width) {
                lines.push(Line::raw(part));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(welcome_text::DONE_NEXT.get(lang).to_owned(), theme.key()));
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
        }
    }
}
