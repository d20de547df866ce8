//! The worker: the only code that sends. It holds the send lock, turns rows left `inflight` by a crash into
//! `unknown`, then loops: claim what is due (consent re-checked in the claim transaction), write each request at its
//! pacing slot, record the results in batches, reconcile unknown rows, and sleep until the next due row or a wake-up.
//!
//! Why `unknown` and not "resend": a request that timed out after it was written, or was in flight when the process
//! died, may have been accepted by Meta. Sending it again at once could duplicate it; never sending it could lose it.
//! Every request carries its row token as `biz_opaque_callback_data`, and Meta (like the sandbox) retries status
//! webhooks for days, so a `sent` status settles the row once the receiver hears it. Only when webhooks are known to
//! work — one arrived after the row went out — and none came for this row within `unknown_after_seconds`, the row is
//! sent again; otherwise the farmer decides (send again / mark as sent). A duplicate is still possible when Meta
//! accepted the request but its status webhook is delayed longer than `unknown_after_seconds` while other webhooks
//! arrive; keep that setting well above the receiver's typical delay.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::sync::{Notify, mpsc, watch};

use super::decide::decide;
use super::health::{Health, InjectedFaults, Next, SenderAlert, busy_error};
use crate::clock::SharedClock;
use crate::domain::sending::Decision;
use crate::domain::sending::policy::Pacer;
use crate::domain::template::Template;
use crate::failpoint;
use crate::store::outbox::{Answer, ClaimRules, Claimed, ClaimedMessage, IdleInfo, SendOutcome};
use crate::store::watch::DbWatch;
use crate::store::{Db, StoreError};
use crate::whatsapp::{ApiError, Client, ErrorClass, TemplateMessage};

/// How the worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Messages per second; 0 = no limit (benchmarks).
    pub rate: u32,
    pub batch: usize,
    pub max_attempts: u32,
    pub unknown_after: Duration,
    pub rules: ClaimRules,
    /// Seed of the retry jitter.
    pub seed: u64,
    /// Concurrent requests at most.
    pub concurrency: usize,
    /// Store faults to inject (the `store_busy` failpoint; none unless armed).
    pub faults: InjectedFaults,
}

/// Handle to a running worker.
#[derive(Debug, Clone, Default)]
pub struct WorkerHandle {
    wake: Arc<Notify>,
}

impl WorkerHandle {
    /// A handle for [`spawn_with`]: one handle across the workers a process starts one after another.
    pub fn new() -> WorkerHandle {
        WorkerHandle { wake: Arc::new(Notify::new()) }
    }

