//! A message being filled in: one single-line field per placeholder, the time, the audience choice, and the plan
//! of who gets it with whose values (`domain::broadcast::plan_audience`, re-run on every change from the candidates
//! matched once per audience). Also what "repeat last" starts from. Pure: no IO, `now` passed in.

use chrono::{DateTime, Utc};
use tui_input::Input;

use super::text as compose_text;
use super::{ComposerView, GAP};
use crate::domain::broadcast::{Audience, AudiencePlan, plan_audience, purpose_of};
use crate::domain::checks::{self, Warning};
use crate::domain::consent::{CustomerConsent, Purpose};
use crate::domain::customer::Customer;
use crate::domain::template::{Header, Params, Placeholder, Template, check_value};
use crate::domain::{Toward, parse_when};
use crate::i18n::{Lang, Localized};
use crate::store::broadcasts::{BroadcastInfo, NewBroadcast};

/// What a placeholder field fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    Header,
    Body(Placeholder),
}

/// One single-line field.
#[derive(Debug, Clone)]
pub struct ParamField {
    pub slot: Slot,
    pub label: String,
    pub input: Input,
    /// The text around the placeholder (or the old value when repeating).
    pub hint: String,
    pub error: Option<String>,
    /// Left once or typed into: an empty value is an error now.
    pub touched: bool,
    /// The placeholder greets the customer ("Hallo ▢", or the message starts with it): the customer's first name
    /// belongs there, and a fixed name is warned about.
    pub greeting: bool,
}

/// Where the keyboard focus is in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// A placeholder field (index into `fields`).
    Param(usize),
    When,
    Audience,
    /// The tags typed for "several tags" (only while that audience is chosen).
    Tags,
    Preview,
}

/// A message being filled in.
#[derive(Debug, Clone)]
pub struct Draft {
    pub template: Template,
    pub purpose: Purpose,
    pub fields: Vec<ParamField>,
    pub when: Input,
    pub when_error: Option<String>,
    pub focus: Focus,
    /// The audience choices with their labels; `audience` is the chosen one.
    /// "Several tags (any of / all of)" are `Audience::Tags(vec![])` / `Audience::AllTags(vec![])` here; the tags
    /// come from the `tags` field (see [`Draft::effective_audience`]).
    pub audiences: Vec<(Audience, String)>,
    pub audience: usize,
    /// The tags for "several tags", comma-separated, and what is wrong with them.
    pub tags: Input,
    pub tags_error: Option<String>,
    /// The shop's tags (for checking what is typed in `tags`).
    pub known_tags: Vec<String>,
    /// The candidates the chosen audience matches (kept so typing only re-plans).
    pub(super) matching: Vec<(Customer, CustomerConsent)>,
    pub plan: AudiencePlan,
    /// Index into `plan.recipients` shown in the preview.
    pub recipient: usize,
    pub warnings: Vec<Warning>,
    /// A greeting field holds a fixed name ("Jörg"): everyone would be greeted so.
    pub name_warning: Option<String>,
    pub repeat_of: Option<i64>,
    /// A saved draft reopened (from the queue, or kept when the app was left): queueing or keeping it changes
    /// that draft instead of writing a new broadcast.
    pub draft_id: Option<i64>,
    /// Something was typed or chosen since the draft was opened (Esc asks, leaving the app keeps it).
    pub dirty: bool,
}

impl Draft {
    /// A new draft for `template` (must be sendable), audience "all".
    pub fn new(template: &Template, view: &ComposerView, lang: Lang) -> Draft {
        let purpose = purpose_of(template.category).unwrap_or(Purpose::Service);
        let mut fields = Vec::new();
        if let (Some(p), Some(Header::Text { text })) = (template.header_placeholder(), &template.header) {
            let around = context(text, &p);
            let hint = match template.header_example.as_deref().filter(|e| !e.trim().is_empty()) {
                Some(e) => compose_text::EXAMPLE.fill(lang, &[&e, &around]),
                None => around,
            };
            fields.push(ParamField::new(Slot::Header, compose_text::F_HEADER.get(lang).to_owned(), hint));
        }
        for p in template.body_placeholders() {
            let greeting = is_greeting(&template.body, &p);
            let around = context(&template.body, &p);
            // The greeting's example is a name ("Jörg"): there the hint offers the first name, not the example.
            let hint = match template.example(&p) {
                _ if greeting => compose_text::GREETING_HINT.fill(lang, &[&around]),
                Some(e) => compose_text::EXAMPLE.fill(lang, &[&e, &around]),
                None => around,
            };
            let mut f = ParamField::new(Slot::Body(p.clone()), field_label(&p, greeting, lang), hint);
            f.greeting = greeting;
            fields.push(f);
        }
        let (audiences, audience) = audience_choices(view, lang);
        Draft {
            template: template.clone(),
            purpose,
            fields,
            when: Input::default(),
            when_error: None,
            focus: Focus::Param(0),
            audiences,
            audience,
            tags: Input::default(),
            tags_error: None,
            known_tags: view.tags.iter().map(|(t, _)| t.clone()).collect(),
            matching: Vec::new(),
            plan: AudiencePlan::default(),
            recipient: 0,
            warnings: Vec::new(),
            name_warning: None,
            repeat_of: None,
            draft_id: None,
            dirty: false,
        }
    }

