//! Drawing the consent screen: the counts per purpose, the open double opt-ins and the ledger events. Pure drawing:
//! reads the state, never changes it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::*;
use crate::domain::consent::ConsentState;
use crate::tui::text;
use crate::tui::widgets::text::{cut, fit_right, safe, width};

fn count_cell(n: i64, w: usize) -> String {
    fit_right(&text::number(n), w, "")
}

pub fn render(frame: &mut Frame<'_>, area: Rect, v: &ConsentView, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    let w = area.width as usize;
    let Some(data) = &v.data else {
        frame.render_widget(Paragraph::new(text::LOADING.get(lang)), area);
        return;
    };
    let mut lines: Vec<Line<'static>> = Vec::new();

    // Counts per purpose.
    let states = [ConsentState::Granted, ConsentState::Pending, ConsentState::Withdrawn, ConsentState::None];
    let label_w = Purpose::ALL.iter().map(|p| width(p.label().get(lang))).max().unwrap_or(10) + 2;
    let cell_w = states.iter().map(|s| width(s.label().get(lang)) + 2).max().unwrap_or(12);
    let mut head = fit(text::PURPOSE.get(lang), label_w, ell);
    for s in states {
        head.push_str(&fit_right(s.label().get(lang), cell_w, ell));
    }
    lines.push(Line::styled(fit(&head, w, ell), theme.column_title()));
    for (purpose, c) in &data.counts {
        let mut spans = vec![Span::raw(fit(purpose.label().get(lang), label_w, ell))];
        for (s, n) in states.iter().zip([c.granted, c.pending, c.withdrawn, c.none]) {
            spans.push(Span::styled(count_cell(n, cell_w), theme.consent(*s)));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));

    // Open double opt-ins.
    let n = data.pending.len();
    lines.push(Line::styled(fit(&text::PENDING_TITLE.fill(lang, &[&n]), w, ell), theme.title()));
    for p in data.pending.iter().take(PENDING_SHOWN) {
        let age = text::age(data.now - p.since, lang);
        let text = format!("  {}{}{}{}{}", safe(&p.name), theme.dot(), p.purpose.label().get(lang), theme.dot(), age);
        lines.push(Line::raw(cut(&text, w, ell)));
    }
    if n > PENDING_SHOWN {
        lines.push(Line::styled(text::AND_MORE.fill(lang, &[&(n - PENDING_SHOWN)]), theme.dim()));
    }
    lines.push(Line::raw(""));

    // Latest events.
    let any = text::ALL.get(lang);
    let purpose = v.purpose.map(|p| text::purpose_short(p).get(lang)).unwrap_or(any);
    let source = v.source.map(|s| text::source_short(s).get(lang)).unwrap_or(any);
    let title = text::EVENTS_TITLE.fill(lang, v.visible.len() as i64, &[&purpose, &source, &v.visible.len()]);
    lines.push(Line::styled(fit(&title, w, ell), theme.title()));
    let cols = EventCols::new(w);
    lines.push(Line::styled(fit(&cols.header(lang, ell), w, ell), theme.column_title()));
    if v.visible.is_empty() {
        lines.push(Line::raw(text::EVENTS_EMPTY.get(lang).to_owned()));
    }
    let page = page(v, env.size);
    for (pos, i) in v.visible.iter().enumerate().skip(v.nav.window(v.visible.len(), page).start).take(page) {
        let r = &data.events[*i];
        let selected = pos == v.nav.selected;
        let mut line = Line::raw(fit(&cols.row(r, selected, theme, lang), w, ell));
        if selected {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Column widths of the event table; wide screens get more columns.
struct EventCols {
    recorded: usize,
    name: usize,
    purpose: usize,
    kind: usize,
    source: usize,
    evidence: usize,
    /// Only on wide screens (0 = hidden).
    occurred: usize,
    by: usize,
    wording: usize,
}

impl EventCols {
    fn new(w: usize) -> EventCols {
        let w = w.saturating_sub(1);
        if w >= 110 {
            let fixed = 16 + 18 + 9 + 10 + 14 + 16 + 8 + 5 + 8;
            let evidence = w.saturating_sub(fixed).max(8);
            EventCols {
                recorded: 16,
                name: 18,
                purpose: 9,
                kind: 10,
                source: 14,
                evidence,
                occurred: 16,
                by: 8,
                wording: 5,
            }
        } else {
            let fixed = 10 + 9 + 10 + 14 + 5;
            let rest = w.saturating_sub(fixed).max(8);
            let name = rest / 2 + 1;
            EventCols {
                recorded: 10,
                name,
                purpose: 9,
                kind: 10,
                source: 14,
                evidence: rest - name,
                occurred: 0,
                by: 0,
                wording: 0,
            }
        }
    }

    fn header(&self, lang: crate::i18n::Lang, ell: &str) -> String {
        let mut cells = vec![
            fit(text::COL_RECORDED.get(lang), self.recorded, ell),
            fit(text::COL_CUSTOMER.get(lang), self.name, ell),
            fit(text::PURPOSE.get(lang), self.purpose, ell),
            fit(text::COL_WHAT.get(lang), self.kind, ell),
            fit(text::COL_SOURCE.get(lang), self.source, ell),
        ];
        if self.occurred > 0 {
            cells.push(fit(text::COL_OCCURRED.get(lang), self.occurred, ell));
            cells.push(fit(text::COL_BY.get(lang), self.by, ell));
            cells.push(fit(text::COL_WORDING.get(lang), self.wording, ell));
        }
        cells.push(fit(text::COL_EVIDENCE.get(lang), self.evidence, ell));
        format!(" {}", cells.join(" "))
    }

    fn row(&self, r: &EventRow, selected: bool, theme: crate::tui::theme::Theme, lang: crate::i18n::Lang) -> String {
        let ell = theme.ellipsis();
        let e = &r.event;
        let name = match &r.name {
            Some(n) => safe(n).into_owned(),
            None => text::ERASED_CUSTOMER.get(lang).to_owned(),
        };
        // A message id means nothing to the farmer here; the customer's detail shows it for a proof.
        let evidence = if e.evidence.is_empty() {
            "–".to_owned()
        } else if e.evidence.starts_with("wamid.") {
            text::EVIDENCE_MESSAGE.get(lang).to_owned()
        } else {
            safe(&e.evidence).into_owned()
        };
        let recorded =
            if self.occurred > 0 { text::datetime_short(e.recorded_at, lang) } else { text::date(e.recorded_at, lang) };
        let mut cells = vec![
            fit(&recorded, self.recorded, ell),
            fit(&name, self.name, ell),
            fit(text::purpose_short(e.purpose).get(lang), self.purpose, ell),
            fit(text::kind_short(e.kind).get(lang), self.kind, ell),
            fit(text::source_short(e.source).get(lang), self.source, ell),
        ];
        if self.occurred > 0 {
            cells.push(fit(&text::datetime_short(e.occurred_at, lang), self.occurred, ell));
            cells.push(fit(&safe(&e.recorded_by), self.by, ell));
            let wording = e.wording_version.map(|v| format!("v{v}")).unwrap_or_else(|| "–".into());
            cells.push(fit(&wording, self.wording, ell));
        }
        cells.push(fit(&evidence, self.evidence, ell));
        let mark = if selected { theme.pointer() } else { " " };
        format!("{mark}{}", cells.join(" "))
    }
}
