//! `POST /{phone-number-id}/messages` in the sandbox: mark-read, template and text sends. Checks like Meta's
//! (template exists in that language and is approved → else 132001/132015/132016; parameter count → 132000;
//! values → 131008/131009/132012/132005; text outside the 24 h window → 131047), the per-number rate over a sliding
//! second (130429), the pair limit (131056), and as fault settings business portfolio pacing (held answers, then
//! 135000) and marketing disabled for the number (131063), then records the message in the ledger and schedules its status
//! webhooks. Gates and injected faults are applied here too. The state lock is never held across `.await`.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::server::{GraphError, Shared};
use super::state::{Inner, LedgerEntry, derived_rng};
use super::webhooks::{Outcome, StatusEvent, status_payload, timeline};
use crate::domain::template::{
    Button, Category, Header, ParameterFormat, Placeholder, Status, Template, check_value, fill,
};
use crate::store::ts;

/// A message that passed all checks, before it is accepted.
struct Checked {
    kind: &'static str,
    template: Option<(String, String, Category)>,
    params: Value,
    text: Option<String>,
}

/// A `type` or `sub_type` as Meta reads it: in any letter case (SDKs send `BODY`, `QUICK_REPLY`).
fn kind_of(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_ascii_lowercase()
}

fn param_text(p: &Value) -> Option<String> {
    match kind_of(p, "type").as_str() {
        "text" => p.get("text").and_then(Value::as_str).map(str::to_owned),
        "currency" => p.pointer("/currency/fallback_value").and_then(Value::as_str).map(str::to_owned),
        "date_time" => p.pointer("/date_time/fallback_value").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn check_param_value(p: &Placeholder, value: &str, part: &str) -> Result<(), GraphError> {
    if value.trim().is_empty() {
        return Err(GraphError::bad(
            131008,
            "Required parameter is missing",
            format!("{part}: Parameter of type text is missing text value"),
        ));
    }
    check_value(p, value).map_err(|_| {
        GraphError::bad(
            131009,
            "Parameter value is not valid",
            format!("{part}: Param text cannot have new-line/tab characters or more than 4 consecutive spaces"),
        )
    })
}

fn components<'a>(tmpl: &'a Value, kind: &str) -> Vec<&'a Value> {
    tmpl.get("components")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter(|c| kind_of(c, "type") == kind).collect())
        .unwrap_or_default()
}

