//! The composer (Nachricht) as a pure state machine: pick a template (only approved ones; the others are listed with
//! their status), fill one single-line field per placeholder (checked by Meta's rules as you type; `{vorname}` and
//! `{name}` allowed), choose the audience (purpose follows the template's category and cannot be changed), see the
//! live preview for a real recipient and the counts, then go on to the review (`composer_review`). "Repeat last"
//! starts from the previous broadcast of a template with the offer field cleared.
//! The audience is planned here in pure code (`domain::broadcast::plan_audience`) on every change, from the
//! candidates loaded once; the review asks the store again. Must not perform IO.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::composer_review::{self, ReviewData};
use crate::domain::broadcast::{Audience, AudiencePlan, plan_audience, purpose_of};
use crate::domain::checks::{self, Warning};
use crate::domain::consent::{CustomerConsent, Purpose};
use crate::domain::customer::Customer;
use crate::domain::parse_local_datetime;
use crate::domain::template::{Category, Header, Params, Placeholder, Template, check_value};
use crate::i18n::{Lang, Localized};
use crate::store::broadcasts::{BroadcastInfo, NewBroadcast};
use crate::tui::app::{Effect, State, key_label};
use crate::tui::keymap::{Action, Ctx};
use crate::tui::nav::Nav;
use crate::tui::text_compose as tc;

/// Stands in for an empty value in the preview.
pub const GAP: &str = "▢";

/// What a load of the composer brings.
#[derive(Debug, Clone)]
pub struct ComposerData {
    pub templates: Vec<Template>,
    /// Every customer with their consent facts (the audience is planned from these).
    pub candidates: Arc<Vec<(Customer, CustomerConsent)>>,
    pub tags: Vec<(String, i64)>,
    /// The last broadcast (not a draft) of each template that has one.
    pub last: Vec<BroadcastInfo>,
    /// The template of the most recent broadcast: selected first.
    pub latest_template: Option<String>,
    pub now: DateTime<Utc>,
}

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
}

/// Where the keyboard focus is in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// A placeholder field (index into `fields`).
    Param(usize),
    When,
    Audience,
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
    pub audiences: Vec<(Audience, String)>,
    pub audience: usize,
    /// The candidates the chosen audience matches (kept so typing only re-plans).
    matching: Vec<(Customer, CustomerConsent)>,
    pub plan: AudiencePlan,
    /// Index into `plan.recipients` shown in the preview.
    pub recipient: usize,
    pub warnings: Vec<Warning>,
    pub repeat_of: Option<i64>,
}

/// The composer screen.
#[derive(Debug, Default)]
pub struct ComposerView {
    pub loaded: bool,
    pub stale: bool,
    /// Sendable templates first (in name order), then the others.
    pub templates: Vec<Template>,
    pub selectable: usize,
    pub candidates: Arc<Vec<(Customer, CustomerConsent)>>,
    pub tags: Vec<(String, i64)>,
    pub last: Vec<BroadcastInfo>,
    pub nav: Nav,
    pub draft: Option<Draft>,
    pub review: Option<ReviewData>,
    /// The excluded list is open (scroll position).
    pub excluded: Option<usize>,
    /// Waiting for the store (review, queueing): a second Enter must not act twice.
    pub busy: bool,
    pub syncing: bool,
    pub now: Option<DateTime<Utc>>,
}

fn sendable(t: &Template) -> bool {
    t.is_approved() && purpose_of(t.category).is_some()
}

impl ComposerView {
    pub fn selected(&self) -> Option<&Template> {
        self.templates.get(self.nav.selected).filter(|_| self.nav.selected < self.selectable)
    }

    pub fn last_of(&self, name: &str) -> Option<&BroadcastInfo> {
        self.last.iter().find(|b| b.template == name)
    }

    /// The keymap context of the composer's current step.
    pub fn ctx(&self) -> Vec<Ctx> {
        if self.excluded.is_some() {
            return vec![Ctx::Always, Ctx::Excluded];
        }
        if self.review.is_some() {
            return vec![Ctx::Always, Ctx::Review, Ctx::Global];
        }
        match &self.draft {
            Some(d) => match d.focus {
                Focus::Audience => vec![Ctx::Always, Ctx::FormChoice, Ctx::Composer],
                Focus::Preview => vec![Ctx::Always, Ctx::Preview, Ctx::Composer],
                _ => vec![Ctx::Always, Ctx::Composer],
            },
            None => vec![Ctx::Always, Ctx::Picker, Ctx::Lists, Ctx::Global],
        }
    }
}

