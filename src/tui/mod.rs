//! The terminal app: `hofbote` without a subcommand. Data flows one way — keys and IO results → pure `app::update`
//! → effects → `perform` on the DB thread → results as messages — and `driver` owns the terminal and the loop.
//! Also `snapshot`: one frame of a screen as plain text, for `hofbote snapshot` and tests.
//! Map: `app/` (state; `update`: every message in one exhaustive match and the one redraw decision; `keys`: keymap →
//! the focused view; the outcomes of the screens), `msg` (messages, effects, failures, the one classification of
//! effects), `keymap` (the one key table), `driver` (terminal, loop), `perform/` (effects → store reads and writes,
//! `network` for the API calls), `background` (the send worker in this process, wired by `crate::sending`),
//! `setup_files` (writing what the welcome setup entered), `view` (frame layout), `screens/` (one folder per screen
//! with its update, drawing and texts; each owns its state, reads an `Env`, answers with `Outcome`s and imports no
//! other screen), `widgets/`, `theme`, `text` (the shared strings, German and English), `filter` (fuzzy search), `nav`
//! (list scrolling), `scroll` (a backend that scrolls the terminal instead of repainting). The command line builds the
//! [`Launch`] and turns [`TuiError`] into its own errors (`cli::terminal`).
//! Must not contain business rules: those live in `domain` and `store`.

pub mod app;
pub mod background;
pub mod driver;
pub mod filter;
pub mod keymap;
pub mod msg;
pub mod nav;
pub mod perform;
pub mod screens;
pub mod scroll;
pub mod setup_files;
pub mod text;
pub mod theme;
pub mod view;
pub mod widgets;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::clock::SharedClock;
use crate::config::{Config, Paths};
use crate::i18n::{Lang, Localized, Tr};
use crate::store::{Db, Store, StoreError};
pub use app::Next;
use app::{Effect, State, update};
use perform::{PerformCtx, Performer, Services, perform_on};

/// Everything the terminal app needs to start; the command line builds it (`cli::terminal::launch`).
#[derive(Debug, Clone)]
pub struct Launch {
    pub paths: Paths,
    pub config: Config,
    pub lang: Lang,
    /// Plain ASCII glyphs (config switch or TERM=linux).
    pub ascii: bool,
    pub clock: SharedClock,
    /// Running on the demo database (shows the demo banner).
    pub demo: bool,
    /// `NO_COLOR` is set: no colours at all.
    pub no_color: bool,
    /// Who records consent and changes (`$USER`).
    pub actor: String,
    /// The home directory, to show paths as `~/…`.
    pub home: Option<std::path::PathBuf>,
}

/// The screens `hofbote snapshot` can render. The German names stay the command line's values (`--screen kunden`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Screen {
    #[value(name = "kunden")]
    Customers,
    #[value(name = "einwilligungen")]
    Consent,
    #[value(name = "nachricht")]
    Composer,
    #[value(name = "warteschlange")]
    Queue,
    #[value(name = "einstellungen")]
    Settings,
}

/// Why the terminal app could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("terminal: {0}")]
    Io(#[from] std::io::Error),
    #[error("bad size {0:?}")]
    Size(String),
    /// The configuration written by the setup cannot be read back (already in the user's language).
    #[error("{0}")]
    Config(String),
}

impl Localized for TuiError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            TuiError::Store(e) => e.localized(lang),
            TuiError::Io(e) => Tr::new(
                "Das Terminal lässt sich nicht bedienen ({0}). Starte hofbote in einem echten Terminal (z. B. über SSH mit -t).",
                "The terminal cannot be used ({0}). Start hofbote in a real terminal (e.g. over SSH with -t).",
            )
            .fill(lang, &[e]),
            TuiError::Size(s) => Tr::new(
                "Größe {0} nicht erkannt. Schreibe BREITExHÖHE, z. B. 80x24 (mindestens 20x8).",
                "Size {0} not recognised. Write WIDTHxHEIGHT, e.g. 80x24 (at least 20x8).",
            )
            .fill(lang, &[s]),
            TuiError::Config(m) => m.clone(),
        }
    }
}

