//! The state of the terminal app and the one pure `update(state, msg) -> effects`. Keys are routed through the
//! keymap (`keymap::lookup` with the context chain of the current view); IO results come back as messages.
//! `update` never touches the database, the terminal or the clock: it returns [`Effect`]s, which the driver (or a
//! test) performs, and sets `redraw` when what is on screen changed.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::KeyEvent;

use super::keymap::{self, Action, Ctx, Key};
pub use super::msg::{BroadcastOp, ConsentRecord, Effect, Failure, Msg, Next, Op, Sender, Target};
use super::screens::composer::ComposerView;
use super::screens::consent::ConsentView;
use super::screens::consent::form as consent_form;
use super::screens::consent::form::ConsentForm;
use super::screens::customers::CustomersView;
use super::screens::customers::form::CustomerForm;
use super::screens::customers::{detail as customer_detail, form as customer_form};
use super::screens::queue::QueueView;
use super::screens::welcome::Welcome;
use super::screens::{composer, consent, customers, help, queue, replies, welcome};
use super::theme::Theme;
use super::{Launch, Screen, text};
use crate::config::Config;
use crate::domain::phone::{Phone, Region};
use crate::i18n::{Lang, Localized};
use crate::store::StoreError;

/// Everything the app shows and remembers.
#[derive(Debug)]
pub struct State {
    pub lang: Lang,
    pub theme: Theme,
    pub region: Region,
    /// The open database file, as shown in the header.
    pub db_label: String,
    /// The configuration and secrets files, as the setup names them.
    pub config_label: String,
    pub secrets_label: String,
    pub shop_name: String,
    pub demo: bool,
    pub tab: Screen,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// "Now" as the store's clock said with the last load (for ages and the default form date).
    pub now: Option<DateTime<Utc>>,
    pub customers: CustomersView,
    pub consent: ConsentView,
    pub overlay: Option<Overlay>,
    pub help: Option<help::Help>,
    pub status: Option<Status>,
    /// A broadcast is being sent from this process (quitting asks first). Set by the sending screens.
    pub sending: bool,
    pub quit: bool,
    /// `PRAGMA data_version` at the last load; a different value means another process changed the data.
    pub data_version: Option<i64>,
    /// Something on screen changed since the last frame.
    pub redraw: bool,
    /// The configuration (prices, rate, own number, greeting fallback; no secrets).
    pub config: Config,
    /// Who records things (`$USER`).
    pub actor: String,
    pub composer: ComposerView,
    pub queue: QueueView,
    /// Who sends: this window, the service, or nobody.
    pub sender: Sender,
    /// Unread replies (shown on the queue tab).
    pub unread: i64,
    /// The unread count and the sending flag were loaded once.
    pub badges_loaded: bool,
    /// First start without configuration: the welcome screen.
    pub welcome: Option<Welcome>,
    /// What to do after the loop ends.
    pub next: Next,
}

/// A window on top of the screen that takes the keys.
#[derive(Debug)]
pub enum Overlay {
    CustomerForm(CustomerForm),
    ConsentForm(ConsentForm),
    Confirm(Confirm),
}

/// A yes/no question.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub question: String,
    pub on_yes: OnYes,
}

#[derive(Debug, Clone)]
pub enum OnYes {
    Erase { id: i64, phone: Phone, name: String },
    Quit,
    CancelBroadcast(i64),
}

/// A message in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Success,
    /// Stays until a key is pressed; that key only acknowledges it.
    Error,
}

impl State {
    pub fn new(launch: &Launch) -> State {
        State {
            lang: launch.lang,
            theme: Theme::new(!launch.no_color, launch.ascii),
            region: launch.config.shop.region(),
            db_label: home_relative(&launch.paths.db_file, launch.home.as_deref()),
            config_label: home_relative(&launch.paths.config_file, launch.home.as_deref()),
            secrets_label: home_relative(&launch.paths.secrets_file, launch.home.as_deref()),
            shop_name: launch.config.shop.name.clone(),
            demo: launch.demo,
            tab: Screen::Customers,
            size: (80, 24),
            now: None,
            customers: CustomersView::default(),
            consent: ConsentView::default(),
            overlay: None,
            help: None,
            status: None,
            sending: false,
            quit: false,
            data_version: None,
            redraw: true,
            config: launch.config.clone(),
            actor: launch.actor.clone(),
            composer: ComposerView::default(),
            queue: QueueView::default(),
            sender: Sender::Off,
            unread: 0,
            badges_loaded: false,
            welcome: None,
            next: Next::Done,
        }
    }

