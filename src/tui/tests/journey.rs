//! Key-driven journeys through the app: keys go through `update`, effects through the same `Performer` the running
//! app uses (DB thread, real SQLite), results back through `update`; then the screen and the database are checked.

use std::collections::VecDeque;

use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::config::Secrets;
use crate::domain::consent::{EventKind, Purpose, Source};
use crate::store::Db;
use crate::tui::app::{Effect, StatusKind};
use crate::tui::perform::Performer;

struct App {
    state: State,
    performer: Performer,
    db: Db,
}

impl App {
    async fn start(launch: &Launch, store: Store) -> App {
        App::start_with(launch, store, Default::default()).await
    }

    async fn start_with(launch: &Launch, store: Store, services: crate::tui::perform::Services) -> App {
        let (db, _thread) = Db::spawn(store);
        let performer = Performer::new(db.clone(), PerformCtx::from_launch(launch)).with_services(services);
        let mut state = State::new(launch);
        update(&mut state, Msg::Resize(80, 24));
        let mut app = App { state, performer, db };
        let effects = app.state.start();
        app.run(effects).await;
        app
    }

    async fn run(&mut self, effects: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = effects.into();
        while let Some(e) = queue.pop_front() {
            let msg = self.performer.perform(e).await;
            queue.extend(update(&mut self.state, msg));
        }
    }

    async fn key(&mut self, msg: Msg) {
        let effects = update(&mut self.state, msg);
        self.run(effects).await;
    }

    async fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.key(ch(c)).await;
        }
    }

    fn row(&self, name: &str) -> String {
        screen(&self.state).lines().find(|l| l.contains(name)).unwrap_or_default().to_owned()
    }
}

#[tokio::test]
async fn add_a_customer_record_marketing_consent_and_see_the_tick() {
    let mut config = Config::default();
    config.shop.name = "Hof Test".into();
    let launch = launch(config, Lang::De, false);
    let mut app = App::start(&launch, empty_store()).await;
    assert!(screen(&app.state).contains("Noch keine Kunden."));

    // Add a customer.
    app.key(ch('a')).await;
    app.keys("Jörg Müller").await;
    app.key(key(KeyCode::Tab)).await;
    app.keys("Jörg").await;
    app.key(key(KeyCode::Tab)).await;
    app.keys("0171 1234567").await;
    app.key(ctrl('s')).await;
    assert!(app.state.overlay.is_none(), "the form closes after saving");
    assert_eq!(app.state.status.as_ref().unwrap().text, "Kunde angelegt: Jörg Müller");
    let row = app.row("Jörg Müller");
    assert!(row.contains("0171 1234567"), "{row}");
    assert!(row.trim_end().ends_with("–       –"), "no consent yet: {row}");

    // Record marketing consent from a paper form.
    app.key(ch('2')).await;
    app.key(ch('a')).await;
    app.keys("jörg").await;
    app.key(key(KeyCode::Enter)).await; // pick the match
    app.key(key(KeyCode::Down)).await; // to "Angebote (Werbung)"
    app.key(ch(' ')).await;
    app.key(key(KeyCode::Down)).await; // date: today
    app.key(key(KeyCode::Down)).await; // wording: current
    app.key(key(KeyCode::Down)).await;
    app.keys("F-0001").await;
    app.key(key(KeyCode::Enter)).await;
    let status = app.state.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Success, "{status:?}");
    assert_eq!(status.text, "Einwilligung Angebote (Werbung) erfasst für Jörg Müller.");
    assert!(app.row("Jörg Müller").contains("Werbung   erteilt    Formular       F-0001"), "{}", screen(&app.state));

    // The list shows the tick.
    app.key(ch('1')).await;
    let row = app.row("Jörg Müller");
    assert!(row.trim_end().ends_with("–       ✓"), "service none, marketing granted: {row}");
    insta::assert_snapshot!("journey_consent_recorded", screen(&app.state));

    // And the ledger holds exactly what the form said.
    let (ledger, wordings) = app
        .db
        .call(|s| {
            let c = s.list_customers(&Default::default())?.remove(0);
            Ok((s.ledger(c.customer.id)?, s.wordings()?))
        })
        .await
        .unwrap();
    assert_eq!(ledger.len(), 1);
    let e = &ledger[0];
    assert_eq!((e.purpose, e.kind, e.source), (Purpose::Marketing, EventKind::Granted, Source::ShopForm));
    assert_eq!(e.evidence, "F-0001");
    assert_eq!(e.wording_version, Some(1));
    assert_eq!(e.recorded_by, "anna");
    assert_eq!(e.occurred_at, now(), "today, before noon, means now");
    assert!(wordings.iter().any(|w| w.text.contains("Hof Test")), "wordings generated from the shop name");

    // The detail view shows the ledger entry.
    app.key(key(KeyCode::Enter)).await;
    let text = screen(&app.state);
    assert!(text.contains("von anna · Text v1 · Nachweis: F-0001"), "{text}");
}