    /// A draft from an earlier broadcast: its values and audience; the offer field is cleared (its old text shown as
    /// the hint) and has the focus.
    pub fn repeat(template: &Template, last: &BroadcastInfo, view: &ComposerView, lang: Lang) -> Draft {
        let mut d = Draft::new(template, view, lang);
        d.repeat_of = Some(last.id);
        for f in &mut d.fields {
            let old = match &f.slot {
                Slot::Header => last.params.header.clone(),
                Slot::Body(p) => last.params.get(p).map(str::to_owned),
            };
            if let Some(old) = old {
                f.input = Input::new(old);
            }
        }
        if let Some(i) = offer_field(&d.fields) {
            let old = d.fields[i].input.value().to_owned();
            d.fields[i].hint = compose_text::BEFORE.fill(lang, &[&old]);
            d.fields[i].input = Input::default();
            d.focus = Focus::Param(i);
        }
        d.choose_audience(&last.audience, lang);
        d
    }

    /// A saved draft reopened: all its values as they were, its audience and time.
    pub fn from_saved(template: &Template, saved: &BroadcastInfo, view: &ComposerView, lang: Lang) -> Draft {
        let mut d = Draft::new(template, view, lang);
        d.draft_id = Some(saved.id);
        for f in &mut d.fields {
            let old = match &f.slot {
                Slot::Header => saved.params.header.clone(),
                Slot::Body(p) => saved.params.get(p).map(str::to_owned),
            };
            if let Some(old) = old {
                f.input = Input::new(old);
            }
        }
        if let Some(at) = saved.scheduled_at {
            let local = at.with_timezone(&chrono_tz::Europe::Berlin);
            d.when = Input::new(local.format("%d.%m.%Y %H:%M").to_string());
        }
        d.choose_audience(&saved.audience, lang);
        d
    }

    /// Chooses `audience` (several tags go to the tags field; one not offered is added as a choice).
    fn choose_audience(&mut self, audience: &Audience, lang: Lang) {
        if let Some(i) = self.audiences.iter().position(|(a, _)| a == audience) {
            self.audience = i;
            return;
        }
        let several = match audience {
            Audience::Tags(t) if t.len() > 1 => Some((Audience::Tags(Vec::new()), t)),
            Audience::AllTags(t) => Some((Audience::AllTags(Vec::new()), t)),
            _ => None,
        };
        if let Some((sentinel, tags)) = several
            && let Some(i) = self.audiences.iter().position(|(a, _)| *a == sentinel)
        {
            self.audience = i;
            self.tags = Input::new(tags.join(", "));
            return;
        }
        self.audiences.push((audience.clone(), audience.describe(lang)));
        self.audience = self.audiences.len() - 1;
    }

    /// Whether there is typed work that leaving would lose.
    pub fn has_work(&self) -> bool {
        self.dirty
            && (self.fields.iter().any(|f| !f.input.value().trim().is_empty())
                || !self.when.value().trim().is_empty()
                || self.draft_id.is_some())
    }

    pub fn params(&self) -> Params {
        let mut p = Params::default();
        for f in &self.fields {
            match &f.slot {
                Slot::Header => p.header = Some(f.input.value().to_owned()),
                Slot::Body(ph) => {
                    p.body.insert(ph.key(), f.input.value().to_owned());
                }
            }
        }
        p
    }

    /// Whether the chosen audience is "several tags" (the tags field is shown and asked for).
    pub fn wants_tags(&self) -> bool {
        matches!(self.audiences.get(self.audience), Some((Audience::Tags(t) | Audience::AllTags(t), _)) if t.is_empty())
    }

