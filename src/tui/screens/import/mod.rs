//! The import view (on the customer list, key `i`): a file path field with Tab completion (`~` understood) → the
//! dry run as a table (the columns recognised and what each becomes, the first rows as they will be stored, every
//! rejected line with its reason, the counts) → `y` applies it in one transaction → the list reloads. The engine is
//! the CLI's (`crate::import::preview`/`apply`, through `perform`): no second parser. Owns its state and answers
//! with [`Outcome`]s; must not perform IO (reading the file, listing folders and applying are effects).

mod draw;
pub mod path;
pub mod text;

pub use self::draw::render;

use ratatui::crossterm::event::KeyEvent;

use self::path::Completion;
use super::{Env, Outcome};
use crate::import::{ConsentHandling, ImportPlan, ImportSummary};
use crate::tui::keymap::{Action, Ctx};
use crate::tui::msg::Effect;
use crate::tui::widgets::form::{Field, Form};

/// Where the import stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Typing the path.
    Path,
    /// The file is being read and checked.
    Checking,
    /// The dry run is shown; `y` applies it.
    Preview(Box<ImportPlan>),
    /// Typing where the paper forms of the file's consents are kept (over the dry run it came from).
    Evidence(Box<ImportPlan>),
    /// The plan is being written.
    Applying(Box<ImportPlan>),
}

/// The open import view.
#[derive(Debug, Clone)]
pub struct ImportView {
    /// The path field (one text field; its error is the last failure).
    pub form: Form,
    pub stage: Stage,
    /// What the last Tab listed (shown under the field until the next key).
    pub matches: Vec<String>,
    /// First line of the preview shown.
    pub scroll: usize,
    /// Where the forms are kept ("Formulare 2026, Ordner 3"): one text field.
    pub evidence: Form,
    /// Set once the farmer gave the evidence: the file's consent columns are taken as paper forms.
    pub with_consent: Option<String>,
}

impl Default for ImportView {
    fn default() -> Self {
        ImportView::new()
    }
}

impl ImportView {
    pub fn new() -> ImportView {
        let field = Field::text(text::FILE, "");
        let evidence = Field::text(text::EVIDENCE, "").with_hint(text::EVIDENCE_HINT);
        ImportView {
            form: Form::new(vec![field]),
            stage: Stage::Path,
            matches: Vec::new(),
            scroll: 0,
            evidence: Form::new(vec![evidence]),
            with_consent: None,
        }
    }

    pub fn path(&self) -> &str {
        self.form.field(0)
    }

    /// The keymap contexts while the view has the focus.
    pub fn ctx(&self) -> Vec<Ctx> {
        match self.stage {
            Stage::Path => vec![Ctx::Always, Ctx::ImportPath],
            Stage::Preview(ref plan) if matches!(plan.consent, ConsentHandling::Ignored { .. }) => {
                vec![Ctx::Always, Ctx::ImportPreview, Ctx::ImportConsent]
            }
            Stage::Preview(_) => vec![Ctx::Always, Ctx::ImportPreview],
            Stage::Evidence(_) => vec![Ctx::Always, Ctx::ImportEvidence],
            Stage::Checking | Stage::Applying(_) => vec![Ctx::Always],
        }
    }

    fn set_error(&mut self, error: Option<String>) {
        self.form.set_error(0, error);
    }
}

/// A key typed into the path field or the evidence field (the view takes text only there).
pub fn type_key(v: &mut ImportView, ev: &KeyEvent) {
    match v.stage {
        Stage::Path => {
            if v.form.type_key(ev) {
                v.matches.clear();
                v.set_error(None);
            }
        }
        Stage::Evidence(_) => {
            if v.evidence.type_key(ev) {
                v.evidence.set_error(0, None);
            }
        }
        Stage::Checking | Stage::Preview(_) | Stage::Applying(_) => {}
    }
}

/// Whether the view takes typed text now.
pub fn takes_text(v: &ImportView) -> bool {
    matches!(v.stage, Stage::Path | Stage::Evidence(_))
}

/// The dry run again, for the typed path (and with the evidence, if given).
fn check(v: &mut ImportView, lang: crate::i18n::Lang) -> Vec<Outcome> {
    let path = v.path().trim().to_owned();
    v.stage = Stage::Checking;
    let effect = Effect::ImportPreview { path, evidence: v.with_consent.clone() };
    vec![Outcome::Info(text::LOADING.get(lang).to_owned()), Outcome::Effect(effect)]
}

