//! Recording consent from a paper form, and recording a withdrawal. The customer is found by name or phone as you
//! type (or created on the spot), then purposes, the date on the form (default today), the wording version printed
//! on the form (default the current one) and the form number as evidence. A withdrawal takes purposes, source,
//! date and a note. Produces one `Effect::RecordConsent`. Owns its state; the customers it offers come from the app
//! (a search function), so it does not know the customers screen. Must not perform IO.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Berlin;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::super::{Env, Outcome};
use super::ConsentView;
use crate::domain::consent::{ConsentError, EventKind, Purpose, Source};
use crate::domain::customer::{CustomerDraft, validate_name};
use crate::domain::phone::Phone;
use crate::domain::{Toward, When, parse_when};
use crate::i18n::{Lang, Localized, Tr};
use crate::store::StoreError;
use crate::tui::keymap::Action;
use crate::tui::msg::{ConsentRecord, Effect, Failure, Target};
use crate::tui::text;
use crate::tui::widgets::form::{self, Below, Field, Form};
use crate::tui::widgets::popup;
use crate::tui::widgets::text::{cut, safe};

/// Matches offered in the customer picker.
const MATCHES: usize = 5;

/// Who the form is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    Existing {
        id: i64,
        name: String,
    },
    /// A new customer, created together with the consent.
    New,
}

/// One picker line: id, name, phone as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub id: i64,
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone)]
pub struct ConsentForm {
    /// `Granted` (paper form) or `Withdrawn`.
    pub kind: EventKind,
    pub form: Form,
    pub pick: Option<Pick>,
    pub matches: Vec<Match>,
    /// Selected picker line; `matches.len()` is "new customer" when recording a consent.
    pub match_sel: usize,
    pub saving: bool,
}

/// Withdrawal sources, the usual one first.
const WITHDRAW_SOURCES: [Source; 5] =
    [Source::Manual, Source::ShopForm, Source::WhatsappKeyword, Source::WhatsappButton, Source::MetaUserPreferences];

impl ConsentForm {
    /// A new form; `picked` preselects a customer (from the list or the detail view).
    /// `picked_phone` is the preselected customer's phone as shown; `consent` gives the current wordings.
    pub fn new(
        kind: EventKind,
        picked: Option<(i64, String)>,
        picked_phone: Option<String>,
        consent: &ConsentView,
        env: &Env,
    ) -> ConsentForm {
        let lang = env.lang;
        let today = env.now.map(|n| text::date(n, lang)).unwrap_or_default();
        let name = picked.as_ref().map(|(_, n)| n.clone()).unwrap_or_default();
        let mut fields = vec![
            Field::text(text::F_CUSTOMER, &name).with_hint(text::H_CUSTOMER.get(lang)),
            Field::check(Purpose::Service.label(), false),
            Field::check(Purpose::Marketing.label(), false),
        ];
        if kind == EventKind::Withdrawn {
            let options = WITHDRAW_SOURCES.iter().map(|s| s.label()).collect();
            fields.push(Field::choice(text::F_SOURCE, options, 0));
            fields.push(Field::text(text::F_DATE, &today).with_hint(text::H_DATE.get(lang)));
            fields.push(Field::text(text::F_NOTE, "").with_hint(text::H_WITHDRAW_NOTE.get(lang)));
        } else {
            let service = consent.current_wording(Purpose::Service);
            let marketing = consent.current_wording(Purpose::Marketing);
            let (value, hint) = match (service, marketing) {
                (Some(a), Some(b)) if a == b => (a.to_string(), text::H_WORDING_CURRENT.fill(lang, &[&a])),
                (Some(a), Some(b)) => (String::new(), text::H_WORDING_BOTH.fill(lang, &[&a, &b])),
                _ => (String::new(), text::H_WORDING_EMPTY.get(lang).to_owned()),
            };
            fields.push(Field::text(text::F_DATE, &today).with_hint(text::H_DATE.get(lang)));
            fields.push(Field::text(text::F_WORDING, &value).with_hint(hint));
            fields.push(Field::text(text::F_EVIDENCE, "").with_hint(text::H_EVIDENCE.get(lang)));
        }
        let mut form = Form::new(fields);
        if let Some(phone) = picked_phone.filter(|_| picked.is_some()) {
            form.fields[0].hint = Some(phone);
        }
        let pick = picked.map(|(id, name)| Pick::Existing { id, name });
        if pick.is_some() {
            form.focus = 1;
        }
        ConsentForm { kind, form, pick, matches: Vec::new(), match_sel: 0, saving: false }
    }

