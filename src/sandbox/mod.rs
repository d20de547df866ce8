//! The built-in sandbox: a local fake of the WhatsApp Cloud API over real HTTP (axum). It accepts the same requests
//! as Meta (any `/vNN.N/`, any phone-number and WABA id, bearer token), answers with Meta's shapes and error codes,
//! enforces templates, the 24 h window, the per-number rate and the pair limit, records every accepted message in a
//! ledger, and sends signed status and inbound webhooks with retries. Faults (5xx, timeouts after acceptance,
//! 130429, webhook duplicates/reordering/skips, gates) are injected through `/_sandbox/faults`.
//! All randomness comes from the seed (`StdRng::seed_from_u64`); timing only from the configured delays.
//! It is a test double: it must never be pointed at real customers' data or at Meta.
//!
//! Files: `server` (routes, auth, errors), `messages` (sends), `control` (`/_sandbox/…`), `state` (ledger, limits,
//! wamids), `faults`, `webhooks` (payloads, delivery), `templates` (demo set, paging), `remote` (CLI calls).

pub mod control;
pub mod faults;
mod messages;
pub mod remote;
mod server;
pub mod state;
pub mod templates;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use control::{ButtonTap, InboundAck, InboundRequest};
pub use faults::{Faults, FaultsPatch, GateInfo};
pub use remote::{ledger, render_ledger, say};
pub use state::{LedgerEntry, PairLimit};
pub use templates::demo_templates;
pub use webhooks::{RetryPolicy, StatusPlan, WebhookStats};

use crate::clock::SharedClock;
use crate::config::Secret;
use crate::domain::template::Template;
use crate::i18n::{Lang, Localized, Tr};

/// Where `hofbote sandbox` listens unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8089";

/// Everything the sandbox can be told.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where status and inbound webhooks go; none = no webhooks.
    pub webhook_url: Option<String>,
    /// Signs webhooks (`X-Hub-Signature-256`); without it webhooks are sent unsigned.
    pub app_secret: Option<Secret>,
    /// The accepted bearer token; `None` accepts any non-empty token.
    pub token: Option<Secret>,
    pub seed: u64,
    /// Messages per phone-number id within `rate_window` (Meta: 80 per sliding second); `None` = no limit.
    pub rate_per_second: Option<u32>,
    /// The sliding window of the rate limit: 1 s like Meta; tests may stretch it so timing cannot matter.
    pub rate_window: Duration,
    /// Pair limit per recipient; `None` = off.
    pub pair_limit: Option<PairLimit>,
    /// Length of the customer-service window.
    pub window: Duration,
    pub statuses: StatusPlan,
    pub webhook_retry: RetryPolicy,
    /// Faults at start and after a reset.
    pub faults: Faults,
    /// How long an injected "timeout after acceptance" holds the answer.
    pub timeout_fault_delay: Duration,
    pub waba_id: String,
    /// Used in inbound webhooks until a send names one.
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub verified_name: String,
    /// `whatsapp_business_manager_messaging_limit`, e.g. `TIER_250`.
    pub messaging_limit: String,
    /// `throughput.level`: STANDARD or HIGH.
    pub throughput_level: String,
    pub quality_rating: String,
    pub templates: Vec<Template>,
    /// For timestamps in the ledger and webhooks.
    pub clock: SharedClock,
    /// Share of simulated customers who use a WhatsApp username and share no number (decided per number from the
    /// seed): their inbound webhooks carry only their business-scoped user id. 0 keeps every number visible.
    pub username_share: f64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8089)),
            webhook_url: None,
            app_secret: None,
            token: None,
            seed: 7,
            rate_per_second: Some(80),
            rate_window: Duration::from_secs(1),
            pair_limit: Some(PairLimit::default()),
            window: Duration::from_secs(24 * 3600),
            statuses: StatusPlan::default(),
            webhook_retry: RetryPolicy::default(),
            faults: Faults::default(),
            timeout_fault_delay: Duration::from_secs(120),
            waba_id: "102290129340398".into(),
            phone_number_id: "106540352242922".into(),
            display_phone_number: "+49 5021 900100".into(),
            verified_name: "Hofladen Sandbox".into(),
            messaging_limit: "TIER_250".into(),
            throughput_level: "STANDARD".into(),
            quality_rating: "GREEN".into(),
            templates: demo_templates(),
            clock: crate::clock::system(),
            username_share: 0.0,
        }
    }
}

impl SandboxConfig {
    /// The defaults with the `[sandbox]` settings of the config file (rate 0 = no limit).
    pub fn from_settings(s: &crate::config::Sandbox) -> SandboxConfig {
        let d = SandboxConfig::default();
        SandboxConfig {
            seed: s.seed,
            rate_per_second: (s.rate_per_second > 0).then_some(s.rate_per_second),
            statuses: StatusPlan { fail_share: s.fail_share, stop_share: s.stop_share, ..d.statuses },
            username_share: s.username_share,
            ..d
        }
    }