fn check_template(templates: &[Template], tmpl: &Value) -> Result<Checked, GraphError> {
    let name = tmpl
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| GraphError::bad(100, "Invalid parameter", "The parameter template['name'] is required."))?;
    let lang = tmpl.pointer("/language/code").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| {
        GraphError::bad(100, "Invalid parameter", "The parameter template['language']['code'] is required.")
    })?;
    let t = templates.iter().find(|t| t.name == name && t.language == lang).ok_or_else(|| {
        GraphError::bad(
            132001,
            "Template name does not exist in the translation",
            format!("template name ({name}) does not exist in {lang}"),
        )
    })?;
    match &t.status {
        Status::Approved => {}
        Status::Paused => {
            return Err(GraphError::bad(132015, "Template is Paused", format!("template {name} is paused")));
        }
        Status::Disabled => {
            return Err(GraphError::bad(132016, "Template has been disabled", format!("template {name} is disabled")));
        }
        other => {
            return Err(GraphError::bad(
                132001,
                "Template name does not exist in the translation",
                format!("template name ({name}) is not approved in {lang} (status {})", other.as_meta()),
            ));
        }
    }
    // Header.
    let header_params: Vec<&Value> =
        components(tmpl, "header").iter().flat_map(|c| c["parameters"].as_array().into_iter().flatten()).collect();
    match &t.header {
        Some(Header::Image) => {
            let p = header_params.first().ok_or_else(|| {
                GraphError::bad(131008, "Required parameter is missing", "header: image parameter is missing")
            })?;
            let kind = kind_of(p, "type");
            if kind != "image" {
                return Err(GraphError::bad(
                    132012,
                    "Parameter format does not match format in the created template",
                    format!("header: Format mismatch, expected IMAGE, received {}", kind.to_uppercase()),
                ));
            }
            let has_media = ["link", "id"]
                .iter()
                .any(|k| p.pointer(&format!("/image/{k}")).and_then(Value::as_str).is_some_and(|s| !s.is_empty()));
            if !has_media {
                return Err(GraphError::bad(131008, "Required parameter is missing", "header: image needs link or id"));
            }
        }
        Some(Header::Text { .. }) => {
            if let Some(ph) = t.header_placeholder() {
                let v = header_params.first().and_then(|p| param_text(p)).ok_or_else(|| {
                    GraphError::bad(131008, "Required parameter is missing", "header: text parameter is missing")
                })?;
                check_param_value(&ph, &v, "header")?;
            }
        }
        _ => {}
    }
    // Body.
    let placeholders = t.body_placeholders();
    let body_params: Vec<&Value> =
        components(tmpl, "body").iter().flat_map(|c| c["parameters"].as_array().into_iter().flatten()).collect();
    if body_params.len() != placeholders.len() {
        return Err(GraphError::bad(
            132000,
            "Number of parameters does not match the expected number of params",
            format!(
                "body: number of localizable_params ({}) does not match the expected number of params ({})",
                body_params.len(),
                placeholders.len()
            ),
        ));
    }
    let mut values: Vec<(Placeholder, String)> = Vec::new();
    for (i, p) in body_params.iter().enumerate() {
        let v = param_text(p).unwrap_or_default();
        let ph = match t.parameter_format {
            ParameterFormat::Positional => placeholders[i].clone(),
            ParameterFormat::Named => {
                let n = p.get("parameter_name").and_then(Value::as_str).unwrap_or("");
                let ph = Placeholder::Named(n.to_owned());
                if !placeholders.contains(&ph) || values.iter().any(|(q, _)| *q == ph) {
                    return Err(GraphError::bad(
                        131008,
                        "Required parameter is missing",
                        format!("body: parameter_name {n:?} does not match the template's parameters"),
                    ));
                }
                ph
            }
        };
        check_param_value(&ph, &v, "body")?;
        values.push((ph, v));
    }
    let filled = fill(&t.body, |p| values.iter().find(|(q, _)| q == p).map(|(_, v)| v.clone()));
    if filled.chars().count() > crate::domain::template::MAX_BODY {
        return Err(GraphError::bad(
            132005,
            "Translated text too long",
            "body: text after filling is over 1024 characters",
        ));
    }
    // Buttons.
    for b in components(tmpl, "button") {
        // Meta takes the index as a string or a number.
        let raw = match b.get("index") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let button = raw.trim().parse::<usize>().ok().and_then(|i| t.buttons.get(i));
        let fits = matches!(
            (kind_of(b, "sub_type").as_str(), button),
            ("quick_reply", Some(Button::QuickReply { .. })) | ("url", Some(Button::Url { .. }))
        );
        if !fits {
            return Err(GraphError::bad(
                131009,
                "Parameter value is not valid",
                format!("button at index {raw:?} does not fit the template"),
            ));
        }
    }
    let params = match t.parameter_format {
        ParameterFormat::Positional => Value::Array(values.into_iter().map(|(_, v)| Value::String(v)).collect()),
        ParameterFormat::Named => {
            Value::Object(values.into_iter().map(|(p, v)| (p.key(), Value::String(v))).collect::<Map<_, _>>())
        }
    };
    Ok(Checked {
        kind: "template",
        template: Some((t.name.clone(), t.language.clone(), t.category)),
        params,
        text: None,
    })
}

fn check(app: &Shared, inner: &Inner, body: &Value, wa_id: &str, now: Instant) -> Result<Checked, GraphError> {
    match body.get("type").and_then(Value::as_str).unwrap_or("text") {
        "template" => check_template(&inner.templates, body.get("template").unwrap_or(&Value::Null)),
        "text" => {
            let text = body.pointer("/text/body").and_then(Value::as_str).filter(|s| !s.trim().is_empty());
            let text = text
                .ok_or_else(|| GraphError::bad(100, "Invalid parameter", "The parameter text['body'] is required."))?;
            if text.chars().count() > 4096 {
                return Err(GraphError::bad(100, "Invalid parameter", "text['body'] is longer than 4096 characters"));
            }
            if !inner.window_open(wa_id, app.cfg.window, now) {
                return Err(GraphError::bad(
                    131047,
                    "Re-engagement message",
                    "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
                ));
            }
            Ok(Checked { kind: "text", template: None, params: Value::Null, text: Some(text.to_owned()) })
        }
        other => Err(GraphError::bad(
            100,
            "Invalid parameter",
            format!("the sandbox supports type template and text, not {other:?}"),
        )),
    }
}

