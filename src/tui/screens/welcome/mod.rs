//! The first start (no configuration file, empty database): choose the demo, or set up — shop name and address,
//! phone number id, WABA id, display number and the access token (masked as typed, written only to the 0600
//! secrets file, never shown again) — then a connection test against the API (`phone_number_info`) and a template
//! sync. Afterwards the app starts again with the new configuration. Owns its state (`Welcome`) and answers with
//! [`Outcome`]s (a status note, the shop's name for the header, quit for the demo or the restart). Must not perform
//! IO: writing the files and the test are effects.

pub mod text;

mod draw;

pub use self::draw::render;

use ratatui::crossterm::event::KeyEvent;

use self::text as welcome_text;
use super::{Env, Outcome};
use crate::config::{Secret, WhatsApp};
use crate::i18n::Lang;
use crate::tui::keymap::{Action, Ctx};
use crate::tui::msg::{Effect, Next};
use crate::tui::widgets::form::{self, Field, Form};

pub const SHOP: usize = 0;
pub const ADDRESS: usize = 1;
pub const PHONE_ID: usize = 2;
pub const WABA: usize = 3;
pub const DISPLAY: usize = 4;
pub const TOKEN: usize = 5;

/// Where the welcome screen is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Choose,
    Form,
    /// Saving, then testing: keys wait.
    Working,
    Done(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Welcome {
    pub step: Step,
    pub form: Form,
}

/// What the farmer entered (the token stays a [`Secret`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SetupData {
    pub shop_name: String,
    pub address: String,
    /// The API settings with the entered ids (base URL and version from the configuration).
    pub whatsapp: WhatsApp,
    pub token: Secret,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SetupEffect {
    /// Write the configuration (only the keys entered) and the token to the secrets file.
    Save(SetupData),
    /// Ask the API for the phone number, then sync the templates.
    Test(SetupData),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SetupMsg {
    Saved(Box<SetupData>),
    Tested { number: String, name: String, limit: String, quality: String, templates: usize, approved: usize },
}

impl Welcome {
    pub fn new() -> Welcome {
        let fields = vec![
            Field::text(welcome_text::F_SHOP, "").with_hint(welcome_text::H_SHOP.get(Lang::De)),
            Field::text(welcome_text::F_ADDRESS, "").with_hint(welcome_text::H_ADDRESS.get(Lang::De)),
            Field::text(welcome_text::F_PHONE_ID, "").with_hint(welcome_text::H_ID.get(Lang::De)),
            Field::text(welcome_text::F_WABA, "").with_hint(welcome_text::H_ID.get(Lang::De)),
            Field::text(welcome_text::F_DISPLAY, "").with_hint(welcome_text::H_DISPLAY.get(Lang::De)),
            Field::text(welcome_text::F_TOKEN, "").with_hint(welcome_text::H_TOKEN.get(Lang::De)),
        ];
        Welcome { step: Step::Choose, form: Form::new(fields) }
    }

    pub fn ctx(&self) -> Vec<Ctx> {
        match self.step {
            Step::Form => self.form.chain(false),
            Step::Working => vec![Ctx::Always],
            Step::Choose | Step::Done(_) => vec![Ctx::Always, Ctx::Welcome],
        }
    }

    /// The test failed: back to the form (the error is in the status line).
    pub fn failed(&mut self) {
        self.step = Step::Form;
    }

    fn localise_hints(&mut self, lang: Lang) {
        let hints = [
            welcome_text::H_SHOP,
            welcome_text::H_ADDRESS,
            welcome_text::H_ID,
            welcome_text::H_ID,
            welcome_text::H_DISPLAY,
            welcome_text::H_TOKEN,
        ];
        for (f, h) in self.form.fields.iter_mut().zip(hints) {
            f.hint = Some(h.get(lang).to_owned());
        }
    }

    /// Checks the fields; the data when all is well.
    fn validate(&mut self, base: &WhatsApp, lang: Lang) -> Option<SetupData> {
        for i in 0..self.form.fields.len() {
            let v = self.form.field(i).trim().to_owned();
            let error = match i {
                SHOP | TOKEN if v.is_empty() => Some(welcome_text::E_REQUIRED.get(lang).to_owned()),
                PHONE_ID | WABA if v.is_empty() || !v.chars().all(|c| c.is_ascii_digit()) => {
                    Some(welcome_text::E_DIGITS.get(lang).to_owned())
                }
                _ => None,
            };
            self.form.set_error(i, error);
        }
        if self.form.has_errors() {
            self.form.focus_first_error();
            return None;
        }
        let mut whatsapp = base.clone();
        whatsapp.phone_number_id = self.form.field(PHONE_ID).trim().to_owned();
        whatsapp.waba_id = self.form.field(WABA).trim().to_owned();
        whatsapp.display_phone_number = self.form.field(DISPLAY).trim().to_owned();
        Some(SetupData {
            shop_name: self.form.field(SHOP).trim().to_owned(),
            address: self.form.field(ADDRESS).trim().to_owned(),
            whatsapp,
            token: Secret::new(self.form.field(TOKEN).trim()),
        })
    }
}

impl Default for Welcome {
    fn default() -> Self {
        Welcome::new()
    }
}

/// A command key; `base` is the configured API (base URL and version) the entered ids go with.
pub fn on_action(w: &mut Welcome, env: &Env, base: &WhatsApp, action: Action) -> Vec<Outcome> {
    let lang = env.lang;
    match (&w.step, action) {
        (Step::Choose, Action::Demo) => return vec![Outcome::Quit(Next::Demo)],
        (Step::Choose, Action::Setup) => {
            w.localise_hints(lang);
            w.step = Step::Form;
        }
        (Step::Done(_), Action::Setup | Action::Open) => return vec![Outcome::Quit(Next::Restart)],
        (Step::Form, Action::Cancel) => w.step = Step::Choose,
        (Step::Form, Action::NextField) => w.form.next(),
        (Step::Form, Action::PrevField) => w.form.prev(),
        (Step::Form, Action::Submit) if !w.form.is_last() => w.form.next(),
        (Step::Form, Action::Submit | Action::Save) => {
            if let Some(data) = w.validate(base, lang) {
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

/// The setup's results: saved, then tested.
pub fn on_msg(w: &mut Welcome, env: &Env, msg: SetupMsg) -> Vec<Outcome> {
    let lang = env.lang;
    match msg {
        SetupMsg::Saved(data) => vec![
            Outcome::ShopName(data.shop_name.clone()),
            Outcome::Info(welcome_text::TESTING.get(lang).to_owned()),
            Outcome::Effect(Effect::Setup(SetupEffect::Test(*data))),
        ],
        SetupMsg::Tested { number, name, limit, quality, templates, approved } => {
            let unknown = welcome_text::UNKNOWN.get(lang);
            let or = |s: &str| if s.is_empty() { unknown.to_owned() } else { s.to_owned() };
            w.step = Step::Done(vec![
                welcome_text::DONE_NUMBER.fill(lang, &[&or(&number), &or(&name)]),
                welcome_text::DONE_LIMIT.fill(lang, &[&or(&limit), &or(&quality)]),
                welcome_text::DONE_TEMPLATES.fill(lang, &[&templates, &approved]),
            ]);
            vec![Outcome::ClearStatus]
        }
    }
}

/// Turns a setup failure into the welcome's message (the status line shows it).
pub fn failure_text(error: &str, lang: Lang) -> String {
    welcome_text::FAILED.fill(lang, &[&error])
}
