//! The composer (Nachricht) as a pure state machine: pick a template (only approved ones; the others are listed with
//! their status), fill one single-line field per placeholder (checked by Meta's rules as you type; `{vorname}` and
//! `{name}` allowed), choose the audience (purpose follows the template's category and cannot be changed), see the
//! live preview for a real recipient and the counts, then go on to the review (`review`). "Repeat last"
//! starts from the previous broadcast of a template with the offer field cleared.
//! The audience is planned here in pure code (`domain::broadcast::plan_audience`) on every change, from the
//! candidates loaded once; the review asks the store again. Owns its state (`ComposerView`); reads the rest from the
//! [`Env`] and [`Shop`] and answers with [`Outcome`]s. Must not perform IO.

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
use super::{Env, Outcome};
use crate::domain::broadcast::purpose_of;
use crate::domain::consent::CustomerConsent;
use crate::domain::customer::Customer;
use crate::domain::template::Template;
use crate::i18n::{Lang, Localized};
use crate::store::broadcasts::BroadcastInfo;
use crate::tui::keymap::{Action, Ctx};
use crate::tui::msg::{Effect, Sender};
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
    /// The latest broadcasts of any template, newest first (no drafts): what "repeat last" offers.
    pub recent: Vec<BroadcastInfo>,
    pub now: DateTime<Utc>,
}

/// How many of the latest broadcasts "repeat last" offers.
pub const RECENT_LIMIT: usize = 8;

/// The broadcast "repeat last" starts on: the newest one that was not cancelled (a cancelled Schlachttermin is not
/// what the farmer repeats), else the newest.
pub fn repeat_default(recent: &[BroadcastInfo]) -> Option<&BroadcastInfo> {
    use crate::domain::sending::BroadcastState;
    recent.iter().find(|b| b.state != BroadcastState::Cancelled).or(recent.first())
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
    pub recent: Vec<BroadcastInfo>,
    /// The list of recent broadcasts to repeat is open (its selection).
    pub recent_pick: Option<Nav>,
    /// Customers marked on the customer list (id, name): an audience choice.
    pub marked: Vec<(i64, String)>,
    /// The composer was opened for `marked` (`m`): that audience is chosen first.
    pub to_marked: bool,
    /// A saved draft to reopen once the templates are loaded.
    pub pending_draft: Option<BroadcastInfo>,
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
    !crate::domain::template::is_own(&t.name) && t.is_approved() && purpose_of(t.category).is_some()
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
        if self.recent_pick.is_some() {
            return vec![Ctx::Always, Ctx::RecentPick, Ctx::Lists];
        }
        if self.review.is_some() {
            return vec![Ctx::Always, Ctx::Review, Ctx::Global];
        }
        match &self.draft {
            Some(d) => match d.focus {
                Focus::Audience => vec![Ctx::Always, Ctx::FormChoice, Ctx::Composer],
                Focus::Tags => vec![Ctx::Always, Ctx::Composer],
                Focus::Preview => vec![Ctx::Always, Ctx::Preview, Ctx::Composer],
                _ => vec![Ctx::Always, Ctx::Composer],
            },
            None => vec![Ctx::Always, Ctx::Picker, Ctx::Lists, Ctx::Global],
        }
    }
}

/// What the composer reads besides its own state and the [`Env`]: from the configuration and the app.
#[derive(Debug, Clone, Copy)]
pub struct Shop<'a> {
    /// The greeting for a customer without a first name.
    pub fallback: &'a str,
    /// The farmer's own number, for the test send.
    pub own_number: &'a str,
    /// Who queues (`$USER`).
    pub actor: &'a str,
    pub sender: Sender,
}