/// Whom a send is addressed to, as Meta reads it: `to` (a number) wins; without it `recipient`, a business-scoped
/// user id the sandbox knows (since July 2026). Returns the input as sent and the user's key (a number's digits, or
/// the BSUID of a user known by user id only).
fn recipient_of(app: &Shared, body: &Value) -> Result<(String, String), GraphError> {
    let to = body.get("to").and_then(Value::as_str).filter(|t| !t.is_empty());
    if to.is_none()
        && let Some(user_id) = body.get("recipient").and_then(Value::as_str)
    {
        if !crate::domain::phone::is_user_id(user_id) {
            return Err(GraphError::bad(
                100,
                "Invalid parameter",
                "The parameter recipient is not a valid business-scoped user ID.",
            ));
        }
        let key = app.lock().user_key(user_id).ok_or_else(|| {
            GraphError::bad(131026, "Message undeliverable", "No WhatsApp user with this business-scoped user ID.")
        })?;
        return Ok((user_id.to_owned(), key));
    }
    let input = to.unwrap_or("").to_owned();
    let wa_id: String = input.chars().filter(char::is_ascii_digit).collect();
    if !(8..=15).contains(&wa_id.len()) || input.chars().any(|c| !(c.is_ascii_digit() || "+-() ".contains(c))) {
        return Err(GraphError::bad(100, "Invalid parameter", "The parameter to is not a valid phone number."));
    }
    Ok((input, wa_id))
}

/// Handles one request to the messages endpoint.
pub async fn handle(app: Shared, pnid: String, raw: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&raw) else {
        return app.error(GraphError::bad(100, "Invalid parameter", "Request body is not valid JSON"));
    };
    if body.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return app.error(GraphError::bad(100, "Invalid parameter", "The parameter messaging_product is required."));
    }
    if body.get("status").and_then(Value::as_str) == Some("read") {
        return if body.get("message_id").and_then(Value::as_str).is_some_and(|s| !s.is_empty()) {
            axum::Json(json!({"success": true})).into_response()
        } else {
            app.error(GraphError::bad(100, "Invalid parameter", "The parameter message_id is required."))
        };
    }
    let (input, wa_id) = match recipient_of(&app, &body) {
        Ok(r) => r,
        Err(e) => return app.error(e),
    };
    if let Some(ticket) = app.gates.ticket(&wa_id) {
        tokio::select! {
            () = ticket.wait() => {}
            () = app.stopping() => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        }
    }
    let now = Instant::now();
    let accepted = {
        let mut inner = app.lock();
        let faults = inner.faults.clone();
        if inner.chance(faults.server_error_share) {
            // As Meta answers a fault on its side: JSON with a transient code, not a bare text.
            let e = GraphError {
                transient: true,
                ..GraphError::new(StatusCode::INTERNAL_SERVER_ERROR, 1, "An unknown error occurred")
            };
            return e.response(&inner.fbtrace_id());
        }
        let wait = match app.cfg.rate_per_second {
            Some(limit) => inner.rate_check(&pnid, limit, app.cfg.rate_window, now).err(),
            None => None,
        };
        let forced = inner.chance(faults.rate_limit_share);
        if forced || wait.is_some() {
            let trace = inner.fbtrace_id();
            // Retry-After in whole seconds, at least 1.
            let secs = wait.map_or(1, |w| w.as_secs() + u64::from(w.subsec_nanos() > 0)).max(1);
            let e = GraphError {
                retry_after: Some(secs),
                details: Some("Message failed to send because there were too many messages sent from this phone number in a short period of time".into()),
                ..GraphError::new(StatusCode::TOO_MANY_REQUESTS, 130429, "Rate limit hit")
            };
            return e.response(&trace);
        }
        let checked = match check(&app, &inner, &body, &wa_id, now) {
            Ok(c) => c,
            Err(e) => {
                let trace = inner.fbtrace_id();
                return e.response(&trace);
            }
        };
        if let Some(limit) = app.cfg.pair_limit
            && !inner.pair_take(&wa_id, limit, now)
        {
            let trace = inner.fbtrace_id();
            return GraphError::bad(
                131056,
                "(Business Account, Consumer Account) pair rate limit hit",
                "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
            )
            .response(&trace);
        }
        if inner.faults.marketing_disabled && matches!(checked.template, Some((_, _, Category::Marketing))) {
            let trace = inner.fbtrace_id();
            return GraphError::bad(
                131063,
                "Marketing messages disabled",
                "Message failed to send because marketing messages are not enabled for this phone number on Cloud API.",
            )
            .response(&trace);
        }
        // Business portfolio pacing (a fault setting): the first sends are held for Meta's quality assessment,
        // the rest fail with 135000 while the portfolio is under review.
        let held = match inner.faults.pace() {
            super::faults::Pacing::Off => false,
            super::faults::Pacing::Hold => true,
            super::faults::Pacing::Refuse => {
                let trace = inner.fbtrace_id();
                return GraphError::bad(
                    135000,
                    "Business portfolio under quality assessment",
                    "Message failed to send because your business portfolio is paused while the quality of recent messages is reviewed. No messages can be sent and no templates created until the review ends.",
                )
                .response(&trace);
            }
        };
        let callback = body.get("biz_opaque_callback_data");
        accept(&app, &mut inner, &pnid, &input, &wa_id, checked, callback, held, now)
    };
    let (response, timeout) = accepted;
    if timeout {
        // The message is accepted (ledger, webhooks); the answer comes too late for the client.
        tokio::select! {
            () = tokio::time::sleep(app.cfg.timeout_fault_delay) => {}
            () = app.stopping() => {}
        }
    }
    axum::Json(response).into_response()
}

