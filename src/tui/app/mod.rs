//! The state of the terminal app and the one pure `update(state, msg) -> effects`: `update` (every message, one
//! exhaustive match: a new `Msg` does not compile until it is handled) and `keys` (a key through the keymap to the
//! view that has the focus). The app is the one module that knows the screens: it hands each its own state and an
//! [`Env`], and carries out the [`Outcome`]s they answer with (`apply_outcomes`: overlays, status line, tabs).
//! Never touches the database, the terminal or the clock: it returns [`Effect`]s, which the driver (or a test)
//! performs, and raises `redraw` (in `update` only) when what is on screen changed.

mod keys;
mod update;

use chrono::{DateTime, Utc};

pub use self::keys::switch_tab;
pub use self::update::{customers_for_form, load_tab, mark_stale, update};
use super::keymap::Ctx;
pub use super::msg::{BroadcastOp, ConsentRecord, Effect, Failure, FileKind, Msg, Next, Op, Sender, Target};
use super::screens::composer::{ComposerView, Shop};
use super::screens::consent::ConsentView;
use super::screens::consent::form::{ConsentForm, Match};
use super::screens::customers::CustomersView;
use super::screens::customers::form::CustomerForm;
use super::screens::import::ImportView;
use super::screens::queue::{Pane, QueueView};
use super::screens::replies::{self, RepliesView};
use super::screens::settings::SettingsView;
use super::screens::welcome::Welcome;
use super::screens::{Env, Outcome, help};
use super::theme::Theme;
pub use super::widgets::confirm::{Confirm, OnYes};
pub use super::widgets::status_line::{Status, StatusKind};
use super::{Launch, Screen, text};
use crate::config::Config;
use crate::domain::phone::Region;
use crate::i18n::Lang;

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
    /// Whether the last check found a sender stuck on the database (see `Msg::DataVersion`).
    pub sender_alert: bool,
    /// Something on screen changed since the last frame.
    pub redraw: bool,
    /// The configuration (prices, rate, own number, greeting fallback; no secrets).
    pub config: Config,
    /// Who records things (`$USER`).
    pub actor: String,
    pub composer: ComposerView,
    pub queue: QueueView,
    /// The customers' replies and the open conversation (shown on the queue tab).
    pub replies: RepliesView,
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
    /// The import view, open over the customer list (key `i`).
    pub import: Option<ImportView>,
    /// The settings screen (tab 5).
    pub settings: SettingsView,
    /// WhatsApp ids and access token are configured (else the header says "WhatsApp noch nicht verbunden").
    pub connected: bool,
}

/// A window on top of the screen that takes the keys.
#[derive(Debug)]
pub enum Overlay {
    CustomerForm(CustomerForm),
    ConsentForm(ConsentForm),
    Confirm(Confirm),
    /// "Eingaben verwerfen? j/n" over a form with typed input that Esc or Ctrl-C would throw away; `no` goes back
    /// to the form as it was. `form` is the popup form; `None` for a form of the screen itself (the setup, the
    /// settings), which stays where it is meanwhile.
    Discard {
        form: Option<Box<Overlay>>,
        then_quit: bool,
    },
}