    /// Makes the worker look for due rows now (after queueing a broadcast in this process).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Starts the worker on the current runtime; it runs until `shutdown` turns true, then finishes in-flight requests.
pub fn spawn(
    db: Db,
    client: Arc<Client>,
    clock: SharedClock,
    config: WorkerConfig,
    shutdown: watch::Receiver<bool>,
) -> (WorkerHandle, tokio::task::JoinHandle<Result<(), StoreError>>) {
    let handle = WorkerHandle::new();
    let task = spawn_with(&handle, db, client, clock, config, shutdown);
    (handle, task)
}

/// [`spawn`] woken through an existing `handle` (a process that hands sending over and takes it back later).
pub fn spawn_with(
    handle: &WorkerHandle,
    db: Db,
    client: Arc<Client>,
    clock: SharedClock,
    config: WorkerConfig,
    shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<Result<(), StoreError>> {
    tokio::spawn(run(db, client, clock, config, handle.wake.clone(), shutdown))
}

async fn run(
    db: Db,
    client: Arc<Client>,
    clock: SharedClock,
    config: WorkerConfig,
    wake: Arc<Notify>,
    shutdown: watch::Receiver<bool>,
) -> Result<(), StoreError> {
    let stopping = shutdown.clone();
    match send_loop(db, client, clock, config, wake, shutdown).await {
        // Asked to stop while the database was busy: what is in flight is settled by the next start.
        Err(e) if *stopping.borrow() => {
            tracing::warn!(error = %e, "stopped while the database was not answering");
            Ok(())
        }
        other => other,
    }
}

async fn send_loop(
    db: Db,
    client: Arc<Client>,
    clock: SharedClock,
    config: WorkerConfig,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), StoreError> {
    let mut store = Guarded::new(&db, &clock, &config, &shutdown);
    let recovered = store.call(|s| s.recover_inflight()).await?;
    if recovered > 0 {
        tracing::warn!(
            recovered,
            "rows were in flight when hofbote stopped; they are 'unknown' until a status arrives"
        );
    }
    // Open alerts stay: a stop from Meta (token, account) outlives restarts and handovers until the farmer resolves
    // it (`hofbote queue resolve-alerts`, the key on the queue screen); that commit wakes this worker below.
    let mut templates = load_templates(&mut store).await?;
    // Never faster than the throughput Meta gives the number (last read from the API by `crate::account_limits`).
    let limits = store.call(|s| s.account_limits()).await?;
    let rate = crate::store::account::capped_rate(config.rate, limits.throughput.as_deref());
    if rate != config.rate {
        tracing::info!(configured = config.rate, rate, "send rate lowered to the number's throughput at Meta");
    }
    let mut pacer = Pacer::new(rate);
    let mut rng = StdRng::seed_from_u64(config.seed);
    // Results are recorded by their own task, in batches, so writing them never delays the next claim.
    let (results_tx, results_rx) = mpsc::unbounded_channel::<(Claimed, SendOutcome)>();
    let recorded = Arc::new(Notify::new());
    let recorder =
        tokio::spawn(record_loop(Guarded::new(&db, &clock, &config, &shutdown), results_rx, recorded.clone()));
    let concurrency = config.concurrency.max(1);
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut last_reconcile = clock.now() - Duration::hours(1);
    // Another process (the terminal app, `hofbote send`, an import) may queue rows or resolve an alert: its commit
    // wakes the worker through the database file, so an idle worker needs no timer at all.
    let mut changes = DbWatch::start(db.path(), crate::store::watch::FALLBACK_POLL);
    while !*shutdown.borrow() {
        let now = clock.now();
        if (now - last_reconcile).to_std().is_ok_and(|d| d > RECONCILE_EVERY) {
            last_reconcile = now;
            let after = config.unknown_after;
            let requeued = store.call(move |s| s.reconcile_unknown(after)).await?;
            if requeued > 0 {
                tracing::info!(requeued, "unclear rows sent again: webhooks work and no status came for them");
            }
        }
        // Claim only what can be written right away: free request slots, and what the pacer allows within 50 ms.
        let free = semaphore.available_permits();
        if free == 0 {
            tokio::select! {
                _ = recorded.notified() => {}
                _ = shutdown.changed() => {}
                _ = tokio::time::sleep(StdDuration::from_millis(5)) => {}
            }
            continue;
        }
        let limit = if pacer.unlimited() {
            config.batch
        } else {
            pacer.due_within(now, Duration::milliseconds(50)).clamp(1, config.batch)
        };
        let limit = limit.min(free);
        let rules = config.rules.clone();
        let claimed = store.call(move |s| s.claim_due(limit, &rules)).await?;
        if claimed.is_empty() {
            let info = store.call(|s| s.idle_info()).await?;
            let busy = semaphore.available_permits() < concurrency;
            let wait = idle_wait(&info, clock.now(), busy);
            tokio::select! {
                _ = tokio::time::sleep(wait.unwrap_or(StdDuration::ZERO)), if wait.is_some() => {}
                _ = wake.notified() => {}
                () = changes.changed() => {}
                _ = recorded.notified(), if busy => {}
                _ = shutdown.changed() => {}
            }
            continue;
        }
        failpoint::hit("after_claim_commit");
        for row in claimed {
            let slot = pacer.reserve(clock.now());
            let delay = (slot - clock.now()).to_std().unwrap_or(StdDuration::ZERO);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let message = match &row.message {
                ClaimedMessage::Template { name, language, params } => {
                    let key = (name.clone(), language.clone());
                    if !templates.contains_key(&key) {
                        templates = load_templates(&mut store).await?;
                    }
                    match templates.get(&key) {
                        Some(t) => Outgoing::Template(TemplateMessage::from_template(t, params, None)),
                        None => Outgoing::Missing,
                    }
                }
                ClaimedMessage::Text { body, .. } => Outgoing::Text(body.clone()),
            };
            let permit = semaphore.clone().acquire_owned().await.map_err(|_| StoreError::Closed)?;
            let client = client.clone();
            let tx = results_tx.clone();
            let max_attempts = config.max_attempts;
            let seed = rand::Rng::random::<u64>(&mut rng);
            let clock = clock.clone();
            tokio::spawn(async move {
                let callback = row.token.clone();
                let result = match &message {
                    Outgoing::Template(m) => client.send_template(&row.phone, m, &callback).await,
                    Outgoing::Text(body) => client.send_text(&row.phone, body, &callback).await,
                    Outgoing::Missing => Err(missing_template()),
                };
                failpoint::hit("after_http_response");
                let outcome = match result {
                    Ok(sent) => {
                        let answer = Answer::from_sent(&sent);
                        if answer.held {
                            tracing::warn!(row = row.id, "Meta holds the message for a quality assessment (pacing)");
                        }
                        Ok(answer)
                    }
                    Err(e) => {
                        let mut r = StdRng::seed_from_u64(seed);
                        let d = decide(&e, row.attempts, max_attempts, clock.now(), &mut r);
                        log_failure(&row, &e, &d);
                        Err(d)
                    }
                };
                let _ = tx.send((row, outcome));
                drop(permit);
            });
        }
    }
    // Shutting down: no new claims; wait for the requests in flight, then for their results to be recorded.
    let _all = semaphore.acquire_many(concurrency as u32).await.map_err(|_| StoreError::Closed)?;
    drop(results_tx);
    recorder.await.map_err(|_| StoreError::Closed)?
}

/// How long an idle worker may sleep before it must look again; `None` = until a wake-up (a row queued in this
/// process, a database change, shutdown). Rows due in the future set a timer; unknown rows are reconciled every few
/// seconds while they exist; due rows that could not be claimed (spacing per recipient, pacing) are looked at
/// again shortly — unless an alert stops all sending, which only the farmer's answer (a database change) ends.
pub fn idle_wait(info: &IdleInfo, now: chrono::DateTime<chrono::Utc>, busy: bool) -> Option<StdDuration> {
    let floor = StdDuration::from_millis(if busy { 1 } else { 5 });
    let mut wait = info.next_due.map(|t| (t - now).to_std().unwrap_or(StdDuration::ZERO).max(floor));
    if info.blocked {
        wait = None;
    } else if let Some(w) = wait {
        // A due row that the claim passed over: look again soon, not in a tight loop.
        if w <= floor && !busy {
            wait = Some(StdDuration::from_secs(1));
        }
    }
    if info.unknown {
        wait = Some(wait.map_or(RECONCILE_EVERY, |w| w.min(RECONCILE_EVERY)));
    }
    wait
}

/// How often unknown rows are reconciled while there are any.
const RECONCILE_EVERY: StdDuration = StdDuration::from_secs(5);

/// How long the recorder gathers results before it commits them, and how many at most per commit. At Meta's 80/s,
/// 50 ms meant 180 result commits per 1,000 messages (issue 15); 100 ms about half. It stays well below the
/// receiver's `APPLY_PAUSE` (200 ms), so a row's result is recorded before its statuses are applied and a broadcast
/// is finished when its last status shows.
const RECORD_GATHER: StdDuration = StdDuration::from_millis(100);
const RECORD_BATCH_MAX: usize = 500;

/// Writes send results in batches: everything that finished meanwhile goes into one transaction. A store fault
/// keeps the batch and tries again (see [`Guarded`]); results are never dropped while the worker runs.
async fn record_loop(
    mut store: Guarded,
    mut rx: mpsc::UnboundedReceiver<(Claimed, SendOutcome)>,
    recorded: Arc<Notify>,
) -> Result<(), StoreError> {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        // Gather the results of a burst for a moment, so they share one commit (one fsync) instead of one each: a
        // 1,000-message broadcast took 576 result commits without this (issue 15). A row waits inflight this much
        // longer; after a crash in between it is `unknown` and settled by its status, as before.
        let until = tokio::time::Instant::now() + RECORD_GATHER;
        while batch.len() < RECORD_BATCH_MAX {
            match tokio::time::timeout_at(until, rx.recv()).await {
                Ok(Some(more)) => batch.push(more),
                Ok(None) | Err(_) => break,
            }
        }
        let batch = Arc::new(batch);
        store.call(move |s| s.record_results(&batch)).await?;
        failpoint::hit("after_record_commit");
        recorded.notify_one();
    }
    Ok(())
}

/// The worker's way to the store: a call that fails on a fault waiting can cure (busy, locked, full, a passing I/O
/// error) is tried again with backoff, logged, and raised as an alert once it lasts (see [`health`](super::health));
/// a fault it cannot cure is returned, which ends the worker. Shutdown ends the waiting.
struct Guarded {
    db: Db,
    clock: SharedClock,
    health: Health,
    faults: InjectedFaults,
    shutdown: watch::Receiver<bool>,
}

impl Guarded {
    fn new(db: &Db, clock: &SharedClock, config: &WorkerConfig, shutdown: &watch::Receiver<bool>) -> Guarded {
        Guarded {
            db: db.clone(),
            clock: clock.clone(),
            health: Health::default(),
            faults: config.faults.clone(),
            shutdown: shutdown.clone(),
        }
    }

