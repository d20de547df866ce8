//! The settings screen (tab 5): an overview of what hofbote is set to, and two forms — "Dein Hof" (shop data, own
//! test number, quiet hours, prices with the date they were checked, Meta's messaging limit) and "WhatsApp
//! verbinden" (ids, display number, the API address for the sandbox, and the secrets: app id, access token, app
//! secret, verify token). Each field explains where its value is found. Secrets are typed masked, go only to the
//! secrets file and are never shown again ("gespeichert"/"fehlt"; an empty field keeps the stored value). Also the
//! connection test and the service installer. Owns its state and answers with [`Outcome`]s; saving, testing and
//! installing are effects. Must not perform IO.

pub mod text;

pub mod draw;

pub use self::draw::render;

use chrono::NaiveDate;
use ratatui::crossterm::event::KeyEvent;

use self::text as t;
use super::{Env, Outcome};
use crate::config::write::{Edit, Value};
use crate::config::{Config, Secret};
use crate::domain::phone::Phone;
use crate::i18n::{Lang, Localized, Tr};
use crate::tui::keymap::{Action, Ctx};
use crate::tui::msg::{Effect, Next};
use crate::tui::widgets::form::{Field, Form};

/// Meta's messaging tiers, as the choice offers them (0 = unlimited).
pub const TIERS: [u32; 5] = [250, 2000, 10_000, 100_000, 0];

/// Which form is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Shop,
    WhatsApp,
}

/// Which secrets are stored (file or environment); never their values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stored {
    pub token: bool,
    pub app_secret: bool,
    pub verify_token: bool,
    pub app_id: bool,
}

/// An open form with the values it started from (only changed fields are written).
#[derive(Debug, Clone)]
pub struct Editing {
    pub part: Part,
    pub form: Form,
    initial: Vec<String>,
    initial_tier: usize,
}

/// The result of the last connection test or service installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub ok: bool,
    pub title: String,
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SettingsView {
    pub editing: Option<Editing>,
    /// `None` until loaded.
    pub stored: Option<Stored>,
    pub loaded: bool,
    pub stale: bool,
    /// Saving, testing or installing: keys wait.
    pub busy: bool,
    pub result: Option<Shown>,
}