impl PerformCtx {
    pub fn from_launch(launch: &Launch) -> PerformCtx {
        PerformCtx {
            shop_name: launch.config.shop.name.clone(),
            shop_address: launch.config.shop.address.clone(),
            secrets_file: launch.paths.secrets_file.clone(),
            actor: launch.actor.clone(),
            paths: launch.paths.clone(),
            config: launch.config.clone(),
            home: launch.home.clone(),
            lang: launch.lang,
        }
    }
}

/// The terminal app's SQLite page cache (negative: KiB).
const TUI_CACHE_KIB: i64 = -128;

/// Runs the terminal app on the database of `launch` until the user quits (or the terminal goes away). Sends from
/// this process when no service does. Returns what to do next (the welcome screen may ask for the demo); after the
/// setup it starts again with the new configuration by itself.
pub fn run(launch: &Launch) -> Result<app::Next, TuiError> {
    let mut launch = launch.clone();
    let mut reloaded = false;
    loop {
        // Open (and migrate) before touching the terminal, so a database problem prints as a normal error.
        let mut store = Store::open(&launch.paths.db_file, launch.clock.clone())?;
        // The app reads each list once per change and keeps it: SQLite's default 2 MB page cache would mostly hold
        // pages read once (issue 15: the whole app within 20 MB with 10,000 customers).
        store.conn().pragma_update(None, "cache_size", TUI_CACHE_KIB).map_err(crate::store::StoreError::from)?;
        let secrets = crate::config::Secrets::load(&launch.paths.secrets_file, &crate::config::Secrets::process_env);
        let secrets = match secrets {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(error = %e, "secrets not readable: not sending from the terminal app");
                None
            }
        };
        if let Some(key) = secrets.as_ref().and_then(|s| s.erasure_key.as_ref()) {
            store.set_erasure_key(Some(crate::privacy::key_bytes(key).to_vec()));
        }
        let welcome = first_start(&launch.paths, &store)?;
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let next = runtime.block_on(async {
            let (sender, services, running) = if welcome || input_only() {
                (app::Sender::Off, Services::default(), crate::sending::Background::new())
            } else {
                background::start(&launch, secrets.as_ref())?
            };
            let connected = services.client.is_some() || connected_by_files(&launch.config, secrets.as_ref());
            let (db, _thread) = Db::spawn(store);
            let start = Start { welcome, connected, reloaded };
            let next = run_app(&launch, db, services, sender, start).await;
            background::stop(running).await;
            next
        })?;
        if !matches!(next, app::Next::Restart | app::Next::Reload) {
            return Ok(next);
        }
        reloaded = next == app::Next::Reload;
        launch.config =
            Config::load(&launch.paths.config_file).map_err(|e| TuiError::Config(e.localized(launch.lang)))?;
    }
}

/// No configuration file and an empty database: the welcome screen (demo or setup). With data but no
/// configuration the customer list opens as usual.
pub fn first_start(paths: &Paths, store: &Store) -> Result<bool, StoreError> {
    Ok(!paths.config_file.exists() && store.customer_count()? == 0)
}

/// How the app starts: the welcome screen, whether WhatsApp is connected, and whether the settings were just saved
/// (then it opens on the settings tab and says so).
#[derive(Debug, Clone, Copy, Default)]
pub struct Start {
    pub welcome: bool,
    pub connected: bool,
    pub reloaded: bool,
}

/// Ids and an access token are configured.
fn connected_by_files(config: &Config, secrets: Option<&crate::config::Secrets>) -> bool {
    let token = secrets.is_some_and(|s| s.whatsapp_token.is_some());
    screens::settings::missing(config, token).is_empty()
}