    /// The customer field has the focus: arrow keys choose among the matches.
    pub fn picker_active(&self) -> bool {
        self.form.focused_is(text::F_CUSTOMER)
    }

    fn offers_new(&self) -> bool {
        self.kind == EventKind::Granted && !self.form.value_of(text::F_CUSTOMER).trim().is_empty()
    }

    fn choices(&self) -> usize {
        self.matches.len() + usize::from(self.offers_new())
    }

    /// Recomputes the picker lines from the customer field; `find` searches the customers (query, at most).
    pub fn refresh_matches(&mut self, find: &mut dyn FnMut(&str, usize) -> Vec<Match>) {
        if self.pick.is_some() {
            return;
        }
        let query = self.form.value_of(text::F_CUSTOMER).to_owned();
        self.matches = find(&query, MATCHES);
        self.match_sel = self.match_sel.min(self.choices().saturating_sub(1));
    }

    /// Takes the highlighted picker line. Returns false when there is nothing to take.
    fn choose(&mut self, env: &Env) -> bool {
        let query = self.form.value_of(text::F_CUSTOMER).trim().to_owned();
        let customer_at = self.form.index_of(text::F_CUSTOMER).unwrap_or(0);
        if let Some(m) = self.matches.get(self.match_sel).cloned() {
            self.pick = Some(Pick::Existing { id: m.id, name: m.name.clone() });
            if let Some(f) = self.form.field_mut(customer_at) {
                f.set_value(&m.name);
                f.error = None;
                f.hint = Some(m.phone);
            }
            self.form.focus = customer_at + 1;
            return true;
        }
        if !self.offers_new() {
            return false;
        }
        self.pick = Some(Pick::New);
        let as_phone = Phone::parse(&query, env.region).is_ok();
        let (name, phone) = if as_phone { (String::new(), query.clone()) } else { (query.clone(), String::new()) };
        if let Some(f) = self.form.field_mut(customer_at) {
            f.error = None;
            f.hint = Some(text::H_NEW_CUSTOMER.get(env.lang).to_owned());
        }
        self.form.fields.insert(customer_at + 1, Field::text(text::F_NAME, &name));
        self.form.fields.insert(customer_at + 2, Field::text(text::F_PHONE, &phone).with_hint("0171 1234567"));
        self.form.focus = customer_at + if as_phone { 1 } else { 2 };
        true
    }

    /// The customer text changed: forget the choice (and the new-customer fields).
    fn unpick(&mut self, env: &Env) {
        if self.pick.take() == Some(Pick::New) {
            self.form.fields.retain(|f| f.label != text::F_NAME && f.label != text::F_PHONE);
        }
        if let Some(i) = self.form.index_of(text::F_CUSTOMER)
            && let Some(f) = self.form.field_mut(i)
        {
            f.hint = Some(text::H_CUSTOMER.get(env.lang).to_owned());
        }
        self.match_sel = 0;
    }

    fn set_error(&mut self, label: Tr, error: Option<String>) {
        if let Some(i) = self.form.index_of(label) {
            self.form.set_error(i, error);
        }
    }

