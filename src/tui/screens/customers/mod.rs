//! The customer list (Kunden): table with name, phone, tags and both consent states; fuzzy search as you type,
//! tag filter, sort by name or last change, and the keys that open the form, the detail view and the erase dialog.
//! Rows are prepared once per load (search text, cleaned labels); the phone is formatted only when a row is first
//! drawn, and only the rows on screen are drawn, so 100,000 customers stay fast. The screen (list, `detail`, `form`)
//! owns its state (`CustomersView`, the form) and answers with [`Outcome`]s: opening the form, the consent form, the
//! erase question or a conversation is the app's business. Must not perform IO.

pub mod detail;
pub mod form;

mod draw;

pub use self::draw::render;

use std::borrow::Cow;
use std::cell::OnceCell;

use chrono::{DateTime, Utc};
use nucleo_matcher::Utf32String;
use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use self::detail::Detail;
use super::{Env, Outcome};
use crate::domain::consent::EventKind;
use crate::domain::customer::CustomerRow;
use crate::domain::phone::Region;
use crate::i18n::Tr;
use crate::tui::filter::{Fuzzy, fold, haystack};
use crate::tui::keymap::Action;
use crate::tui::msg::{Effect, FileKind};
use crate::tui::nav::Nav;
use crate::tui::text;
use crate::tui::widgets::confirm::{Confirm, OnYes};
use crate::tui::widgets::text::{fit, safe};

/// What a load of the customer list brings.
#[derive(Debug, Clone)]
pub struct CustomersData {
    pub rows: Vec<CustomerRow>,
    pub tags: Vec<(String, i64)>,
    pub now: DateTime<Utc>,
    pub data_version: i64,
    /// `Some(total)` when `rows` are only the first rows of the list (in its order) and `total` customers exist:
    /// drawn at once on the first start while the whole list is still loading.
    pub page_of: Option<usize>,
}

/// One customer, prepared for searching and drawing.
#[derive(Debug)]
pub struct Entry {
    pub row: CustomerRow,
    /// Name, first name, phone digits (as typed and E.164) and tags, folded for searching.
    hay: Utf32String,
    phone: OnceCell<String>,
    /// For the label shown instead of a number.
    lang: crate::i18n::Lang,
}

impl Entry {
    fn new(row: CustomerRow, prefix: &Option<(String, String)>, lang: crate::i18n::Lang) -> Entry {
        let c = &row.customer;
        // A person known only by user id is found by it, and by "WhatsApp" (the label shown instead of a number).
        let e164 = match &c.phone {
            Some(p) => p.as_e164(),
            None => c.user_id.as_deref().unwrap_or_default(),
        };
        // Digits as people type them ("01711234567") without formatting the number (that is slow).
        let national = match prefix {
            Some((cc, trunk)) if e164.starts_with(cc.as_str()) => format!("{trunk}{}", &e164[cc.len()..]),
            _ => String::new(),
        };
        let hay = haystack(&format!("{} {} {national} {e164} {}", c.name, c.first_name, c.tags.join(" ")));
        Entry { hay, phone: OnceCell::new(), row, lang }
    }