/// The app on an open database with what it can send through; the terminal is set up and restored here.
pub async fn run_app(
    launch: &Launch,
    db: Db,
    services: Services,
    sender: app::Sender,
    start: Start,
) -> Result<app::Next, TuiError> {
    let performer = Performer::new(db, PerformCtx::from_launch(launch)).with_services(services);
    let mut state = State::new(launch);
    state.sender = sender;
    state.connected = start.connected;
    if start.welcome {
        state.welcome = Some(screens::welcome::Welcome::new());
    }
    if start.reloaded {
        state.tab = Screen::Settings;
        let mut text = screens::settings::text::SAVED.get(launch.lang).to_owned();
        if sender == app::Sender::Service {
            // `hofbote serve` read its configuration when it started.
            text = format!("{text} {}", screens::settings::text::SERVICE_RESTART.get(launch.lang));
        }
        state.success(text);
    }
    let stop = driver::signals()?;
    let mut terminal = driver::Terminal::enter()?;
    let events = ratatui::crossterm::event::EventStream::new();
    let watch = if input_only() {
        driver::DbWatch::off()
    } else {
        driver::DbWatch::start(&launch.paths.db_file, crate::store::watch::FALLBACK_POLL)
    };
    let result = driver::event_loop(&mut terminal, events, performer, &mut state, stop, watch).await;
    drop(terminal);
    result?;
    Ok(state.next)
}

/// The test switch `HOFBOTE_TEST_INPUT_ONLY=1`: no database watcher, no fallback poll, no send worker and no
/// timer in the app, so only input (and the results of what input asked for) wakes the event loop. The pty journeys
/// use it to prove that keys never depend on another wake-up.
pub fn input_only() -> bool {
    std::env::var_os("HOFBOTE_TEST_INPUT_ONLY").is_some_and(|v| v == "1")
}

/// Parses "80x24".
pub fn parse_size(s: &str) -> Result<(u16, u16), TuiError> {
    let bad = || TuiError::Size(s.to_owned());
    let (w, h) = s.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h): (u16, u16) = (w.trim().parse().map_err(|_| bad())?, h.trim().parse().map_err(|_| bad())?);
    if w < 20 || h < 8 || w > 1000 || h > 1000 {
        return Err(bad());
    }
    Ok((w, h))
}

/// Performs effects (and the effects their results cause) until nothing is left.
pub fn settle(ctx: &PerformCtx, store: &mut Store, state: &mut State, effects: Vec<Effect>) {
    let mut queue: VecDeque<Effect> = effects.into();
    while let Some(effect) = queue.pop_front() {
        let msg = perform_on(ctx, store, effect);
        queue.extend(update(state, msg));
    }
}

/// One frame of `screen` on the database of `launch`, as plain text (no escape codes).
pub fn snapshot(launch: &Launch, screen: Screen, size: &str) -> Result<String, TuiError> {
    let (w, h) = parse_size(size)?;
    let mut store = Store::open(&launch.paths.db_file, launch.clock.clone())?;
    let mut state = State::new(launch);
    update(&mut state, app::Msg::Resize(w, h));
    state.tab = screen;
    let effects = state.start();
    settle(&PerformCtx::from_launch(launch), &mut store, &mut state, effects);
    Ok(render_text(&state, w, h))
}

/// Draws the state into a `w`×`h` test backend and returns the text.
pub fn render_text(state: &State, w: u16, h: u16) -> String {
    match Terminal::new(TestBackend::new(w, h)) {
        Ok(mut terminal) => {
            let _ = terminal.draw(|f| view::render(f, state));
            buffer_text(terminal.backend().buffer())
        }
        Err(e) => match e {},
    }
}

/// The buffer as lines of text: wide glyphs once, trailing spaces removed.
pub fn buffer_text(buffer: &Buffer) -> String {
    let width = buffer.area.width as usize;
    let mut out = String::new();
    for row in buffer.content.chunks(width.max(1)) {
        let mut line = String::new();
        let mut skip = 0usize;
        for cell in row {
            let symbol = cell.symbol();
            if skip == 0 {
                line.push_str(symbol);
                // A wide glyph covers the next cell too.
                skip = widgets::text::width(symbol).max(1) - 1;
            } else {
                skip -= 1;
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
