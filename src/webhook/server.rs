//! The HTTP side of the receiver (axum): `GET /webhook` answers Meta's verification, `POST /webhook` checks the
//! signature over the raw bytes, hands the body to a single writer task that stores all waiting bodies in one
//! transaction (group commit, `synchronous=FULL`; it gathers a group as described at [`STORE_GROUP`]), answers 200
//! only after that commit, and wakes the applier (which pauses so a burst applies together, and steps aside for a
//! waiting group).
//! Must not parse or apply before the body is stored. Connections are served by [`super::conns`] (timeouts, cap);
//! the body must arrive within [`Limits::body_read`] or the request is answered 408. A replay of a body already
//! stored (Meta's retries, a captured delivery sent again) is answered 200 without a second row: the store keeps a
//! unique SHA-256 of every body (`store::webhooks::body_hash`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use subtle::ConstantTimeEq;
use tokio::sync::{Notify, mpsc, oneshot};

use super::ApplyContext;
pub use super::conns::Limits;
use crate::config::Secret;
use crate::store::Db;
use crate::whatsapp::signature;

/// Meta's maximum webhook body.
pub const BODY_LIMIT: usize = 3 * 1024 * 1024;

/// What the receiver needs.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    pub app_secret: Option<Secret>,
    pub verify_token: Option<Secret>,
    pub apply: ApplyContext,
}

type Ack = oneshot::Sender<bool>;

struct Shared {
    config: ReceiverConfig,
    writer: mpsc::Sender<(Vec<u8>, Ack)>,
    body_read: Duration,
}

/// A running receiver: its router plus the background writer and applier.
pub struct Receiver {
    pub router: Router,
    /// Wakes when new bodies were stored (the applier listens; tests may too).
    pub applied: Arc<Notify>,
    limits: Limits,
}

impl Receiver {
    /// Builds the router and starts the writer and applier tasks on the current tokio runtime, with the production
    /// timeouts and a connection cap that follows the open-file limit.
    pub fn start(db: Db, config: ReceiverConfig) -> Receiver {
        Receiver::start_with_limits(db, config, Limits::for_this_process())
    }

    /// [`Receiver::start`] with other timeouts or cap (tests use short ones).
    pub fn start_with_limits(db: Db, config: ReceiverConfig, limits: Limits) -> Receiver {
        if config.app_secret.is_none() {
            tracing::error!(
                "no app secret configured (HOFBOTE_APP_SECRET): every webhook POST will be refused with 401"
            );
        }
        let (writer, rx) = mpsc::channel::<(Vec<u8>, Ack)>(4096);
        let stored = Arc::new(Notify::new());
        let applied = Arc::new(Notify::new());
        let waiting = Waiting::default();
        tokio::spawn(write_loop(db.clone(), rx, stored.clone(), waiting.clone()));
        // Failed applications are retried with backoff until they apply (issue 12).
        let w = waiting.clone();
        tokio::spawn(super::retry_loop(db.clone(), config.apply.clone(), applied.clone(), Arc::new(move || w.now())));
        tokio::spawn(apply_loop(db, config.apply.clone(), stored.clone(), applied.clone(), waiting));
        // Apply whatever an earlier run stored but did not apply.
        stored.notify_one();
        let shared = Arc::new(Shared { config, writer, body_read: limits.body_read });
        let router = Router::new()
            .route("/webhook", get(verify).post(receive))
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(shared);
        Receiver { router, applied, limits }
    }

    /// Serves on `listener` until `shutdown` resolves, with this receiver's timeouts and connection cap.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(
            max_connections = self.limits.max_connections,
            header_read_secs = self.limits.header_read.as_secs(),
            body_read_secs = self.limits.body_read.as_secs(),
            idle_secs = self.limits.idle.as_secs(),
            "webhook receiver limits"
        );
        super::conns::serve(listener, self.router, self.limits, shutdown).await
    }
}

