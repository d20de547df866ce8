//! The composer (Nachricht) as a pure state machine: pick a template (only approved ones; the others are listed with
//! their status), fill one single-line field per placeholder (checked by Meta's rules as you type; `{vorname}` and
//! `{name}` allowed), choose the audience (purpose follows the template's category and cannot be changed), see the
//! live preview for a real recipient and the counts, then go on to the review (`review`). "Repeat last"
//! starts from the previous broadcast of a template with the offer field cleared.
//! The audience is planned here in pure code (`domain::broadcast::plan_audience`) on every change, from the
//! candidates loaded once; the review asks the store again. Must not perform IO.

pub mod draft;
pub mod draw;
pub mod review;
pub mod text;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::backend::crossterm::to_input_request;

pub use self::draft::{Draft, Focus, ParamField, Slot};
use self::review::ReviewData;
use self::text as compose_text;
use crate::domain::broadcast::purpose_of;
use crate::domain::consent::CustomerConsent;
use crate::domain::customer::Customer;
use crate::domain::template::Template;
use crate::i18n::{Lang, Localized};
use crate::store::broadcasts::BroadcastInfo;
use crate::tui::app::{Effect, State, key_label};
use crate::tui::keymap::{Action, Ctx};
use crate::tui::nav::Nav;

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
            v.nav.apply(action, v.selectable, page);
        }
        Action::Open | Action::Repeat => {
            let Some(t) = v.templates.get(v.nav.selected).cloned() else { return Vec::new() };
            if !sendable(&t) {
                state.error(compose_text::NOT_APPROVED.fill(lang, &[&t.name, &t.status.label(lang)]));
                return Vec::new();
            }
            let draft = match (action, v.last_of(&t.name)) {
                (Action::Repeat, Some(last)) => Draft::repeat(&t, last, v, lang),
                (Action::Repeat, None) => {
                    state.info(compose_text::NO_LAST.fill(lang, &[&t.name]));
                    return Vec::new();
                }
                _ => Draft::new(&t, v, lang),
            };
            open(state, draft);
        }
        Action::Sync if !v.syncing => {
            v.syncing = true;
            state.info(compose_text::SYNCING.get(lang).to_owned());
            return vec![Effect::SyncTemplates];
        }
        _ => {}
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
        _ => {}
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
        state.error(compose_text::E_NOBODY.fill(lang, &[&excluded_key]));
        return Vec::new();
    }
    let new = d.new_broadcast(scheduled, &state.actor);
    state.composer.busy = true;
    state.info(compose_text::PREPARING.get(lang).to_owned());
    vec![Effect::PrepareReview(new)]
}

/// A key that is no command: text for the focused field.
pub fn type_key(state: &mut State, ev: &KeyEvent) {
    let lang = state.lang;
    let now = state.composer.now.or(state.now);
    let Some(d) = &mut state.composer.draft else { return };
    let Some(req) = to_input_request(&Event::Key(*ev)) else { return };
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
        _ => {}
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
        return review::on_action(state, action);
    }
    if state.composer.draft.is_some() {
        return on_edit(state, action);
    }
    on_picker(state, action)
}
