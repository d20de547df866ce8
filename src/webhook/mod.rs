//! The webhook receiver: Meta's verification handshake, signature check, durable storage of the raw body and the
//! people it concerns before the 200 (concurrent deliveries share one transaction), then applying the events
//! (`apply`). A body that fails to apply is retried automatically with backoff (`retry_loop`, started with the
//! receiver) until it applies; one our parser cannot read is kept and raises an alert. Must not send messages
//! itself: replies are queued.

pub mod account;
pub mod apply;
mod conns;
pub mod replies;
pub mod server;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration as StdDuration;
use tokio::sync::Notify;

pub use apply::{Applied, ApplyContext};

/// How the farmer reads an alert of a stored webhook body: what happened and what to do, or `None` for kinds that
/// are not about webhooks. Used by `hofbote queue list` and the terminal app, so both say the same. These alerts
/// stop no sending: a failing body is retried by itself, an unreadable one pauses only marketing (both end with their
/// body), held sign-ups wait for the farmer, who resolves that alert like a stop from Meta. Account events from Meta
/// (`webhook::account`) are said there; their texts say whether they stop sending.
pub fn alert_words(kind: &str, detail: &str, lang: crate::i18n::Lang) -> Option<(String, String)> {
    use crate::i18n::Tr;
    let (what, todo) = match kind {
        crate::store::webhooks::ALERT_FAILING => (
            Tr::new(
                "Eine Nachricht von WhatsApp ließ sich noch nicht verarbeiten ({0}); hofbote versucht es weiter.",
                "A message from WhatsApp could not be processed yet ({0}); hofbote keeps trying.",
            ),
            Tr::new(
                "Nichts, solange es weiter versucht wird. Bleibt es, zeigt »hofbote db check« den Grund.",
                "Nothing while it keeps trying. If it stays, `hofbote db check` shows the reason.",
            ),
        ),
        crate::store::webhooks::ALERT_UNREADABLE => (
            Tr::new(
                "Eine Nachricht von WhatsApp ist unlesbar ({0}); Werbung ist pausiert, Termine gehen weiter.",
                "A message from WhatsApp cannot be read ({0}); marketing is paused, service messages go on.",
            ),
            Tr::new(
                "Prüfe sie mit »hofbote db check«, dann »hofbote db dismiss-webhook NR«.",
                "Check it with `hofbote db check`, then `hofbote db dismiss-webhook NO`.",
            ),
        ),
        crate::store::webhooks::ALERT_SIGNUPS_HELD => (
            Tr::new(
                "Ungewöhnlich viele Anmeldungen auf einmal ({0}); sie sind nicht angelegt und nicht beantwortet.",
                "Unusually many sign-ups at once ({0}); they were not added and not answered.",
            ),
            Tr::new(
                "Sieh sie unter »Antworten« durch und lege echte Kunden selbst an; dann Warnung erledigt (Taste w in der Warteschlange, »hofbote queue resolve-alerts«). Die Grenze: [webhook] signups_per_hour.",
                "Look through them under Replies and add real customers yourself; then alert resolved (key w in the send queue, `hofbote queue resolve-alerts`). The limit: [webhook] signups_per_hour.",
            ),
        ),
        _ => return account::words(kind, detail, lang),
    };
    let detail = crate::domain::customer::display_safe(detail);
    Some((what.fill(lang, &[&detail]), todo.get(lang).to_owned()))
}
pub use server::{Limits, Receiver, ReceiverConfig};

use crate::store::{Db, Result, Store, StoreError};
use crate::whatsapp::payload;

/// Wakes the [`retry_loop`] of a database file when an application failed in this process (also when recording the
/// failure itself failed, e.g. on a full disk, so nothing was written that the loop could find). One signal per file,
/// so receivers of different databases in one process (tests) never take each other's wake-ups.
fn failure_signal(path: &Path) -> Arc<Notify> {
    static SIGNALS: OnceLock<Mutex<HashMap<PathBuf, Arc<Notify>>>> = OnceLock::new();
    let mut map = SIGNALS.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner);
    map.entry(path.to_owned()).or_default().clone()
}