    /// The effects to run at start: load what the first screen shows.
    pub fn start(&mut self) -> Vec<Effect> {
        let effects = load_tab(self);
        if !effects.is_empty() {
            self.info(text::LOADING.get(self.lang).to_owned());
        }
        effects
    }

    /// Takes the redraw flag.
    pub fn take_redraw(&mut self) -> bool {
        std::mem::take(&mut self.redraw)
    }

    /// Whether a screen showing live data is open (the driver then checks `data_version` at a calm pace). Every
    /// screen shows the unread count and the queue's progress, so this is all of them but the welcome screen.
    pub fn live(&self) -> bool {
        self.welcome.is_none()
    }

    pub fn info(&mut self, text: String) {
        self.status = Some(Status { kind: StatusKind::Info, text });
    }

    pub fn success(&mut self, text: String) {
        self.status = Some(Status { kind: StatusKind::Success, text });
    }

    pub fn error(&mut self, text: String) {
        self.status = Some(Status { kind: StatusKind::Error, text });
    }

    /// The keymap contexts of what has the focus, most specific first.
    pub fn chain(&self) -> Vec<Ctx> {
        if self.help.is_some() {
            return vec![Ctx::Always, Ctx::Help];
        }
        if let Some(w) = &self.welcome {
            return w.ctx();
        }
        match &self.overlay {
            Some(Overlay::Confirm(_)) => return vec![Ctx::Always, Ctx::Confirm],
            Some(Overlay::CustomerForm(f)) => return form_chain(&f.form, false),
            Some(Overlay::ConsentForm(f)) => return form_chain(&f.form, f.picker_active()),
            None => {}
        }
        match self.tab {
            Screen::Customers if self.customers.filter_editing => vec![Ctx::Always, Ctx::Filter],
            Screen::Customers if self.customers.detail.is_some() => {
                vec![Ctx::Always, Ctx::Detail, Ctx::Lists, Ctx::Global]
            }
            Screen::Customers => vec![Ctx::Always, Ctx::Customers, Ctx::Lists, Ctx::Global],
            Screen::Consent => vec![Ctx::Always, Ctx::Consent, Ctx::Lists, Ctx::Global],
            Screen::Composer => self.composer.ctx(),
            Screen::Queue => self.queue.ctx(),
        }
    }
}

/// `~/.local/share/…` for paths under the home directory.
fn home_relative(path: &std::path::Path, home: Option<&std::path::Path>) -> String {
    match home
        .filter(|h| !h.as_os_str().is_empty() && *h != std::path::Path::new("/"))
        .and_then(|h| path.strip_prefix(h).ok())
    {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

pub fn form_chain(form: &super::widgets::form::Form, picker: bool) -> Vec<Ctx> {
    let mut chain = vec![Ctx::Always];
    if picker {
        chain.push(Ctx::FormPicker);
    }
    if form.focused().is_some_and(|f| !f.is_text()) {
        chain.push(Ctx::FormChoice);
    }
    chain.push(Ctx::Form);
    chain
}

/// The pure update: applies `msg` to `state` and returns the IO to perform. A message may say "nothing changed"
/// (`redraw = false`) only for itself: a frame another message asked for in the same batch is kept.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let pending = std::mem::take(&mut state.redraw);
    let effects = update_one(state, msg);
    state.redraw |= pending;
    effects
}

fn update_one(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(ev) => on_key(state, ev),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            customers::clamp(state);
            consent::clamp(state);
            state.redraw = true;
            Vec::new()
        }
        Msg::Customers(data) => {
            state.now = Some(data.now);
            state.data_version = Some(data.data_version);
            if state.status.as_ref().is_some_and(|s| s.kind == StatusKind::Info) {
                state.status = None;
            }
            customers::loaded(state, data);
            state.redraw = true;
            Vec::new()
        }
        Msg::Consent(data) => {
            state.now = Some(data.now);
            state.data_version = Some(data.data_version);
            if state.status.as_ref().is_some_and(|s| s.kind == StatusKind::Info) {
                state.status = None;
            }
            consent::loaded(state, data);
            state.redraw = true;
            Vec::new()
        }
        Msg::Ledger(data) => {
            customer_detail::loaded(state, data);
            state.redraw = true;
            Vec::new()
        }
        Msg::DataVersion { version: v, now } => {
            state.now = Some(now);
            let badges = !state.badges_loaded;
            if state.data_version == Some(v) {
                // Nothing changed elsewhere: no reload, no frame.
                return if badges { vec![Effect::LoadBadges] } else { Vec::new() };
            }
            state.data_version = Some(v);
            mark_stale(state);
            let mut effects = load_tab(state);
            effects.push(Effect::LoadBadges);
            effects
        }
        Msg::CustomerSaved(c) => {
            state.redraw = true;
            customer_form::saved(state, c);
            mark_stale(state);
            state.composer.stale = true;
            load_tab(state)
        }
        Msg::ConsentRecorded { customer_id, name, purposes, kind } => {
            state.redraw = true;
            consent_form::recorded(state, customer_id, &name, &purposes, kind);
            mark_stale(state);
            state.composer.stale = true;
            load_tab(state)
        }
        Msg::Erased { name, pseudonymised } => {
            state.redraw = true;
            state.customers.detail = None;
            state.success(text::ERASED.fill(state.lang, &[&name, &pseudonymised]));
            mark_stale(state);
            state.composer.stale = true;
            load_tab(state)
        }
        Msg::Failed { op, error } => {
            state.redraw = true;
            failed(state, op, error);
            Vec::new()
        }
        other => super::update_send::update(state, other),
    }
}

