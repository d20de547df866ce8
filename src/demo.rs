//! The demo: its own database (`demo.sqlite` in the data directory, never the real one) filled with about 40
//! realistic German customers with mixed consent and a ledger history, opened in the terminal app with everything
//! in-process on loopback: the sandbox (fake Cloud API with the demo templates), a webhook receiver for its status
//! webhooks (one random app secret for both), the send worker, and a few simulated customers who write (a question,
//! and a STOP while the first broadcast of the session goes out). Deterministic data (fixed seed), so screenshots
//! and tests are stable. Without a terminal (a pipe, a script) it prints the demo's customer list instead.
//! Must never touch the user's real database, secrets or a configured real API: the client's base URL and token are
//! forced to the sandbox's.

use std::path::PathBuf;

use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use std::sync::Arc;

use crate::cli::{CliError, Context};
use crate::config::{Config, Paths, Secret, WhatsApp};
use crate::domain::consent::{EventKind, NewConsentEvent, Purpose, Source};
use crate::domain::customer::CustomerDraft;
use crate::domain::phone::{Phone, Region};
use crate::sandbox::SandboxConfig;
use crate::store::Db;
use crate::store::Store;
use crate::tui::TuiError;
use crate::webhook::{ApplyContext, Receiver, ReceiverConfig};
use crate::whatsapp::{Client, Timeouts};

/// The seed of the demo data.
pub const SEED: u64 = 2026;

/// The demo shop.
pub fn demo_config(base: &Config) -> Config {
    let mut c = base.clone();
    c.shop.name = "Hofladen Sonnenwiese".into();
    c.shop.address = "Wiesenweg 3, 31675 Bückeburg".into();
    c.shop.contact = "hofladen@sonnenwiese.example".into();
    c.shop.own_number = "0171 5550100".into();
    c.whatsapp.display_phone_number = "+49 5722 555010".into();
    c.whatsapp.phone_number_id = "100000000000001".into();
    c.whatsapp.waba_id = "200000000000001".into();
    c
}

/// Where the demo database lives: beside the real one, under its own name.
pub fn demo_db_path(ctx: &Context) -> PathBuf {
    ctx.paths.data_dir.join("demo.sqlite")
}

const PEOPLE: &[(&str, &str, &[&str])] = &[
    ("Jörg", "Müller", &["Rind", "Schwein"]),
    ("Anna", "Weiß", &["Eier"]),
    ("Ömer", "Yılmaz", &["Geflügel"]),
    ("Käthe", "Schröder", &["Eier", "Geflügel"]),
    ("Hans-Peter", "Großmann", &["Rind"]),
    ("Sabine", "Köhler", &["Schwein"]),
    ("Lukas", "Bäcker", &["Rind", "Eier"]),
    ("Marie", "Lüdtke", &[]),
    ("Friedrich", "Hoffmann", &["Schwein"]),
    ("Elif", "Demir", &["Eier"]),
    ("", "Familie Brandt", &["Rind", "Schwein"]),
    ("Günter", "Wöhler", &["Rind"]),
    ("Ursula", "Fuß", &["Eier"]),
    ("Jan", "Krüger", &["Geflügel"]),
    ("Lena", "Schäfer", &["Rind", "Geflügel"]),
    ("Tobias", "Neumann", &[]),
    ("Heike", "Dürr", &["Schwein", "Eier"]),
    ("Björn", "Åberg", &["Rind"]),
    ("Zoë", "Martin", &["Eier"]),
    ("Renate", "Vogel", &["Geflügel"]),
    ("", "Gasthof Zur Linde", &["Rind", "Schwein", "Geflügel"]),
    ("Stefan", "Bauer", &["Schwein"]),
    ("Monika", "Wagner", &["Eier"]),
    ("Paul", "Zimmermann", &["Rind"]),
    ("Greta", "Hübner", &[]),
    ("Karl", "Lorenz", &["Schwein"]),
    ("Ingrid", "Böhm", &["Eier", "Geflügel"]),
    ("Mehmet", "Kaya", &["Rind"]),
    ("Nina", "Jäger", &["Eier"]),
    ("Werner", "Schulze", &["Rind", "Schwein"]),
    ("Frieda", "Kühn", &["Geflügel"]),
    ("Dirk", "Möller", &["Schwein"]),
    ("Agnieszka", "Nowak", &["Eier"]),
    ("Uwe", "Fröhlich", &["Rind"]),
    ("", "Kita Pusteblume", &["Eier"]),
    ("Helga", "Sommer", &["Geflügel", "Eier"]),
    ("Matthias", "Wolf", &["Rind"]),
    ("Svenja", "Peters", &[]),
    ("Bernd", "Thießen", &["Schwein"]),
    ("Luise", "Engel", &["Eier"]),
];

