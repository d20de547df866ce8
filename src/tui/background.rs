//! Sending from inside the terminal app: when no `hofbote serve` holds the send lock, the app takes it for its whole
//! lifetime and runs the queue worker on its own database connection (so its writes show up through
//! `PRAGMA data_version` like anyone else's). Without an access token nobody sends and the lock stays free.
//! On quit the worker stops claiming, finishes what is in flight, then the lock is released.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::app::Sender;
use super::perform::Services;
use crate::clock::SharedClock;
use crate::config::{Config, Secrets};
use crate::queue::lock::{SendLock, is_held, try_acquire};
use crate::store::{Db, Store, StoreError};
use crate::whatsapp::Client;

/// The worker running in this process, with the lock that lets it send.
#[derive(Debug)]
pub struct Background {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), StoreError>>,
    _lock: SendLock,
}

impl Background {
    /// Stops claiming, waits (at most 10 s) for the requests in flight, then releases the lock.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let abort = self.task.abort_handle();
        match tokio::time::timeout(Duration::from_secs(10), self.task).await {
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "send worker ended with an error"),
            Ok(_) => {}
            Err(_) => abort.abort(),
        }
    }
}

/// Starts the worker for `client` on `db_file` if the send lock is free.
pub fn start_worker(
    db_file: &std::path::Path,
    db: Db,
    client: Arc<Client>,
    clock: SharedClock,
    config: &Config,
    secrets: &Secrets,
) -> std::io::Result<(Sender, Services, Option<Background>)> {
    let Some(lock) = try_acquire(db_file)? else {
        return Ok((Sender::Service, Services { client: Some(client), worker: None }, None));
    };
    let (stop, stop_rx) = watch::channel(false);
    let worker_config = crate::queue::worker::config_from(config, secrets);
    let (handle, task) = crate::queue::worker::spawn(db, client.clone(), clock, worker_config, stop_rx);
    tracing::info!("sending from the terminal app (no service holds the send lock)");
    Ok((
        Sender::InApp,
        Services { client: Some(client), worker: Some(handle) },
        Some(Background { stop, task, _lock: lock }),
    ))
}

/// The normal start: the configured API with the token from the secrets; the worker when the lock is free.
pub fn start(
    launch: &super::Launch,
    secrets: Option<&Secrets>,
) -> Result<(Sender, Services, Option<Background>), super::TuiError> {
    let db_file = &launch.paths.db_file;
    let client = secrets.and_then(|s| Client::new(&launch.config.whatsapp, s).ok()).map(Arc::new);
    let (Some(client), Some(secrets)) = (client, secrets) else {
        let sender = if is_held(db_file) { Sender::Service } else { Sender::Off };
        return Ok((sender, Services::default(), None));
    };
    let mut store = Store::open(db_file, launch.clock.clone())?;
    if let Some(key) = &secrets.erasure_key {
        store.set_erasure_key(Some(crate::privacy::key_bytes(key).to_vec()));
    }
    let (db, _thread) = Db::spawn(store);
    Ok(start_worker(db_file, db, client, launch.clock.clone(), &launch.config, secrets)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn the_app_sends_only_when_no_service_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.sqlite");
        let clock = crate::clock::system();
        let config = crate::demo::demo_config(&Config::default());
        let secrets = Secrets { whatsapp_token: Some(crate::config::Secret::new("t")), ..Secrets::default() };
        let client = Arc::new(Client::new(&config.whatsapp, &secrets).unwrap());
        // A service holds the lock: the app does not send.
        let service = try_acquire(&db).unwrap().unwrap();
        let (d, _t) = Db::spawn(Store::open(&db, clock.clone()).unwrap());
        let (sender, services, bg) = start_worker(&db, d, client.clone(), clock.clone(), &config, &secrets).unwrap();
        assert_eq!(sender, Sender::Service);
        assert!(services.worker.is_none() && bg.is_none());
        drop(service);
        // Nobody holds it: the app takes it for its lifetime and releases it when it stops.
        let (d, _t) = Db::spawn(Store::open(&db, clock.clone()).unwrap());
        let (sender, services, bg) = start_worker(&db, d, client, clock, &config, &secrets).unwrap();
        assert_eq!(sender, Sender::InApp);
        assert!(services.worker.is_some());
        assert!(is_held(&db), "the app holds the send lock while it runs");
        bg.unwrap().stop().await;
        assert!(!is_held(&db), "released on quit");
    }
}
