//! `hofbote serve`: the production sender — webhook receiver, send worker and scheduler in one process. Logs to a
//! file and to stderr (for the journal). The receiver always runs; when another hofbote (the terminal app) holds
//! the send lock, the service says so and takes sending over as soon as that one lets go — the app hands over at
//! its next message boundary (`crate::sending`). On SIGTERM/SIGINT it stops claiming, lets in-flight requests finish
//! and releases the send lock. When `HOFBOTE_STATS_FILE` is set, it writes the counts of its write transactions
//! per kind there as it ends ([`crate::store::stats`]). The wiring of store, client, worker and receiver is `crate::sending`, shared with the
//! terminal app and the demo.

use std::net::SocketAddr;
use std::sync::Arc;

use super::{CliError, Context};
use crate::i18n::Tr;
use crate::sending::{Background, Part, Role, Stopped};
use crate::store::Db;
use crate::webhook::{ApplyContext, ReceiverConfig};
use crate::whatsapp::Client;

pub fn run(ctx: &Context, listen: SocketAddr) -> Result<(), CliError> {
    let l = ctx.lang;
    let _log = crate::logging::init(&ctx.paths.log_dir, true);
    // The send lock's file first: a data folder that cannot be written is named with the way out before anything
    // else is checked.
    let lock_file = |e| crate::store::io_err(&crate::queue::lock::lock_path(&ctx.paths.db_file), e);
    crate::queue::lock::Contender::new(&ctx.paths.db_file).map_err(lock_file)?;
    let secrets = ctx.secrets()?;
    let client = Arc::new(Client::new(&ctx.config.whatsapp, &secrets)?);
    let db = crate::sending::open_db(&ctx.paths.db_file, ctx.clock.clone(), Some(&secrets))?;
    let receiver_config = ReceiverConfig {
        app_secret: secrets.app_secret.clone(),
        verify_token: secrets.verify_token.clone(),
        apply: ApplyContext::from_config(&ctx.config),
    };
    let clock = ctx.clock.clone();
    let ended = super::runtime()?.block_on(async move {
        // Before anything that takes time: a SIGTERM during the start ends the service cleanly, not by default.
        let mut signals = Signals::install();
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let bound = listener.local_addr()?;
        tracing::info!(%bound, "hofbote serve: webhook receiver and sender running");
        eprintln!(
            "{}",
            Tr::new(
                "hofbote-Dienst läuft: Webhook unter http://{0}/webhook",
                "hofbote service running: webhook at http://{0}/webhook"
            )
            .fill(l, &[&bound])
        );
        // A shop set up only in the app has no consent wording yet (the first consent or import makes them): without
        // one, an ANMELDEN by WhatsApp would get no double opt-in question. Made here, before the first webhook.
        // Read first (no write lock when they exist), and best effort: another process holding the database must
        // not stop the service.
        let shop = (ctx.config.shop.name.clone(), ctx.config.shop.address.clone());
        if !shop.0.trim().is_empty() {
            let made = db
                .call(move |s| {
                    let have = s.wordings()?;
                    let missing = crate::domain::consent::Purpose::ALL.iter().any(|p| !have.iter().any(|w| w.purpose == *p));
                    if missing {
                        s.ensure_default_wordings(&shop.0, &shop.1)?;
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = made {
                tracing::warn!(error = %e, "consent wordings could not be made at start: ANMELDEN gets no question yet");
            }
        }
        let mut background = Background::new();
        background.serve_webhooks(db.clone(), listener, receiver_config);
        // Meta's limit and throughput before the first claim; read again after account_update webhooks.
        let stopped = tokio::select! {
            () = crate::account_limits::refresh_at_start(&client, &db) => false,
            () = signals.wait() => true,
        };
        if stopped {
            tracing::info!("stopping before sending started");
            return background.stop(None).await.map_err(|e| match e {
                Stopped::Store(e) => CliError::from(e),
                Stopped::Task(m) => CliError::Message(m),
            });
        }
        background.spawn(crate::account_limits::keep_fresh(client.clone(), db.clone(), background.stop_signal()));
        let (_, roles) = background
            .start_sending(Part::Service, &ctx.paths.db_file, db.clone(), client, clock, &ctx.config, &secrets)
            .map_err(lock_file)?;
        background.spawn(say_who_sends(roles, l, background.stop_signal()));
        background.spawn(housekeeping(db.clone(), background.stop_signal(), ctx.config.clone(), ctx.paths.clone()));
        let as_cli = |e: Stopped| match e {
            Stopped::Store(e) => CliError::from(e),
            Stopped::Task(m) => CliError::Message(m),
        };
        tokio::select! {
            () = signals.wait() => {}
            ended = background.worker_ended() => {
                // Never live on half-dead (receiving but not sending): end with an error, so systemd restarts us.
                tracing::error!("the sender ended by itself; hofbote serve stops so that it is restarted");
                let _ = background.stop(None).await;
                return Err(ended.err().map(as_cli).unwrap_or_else(|| {
                    CliError::Message(Tr::new("Der Versand hat aufgehört.", "Sending stopped.").get(l).into())
                }));
            }
        }
        tracing::info!("stopping: no new claims, finishing requests in flight");
        // The send lock is released once the worker has finished.
        background.stop(None).await.map_err(as_cli)
    });
    // For the disk benchmark (`HOFBOTE_STATS_FILE`): the committed write transactions per kind of this run.
    crate::store::stats::write_if_asked();
    ended
}

/// Says in the journal (and on stderr) when the service waits for another sender and when it took over.
async fn say_who_sends(
    mut roles: tokio::sync::watch::Receiver<Role>,
    l: crate::i18n::Lang,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut waited = false;
    loop {
        let role = *roles.borrow_and_update();
        match role {
            Role::Waiting | Role::HandedOver if !waited => {
                waited = true;
                tracing::info!("another hofbote holds the send lock; receiving webhooks and waiting to take over");
                eprintln!(
                    "{}",
                    Tr::new(
                        "Ein anderer hofbote (das Terminalprogramm) sendet gerade; der Dienst empfängt Webhooks und \
                         übernimmt den Versand, sobald es ihn abgibt.",
                        "Another hofbote (the terminal app) is sending; the service receives webhooks and takes over \
                         sending as soon as it lets go.",
                    )
                    .get(l)
                );
            }
            Role::Sending if waited => {
                waited = false;
                tracing::info!("the send lock is free: the service sends now");
                eprintln!("{}", Tr::new("Der Dienst sendet jetzt.", "The service is sending now.").get(l));
            }
            _ => {}
        }
        tokio::select! {
            changed = roles.changed() => if changed.is_err() { return },
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Periodic duties: expire unconfirmed double opt-ins (every minute) and apply the retention periods (at start,
/// then once a day).
async fn housekeeping(
    db: Db,
    mut stop: tokio::sync::watch::Receiver<bool>,
    config: crate::config::Config,
    paths: crate::config::Paths,
) {
    const DAY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
    let mut last_sweep: Option<std::time::Instant> = None;
    loop {
        match db.call(crate::webhook::expire_confirmations).await {
            Ok(n) if n > 0 => tracing::info!(n, "double opt-ins expired after 24 h without JA"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "expiring confirmations failed"),
        }
        if last_sweep.is_none_or(|t| t.elapsed() >= DAY) {
            last_sweep = Some(std::time::Instant::now());
            let (config, paths) = (config.clone(), paths.clone());
            match db.call(move |s| Ok(crate::privacy::sweep(s, &config, &paths, false))).await {
                Ok(Ok(r)) if !r.is_empty() => tracing::info!(
                    sent = r.messages_sent,
                    received = r.messages_received,
                    webhook_bodies = r.webhook_bodies,
                    signups = r.unconfirmed_signups,
                    ledger_rows = r.pseudonymised_rows,
                    log_files = r.log_files.len(),
                    "retention sweep deleted old data"
                ),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "retention sweep failed"),
                Err(e) => tracing::warn!(error = %e, "retention sweep failed"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// SIGTERM (systemd) and Ctrl+C, listened for from the moment they are installed: a signal that arrives while the
/// service starts is not lost (and does not kill it uncleanly).
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals { term: signal(SignalKind::terminate()).ok() }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    /// Resolves on the next signal; cancel-safe (a signal that came meanwhile is kept for the next call).
    async fn wait(&mut self) {
        #[cfg(unix)]
        {
            let term = async {
                match self.term.as_mut() {
                    Some(t) => {
                        t.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = term => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