/// Fills an empty store with the demo customers and their ledger; returns how many customers were added.
pub fn seed(store: &mut Store, config: &Config) -> Result<usize, CliError> {
    store.ensure_default_wordings(&config.shop.name, &config.shop.address)?;
    let mut rng = StdRng::seed_from_u64(SEED);
    let now = store.now();
    let mut added = 0;
    for (i, (first, last, tags)) in PEOPLE.iter().enumerate() {
        let name = if first.is_empty() { (*last).to_owned() } else { format!("{first} {last}") };
        let prefix = ["0151", "0160", "0171", "0172", "0175", "0176"][i % 6];
        let digits = if prefix == "0151" || prefix == "0176" { 8 } else { 7 };
        let number: String = (0..digits).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect();
        let Ok(phone) = Phone::parse(&format!("{prefix} {number}"), Region::DE) else { continue };
        let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
        let note = match i {
            0 => "Bestellt immer ½ Schwein im Herbst",
            4 => "Abholung nur samstags",
            20 => "Ansprechpartner: Herr Lindner, Küche",
            _ => "",
        };
        let draft = CustomerDraft::new(&name, first, phone, &tags, note)?;
        let customer = match store.insert_customer(&draft) {
            Ok(c) => c,
            Err(crate::store::StoreError::PhoneTaken(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        added += 1;
        let days_ago = rng.random_range(20..400);
        let signed = now - Duration::days(days_ago) - Duration::minutes(rng.random_range(0..600));
        let form = format!("Formular F-{:04}", 100 + i);
        let event = |purpose, kind, source, evidence: &str, at| NewConsentEvent {
            customer_id: customer.id,
            purpose,
            kind,
            source,
            evidence: evidence.to_owned(),
            wording_version: None,
            recorded_by: "Demo".into(),
            occurred_at: at,
        };
        // A mix: most agreed to dates, about two thirds to offers; some withdrew, some are pending, some have none.
        let profile = i % 10;
        if profile != 9 {
            store.record_consent(&event(Purpose::Service, EventKind::Granted, Source::ShopForm, &form, signed))?;
        }
        match profile {
            0..=5 => {
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::Granted,
                    Source::ShopForm,
                    &form,
                    signed,
                ))?;
            }
            6 => {
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::Granted,
                    Source::ShopForm,
                    &form,
                    signed,
                ))?;
                let stop = signed + Duration::days(rng.random_range(5..15));
                let wamid = format!("wamid.DEMO{:06}", 1000 + i);
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::Withdrawn,
                    Source::WhatsappKeyword,
                    &wamid,
                    stop,
                ))?;
            }
            7 => {
                let asked = now - Duration::hours(rng.random_range(1..20));
                let wamid = format!("wamid.DEMO{:06}", 2000 + i);
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::ConfirmationRequested,
                    Source::WhatsappKeyword,
                    &wamid,
                    asked,
                ))?;
            }
            8 => {
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::Granted,
                    Source::ShopForm,
                    &form,
                    signed,
                ))?;
                let stop = signed + Duration::days(3);
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::Withdrawn,
                    Source::MetaUserPreferences,
                    "",
                    stop,
                ))?;
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::PlatformResume,
                    Source::MetaUserPreferences,
                    "",
                    stop + Duration::days(4),
                ))?;
            }
            _ => {}
        }
    }
    store.audit("Demo", "demo_seeded", &format!("{added} customers"))?;
    Ok(added)
}