impl Overlay {
    /// A form with input the farmer typed and has not saved.
    pub fn unsaved(&self) -> bool {
        match self {
            Overlay::CustomerForm(f) => !f.saving && f.form.changed(),
            Overlay::ConsentForm(f) => !f.saving && f.form.changed(),
            Overlay::Confirm(_) | Overlay::Discard { .. } => false,
        }
    }
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
            sender_alert: false,
            redraw: true,
            config: launch.config.clone(),
            actor: launch.actor.clone(),
            composer: ComposerView::default(),
            queue: QueueView::default(),
            replies: RepliesView::default(),
            sender: Sender::Off,
            unread: 0,
            badges_loaded: false,
            welcome: None,
            next: Next::Done,
            import: None,
            settings: SettingsView::default(),
            // The ids are configured; the driver (`run_app`) also checks the access token.
            connected: !launch.config.whatsapp.phone_number_id.trim().is_empty()
                && !launch.config.whatsapp.waba_id.trim().is_empty(),
        }
    }

    /// The effects to run at start: load what the first screen shows.
    pub fn start(&mut self) -> Vec<Effect> {
        let effects = load_tab(self);
        if !effects.is_empty() && self.status.is_none() {
            self.info(text::LOADING.get(self.lang).to_owned());
        }
        effects
    }

    /// What every screen may read besides its own state.
    pub fn env(&self) -> Env {
        Env {
            lang: self.lang,
            region: self.region,
            theme: self.theme,
            size: self.size,
            now: self.now,
            focus: self.chain(),
            backdrop: self.tab_chain(),
        }
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
        if matches!(self.overlay, Some(Overlay::Discard { .. })) {
            return vec![Ctx::Always, Ctx::Discard];
        }
        if let Some(w) = &self.welcome {
            return w.ctx();
        }
        match &self.overlay {
            // Throwing typed work away: j is yes there too, as in every "Verwerfen?".
            Some(Overlay::Confirm(c)) if matches!(c.on_yes, OnYes::DiscardDraft) => vec![Ctx::Always, Ctx::Discard],
            Some(Overlay::Confirm(_)) => vec![Ctx::Always, Ctx::Confirm],
            Some(Overlay::Discard { .. }) => vec![Ctx::Always, Ctx::Discard],
            Some(Overlay::CustomerForm(f)) => f.form.chain(false),
            Some(Overlay::ConsentForm(f)) => f.form.chain(f.picker_active()),
            None => self.tab_chain(),
        }
    }

    /// Typed input that Esc or Ctrl-C would throw away: a popup form, the setup form, a settings form.
    pub fn unsaved(&self) -> bool {
        if let Some(o) = &self.overlay {
            return o.unsaved();
        }
        if let Some(w) = &self.welcome {
            return w.step == super::screens::welcome::Step::Form && w.form.changed();
        }
        self.tab == Screen::Settings
            && self.settings.editing.as_ref().is_some_and(|e| !self.settings.busy && e.form.changed())
    }

    /// The keymap contexts of the current tab, as if no popup were open.
    pub fn tab_chain(&self) -> Vec<Ctx> {
        match self.tab {
            Screen::Customers if self.import.is_some() => self.import.as_ref().map(ImportView::ctx).unwrap_or_default(),
            Screen::Customers if self.customers.filter_editing => vec![Ctx::Always, Ctx::Filter],
            Screen::Customers if self.customers.detail.is_some() => {
                vec![Ctx::Always, Ctx::Detail, Ctx::Lists, Ctx::Global]
            }
            Screen::Customers => vec![Ctx::Always, Ctx::Customers, Ctx::Lists, Ctx::Global],
            Screen::Consent => vec![Ctx::Always, Ctx::Consent, Ctx::Lists, Ctx::Global],
            Screen::Composer => self.composer.ctx(),
            Screen::Queue => match &self.replies.conversation {
                Some(c) => replies::ctx(c),
                None => self.queue.ctx(),
            },
            Screen::Settings => self.settings.ctx(),
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

/// Carries out what a screen asked for, in order; returns the IO to perform.
pub fn apply_outcomes(state: &mut State, outcomes: Vec<Outcome>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Effect(e) => effects.push(e),
            Outcome::Info(text) => state.info(text),
            Outcome::Success(text) => state.success(text),
            Outcome::Error(text) => state.error(text),
            Outcome::ClearStatus => state.status = None,
            Outcome::Confirm(c) => state.overlay = Some(Overlay::Confirm(c)),
            Outcome::CustomerForm(None) => state.overlay = Some(Overlay::CustomerForm(CustomerForm::add())),
            Outcome::CustomerForm(Some(c)) => {
                state.overlay = Some(Overlay::CustomerForm(CustomerForm::edit(&c, state.region)));
            }
            Outcome::RecordConsent { kind, picked } => {
                let phone = picked.as_ref().and_then(|(id, _)| state.customers.by_id(*id));
                let phone = phone.map(|e| e.phone(state.lang).to_owned());
                let form = ConsentForm::new(kind, picked, phone, &state.consent, &state.env());
                state.overlay = Some(Overlay::ConsentForm(form));
                effects.extend(customers_for_form(state));
            }
            Outcome::OpenConversation(id) => effects.extend(open_conversation(state, id)),
            Outcome::ShowBroadcasts => state.queue.pane = Pane::Broadcasts,
            Outcome::ShopName(name) => state.shop_name = name,
            Outcome::OpenImport => state.import = Some(ImportView::new()),
            Outcome::Compose(ids) => effects.extend(compose_to(state, ids)),
            Outcome::EditDraft(saved) => {
                let (env, shop) = (state.env(), composer_shop(&state.config, &state.actor, state.sender));
                let more = super::screens::composer::edit_draft(&mut state.composer, &env, &shop, *saved);
                effects.extend(switch_tab(state, super::Screen::Composer));
                effects.extend(apply_outcomes(state, more));
            }
            Outcome::Quit(next) => {
                state.next = next;
                state.quit = true;
            }
        }
    }
    effects
}