/// A command key. Returns `false` when the view is to be closed.
pub fn on_action(v: &mut ImportView, env: &Env, action: Action) -> (bool, Vec<Outcome>) {
    let lang = env.lang;
    match (&v.stage, action) {
        (Stage::Path, Action::Cancel) => return (false, Vec::new()),
        (Stage::Path, Action::Complete) => {
            let typed = v.path().to_owned();
            return (true, vec![Outcome::Effect(Effect::ImportComplete(typed))]);
        }
        (Stage::Path, Action::Submit) => {
            let typed = v.path().trim().to_owned();
            if typed.is_empty() {
                v.set_error(Some(text::EMPTY_PATH.get(lang).to_owned()));
                return (true, Vec::new());
            }
            v.matches.clear();
            v.set_error(None);
            return (true, check(v, lang));
        }
        (Stage::Preview(_), Action::Back) => {
            v.stage = Stage::Path;
            v.scroll = 0;
            v.with_consent = None;
        }
        (Stage::Preview(plan), Action::Record) => {
            if matches!(plan.consent, ConsentHandling::Ignored { .. }) {
                v.stage = Stage::Evidence(plan.clone());
            }
        }
        (Stage::Evidence(plan), Action::Back) => v.stage = Stage::Preview(plan.clone()),
        (Stage::Evidence(_), Action::Submit) => {
            let evidence = v.evidence.field(0).trim().to_owned();
            if evidence.is_empty() {
                v.evidence.set_error(0, Some(text::EVIDENCE_EMPTY.get(lang).to_owned()));
                return (true, Vec::new());
            }
            v.with_consent = Some(evidence);
            return (true, check(v, lang));
        }
        (Stage::Preview(plan), Action::Yes) => {
            if !plan.has_changes() {
                return (true, Vec::new());
            }
            let plan = plan.clone();
            v.stage = Stage::Applying(plan.clone());
            return (
                true,
                vec![Outcome::Info(text::APPLYING.get(lang).to_owned()), Outcome::Effect(Effect::ImportApply(plan))],
            );
        }
        (Stage::Preview(_), Action::Up) => v.scroll = v.scroll.saturating_sub(1),
        (Stage::Preview(_), Action::Down) => v.scroll += 1,
        (Stage::Preview(_), Action::PageUp) => v.scroll = v.scroll.saturating_sub(page(env)),
        (Stage::Preview(_), Action::PageDown) => v.scroll += page(env),
        (Stage::Preview(_), Action::Home) => v.scroll = 0,
        _ => {}
    }
    (true, Vec::new())
}

fn page(env: &Env) -> usize {
    (super::body_height(env.size) as usize).saturating_sub(4).max(1)
}

/// Tab's answer: the field takes the completion (if nothing was typed meanwhile) and shows the matches.
pub fn completed(v: &mut ImportView, c: Completion) {
    if v.stage != Stage::Path || v.path() != c.typed {
        return;
    }
    if let Some(f) = v.form.field_mut(0) {
        f.set_value(&c.completed);
    }
    v.matches = c.matches;
    v.set_error(None);
}

/// The dry run arrived.
pub fn planned(v: &mut ImportView, plan: ImportPlan) {
    if v.stage == Stage::Checking {
        v.stage = Stage::Preview(Box::new(plan));
        v.scroll = 0;
    }
}

/// The file could not be read (the reason goes under the path field: returns `true`) or the plan could not be
/// written (back to the dry run; the status line says why: `false`).
pub fn failed(v: &mut ImportView, message: String) -> bool {
    match std::mem::replace(&mut v.stage, Stage::Path) {
        Stage::Applying(plan) => {
            v.stage = Stage::Preview(plan);
            false
        }
        Stage::Path | Stage::Checking | Stage::Preview(_) | Stage::Evidence(_) => {
            v.with_consent = None;
            v.set_error(Some(message));
            true
        }
    }
}

/// The status line after the plan was written.
pub fn applied_text(s: &ImportSummary, lang: crate::i18n::Lang) -> String {
    text::saved(s.added, s.updated, s.rejected, s.consents_recorded, lang)
}

#[cfg(test)]
mod tests;
