//! The customer list (Kunden): table with name, phone, tags and both consent states; fuzzy search as you type,
//! tag filter, sort by name or last change, and the keys that open the form, the detail view and the erase dialog.
//! Rows are prepared once per load, on the DB thread while they are read ([`Entry::new`]: one compact entry with
//! the search text and the number as stored in readable form), and only the rows on screen are drawn, so 100,000
//! customers stay fast and 10,000 fit a Raspberry Pi's memory budget. The screen (list, `detail`, `form`)
//! owns its state (`CustomersView`, the form) and answers with [`Outcome`]s: opening the form, the consent form, the
//! erase question or a conversation is the app's business. Must not perform IO.

pub mod detail;
pub mod form;

mod draw;

pub use self::draw::render;

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use self::detail::Detail;
use super::{Env, Outcome};
use crate::domain::consent::EventKind;
use crate::domain::customer::{ConsentPair, NO_NUMBER};
use crate::domain::fold::fold_into;
use crate::domain::phone::{Phone, Recipient, Region};
use crate::i18n::Tr;
use crate::store::customers::Listed;
use crate::tui::filter::Fuzzy;
use crate::tui::keymap::Action;
use crate::tui::msg::{Effect, FileKind};
use crate::tui::nav::Nav;
use crate::tui::text;
use crate::tui::widgets::confirm::{Confirm, OnYes};
use crate::tui::widgets::text::{fit, safe};

/// What a load of the customer list brings: the rows already prepared (on the DB thread, so the list is built
/// once, in its compact form, while the rows are read).
#[derive(Debug)]
pub struct CustomersData {
    /// In the list's order (name key, then id).
    pub entries: Vec<Entry>,
    pub tags: Vec<(String, i64)>,
    pub now: DateTime<Utc>,
    pub data_version: i64,
    /// `Some(total)` when `entries` are only the first rows of the list (in its order) and `total` customers exist:
    /// drawn at once on the first start while the whole list is still loading.
    pub page_of: Option<usize>,
}

/// One customer as the list holds them: only what it shows, searches and acts on, in compact form (56 bytes and
/// one allocation) — 10,000 customers must fit a Raspberry Pi's budget (issue 15: ≤ 20 MB for the whole app).
/// Editing reads the whole customer ([`Effect::EditCustomer`]).
#[derive(Debug, Clone)]
pub struct Entry {
    id: i64,
    /// The E.164 digits as a number (they fit: at most 15); 0 for a person known only by user id.
    e164: u64,
    /// The name, then the number as shown for the shop's region (national at home, international abroad) — or the
    /// user id of a person without a number — then the tags joined by line breaks (cleaned text has none), then
    /// the search text: name, first name, phone digits (as typed and E.164) and tags, folded.
    text: Box<str>,
    /// Where the name, the shown number and the tags end in `text`.
    cuts: [u32; 3],
    pub consent: ConsentPair,
    /// Last change, microseconds since 1970.
    updated: i64,
}

const TAG_SEP: char = '\n';

impl Entry {
    /// Prepares one listed customer; `prefix` is the shop region's calling code and trunk prefix.
    pub fn new(c: Listed<'_>, prefix: &Option<(String, String)>, region: Region) -> Entry {
        let tags_len = c.tags.iter().map(|t| t.len() + 1).sum::<usize>();
        let mut text = String::with_capacity(2 * (c.name.len() + tags_len) + c.first_name.len() + 60);
        text.push_str(c.name);
        let name_end = text.len() as u32;
        match c.phone {
            None => text.push_str(c.user_id.unwrap_or_default()),
            Some(_) if !c.national.is_empty() && !c.international.is_empty() => {
                text.push_str(if c.region == region.id().as_ref() { c.national } else { c.international })
            }
            // Written before the readable forms were stored: formatted once here (slow, but only for such rows).
            Some(p) => {
                text.push_str(&Phone::from_stored(p).map(|p| p.display_for(region)).unwrap_or_else(|_| p.into()))
            }
        }
        let shown_end = text.len() as u32;
        for (i, t) in c.tags.iter().enumerate() {
            if i > 0 {
                text.push(TAG_SEP);
            }
            text.push_str(t);
        }
        let tags_end = text.len() as u32;
        // The search text, folded piece by piece straight into place: name, first name, the number's digits as
        // people type them ("01711234567", without formatting: that is slow) and as E.164 — a person known only by
        // user id is found by it — and the tags.
        fold_into(&mut text, c.name);
        text.push(' ');
        fold_into(&mut text, c.first_name);
        text.push(' ');
        let e164 = c.phone.or(c.user_id).unwrap_or_default();
        if let Some((cc, trunk)) = prefix.as_ref().filter(|(cc, _)| c.phone.is_some() && e164.starts_with(cc.as_str()))
        {
            text.push_str(trunk);
            text.push_str(&e164[cc.len()..]);
        }
        text.push(' ');
        fold_into(&mut text, e164);
        for t in c.tags {
            text.push(' ');
            fold_into(&mut text, t);
        }
        Entry {
            id: c.id,
            e164: c.phone.and_then(|p| p.strip_prefix('+')).and_then(|d| d.parse().ok()).unwrap_or(0),
            text: text.into_boxed_str(),
            cuts: [name_end, shown_end, tags_end],
            consent: c.consent,
            updated: c.updated_at.timestamp_micros(),
        }
    }

