//! The first start (no configuration file, empty database): choose the demo, or set up step 1 "Dein Hof" — shop
//! name, address and the farmer's own mobile number for test messages. That is enough to start working (customers,
//! consent, import, composing); step 2 "WhatsApp verbinden" is done later on the settings screen. After saving, the
//! app starts again with the new configuration. Owns its state (`Welcome`) and answers with [`Outcome`]s (a status
//! note, the shop's name for the header, quit for the demo or the restart). Must not perform IO: writing the
//! configuration is an effect.

pub mod text;

mod draw;

pub use self::draw::render;

use ratatui::crossterm::event::KeyEvent;

use self::text as welcome_text;
use super::{Env, Outcome};
use crate::domain::phone::Phone;
use crate::i18n::{Lang, Localized};
use crate::tui::keymap::{Action, Ctx};
use crate::tui::msg::{Effect, Next};
use crate::tui::widgets::form::{self, Field, Form};

pub const SHOP: usize = 0;
pub const ADDRESS: usize = 1;
pub const OWN_NUMBER: usize = 2;

/// Where the welcome screen is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Choose,
    Form,
    /// Saving: keys wait.
    Working,
    Done,
}

#[derive(Debug, Clone)]
pub struct Welcome {
    pub step: Step,
    pub form: Form,
}

