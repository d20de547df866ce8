//! The sandbox's HTTP surface (axum): the Graph routes under any `/vNN.N/` prefix with any phone-number or WABA id
//! (`POST /{id}/messages`, `GET /{waba}/message_templates`, `GET /{phone-number-id}`), bearer-token checks (401 with
//! code 190 like Meta), Meta-shaped error bodies, and the `/_sandbox/…` control routes (see `control`).
//! Routing and shared state only; sending is in `messages`, webhooks in `webhooks`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::SandboxConfig;
use super::faults::Gates;
use super::state::Inner;
use super::webhooks::{Deliverer, Metadata};
use super::{control, messages, templates};

/// State shared by all handlers.
#[derive(Debug)]
pub struct App {
    pub cfg: SandboxConfig,
    pub inner: Mutex<Inner>,
    pub gates: Gates,
    pub hooks: Deliverer,
    pub shutdown: watch::Receiver<bool>,
}

pub type Shared = Arc<App>;

impl App {
    /// The state; a panicked handler cannot poison the sandbox for everyone else.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn metadata(&self, phone_number_id: Option<&str>) -> Metadata {
        let pnid = phone_number_id
            .map(str::to_owned)
            .or_else(|| self.lock().last_phone_number_id.clone())
            .unwrap_or_else(|| self.cfg.phone_number_id.clone());
        Metadata {
            waba_id: self.cfg.waba_id.clone(),
            display_phone_number: self.cfg.display_phone_number.chars().filter(char::is_ascii_digit).collect(),
            phone_number_id: pnid,
        }
    }

    /// A Meta-shaped error response with a fresh trace id.
    pub fn error(&self, e: GraphError) -> Response {
        let trace = self.lock().fbtrace_id();
        e.response(&trace)
    }

    /// Resolves when the sandbox shuts down.
    pub async fn stopping(&self) {
        let mut rx = self.shutdown.clone();
        let _ = rx.wait_for(|s| *s).await;
    }
}

/// A Graph API error as Meta writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: i64,
    pub subcode: Option<i64>,
    /// The title without the `(#code)` prefix.
    pub title: String,
    pub details: Option<String>,
    pub retry_after: Option<u64>,
    /// Meta's `is_transient: true` (its own faults: try again).
    pub transient: bool,
}

impl GraphError {
    pub fn new(status: StatusCode, code: i64, title: impl Into<String>) -> GraphError {
        GraphError {
            status,
            code,
            subcode: None,
            title: title.into(),
            details: None,
            retry_after: None,
            transient: false,
        }
    }

    /// HTTP 400 with a Meta code and details.
    pub fn bad(code: i64, title: &str, details: impl Into<String>) -> GraphError {
        GraphError { details: Some(details.into()), ..GraphError::new(StatusCode::BAD_REQUEST, code, title) }
    }

    pub fn response(&self, fbtrace_id: &str) -> Response {
        let mut error = json!({
            "message": format!("(#{}) {}", self.code, self.title),
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": fbtrace_id,
        });
        if let Some(sub) = self.subcode {
            error["error_subcode"] = json!(sub);
        }
        if self.transient {
            error["is_transient"] = json!(true);
        }
        if let Some(d) = &self.details {
            error["error_data"] = json!({"messaging_product": "whatsapp", "details": d});
        }
        let mut resp = (self.status, axum::Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after {
            let h = resp.headers_mut();
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
            let usage = json!({"0": [{"type": "whatsapp", "call_count": 100, "total_cputime": 1, "total_time": 1,
                                      "estimated_time_to_regain_access": 0}]});
            if let Ok(v) = HeaderValue::from_str(&usage.to_string()) {
                h.insert("x-business-use-case-usage", v);
            }
        }
        resp
    }
}

/// `v25.0` and the like.
fn version_ok(v: &str) -> bool {
    v.strip_prefix('v').and_then(|r| r.split_once('.')).is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && a.chars().all(|c| c.is_ascii_digit()) && b.chars().all(|c| c.is_ascii_digit())
    })
}