fn failed(state: &mut State, op: Op, error: Failure) {
    let handled = match (op, &mut state.overlay) {
        (Op::SaveCustomer, Some(Overlay::CustomerForm(f))) => f.show_failure(&error, state.lang),
        (Op::RecordConsent, Some(Overlay::ConsentForm(f))) => f.show_failure(&error, state.lang),
        _ => false,
    };
    match op {
        Op::Compose => state.composer.busy = false,
        Op::Sync => state.composer.syncing = false,
        Op::Reply => {
            if let Some(c) = &mut state.queue.conversation {
                c.sending = false;
            }
        }
        Op::Setup => {
            if let Some(w) = &mut state.welcome {
                w.failed();
            }
        }
        _ => {}
    }
    if handled {
        // The "saving …" note is over; the error is shown at its field.
        state.status = None;
    } else {
        if op == Op::Load
            && matches!(error, Failure::Store(StoreError::NotFound(_)))
            && state.customers.detail.is_some()
        {
            // The customer was erased elsewhere while their detail was open.
            state.customers.detail = None;
        }
        let mut text = error.localized(state.lang);
        if op == Op::Setup {
            text = welcome::failure_text(&text, state.lang);
        }
        state.error(text);
    }
}

/// Everything shown may be outdated: reload the current screen now and the others when they are opened.
pub fn mark_stale(state: &mut State) {
    state.customers.stale = true;
    state.consent.stale = true;
    state.queue.stale = true;
}

/// Loads for the current tab what is not loaded or outdated.
pub fn load_tab(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    match state.tab {
        Screen::Customers => {
            if state.customers.stale || !state.customers.loaded {
                state.customers.stale = false;
                effects.push(Effect::LoadCustomers);
            }
            if let Some(d) = &state.customers.detail {
                effects.push(Effect::LoadLedger(d.customer_id));
            }
        }
        Screen::Consent => {
            if state.consent.stale || !state.consent.loaded {
                state.consent.stale = false;
                effects.push(Effect::LoadConsent);
            }
        }
        Screen::Composer => {
            if (state.composer.stale || !state.composer.loaded) && state.composer.draft.is_none() {
                state.composer.stale = false;
                effects.push(Effect::LoadComposer);
            }
        }
        Screen::Queue => {
            if state.queue.stale || !state.queue.loaded {
                state.queue.stale = false;
                effects.push(Effect::LoadQueue);
            }
            if let Some(d) = &state.queue.detail {
                effects.push(Effect::LoadRows(d.id));
            }
            if let Some(c) = &state.queue.conversation {
                effects.push(Effect::LoadConversation(c.customer_id));
            }
        }
    }
    if state.welcome.is_some() {
        effects.clear();
    }
    // The consent form picks customers from the customer list.
    if matches!(state.overlay, Some(Overlay::ConsentForm(_))) && (!state.customers.loaded || state.customers.stale) {
        state.customers.stale = false;
        if !effects.contains(&Effect::LoadCustomers) {
            effects.push(Effect::LoadCustomers);
        }
    }
    effects
}