/// Fresh data arrived: keep the selection (by name) and a draft in progress (re-planned with the new candidates).
pub fn loaded(v: &mut ComposerView, env: &Env, shop: &Shop, data: ComposerData) {
    let keep = v.templates.get(v.nav.selected).map(|t| t.name.clone());
    let first_load = !v.loaded;
    // hofbote's own templates (opt-in question, STOP confirmation) are never a broadcast: not even listed.
    let mut templates: Vec<Template> =
        data.templates.into_iter().filter(|t| !crate::domain::template::is_own(&t.name)).collect();
    templates.sort_by(|a, b| (!sendable(a), &a.name, &a.language).cmp(&(!sendable(b), &b.name, &b.language)));
    v.selectable = templates.iter().filter(|t| sendable(t)).count();
    v.templates = templates;
    v.candidates = data.candidates;
    v.tags = data.tags;
    v.last = data.last;
    v.recent = data.recent;
    if let Some(nav) = &mut v.recent_pick {
        // The list was opened before this load arrived (a cancel elsewhere just now): start on the right one again.
        let first = repeat_default(&v.recent).map(|b| b.id);
        nav.selected = v.recent.iter().position(|b| Some(b.id) == first).unwrap_or(0);
    }
    v.now = Some(data.now);
    v.loaded = true;
    let want = if first_load { data.latest_template.or(keep) } else { keep.or(data.latest_template) };
    if let Some(pos) = want.and_then(|n| v.templates.iter().position(|t| t.name == n)) {
        v.nav.selected = pos;
    }
    v.nav.clamp(v.selectable.max(1), page(env.size));
    if let Some(d) = &mut v.draft {
        d.rematch(&v.candidates);
        d.replan(shop.fallback, v.now.unwrap_or(data.now), env.lang);
    }
    if v.pending_draft.is_some() {
        let _ = open_pending(v, env, shop);
    }
}

/// Reopens a saved draft (Enter on a draft in the queue): now if the templates are loaded, else after the load.
pub fn edit_draft(v: &mut ComposerView, env: &Env, shop: &Shop, saved: BroadcastInfo) -> Vec<Outcome> {
    v.pending_draft = Some(saved);
    if !v.loaded {
        return Vec::new();
    }
    match open_pending(v, env, shop) {
        Ok(()) => Vec::new(),
        Err(e) => vec![Outcome::Error(e)],
    }
}

fn open_pending(v: &mut ComposerView, env: &Env, shop: &Shop) -> Result<(), String> {
    let Some(saved) = v.pending_draft.take() else { return Ok(()) };
    let found = v.templates[..v.selectable]
        .iter()
        .find(|t| t.name == saved.template && t.language == saved.language)
        .cloned()
        .ok_or_else(|| compose_text::RECENT_GONE.fill(env.lang, &[&saved.template]))?;
    if let Some(pos) = v.templates.iter().position(|t| t.name == found.name && t.language == found.language) {
        v.nav.selected = pos;
    }
    v.review = None;
    v.recent_pick = None;
    let draft = Draft::from_saved(&found, &saved, v, env.lang);
    open(v, env, shop, draft);
    Ok(())
}

/// Leaving the app with typed work: it is kept as a draft (a reopened draft is changed), written before the app ends.
pub fn keep_on_quit(v: &ComposerView, env: &Env, shop: &Shop) -> Option<Effect> {
    let d = v.draft.as_ref().filter(|d| d.has_work())?;
    let now = v.now.or(env.now).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let new = d.new_broadcast(d.scheduled(now, env.lang).ok().flatten(), shop.actor);
    Some(match d.draft_id {
        Some(id) => Effect::UpdateDraft { id, new, queue: false },
        None => Effect::SaveDraft(new),
    })
}

/// `m` on the customer list or detail: these customers are the audience of the next message (and of an open
/// draft, which switches to them).
pub fn compose_to(v: &mut ComposerView, env: &Env, shop: &Shop, to: Vec<(i64, String)>) {
    v.marked = to;
    v.to_marked = true;
    let (choices, chosen) = draft::audience_choices(v, env.lang);
    if let Some(d) = &mut v.draft {
        d.audiences = choices;
        d.audience = chosen;
        d.recipient = 0;
        d.rematch(&v.candidates);
        replan(v, env, shop);
    }
}

/// The status line after `m`: who the message is for.
pub fn to_hint(v: &ComposerView, lang: Lang) -> Option<String> {
    if !v.to_marked || v.marked.is_empty() {
        return None;
    }
    let who = match &v.marked[..] {
        [(_, name)] => name.clone(),
        many => compose_text::A_MARKED.fill(lang, &[&many.len()]),
    };
    Some(compose_text::TO_HINT.fill(lang, &[&who]))
}

/// Rows of the template list that fit.
pub fn page(size: (u16, u16)) -> usize {
    crate::tui::screens::body_height(size).saturating_sub(4) as usize
}

