//! `hofbote demo [--reset]`: the terminal app on the demo's own database (`demo.sqlite` in the data directory, never
//! the real one, seeded by `crate::demo`) with everything in-process on loopback: the sandbox (fake Cloud API with
//! the demo templates), a webhook receiver for its status webhooks (one random app secret for both), the send worker
//! (wired by `crate::sending` like `hofbote serve`), and a few simulated customers who write (a question, and a STOP
//! while the first broadcast of the session goes out). Without a terminal (a pipe, a script) it prints the demo's
//! customer list instead. Must never touch the user's real database, secrets or a configured real API: the client's
//! base URL and token are forced to the sandbox's.

use crate::domain::sending::RowState;
use std::path::PathBuf;
use std::sync::Arc;

use super::{CliError, Context};
use crate::config::{Config, Paths, Secret, WhatsApp};
use crate::demo::{demo_config, seed, seed_history};
use crate::i18n::Localized;
use crate::sandbox::SandboxConfig;
use crate::sending::Background;
use crate::store::{Db, Store};
use crate::tui::Launch;
use crate::webhook::{ApplyContext, ReceiverConfig};
use crate::whatsapp::{Client, Timeouts};

/// Where the demo database lives: beside the real one, under its own name.
pub fn demo_db_path(ctx: &Context) -> PathBuf {
    ctx.paths.data_dir.join("demo.sqlite")
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
    let mut launch = super::terminal::launch(ctx, true);
    launch.paths = paths;
    launch.config = config;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(run_demo(&launch, store, fresh))
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
    let ascii = ctx.config.ui.ascii || super::ascii_terminal();
    print!("{}", super::render_customer_table(&rows, &demo_ctx, ascii));
    Ok(())
}

async fn run_demo(launch: &Launch, store: Store, fresh: bool) -> Result<(), CliError> {
    let lang = launch.lang;
    let demo_err = |e: &dyn Localized| CliError::Message(e.localized(lang));
    // As before the move to the command line: a failing socket reads like the terminal app's IO error.
    let io_err = |e: std::io::Error| super::terminal::error(crate::tui::TuiError::Io(e), lang);
    let config = &launch.config;
    let app_secret = random_secret();
    let token = random_secret();
    // The receiver's address first: the sandbox sends its webhooks there.
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await.map_err(io_err)?;
    let hook_url = format!("http://{}/webhook", listener.local_addr().map_err(io_err)?);
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
    let bg_db = crate::sending::open_db(&launch.paths.db_file, launch.clock.clone(), None)?;
    crate::template_sync::sync_templates(&client, &bg_db).await.map_err(|e| demo_err(&e))?;
    if fresh {
        let config = config.clone();
        bg_db.call(move |s| seed_history(s, &config)).await?;
    }
    let mut background = Background::new();
    background.serve_webhooks(
        bg_db.clone(),
        listener,
        ReceiverConfig { app_secret: Some(app_secret), verify_token: None, apply: ApplyContext::from_config(config) },
    );
    let first_new = bg_db.call(|s| Ok(s.list_broadcasts(1)?.first().map(|b| b.id).unwrap_or(0) + 1)).await?;
    background.spawn(simulate(bg_db.clone(), sandbox.url(), fresh, first_new, background.stop_signal()));
    // The worker shares the receiver's connection, as in `hofbote serve`.
    let secrets = crate::config::Secrets::default();
    let (sender, services) = crate::tui::background::start_worker(
        &mut background,
        &launch.paths.db_file,
        bg_db.clone(),
        client,
        launch.clock.clone(),
        config,
        &secrets,
    )
    .map_err(io_err)?;
    let (db, _thread) = Db::spawn(store);
    let result =
        crate::tui::run_app(launch, db, services, sender, crate::tui::Start { connected: true, ..Default::default() })
            .await;
    // The worker finishes what is in flight, the customers stop writing, the receiver ends.
    crate::tui::background::stop(background).await;
    let ledger = sandbox.ledger();
    tracing::info!(accepted = ledger.len(), "demo ends; the sandbox accepted these messages");
    for e in &ledger {
        tracing::info!(to = %e.to, wamid = %e.wamid, kind = %e.kind, template = ?e.template, "sandbox ledger");
    }
    sandbox.shutdown().await;
    result.map(|_| ()).map_err(|e| super::terminal::error(e, lang))
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
                .and_then(|r| r.customer.phone)
                .map(|p| p.as_e164().to_owned())
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
                    if b.id < first_new || b.state == crate::domain::sending::BroadcastState::Draft {
                        continue;
                    }
                    let rows = s.broadcast_rows(b.id)?;
                    let sending = rows.iter().any(|r| !matches!(r.state, RowState::Queued | RowState::Skipped));
                    // The last recipient in the queue stops: the STOP may come before or after their message.
                    let last = rows.iter().filter(|r| r.state != RowState::Skipped).max_by_key(|r| r.id).cloned();
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