/// What the farmer entered in step 1 ("Dein Hof").
#[derive(Debug, Clone, PartialEq)]
pub struct SetupData {
    pub shop_name: String,
    pub address: String,
    /// The farmer's own mobile number for test messages, as typed ("" = none yet).
    pub own_number: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SetupEffect {
    /// Write the configuration (only the keys entered).
    Save(SetupData),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SetupMsg {
    Saved(Box<SetupData>),
}

impl Welcome {
    pub fn new() -> Welcome {
        let fields = vec![
            Field::text(welcome_text::F_SHOP, "").with_hint(welcome_text::H_SHOP.get(Lang::De)),
            Field::text(welcome_text::F_ADDRESS, "").with_hint(welcome_text::H_ADDRESS.get(Lang::De)),
            Field::text(welcome_text::F_OWN_NUMBER, "").with_hint(welcome_text::H_OWN_NUMBER.get(Lang::De)),
        ];
        Welcome { step: Step::Choose, form: Form::new(fields) }
    }

    pub fn ctx(&self) -> Vec<Ctx> {
        match self.step {
            Step::Form => self.form.chain(false),
            Step::Working => vec![Ctx::Always],
            Step::Choose | Step::Done => vec![Ctx::Always, Ctx::Welcome],
        }
    }

    /// Saving failed: back to the form (the error is in the status line).
    pub fn failed(&mut self) {
        self.step = Step::Form;
    }

    fn localise_hints(&mut self, lang: Lang) {
        let hints = [welcome_text::H_SHOP, welcome_text::H_ADDRESS, welcome_text::H_OWN_NUMBER];
        for (f, h) in self.form.fields.iter_mut().zip(hints) {
            f.hint = Some(h.get(lang).to_owned());
        }
    }

    /// Checks the fields; the data when all is well.
    fn validate(&mut self, env: &Env) -> Option<SetupData> {
        let lang = env.lang;
        let name = self.form.field(SHOP).trim().to_owned();
        self.form.set_error(SHOP, name.is_empty().then(|| welcome_text::E_REQUIRED.get(lang).to_owned()));
        let own = self.form.field(OWN_NUMBER).trim().to_owned();
        let own_error = if own.is_empty() {
            None
        } else {
            Phone::parse(&own, env.region).err().map(|e| welcome_text::E_OWN_NUMBER.fill(lang, &[&e.localized(lang)]))
        };
        self.form.set_error(OWN_NUMBER, own_error);
        if self.form.has_errors() {
            self.form.focus_first_error();
            return None;
        }
        Some(SetupData { shop_name: name, address: self.form.field(ADDRESS).trim().to_owned(), own_number: own })
    }
}

impl Default for Welcome {
    fn default() -> Self {
        Welcome::new()
    }
}

/// A command key.
pub fn on_action(w: &mut Welcome, env: &Env, action: Action) -> Vec<Outcome> {
    let lang = env.lang;
    match (&w.step, action) {
        (Step::Choose, Action::Demo) => return vec![Outcome::Quit(Next::Demo)],
        (Step::Choose, Action::Setup) => {
            w.localise_hints(lang);
            w.step = Step::Form;
        }
        (Step::Done, Action::Setup | Action::Open) => return vec![Outcome::Quit(Next::Restart)],
        (Step::Form, Action::Cancel) => w.step = Step::Choose,
        (Step::Form, Action::NextField) => w.form.next(),
        (Step::Form, Action::PrevField) => w.form.prev(),
        (Step::Form, Action::Submit) if !w.form.is_last() => w.form.next(),
        (Step::Form, Action::Submit | Action::Save) => {
            if let Some(data) = w.validate(env) {
                w.step = Step::Working;
                return vec![
                    Outcome::Info(welcome_text::SAVING.get(lang).to_owned()),
                    Outcome::Effect(Effect::Setup(SetupEffect::Save(data))),
                ];
            }
        }
        _ => {}
    }
    Vec::new()
}

/// Text for the focused field while the form is shown.
pub fn type_key(w: &mut Welcome, ev: &KeyEvent) {
    if w.step == Step::Form {
        let i = w.form.focus;
        if w.form.type_key(ev) {
            w.form.set_error(i, None);
        }
    }
}

/// The setup's result: saved.
pub fn on_msg(w: &mut Welcome, _env: &Env, msg: SetupMsg) -> Vec<Outcome> {
    match msg {
        SetupMsg::Saved(data) => {
            w.step = Step::Done;
            vec![Outcome::ShopName(data.shop_name.clone()), Outcome::ClearStatus]
        }
    }
}

/// Turns a setup failure into the welcome's message (the status line shows it).
pub fn failure_text(error: &str, lang: Lang) -> String {
    welcome_text::FAILED.fill(lang, &[&error])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    use super::*;

    fn env() -> Env {
        Env::for_tests()
    }

    fn typ(w: &mut Welcome, text: &str) {
        for c in text.chars() {
            type_key(w, &KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    #[test]
    fn step_one_needs_the_name_and_a_valid_number_if_one_is_given() {
        let mut w = Welcome::new();
        on_action(&mut w, &env(), Action::Setup);
        assert_eq!(w.step, Step::Form);
        assert!(on_action(&mut w, &env(), Action::Save).is_empty());
        assert_eq!(w.form.fields[SHOP].error.as_deref(), Some("Bitte ausfüllen."));
        typ(&mut w, "Hof Kühn");
        w.form.focus = OWN_NUMBER;
        typ(&mut w, "12");
        assert!(on_action(&mut w, &env(), Action::Save).is_empty());
        assert!(w.form.fields[OWN_NUMBER].error.as_deref().unwrap().starts_with("Handynummer: "));
        assert_eq!(w.form.focus, OWN_NUMBER);
        for _ in 0..2 {
            type_key(&mut w, &KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        }
        typ(&mut w, "0171 1234567");
        let out = on_action(&mut w, &env(), Action::Save);
        let Some(Outcome::Effect(Effect::Setup(SetupEffect::Save(data)))) = out.get(1) else { panic!("{out:?}") };
        assert_eq!(
            *data,
            SetupData { shop_name: "Hof Kühn".into(), address: String::new(), own_number: "0171 1234567".into() }
        );
        assert_eq!(w.step, Step::Working);
        on_msg(&mut w, &env(), SetupMsg::Saved(Box::new(data.clone())));
        assert_eq!(w.step, Step::Done);
        assert!(matches!(on_action(&mut w, &env(), Action::Open)[..], [Outcome::Quit(Next::Restart)]));
    }
}
