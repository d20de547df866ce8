//! The customer list (Kunden): table with name, phone, tags and both consent states; fuzzy search as you type,
//! tag filter, sort by name or last change, and the keys that open the form, the detail view and the erase dialog.
//! Rows are prepared once per load (search text, cleaned labels); the phone is formatted only when a row is first
//! drawn, and only the rows on screen are drawn, so 100,000 customers stay fast. The screen (list, `detail`, `form`)
//! owns its state (`CustomersView`, the form) and answers with [`Outcome`]s: opening the form, the consent form, the
//! erase question or a conversation is the app's business. Must not perform IO.

pub mod detail;
pub mod form;

use std::borrow::Cow;
use std::cell::OnceCell;

use chrono::{DateTime, Utc};
use nucleo_matcher::Utf32String;
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use self::detail::Detail;
use super::{Env, Outcome};
use crate::domain::consent::{ConsentState, EventKind};
use crate::domain::customer::CustomerRow;
use crate::domain::phone::Region;
use crate::tui::filter::{Fuzzy, fold, haystack};
use crate::tui::keymap::Action;
use crate::tui::msg::Effect;
use crate::tui::nav::Nav;
use crate::tui::text;
use crate::tui::widgets::confirm::{Confirm, OnYes};
use crate::tui::widgets::text::{cut, fit, safe, width};

/// What a load of the customer list brings.
#[derive(Debug, Clone)]
pub struct CustomersData {
    pub rows: Vec<CustomerRow>,
    pub tags: Vec<(String, i64)>,
    pub now: DateTime<Utc>,
    pub data_version: i64,
}

/// One customer, prepared for searching and drawing.
#[derive(Debug)]
pub struct Entry {
    pub row: CustomerRow,
    /// Name, first name, phone digits (as typed and E.164) and tags, folded for searching.
    hay: Utf32String,
    phone: OnceCell<String>,
}

impl Entry {
    fn new(row: CustomerRow, prefix: &Option<(String, String)>) -> Entry {
        let c = &row.customer;
        let e164 = c.phone.as_e164();
        // Digits as people type them ("01711234567") without formatting the number (that is slow).
        let national = match prefix {
            Some((cc, trunk)) if e164.starts_with(cc.as_str()) => format!("{trunk}{}", &e164[cc.len()..]),
            _ => String::new(),
        };
        let hay = haystack(&format!("{} {} {national} {e164} {}", c.name, c.first_name, c.tags.join(" ")));
        Entry { hay, phone: OnceCell::new(), row }
    }

    /// The name as it may be printed (control characters escaped).
    pub fn name(&self) -> Cow<'_, str> {
        safe(&self.row.customer.name)
    }

    /// The phone number in readable form, formatted on first use.
    pub fn phone(&self, region: Region) -> &str {
        self.phone.get_or_init(|| self.row.customer.phone.display_for(region))
    }

    pub fn id(&self) -> i64 {
        self.row.customer.id
    }

    fn has_tag(&self, lower: &str) -> bool {
        self.row.customer.tags.iter().any(|t| t.chars().flat_map(char::to_lowercase).eq(lower.chars()))
    }
}

/// The calling code and trunk prefix of the shop's region, e.g. ("+49", "0").
fn region_prefix(region: Region) -> Option<(String, String)> {
    region.prefixes()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Name,
    Changed,
}

/// The customer list screen.
#[derive(Debug, Default)]
pub struct CustomersView {
    pub loaded: bool,
    pub stale: bool,
    /// In name order, as loaded.
    pub entries: Vec<Entry>,
    /// Indexes into `entries`, newest change first.
    by_change: Vec<usize>,
    /// Position of each entry in `by_change`.
    change_rank: Vec<usize>,
    /// Indexes into `entries` that pass search and tag filter, in sort order.
    pub visible: Vec<usize>,
    pub filter: Input,
    pub filter_editing: bool,
    fuzzy: Fuzzy,
    picker: Fuzzy,
    pub tags: Vec<(String, i64)>,
    pub tag: Option<String>,
    pub sort: Sort,
    pub nav: Nav,
    pub detail: Option<Detail>,
    /// Select this customer when the next load arrives (the one just saved).
    pub select_after_load: Option<i64>,
}

impl CustomersView {
    pub fn selected(&self) -> Option<&Entry> {
        self.visible.get(self.nav.selected).and_then(|i| self.entries.get(*i))
    }