    /// For tests: loopback on a free port, no rate, pair or messaging limit, fast webhooks that retry quickly.
    pub fn for_tests(seed: u64) -> SandboxConfig {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed,
            rate_per_second: None,
            pair_limit: None,
            statuses: StatusPlan {
                sent_after: Duration::from_millis(10),
                delivered_after: Duration::from_millis(20),
                read_after: Duration::from_millis(20),
                read_share: 1.0,
                fail_share: 0.0,
                stop_share: 0.0,
            },
            webhook_retry: RetryPolicy {
                first: Duration::from_millis(50),
                max_interval: Duration::from_millis(200),
                give_up_after: Duration::from_secs(30),
                request_timeout: Duration::from_secs(2),
            },
            // Meta relaxes test accounts' limits; a test that wants a tier sets one (or changes it by an event).
            messaging_limit: "TIER_UNLIMITED".into(),
            ..SandboxConfig::default()
        }
    }
}

/// The sandbox could not start, or a control call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {message}")]
    Bind { addr: SocketAddr, message: String },
    #[error("webhook URL {0:?} is not an http(s) URL")]
    BadWebhookUrl(String),
    #[error("HTTP client: {0}")]
    Http(String),
    #[error("sandbox at {url} not reachable: {message}")]
    Unreachable { url: String, message: String },
    #[error("sandbox answered {status}: {message}")]
    Refused { status: u16, message: String },
}

impl Localized for SandboxError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            SandboxError::Bind { addr, message } => Tr::new(
                "Der Sandkasten kann nicht auf {0} lauschen ({1}). Nimm eine andere Adresse, z. B. --listen 127.0.0.1:0.",
                "The sandbox cannot listen on {0} ({1}). Use another address, e.g. --listen 127.0.0.1:0.",
            )
            .fill(lang, &[addr, message]),
            SandboxError::BadWebhookUrl(u) => Tr::new(
                "Die Webhook-Adresse {0} ist keine http(s)-Adresse. Beispiel: http://127.0.0.1:8080/webhook",
                "The webhook URL {0} is not an http(s) URL. Example: http://127.0.0.1:8080/webhook",
            )
            .fill(lang, &[u]),
            SandboxError::Http(e) => {
                Tr::new("HTTP-Client lässt sich nicht starten: {0}", "Cannot start the HTTP client: {0}").fill(lang, &[e])
            }
            SandboxError::Unreachable { url, message } => Tr::new(
                "Der Sandkasten unter {0} antwortet nicht ({1}). Läuft »hofbote sandbox«?",
                "The sandbox at {0} does not answer ({1}). Is `hofbote sandbox` running?",
            )
            .fill(lang, &[url, message]),
            SandboxError::Refused { status, message } => Tr::new(
                "Der Sandkasten lehnt ab (HTTP {0}): {1}",
                "The sandbox refused (HTTP {0}): {1}",
            )
            .fill(lang, &[status, message]),
        }
    }
}

/// A running sandbox. Dropping it shuts the server down too; [`SandboxHandle::shutdown`] waits for that.
#[derive(Debug)]
pub struct SandboxHandle {
    addr: SocketAddr,
    seed: u64,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    app: server::Shared,
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT` — the `base_url` for the client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The ledger, read in-process.
    pub fn ledger(&self) -> Vec<LedgerEntry> {
        self.app.lock().ledger.clone()
    }

    pub fn webhook_stats(&self) -> WebhookStats {
        self.app.hooks.stats()
    }

    /// Stops accepting, cancels pending webhooks and held requests, and waits (at most 2 s) for the server.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task).await.is_err() {
                abort.abort();
            }
        }
    }

    /// Serves until `signal` resolves (e.g. `tokio::signal::ctrl_c()` in `hofbote sandbox`) or the server fails,
    /// then shuts down.
    pub async fn run_until(mut self, signal: impl std::future::Future<Output = ()>) {
        if let Some(task) = self.task.as_mut() {
            tokio::select! {
                () = signal => {}
                _ = task => { self.task = None; }
            }
        }
        self.shutdown().await;
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Binds and starts the sandbox.
pub async fn start(cfg: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
    if let Some(u) = &cfg.webhook_url {
        let ok = reqwest::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.host().is_some());
        if !ok {
            return Err(SandboxError::BadWebhookUrl(u.clone()));
        }
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| SandboxError::Bind { addr: cfg.listen, message: e.to_string() })?;
    let addr = listener.local_addr().map_err(|e| SandboxError::Bind { addr: cfg.listen, message: e.to_string() })?;
    let (stop, stopped) = watch::channel(false);
    let hooks =
        webhooks::Deliverer::new(cfg.webhook_url.clone(), cfg.app_secret.clone(), cfg.webhook_retry, stopped.clone())
            .map_err(SandboxError::Http)?;
    let seed = cfg.seed;
    if cfg.webhook_url.is_some() && cfg.app_secret.is_none() {
        tracing::warn!("sandbox webhooks are sent unsigned: no app secret given");
    }
    let inner = state::Inner::new(seed, cfg.templates.clone(), cfg.faults.clone());
    let app = Arc::new(server::App {
        cfg: SandboxConfig { listen: addr, ..cfg },
        inner: Mutex::new(inner),
        gates: faults::Gates::default(),
        hooks,
        shutdown: stopped.clone(),
    });
    let router = server::router(app.clone());
    let mut on_stop = stopped;
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = on_stop.wait_for(|s| *s).await;
        });
        if let Err(e) = serve.await {
            tracing::error!("sandbox server stopped: {e}");
        }
    });
    tracing::info!(%addr, seed, "sandbox listening (replay with --seed {seed})");
    Ok(SandboxHandle { addr, seed, stop, task: Some(task), app })
}