/// Last week's offer, already delivered and read, so "repeat last broadcast" has something to start from. Needs
/// the demo templates in the store.
pub fn seed_history(store: &mut Store, config: &Config) -> Result<i64, crate::store::StoreError> {
    use crate::domain::broadcast::Audience;
    use crate::domain::template::Params;
    let new = crate::store::broadcasts::NewBroadcast {
        template: "wochenangebot".into(),
        language: "de".into(),
        params: Params::positional(&["{vorname}", "Kürbissuppe im Glas und frische Eier von freilaufenden Hühnern"]),
        audience: Audience::All,
        scheduled_at: None,
        created_by: "Demo".into(),
    };
    let (id, _) = store.create_broadcast(&new, &config.shop.salutation_fallback, false)?;
    let week_ago = crate::store::ts(store.now() - Duration::days(7));
    let tx = store.conn_mut().transaction()?;
    tx.execute(
        "UPDATE outbox SET state = CASE WHEN id % 4 = 0 THEN 'delivered' ELSE 'read' END, wamid = 'wamid.DEMO-H' || id,
                attempts = 1, accepted_at = ?2, delivered_at = ?2, updated_at = ?2
         WHERE broadcast_id = ?1 AND state = 'queued'",
        rusqlite::params![id, week_ago],
    )?;
    tx.execute(
        "UPDATE broadcasts SET state = 'done', created_at = ?2, updated_at = ?2 WHERE id = ?1",
        rusqlite::params![id, week_ago],
    )?;
    tx.commit()?;
    Ok(id)
}

/// The demo's own files beside the real ones: database, secrets (erasure key), logs. The configuration file is
/// never written.
pub fn demo_paths(ctx: &Context) -> Paths {
    let dir = &ctx.paths.data_dir;
    Paths {
        config_file: dir.join("demo-config.toml"),
        secrets_file: dir.join("demo-secrets.toml"),
        data_dir: dir.clone(),
        db_file: demo_db_path(ctx),
        log_dir: dir.join("demo-logs"),
    }
}

/// The API settings of the demo: whatever the user configured, with the base URL forced to the sandbox.
pub fn demo_whatsapp(user: &WhatsApp, sandbox_url: &str) -> WhatsApp {
    let mut w = user.clone();
    w.base_url = sandbox_url.to_owned();
    w.phone_number_id = "100000000000001".into();
    w.waba_id = "200000000000001".into();
    w
}

/// A random hex secret (app secret and token of the demo; never the real ones).
fn random_secret() -> Secret {
    let mut bytes = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    Secret::new(hex::encode(bytes))
}

/// `hofbote demo [--reset]`: the terminal app on the demo database, with the sandbox instead of WhatsApp.
pub fn run(ctx: &Context, reset: bool) -> Result<(), CliError> {
    let path = demo_db_path(ctx);
    if reset {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            match std::fs::remove_file(PathBuf::from(&p)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(CliError::Io { path: path.display().to_string(), message: e.to_string() }),
            }
        }
    }
    let mut config = demo_config(&ctx.config);
    // The demo shows sending at any hour.
    config.queue.quiet_hours = String::new();
    let mut store = Store::open(&path, ctx.clock.clone())?;
    let fresh = store.customer_count()? == 0;
    if fresh {
        seed(&mut store, &config)?;
    }
    if !interactive() {
        // Not a terminal (a pipe, a script): show what the demo holds instead of the app.
        return print_list(ctx, &store, &path, &config);
    }
    let paths = demo_paths(ctx);
    let _log = crate::logging::init(&paths.log_dir, false);
    let mut launch = crate::tui::Launch::from_context(ctx, true);
    launch.paths = paths;
    launch.config = config;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(run_demo(&launch, store, fresh)).map_err(|e| e.into_cli(ctx.lang))
}