    pub fn by_id(&self, id: i64) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id() == id)
    }

    /// Recomputes `visible`; when the search only got longer, only the previous hits are searched again.
    fn refilter(&mut self, narrowing: bool) {
        let selected_id = self.selected().map(Entry::id);
        let tag = self.tag.as_ref().map(|t| t.to_lowercase());
        let candidates: Vec<usize> = if narrowing {
            std::mem::take(&mut self.visible)
        } else {
            match self.sort {
                Sort::Name => (0..self.entries.len()).collect(),
                Sort::Changed => self.by_change.clone(),
            }
        };
        let entries = &self.entries;
        let tagged = candidates.into_iter().filter(|i| tag.as_ref().is_none_or(|t| entries[*i].has_tag(t)));
        self.visible = if self.fuzzy.is_empty() {
            tagged.collect()
        } else {
            // Best match first when few match; equal scores keep the chosen order (the candidates' order).
            let ordered: Vec<usize> = if narrowing { self.base_order(tagged) } else { tagged.collect() };
            self.fuzzy.filter(ordered.into_iter().map(|i| (i, &entries[i].hay)))
        };
        self.reselect(selected_id);
    }

    /// `indexes` in the chosen sort order (the previous result may be ranked by score).
    fn base_order(&self, indexes: impl Iterator<Item = usize>) -> Vec<usize> {
        let mut v: Vec<usize> = indexes.collect();
        match self.sort {
            Sort::Name => v.sort_unstable(),
            Sort::Changed => v.sort_unstable_by_key(|i| self.change_rank.get(*i).copied().unwrap_or(*i)),
        }
        v
    }

    fn reselect(&mut self, id: Option<i64>) {
        if let Some(pos) = id.and_then(|id| self.visible.iter().position(|i| self.entries[*i].id() == id)) {
            self.nav.selected = pos;
        }
    }

    fn set_query(&mut self) {
        let query = self.filter.value().to_owned();
        let narrowing = self.fuzzy.set_query(&query);
        self.refilter(narrowing);
    }

    /// The best matches for the customer picker of a form (by score), at most `limit`.
    pub fn search(&mut self, query: &str, limit: usize) -> Vec<usize> {
        self.picker.set_query(query);
        if self.picker.is_empty() {
            return Vec::new();
        }
        let mut hits = self.picker.filter(self.entries.iter().enumerate().map(|(i, e)| (i, &e.hay)));
        hits.truncate(limit);
        hits
    }

    /// Whether search, tag or sort differ from the plain list.
    pub fn filtered(&self) -> bool {
        !self.fuzzy.is_empty() || self.tag.is_some()
    }
}

/// Rows of the table that fit on screen.
pub fn page(size: (u16, u16)) -> usize {
    crate::tui::screens::body_height(size).saturating_sub(2) as usize
}

pub fn clamp(v: &mut CustomersView, size: (u16, u16)) {
    v.nav.clamp(v.visible.len(), page(size));
}

/// A fresh list arrived: prepare rows, keep search, tag, sort and the selected customer.
pub fn loaded(v: &mut CustomersView, env: &Env, data: CustomersData) {
    let prefix = region_prefix(env.region);
    let selected_id = v.selected().map(Entry::id);
    v.entries = data.rows.into_iter().map(|r| Entry::new(r, &prefix)).collect();
    v.entries.sort_by_cached_key(|e| (fold(&e.row.customer.name), e.id()));
    let mut by_change: Vec<usize> = (0..v.entries.len()).collect();
    by_change.sort_by(|a, b| {
        let (a, b) = (&v.entries[*a].row.customer, &v.entries[*b].row.customer);
        b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id))
    });
    let mut change_rank = vec![0; by_change.len()];
    for (pos, i) in by_change.iter().enumerate() {
        change_rank[*i] = pos;
    }
    v.by_change = by_change;
    v.change_rank = change_rank;
    v.tags = data.tags;
    if v.tag.as_ref().is_some_and(|t| !v.tags.iter().any(|(x, _)| x == t)) {
        v.tag = None;
    }
    v.loaded = true;
    v.refilter(false);
    v.reselect(selected_id);
    clamp(v, env.size);
    if let Some(id) = v.select_after_load.take() {
        select_id(v, env.size, id);
    }
}

/// Selects the customer with `id` (after saving), clearing a search that would hide them.
pub fn select_id(v: &mut CustomersView, size: (u16, u16), id: i64) {
    if !v.visible.iter().any(|i| v.entries[*i].id() == id) && v.filtered() {
        v.filter = Input::default();
        v.fuzzy.set_query("");
        v.tag = None;
        v.refilter(false);
    }
    v.reselect(Some(id));
    clamp(v, size);
}

/// Text typed while searching.
pub fn type_filter(v: &mut CustomersView, env: &Env, ev: &KeyEvent) {
    let Some(req) = to_input_request(&Event::Key(*ev)) else { return };
    if v.filter.handle(req).is_some_and(|c| c.value) {
        v.nav.selected = 0;
        v.set_query();
        clamp(v, env.size);
    }
}

