//! Drawing the customers screen: the customer table (only the rows on screen; phones formatted on first draw), the
//! search line, or the detail view. Pure drawing: reads the state, never changes it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::*;
use crate::domain::consent::ConsentState;
use crate::tui::widgets::text::{cut, width};

/// Column widths at a given screen width; columns collapse on narrow screens.
struct Cols {
    name: usize,
    phone: usize,
    tags: usize,
    service: usize,
    marketing: usize,
    changed: usize,
}

fn columns(total: usize, lang: crate::i18n::Lang, without_number: bool) -> Cols {
    let service = width(text::COL_SERVICE.get(lang));
    let marketing = width(text::COL_MARKETING.get(lang));
    // "WhatsApp-Nutzer (ohne Nummer)" in full when someone on the list has no number (issue 14 §4).
    let phone = if without_number { width(crate::domain::customer::NO_NUMBER.get(lang)).max(15) } else { 15 };
    let changed = if total >= 100 { 10 } else { 0 };
    let gaps = 4 + usize::from(changed > 0);
    let rest = total.saturating_sub(service + marketing + phone + changed + gaps);
    let (name, tags) = if rest >= 30 { (rest * 55 / 100, rest - rest * 55 / 100 - 1) } else { (rest, 0) };
    Cols { name, phone, tags, service, marketing, changed }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, v: &CustomersView, env: &Env) {
    if v.detail.is_some() {
        detail::render(frame, area, v, env);
        return;
    }
    let theme = env.theme;
    let lang = env.lang;
    let ell = theme.ellipsis();
    let w = area.width as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();

    // Info line: search, tag, sort, count.
    let mut info: Vec<Span<'static>> = Vec::new();
    if v.filter_editing || !v.filter.value().is_empty() {
        info.push(Span::styled(text::SEARCH.get(lang).to_owned(), theme.title()));
        let shown = cut(&safe(v.filter.value()), w / 3, ell);
        info.push(Span::styled(format!("{shown}{}", if v.filter_editing { "_" } else { "" }), theme.input()));
        info.push(Span::raw(theme.dot()));
    }
    if let Some(tag) = &v.tag {
        let n = v.tags.iter().find(|(x, _)| x == tag).map(|(_, n)| *n).unwrap_or(0);
        info.push(Span::raw(text::TAG_FILTER.fill(lang, &[&safe(tag), &n])));
        info.push(Span::raw(theme.dot()));
    }
    let sort = match v.sort {
        _ if !v.filter.value().trim().is_empty() => text::SORT_SCORE,
        Sort::Name => text::SORT_NAME,
        Sort::Changed => text::SORT_CHANGED,
    };
    info.push(Span::styled(sort.get(lang).to_owned(), theme.dim()));
    if !v.marked.is_empty() {
        info.push(Span::styled(text::MARKED.fill(lang, &[&text::number(v.marked.len() as i64)]), theme.title()));
        info.push(Span::raw(theme.dot()));
    }
    let count = if let Some(total) = v.page_of {
        // The first rows only: the count is the whole list's; hits of a search are counted once it is in.
        text::COUNT.fill(lang, total as i64, &[&text::number(total as i64)])
    } else if v.filtered() {
        let total = v.entries.len() as i64;
        text::COUNT_OF.fill(lang, total, &[&text::number(v.visible.len() as i64), &text::number(total)])
    } else {
        text::COUNT.fill(lang, v.entries.len() as i64, &[&text::number(v.entries.len() as i64)])
    };
    let used: usize = info.iter().map(|s| width(&s.content)).sum();
    let pad = w.saturating_sub(used + width(&count));
    info.push(Span::raw(" ".repeat(pad.max(1))));
    info.push(Span::styled(count, theme.title()));
    lines.push(Line::from(info));

    // One column for the selection mark, so the selection shows without colour or reverse video too.
    let without_number = v.entries.iter().any(|e| !e.has_number());
    let cols = columns(w.saturating_sub(1), lang, without_number);
    let mut head = vec![
        " ".to_owned(),
        fit(text::COL_NAME.get(lang), cols.name, ell),
        fit(text::COL_PHONE.get(lang), cols.phone, ell),
    ];
    if cols.tags > 0 {
        head.push(fit(text::COL_TAGS.get(lang), cols.tags, ell));
    }
    head.push(fit(text::COL_SERVICE.get(lang), cols.service, ell));
    head.push(fit(text::COL_MARKETING.get(lang), cols.marketing, ell));
    if cols.changed > 0 {
        head.push(fit(text::COL_CHANGED.get(lang), cols.changed, ell));
    }
    lines.push(Line::styled(fit(&head.concat_with_gaps(), w, ell), theme.column_title()));

    if !v.loaded && v.page_of.is_none() {
        lines.push(Line::raw(text::LOADING.get(lang).to_owned()));
    } else if v.entries.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(text::NO_CUSTOMERS.get(lang).to_owned(), theme.title()));
        // While the search takes the letters there is no key that adds: no hint then ("Drücke , um …").
        let add = env.key(Action::Add);
        if !add.is_empty() {
            lines.push(Line::raw(text::NO_CUSTOMERS_HINT.fill(lang, &[&add])));
        }
    } else if v.visible.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::raw(text::NO_MATCHES.fill(lang, &[&env.key(Action::Back)])));
    }

    let page = area.height.saturating_sub(2) as usize;
    for (pos, idx) in v.visible.iter().enumerate().skip(v.nav.window(v.visible.len(), page).start).take(page) {
        let e = &v.entries[*idx];
        let glyph = |s: ConsentState| format!("   {}", theme.consent_glyph(s));
        let mark = if pos == v.nav.selected { theme.pointer() } else { " " };
        // A marked customer (Space) has a star before the name.
        let name = if v.marked.contains(&e.id()) { format!("* {}", e.name()) } else { e.name().into_owned() };
        let mut spans = vec![
            Span::raw(mark.to_owned()),
            Span::raw(fit(&name, cols.name, ell)),
            Span::raw(" "),
            Span::raw(fit(e.phone(lang), cols.phone, ell)),
            Span::raw(" "),
        ];
        if cols.tags > 0 {
            spans.push(Span::raw(fit(&safe(&e.tags().collect::<Vec<_>>().join(", ")), cols.tags, ell)));
            spans.push(Span::raw(" "));
        }
        let consent = e.consent;
        spans.push(Span::styled(fit(&glyph(consent.service), cols.service, ell), theme.consent(consent.service)));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(fit(&glyph(consent.marketing), cols.marketing, ell), theme.consent(consent.marketing)));
        if cols.changed > 0 {
            spans.push(Span::raw(" "));
            spans.push(Span::raw(text::date(e.updated_at(), lang)));
        }
        let mut line = Line::from(spans);
        if pos == v.nav.selected {
            line = line.style(theme.selected());
            // The selection must stay visible without colour: pad the whole row.
            let used: usize = line.spans.iter().map(|s| width(&s.content)).sum();
            line.spans.push(Span::raw(" ".repeat(w.saturating_sub(used))));
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines).style(theme.base()), area);
}

/// Joins header cells: the mark column directly, the others with one space.
trait Gaps {
    fn concat_with_gaps(&self) -> String;
}

impl Gaps for Vec<String> {
    fn concat_with_gaps(&self) -> String {
        match self.split_first() {
            Some((mark, rest)) => format!("{mark}{}", rest.join(" ")),
            None => String::new(),
        }
    }
}
