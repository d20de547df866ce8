//! Drawing the import view: the path field with its matches, or the dry run (head, columns, the rows as they will
//! be stored, rejected lines, consent note) scrolled above the pinned counts and the question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::Env;
use super::{ImportView, Stage, text};
use crate::i18n::Localized;
use crate::import::{ConsentHandling, FileFormat, ImportPlan, RowAction};
use crate::tui::widgets::form::{self, Below};
use crate::tui::widgets::text::{cut, fit, safe, wrap};

/// Rows of the table shown at most (the rest is counted).
const SHOWN_ROWS: usize = 8;

pub fn render(frame: &mut Frame<'_>, area: Rect, v: &ImportView, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let w = area.width as usize;
    let ell = theme.ellipsis();
    match &v.stage {
        Stage::Path | Stage::Checking => {
            let mut lines = vec![Line::styled(cut(text::TITLE.get(lang), w, ell), theme.title())];
            lines.extend(wrap(text::INTRO.get(lang), w.max(10)).into_iter().map(|l| Line::styled(l, theme.dim())));
            lines.push(Line::raw(""));
            let head = lines.len() as u16;
            frame.render_widget(Paragraph::new(lines), area);
            let below: Below = if v.matches.is_empty() {
                Vec::new()
            } else {
                let mut extra =
                    vec![Line::styled(cut(&text::MATCHES.fill(lang, &[&v.matches.len()]), w, ell), theme.dim())];
                let room = (area.height as usize).saturating_sub(head as usize + 3);
                for m in v.matches.iter().take(room.max(1)) {
                    extra.push(Line::raw(cut(&format!("    {}", safe(m)), w, ell)));
                }
                vec![(0, extra)]
            };
            let field = Rect { y: area.y + head, height: area.height.saturating_sub(head), ..area };
            form::render(frame, field, &v.form, &below, theme, lang);
            if v.stage == Stage::Checking {
                let at = Rect { y: field.y + 2, height: 1, ..field };
                if at.y < area.y + area.height {
                    frame.render_widget(Paragraph::new(text::LOADING.get(lang)), at);
                }
            }
        }
        Stage::Evidence(_) => {
            let mut lines = vec![Line::styled(cut(text::TITLE.get(lang), w, ell), theme.title())];
            lines.extend(wrap(text::EVIDENCE_INTRO.get(lang), w.max(10)).into_iter().map(Line::raw));
            lines.push(Line::raw(""));
            let head = lines.len() as u16;
            frame.render_widget(Paragraph::new(lines), area);
            let field = Rect { y: area.y + head, height: area.height.saturating_sub(head), ..area };
            form::render(frame, field, &v.evidence, &Vec::new(), theme, lang);
        }
        Stage::Preview(plan) | Stage::Applying(plan) => {
            let body = preview_lines(plan, v.path().trim(), w, env);
            let pinned = 2u16.min(area.height);
            let room = area.height.saturating_sub(pinned) as usize;
            let start = v.scroll.min(body.len().saturating_sub(room));
            let shown: Vec<Line<'static>> = body.into_iter().skip(start).take(room).collect();
            frame.render_widget(Paragraph::new(shown), Rect { height: room as u16, ..area });
            let counts = text::counts(plan.adds(), plan.updates(), plan.unchanged(), plan.rejected.len(), lang);
            let question = if plan.has_changes() { text::QUESTION } else { text::NOTHING };
            let bottom =
                vec![Line::styled(cut(&counts, w, ell), theme.title()), Line::raw(cut(question.get(lang), w, ell))];
            let at = Rect { y: area.y + area.height - pinned, height: pinned, ..area };
            frame.render_widget(Paragraph::new(bottom), at);
        }
    }
}