pub fn on_action(v: &mut CustomersView, env: &Env, action: Action) -> Vec<Outcome> {
    let page = page(env.size);
    let lang = env.lang;
    match action {
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home | Action::End => {
            v.nav.apply(action, v.visible.len(), page);
        }
        Action::Filter => v.filter_editing = true,
        Action::FilterDone => v.filter_editing = false,
        Action::FilterCancel | Action::Back => {
            v.filter_editing = false;
            v.filter = Input::default();
            if action == Action::Back {
                v.tag = None;
            }
            v.set_query();
            clamp(v, env.size);
        }
        Action::TagFilter => {
            let next = match &v.tag {
                None => v.tags.first(),
                Some(cur) => v.tags.iter().skip_while(|(t, _)| t != cur).nth(1),
            };
            v.tag = next.map(|(t, _)| t.clone());
            v.nav.selected = 0;
            v.refilter(false);
            clamp(v, env.size);
        }
        Action::Sort => {
            v.sort = match v.sort {
                Sort::Name => Sort::Changed,
                Sort::Changed => Sort::Name,
            };
            v.refilter(false);
            clamp(v, env.size);
        }
        Action::Add => return vec![Outcome::CustomerForm(None)],
        Action::Edit => {
            if let Some(e) = v.selected() {
                return vec![Outcome::CustomerForm(Some(e.row.customer.clone()))];
            }
        }
        Action::Delete => {
            if let Some(e) = v.selected() {
                return vec![Outcome::Confirm(erase_question(&e.row.customer, env.region, lang))];
            }
        }
        Action::Open => {
            if let Some(id) = v.selected().map(Entry::id) {
                v.detail = Some(Detail::new(id));
                return vec![Outcome::Effect(Effect::LoadLedger(id))];
            }
        }
        Action::Record | Action::Withdraw => {
            let kind = if action == Action::Record { EventKind::Granted } else { EventKind::Withdrawn };
            let picked = v.selected().map(|e| (e.id(), e.row.customer.name.clone()));
            return vec![Outcome::RecordConsent { kind, picked }];
        }
        _ => {}
    }
    Vec::new()
}

/// The question before erasing, naming the customer.
pub fn erase_question(c: &crate::domain::customer::Customer, region: Region, lang: crate::i18n::Lang) -> Confirm {
    let shown = format!("{} ({})", safe(&c.name), c.phone.display_for(region));
    Confirm {
        question: text::ERASE_QUESTION.fill(lang, &[&shown]),
        on_yes: OnYes::Erase { id: c.id, phone: c.phone.clone(), name: c.name.clone() },
    }
}

/// Column widths at a given screen width; columns collapse on narrow screens.
struct Cols {
    name: usize,
    phone: usize,
    tags: usize,
    service: usize,
    marketing: usize,
    changed: usize,
}

fn columns(total: usize, lang: crate::i18n::Lang) -> Cols {
    let service = width(text::COL_SERVICE.get(lang));
    let marketing = width(text::COL_MARKETING.get(lang));
    let phone = 15;
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
    let count = if v.filtered() {
        text::COUNT_OF.fill(lang, &[&text::number(v.visible.len() as i64), &text::number(v.entries.len() as i64)])
    } else {
        text::COUNT.fill(lang, &[&text::number(v.entries.len() as i64)])
    };
    let used: usize = info.iter().map(|s| width(&s.content)).sum();
    let pad = w.saturating_sub(used + width(&count));
    info.push(Span::raw(" ".repeat(pad.max(1))));
    info.push(Span::styled(count, theme.title()));
    lines.push(Line::from(info));

    // One column for the selection mark, so the selection shows without colour or reverse video too.
    let cols = columns(w.saturating_sub(1), lang);
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

    if !v.loaded {
        lines.push(Line::raw(text::LOADING.get(lang).to_owned()));
    } else if v.entries.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(text::NO_CUSTOMERS.get(lang).to_owned(), theme.title()));
        lines.push(Line::raw(text::NO_CUSTOMERS_HINT.fill(lang, &[&env.key(Action::Add)])));
    } else if v.visible.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::raw(text::NO_MATCHES.fill(lang, &[&env.key(Action::Back)])));
    }

    let page = area.height.saturating_sub(2) as usize;
    for (pos, idx) in v.visible.iter().enumerate().skip(v.nav.window(v.visible.len(), page).start).take(page) {
        let e = &v.entries[*idx];
        let glyph = |s: ConsentState| format!("   {}", theme.consent_glyph(s));
        let mark = if pos == v.nav.selected { theme.pointer() } else { " " };
        let mut spans = vec![
            Span::raw(mark.to_owned()),
            Span::raw(fit(&e.name(), cols.name, ell)),
            Span::raw(" "),
            Span::raw(fit(e.phone(env.region), cols.phone, ell)),
            Span::raw(" "),
        ];
        if cols.tags > 0 {
            spans.push(Span::raw(fit(&safe(&e.row.customer.tags.join(", ")), cols.tags, ell)));
            spans.push(Span::raw(" "));
        }
        let consent = e.row.consent;
        spans.push(Span::styled(fit(&glyph(consent.service), cols.service, ell), theme.consent(consent.service)));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(fit(&glyph(consent.marketing), cols.marketing, ell), theme.consent(consent.marketing)));
        if cols.changed > 0 {
            spans.push(Span::raw(" "));
            spans.push(Span::raw(text::date(e.row.customer.updated_at, lang)));
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