/// Fresh data arrived: keep the selection (by name) and a draft in progress (re-planned with the new candidates).
pub fn loaded(state: &mut State, data: ComposerData) {
    let v = &mut state.composer;
    let keep = v.templates.get(v.nav.selected).map(|t| t.name.clone());
    let first_load = !v.loaded;
    let mut templates = data.templates;
    templates.sort_by(|a, b| (!sendable(a), &a.name, &a.language).cmp(&(!sendable(b), &b.name, &b.language)));
    v.selectable = templates.iter().filter(|t| sendable(t)).count();
    v.templates = templates;
    v.candidates = data.candidates;
    v.tags = data.tags;
    v.last = data.last;
    v.now = Some(data.now);
    v.loaded = true;
    let want = if first_load { data.latest_template.or(keep) } else { keep.or(data.latest_template) };
    if let Some(pos) = want.and_then(|n| v.templates.iter().position(|t| t.name == n)) {
        v.nav.selected = pos;
    }
    v.nav.clamp(v.selectable.max(1), page(state.size));
    let fallback = state.config.shop.salutation_fallback.clone();
    let lang = state.lang;
    let v = &mut state.composer;
    if let Some(d) = &mut v.draft {
        d.rematch(&v.candidates);
        d.replan(&fallback, v.now.unwrap_or(data.now), lang);
    }
}

/// Rows of the template list that fit.
pub fn page(size: (u16, u16)) -> usize {
    crate::tui::view::body_height(size).saturating_sub(4) as usize
}

