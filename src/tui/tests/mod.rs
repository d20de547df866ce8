//! Tests of the terminal app: pure update tests, render snapshots (insta, `TestBackend`), key-driven journeys
//! through the real performer and store, and the event loop (idle frames, reload on outside changes, closed
//! input). Everything runs on a `ManualClock` at a fixed time, so snapshots are stable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod compose;
mod event_loop;
mod journey;
mod render;
mod send;
mod send_render;
mod update;
mod words;

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
    // Written around the draft rules on purpose, as another program (or an old import) might have done (with the
    // list's order key every writer stores).
    let raw = |name: &str, phone: &str| {
        store
            .conn()
            .execute(
                "INSERT INTO customers (name, first_name, phone, note, created_at, updated_at, name_key)
                 VALUES (?1, '', ?2, '', ?3, ?3, ?4)",
                rusqlite::params![name, phone, ts(now()), crate::domain::fold::name_key(name)],
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

/// The demo store with the sandbox's templates, three broadcasts (one sending with every row state, one done, one
/// draft, one scheduled), an alert-free queue and four replies (one unread question, one possible stop).
pub fn send_store() -> Store {
    use crate::domain::broadcast::Audience;
    use crate::domain::template::Params;
    use crate::store::broadcasts::NewBroadcast;
    let mut store = demo_store();
    store.replace_templates(&crate::sandbox::demo_templates()).unwrap();
    let fallback = "Liebe Kundin, lieber Kunde";
    let new = |template: &str, params: Params, audience: Audience, at: Option<chrono::DateTime<Utc>>| NewBroadcast {
        template: template.into(),
        language: "de".into(),
        params,
        audience,
        scheduled_at: at,
        created_by: "anna".into(),
    };
    let old = new(
        "schlachttermin",
        Params::positional(&["{vorname}", "12.11.", "14.11."]),
        Audience::Tags(vec!["Rind".into()]),
        None,
    );
    let (done, _) = store.create_broadcast(&old, fallback, false).unwrap();
    store
        .conn()
        .execute(
            "UPDATE outbox SET state = 'read', wamid = 'wamid.old' || id WHERE broadcast_id = ?1 AND state = 'queued'",
            [done],
        )
        .unwrap();
    store
        .conn()
        .execute("UPDATE broadcasts SET state = 'done', created_at = '2026-11-13T08:00:00.000Z' WHERE id = ?1", [done])
        .unwrap();
    let offer = new(
        "wochenangebot",
        Params::positional(&["{vorname}", "frische *Bratwurst* vom Duroc-Schwein"]),
        Audience::All,
        None,
    );
    let (sending, _) = store.create_broadcast(&offer, fallback, false).unwrap();
    let ids: Vec<i64> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT id FROM outbox WHERE broadcast_id = ?1 AND state = 'queued' ORDER BY id")
            .unwrap();
        stmt.query_map([sending], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect()
    };
    for (k, id) in ids.iter().enumerate() {
        let (state, code): (&str, Option<i64>) = match k {
            0 => ("failed", Some(131026)),
            1 => ("unknown", None),
            2..=7 => ("read", None),
            8..=13 => ("delivered", None),
            14..=17 => ("accepted", None),
            _ => ("queued", None),
        };
        store
            .conn()
            .execute(
                "UPDATE outbox SET state = ?2, error_code = ?3, wamid = CASE WHEN ?2 = 'queued' THEN NULL ELSE 'wamid.s' || id END, updated_at = '2026-11-27T08:59:00.000Z' WHERE id = ?1",
                rusqlite::params![id, state, code],
            )
            .unwrap();
    }
    let draft = new(
        "abholtermin",
        Params::named(&[("name", "{vorname}"), ("date", "Sa 28.11."), ("time", "9 Uhr")]),
        Audience::Tags(vec!["Eier".into()]),
        None,
    );
    store.create_broadcast(&draft, fallback, true).unwrap();
    let later = new(
        "wochenangebot",
        Params::positional(&["{vorname}", "Weihnachtsgänse vorbestellen"]),
        Audience::Tags(vec!["Geflügel".into()]),
        Some(now() + chrono::Duration::days(1)),
    );
    store.create_broadcast(&later, fallback, false).unwrap();
    let customer = |name: &str| {
        store
            .list_customers(&Default::default())
            .unwrap()
            .into_iter()
            .find(|r| r.customer.name == name)
            .unwrap()
            .customer
    };
    let inbound = |store: &Store,
                   c: &crate::domain::customer::Customer,
                   wamid: &str,
                   text: &str,
                   minutes: i64,
                   read: bool,
                   stop: bool| {
        store
            .conn()
            .execute(
                "INSERT INTO inbound_messages (wamid, customer_id, from_phone, kind, text, received_at, read_at, flagged_stop, is_keyword)
                 VALUES (?1, ?2, ?3, 'text', ?4, ?5, ?6, ?7, 0)",
                rusqlite::params![wamid, c.id, c.phone.as_ref().unwrap().as_e164(), text, ts(now() - chrono::Duration::minutes(minutes)), read.then(|| ts(now())), stop],
            )
            .unwrap();
    };
    let joerg = customer("Jörg Müller");
    let anna = customer("Anna Weiß");
    let brandt = customer("Familie Brandt");
    inbound(&store, &joerg, "wamid.in1", "Gibt es nächste Woche wieder Bratwürste?", 12, false, false);
    inbound(&store, &anna, "wamid.in2", "Danke, hole ich Samstag ab!", 95, true, false);
    inbound(&store, &brandt, "wamid.in3", "Bitte schickt mir keine Werbung mehr", 30, false, true);
    inbound(&store, &joerg, "wamid.in4", "Habt ihr auch Leberwurst?", 60 * 30, true, false);
    store
}
