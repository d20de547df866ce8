//! The sending side inside a running process, wired once for `hofbote serve`, the terminal app and the demo: the
//! store on its own connection (with the erasure key), the API client, the queue worker holding the send lock, the
//! webhook receiver, and the tasks beside them — all stopped by one signal, the worker last so that it finishes
//! the requests in flight before the lock is released. Decides nothing about what to send (that is `queue`) and
//! prints nothing (the callers say what runs).
//!
//! Who sends (issue 12, fault 3): every process that may send takes part ([`Part`]) and runs the worker only while it
//! holds the send lock (`queue::lock`); the kernel makes sure only one does. A process that finds the lock taken
//! waits — without a timer, woken by a file watcher on the lock's files — and takes over when the holder lets go,
//! ends or is killed. A service (`hofbote serve`) says that it waits; the terminal app, sending, sees that, stops
//! claiming at the next message boundary, finishes what is in flight, lets go and waits in turn. The app waits behind
//! a waiting service, and a service never hands over, so `serve` sends whenever it runs and the app sends only
//! while no service does — in whatever order they start and stop. The receiver does not depend on any of this.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::SharedClock;
use crate::config::{Config, Secrets};
use crate::queue::lock::{self, Contender, SendLock, Want};
use crate::queue::worker::{WorkerConfig, WorkerHandle};
use crate::store::{Db, Store, StoreError};
use crate::webhook::{Receiver, ReceiverConfig};
use crate::whatsapp::Client;

/// Opens the store at `db_file` for the background tasks (with the erasure key when the secrets have one, so
/// suppressed numbers are recognised) on its own DB thread.
pub fn open_db(db_file: &std::path::Path, clock: SharedClock, secrets: Option<&Secrets>) -> Result<Db, StoreError> {
    let mut store = Store::open(db_file, clock)?;
    if let Some(key) = secrets.and_then(|s| s.erasure_key.as_ref()) {
        store.set_erasure_key(Some(crate::privacy::key_bytes(key).to_vec()));
    }
    let (db, _thread) = Db::spawn(store);
    Ok(db)
}

/// Why the worker ended badly.
#[derive(Debug, thiserror::Error)]
pub enum Stopped {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The worker task panicked or was cancelled.
    #[error("{0}")]
    Task(String),
}

/// What the worker's task ended with: its own result, or how the task itself ended (panic, cancellation).
fn outcome<E: Into<Stopped>>(joined: Result<Result<(), E>, tokio::task::JoinError>) -> Result<(), Stopped> {
    match joined {
        Ok(r) => r.map_err(Into::into),
        Err(e) => Err(Stopped::Task(e.to_string())),
    }
}

/// How a process takes part in sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `hofbote serve`: says that it waits for the send lock, and keeps it until it stops.
    Service,
    /// The terminal app and the demo: send while no service does, hand over to a waiting service at the next
    /// message boundary, wait behind it.
    App,
}

/// Where this process stands with the send lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// It holds the send lock and its worker sends.
    Sending,
    /// Another process holds it; this one takes over when that one lets go.
    Waiting,
    /// It gave sending to a waiting service (and takes it back once no other process sends).
    HandedOver,
}