/// Applies every stored body that is due (new, or failed and due for a retry), oldest first, up to [`APPLY_BATCH`]
/// bodies per transaction, each in its own savepoint. A body that fails is scheduled for another attempt; one that cannot be parsed is kept for review
/// with an alert; the others go on. Keeps the webhook alerts in step.
pub fn apply_pending(store: &mut Store, ctx: &ApplyContext) -> Result<Applied> {
    apply_pending_yielding(store, ctx, &|| false).map(|(applied, _)| applied)
}

/// [`apply_pending`] that steps aside: once `yield_now` says that someone waits for the database thread (the
/// receiver's writer with bodies whose 200 waits for their commit), the transaction ends after the body at hand (at
/// least one body is applied per call) and the answer says that more are due (`true`); the caller calls again.
pub fn apply_pending_yielding(
    store: &mut Store,
    ctx: &ApplyContext,
    yield_now: &dyn Fn() -> bool,
) -> Result<(Applied, bool)> {
    let result = apply_due(store, ctx, yield_now);
    match &result {
        Ok((_, failures, _)) if *failures == 0 => {}
        _ => failure_signal(store.path()).notify_one(),
    }
    result.map(|(applied, _, more)| (applied, more))
}

fn apply_due(store: &mut Store, ctx: &ApplyContext, yield_now: &dyn Fn() -> bool) -> Result<(Applied, usize, bool)> {
    let mut total = Applied::default();
    let mut failures = 0;
    let mut more = false;
    let clock = store.clock().clone();
    while !more {
        let batch = store.unapplied_webhooks(APPLY_BATCH)?;
        if batch.is_empty() {
            break;
        }
        // Group commit: the whole batch in ONE transaction (one WAL commit, one fsync, each shared page written once)
        // instead of one per body, which made applying the statuses of a broadcast most of serve's disk writes
        // (issue 15). Each body runs in its own savepoint, so one that fails is rolled back alone and recorded for a
        // retry in the same commit while the others apply. Immediate: the write lock is taken (or waited for) at
        // BEGIN; a deferred transaction that reads first fails at once with "database is locked" when another
        // connection (the terminal app's worker, a second process) committed in between.
        let tx = store.conn_mut().transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut done_here = Applied::default();
        let mut failed_here = 0;
        let mut carried = 0;
        let began = std::time::Instant::now();
        for hook in batch {
            if carried > 0 && began.elapsed() >= YIELD_AFTER && yield_now() {
                more = true;
                break;
            }
            carried += 1;
            let now = clock.now();
            let events = match payload::parse(&hook.body) {
                Ok(events) => events,
                Err(e) => {
                    tracing::error!(id = hook.id, error = %e, "webhook body cannot be read; kept, marketing paused");
                    crate::store::webhooks::mark_unreadable_tx(&tx, hook.id, &e.to_string())?;
                    continue;
                }
            };
            tx.execute_batch("SAVEPOINT apply_body")?;
            let result = (|| -> Result<Applied> {
                let done = apply::apply_events(&tx, &events, ctx, now)?;
                crate::store::webhooks::mark_applied_tx(&tx, hook.id, now)?;
                Ok(done)
            })();
            match result {
                Ok(done) => {
                    tx.execute_batch("RELEASE apply_body")?;
                    done_here.add(done);
                }
                Err(error) => {
                    // Some errors (a full disk, I/O) make SQLite roll back the whole transaction: then nothing of
                    // this batch is written and the caller retries it all.
                    if tx.is_autocommit() {
                        return Err(error);
                    }
                    tx.execute_batch("ROLLBACK TO apply_body; RELEASE apply_body")?;
                    failed_here += 1;
                    tracing::warn!(id = hook.id, %error, "webhook body could not be applied; tried again later");
                    crate::store::webhooks::mark_failed_tx(&tx, hook.id, &error.to_string(), now)?;
                }
            }
        }
        tx.commit()?;
        crate::store::stats::commit(crate::store::stats::Kind::WebhookApply, carried);
        total.add(done_here);
        failures += failed_here;
    }
    store.sync_webhook_alerts()?;
    Ok((total, failures, more))
}