fn replan(v: &mut ComposerView, env: &Env, shop: &Shop) {
    let now = v.now.or(env.now).unwrap_or(DateTime::<Utc>::MIN_UTC);
    if let Some(d) = &mut v.draft {
        d.replan(shop.fallback, now, env.lang);
    }
}

/// Opens a draft (new, or repeating a broadcast) and plans it.
fn open(v: &mut ComposerView, env: &Env, shop: &Shop, mut draft: Draft) {
    draft.rematch(&v.candidates);
    v.draft = Some(draft);
    replan(v, env, shop);
}

/// Keys of the picker step.
pub fn on_picker(v: &mut ComposerView, env: &Env, shop: &Shop, action: Action) -> Vec<Outcome> {
    let lang = env.lang;
    let page = page(env.size);
    match action {
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home | Action::End => {
            v.nav.apply(action, v.selectable, page);
        }
        Action::Open => {
            let Some(t) = v.templates.get(v.nav.selected).cloned() else { return Vec::new() };
            if !sendable(&t) {
                return vec![Outcome::Error(compose_text::NOT_APPROVED.fill(lang, &[&t.name, &t.status.label(lang)]))];
            }
            let draft = Draft::new(&t, v, lang);
            open(v, env, shop, draft);
        }
        Action::Repeat => {
            // The last few broadcasts of any template to pick from, on the newest one not cancelled.
            let Some(first) = repeat_default(&v.recent) else {
                return vec![Outcome::Info(compose_text::NO_RECENT.get(lang).to_owned())];
            };
            let selected = v.recent.iter().position(|b| b.id == first.id).unwrap_or(0);
            v.recent_pick = Some(Nav { selected, offset: 0 });
        }
        Action::Sync if !v.syncing => {
            v.syncing = true;
            return vec![
                Outcome::Info(compose_text::SYNCING.get(lang).to_owned()),
                Outcome::Effect(Effect::SyncTemplates),
            ];
        }
        _ => {}
    }
    Vec::new()
}

/// Keys of the list of recent broadcasts: Enter repeats the chosen one, Esc closes the list.
pub fn on_recent(v: &mut ComposerView, env: &Env, shop: &Shop, action: Action) -> Vec<Outcome> {
    let lang = env.lang;
    let Some(nav) = &mut v.recent_pick else { return Vec::new() };
    match action {
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home | Action::End => {
            nav.apply(action, v.recent.len(), RECENT_LIMIT);
        }
        Action::Back => v.recent_pick = None,
        Action::Open => {
            let Some(last) = v.recent.get(nav.selected).cloned() else { return Vec::new() };
            v.recent_pick = None;
            let found = v.templates[..v.selectable]
                .iter()
                .find(|t| t.name == last.template && t.language == last.language)
                .cloned();
            let Some(t) = found else {
                return vec![Outcome::Error(compose_text::RECENT_GONE.fill(lang, &[&last.template]))];
            };
            if let Some(pos) = v.templates.iter().position(|x| x.name == t.name && x.language == t.language) {
                v.nav.selected = pos;
            }
            let draft = Draft::repeat(&t, &last, v, lang);
            open(v, env, shop, draft);
        }
        _ => {}
    }
    Vec::new()
}

/// The answer "yes" to [`compose_text::DISCARD_QUESTION`]: the typed work is gone.
pub fn discard(v: &mut ComposerView, lang: Lang) -> Outcome {
    v.draft = None;
    v.review = None;
    v.to_marked = false;
    Outcome::Success(compose_text::DISCARDED.get(lang).to_owned())
}