#[derive(serde::Deserialize)]
struct VerifyQuery {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

async fn verify(State(shared): State<Arc<Shared>>, Query(q): Query<VerifyQuery>) -> (StatusCode, String) {
    let expected = shared.config.verify_token.as_ref().map(|s| s.expose().as_bytes());
    let given = q.token.as_deref().unwrap_or("").as_bytes();
    let token_ok = expected.is_some_and(|e| !e.is_empty() && bool::from(e.ct_eq(given)));
    match (q.mode.as_deref(), token_ok, q.challenge) {
        (Some("subscribe"), true, Some(challenge)) => (StatusCode::OK, challenge),
        _ => (StatusCode::FORBIDDEN, String::new()),
    }
}

async fn receive(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let Some(secret) = &shared.config.app_secret else { return StatusCode::UNAUTHORIZED.into_response() };
    let header = request.headers().get(signature::HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // A body that trickles in (or never comes) must not hold the connection: the whole body within `body_read`.
    let body = match tokio::time::timeout(shared.body_read, Bytes::from_request(request, &())).await {
        Ok(Ok(body)) => body,
        Ok(Err(rejection)) => return rejection.into_response(),
        Err(_) => {
            tracing::warn!("webhook refused: body not complete within the read timeout");
            return StatusCode::REQUEST_TIMEOUT.into_response();
        }
    };
    if let Err(e) = signature::verify(secret.expose().as_bytes(), &body, header.as_deref()) {
        tracing::warn!(error = %e, "webhook refused: bad signature");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    stored(&shared, body).await.into_response()
}

/// Hands the verified body to the writer and answers once it is stored.
async fn stored(shared: &Shared, body: Bytes) -> StatusCode {
    let (ack, stored) = oneshot::channel();
    if shared.writer.send((body.to_vec(), ack)).await.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    match stored.await {
        Ok(true) => StatusCode::OK,
        // Not stored: Meta (and the sandbox) will deliver it again.
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// How the writer groups bodies into one commit (see [`write_loop`]). Without gathering, a 1,000-message broadcast
/// stored its 3,000 status bodies in 1,813 commits (issue 15), as the sandbox (like Meta) posts them from many
/// connections a few at a time; with a 3 ms linger and a 6 ms cap still 976 at Meta's 80/s pacing (240 bodies/s, a
/// few milliseconds apart). A group closes at whichever comes first:
/// - it holds [`STORE_GROUP`] bodies: under a high rate it fills within milliseconds, so the 200s stay fast (at
///   5,000 events/s, 64 bodies arrive within 12.8 ms; 32 measured no better p99 on the shared 2 cores, but 50
///   instead of 39 store commits for a full-speed broadcast's 3,000 bodies);
/// - no further body came for [`STORE_LINGER`] (a lone body, a quiet moment, senders waiting for their 200s);
/// - its oldest body has waited [`STORE_GATHER`]: at a paced broadcast's ~240 bodies/s the group gathers for this
///   long (Meta waits seconds for a 200, so a tenth of one costs nothing there).
///
/// Whatever is already waiting when a group closes joins it (up to [`STORE_MAX`]): bodies that came during the
/// previous commit never wait for a second one.
pub const STORE_GROUP: usize = 64;
pub const STORE_MAX: usize = 512;
pub const STORE_LINGER: Duration = Duration::from_millis(20);
pub const STORE_GATHER: Duration = Duration::from_millis(100);

/// Stores bodies in groups (see [`STORE_GROUP`]): one transaction per group, then all its senders get their answer.
/// A body stored before (or earlier in the same group) is not stored again (the store's unique body hash); its
/// sender gets the group's answer. Tells the applier while a group waits for the database thread
/// ([`Waiting`]), so that a long application steps aside for it.
async fn write_loop(db: Db, mut rx: mpsc::Receiver<(Vec<u8>, Ack)>, stored: Arc<Notify>, waiting: Waiting) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let until = tokio::time::Instant::now() + STORE_GATHER;
        loop {
            while batch.len() < STORE_MAX {
                match rx.try_recv() {
                    Ok(item) => batch.push(item),
                    Err(_) => break,
                }
            }
            if batch.len() >= STORE_GROUP {
                break;
            }
            let next = (tokio::time::Instant::now() + STORE_LINGER).min(until);
            match tokio::time::timeout_at(next, rx.recv()).await {
                Ok(Some(item)) => batch.push(item),
                Ok(None) | Err(_) => break,
            }
        }
        let (bodies, acks): (Vec<Vec<u8>>, Vec<Ack>) = batch.into_iter().unzip();
        let queued = waiting.enter();
        let ok = match db
            .call(move |s| {
                drop(queued);
                s.store_webhook_bodies(&bodies)
            })
            .await
        {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(error = %e, "could not store webhook bodies");
                false
            }
        };
        for ack in acks {
            let _ = ack.send(ok);
        }
        if ok {
            stored.notify_one();
        }
    }
}

/// Whether the writer has a group waiting for the database thread: the applier ends its transaction early then
/// (after at least one body), so a 200 never waits behind the application of hundreds of bodies (issue 15: that
/// wait was most of the ingest p99 while a broadcast was sent).
#[derive(Debug, Clone, Default)]
pub struct Waiting(Arc<AtomicUsize>);

impl Waiting {
    /// Marks a group as waiting until the guard is dropped (when the database thread starts on it).
    fn enter(&self) -> WaitingGuard {
        self.0.fetch_add(1, Ordering::SeqCst);
        WaitingGuard(self.0.clone())
    }

    /// Whether a group waits now.
    pub fn now(&self) -> bool {
        self.0.load(Ordering::SeqCst) > 0
    }
}

struct WaitingGuard(Arc<AtomicUsize>);

impl Drop for WaitingGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How long the applier waits after a store before it applies, so the bodies of a burst share one transaction:
/// measured on a 1,000-message broadcast (3,000 status bodies), 915 apply commits without the pause; with 50 ms
/// still 237 at Meta's 80/s pacing (issue 15), with 200 ms about a quarter of that. Statuses show at most this much
/// later; consent changes (a STOP) keep their subjects, so the claim skips those people until they are applied.
pub const APPLY_PAUSE: Duration = Duration::from_millis(200);

async fn apply_loop(db: Db, ctx: ApplyContext, stored: Arc<Notify>, applied: Arc<Notify>, waiting: Waiting) {
    let mut more = false;
    loop {
        if more {
            // It stepped aside for a store: go on shortly, with what was stored meanwhile.
            tokio::time::sleep(super::RESUME_AFTER).await;
        } else {
            stored.notified().await;
            // Coalesce: bodies stored during this pause are applied in the same pass and transaction (issue 15).
            // The notification that arrives meanwhile leaves a permit, so the next pass follows at most APPLY_PAUSE
            // later.
            tokio::time::sleep(APPLY_PAUSE).await;
        }
        let (ctx, w) = (ctx.clone(), waiting.clone());
        match db.call(move |s| super::apply_pending_yielding(s, &ctx, &|| w.now())).await {
            Ok((_, rest)) => {
                more = rest;
                applied.notify_waiters();
            }
            Err(crate::store::StoreError::Closed) => return,
            Err(e) => {
                more = false;
                tracing::error!(error = %e, "applying webhooks failed");
            }
        }
    }
}