    /// The audience as it will be stored: "several tags" with the tags typed.
    pub fn effective_audience(&self) -> Audience {
        let chosen = self.audiences[self.audience.min(self.audiences.len() - 1)].0.clone();
        match chosen {
            Audience::Tags(t) if t.is_empty() => Audience::Tags(self.parse_tags().unwrap_or_default()),
            Audience::AllTags(t) if t.is_empty() => Audience::AllTags(self.parse_tags().unwrap_or_default()),
            other => other,
        }
    }

    /// The typed tags, each as the shop spells it; an unknown one is an error naming it.
    fn parse_tags(&self) -> Result<Vec<String>, String> {
        let mut out: Vec<String> = Vec::new();
        for word in self.tags.value().split([',', ';']).map(str::trim).filter(|w| !w.is_empty()) {
            match self.known_tags.iter().find(|t| t.to_lowercase() == word.to_lowercase()) {
                Some(t) if !out.contains(t) => out.push(t.clone()),
                Some(_) => {}
                None => return Err(word.to_owned()),
            }
        }
        Ok(out)
    }

    /// Checks the tags field (only while "several tags" is chosen); `strict`: empty is an error too.
    pub fn check_tags(&mut self, strict: bool, lang: Lang) {
        self.tags_error = if !self.wants_tags() {
            None
        } else {
            match self.parse_tags() {
                Err(word) => Some(compose_text::E_TAG_UNKNOWN.fill(lang, &[&word, &self.known_tags.join(", ")])),
                Ok(t) if t.len() < 2 && strict => Some(compose_text::E_TAGS_FEW.get(lang).to_owned()),
                Ok(_) => None,
            }
        };
    }

    /// Recomputes which candidates the chosen audience matches.
    pub fn rematch(&mut self, candidates: &[(Customer, CustomerConsent)]) {
        let audience = self.effective_audience();
        self.matching = candidates.iter().filter(|(c, _)| audience.matches(c)).cloned().collect();
    }

    pub fn matched(&self) -> usize {
        self.matching.len()
    }

    /// Plans the audience with the current values, checks the fields and the warnings.
    pub fn replan(&mut self, fallback: &str, now: DateTime<Utc>, lang: Lang) {
        // An empty field is the field's problem, not the customers': plan with a visible gap, so the counts show
        // who may get the message while the farmer is still typing.
        let mut params = self.params();
        let gap = |v: &mut String| {
            if v.trim().is_empty() {
                *v = GAP.to_owned();
            }
        };
        params.body.values_mut().for_each(gap);
        if let Some(h) = params.header.as_mut() {
            gap(h);
        }
        self.plan = plan_audience(&self.template, self.purpose, &params, &self.matching, fallback, now);
        self.recipient = self.recipient.min(self.plan.recipients.len().saturating_sub(1));
        let filled = self.sample_params(fallback);
        for f in &mut self.fields {
            let value = f.input.value();
            let key = match &f.slot {
                Slot::Header => Placeholder::Named("header".into()),
                Slot::Body(p) => p.clone(),
            };
            // Meta's rules name the placeholder ("{{2}}"); the farmer knows the field by its label.
            let named = |e: String| e.replace(&key.to_string(), &format!("»{}«", f.label));
            f.error = match check_value(&key, value) {
                Err(crate::domain::template::ParamError::Empty(_)) if !f.touched => None,
                Err(e) => Some(named(e.localized(lang))),
                Ok(()) => None,
            };
        }
        // Length rules need the filled-in text (one recipient's values).
        if let Err(problems) = self.template.validate_params(&filled) {
            use crate::domain::template::ParamError as E;
            for e in problems {
                if matches!(e, E::BodyTooLong { .. })
                    && let Some(f) = self.fields.iter_mut().rev().find(|f| matches!(f.slot, Slot::Body(_)))
                {
                    f.error.get_or_insert_with(|| e.localized(lang));
                }
                if matches!(e, E::HeaderTooLong { .. })
                    && let Some(f) = self.fields.iter_mut().find(|f| f.slot == Slot::Header)
                {
                    f.error.get_or_insert_with(|| e.localized(lang));
                }
            }
        }
        let body = self.template.render_body(&filled);
        self.warnings = checks::warnings(&self.template, &body, false);
        self.name_warning = self
            .fields
            .iter()
            .find(|f| f.greeting && looks_like_a_name(f.input.value()))
            .map(|f| compose_text::W_FIXED_NAME.fill(lang, &[&f.input.value().trim()]));
    }