/// Keys of the form step.
pub fn on_edit(v: &mut ComposerView, env: &Env, shop: &Shop, action: Action) -> Vec<Outcome> {
    let lang = env.lang;
    let now = v.now.or(env.now);
    let Some(d) = &mut v.draft else { return Vec::new() };
    match action {
        Action::Cancel => {
            if d.has_work() {
                // Typed work is not thrown away without asking.
                return vec![Outcome::Confirm(crate::tui::widgets::confirm::Confirm {
                    question: compose_text::DISCARD_QUESTION.get(lang).to_owned(),
                    on_yes: crate::tui::widgets::confirm::OnYes::DiscardDraft,
                })];
            }
            v.draft = None;
            v.to_marked = false;
            return Vec::new();
        }
        Action::NextField | Action::PrevField => {
            touch(d);
            d.step_focus(if action == Action::NextField { 1 } else { -1 });
            check_when(d, now, lang);
            replan(v, env, shop);
        }
        Action::NextRecipient | Action::PrevRecipient => {
            let n = d.plan.recipients.len();
            if n == 0 {
                return Vec::new();
            }
            let by: isize = if action == Action::NextRecipient { 1 } else { -1 };
            d.recipient = ((d.recipient as isize + by).rem_euclid(n as isize)) as usize;
            replan(v, env, shop);
        }
        Action::Toggle | Action::ChoiceNext | Action::ChoicePrev => {
            d.dirty = true;
            let n = d.audiences.len().max(1);
            let by: isize = if action == Action::ChoicePrev { -1 } else { 1 };
            d.audience = ((d.audience as isize + by).rem_euclid(n as isize)) as usize;
            d.recipient = 0;
            d.check_tags(false, lang);
            d.rematch(&v.candidates);
            replan(v, env, shop);
        }
        Action::FirstName if d.insert_first_name() => {
            d.dirty = true;
            replan(v, env, shop);
        }
        Action::Excluded => v.excluded = Some(0),
        Action::Review => return to_review(v, env, shop),
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
fn to_review(v: &mut ComposerView, env: &Env, shop: &Shop) -> Vec<Outcome> {
    let lang = env.lang;
    let now = v.now.or(env.now).unwrap_or(DateTime::<Utc>::MIN_UTC);
    if v.busy {
        return Vec::new();
    }
    let excluded_key = env.key(Action::Excluded);
    let Some(d) = &mut v.draft else { return Vec::new() };
    for f in &mut d.fields {
        f.touched = true;
    }
    check_when(d, Some(now), lang);
    replan(v, env, shop);
    let Some(d) = &mut v.draft else { return Vec::new() };
    if let Some(i) = d.fields.iter().position(|f| f.error.is_some()) {
        d.focus = Focus::Param(i);
        return Vec::new();
    }
    d.check_tags(true, lang);
    if d.tags_error.is_some() {
        d.focus = Focus::Tags;
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
        return vec![Outcome::Error(compose_text::E_NOBODY.fill(lang, &[&excluded_key]))];
    }
    let new = d.new_broadcast(scheduled, shop.actor);
    v.busy = true;
    vec![Outcome::Info(compose_text::PREPARING.get(lang).to_owned()), Outcome::Effect(Effect::PrepareReview(new))]
}

/// A key that is no command: text for the focused field.
pub fn type_key(v: &mut ComposerView, env: &Env, shop: &Shop, ev: &KeyEvent) {
    let lang = env.lang;
    let now = v.now.or(env.now);
    let Some(d) = &mut v.draft else { return };
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
        Focus::Tags => {
            let c = d.tags.handle(req).is_some_and(|c| c.value);
            if c {
                d.check_tags(false, lang);
                d.recipient = 0;
                d.rematch(&v.candidates);
            }
            c
        }
        Focus::Audience | Focus::Preview => false,
    };
    if changed {
        d.dirty = true;
        replan(v, env, shop);
    }
}

/// The excluded list popup.
pub fn on_excluded(v: &mut ComposerView, action: Action) {
    let Some(scroll) = &mut v.excluded else { return };
    match action {
        Action::Back => v.excluded = None,
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::Down => *scroll += 1,
        _ => {}
    }
}

/// The excluded customers with the reason, of the review if open, else of the draft.
pub fn excluded_rows(v: &ComposerView, lang: Lang) -> Vec<(String, String)> {
    let list = match (&v.review, &v.draft) {
        (Some(r), _) => &r.excluded,
        (None, Some(d)) => &d.plan.excluded,
        _ => return Vec::new(),
    };
    list.iter().map(|(_, name, why)| (name.clone(), why.localized(lang))).collect()
}

/// Keys while the composer is open (any step).
pub fn on_action(v: &mut ComposerView, env: &Env, shop: &Shop, action: Action) -> Vec<Outcome> {
    if v.excluded.is_some() {
        on_excluded(v, action);
        return Vec::new();
    }
    if v.review.is_some() {
        return review::on_action(v, env, shop, action);
    }
    if v.recent_pick.is_some() {
        return on_recent(v, env, shop, action);
    }
    if v.draft.is_some() {
        return on_edit(v, env, shop, action);
    }
    on_picker(v, env, shop, action)
}