/// Opens the conversation with a customer on the queue screen (from the replies or the customer detail).
fn open_conversation(state: &mut State, customer_id: i64) -> Vec<Effect> {
    state.tab = Screen::Queue;
    state.queue.pane = Pane::Replies;
    state.queue.detail = None;
    let prices = &state.config.prices;
    state.replies.reply_price =
        crate::domain::broadcast::format_unit_price(prices.service_price(), &prices.currency, state.lang);
    let mut effects = vec![replies::open(&mut state.replies, customer_id)];
    if !state.queue.loaded || state.queue.stale {
        state.queue.stale = false;
        effects.push(Effect::LoadQueue);
    }
    effects
}

/// The write that keeps a message being composed as a draft when the app ends (quit, Ctrl-C, hangup, signal).
pub fn draft_to_keep(state: &State) -> Option<Effect> {
    let (env, shop) = (state.env(), composer_shop(&state.config, &state.actor, state.sender));
    super::screens::composer::keep_on_quit(&state.composer, &env, &shop)
}

/// Hands the marked customers (id, name) to the composer: its audience choice offers them.
pub fn sync_marked(state: &mut State) {
    let c = &state.customers;
    state.composer.marked =
        c.marked.iter().map(|id| (*id, c.by_id(*id).map(|e| e.name().into_owned()).unwrap_or_default())).collect();
}

/// `m` on the customer list or detail: the composer opens with these customers as the audience.
fn compose_to(state: &mut State, ids: Vec<i64>) -> Vec<Effect> {
    let c = &state.customers;
    let to: Vec<(i64, String)> =
        ids.iter().map(|id| (*id, c.by_id(*id).map(|e| e.name().into_owned()).unwrap_or_default())).collect();
    let (env, shop) = (state.env(), composer_shop(&state.config, &state.actor, state.sender));
    super::screens::composer::compose_to(&mut state.composer, &env, &shop, to);
    switch_tab(state, super::Screen::Composer)
}

/// What the composer reads of the configuration and the app (borrows only these fields of the state).
pub fn composer_shop<'a>(config: &'a Config, actor: &'a str, sender: Sender) -> Shop<'a> {
    Shop { fallback: &config.shop.salutation_fallback, own_number: &config.shop.own_number, actor, sender }
}

/// Customers for the consent form's picker: up to `limit` matches for `query` from the customer list.
pub fn find_customers(customers: &mut CustomersView, lang: Lang, query: &str, limit: usize) -> Vec<Match> {
    let hits = customers.search(query, limit);
    hits.into_iter()
        .filter_map(|i| customers.entries.get(i))
        .map(|e| Match { id: e.id(), name: e.name().into_owned(), phone: e.phone(lang).to_owned() })
        .collect()
}