    /// Puts the customer's first name (`{vorname}`) into the focused field, at the cursor.
    pub fn insert_first_name(&mut self) -> bool {
        let Focus::Param(i) = self.focus else { return false };
        let Some(f) = self.fields.get_mut(i) else { return false };
        let value = f.input.value();
        let at = value.char_indices().nth(f.input.cursor()).map(|(b, _)| b).unwrap_or(value.len());
        let mut s = value.to_owned();
        s.insert_str(at, "{vorname}");
        let cursor = f.input.cursor() + "{vorname}".chars().count();
        f.input = Input::new(s).with_cursor(cursor);
        f.touched = true;
        true
    }

    /// The customer shown in the preview.
    pub fn sample_customer(&self) -> Option<&Customer> {
        let r = self.plan.recipients.get(self.recipient)?;
        self.matching.iter().map(|(c, _)| c).find(|c| c.id == r.customer_id)
    }

    /// The values as the preview's customer gets them (with the greeting fallback when nobody is there).
    pub fn sample_params(&self, fallback: &str) -> Params {
        match self.plan.recipients.get(self.recipient) {
            Some(r) => r.params.clone(),
            None => {
                // Nobody to show: the greeting fallback stands in for the first name.
                let fill =
                    |v: &str| v.replace("{vorname}", fallback).replace("{Vorname}", fallback).replace("{name}", "");
                let p = self.params();
                Params {
                    body: p.body.iter().map(|(k, v)| (k.clone(), fill(v))).collect(),
                    header: p.header.as_deref().map(fill),
                }
            }
        }
    }

    /// The time typed, `Ok(None)` for now.
    pub fn scheduled(&self, now: DateTime<Utc>, lang: Lang) -> Result<Option<DateTime<Utc>>, String> {
        let s = self.when.value().trim();
        if s.is_empty() || s.eq_ignore_ascii_case(compose_text::WHEN_NOW.get(lang)) || s.eq_ignore_ascii_case("jetzt") {
            return Ok(None);
        }
        match parse_when(s, now, Toward::Future).map(|w| w.at) {
            Some(at) if at <= now => Err(compose_text::E_WHEN_PAST.get(lang).to_owned()),
            Some(at) => Ok(Some(at)),
            None => Err(compose_text::E_WHEN.get(lang).to_owned()),
        }
    }

    /// The request for the store.
    pub fn new_broadcast(&self, scheduled_at: Option<DateTime<Utc>>, actor: &str) -> NewBroadcast {
        NewBroadcast {
            template: self.template.name.clone(),
            language: self.template.language.clone(),
            params: self.params(),
            audience: self.effective_audience(),
            scheduled_at,
            created_by: actor.to_owned(),
        }
    }

    fn order(&self) -> Vec<Focus> {
        let mut v: Vec<Focus> = (0..self.fields.len()).map(Focus::Param).collect();
        v.extend([Focus::When, Focus::Audience]);
        if self.wants_tags() {
            v.push(Focus::Tags);
        }
        v.push(Focus::Preview);
        v
    }

    pub fn step_focus(&mut self, by: isize) {
        let order = self.order();
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        self.focus = order[(i + by).rem_euclid(order.len() as isize) as usize];
    }
}

impl ParamField {
    fn new(slot: Slot, label: String, hint: String) -> ParamField {
        ParamField { slot, label, input: Input::default(), hint, error: None, touched: false, greeting: false }
    }
}