    async fn call<R, F>(&mut self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: Fn(&mut crate::store::Store) -> Result<R, StoreError> + Clone + Send + 'static,
    {
        loop {
            let result = if self.faults.take() { Err(busy_error()) } else { self.db.call(f.clone()).await };
            let e = match result {
                Ok(r) => {
                    if let Some(alerted) = self.health.recovered() {
                        tracing::info!("the database answers again; sending goes on");
                        if alerted {
                            SenderAlert::clear(self.db.path());
                        }
                    }
                    return Ok(r);
                }
                Err(e) => e,
            };
            match self.health.failed(&e, self.clock.now()) {
                Next::GiveUp => {
                    tracing::error!(error = %e, "the database cannot be used; the sender stops (the service manager restarts it)");
                    return Err(e);
                }
                Next::Retry { after, raise_alert } => {
                    if self.health.failures() == 1 {
                        tracing::warn!(error = %e, "the database is busy or full; trying again");
                    }
                    if raise_alert {
                        tracing::error!(error = %e, "sending has been stuck on the database for 30 s");
                        let alert = SenderAlert {
                            since: self.clock.now() - super::health::ALERT_AFTER,
                            error: e.to_string(),
                            pid: std::process::id(),
                        };
                        if let Err(io) = alert.write(self.db.path()) {
                            tracing::warn!(error = %io, "the alert file could not be written");
                        }
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(after) => {}
                        _ = self.shutdown.changed() => return Err(e),
                    }
                }
            }
        }
    }
}

enum Outgoing {
    Template(TemplateMessage),
    Text(String),
    Missing,
}

fn missing_template() -> ApiError {
    let mut e = ApiError::bad_answer(0, "template not in the local copy; run hofbote templates sync");
    e.class = ErrorClass::TemplateBlocked;
    e.origin = crate::whatsapp::Origin::Request;
    e
}

fn log_failure(row: &Claimed, e: &ApiError, d: &Decision) {
    match d {
        Decision::StopAll { .. } | Decision::HaltForReview { .. } => {
            tracing::error!(row = row.id, error = %e, "sending stopped")
        }
        _ => tracing::info!(row = row.id, error = %e, decision = ?d, "send failed"),
    }
}

async fn load_templates(store: &mut Guarded) -> Result<HashMap<(String, String), Template>, StoreError> {
    let list = store.call(|s| s.templates()).await?;
    Ok(list.into_iter().map(|t| ((t.name.clone(), t.language.clone()), t)).collect())
}

/// The worker settings from the configuration.
pub fn config_from(config: &crate::config::Config, secrets: &crate::config::Secrets) -> WorkerConfig {
    WorkerConfig {
        rate: config.whatsapp.effective_rate(),
        batch: config.queue.batch_size.max(1) as usize,
        max_attempts: config.queue.max_attempts.max(1),
        unknown_after: Duration::seconds(config.queue.unknown_after_seconds as i64),
        rules: ClaimRules {
            quiet_hours: crate::domain::parse_quiet_hours(&config.queue.quiet_hours),
            tier: config.whatsapp.messaging_tier,
            subject_hash: Some(crate::privacy::recipient_hash),
            erasure_key: secrets.erasure_key.as_ref().map(|k| k.expose().as_bytes().to_vec()),
        },
        seed: rand::random(),
        concurrency: 64,
        faults: InjectedFaults::from_env(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_790_000_000 + s, 0).unwrap_or_default()
    }

    #[test]
    fn an_idle_worker_sleeps_until_the_next_due_row_or_a_wake_up() {
        let now = at(0);
        let idle = IdleInfo { next_due: None, unknown: false, blocked: false };
        assert_eq!(idle_wait(&idle, now, false), None, "nothing queued: no timer at all");
        let later = IdleInfo { next_due: Some(at(90)), ..idle };
        assert_eq!(idle_wait(&later, now, false), Some(StdDuration::from_secs(90)));
        let unknown = IdleInfo { unknown: true, ..later };
        assert_eq!(idle_wait(&unknown, now, false), Some(RECONCILE_EVERY), "unknown rows are reconciled");
        let blocked = IdleInfo { next_due: Some(at(-5)), unknown: false, blocked: true };
        assert_eq!(idle_wait(&blocked, now, false), None, "an alert: only the farmer's answer wakes it");
        let passed_over = IdleInfo { next_due: Some(at(-5)), unknown: false, blocked: false };
        assert_eq!(idle_wait(&passed_over, now, false), Some(StdDuration::from_secs(1)), "no tight loop");
        assert_eq!(idle_wait(&passed_over, now, true), Some(StdDuration::from_millis(1)), "results coming in");
    }
}