fn on_key(state: &mut State, ev: KeyEvent) -> Vec<Effect> {
    let Some(key) = Key::from_event(&ev) else { return Vec::new() };
    state.redraw = true;
    match state.status.as_ref().map(|s| s.kind) {
        Some(StatusKind::Error) => {
            // The key acknowledges the error and does nothing else (a `q` meant as "ok" must not quit).
            state.status = None;
            return Vec::new();
        }
        Some(_) => state.status = None,
        None => {}
    }
    let chain = state.chain();
    match keymap::lookup(&chain, key) {
        Some(action) => apply(state, action),
        None => type_text(state, &ev, &chain),
    }
}

/// A key that is no command: text for the focused field or the search, nothing otherwise.
fn type_text(state: &mut State, ev: &KeyEvent, chain: &[Ctx]) -> Vec<Effect> {
    if chain.contains(&Ctx::Filter) {
        customers::type_filter(state, ev);
        return Vec::new();
    }
    if state.welcome.is_some() {
        welcome::type_key(state, ev);
        return Vec::new();
    }
    match &mut state.overlay {
        Some(Overlay::CustomerForm(f)) => {
            f.type_key(ev, state.region, state.lang);
        }
        Some(Overlay::ConsentForm(_)) => consent_form::type_key(state, ev),
        Some(Overlay::Confirm(_)) => state.redraw = false,
        None if chain.contains(&Ctx::Composer) => composer::type_key(state, ev),
        None if chain.contains(&Ctx::ReplyInput) => replies::type_key(state, ev),
        None => state.redraw = false,
    }
    Vec::new()
}

fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    if state.help.is_some() {
        help::on_action(state, action);
        return Vec::new();
    }
    if action == Action::Help {
        state.help = Some(help::Help::new(state.chain()));
        return Vec::new();
    }
    if action == Action::Quit {
        return quit(state);
    }
    if state.welcome.is_some() {
        return welcome::on_action(state, action);
    }
    match state.overlay.take() {
        Some(Overlay::Confirm(c)) => return confirm(state, c, action),
        Some(Overlay::CustomerForm(f)) => return customer_form::on_action(state, f, action),
        Some(Overlay::ConsentForm(f)) => return consent_form::on_action(state, f, action),
        None => {}
    }
    match action {
        Action::NextTab => switch_tab(state, next_tab(state.tab, 1)),
        Action::PrevTab => switch_tab(state, next_tab(state.tab, -1)),
        Action::Tab(s) => switch_tab(state, s),
        _ => match state.tab {
            Screen::Customers if state.customers.detail.is_some() => customer_detail::on_action(state, action),
            Screen::Customers => customers::on_action(state, action),
            Screen::Consent => consent::on_action(state, action),
            Screen::Composer => composer::on_action(state, action),
            Screen::Queue => queue::on_action(state, action),
        },
    }
}

fn quit(state: &mut State) -> Vec<Effect> {
    if state.sending {
        state.overlay = Some(Overlay::Confirm(Confirm {
            question: text::QUIT_WHILE_SENDING.get(state.lang).to_owned(),
            on_yes: OnYes::Quit,
        }));
    } else {
        state.quit = true;
    }
    Vec::new()
}

fn confirm(state: &mut State, c: Confirm, action: Action) -> Vec<Effect> {
    match action {
        Action::Yes => match c.on_yes {
            OnYes::Quit => {
                state.quit = true;
                Vec::new()
            }
            OnYes::Erase { id, phone, name } => {
                state.info(text::ERASING.fill(state.lang, &[&name]));
                vec![Effect::Erase { id, phone, name }]
            }
            OnYes::CancelBroadcast(id) => vec![Effect::Broadcast { id, op: BroadcastOp::Cancel }],
        },
        Action::No => Vec::new(),
        _ => {
            state.overlay = Some(Overlay::Confirm(c));
            Vec::new()
        }
    }
}

const TABS: [Screen; 4] = [Screen::Customers, Screen::Consent, Screen::Composer, Screen::Queue];

fn next_tab(current: Screen, by: isize) -> Screen {
    let i = TABS.iter().position(|s| *s == current).unwrap_or(0) as isize;
    TABS[(i + by).rem_euclid(TABS.len() as isize) as usize]
}

pub fn switch_tab(state: &mut State, to: Screen) -> Vec<Effect> {
    if to == Screen::Composer && state.tab != to && state.composer.draft.is_none() {
        // Templates, consent and the last broadcasts may have changed while the farmer was elsewhere.
        state.composer.stale = true;
    }
    state.tab = to;
    load_tab(state)
}

/// The hint for an action in the current view, e.g. the key that adds a customer.
pub fn key_label(state: &State, action: Action) -> String {
    keymap::key_for(&state.chain(), action).map(|k| k.label(state.lang, state.theme)).unwrap_or_default()
}