fn interactive() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// The demo's customer list as text, with a hint that the app needs a terminal.
fn print_list(ctx: &Context, store: &Store, path: &std::path::Path, config: &Config) -> Result<(), CliError> {
    use crate::i18n::Tr;
    let demo_ctx =
        Context { paths: ctx.paths.clone(), config: config.clone(), lang: ctx.lang, clock: ctx.clock.clone() };
    let rows = store.list_customers(&Default::default())?;
    println!("{}", Tr::new("DEMO — es wird nichts wirklich verschickt", "DEMO — nothing is really sent").get(ctx.lang));
    println!("{}: {}", Tr::new("Demo-Datenbank", "Demo database").get(ctx.lang), path.display());
    println!(
        "{}\n",
        Tr::new(
            "Die Oberfläche braucht ein Terminal: Starte »hofbote demo« direkt in einem Terminal (über SSH mit -t).",
            "The app needs a terminal: start `hofbote demo` directly in a terminal (over SSH with -t).",
        )
        .get(ctx.lang)
    );
    let ascii = ctx.config.ui.ascii || crate::cli::ascii_terminal();
    print!("{}", crate::cli::render_customer_table(&rows, &demo_ctx, ascii));
    Ok(())
}

async fn run_demo(launch: &crate::tui::Launch, store: Store, fresh: bool) -> Result<(), TuiError> {
    let demo_err = |e: &dyn crate::i18n::Localized| TuiError::Demo(e.localized(launch.lang));
    let config = &launch.config;
    let app_secret = random_secret();
    let token = random_secret();
    // The receiver's address first: the sandbox sends its webhooks there.
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let hook_url = format!("http://{}/webhook", listener.local_addr()?);
    let sandbox = crate::sandbox::start(SandboxConfig {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        webhook_url: Some(hook_url),
        app_secret: Some(app_secret.clone()),
        token: Some(token.clone()),
        templates: crate::sandbox::demo_templates(),
        clock: launch.clock.clone(),
        ..SandboxConfig::from_settings(&config.sandbox)
    })
    .await
    .map_err(|e| demo_err(&e))?;
    let whatsapp = demo_whatsapp(&config.whatsapp, &sandbox.url());
    let client = Client::with_token(&whatsapp, token, Timeouts::from_config(&whatsapp)).map_err(|e| demo_err(&e))?;
    let client = Arc::new(client);
    let (bg_db, _bg_thread) = Db::spawn(Store::open(&launch.paths.db_file, launch.clock.clone())?);
    crate::whatsapp::sync_templates(&client, &bg_db).await.map_err(|e| demo_err(&e))?;
    if fresh {
        let config = config.clone();
        bg_db.call(move |s| seed_history(s, &config)).await?;
    }
    let receiver = Receiver::start(
        bg_db.clone(),
        ReceiverConfig {
            app_secret: Some(app_secret),
            verify_token: None,
            apply: ApplyContext { shop_name: config.shop.name.clone(), region: config.shop.region() },
        },
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut stop_http = stop_rx.clone();
    let http = tokio::spawn(receiver.serve(listener, async move {
        let _ = stop_http.wait_for(|s| *s).await;
    }));
    let first_new = bg_db.call(|s| Ok(s.list_broadcasts(1)?.first().map(|b| b.id).unwrap_or(0) + 1)).await?;
    let customers = tokio::spawn(simulate(bg_db.clone(), sandbox.url(), fresh, first_new, stop_rx));
    // The worker shares the receiver's connection, as in `hofbote serve`.
    let secrets = crate::config::Secrets::default();
    let (sender, services, background) = crate::tui::background::start_worker(
        &launch.paths.db_file,
        bg_db.clone(),
        client,
        launch.clock.clone(),
        config,
        &secrets,
    )?;
    let (db, _thread) = Db::spawn(store);
    let result = crate::tui::run_app(launch, db, services, sender, false).await;
    let _ = stop_tx.send(true);
    if let Some(b) = background {
        b.stop().await;
    }
    let _ = customers.await;
    let ledger = sandbox.ledger();
    tracing::info!(accepted = ledger.len(), "demo ends; the sandbox accepted these messages");
    for e in &ledger {
        tracing::info!(to = %e.to, wamid = %e.wamid, kind = %e.kind, template = ?e.template, "sandbox ledger");
    }
    sandbox.shutdown().await;
    let _ = http.await;
    result.map(|_| ())
}

/// The demo's customers: on a fresh demo one asks a question; when the first broadcast of this session starts
/// going out, a customer who agreed to offers answers STOP.
async fn simulate(db: Db, url: String, fresh: bool, first_new: i64, mut stop: tokio::sync::watch::Receiver<bool>) {
    let phone_of = |name: &'static str| {
        let db = db.clone();
        async move {
            db.call(move |s| Ok(s.list_customers(&Default::default())?.into_iter().find(|r| r.customer.name == name)))
                .await
                .ok()
                .flatten()
                .map(|r| r.customer.phone.as_e164().to_owned())
        }
    };
    if fresh && let Some(phone) = phone_of("Jörg Müller").await {
        say(&url, &phone, "Gibt es nächste Woche wieder Bratwürste?").await;
    }
    loop {
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let started = db
            .call(move |s| {
                for b in s.list_broadcasts(5)? {
                    if b.id < first_new || b.state == "draft" {
                        continue;
                    }
                    let rows = s.broadcast_rows(b.id)?;
                    let sending = rows.iter().any(|r| !matches!(r.state.as_str(), "queued" | "skipped"));
                    // The last recipient in the queue stops: the STOP may come before or after their message.
                    let last = rows.iter().filter(|r| r.state != "skipped").max_by_key(|r| r.id).cloned();
                    if sending && let Some(r) = last {
                        return Ok(Some(r.phone));
                    }
                }
                Ok(None)
            })
            .await;
        match started {
            Ok(Some(phone)) => {
                tracing::info!("demo: a customer answers STOP while the first broadcast goes out");
                say(&url, &phone, "STOP").await;
                return;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "demo customers could not look at the queue"),
        }
    }
}