/// The audience choices and the one chosen first: everyone, the marked customers (chosen first when the composer
/// was opened for them with `m`), each tag with its count, then several tags (any of / all of, typed in a field).
pub fn audience_choices(view: &ComposerView, lang: Lang) -> (Vec<(Audience, String)>, usize) {
    let mut audiences = vec![(Audience::All, Audience::All.describe(lang))];
    let mut chosen = 0;
    if !view.marked.is_empty() {
        let ids: Vec<i64> = view.marked.iter().map(|(id, _)| *id).collect();
        let label = if view.marked.len() <= 3 {
            let names: Vec<&str> = view.marked.iter().map(|(_, n)| n.as_str()).collect();
            compose_text::A_MARKED_NAMES.fill(lang, &[&names.join(", ")])
        } else {
            compose_text::A_MARKED.fill(lang, &[&view.marked.len()])
        };
        audiences.push((Audience::List(ids), label));
        if view.to_marked {
            chosen = 1;
        }
    }
    for (tag, n) in &view.tags {
        audiences.push((
            Audience::Tags(vec![tag.clone()]),
            format!("{} ({n})", Audience::Tags(vec![tag.clone()]).describe(lang)),
        ));
    }
    if view.tags.len() >= 2 {
        audiences.push((Audience::Tags(Vec::new()), compose_text::A_ANY_TAGS.get(lang).to_owned()));
        audiences.push((Audience::AllTags(Vec::new()), compose_text::A_ALL_TAGS.get(lang).to_owned()));
    }
    (audiences, chosen)
}

/// Whether the placeholder greets: the message starts with it, or the words before it in its sentence end with a
/// greeting ("Hallo ▢", "Liebe ▢"); a named parameter called like a first name counts too.
fn is_greeting(body: &str, p: &Placeholder) -> bool {
    if let Placeholder::Named(n) = p
        && matches!(n.to_lowercase().as_str(), "name" | "vorname" | "first_name" | "firstname" | "kunde")
    {
        return true;
    }
    let marker = p.to_string();
    let Some(at) = body.find(&marker) else { return false };
    let before = &body[..at];
    let sentence = before.rsplit(['.', '!', '?', '\n']).next().unwrap_or("").trim().to_lowercase();
    const GREETINGS: [&str; 10] =
        ["hallo", "hi", "hey", "moin", "servus", "liebe", "lieber", "liebe/r", "guten tag", "grüß dich"];
    before.trim().is_empty() || GREETINGS.iter().any(|g| sentence.ends_with(g))
}

/// The label of a placeholder field by its meaning: the parameter's name where Meta has one ("Angebot", "Datum"),
/// "Anrede" for a greeting, else "Wert 2".
fn field_label(p: &Placeholder, greeting: bool, lang: Lang) -> String {
    match p {
        Placeholder::Named(n) => {
            let words = n.replace('_', " ");
            let mut chars = words.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
        }
        Placeholder::Positional(_) if greeting => compose_text::L_GREETING.get(lang).to_owned(),
        Placeholder::Positional(n) => compose_text::L_VALUE.fill(lang, &[n]),
    }
}

/// A fixed name typed where the greeting goes ("Jörg", "Anna Weiß"): one or two capitalised words of letters.
fn looks_like_a_name(v: &str) -> bool {
    let v = v.trim();
    let words: Vec<&str> = v.split_whitespace().collect();
    !v.contains('{')
        && (1..=2).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase) && w.chars().all(|c| c.is_alphabetic() || c == '-')
        })
}

/// The field a weekly offer changes: the last one whose value is not just a greeting.
fn offer_field(fields: &[ParamField]) -> Option<usize> {
    let personal = |v: &str| {
        let rest = v.replace("{vorname}", "").replace("{Vorname}", "").replace("{name}", "");
        rest.trim_matches(|c: char| !c.is_alphanumeric()).is_empty()
    };
    fields.iter().rposition(|f| !personal(f.input.value())).or(fields.len().checked_sub(1))
}

/// The text around a placeholder, e.g. "…Woche: ▢. Wir…".
fn context(text: &str, p: &Placeholder) -> String {
    let marker = p.to_string();
    let Some(at) = text.find(&marker) else { return String::new() };
    let before: String = text[..at].chars().rev().take(14).collect::<Vec<_>>().into_iter().rev().collect();
    let after: String = text[at + marker.len()..].chars().take(10).collect();
    let mark = |s: &str| crate::domain::template::fill(s, |_| Some("▢".into()));
    let lead = if before.chars().count() < text[..at].chars().count() { "…" } else { "" };
    let tail = if after.chars().count() < text[at + marker.len()..].chars().count() { "…" } else { "" };
    format!("{lead}{}▢{}{tail}", mark(&before), mark(&after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_marks_the_placeholder() {
        let body = "{{1}}, unser Angebot diese Woche: {{2}}. Wir freuen uns auf deinen Besuch im Hofladen!";
        assert_eq!(context(body, &Placeholder::Positional(2)), "… diese Woche: ▢. Wir freu…");
        assert_eq!(context(body, &Placeholder::Positional(1)), "▢, unser An…");
    }
}