/// Checks the version prefix and the bearer token; Meta answers a missing or wrong token with 401 / code 190.
/// Returns the refusal, if any.
fn guard(app: &App, version: &str, headers: &HeaderMap) -> Option<Response> {
    if !version_ok(version) {
        return Some(app.error(GraphError::bad(
            100,
            "Unknown path components",
            format!("unknown version {version:?}"),
        )));
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty());
    let ok = match (presented, &app.cfg.token) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(p), Some(expected)) => {
            use subtle::ConstantTimeEq;
            bool::from(p.as_bytes().ct_eq(expected.expose().as_bytes()))
        }
    };
    if ok {
        None
    } else {
        let e = GraphError {
            subcode: presented.map(|_| 463),
            ..GraphError::new(
                StatusCode::UNAUTHORIZED,
                190,
                if presented.is_some() {
                    "Error validating access token: Session has expired or the token is invalid."
                } else {
                    "An active access token must be used to query information about the current user."
                },
            )
        };
        Some(app.error(e))
    }
}

async fn post_messages(
    State(app): State<Shared>,
    Path((version, pnid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = guard(&app, &version, &headers) {
        return r;
    }
    // Processing runs in its own task: like Meta, a request that was received is processed even if the client hangs
    // up (that is what makes "outcome unknown" real).
    let task = tokio::spawn(messages::handle(app.clone(), pnid, body));
    match task.await {
        Ok(r) => r,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The URL of this request without its query (for `paging.next`).
fn self_url(headers: &HeaderMap, app: &App, path: &str) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_owned);
    format!("http://{}{path}", host.unwrap_or_else(|| app.cfg.listen.to_string()))
}

async fn get_templates(
    State(app): State<Shared>,
    Path((version, waba)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = guard(&app, &version, &headers) {
        return r;
    }
    let url = self_url(&headers, &app, &format!("/{version}/{waba}/message_templates"));
    let result = {
        let inner = app.lock();
        templates::list(&inner.templates, &q, &url)
    };
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => app.error(GraphError::bad(100, "Invalid parameter", e.0)),
    }
}

async fn get_node(
    State(app): State<Shared>,
    Path((version, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = guard(&app, &version, &headers) {
        return r;
    }
    let c = &app.cfg;
    let (limit, level) = {
        let inner = app.lock();
        (
            inner.messaging_limit.clone().unwrap_or_else(|| c.messaging_limit.clone()),
            inner.throughput_level.clone().unwrap_or_else(|| c.throughput_level.clone()),
        )
    };
    let all = json!({
        "verified_name": c.verified_name,
        "display_phone_number": c.display_phone_number,
        "quality_rating": c.quality_rating,
        "throughput": {"level": level},
        "whatsapp_business_manager_messaging_limit": limit,
        "code_verification_status": "VERIFIED",
        "platform_type": "CLOUD_API",
    });
    let default_fields = "verified_name,code_verification_status,display_phone_number,quality_rating";
    let fields = q.get("fields").map(String::as_str).unwrap_or(default_fields);
    let mut out = serde_json::Map::new();
    for f in fields.split(',').map(str::trim) {
        if let Some(v) = all.get(f) {
            out.insert(f.to_owned(), v.clone());
        }
    }
    out.insert("id".into(), Value::String(id));
    axum::Json(Value::Object(out)).into_response()
}

async fn fallback(State(app): State<Shared>) -> Response {
    app.error(GraphError::bad(100, "Unknown path components", "the sandbox does not know this path"))
}

pub fn router(app: Shared) -> Router {
    Router::new()
        .route("/{version}/{id}/messages", post(post_messages))
        .route("/{version}/{id}/message_templates", get(get_templates))
        .route("/{version}/{id}", get(get_node))
        .merge(control::routes())
        .fallback(fallback)
        .with_state(app)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(version_ok("v25.0") && version_ok("v9.12"));
        assert!(!version_ok("25.0") && !version_ok("v25") && !version_ok("v.0") && !version_ok("vx.1"));
    }

    #[test]
    fn error_body_is_meta_shaped() {
        let e = GraphError {
            retry_after: Some(1),
            ..GraphError::new(StatusCode::TOO_MANY_REQUESTS, 130429, "Rate limit hit")
        };
        let r = e.response("AbC");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
    }
}