#[tokio::test]
async fn erase_creates_the_key_pseudonymises_the_ledger_and_never_shows_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut launch = launch(shop_config(), Lang::De, false);
    launch.paths.secrets_file = dir.path().join("config").join("secrets.toml");
    let mut store = empty_store();
    store.ensure_default_wordings("Hof Test", "").unwrap();
    let phone = Phone::parse("0171 1234567", Region::DE).unwrap();
    let c = store.insert_customer(&CustomerDraft::new("Anna Weiß", "", phone.clone(), &[], "").unwrap()).unwrap();
    let mut app = App::start(&launch, store).await;

    // Withdraw marketing first (an objector is kept on the suppression list after erasure).
    app.key(ch('w')).await; // Anna is preselected, the focus is on "Termine (Service)"
    app.key(key(KeyCode::Down)).await;
    app.key(ch(' ')).await;
    app.key(ctrl('s')).await;
    assert_eq!(app.state.status.as_ref().unwrap().text, "Widerruf Angebote (Werbung) erfasst für Anna Weiß.");

    app.key(ch('d')).await;
    app.key(ch('y')).await;
    let status = app.state.status.clone().unwrap();
    assert_eq!(status.text, "Anna Weiß gelöscht. 1 Nachweise bleiben pseudonymisiert erhalten.");
    assert!(screen(&app.state).contains("Noch keine Kunden."));

    let secrets = Secrets::load(&launch.paths.secrets_file, &|_| None).unwrap();
    let key = secrets.erasure_key.expect("the erasure key was created");
    assert!(!screen(&app.state).contains(key.expose()), "the key never reaches the screen");
    let hash = crate::privacy::subject_hash(key.expose().as_bytes(), &phone);
    let (pseudonymised, suppressed, customers) = app
        .db
        .call(move |s| {
            let n: i64 = s.conn().query_row(
                "SELECT count(*) FROM consent_events WHERE customer_id IS NULL AND subject_hash = ?1",
                [&hash],
                |r| r.get(0),
            )?;
            Ok((n, s.is_suppressed(&hash, Purpose::Marketing)?, s.customer_count()?))
        })
        .await
        .unwrap();
    assert_eq!((pseudonymised, suppressed, customers), (1, true, 0));
    let _ = c;
}

#[tokio::test]
async fn a_taken_number_is_explained_at_the_phone_field() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = empty_store();
    let phone = Phone::parse("0171 1234567", Region::DE).unwrap();
    store.insert_customer(&CustomerDraft::new("Anna Weiß", "", phone, &[], "").unwrap()).unwrap();
    let mut app = App::start(&launch, store).await;
    app.key(ch('a')).await;
    app.keys("Zweite Anna").await;
    app.key(key(KeyCode::Tab)).await;
    app.key(key(KeyCode::Tab)).await;
    app.keys("+49 171 1234567").await;
    app.key(ctrl('s')).await;
    let Some(crate::tui::app::Overlay::CustomerForm(f)) = &app.state.overlay else { panic!("the form stays open") };
    assert_eq!(
        f.form.fields[2].error.as_deref(),
        Some("Die Nummer +49 171 1234567 gehört schon zu einem anderen Kunden.")
    );
    assert_eq!(f.form.focus, 2);
    assert!(screen(&app.state).contains("gehört schon zu einem"), "{}", screen(&app.state));
    assert!(app.state.status.is_none());
}