/// The worker's task, aborted when dropped (a cancelled sender must not leave a worker behind without the lock).
struct Running(JoinHandle<Result<(), StoreError>>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What a worker is started with, each time this process takes over.
struct WorkerParts {
    handle: WorkerHandle,
    db: Db,
    client: Arc<Client>,
    clock: SharedClock,
    config: WorkerConfig,
}

impl WorkerParts {
    fn spawn(&self, shutdown: watch::Receiver<bool>) -> Running {
        let (db, client, clock, config) =
            (self.db.clone(), self.client.clone(), self.clock.clone(), self.config.clone());
        Running(crate::queue::worker::spawn_with(&self.handle, db, client, clock, config, shutdown))
    }
}

/// Takes part in sending until `stop` (see the module text): waits for the lock (`first` when it was taken at
/// start), runs the worker while holding it, hands over when it is an app and a service waits. Ends by itself only
/// when the worker did (a store fault waiting cannot cure) or the lock's files cannot be used.
async fn take_part(
    part: Part,
    db_file: std::path::PathBuf,
    first: Option<SendLock>,
    parts: WorkerParts,
    role: watch::Sender<Role>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), Stopped> {
    let io = |e: std::io::Error| Stopped::Store(crate::store::io_err(&lock::lock_path(&db_file), e));
    // Started before the first try, so a release between the try and the wait is not missed.
    let mut files = crate::store::watch::DbWatch::send_lock(&db_file, crate::store::watch::FALLBACK_POLL);
    let mut next = first;
    loop {
        let lock = match next.take() {
            Some(lock) => lock,
            None => {
                let mut contender = Contender::new(&db_file).map_err(io)?;
                let mut want: Option<Want> = None;
                loop {
                    // An app never takes the lock ahead of a waiting service.
                    if part == Part::Service || !lock::someone_waits(&db_file) {
                        match contender.try_take().map_err(io)? {
                            Ok(lock) => break lock,
                            Err(c) => contender = c,
                        }
                    }
                    if part == Part::Service && want.is_none() {
                        want = Some(lock::announce(&db_file).map_err(io)?);
                    }
                    tokio::select! {
                        () = files.changed() => {}
                        _ = stop.wait_for(|s| *s) => return Ok(()),
                    }
                }
            }
        };
        role.send_replace(Role::Sending);
        let (halt, halted) = watch::channel(false);
        let mut worker = parts.spawn(halted);
        let hand_over = loop {
            if part == Part::App && lock::someone_waits(&db_file) {
                break true;
            }
            tokio::select! {
                ended = &mut worker.0 => {
                    drop(lock);
                    return outcome(ended);
                }
                _ = stop.wait_for(|s| *s) => break false,
                () = files.changed() => {}
            }
        };
        // No new claims; what is in flight is finished and recorded before the lock is released.
        let _ = halt.send(true);
        let ended = (&mut worker.0).await;
        drop(lock);
        if !hand_over {
            return outcome(ended);
        }
        outcome(ended)?;
        tracing::info!("a service waits for the send lock: sending handed over to it");
        role.send_replace(Role::HandedOver);
    }
}

/// The tasks running beside the main work of a process, with the one signal that stops them.
pub struct Background {
    stop: watch::Sender<bool>,
    /// The task that takes part in sending (see [`take_part`]).
    worker: Option<JoinHandle<Result<(), Stopped>>>,
    role: Option<watch::Receiver<Role>>,
    http: Option<JoinHandle<std::io::Result<()>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Background {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Background")
            .field("worker", &self.worker.is_some())
            .field("http", &self.http.is_some())
            .field("tasks", &self.tasks.len())
            .finish()
    }
}

impl Default for Background {
    fn default() -> Self {
        Background::new()
    }
}

impl Background {
    pub fn new() -> Background {
        let (stop, _) = watch::channel(false);
        Background { stop, worker: None, role: None, http: None, tasks: Vec::new() }
    }

    /// Turns true when the background is asked to stop.
    pub fn stop_signal(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Whether the worker sends from this process right now.
    pub fn sends(&self) -> bool {
        self.role.as_ref().is_some_and(|r| *r.borrow() == Role::Sending)
    }

    /// Takes part in sending as `part` on the database `db_file` (see the module text): sends at once when the send
    /// lock is free, else waits for it. Returns the handle that wakes the worker (whichever runs) and where this
    /// process stands, now and on every change. Must run inside a tokio runtime.
    #[allow(clippy::too_many_arguments)]
    pub fn start_sending(
        &mut self,
        part: Part,
        db_file: &std::path::Path,
        db: Db,
        client: Arc<Client>,
        clock: SharedClock,
        config: &Config,
        secrets: &Secrets,
    ) -> std::io::Result<(WorkerHandle, watch::Receiver<Role>)> {
        // Tried here, not in the task, so the caller knows at once whether this process sends.
        let first = if part == Part::App && lock::someone_waits(db_file) { None } else { lock::try_acquire(db_file)? };
        let (role, roles) = watch::channel(if first.is_some() { Role::Sending } else { Role::Waiting });
        let handle = WorkerHandle::new();
        let parts = WorkerParts {
            handle: handle.clone(),
            db,
            client,
            clock,
            config: crate::queue::worker::config_from(config, secrets),
        };
        let task = take_part(part, db_file.to_owned(), first, parts, role, self.stop_signal());
        self.worker = Some(tokio::spawn(task));
        self.role = Some(roles.clone());
        Ok((handle, roles))
    }

    /// Resolves when the worker ends by itself — it only does on a store fault that waiting cannot cure (the
    /// database read-only, corrupt, its schema gone) — with what ended it; never resolves without a worker, nor
    /// while this process waits for the send lock. The send lock is released then. Cancel-safe: nothing is taken
    /// before the worker has ended.
    pub async fn worker_ended(&mut self) -> Result<(), Stopped> {
        let Some(worker) = self.worker.as_mut() else { return std::future::pending().await };
        let ended = worker.await;
        self.worker = None;
        outcome(ended)
    }

    /// Serves the webhook receiver on `listener` until the stop signal.
    pub fn serve_webhooks(&mut self, db: Db, listener: tokio::net::TcpListener, config: ReceiverConfig) {
        let receiver = Receiver::start(db, config);
        let mut stop = self.stop_signal();
        self.http = Some(tokio::spawn(receiver.serve(listener, async move {
            let _ = stop.wait_for(|s| *s).await;
        })));
    }

    /// Runs `task` beside the others; it should end when [`Background::stop_signal`] turns true.
    pub fn spawn(&mut self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.tasks.push(tokio::spawn(task));
    }

    /// Stops everything: the worker stops claiming and finishes what is in flight (given up after `limit`, if
    /// any; a process waiting for the send lock stops waiting), then the other tasks and the receiver end; the send
    /// lock is released last.
    pub async fn stop(self, limit: Option<Duration>) -> Result<(), Stopped> {
        let _ = self.stop.send(true);
        let mut result = Ok(());
        if let Some(task) = self.worker {
            let abort = task.abort_handle();
            let ended = match limit {
                Some(limit) => tokio::time::timeout(limit, task).await,
                None => Ok(task.await),
            };
            result = match ended {
                Ok(joined) => outcome(joined),
                Err(_) => {
                    abort.abort();
                    Ok(())
                }
            };
        }
        for task in self.tasks {
            let _ = task.await;
        }
        if let Some(http) = self.http {
            let _ = http.await;
        }
        result
    }
}