/// What a save writes: configuration edits and secrets (for the secrets file only).
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsChange {
    pub edits: Vec<Edit>,
    pub secrets: Vec<(&'static str, Secret)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettingsEffect {
    /// Which secrets are stored.
    Load,
    Save(SettingsChange),
    /// Phone number info and a template sync with the saved configuration.
    Test,
    /// Set up the systemd user service.
    InstallService,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SettingsMsg {
    Loaded(Stored),
    Saved,
    Tested { number: String, name: String, limit: String, quality: String, templates: usize, approved: usize },
    Installed { ok: bool, lines: Vec<String> },
}

// The fields of the two forms, by position.
const NAME: usize = 0;
const ADDRESS: usize = 1;
const CONTACT: usize = 2;
const OWN: usize = 3;
const QUIET: usize = 4;
const PRICE_M: usize = 5;
const PRICE_U: usize = 6;
const CHECKED: usize = 7;
const TIER: usize = 8;

const PHONE_ID: usize = 0;
const WABA: usize = 1;
const DISPLAY: usize = 2;
const APP_ID: usize = 3;
const TOKEN: usize = 4;
const APP_SECRET: usize = 5;
const VERIFY: usize = 6;
const BASE_URL: usize = 7;

/// The secret fields of the WhatsApp form: (field, key in secrets.toml).
pub const SECRET_FIELDS: [(usize, &str); 4] =
    [(APP_ID, "app_id"), (TOKEN, "whatsapp_token"), (APP_SECRET, "app_secret"), (VERIFY, "verify_token")];

/// Where each field's value is found, by part and position.
pub fn explanation(part: Part, field: usize) -> Tr {
    match (part, field) {
        (Part::Shop, NAME) => t::W_NAME,
        (Part::Shop, ADDRESS) => t::W_ADDRESS,
        (Part::Shop, CONTACT) => t::W_CONTACT,
        (Part::Shop, OWN) => t::W_OWN,
        (Part::Shop, QUIET) => t::W_QUIET,
        (Part::Shop, PRICE_M | PRICE_U) => t::W_PRICE,
        (Part::Shop, CHECKED) => t::W_CHECKED,
        (Part::Shop, _) => t::W_TIER,
        (Part::WhatsApp, PHONE_ID) => t::W_PHONE_ID,
        (Part::WhatsApp, WABA) => t::W_WABA,
        (Part::WhatsApp, DISPLAY) => t::W_DISPLAY,
        (Part::WhatsApp, APP_ID) => t::W_APP_ID,
        (Part::WhatsApp, TOKEN) => t::W_TOKEN,
        (Part::WhatsApp, APP_SECRET) => t::W_APP_SECRET,
        (Part::WhatsApp, VERIFY) => t::W_VERIFY,
        (Part::WhatsApp, _) => t::W_BASE_URL,
    }
}

/// A price the German way ("0,1131").
pub fn price_text(p: f64) -> String {
    let s = format!("{p:.4}");
    let s = s.trim_end_matches('0');
    let s = if s.ends_with('.') { format!("{s}00") } else { s.to_owned() };
    s.replace('.', ",")
}

/// "2025-07-01" as "01.07.2025" (other text as it is).
pub fn date_text(iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d").map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or(iso.to_owned())
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y")).ok()
}

fn parse_price(s: &str) -> Option<f64> {
    let v: f64 = s.trim().trim_end_matches('€').trim().replace(',', ".").parse().ok()?;
    (0.0..=10.0).contains(&v).then_some(v)
}

/// The tier as the overview and the choice show it.
pub fn tier_label(tier: u32, lang: Lang) -> String {
    if tier == 0 { t::TIER_UNLIMITED.get(lang).to_owned() } else { crate::tui::text::number(tier as i64) }
}

const TIER_OPTIONS: [Tr; 5] = [
    Tr::new("250", "250"),
    Tr::new("2.000", "2,000"),
    Tr::new("10.000", "10,000"),
    Tr::new("100.000", "100,000"),
    t::TIER_UNLIMITED,
];

impl Editing {
    fn shop(config: &Config) -> Editing {
        let c = config;
        let values = [
            (t::F_NAME, c.shop.name.clone()),
            (t::F_ADDRESS, c.shop.address.clone()),
            (t::F_CONTACT, c.shop.contact.clone()),
            (t::F_OWN, c.shop.own_number.clone()),
            (t::F_QUIET, c.queue.quiet_hours.clone()),
            (t::F_PRICE_MARKETING, price_text(c.prices.marketing)),
            (t::F_PRICE_UTILITY, price_text(c.prices.utility)),
            (t::F_CHECKED, date_text(&c.prices.checked_on)),
        ];
        let initial: Vec<String> = values.iter().map(|(_, v)| v.clone()).collect();
        let mut fields: Vec<Field> = values.into_iter().map(|(label, v)| Field::text(label, &v)).collect();
        let tier = TIERS.iter().position(|x| *x == c.whatsapp.messaging_tier).unwrap_or(0);
        fields.push(Field::choice(t::F_TIER, TIER_OPTIONS.to_vec(), tier));
        fields[QUIET].hint = Some("20:00-08:00".into());
        fields[OWN].hint = Some("0171 1234567".into());
        Editing { part: Part::Shop, form: Form::new(fields), initial, initial_tier: tier }
    }

    fn whatsapp(config: &Config, stored: Stored, lang: Lang) -> Editing {
        let w = &config.whatsapp;
        let values = [
            (t::F_PHONE_ID, w.phone_number_id.clone()),
            (t::F_WABA, w.waba_id.clone()),
            (t::F_DISPLAY, w.display_phone_number.clone()),
            (t::F_APP_ID, String::new()),
            (t::F_TOKEN, String::new()),
            (t::F_APP_SECRET, String::new()),
            (t::F_VERIFY, String::new()),
            (t::F_BASE_URL, w.base_url.clone()),
        ];
        let initial: Vec<String> = values.iter().map(|(_, v)| v.clone()).collect();
        let mut fields: Vec<Field> = values.into_iter().map(|(label, v)| Field::text(label, &v)).collect();
        let present = [stored.app_id, stored.token, stored.app_secret, stored.verify_token];
        for ((i, _), has) in SECRET_FIELDS.iter().zip(present) {
            fields[*i].hint = Some(if has { t::STORED } else { t::MISSING }.get(lang).to_owned());
        }
        Editing { part: Part::WhatsApp, form: Form::new(fields), initial, initial_tier: 0 }
    }

    fn changed(&self, i: usize) -> Option<String> {
        let v = self.form.field(i).trim().to_owned();
        (self.initial.get(i).map(|s| s.trim()) != Some(v.as_str())).then_some(v)
    }

    /// Checks every field (errors at the fields, naming them) and returns the change when all is well.
    fn validate(&mut self, env: &Env) -> Option<SettingsChange> {
        let lang = env.lang;
        let label = |f: &Form, i: usize| f.fields.get(i).map(|f| f.label.get(lang)).unwrap_or("");
        let mut errors: Vec<(usize, String)> = Vec::new();
        let mut edits = Vec::new();
        let mut secrets = Vec::new();
        match self.part {
            Part::Shop => {
                let f = &self.form;
                let v = |i: usize| f.field(i).trim().to_owned();
                if v(NAME).is_empty() {
                    errors.push((NAME, t::E_REQUIRED.fill(lang, &[&label(f, NAME)])));
                }
                if !v(OWN).is_empty()
                    && let Err(e) = Phone::parse(&v(OWN), env.region)
                {
                    errors.push((OWN, t::E_PHONE.fill(lang, &[&label(f, OWN), &e.localized(lang)])));
                }
                if !v(QUIET).is_empty() && crate::domain::parse_quiet_hours(&v(QUIET)).is_none() {
                    errors.push((QUIET, t::E_QUIET.fill(lang, &[&label(f, QUIET)])));
                }
                for i in [PRICE_M, PRICE_U] {
                    if parse_price(&v(i)).is_none() {
                        errors.push((i, t::E_PRICE.fill(lang, &[&label(f, i)])));
                    }
                }
                let today = env.now.map(|n| n.date_naive());
                if parse_date(&v(CHECKED)).is_none_or(|d| today.is_some_and(|t| d > t)) {
                    errors.push((CHECKED, t::E_DATE.fill(lang, &[&label(f, CHECKED)])));
                }
                if errors.is_empty() {
                    for (i, key, table) in [
                        (NAME, "name", "shop"),
                        (ADDRESS, "address", "shop"),
                        (CONTACT, "contact", "shop"),
                        (OWN, "own_number", "shop"),
                        (QUIET, "quiet_hours", "queue"),
                    ] {
                        if let Some(v) = self.changed(i) {
                            edits.push(Edit::str(table, key, &v));
                        }
                    }
                    for (i, key) in [(PRICE_M, "marketing"), (PRICE_U, "utility")] {
                        if let Some(v) = self.changed(i).and_then(|v| parse_price(&v)) {
                            edits.push(Edit { table: "prices", key, value: Value::Float(v) });
                        }
                    }
                    if let Some(d) = self.changed(CHECKED).and_then(|v| parse_date(&v)) {
                        edits.push(Edit::str("prices", "checked_on", &d.format("%Y-%m-%d").to_string()));
                    }
                    let tier = self.form.fields.get(TIER).map(Field::choice_index).unwrap_or(0);
                    if tier != self.initial_tier {
                        let value = TIERS.get(tier).copied().unwrap_or(250);
                        edits.push(Edit { table: "whatsapp", key: "messaging_tier", value: Value::Int(value.into()) });
                    }
                }
            }
            Part::WhatsApp => {
                let f = &self.form;
                let v = |i: usize| f.field(i).trim().to_owned();
                for i in [PHONE_ID, WABA, APP_ID] {
                    if !v(i).chars().all(|c| c.is_ascii_digit()) {
                        errors.push((i, t::E_DIGITS.fill(lang, &[&label(f, i)])));
                    }
                }
                if !v(DISPLAY).is_empty()
                    && let Err(e) = Phone::parse(&v(DISPLAY), env.region)
                {
                    errors.push((DISPLAY, t::E_PHONE.fill(lang, &[&label(f, DISPLAY), &e.localized(lang)])));
                }
                for (i, _) in SECRET_FIELDS {
                    if i != APP_ID && v(i).chars().any(char::is_whitespace) {
                        errors.push((i, t::E_BLANK.fill(lang, &[&label(f, i)])));
                    }
                }
                let url = v(BASE_URL);
                if !(url.starts_with("https://") || url.starts_with("http://")) || reqwest::Url::parse(&url).is_err() {
                    errors.push((BASE_URL, t::E_URL.fill(lang, &[&label(f, BASE_URL)])));
                }
                if errors.is_empty() {
                    for (i, key) in [
                        (PHONE_ID, "phone_number_id"),
                        (WABA, "waba_id"),
                        (DISPLAY, "display_phone_number"),
                        (BASE_URL, "base_url"),
                    ] {
                        if let Some(v) = self.changed(i) {
                            edits.push(Edit::str("whatsapp", key, v.trim_end_matches('/')));
                        }
                    }
                    for (i, key) in SECRET_FIELDS {
                        let v = v(i);
                        if !v.is_empty() {
                            secrets.push((key, Secret::new(v)));
                        }
                    }
                }
            }
        }
        for i in 0..self.form.fields.len() {
            self.form.set_error(i, errors.iter().find(|(at, _)| *at == i).map(|(_, e)| e.clone()));
        }
        if !errors.is_empty() {
            self.form.focus_first_error();
            return None;
        }
        Some(SettingsChange { edits, secrets })
    }

    /// The labels of the fields with an error, for the status line.
    fn error_labels(&self, lang: Lang) -> String {
        let names: Vec<&str> =
            self.form.fields.iter().filter(|f| f.error.is_some()).map(|f| f.label.get(lang)).collect();
        names.join(", ")
    }

    /// Whether field `i` holds a secret (drawn masked).
    pub fn is_secret(&self, i: usize) -> bool {
        self.part == Part::WhatsApp && SECRET_FIELDS.iter().any(|(at, _)| *at == i)
    }
}

impl SettingsView {
    pub fn ctx(&self) -> Vec<Ctx> {
        match &self.editing {
            Some(e) => e.form.chain(false),
            None if self.busy => vec![Ctx::Always],
            None => vec![Ctx::Always, Ctx::Settings, Ctx::Global],
        }
    }
}

/// What the farmer must still enter before anything can be sent (field labels), given whether a token is stored.
pub fn missing(config: &Config, token: bool) -> Vec<Tr> {
    let mut out = Vec::new();
    if config.whatsapp.phone_number_id.trim().is_empty() {
        out.push(t::F_PHONE_ID);
    }
    if config.whatsapp.waba_id.trim().is_empty() {
        out.push(t::F_WABA);
    }
    if !token {
        out.push(t::F_TOKEN);
    }
    out
}

/// "WhatsApp ist noch nicht verbunden: es fehlt …" — `None` when nothing is missing.
pub fn not_connected_text(config: &Config, token: bool, lang: Lang) -> Option<String> {
    let names: Vec<&str> = missing(config, token).iter().map(|t| t.get(lang)).collect();
    let list = match names.as_slice() {
        [] => return None,
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} {} {last}", rest.join(", "), t::AND.get(lang)),
    };
    Some(t::MISSING_FOR_SENDING.fill(lang, &[&list]))
}

/// A command key on the settings screen.
pub fn on_action(v: &mut SettingsView, env: &Env, config: &Config, action: Action) -> Vec<Outcome> {
    let lang = env.lang;
    if let Some(e) = &mut v.editing {
        match action {
            Action::Cancel => v.editing = None,
            Action::NextField => e.form.next(),
            Action::PrevField => e.form.prev(),
            Action::Toggle => e.form.toggle(),
            Action::ChoicePrev => e.form.step_choice(-1),
            Action::ChoiceNext => e.form.step_choice(1),
            Action::Submit if !e.form.is_last() => e.form.next(),
            Action::Submit | Action::Save => {
                let Some(change) = e.validate(env) else {
                    return vec![Outcome::Error(t::NOT_SAVED.fill(lang, &[&e.error_labels(lang)]))];
                };
                if change.edits.is_empty() && change.secrets.is_empty() {
                    v.editing = None;
                    return vec![Outcome::Info(t::NOTHING_CHANGED.get(lang).to_owned())];
                }
                v.busy = true;
                return vec![
                    Outcome::Info(t::SAVING.get(lang).to_owned()),
                    Outcome::Effect(Effect::Settings(SettingsEffect::Save(change))),
                ];
            }
            _ => {}
        }
        return Vec::new();
    }
    if v.busy {
        return Vec::new();
    }
    match action {
        Action::Edit => {
            v.result = None;
            v.editing = Some(Editing::shop(config));
        }
        Action::Connect => {
            v.result = None;
            v.editing = Some(Editing::whatsapp(config, v.stored.unwrap_or_default(), lang));
        }
        Action::ConnectionTest => {
            v.busy = true;
            v.result = None;
            return vec![
                Outcome::Info(t::TESTING.get(lang).to_owned()),
                Outcome::Effect(Effect::Settings(SettingsEffect::Test)),
            ];
        }
        Action::InstallService => {
            v.busy = true;
            v.result = None;
            return vec![
                Outcome::Info(t::INSTALLING.get(lang).to_owned()),
                Outcome::Effect(Effect::Settings(SettingsEffect::InstallService)),
            ];
        }
        Action::Back => v.result = None,
        _ => {}
    }
    Vec::new()
}

/// Text for the focused field while a form is open.
pub fn type_key(v: &mut SettingsView, ev: &KeyEvent) {
    if let Some(e) = &mut v.editing {
        let i = e.form.focus;
        if e.form.type_key(ev) {
            e.form.set_error(i, None);
        }
    }
}

/// Whether a form is open (it takes typed text).
pub fn typing(v: &SettingsView) -> bool {
    v.editing.is_some()
}

/// The results of the settings' effects.
pub fn on_msg(v: &mut SettingsView, env: &Env, msg: SettingsMsg) -> Vec<Outcome> {
    let lang = env.lang;
    match msg {
        SettingsMsg::Loaded(stored) => {
            v.stored = Some(stored);
            v.loaded = true;
            Vec::new()
        }
        SettingsMsg::Saved => {
            v.busy = false;
            v.editing = None;
            // Start again with the new configuration (client, sender, header), back on this tab.
            vec![Outcome::Quit(Next::Reload)]
        }
        SettingsMsg::Tested { number, name, limit, quality, templates, approved } => {
            v.busy = false;
            let unknown = t::UNKNOWN.get(lang);
            let or = |s: &str| if s.is_empty() { unknown.to_owned() } else { s.to_owned() };
            v.result = Some(Shown {
                ok: true,
                title: t::TEST_OK.get(lang).to_owned(),
                lines: vec![
                    t::TEST_NUMBER.fill(lang, &[&or(&number), &or(&name)]),
                    t::TEST_LIMIT.fill(lang, &[&or(&limit), &or(&quality)]),
                    t::TEST_TEMPLATES.fill(lang, &[&templates, &approved]),
                ],
            });
            vec![Outcome::ClearStatus]
        }
        SettingsMsg::Installed { ok, lines } => {
            v.busy = false;
            let title = if ok { t::SERVICE_OK } else { t::SERVICE_NOT };
            v.result = Some(Shown { ok, title: title.get(lang).to_owned(), lines });
            vec![Outcome::ClearStatus]
        }
    }
}

/// A failed save, test or installation: the form or overview takes keys again; the status line says why.
pub fn failed(v: &mut SettingsView, error: &str, lang: Lang) -> String {
    v.busy = false;
    if v.editing.is_some() { t::SAVE_FAILED.fill(lang, &[&error]) } else { t::TEST_FAILED.fill(lang, &[&error]) }
}

#[cfg(test)]
mod tests;