#[tokio::test]
async fn the_weekly_offer_from_launch_to_queued_in_at_most_ten_keys_plus_the_text() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut app = App::start(&launch, send_store()).await;
    let before = app.db.call(|s| Ok(s.list_broadcasts(100)?.len())).await.unwrap();
    let offer = "Rinderrouladen aus eigener Schlachtung, 10,90 € das Kilo";
    let mut keys = 0usize;
    // 3 = Nachricht; the template of the latest broadcast is selected.
    app.key(ch('3')).await;
    keys += 1;
    // l = repeat last: the latest broadcasts to pick from, on the newest one; Enter = that one: the old values, the
    // offer field cleared, the cursor in it.
    app.key(ch('l')).await;
    keys += 1;
    app.key(key(KeyCode::Enter)).await;
    keys += 1;
    app.keys(offer).await;
    // Enter = review (the store resolves the audience once more), y = queue.
    app.key(key(KeyCode::Enter)).await;
    keys += 1;
    assert!(screen(&app.state).contains("Prüfen vor dem Senden"), "{}", screen(&app.state));
    app.key(ch('y')).await;
    keys += 1;
    println!("weekly offer queued with {keys} keys plus the text");
    assert!(keys <= 6, "{keys} keys (the README promises at most 6)");

    let status = app.state.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Success, "{status:?}");
    assert!(status.text.starts_with("Rundnachricht Nr. "), "{}", status.text);
    assert_eq!(app.state.tab, Screen::Queue, "the queue shows the progress");
    let (list, last) = app
        .db
        .call(|s| {
            let list = s.list_broadcasts(100)?;
            let last = s.last_broadcast_of("wochenangebot")?;
            Ok((list, last))
        })
        .await
        .unwrap();
    assert_eq!(list.len(), before + 1);
    let b = last.unwrap();
    assert_eq!(b.id, list[0].id);
    assert_eq!(b.params.body["1"], "{vorname}", "the greeting from last time");
    assert_eq!(b.params.body["2"], offer);
    assert_eq!(
        b.audience,
        crate::domain::broadcast::Audience::Tags(vec!["Geflügel".into()]),
        "the audience from last time"
    );
    assert_eq!(b.state, crate::domain::sending::BroadcastState::Sending);
    assert!(b.count(crate::domain::sending::state::RowState::Queued) > 0);
    assert!(screen(&app.state).contains(&format!("Nr. {}", b.id)), "{}", screen(&app.state));
}