/// Bodies applied per transaction. A broadcast's statuses arrive ~3 per message; 100 bodies share one commit.
const APPLY_BATCH: usize = 100;

/// How long an application runs before it steps aside for a waiting store ([`apply_pending_yielding`]): short
/// ones finish (each early end costs a commit of its own), long ones do not hold a 200 for more than this.
const YIELD_AFTER: StdDuration = StdDuration::from_millis(5);

/// How long an application that stepped aside waits before it goes on: the stores meanwhile gather more bodies for
/// its next transaction (at full speed, going on at once split 3,000 bodies into 104 apply commits instead of 36).
pub const RESUME_AFTER: StdDuration = StdDuration::from_millis(50);

/// Retries failed bodies when they are due, without any command: runs as long as the receiver's database thread.
/// Sleeps until the earliest due retry (by the store's clock), an application failing in this process, or a commit
/// by another process (`hofbote db retry-webhooks` applies in its own process and gives a body that fails again a new
/// due time that only the database tells); with nothing due there is no timer at all. Nothing needs a periodic
/// look: the alerts of stored bodies are raised and resolved by each pass that changes a body, and no other writer
/// resolves them (see [`Store::resolve_alerts`]). When the store itself fails (a full disk), it backs off in memory
/// (1 s, then every 2 s).
///
/// Like the receiver's applier it steps aside when `yield_now` says that a store waits (then it goes on at once).
pub async fn retry_loop(
    db: Db,
    ctx: ApplyContext,
    applied: Arc<Notify>,
    yield_now: Arc<dyn Fn() -> bool + Send + Sync>,
) {
    let failed = failure_signal(db.path());
    let mut changes = crate::store::watch::DbWatch::start(db.path(), crate::store::watch::FALLBACK_POLL);
    let mut store_failures: u32 = 0;
    loop {
        let (ctx2, yield_now2) = (ctx.clone(), yield_now.clone());
        let pass = db
            .call(move |s| {
                // Not `apply_pending`: our own failures are scheduled by this loop and must not wake it at once.
                let (done, _, more) = apply_due(s, &ctx2, &*yield_now2)?;
                let next = s.next_webhook_retry()?;
                Ok((done, next, s.now(), more))
            })
            .await;
        let wait = match pass {
            Ok((done, next, now, more)) => {
                store_failures = 0;
                if done != Applied::default() {
                    applied.notify_waiters();
                }
                if more {
                    Some(RESUME_AFTER)
                } else {
                    next.map(|t| (t - now).to_std().unwrap_or(StdDuration::ZERO).max(StdDuration::from_millis(20)))
                }
            }
            Err(StoreError::Closed) => return,
            Err(e) => {
                store_failures = store_failures.saturating_add(1);
                // Nothing was written (a full disk refuses even the note of the failure): try again every 2 s at most,
                // each try costs one refused write, so space that comes back is used within seconds.
                let delay = crate::store::webhooks::retry_delay(store_failures.min(2));
                let wait = delay.to_std().unwrap_or(StdDuration::from_secs(2));
                tracing::warn!(error = %e, retry_in = ?wait, "applying webhooks failed; trying again");
                Some(wait)
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait.unwrap_or(StdDuration::ZERO)), if wait.is_some() => {}
            () = failed.notified() => {
                // Give the failed body its backoff: the next pass computes when it is due.
            }
            () = changes.changed() => {}
        }
    }
}

/// Records `confirmation_expired` for double opt-ins older than 24 h (run periodically by the service).
pub fn expire_confirmations(store: &mut Store) -> Result<usize> {
    let now = store.now();
    let tx = store.conn_mut().transaction()?;
    let n = apply::expire_confirmations_tx(&tx, now)?;
    tx.commit()?;
    crate::store::stats::commit(crate::store::stats::Kind::Housekeeping, n);
    Ok(n)
}