    /// The name as it may be printed (control characters escaped).
    pub fn name(&self) -> Cow<'_, str> {
        safe(&self.row.customer.name)
    }

    /// The phone number in readable form, formatted on first use; "WhatsApp-Nutzer (ohne Nummer)" without one.
    pub fn phone(&self, region: Region) -> &str {
        self.phone.get_or_init(|| self.row.customer.phone_label_for(region, self.lang))
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
    /// Only the first rows are here (the whole list is loading): `Some(total)`.
    pub page_of: Option<usize>,
    /// Keys that need the whole list (End, PageDown past the page, sort, tag filter), pressed while only the first
    /// rows were here: applied in order when the whole list arrives.
    deferred: Vec<Action>,
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
    /// Marked customers (ids), for a message to these (`m`); kept across loads while they exist.
    pub marked: std::collections::BTreeSet<i64>,
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

/// The order of the list by name (ties by id): also what the first page is chosen by.
pub fn sort_key(name: &str) -> String {
    fold(name)
}

/// Whether `name` may come before the list position whose key is `worst`: `false` only when its first folded
/// character is already after the first character of `worst` (folding maps each character on its own, so the
/// folded name starts with it). Spares folding most of 100,000 names for the first page.
pub fn may_precede(name: &str, worst: &str) -> bool {
    let Some(first) = name.chars().next() else { return true };
    let folded = if first.is_ascii() {
        Some(first.to_ascii_lowercase())
    } else {
        let mut buf = [0u8; 4];
        fold(first.encode_utf8(&mut buf)).chars().next()
    };
    match (folded, worst.chars().next()) {
        (Some(f), Some(w)) => f <= w,
        _ => true,
    }
}

/// How many rows to load first on the first start (two screens, so a page down needs nothing more); `None` when
/// the list is there already or its first rows are.
pub fn first_page(v: &CustomersView, size: (u16, u16)) -> Option<usize> {
    (!v.loaded && v.page_of.is_none() && v.entries.is_empty()).then(|| (2 * page(size)).max(40))
}

/// The first rows arrived (the whole list follows): show them with the total count; a search typed meanwhile
/// searches them until the whole list is in.
fn page_loaded(v: &mut CustomersView, env: &Env, data: CustomersData, total: usize) {
    if v.loaded {
        // The whole list came first (it never does on the one DB thread, but a late page must not replace it).
        return;
    }
    let prefix = region_prefix(env.region);
    v.entries = data.rows.into_iter().map(|r| Entry::new(r, &prefix, env.lang)).collect();
    v.by_change = Vec::new();
    v.change_rank = Vec::new();
    v.page_of = Some(total);
    v.refilter(false);
    clamp(v, env.size);
}

/// Whether `action` needs the whole list (while only the first rows are here it waits for it).
fn needs_all(v: &CustomersView, action: Action, page: usize) -> bool {
    v.page_of.is_some()
        && match action {
            Action::End | Action::Sort | Action::TagFilter => true,
            Action::PageDown => v.nav.selected + page >= v.visible.len(),
            Action::Down | Action::Mark => v.nav.selected + 1 >= v.visible.len(),
            _ => false,
        }
}

/// A fresh list arrived: prepare rows, keep search, tag, sort and the selected customer.
pub fn loaded(v: &mut CustomersView, env: &Env, data: CustomersData) {
    if let Some(total) = data.page_of {
        page_loaded(v, env, data, total);
        return;
    }
    v.page_of = None;
    let prefix = region_prefix(env.region);
    let selected_id = v.selected().map(Entry::id);
    v.entries = data.rows.into_iter().map(|r| Entry::new(r, &prefix, env.lang)).collect();
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
    let ids: std::collections::HashSet<i64> = v.entries.iter().map(Entry::id).collect();
    v.marked.retain(|id| ids.contains(id));
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
    for action in std::mem::take(&mut v.deferred) {
        // Only keys that move, sort or filter wait: they have no outcome for the app.
        let _ = on_action(v, env, action);
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
    if needs_all(v, action, page) {
        v.deferred.push(action);
        return Vec::new();
    }
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
        Action::Import => return vec![Outcome::OpenImport],
        Action::DataExport | Action::ConsentProof => {
            if let Some(e) = v.selected() {
                return write_file(&e.row.customer, action, lang);
            }
        }
        Action::Mark => {
            if let Some(id) = v.selected().map(Entry::id) {
                if !v.marked.remove(&id) {
                    v.marked.insert(id);
                }
                // On to the next row, so marking a few in a row is Space, Space, Space.
                v.nav.apply(Action::Down, v.visible.len(), page);
            }
        }
        Action::MessageTo => {
            let ids: Vec<i64> = if v.marked.is_empty() {
                v.selected().map(Entry::id).into_iter().collect()
            } else {
                v.marked.iter().copied().collect()
            };
            if !ids.is_empty() {
                return vec![Outcome::Compose(ids)];
            }
        }
        _ => {}
    }
    Vec::new()
}

/// `x` (Auskunft) or `p` (consent proof) for a customer: the file is written by `perform`, the status line then
/// names it ([`written_text`]).
pub fn write_file(c: &crate::domain::customer::Customer, action: Action, lang: crate::i18n::Lang) -> Vec<Outcome> {
    let kind = if action == Action::DataExport { FileKind::Auskunft } else { FileKind::ConsentProof };
    let writing = WRITING.fill(lang, &[&safe(&c.name)]);
    vec![Outcome::Info(writing), Outcome::Effect(Effect::WriteFile { customer_id: c.id, kind })]
}

const WRITING: Tr = Tr::new("Datei für {0} wird geschrieben …", "Writing the file for {0} …");
/// The file's name holds the customer's name, so the line fits 80 columns (the JSON lies beside the text).
const AUSKUNFT_WRITTEN: Tr = Tr::new("Auskunft gespeichert: {0}", "Data export saved: {0}");
const PROOF_WRITTEN: Tr = Tr::new("Nachweis gespeichert: {0}", "Consent proof saved: {0}");

/// The status line after a file was written for a customer: what it is and where (`~/hofbote/…`).
pub fn written_text(kind: FileKind, shown: &str, lang: crate::i18n::Lang) -> String {
    let shown = safe(shown);
    match kind {
        FileKind::Auskunft => AUSKUNFT_WRITTEN.fill(lang, &[&shown]),
        FileKind::ConsentProof => PROOF_WRITTEN.fill(lang, &[&shown]),
    }
}

/// The question before erasing, naming the customer.
pub fn erase_question(c: &crate::domain::customer::Customer, region: Region, lang: crate::i18n::Lang) -> Confirm {
    let shown = format!("{} ({})", safe(&c.name), c.phone_label_for(region, lang));
    let who = c.recipient().unwrap_or_else(|| crate::domain::phone::Recipient::UserId(String::new()));
    Confirm {
        question: text::ERASE_QUESTION.fill(lang, &[&shown]),
        on_yes: OnYes::Erase { id: c.id, phone: who, name: c.name.clone() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first page's shortcut never drops a name that sorts before another (issue 15).
    #[test]
    fn may_precede_says_no_only_for_names_that_sort_later() {
        let names = [
            "Anna",
            "Ærø Hof",
            "Ömer",
            "Zoë",
            "ßtraße",
            "Mu\u{308}ller",
            "Müller",
            "Łukasz",
            "ıltan",
            "",
            " Anna",
            "1. Kunde",
            "Ärzte Zentrum",
            "Käthe",
            "Karl",
            "émile",
            "Đorđe",
            "🐄 Hofcafé",
        ];
        for a in names {
            for b in names {
                if !may_precede(a, &sort_key(b)) {
                    assert!(sort_key(a) > sort_key(b), "{a:?} was skipped against {b:?}");
                }
            }
        }
        assert!(!may_precede("Zoë", &sort_key("Anna")), "the shortcut does skip");
    }
}