#[tokio::test]
async fn first_start_needs_only_the_shop_then_settings_connect_test_and_sync_templates() {
    let sandbox = crate::sandbox::start(crate::sandbox::SandboxConfig {
        token: Some(crate::config::Secret::new("EAAG-richtig")),
        ..crate::sandbox::SandboxConfig::for_tests(11)
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut launch = launch(Config::default(), Lang::De, false);
    launch.paths.config_file = dir.path().join("config").join("config.toml");
    launch.paths.secrets_file = dir.path().join("config").join("secrets.toml");
    let mut app = App::start(&launch, empty_store()).await;
    app.state.welcome = Some(crate::tui::screens::welcome::Welcome::new());
    assert!(screen(&app.state).contains("Demo ansehen"));
    // Step 1: the shop only — no Meta account needed.
    app.key(ch('s')).await;
    app.keys("Hofladen Test").await;
    app.key(key(KeyCode::Tab)).await;
    app.keys("Feldweg 2, 12345 Testdorf").await;
    app.key(key(KeyCode::Tab)).await;
    app.keys("0171 5550100").await;
    app.key(ctrl('s')).await;
    let text = screen(&app.state);
    assert!(text.contains("Dein Hof ist eingerichtet"), "{text}");
    let written = std::fs::read_to_string(&launch.paths.config_file).unwrap();
    let parsed = Config::parse(&written, &launch.paths.config_file).unwrap();
    assert_eq!(parsed.shop.name, "Hofladen Test");
    assert_eq!(parsed.shop.own_number, "0171 5550100");
    assert!(!written.contains("[whatsapp]"), "only the entered keys are written: {written}");
    assert!(!launch.paths.secrets_file.exists());
    app.key(key(KeyCode::Enter)).await;
    assert!(app.state.quit);
    assert_eq!(app.state.next, crate::tui::app::Next::Restart);

    // The app again, with the new configuration: not connected; the settings connect to the sandbox.
    launch.config = parsed;
    let mut app = App::start(&launch, empty_store()).await;
    assert!(screen(&app.state).contains("WhatsApp noch nicht verbunden"), "{}", screen(&app.state));
    app.key(ch('5')).await;
    assert!(screen(&app.state).contains("Zugangsschlüssel"), "{}", screen(&app.state));
    // The test before anything is entered says what is missing.
    app.key(ch('t')).await;
    let status = app.state.status.clone().unwrap();
    assert!(status.text.contains("Telefonnummer-ID, WABA-ID und Zugangsschlüssel"), "{}", status.text);
    app.key(ch('x')).await; // acknowledges the error
    app.key(ch('w')).await;
    for (text, tab) in [("106540352242922", true), ("102290129340398", true), ("+49 5021 900100", true)] {
        app.keys(text).await;
        if tab {
            app.key(key(KeyCode::Tab)).await;
        }
    }
    app.key(key(KeyCode::Tab)).await; // app id stays empty
    app.keys("EAAG-falsch").await;
    for _ in 0..3 {
        app.key(key(KeyCode::Tab)).await;
    }
    for _ in 0.."https://graph.facebook.com".len() {
        app.key(key(KeyCode::Backspace)).await;
    }
    app.keys(&sandbox.url()).await;
    assert!(!screen(&app.state).contains("EAAG"), "the token is masked");
    app.key(ctrl('s')).await;
    assert!(app.state.quit, "saving starts the app again");
    assert_eq!(app.state.next, crate::tui::app::Next::Reload);
    let secrets = Secrets::load(&launch.paths.secrets_file, &|_| None).unwrap();
    assert_eq!(secrets.whatsapp_token.unwrap().expose(), "EAAG-falsch");
    let written = std::fs::read_to_string(&launch.paths.config_file).unwrap();
    assert!(!written.contains("EAAG"), "{written}");
    launch.config = Config::parse(&written, &launch.paths.config_file).unwrap();
    assert_eq!(launch.config.whatsapp.base_url, sandbox.url());

    // A wrong token: the test says so, without the token.
    let mut app = App::start(&launch, empty_store()).await;
    app.state.tab = crate::tui::Screen::Settings;
    app.key(ch('5')).await;
    app.key(ch('t')).await;
    let status = app.state.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.starts_with("Die Verbindung klappt nicht"), "{}", status.text);
    assert!(!status.text.contains("EAAG"), "no token in the error: {}", status.text);
    app.key(ch('x')).await;
    // The right token; the empty fields keep what is stored.
    app.key(ch('w')).await;
    assert!(screen(&app.state).contains("gespeichert"), "{}", screen(&app.state));
    for _ in 0..4 {
        app.key(key(KeyCode::Tab)).await;
    }
    app.keys("EAAG-richtig").await;
    app.key(ctrl('s')).await;
    assert_eq!(app.state.next, crate::tui::app::Next::Reload);
    let mut app = App::start(&launch, empty_store()).await;
    app.key(ch('5')).await;
    app.key(ch('t')).await;
    let text = screen(&app.state);
    assert!(text.contains("Verbindung steht"), "{text}");
    assert!(text.contains("8 Vorlagen abgeglichen, 6 davon genehmigt."), "{text}");
    assert!(text.contains("+49 5021 900100"), "{text}");
    assert_eq!(app.db.call(|s| s.templates()).await.unwrap().len(), 8);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r_syncs_the_templates_and_t_sends_a_test_to_my_own_number_through_the_api() {
    use crate::whatsapp::{Client, Timeouts};
    let sandbox = crate::sandbox::start(crate::sandbox::SandboxConfig {
        token: Some(crate::config::Secret::new("tok")),
        ..crate::sandbox::SandboxConfig::for_tests(12)
    })
    .await
    .unwrap();
    let mut config = shop_config();
    config.whatsapp.base_url = sandbox.url();
    let client = Client::with_token(
        &config.whatsapp,
        crate::config::Secret::new("tok"),
        Timeouts::from_config(&config.whatsapp),
    )
    .unwrap();
    let launch = launch(config, Lang::De, false);
    let services =
        crate::tui::perform::Services { client: Some(std::sync::Arc::new(client)), worker: None, roles: None };
    let mut app = App::start_with(&launch, demo_store(), services).await;
    app.key(ch('3')).await;
    assert!(screen(&app.state).contains("Noch keine Vorlagen"), "{}", screen(&app.state));
    app.key(ch('r')).await;
    let status = app.state.status.clone().unwrap();
    assert_eq!(status.text, "Vorlagen abgeglichen: 8 Vorlagen (8 neu, 0 geändert, 0 entfernt).");
    assert!(screen(&app.state).contains("wochenangebot"), "{}", screen(&app.state));
    let pos = app.state.composer.templates.iter().position(|t| t.name == "wochenangebot").unwrap();
    app.state.composer.nav.selected = pos;
    app.key(key(KeyCode::Enter)).await;
    app.keys("{vorname}").await;
    app.key(key(KeyCode::Tab)).await;
    app.keys("Testangebot").await;
    app.key(key(KeyCode::Enter)).await;
    app.key(ch('t')).await;
    let status = app.state.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Success, "{status:?}");
    assert!(status.text.starts_with("Testnachricht an 0171 5550100 gesendet"), "{}", status.text);
    let ledger = sandbox.ledger();
    assert_eq!(ledger.len(), 1, "one test message, nothing queued");
    assert_eq!(ledger[0].to, "+491715550100");
    assert_eq!(ledger[0].template.as_deref(), Some("wochenangebot"));
    assert_eq!(app.db.call(|s| s.list_broadcasts(10)).await.unwrap().len(), 0, "a test is not a broadcast");
    sandbox.shutdown().await;
}