/// The dry run's lines above the counts.
fn preview_lines(plan: &ImportPlan, typed: &str, w: usize, env: &Env) -> Vec<Line<'static>> {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    // The file as the farmer typed it (`~/kunden.csv`).
    let file = safe(typed).into_owned();
    let format = match plan.format {
        FileFormat::Csv { delimiter: '\t' } => format!("CSV, Tab, {}", plan.encoding.label()),
        FileFormat::Csv { delimiter } => format!("CSV, »{delimiter}«, {}", plan.encoding.label()),
        FileFormat::Vcard => format!("vCard, {}", plan.encoding.label()),
    };
    let mut lines: Vec<Line<'static>> = Vec::new();
    for l in wrap(&text::HEAD.fill(lang, &[&file, &format]), w.max(10)) {
        lines.push(Line::styled(l, theme.title()));
    }
    lines.push(Line::styled(cut(text::COLUMNS.get(lang), w, ell), theme.column_title()));
    if plan.format == FileFormat::Vcard {
        lines.push(Line::raw(cut(text::VCARD_FIELDS.get(lang), w, ell)));
    }
    for m in &plan.mapping {
        lines.push(Line::raw(cut(&text::COLUMN.fill(lang, &[&safe(&m.header), &m.field.label().get(lang)]), w, ell)));
    }
    for c in &plan.ignored {
        lines.push(Line::styled(cut(&text::COLUMN_UNUSED.fill(lang, &[&safe(c)]), w, ell), theme.dim()));
    }
    if plan.rows.is_empty() {
        lines.push(Line::styled(cut(text::ROWS_NONE.get(lang), w, ell), theme.column_title()));
    } else {
        let head = if plan.rows.len() > SHOWN_ROWS {
            text::ROWS.fill(lang, &[&SHOWN_ROWS])
        } else {
            text::ROWS_ALL.get(lang).to_owned()
        };
        lines.push(Line::styled(cut(&head, w, ell), theme.column_title()));
        lines.extend(table(plan, w, env));
    }
    if !plan.rejected.is_empty() {
        lines.push(Line::styled(cut(text::REJECTED.get(lang), w, ell), theme.column_title()));
        for r in &plan.rejected {
            let line = text::REJECTED_LINE.fill(lang, &[&r.line, &r.reason.localized(lang)]);
            for l in wrap(&line, w.max(10)) {
                lines.push(Line::styled(l, theme.error()));
            }
        }
    }
    match &plan.consent {
        ConsentHandling::Ignored { columns } => {
            let list = columns.iter().map(|c| safe(c).into_owned()).collect::<Vec<_>>().join(", ");
            for l in wrap(&text::CONSENT_IGNORED.fill(lang, &[&list]), w.max(10)) {
                lines.push(Line::styled(l, theme.dim()));
            }
            for l in wrap(text::CONSENT_HOW.get(lang), w.max(10)) {
                lines.push(Line::styled(l, theme.dim()));
            }
        }
        ConsentHandling::Record { evidence, .. } => {
            let (service, marketing) = plan.consents();
            let line = text::CONSENT_RECORD.fill(lang, &[&(service + marketing), &safe(evidence)]);
            for l in wrap(&line, w.max(10)) {
                lines.push(Line::styled(l, theme.title()));
            }
        }
        ConsentHandling::NotInFile | ConsentHandling::NoColumns => {}
    }
    lines
}

/// The first rows as they will be stored: line, what happens, name, first name, phone (normalised), tags, consent.
fn table(plan: &ImportPlan, w: usize, env: &Env) -> Vec<Line<'static>> {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    // Widths: line 5, action 7, phone 16, consent 12; name, first name and tags share the rest.
    let fixed = 6 + 8 + 17 + 12;
    let rest = w.saturating_sub(fixed).max(15);
    let (name_w, first_w) = (rest * 2 / 5, rest / 4);
    let tags_w = rest.saturating_sub(name_w + first_w);
    let row = |cells: [String; 7]| -> String {
        let [line, action, name, first, phone, tags, consent] = cells;
        format!(
            "{} {} {} {} {} {} {}",
            fit(&line, 5, ell),
            fit(&action, 7, ell),
            fit(&name, name_w.saturating_sub(1), ell),
            fit(&first, first_w.saturating_sub(1), ell),
            fit(&phone, 16, ell),
            fit(&tags, tags_w.saturating_sub(1), ell),
            cut(&consent, 12, ell),
        )
    };
    let head = row([
        text::COL_LINE.get(lang).into(),
        String::new(),
        text::COL_NAME.get(lang).into(),
        text::COL_FIRST.get(lang).into(),
        text::COL_PHONE.get(lang).into(),
        text::COL_TAGS.get(lang).into(),
        text::COL_CONSENT.get(lang).into(),
    ]);
    let mut out = vec![Line::styled(cut(&head, w, ell), theme.dim())];
    for r in plan.rows.iter().take(SHOWN_ROWS) {
        let action = match r.action {
            RowAction::Add => text::ACTION_NEW,
            RowAction::Update { .. } => text::ACTION_UPDATE,
            RowAction::Unchanged { .. } => text::ACTION_SAME,
        };
        let consent = if r.consents.is_empty() {
            text::CONSENT_NONE.get(lang).to_owned()
        } else {
            r.consents.iter().map(|c| text::purpose_short(c.purpose).get(lang)).collect::<Vec<_>>().join(", ")
        };
        let cells = [
            r.line.to_string(),
            action.get(lang).to_owned(),
            safe(&r.draft.name).into_owned(),
            safe(&r.draft.first_name).into_owned(),
            r.draft.phone.as_ref().map(|p| p.display()).unwrap_or_default(),
            safe(&r.draft.tags.join(", ")).into_owned(),
            consent,
        ];
        out.push(Line::from(Span::raw(cut(&row(cells), w, ell))));
    }
    out
}
