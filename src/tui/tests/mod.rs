//! Tests of the terminal app: pure update tests, render snapshots (insta, `TestBackend`), key-driven journeys
//! through the real performer and store, and the event loop (idle frames, reload on outside changes, closed
//! input). Everything runs on a `ManualClock` at a fixed time, so snapshots are stable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod event_loop;
mod journey;
mod render;
mod update;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{Msg, State, update};
use super::perform::PerformCtx;
use super::{Launch, Screen, settle};
use crate::clock::ManualClock;
use crate::config::{Config, Paths};
use crate::domain::customer::CustomerDraft;
use crate::domain::phone::{Phone, Region};
use crate::i18n::Lang;
use crate::store::{Store, ts};

/// The fixed "now" of all TUI tests: Fri 27.11.2026 10:00 in Berlin.
pub fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()
}

pub fn clock() -> ManualClock {
    ManualClock::new(now())
}

/// A launch with fixed paths (nothing is read from them except the secrets file in erase tests).
pub fn launch(config: Config, lang: Lang, ascii: bool) -> Launch {
    let home = PathBuf::from("/home/bauer");
    Launch {
        home: Some(home.clone()),
        paths: Paths {
            config_file: home.join(".config/hofbote/config.toml"),
            secrets_file: home.join(".config/hofbote/secrets.toml"),
            data_dir: home.join(".local/share/hofbote"),
            db_file: home.join(".local/share/hofbote/hofbote.sqlite"),
            log_dir: home.join(".local/share/hofbote/logs"),
        },
        config,
        lang,
        ascii,
        clock: Arc::new(clock()),
        demo: false,
        no_color: false,
        actor: "anna".into(),
    }
}

pub fn shop_config() -> Config {
    crate::demo::demo_config(&Config::default())
}

/// An empty store on the fixed clock.
pub fn empty_store() -> Store {
    Store::open_in_memory(Arc::new(clock())).unwrap()
}

/// The demo's 40 customers plus the awkward ones: a name stored in NFD, an emoji, a control character.
pub fn demo_store() -> Store {
    let mut store = empty_store();
    crate::demo::seed(&mut store, &shop_config()).unwrap();
    let draft = CustomerDraft::new(
        "Hofcafé 🐄 Sonnenschein",
        "",
        Phone::parse("0170 1234501", Region::DE).unwrap(),
        &["Eier".into()],
        "",
    )
    .unwrap();
    store.insert_customer(&draft).unwrap();
    // Written around the draft rules on purpose, as another program (or an old import) might have done.
    let raw = |name: &str, phone: &str| {
        store
            .conn()
            .execute(
                "INSERT INTO customers (name, first_name, phone, note, created_at, updated_at) VALUES (?1, '', ?2, '', ?3, ?3)",
                rusqlite::params![name, phone, ts(now())],
            )
            .unwrap();
    };
    raw("Mu\u{308}ller, Ana", "+491701234502");
    raw("Böse\u{1b}[31mFirma", "+491701234503");
    store
}

/// A state after loading everything the first screen shows, from `store`.
pub fn loaded(store: &mut Store, launch: &Launch, size: (u16, u16), tab: Screen) -> State {
    let mut state = State::new(launch);
    update(&mut state, Msg::Resize(size.0, size.1));
    state.tab = tab;
    let effects = state.start();
    settle(&PerformCtx::from_launch(launch), store, &mut state, effects);
    state
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Sends `msg` and performs the resulting effects against `store` (as the app would).
pub fn press(store: &mut Store, launch: &Launch, state: &mut State, msg: Msg) {
    let effects = update(state, msg);
    settle(&PerformCtx::from_launch(launch), store, state, effects);
}

pub fn screen(state: &State) -> String {
    super::render_text(state, state.size.0, state.size.1)
}
