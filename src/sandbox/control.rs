//! The sandbox's control routes under `/_sandbox/` (no token; the sandbox listens on loopback):
//! `GET /ledger` (every accepted message), `POST /inbound` (a customer writes: signed `messages` webhook, opens the
//! 24 h window), `GET|POST /faults` (fault injection, gates), `GET /gates`, `POST /release`, `GET /webhooks`
//! (delivery counters), `POST /reset`, `GET /` (facts about this sandbox).
//! Only the control surface lives here; it must not change how the Graph routes behave except through state.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::time::Instant;

use super::faults::FaultsPatch;
use super::server::Shared;
use super::webhooks::{Inbound, inbound_payload};
use crate::domain::phone::{Phone, Region};

/// `POST /_sandbox/inbound`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundRequest {
    /// The customer's number, any common form (`+49 171 …`, `0171 …`). Empty when `user_id` is given.
    #[serde(default)]
    pub from: String,
    /// Instead of `from`: the business-scoped user id (`DE.…`) of a customer with a WhatsApp username who shares
    /// no number — the webhook then carries only the user id, as Meta's does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A quick-reply tap: the label (payload = text = label) or `{payload, text}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<ButtonTap>,
    /// Profile name (default "Sandbox Kunde").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ButtonTap {
    Label(String),
    Full { payload: String, text: String },
}

/// The answer to `POST /_sandbox/inbound`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundAck {
    pub wamid: String,
    /// E.164 of the sender; the user id for a sender known by user id only.
    pub from: String,
    /// Whether a webhook was scheduled (false without a webhook URL).
    pub webhook: bool,
}

fn bad_request(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(json!({"error": message.into()}))).into_response()
}

/// Digits of a number written in any common way; German numbers without country code are read as German.
pub fn wa_id_of(input: &str) -> Option<String> {
    if let Ok(p) = Phone::parse(input, Region::DE) {
        return Some(p.as_e164().trim_start_matches('+').to_owned());
    }
    let digits: String = input.chars().filter(char::is_ascii_digit).collect();
    (8..=15).contains(&digits.len()).then_some(digits)
}

async fn ledger(State(app): State<Shared>) -> Response {
    let entries = app.lock().ledger.clone();
    axum::Json(entries).into_response()
}

async fn inbound(State(app): State<Shared>, axum::Json(req): axum::Json<InboundRequest>) -> Response {
    // The sender's key: a number's digits, or a business-scoped user id (asked for, or the seeded share of
    // customers with a username).
    let wa_id = match req.user_id.as_deref().map(str::trim) {
        Some(u) if crate::domain::phone::is_user_id(u) => u.to_owned(),
        Some(u) => return bad_request(format!("user_id {u:?} is not a business-scoped user id (like DE.1349…)")),
        None => match wa_id_of(&req.from) {
            Some(w) => super::state::sender_key(app.cfg.seed, app.cfg.username_share, &w),
            None => return bad_request(format!("from {:?} is not a phone number", req.from)),
        },
    };
    let button = req.button.as_ref().map(|b| match b {
        ButtonTap::Label(l) => (l.clone(), l.clone()),
        ButtonTap::Full { payload, text } => (payload.clone(), text.clone()),
    });
    if button.is_none() && req.text.as_deref().is_none_or(|t| t.is_empty()) {
        return bad_request("give text or button");
    }
    let meta = app.metadata(req.phone_number_id.as_deref());
    let (wamid, context) = {
        let mut inner = app.lock();
        inner.know_user(&wa_id);
        inner.windows.insert(wa_id.clone(), Instant::now());
        (inner.wamid(&wa_id), inner.last_sent.get(&wa_id).cloned())
    };
    let name = req.name.clone().unwrap_or_else(|| "Sandbox Kunde".into());
    let payload = inbound_payload(
        &meta,
        &Inbound {
            wamid: &wamid,
            from: &wa_id,
            name: &name,
            timestamp: app.cfg.clock.now().timestamp(),
            text: req.text.as_deref(),
            button: button.as_ref().map(|(p, t)| (p.as_str(), t.as_str())),
            context: context.as_deref(),
        },
    );
    app.hooks.schedule(std::time::Duration::ZERO, &payload);
    let from = if super::webhooks::is_user_only(&wa_id) { wa_id } else { format!("+{wa_id}") };
    axum::Json(InboundAck { wamid, from, webhook: app.hooks.enabled() }).into_response()
}

async fn get_faults(State(app): State<Shared>) -> Response {
    let faults = app.lock().faults.clone();
    axum::Json(faults).into_response()
}

async fn post_faults(State(app): State<Shared>, axum::Json(patch): axum::Json<FaultsPatch>) -> Response {
    if let Some(g) = &patch.gate {
        let Some(wa_id) = wa_id_of(g) else { return bad_request(format!("gate {g:?} is not a phone number")) };
        app.gates.close(&wa_id);
    }
    let mut inner = app.lock();
    let mut faults = inner.faults.clone();
    if let Err(e) = patch.apply(&mut faults) {
        return bad_request(e);
    }
    inner.faults = faults.clone();
    tracing::info!(?faults, "sandbox faults changed");
    axum::Json(faults).into_response()
}

/// `POST /_sandbox/release`: `{"phone": "+49…"}` opens one gate, `{}` all.
#[derive(Debug, Clone, Default, Deserialize)]
struct Release {
    #[serde(default)]
    phone: Option<String>,
}

async fn release(State(app): State<Shared>, axum::Json(r): axum::Json<Release>) -> Response {
    let wa_id = match r.phone.as_deref().map(wa_id_of) {
        Some(None) => return bad_request("phone is not a phone number"),
        Some(Some(w)) => Some(w),
        None => None,
    };
    let released = app.gates.release(wa_id.as_deref());
    axum::Json(json!({"released": released})).into_response()
}

async fn gates(State(app): State<Shared>) -> Response {
    axum::Json(app.gates.list()).into_response()
}

async fn webhooks(State(app): State<Shared>) -> Response {
    axum::Json(app.hooks.stats()).into_response()
}

async fn reset(State(app): State<Shared>) -> Response {
    app.gates.release(None);
    app.lock().reset(app.cfg.templates.clone(), app.cfg.faults.clone());
    tracing::info!("sandbox reset");
    axum::Json(json!({"reset": true})).into_response()
}

async fn info(State(app): State<Shared>) -> Response {
    let c = &app.cfg;
    let inner = app.lock();
    axum::Json(json!({
        "seed": inner.seed,
        "messages": inner.ledger.len(),
        "templates": inner.templates.len(),
        "rate_per_second": c.rate_per_second,
        "webhook": c.webhook_url.is_some(),
        "signed": c.app_secret.is_some(),
        "waba_id": c.waba_id,
        "phone_number_id": c.phone_number_id,
    }))
    .into_response()
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/_sandbox", get(info))
        .route("/_sandbox/ledger", get(ledger))
        .route("/_sandbox/inbound", post(inbound))
        .route("/_sandbox/faults", get(get_faults).post(post_faults))
        .route("/_sandbox/gates", get(gates))
        .route("/_sandbox/release", post(release))
        .route("/_sandbox/webhooks", get(webhooks))
        .route("/_sandbox/reset", post(reset))
}
