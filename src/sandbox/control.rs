//! The sandbox's control routes under `/_sandbox/` (no token; the sandbox listens on loopback):
//! `GET /ledger` (every accepted message), `POST /inbound` (a customer writes: signed `messages` webhook, opens the
//! 24 h window), `GET|POST /faults` (fault injection, gates), `GET /gates`, `POST /release`, `GET /webhooks`
//! (delivery counters), `POST /reset`, `GET /` (facts about this sandbox), `POST /event` (Meta tells the business
//! something: `account_update`, `template_category_update`, `message_template_status_update`, `user_preferences` —
//! the sandbox changes its own state to match, e.g. the limit `GET /{phone-number-id}` reports, and sends the signed
//! webhook).
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

/// `POST /_sandbox/event`: what Meta tells the business, by webhook field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventRequest {
    /// `event` as Meta names it; the other fields fill what that event carries.
    AccountUpdate {
        event: String,
        /// For `ACCOUNT_RESTRICTION`: `RESTRICTED_BIZ_INITIATED_MESSAGING`, … (none: the restriction ended).
        #[serde(default)]
        restriction_types: Vec<String>,
        /// For `ACCOUNT_RESTRICTION`: seconds from now until it expires (default one day).
        #[serde(default)]
        expires_in_seconds: Option<i64>,
        /// For `ACCOUNT_VIOLATION`.
        #[serde(default)]
        violation_type: Option<String>,
        /// For `DISABLED_UPDATE`: `DISABLE`, `REINSTATE`, `SCHEDULE_FOR_DISABLE`.
        #[serde(default)]
        ban_state: Option<String>,
        /// The limit `GET /{phone-number-id}` reports from now on (`TIER_2K`, …); not part of the webhook.
        #[serde(default)]
        messaging_limit: Option<String>,
        /// The throughput level reported from now on (`STANDARD`, `HIGH`).
        #[serde(default)]
        throughput_level: Option<String>,
    },
    TemplateCategoryUpdate {
        template: String,
        #[serde(default = "german")]
        language: String,
        new_category: String,
    },
    MessageTemplateStatusUpdate {
        template: String,
        #[serde(default = "german")]
        language: String,
        event: String,
        #[serde(default)]
        reason: Option<String>,
    },
    UserPreferences {
        /// The customer's number, any common form.
        from: String,
        /// `stop` or `resume`.
        value: String,
    },
}

fn german() -> String {
    "de".into()
}

/// The account_update `value` for an event (see [`EventRequest::AccountUpdate`]).
fn account_value(
    event: &str,
    now: i64,
    restriction_types: &[String],
    expires_in: Option<i64>,
    violation: Option<&str>,
    ban_state: Option<&str>,
) -> serde_json::Value {
    let mut v = json!({"event": event});
    match event {
        "ACCOUNT_RESTRICTION" => {
            let until = now + expires_in.unwrap_or(24 * 3600);
            v["restriction_info"] = restriction_types
                .iter()
                .map(|t| json!({"restriction_type": t, "expiration": until}))
                .collect::<Vec<_>>()
                .into();
        }
        "ACCOUNT_VIOLATION" => v["violation_info"] = json!({"violation_type": violation.unwrap_or("SCAM")}),
        "DISABLED_UPDATE" => {
            let date = chrono::DateTime::from_timestamp(now, 0).map(|t| t.format("%B %-d, %Y").to_string());
            v["ban_info"] = json!({"waba_ban_state": ban_state.unwrap_or("DISABLE"), "waba_ban_date": date});
        }
        _ => {}
    }
    v
}

async fn event(State(app): State<Shared>, axum::Json(req): axum::Json<EventRequest>) -> Response {
    use super::webhooks::{
        account_update_payload, template_category_payload, template_status_payload, user_preferences_payload,
    };
    let meta = app.metadata(None);
    let now = app.cfg.clock.now().timestamp();
    let payload = match &req {
        EventRequest::AccountUpdate {
            event,
            restriction_types,
            expires_in_seconds,
            violation_type,
            ban_state,
            messaging_limit,
            throughput_level,
        } => {
            let mut inner = app.lock();
            if let Some(l) = messaging_limit {
                inner.messaging_limit = Some(l.clone());
            }
            if let Some(l) = throughput_level {
                inner.throughput_level = Some(l.clone());
            }
            let value = account_value(
                event,
                now,
                restriction_types,
                *expires_in_seconds,
                violation_type.as_deref(),
                ban_state.as_deref(),
            );
            account_update_payload(&meta, now, value)
        }
        EventRequest::TemplateCategoryUpdate { template, language, new_category } => {
            let Some(category) = crate::domain::template::Category::parse(new_category) else {
                return bad_request(format!("new_category {new_category:?} is not a category"));
            };
            let mut inner = app.lock();
            let Some(t) = inner.templates.iter_mut().find(|t| &t.name == template && &t.language == language) else {
                return bad_request(format!("no template {template} ({language})"));
            };
            t.category = category;
            template_category_payload(&meta, now, t, category.as_meta())
        }
        EventRequest::MessageTemplateStatusUpdate { template, language, event, reason } => {
            let mut inner = app.lock();
            let Some(t) = inner.templates.iter_mut().find(|t| &t.name == template && &t.language == language) else {
                return bad_request(format!("no template {template} ({language})"));
            };
            t.status = crate::domain::template::Status::parse(event);
            template_status_payload(&meta, now, t, event, reason.as_deref().unwrap_or("NONE"))
        }
        EventRequest::UserPreferences { from, value } => {
            let Some(wa_id) = wa_id_of(from) else {
                return bad_request(format!("from {from:?} is not a phone number"));
            };
            if !matches!(value.as_str(), "stop" | "resume") {
                return bad_request("value is stop or resume");
            }
            user_preferences_payload(&meta, now, &wa_id, value)
        }
    };
    app.hooks.schedule(std::time::Duration::ZERO, &payload);
    axum::Json(json!({"webhook": app.hooks.enabled(), "body": payload})).into_response()
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
        .route("/_sandbox/event", post(event))
}