    fn part(&self, from: u32, to: u32) -> &str {
        self.text.get(from as usize..to as usize).unwrap_or_default()
    }

    /// The folded search text.
    fn hay(&self) -> &str {
        self.text.get(self.cuts[2] as usize..).unwrap_or_default()
    }

    /// The name as it may be printed (control characters escaped).
    pub fn name(&self) -> Cow<'_, str> {
        safe(self.raw_name())
    }

    /// The name as stored.
    pub fn raw_name(&self) -> &str {
        self.part(0, self.cuts[0])
    }

    /// The phone number in readable form; "WhatsApp-Nutzer (ohne Nummer)" without one.
    pub fn phone(&self, lang: crate::i18n::Lang) -> &str {
        if self.e164 == 0 { NO_NUMBER.get(lang) } else { self.part(self.cuts[0], self.cuts[1]) }
    }

    /// When the customer was last changed.
    pub fn updated_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.updated).unwrap_or_default()
    }

    pub fn has_number(&self) -> bool {
        self.e164 != 0
    }

    /// Where a message to this customer goes: the number, else the user id.
    pub fn recipient(&self) -> Option<Recipient> {
        if self.e164 != 0 {
            return Phone::from_stored(&format!("+{}", self.e164)).ok().map(Recipient::Phone);
        }
        let user_id = self.part(self.cuts[0], self.cuts[1]);
        (!user_id.is_empty()).then(|| Recipient::UserId(user_id.to_owned()))
    }

    /// The tags, in order.
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.part(self.cuts[1], self.cuts[2]).split(TAG_SEP).filter(|t| !t.is_empty())
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    fn has_tag(&self, lower: &str) -> bool {
        self.tags().any(|t| t.chars().flat_map(char::to_lowercase).eq(lower.chars()))
    }
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
    by_change: Vec<u32>,
    /// Position of each entry in `by_change`.
    change_rank: Vec<u32>,
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
                Sort::Changed => self.by_change.iter().map(|i| *i as usize).collect(),
            }
        };
        let entries = &self.entries;
        let tagged = candidates.into_iter().filter(|i| tag.as_ref().is_none_or(|t| entries[*i].has_tag(t)));
        self.visible = if self.fuzzy.is_empty() {
            tagged.collect()
        } else {
            // Best match first when few match; equal scores keep the chosen order (the candidates' order).
            let ordered: Vec<usize> = if narrowing { self.base_order(tagged) } else { tagged.collect() };
            self.fuzzy.filter(ordered.into_iter().map(|i| (i, entries[i].hay())))
        };
        self.reselect(selected_id);
    }

    /// `indexes` in the chosen sort order (the previous result may be ranked by score).
    fn base_order(&self, indexes: impl Iterator<Item = usize>) -> Vec<usize> {
        let mut v: Vec<usize> = indexes.collect();
        match self.sort {
            Sort::Name => v.sort_unstable(),
            Sort::Changed => v.sort_unstable_by_key(|i| self.change_rank.get(*i).map_or(*i, |r| *r as usize)),
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
        let mut hits = self.picker.filter(self.entries.iter().enumerate().map(|(i, e)| (i, e.hay())));
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
    v.entries = data.entries;
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
    let selected_id = v.selected().map(Entry::id);
    // Already in the list's order (the store reads them by the name index).
    v.entries = data.entries;
    // u32 indexes: half the memory of usize, and a shop has far fewer than four billion customers.
    let mut by_change: Vec<u32> = (0..v.entries.len() as u32).collect();
    by_change.sort_unstable_by(|a, b| {
        let (a, b) = (&v.entries[*a as usize], &v.entries[*b as usize]);
        b.updated.cmp(&a.updated).then(b.id.cmp(&a.id))
    });
    let mut change_rank = vec![0; by_change.len()];
    for (pos, i) in by_change.iter().enumerate() {
        change_rank[*i as usize] = pos as u32;
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
            // The list holds no notes or first names: the form gets the whole customer, freshly read.
            if let Some(id) = v.selected().map(Entry::id) {
                return vec![Outcome::Effect(Effect::EditCustomer(id))];
            }
        }
        Action::Delete => {
            if let Some(e) = v.selected() {
                let who = e.recipient().unwrap_or_else(|| Recipient::UserId(String::new()));
                return vec![Outcome::Confirm(erase_confirm(e.id(), e.raw_name(), e.phone(lang), who, lang))];
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
            let picked = v.selected().map(|e| (e.id(), e.raw_name().to_owned()));
            return vec![Outcome::RecordConsent { kind, picked }];
        }
        Action::Import => return vec![Outcome::OpenImport],
        Action::DataExport | Action::ConsentProof => {
            if let Some(e) = v.selected() {
                return write_file(e.id(), e.raw_name(), action, lang);
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
pub fn write_file(id: i64, name: &str, action: Action, lang: crate::i18n::Lang) -> Vec<Outcome> {
    let kind = if action == Action::DataExport { FileKind::Auskunft } else { FileKind::ConsentProof };
    let writing = WRITING.fill(lang, &[&safe(name)]);
    vec![Outcome::Info(writing), Outcome::Effect(Effect::WriteFile { customer_id: id, kind })]
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
    let who = c.recipient().unwrap_or_else(|| Recipient::UserId(String::new()));
    erase_confirm(c.id, &c.name, &c.phone_label_for(region, lang), who, lang)
}

fn erase_confirm(id: i64, name: &str, phone: &str, who: Recipient, lang: crate::i18n::Lang) -> Confirm {
    let shown = format!("{} ({})", safe(name), phone);
    Confirm {
        question: text::ERASE_QUESTION.fill(lang, &[&shown]),
        on_yes: OnYes::Erase { id, phone: who, name: name.to_owned() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::consent::ConsentState;
    use crate::i18n::Lang;

    fn listed<'a>(phone: Option<&'a str>, user_id: Option<&'a str>, tags: &'a [&'a str]) -> Listed<'a> {
        Listed {
            id: 7,
            name: "Jörg Müller",
            first_name: "Jörg",
            phone,
            user_id,
            updated_at: DateTime::UNIX_EPOCH,
            national: if phone.is_some() { "0171 1234567" } else { "" },
            international: if phone.is_some() { "+49 171 1234567" } else { "" },
            region: if phone.is_some() { "DE" } else { "" },
            tags,
            consent: ConsentPair { service: ConsentState::Granted, marketing: ConsentState::None },
        }
    }

    /// The compact entry keeps what the list shows and acts on (issue 15): the number for the shop's region, the
    /// recipient, the tags, and the search finds number and tags.
    #[test]
    fn a_compact_entry_keeps_what_the_list_needs() {
        let prefix = Region::DE.prefixes();
        let e = Entry::new(listed(Some("+491711234567"), None, &["Rind", "Eier, frisch"]), &prefix, Region::DE);
        assert_eq!((e.id(), e.raw_name(), e.phone(Lang::De)), (7, "Jörg Müller", "0171 1234567"));
        assert_eq!(e.recipient(), Some(Recipient::Phone(Phone::from_stored("+491711234567").unwrap())));
        assert_eq!(e.tags().collect::<Vec<_>>(), ["Rind", "Eier, frisch"]);
        assert!(e.has_tag("eier, frisch") && !e.has_tag("eier"));
        assert_eq!(e.consent.service, ConsentState::Granted);
        let mut fuzzy = Fuzzy::default();
        for query in ["muller", "muller 01711234", "+4917112", "rind jorg"] {
            fuzzy.set_query(query);
            assert!(fuzzy.matches(e.hay()), "{query}");
        }
        let at: Region = "AT".parse().unwrap();
        let abroad = Entry::new(listed(Some("+491711234567"), None, &[]), &at.prefixes(), at);
        assert_eq!(abroad.phone(Lang::De), "+49 171 1234567");
        assert_eq!(abroad.tags().count(), 0);
        let user = Entry::new(listed(None, Some("DE.7001"), &[]), &prefix, Region::DE);
        assert_eq!(user.phone(Lang::De), "WhatsApp-Nutzer (ohne Nummer)");
        assert!(!user.has_number());
        assert_eq!(user.recipient(), Some(Recipient::UserId("DE.7001".into())));
        fuzzy.set_query("de.7001");
        assert!(fuzzy.matches(user.hay()));
        assert!(std::mem::size_of::<Entry>() <= 56, "{} bytes", std::mem::size_of::<Entry>());
    }
}