    /// Checks the field with `label` and shows or clears its error.
    fn check(&mut self, label: Tr, env: &Env) {
        let lang = env.lang;
        let value = self.form.value_of(label).to_owned();
        let error = if label == text::F_CUSTOMER {
            self.pick.is_none().then(|| text::E_PICK_CUSTOMER.get(lang).to_owned())
        } else if label == text::F_NAME {
            validate_name(&value).err().map(|e| e.localized(lang))
        } else if label == text::F_PHONE {
            Phone::parse(&value, env.region).err().map(|e| e.localized(lang))
        } else if label == text::F_DATE {
            env.now.and_then(|now| occurred_at(&value, now).err()).map(|e| e.get(lang).to_owned())
        } else if label == text::F_WORDING {
            wording(&value).err().map(|e| e.get(lang).to_owned())
        } else if label == text::F_EVIDENCE && self.kind == EventKind::Granted {
            value.trim().is_empty().then(|| ConsentError::EvidenceMissing.localized(lang))
        } else if label == Purpose::Service.label() || label == Purpose::Marketing.label() {
            // One error for both boxes, shown under the first.
            let error = self.purposes().is_empty().then(|| text::E_NO_PURPOSE.get(lang).to_owned());
            self.set_error(Purpose::Service.label(), error);
            return;
        } else {
            None
        };
        self.set_error(label, error);
    }

    fn purposes(&self) -> Vec<Purpose> {
        Purpose::ALL
            .iter()
            .copied()
            .filter(|p| self.form.index_of(p.label()).is_some_and(|i| self.form.fields[i].checked()))
            .collect()
    }

    /// Checks everything; the record when all is well.
    pub fn validate(&mut self, env: &Env) -> Option<ConsentRecord> {
        let labels: Vec<Tr> = self.form.fields.iter().map(|f| f.label).collect();
        for label in labels {
            self.check(label, env);
        }
        if self.form.has_errors() {
            return None;
        }
        let now = env.now?;
        let target = match self.pick.clone()? {
            Pick::Existing { id, .. } => Target::Existing(id),
            Pick::New => {
                let phone = Phone::parse(self.form.value_of(text::F_PHONE), env.region).ok()?;
                match CustomerDraft::new(self.form.value_of(text::F_NAME), "", phone, &[], "") {
                    Ok(d) => Target::New(d),
                    Err(e) => {
                        self.set_error(text::F_NAME, Some(e.localized(env.lang)));
                        return None;
                    }
                }
            }
        };
        let (source, evidence) = if self.kind == EventKind::Withdrawn {
            let i = self.form.index_of(text::F_SOURCE).map(|i| self.form.fields[i].choice_index()).unwrap_or(0);
            (
                WITHDRAW_SOURCES.get(i).copied().unwrap_or(Source::Manual),
                self.form.value_of(text::F_NOTE).trim().to_owned(),
            )
        } else {
            (Source::ShopForm, self.form.value_of(text::F_EVIDENCE).trim().to_owned())
        };
        Some(ConsentRecord {
            target,
            purposes: self.purposes(),
            kind: self.kind,
            source,
            occurred_at: occurred_at(self.form.value_of(text::F_DATE), now).ok()?,
            wording: wording(self.form.value_of(text::F_WORDING)).ok()?,
            evidence,
        })
    }

    /// Shows a failed save at the field it concerns; `false` if it belongs in the status line.
    pub fn show_failure(&mut self, error: &Failure, lang: Lang) -> bool {
        self.saving = false;
        let label = match error {
            Failure::Store(StoreError::PhoneTaken(_)) => text::F_PHONE,
            Failure::Store(StoreError::Customer(_)) => text::F_NAME,
            Failure::Store(StoreError::Consent(ConsentError::InFuture)) => text::F_DATE,
            Failure::Store(StoreError::Consent(ConsentError::EvidenceMissing)) => text::F_EVIDENCE,
            Failure::Store(StoreError::Consent(ConsentError::UnknownWording(_))) => text::F_WORDING,
            _ => return false,
        };
        let Some(i) = self.form.index_of(label) else { return false };
        self.form.set_error(i, Some(error.localized(lang)));
        self.form.focus = i;
        true
    }
}

