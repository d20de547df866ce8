//! The sending side inside a running process, wired once for `hofbote serve`, the terminal app and the demo: the
//! store on its own connection (with the erasure key), the API client, the queue worker holding the send lock, the
//! webhook receiver, and the tasks beside them — all stopped by one signal, the worker last so that it finishes
//! the requests in flight before the lock is released. Decides nothing about what to send (that is `queue`) and
//! prints nothing (the callers say what runs).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::SharedClock;
use crate::config::{Config, Secrets};
use crate::queue::lock::{SendLock, try_acquire};
use crate::queue::worker::WorkerHandle;
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
fn outcome(joined: Result<Result<(), StoreError>, tokio::task::JoinError>) -> Result<(), Stopped> {
    match joined {
        Ok(r) => r.map_err(Stopped::from),
        Err(e) => Err(Stopped::Task(e.to_string())),
    }
}

struct Worker {
    task: JoinHandle<Result<(), StoreError>>,
    _lock: SendLock,
}

/// The tasks running beside the main work of a process, with the one signal that stops them.
pub struct Background {
    stop: watch::Sender<bool>,
    worker: Option<Worker>,
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
        Background { stop, worker: None, http: None, tasks: Vec::new() }
    }

    /// Turns true when the background is asked to stop.
    pub fn stop_signal(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Whether the worker sends from this process.
    pub fn sends(&self) -> bool {
        self.worker.is_some()
    }

    /// Starts the queue worker under the send lock this process holds. Must run inside a tokio runtime.
    pub fn start_worker(
        &mut self,
        lock: SendLock,
        db: Db,
        client: Arc<Client>,
        clock: SharedClock,
        config: &Config,
        secrets: &Secrets,
    ) -> WorkerHandle {
        let worker_config = crate::queue::worker::config_from(config, secrets);
        let (handle, task) = crate::queue::worker::spawn(db, client, clock, worker_config, self.stop_signal());
        self.worker = Some(Worker { task, _lock: lock });
        handle
    }

    /// Starts the worker if the send lock on `db_file` is free; `None` when another process (a service, another
    /// window) holds it.
    pub fn try_start_worker(
        &mut self,
        db_file: &std::path::Path,
        db: Db,
        client: Arc<Client>,
        clock: SharedClock,
        config: &Config,
        secrets: &Secrets,
    ) -> std::io::Result<Option<WorkerHandle>> {
        let Some(lock) = try_acquire(db_file)? else { return Ok(None) };
        Ok(Some(self.start_worker(lock, db, client, clock, config, secrets)))
    }

    /// Resolves when the worker ends by itself — it only does on a store fault that waiting cannot cure (the
    /// database read-only, corrupt, its schema gone) — with what ended it; never resolves without a worker. The
    /// send lock is released then. Cancel-safe: nothing is taken before the worker has ended.
    pub async fn worker_ended(&mut self) -> Result<(), Stopped> {
        let Some(worker) = self.worker.as_mut() else { return std::future::pending().await };
        let ended = (&mut worker.task).await;
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
    /// any), then the other tasks and the receiver end; the send lock is released last.
    pub async fn stop(self, limit: Option<Duration>) -> Result<(), Stopped> {
        let _ = self.stop.send(true);
        let mut result = Ok(());
        if let Some(Worker { task, _lock }) = self.worker {
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
