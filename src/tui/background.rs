//! Sending from inside the terminal app: when no `hofbote serve` holds the send lock, the app takes it and runs the
//! queue worker (wired by `crate::sending`, as in the service) on its own database connection, so its writes show up
//! through `PRAGMA data_version` like anyone else's. When a service starts and waits for the lock, the app hands
//! sending over at the next message boundary; when no service sends any more (it stopped, or was running when the
//! app started and then stopped), the app takes sending (back) — `Services::roles` tells the header. Without an
//! access token nobody sends and the lock stays free. On quit the worker stops claiming, finishes what is in flight,
//! then the lock is released. Decides only who sends; never draws.

use std::sync::Arc;
use std::time::Duration;

use super::msg::Sender;
use super::perform::Services;
use crate::clock::SharedClock;
use crate::config::{Config, Secrets};
use crate::queue::lock::is_held;
use crate::sending::{Background, Part, Role};
use crate::store::Db;
use crate::whatsapp::Client;

/// How long the worker may take on quit to finish the requests in flight.
const STOP_WITHIN: Duration = Duration::from_secs(10);

/// Takes part in sending for `client` on `db_file` in `background` (sends at once if the send lock is free and no
/// service waits for it), and says who sends now.
pub fn start_worker(
    background: &mut Background,
    db_file: &std::path::Path,
    db: Db,
    client: Arc<Client>,
    clock: SharedClock,
    config: &Config,
    secrets: &Secrets,
) -> std::io::Result<(Sender, Services)> {
    let (worker, roles) = background.start_sending(Part::App, db_file, db, client.clone(), clock, config, secrets)?;
    let sender = sender(*roles.borrow());
    if sender == Sender::InApp {
        tracing::info!("sending from the terminal app (no service holds the send lock)");
    }
    Ok((sender, Services { client: Some(client), worker: Some(worker), roles: Some(roles) }))
}

/// What the header says for where this window stands with the send lock.
pub fn sender(role: Role) -> Sender {
    match role {
        Role::Sending => Sender::InApp,
        Role::Waiting => Sender::Service,
        Role::HandedOver => Sender::HandedOver,
    }
}

/// The normal start: the configured API with the token from the secrets; the worker when the lock is free.
pub fn start(
    launch: &super::Launch,
    secrets: Option<&Secrets>,
) -> Result<(Sender, Services, Background), super::TuiError> {
    let db_file = &launch.paths.db_file;
    let mut background = Background::new();
    let client = secrets.and_then(|s| Client::new(&launch.config.whatsapp, s).ok()).map(Arc::new);
    let (Some(client), Some(secrets)) = (client, secrets) else {
        let sender = if is_held(db_file) { Sender::Service } else { Sender::Off };
        return Ok((sender, Services::default(), background));
    };
    let db = crate::sending::open_db(db_file, launch.clock.clone(), Some(secrets))?;
    // Meta's limit and throughput, read in the background (the app must not wait for the network to start).
    let (c, d, mut stop) = (client.clone(), db.clone(), background.stop_signal());
    background.spawn(async move {
        tokio::select! {
            () = crate::account_limits::refresh_at_start(&c, &d) => {}
            _ = stop.wait_for(|s| *s) => {}
        }
    });
    background.spawn(crate::account_limits::keep_fresh(client.clone(), db.clone(), background.stop_signal()));
    let (sender, services) =
        start_worker(&mut background, db_file, db, client, launch.clock.clone(), &launch.config, secrets)?;
    Ok((sender, services, background))
}

/// Stops what runs beside the app: the worker gets [`STOP_WITHIN`] for what is in flight, then the lock is free.
pub async fn stop(background: Background) {
    if let Err(e) = background.stop(Some(STOP_WITHIN)).await {
        tracing::warn!(error = %e, "send worker ended with an error");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::queue::lock::try_acquire;
    use crate::store::Store;

    #[tokio::test]
    async fn the_app_sends_only_when_no_service_holds_the_lock_and_hands_over_to_a_waiting_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.sqlite");
        let clock = crate::clock::system();
        let config = crate::demo::demo_config(&Config::default());
        let secrets = Secrets { whatsapp_token: Some(crate::config::Secret::new("t")), ..Secrets::default() };
        let client = Arc::new(Client::new(&config.whatsapp, &secrets).unwrap());
        let roles_of = |services: &Services| services.roles.clone().unwrap();
        // A service holds the lock: the app does not send, and takes over once the service lets go.
        let service = try_acquire(&db).unwrap().unwrap();
        let (d, _t) = Db::spawn(Store::open(&db, clock.clone()).unwrap());
        let mut bg = Background::new();
        let (sender, services) =
            start_worker(&mut bg, &db, d, client.clone(), clock.clone(), &config, &secrets).unwrap();
        assert_eq!(sender, Sender::Service);
        assert!(!bg.sends());
        let mut roles = roles_of(&services);
        drop(service);
        let took = tokio::time::timeout(Duration::from_secs(20), roles.wait_for(|r| *r == Role::Sending)).await;
        assert!(took.is_ok_and(|r| r.is_ok()), "the app takes over when the service lets go");
        assert!(bg.sends() && is_held(&db));
        // A service starts and waits: the app hands over, the service gets the lock.
        let want = crate::queue::lock::announce(&db).unwrap();
        let handed = tokio::time::timeout(Duration::from_secs(20), roles.wait_for(|r| *r == Role::HandedOver)).await;
        assert!(handed.is_ok_and(|r| r.is_ok()), "the app hands over to a waiting service");
        let service = try_acquire(&db).unwrap().expect("released for the service");
        drop(want);
        assert!(!bg.sends());
        stop(bg).await;
        drop(service);
        // Nobody holds it: the app takes it at once and releases it when it stops.
        let (d, _t) = Db::spawn(Store::open(&db, clock.clone()).unwrap());
        let mut bg = Background::new();
        let (sender, services) = start_worker(&mut bg, &db, d, client, clock, &config, &secrets).unwrap();
        assert_eq!(sender, Sender::InApp);
        assert!(services.worker.is_some());
        assert!(is_held(&db), "the app holds the send lock while it runs");
        stop(bg).await;
        assert!(!is_held(&db), "released on quit");
    }
}