/// The date on the form. A date alone means noon; for today, before noon, that would lie in the future, so it then
/// means "now".
pub fn occurred_at(input: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Tr> {
    let When { at, has_time } = parse_when(input, now, Toward::Past).ok_or(text::E_DATE)?;
    if let Some(problem) = crate::domain::consent::event_date_problem(at, now) {
        return Err(problem);
    }
    let date_only = !has_time;
    if date_only && at > now && at.with_timezone(&Berlin).date_naive() == now.with_timezone(&Berlin).date_naive() {
        return Ok(now);
    }
    if at > now + Duration::minutes(5) {
        return Err(text::E_DATE_FUTURE);
    }
    Ok(at)
}

/// The wording version typed in: empty means the current one.
fn wording(input: &str) -> Result<Option<u32>, Tr> {
    let s = input.trim().trim_start_matches(['v', 'V']);
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<u32>() {
        Ok(v) if v >= 1 => Ok(Some(v)),
        _ => Err(text::E_WORDING),
    }
}

/// A key that is text for the focused field.
pub fn type_key(f: &mut ConsentForm, env: &Env, find: &mut dyn FnMut(&str, usize) -> Vec<Match>, ev: &KeyEvent) {
    let focused = f.form.focused().map(|x| x.label);
    if f.form.type_key(ev) {
        if focused == Some(text::F_CUSTOMER) {
            f.unpick(env);
            f.refresh_matches(find);
        } else if let Some(label) = focused.filter(|_| f.form.focused().is_some_and(|x| x.error.is_some())) {
            f.check(label, env);
        }
    }
}

/// A command key in the form; the form comes back unless it closes.
pub fn on_action(mut f: ConsentForm, env: &Env, action: Action) -> (Option<ConsentForm>, Vec<Outcome>) {
    let mut outcomes = Vec::new();
    let focused = f.form.focused().map(|x| x.label);
    match action {
        Action::Cancel => return (None, outcomes),
        Action::Up if f.picker_active() => f.match_sel = f.match_sel.saturating_sub(1),
        Action::Down if f.picker_active() => f.match_sel = (f.match_sel + 1).min(f.choices().saturating_sub(1)),
        Action::Submit if f.picker_active() && f.pick.is_none() => {
            let chosen = f.choose(env);
            if !chosen {
                f.set_error(text::F_CUSTOMER, Some(text::E_PICK_CUSTOMER.get(env.lang).to_owned()));
            }
        }
        Action::NextField | Action::PrevField => {
            if let Some(label) = focused {
                f.check(label, env);
            }
            if action == Action::NextField { f.form.next() } else { f.form.prev() }
        }
        Action::Submit if !f.form.is_last() => {
            if let Some(label) = focused {
                f.check(label, env);
            }
            f.form.next();
        }
        Action::Toggle => {
            f.form.toggle();
            let purpose_box = focused.filter(|l| *l == Purpose::Service.label() || *l == Purpose::Marketing.label());
            if let Some(label) = purpose_box
                && f.form.has_errors()
            {
                f.check(label, env);
            }
        }
        Action::ChoicePrev => f.form.step_choice(-1),
        Action::ChoiceNext => f.form.step_choice(1),
        Action::Submit | Action::Save => {
            if f.saving {
                // Already on its way.
            } else if let Some(record) = f.validate(env) {
                f.saving = true;
                outcomes.push(Outcome::Info(text::SAVING.get(env.lang).to_owned()));
                outcomes.push(Outcome::Effect(Effect::RecordConsent(record)));
            } else {
                f.form.focus_first_error();
            }
        }
        _ => {}
    }
    (Some(f), outcomes)
}

/// What the status line says when the events were appended.
pub fn recorded_text(
    name: &str,
    purposes: &[Purpose],
    kind: EventKind,
    overruled: Option<crate::domain::consent::Folded>,
    lang: Lang,
) -> String {
    let what = purposes.iter().map(|p| p.label().get(lang)).collect::<Vec<_>>().join(", ");
    if let Some(newer) = overruled {
        let since = newer.since.map(|t| crate::tui::text::datetime(t, lang)).unwrap_or_default();
        return text::RECORDED_CHANGES_NOTHING.fill(lang, &[&what, &since, &newer.state.label().get(lang)]);
    }
    let text = if kind == EventKind::Withdrawn { text::WITHDRAWAL_RECORDED } else { text::CONSENT_RECORDED };
    text.fill(lang, &[&what, &safe(name)])
}

pub fn render(frame: &mut Frame<'_>, area: Rect, f: &ConsentForm, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let w = area.width.saturating_sub(4).min(78);
    let inner_w = w.saturating_sub(4) as usize;
    let mut below: Below = Vec::new();
    if let (Some(at), true) = (f.form.index_of(text::F_CUSTOMER), f.pick.is_none()) {
        let mut lines: Vec<Line<'static>> = Vec::new();
        let query = f.form.value_of(text::F_CUSTOMER).trim().to_owned();
        if query.is_empty() {
            lines.push(Line::styled(format!("    {}", text::PICK_TYPE.get(lang)), theme.dim()));
        } else if f.matches.is_empty() && !f.offers_new() {
            lines.push(Line::styled(format!("    {}", text::PICK_NONE.get(lang)), theme.dim()));
        }
        let room = (area.height as usize).saturating_sub(f.form.fields.len() + 6).clamp(1, MATCHES + 1);
        let mut options: Vec<String> =
            f.matches.iter().map(|m| format!("{}{}{}", m.name, theme.dot(), m.phone)).collect();
        if f.offers_new() {
            options.push(text::PICK_NEW.fill(lang, &[&safe(&query)]));
        }
        let start = f.match_sel.saturating_sub(room.saturating_sub(1));
        for (i, text) in options.iter().enumerate().skip(start).take(room) {
            let selected = i == f.match_sel;
            let marker = if selected { theme.pointer() } else { " " };
            let text = cut(&format!("  {marker} {text}"), inner_w, theme.ellipsis());
            let style = if selected { theme.selected() } else { theme.base() };
            lines.push(Line::from(Span::styled(text, style)));
        }
        below.push((at, lines));
    }
    let h = form::height(&f.form, &below, w.saturating_sub(4), lang) + 3;
    let rect = popup::centered(area, w, h);
    let title = if f.kind == EventKind::Withdrawn { text::WITHDRAW_TITLE } else { text::RECORD_TITLE };
    let inner = popup::open(frame, rect, title.get(lang), theme);
    let inner = Rect { y: inner.y + 1, height: inner.height.saturating_sub(1), ..inner };
    form::render(frame, inner, &f.form, &below, theme, lang);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Issue 13 §4: the paper date `28.11.26` is 28.11.2026 (it was the year 26, and a withdrawal typed so came
    /// before every grant); a date before 2000 is refused with the way out; an entry that changes nothing says so.
    #[test]
    fn short_years_are_this_century_and_a_powerless_entry_says_so() {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        let at = occurred_at("28.11.26", now).unwrap();
        assert_eq!(at, occurred_at("28.11.2026", now).unwrap());
        let refused = occurred_at("28.11.1999", now).unwrap_err();
        assert!(refused.get(Lang::De).contains("vor dem Jahr 2000"), "{}", refused.get(Lang::De));
        let newer = crate::domain::consent::Folded {
            state: crate::domain::consent::ConsentState::Withdrawn,
            since: Some(Utc.with_ymd_and_hms(2026, 11, 28, 11, 0, 0).unwrap()),
        };
        let said = recorded_text("Jörg Müller", &[Purpose::Marketing], EventKind::Granted, Some(newer), Lang::De);
        assert!(said.contains("eingetragen, ändert aber nichts: ein neuerer Eintrag vom"), "{said}");
        assert!(said.contains("28.11.2026"), "{said}");
    }
}