impl Draft {
    /// A new draft for `template` (must be sendable), audience "all".
    pub fn new(template: &Template, view: &ComposerView, lang: Lang) -> Draft {
        let purpose = purpose_of(template.category).unwrap_or(Purpose::Service);
        let mut fields = Vec::new();
        if let (Some(p), Some(Header::Text { text })) = (template.header_placeholder(), &template.header) {
            fields.push(ParamField::new(Slot::Header, tc::F_HEADER.get(lang).to_owned(), context(text, &p)));
        }
        for p in template.body_placeholders() {
            let hint = context(&template.body, &p);
            fields.push(ParamField::new(Slot::Body(p.clone()), p.to_string(), hint));
        }
        let mut audiences = vec![(Audience::All, Audience::All.describe(lang))];
        for (tag, n) in &view.tags {
            audiences.push((
                Audience::Tags(vec![tag.clone()]),
                format!("{} ({n})", Audience::Tags(vec![tag.clone()]).describe(lang)),
            ));
        }
        Draft {
            template: template.clone(),
            purpose,
            fields,
            when: Input::default(),
            when_error: None,
            focus: Focus::Param(0),
            audiences,
            audience: 0,
            matching: Vec::new(),
            plan: AudiencePlan::default(),
            recipient: 0,
            warnings: Vec::new(),
            repeat_of: None,
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
            d.fields[i].hint = tc::BEFORE.fill(lang, &[&old]);
            d.fields[i].input = Input::default();
            d.focus = Focus::Param(i);
        }
        match d.audiences.iter().position(|(a, _)| *a == last.audience) {
            Some(i) => d.audience = i,
            None => {
                d.audiences.push((last.audience.clone(), last.audience.describe(lang)));
                d.audience = d.audiences.len() - 1;
            }
        }
        d
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

    /// Recomputes which candidates the chosen audience matches.
    pub fn rematch(&mut self, candidates: &[(Customer, CustomerConsent)]) {
        let audience = &self.audiences[self.audience.min(self.audiences.len() - 1)].0;
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
            f.error = match check_value(&key, value) {
                Err(crate::domain::template::ParamError::Empty(_)) if !f.touched => None,
                Err(e) => Some(e.localized(lang)),
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
        if s.is_empty() || s.eq_ignore_ascii_case(tc::WHEN_NOW.get(lang)) || s.eq_ignore_ascii_case("jetzt") {
            return Ok(None);
        }
        match parse_local_datetime(s) {
            Some(at) if at <= now => Err(tc::E_WHEN_PAST.get(lang).to_owned()),
            Some(at) => Ok(Some(at)),
            None => Err(tc::E_WHEN.get(lang).to_owned()),
        }
    }

    /// The request for the store.
    pub fn new_broadcast(&self, scheduled_at: Option<DateTime<Utc>>, actor: &str) -> NewBroadcast {
        NewBroadcast {
            template: self.template.name.clone(),
            language: self.template.language.clone(),
            params: self.params(),
            audience: self.audiences[self.audience.min(self.audiences.len() - 1)].0.clone(),
            scheduled_at,
            created_by: actor.to_owned(),
        }
    }

    fn order(&self) -> Vec<Focus> {
        let mut v: Vec<Focus> = (0..self.fields.len()).map(Focus::Param).collect();
        v.extend([Focus::When, Focus::Audience, Focus::Preview]);
        v
    }

    fn step_focus(&mut self, by: isize) {
        let order = self.order();
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        self.focus = order[(i + by).rem_euclid(order.len() as isize) as usize];
    }
}

impl ParamField {
    fn new(slot: Slot, label: String, hint: String) -> ParamField {
        ParamField { slot, label, input: Input::default(), hint, error: None, touched: false }
    }
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

fn replan(state: &mut State) {
    let (fallback, lang) = (state.config.shop.salutation_fallback.clone(), state.lang);
    let now = state.composer.now.or(state.now).unwrap_or(DateTime::<Utc>::MIN_UTC);
    if let Some(d) = &mut state.composer.draft {
        d.replan(&fallback, now, lang);
    }
}

/// Opens a draft (new, or repeating a broadcast) and plans it.
fn open(state: &mut State, draft: Draft) {
    let candidates = state.composer.candidates.clone();
    state.composer.draft = Some(draft);
    if let Some(d) = &mut state.composer.draft {
        d.rematch(&candidates);
    }
    replan(state);
}

/// Keys of the picker step.
pub fn on_picker(state: &mut State, action: Action) -> Vec<Effect> {
    let lang = state.lang;
    let page = page(state.size);
    let v = &mut state.composer;
    match action {
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home | Action::End => {
            if !v.nav.apply(action, v.selectable, page) {
                state.redraw = false;
            }
        }
        Action::Open | Action::Repeat => {
            let Some(t) = v.templates.get(v.nav.selected).cloned() else { return Vec::new() };
            if !sendable(&t) {
                state.error(tc::NOT_APPROVED.fill(lang, &[&t.name, &t.status.label(lang)]));
                return Vec::new();
            }
            let draft = match (action, v.last_of(&t.name)) {
                (Action::Repeat, Some(last)) => Draft::repeat(&t, last, v, lang),
                (Action::Repeat, None) => {
                    state.info(tc::NO_LAST.fill(lang, &[&t.name]));
                    return Vec::new();
                }
                _ => Draft::new(&t, v, lang),
            };
            open(state, draft);
        }
        Action::Sync => {
            if !v.syncing {
                v.syncing = true;
                state.info(tc::SYNCING.get(lang).to_owned());
                return vec![Effect::SyncTemplates];
            }
        }
        _ => state.redraw = false,
    }
    Vec::new()
}

/// Keys of the form step.
pub fn on_edit(state: &mut State, action: Action) -> Vec<Effect> {
    let lang = state.lang;
    let Some(d) = &mut state.composer.draft else { return Vec::new() };
    match action {
        Action::Cancel => {
            state.composer.draft = None;
            return Vec::new();
        }
        Action::NextField | Action::PrevField => {
            touch(d);
            d.step_focus(if action == Action::NextField { 1 } else { -1 });
            check_when(d, state.composer.now.or(state.now), lang);
            replan(state);
        }
        Action::NextRecipient | Action::PrevRecipient => {
            let n = d.plan.recipients.len();
            if n == 0 {
                state.redraw = false;
                return Vec::new();
            }
            let by: isize = if action == Action::NextRecipient { 1 } else { -1 };
            d.recipient = ((d.recipient as isize + by).rem_euclid(n as isize)) as usize;
            replan(state);
        }
        Action::Toggle | Action::ChoiceNext | Action::ChoicePrev => {
            let n = d.audiences.len().max(1);
            let by: isize = if action == Action::ChoicePrev { -1 } else { 1 };
            d.audience = ((d.audience as isize + by).rem_euclid(n as isize)) as usize;
            d.recipient = 0;
            let candidates = state.composer.candidates.clone();
            if let Some(d) = &mut state.composer.draft {
                d.rematch(&candidates);
            }
            replan(state);
        }
        Action::Excluded => state.composer.excluded = Some(0),
        Action::Review => return to_review(state),
        _ => state.redraw = false,
    }
    Vec::new()
}

fn touch(d: &mut Draft) {
    if let Focus::Param(i) = d.focus
        && let Some(f) = d.fields.get_mut(i)
    {
        f.touched = true;
    }
}

fn check_when(d: &mut Draft, now: Option<DateTime<Utc>>, lang: Lang) {
    d.when_error = d.scheduled(now.unwrap_or(DateTime::<Utc>::MIN_UTC), lang).err();
}

/// Enter: everything checked; then the store resolves the audience once more for the review.
fn to_review(state: &mut State) -> Vec<Effect> {
    let lang = state.lang;
    let now = state.composer.now.or(state.now).unwrap_or(DateTime::<Utc>::MIN_UTC);
    if state.composer.busy {
        return Vec::new();
    }
    let excluded_key = key_label(state, Action::Excluded);
    let Some(d) = &mut state.composer.draft else { return Vec::new() };
    for f in &mut d.fields {
        f.touched = true;
    }
    check_when(d, Some(now), lang);
    replan(state);
    let Some(d) = &mut state.composer.draft else { return Vec::new() };
    if let Some(i) = d.fields.iter().position(|f| f.error.is_some()) {
        d.focus = Focus::Param(i);
        return Vec::new();
    }
    let scheduled = match d.scheduled(now, lang) {
        Ok(at) => at,
        Err(_) => {
            d.focus = Focus::When;
            return Vec::new();
        }
    };
    if d.plan.recipients.is_empty() {
        state.error(tc::E_NOBODY.fill(lang, &[&excluded_key]));
        return Vec::new();
    }
    let new = d.new_broadcast(scheduled, &state.actor);
    state.composer.busy = true;
    state.info(tc::PREPARING.get(lang).to_owned());
    vec![Effect::PrepareReview(new)]
}

/// A key that is no command: text for the focused field.
pub fn type_key(state: &mut State, ev: &KeyEvent) {
    let lang = state.lang;
    let now = state.composer.now.or(state.now);
    let Some(d) = &mut state.composer.draft else { return };
    let Some(req) = to_input_request(&Event::Key(*ev)) else {
        state.redraw = false;
        return;
    };
    let changed = match d.focus {
        Focus::Param(i) => match d.fields.get_mut(i) {
            Some(f) => {
                let c = f.input.handle(req).is_some_and(|c| c.value);
                if c {
                    f.touched = true;
                }
                c
            }
            None => false,
        },
        Focus::When => {
            let c = d.when.handle(req).is_some_and(|c| c.value);
            if c && d.when_error.is_some() {
                check_when(d, now, lang);
            }
            c
        }
        Focus::Audience | Focus::Preview => false,
    };
    if changed {
        replan(state);
    }
}

/// The excluded list popup.
pub fn on_excluded(state: &mut State, action: Action) {
    let Some(scroll) = &mut state.composer.excluded else { return };
    match action {
        Action::Back => state.composer.excluded = None,
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::Down => *scroll += 1,
        _ => state.redraw = false,
    }
}

/// The excluded customers with the reason, of the review if open, else of the draft.
pub fn excluded_rows(state: &State) -> Vec<(String, String)> {
    let lang = state.lang;
    let list = match (&state.composer.review, &state.composer.draft) {
        (Some(r), _) => &r.excluded,
        (None, Some(d)) => &d.plan.excluded,
        _ => return Vec::new(),
    };
    list.iter().map(|(_, name, why)| (name.clone(), why.localized(lang))).collect()
}

/// Keys while the composer is open (any step).
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    if state.composer.excluded.is_some() {
        on_excluded(state, action);
        return Vec::new();
    }
    if state.composer.review.is_some() {
        return composer_review::on_action(state, action);
    }
    if state.composer.draft.is_some() {
        return on_edit(state, action);
    }
    on_picker(state, action)
}

/// The category as the farmer reads it, with the needed consent.
pub fn category_word(c: Category, lang: Lang) -> &'static str {
    c.label(lang)
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