#[allow(clippy::too_many_arguments)]
fn accept(
    app: &Shared,
    inner: &mut Inner,
    pnid: &str,
    input: &str,
    wa_id: &str,
    c: Checked,
    callback: Option<&Value>,
    held: bool,
    now: Instant,
) -> (Value, bool) {
    let wamid = inner.wamid(wa_id);
    let callback = callback.and_then(Value::as_str).map(str::to_owned);
    let at = app.cfg.clock.now();
    inner.rate_record(pnid, now);
    inner.last_sent.insert(wa_id.to_owned(), wamid.clone());
    inner.last_phone_number_id = Some(pnid.to_owned());
    inner.know_user(wa_id);
    let category = c.template.as_ref().map(|(_, _, cat)| *cat);
    let by_user_id = crate::domain::phone::is_user_id(input);
    let user_only = super::webhooks::is_user_only(wa_id);
    inner.ledger.push(LedgerEntry {
        to: if user_only { wa_id.to_owned() } else { format!("+{wa_id}") },
        input: input.to_owned(),
        recipient: by_user_id.then(|| input.to_owned()),
        wamid: wamid.clone(),
        kind: c.kind.to_owned(),
        template: c.template.as_ref().map(|(n, _, _)| n.clone()),
        language: c.template.as_ref().map(|(_, l, _)| l.clone()),
        params: c.params,
        text: c.text,
        biz_opaque_callback_data: callback.clone(),
        accepted_at: ts(at),
        phone_number_id: pnid.to_owned(),
    });
    let timeout = inner.chance(inner.faults.timeout_share);
    if app.hooks.enabled() {
        let plan = app.cfg.statuses;
        let mut who = derived_rng(inner.seed, &format!("recipient:{wa_id}"));
        let undeliverable = who.random::<f64>() < plan.fail_share;
        let stopped = who.random::<f64>() < plan.stop_share && category == Some(Category::Marketing);
        let outcome = if undeliverable {
            Outcome::Undeliverable
        } else if stopped {
            Outcome::MarketingStopped
        } else {
            Outcome::Delivered
        };
        // Pricing as Meta bills since 1 Oct 2026: every message is `regular` and billable, the category by what was
        // sent — replies (free text) as `service`, utility templates as `utility` inside the 24 h window too.
        let pricing = match category {
            Some(Category::Marketing) => ("regular", "marketing"),
            Some(Category::Utility) => ("regular", "utility"),
            Some(Category::Authentication) => ("regular", "authentication"),
            None => ("regular", "service"),
        };
        let mut rng = derived_rng(inner.seed, &wamid);
        let events = timeline(&plan, &inner.faults, &outcome, &mut rng);
        let has_delivered = events.iter().any(|(_, s)| *s == "delivered");
        let meta = super::webhooks::Metadata {
            waba_id: app.cfg.waba_id.clone(),
            display_phone_number: app.cfg.display_phone_number.chars().filter(char::is_ascii_digit).collect(),
            phone_number_id: pnid.to_owned(),
        };
        for (delay, status) in events {
            let error = match (&outcome, status) {
                (Outcome::Undeliverable, _) => Some((131026, "Message undeliverable", "Message Undeliverable.")),
                (Outcome::MarketingStopped, _) => Some((
                    131050,
                    "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business",
                    "The user has stopped receiving marketing messages from this business.",
                )),
                _ => None,
            };
            let with_price = status == "sent" || status == "delivered" || (status == "read" && !has_delivered);
            let event = StatusEvent {
                wamid: wamid.clone(),
                status,
                timestamp: (at + chrono::Duration::from_std(delay).unwrap_or_default()).timestamp(),
                recipient_id: wa_id.to_owned(),
                callback_data: callback.clone(),
                pricing: (with_price && error.is_none()).then_some(pricing),
                error,
            };
            let payload = status_payload(&meta, &event);
            let copies = if rng.random::<f64>() < inner.faults.webhook_duplicate_share { 2 } else { 1 };
            for i in 0..copies {
                app.hooks.schedule(delay + Duration::from_millis(i * 3), &payload);
            }
        }
    }
    // A send by user id is answered with the user id; a send to a number with the number (Meta, since 2026).
    let contact =
        if by_user_id { json!({"input": input, "user_id": input}) } else { json!({"input": input, "wa_id": wa_id}) };
    let response = json!({
        "messaging_product": "whatsapp",
        "contacts": [contact],
        "messages": [{"id": wamid, "message_status": if held { "held_for_quality_assessment" } else { "accepted" }}],
    });
    (response, timeout)
}