async fn say(url: &str, phone: &str, text: &str) {
    if let Err(e) = crate::sandbox::say(url, phone, text).await {
        tracing::warn!(error = %e, "demo customer could not write");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::domain::consent::ConsentState;
    use chrono::TimeZone;
    use std::sync::Arc;

    #[test]
    fn demo_data_is_realistic_and_mixed() {
        let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap());
        let mut store = Store::open_in_memory(Arc::new(clock)).unwrap();
        let n = seed(&mut store, &demo_config(&Config::default())).unwrap();
        assert!(n >= 38, "{n}");
        let rows = store.list_customers(&Default::default()).unwrap();
        let count = |f: &dyn Fn(&crate::domain::customer::CustomerRow) -> bool| rows.iter().filter(|r| f(r)).count();
        assert!(count(&|r| r.consent.marketing == ConsentState::Granted) >= 20);
        assert!(count(&|r| r.consent.marketing == ConsentState::Withdrawn) >= 4);
        assert!(count(&|r| r.consent.marketing == ConsentState::Pending) >= 3);
        assert!(count(&|r| r.consent.service == ConsentState::None) >= 3);
        assert!(count(&|r| r.customer.first_name.is_empty()) >= 3);
        assert!(rows.iter().any(|r| r.customer.name == "Jörg Müller"));
    }

    #[test]
    fn the_demo_never_points_at_a_configured_api() {
        let mut user = Config::default();
        user.whatsapp.base_url = "https://graph.facebook.com".into();
        user.whatsapp.phone_number_id = "999".into();
        let w = demo_whatsapp(&demo_config(&user).whatsapp, "http://127.0.0.1:41234");
        assert_eq!(w.base_url, "http://127.0.0.1:41234");
        assert_ne!(w.phone_number_id, "999");
        let client = Client::with_token(&w, random_secret(), Timeouts::from_config(&w)).unwrap();
        assert_eq!(client.base_url().host_str(), Some("127.0.0.1"));
        assert_ne!(random_secret(), random_secret(), "a new secret each time");
    }
}
