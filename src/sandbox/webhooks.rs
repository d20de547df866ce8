//! Webhooks from the sandbox: Meta's envelope (`object`/`entry[]`/`changes[]`/`value`/`field`) for status updates
//! (sent → delivered → read, or failed with 131026/131050) and inbound messages (text, button), serialised like
//! Meta does (every non-ASCII character as `\uXXXX`) and signed over exactly the bytes sent. Delivery is retried
//! with backoff until the receiver answers 200 or the retry time is over, so a receiver that was down gets its
//! events later. Only building and delivering live here; what to send is decided by the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::faults::Faults;
use crate::config::Secret;
use crate::whatsapp::signature;

/// How failed webhook deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait before the first retry; doubles each time.
    pub first: Duration,
    pub max_interval: Duration,
    /// Stop retrying this long after the first attempt (Meta: 7 days).
    pub give_up_after: Duration,
    /// Timeout of one POST.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first: Duration::from_millis(500),
            max_interval: Duration::from_secs(60),
            give_up_after: Duration::from_secs(3600),
            request_timeout: Duration::from_secs(5),
        }
    }
}

/// When status webhooks follow an accepted message, and which messages fail.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatusPlan {
    /// From acceptance to `sent` (or `failed`).
    pub sent_after: Duration,
    /// From `sent` to `delivered`.
    pub delivered_after: Duration,
    /// From `delivered` to `read`.
    pub read_after: Duration,
    /// Share of delivered messages that are read.
    pub read_share: f64,
    /// Share of recipients whose messages fail with 131026 (decided per recipient from the seed).
    pub fail_share: f64,
    /// Share of recipients who stopped marketing (131050, marketing templates only; per recipient).
    pub stop_share: f64,
}

impl Default for StatusPlan {
    fn default() -> Self {
        StatusPlan {
            sent_after: Duration::from_millis(200),
            delivered_after: Duration::from_millis(800),
            read_after: Duration::from_secs(2),
            read_share: 0.6,
            fail_share: 0.03,
            stop_share: 0.02,
        }
    }
}

/// The business side of the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub waba_id: String,
    /// Digits only, as Meta writes it in webhooks.
    pub display_phone_number: String,
    pub phone_number_id: String,
}

/// What `GET /_sandbox/webhooks` shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookStats {
    pub scheduled: u64,
    pub attempts: u64,
    pub delivered: u64,
    pub failed_attempts: u64,
    pub given_up: u64,
    /// Scheduled and not yet delivered or given up.
    pub pending: u64,
}

#[derive(Debug, Default)]
struct Counters {
    scheduled: AtomicU64,
    attempts: AtomicU64,
    delivered: AtomicU64,
    failed_attempts: AtomicU64,
    given_up: AtomicU64,
}

/// Serialises like Meta: compact JSON with every character above U+007F escaped as `\uXXXX` (surrogate pairs
/// beyond the BMP). Non-ASCII can only occur inside strings, so escaping the output text is exact.
pub fn encode(v: &Value) -> Vec<u8> {
    let text = v.to_string();
    let mut out = String::with_capacity(text.len() + 16);
    let mut buf = [0u16; 2];
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out.into_bytes()
}

fn envelope(meta: &Metadata, value: Value) -> Value {
    number_envelope(meta, "messages", value)
}

/// The envelope of a change that concerns the phone number (`messages`, `user_preferences`): the value carries
/// `messaging_product` and the number's `metadata`.
fn number_envelope(meta: &Metadata, field: &str, value: Value) -> Value {
    let mut value = value;
    if let Value::Object(map) = &mut value {
        map.insert("messaging_product".into(), json!("whatsapp"));
        map.insert(
            "metadata".into(),
            json!({"display_phone_number": meta.display_phone_number, "phone_number_id": meta.phone_number_id}),
        );
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": meta.waba_id, "changes": [{"value": value, "field": field}]}]
    })
}

/// One status update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEvent {
    pub wamid: String,
    /// sent | delivered | read | failed
    pub status: &'static str,
    pub timestamp: i64,
    /// The recipient's number (digits), or the BSUID of a user known by user id only: then the status carries
    /// `recipient_user_id` instead of `recipient_id`.
    pub recipient_id: String,
    pub callback_data: Option<String>,
    /// (`type`, `category`) for `pricing`, e.g. ("regular", "marketing").
    pub pricing: Option<(&'static str, &'static str)>,
    /// (code, title, details) for `failed`.
    pub error: Option<(i64, &'static str, &'static str)>,
}

/// The business-scoped user id Meta gives this WhatsApp user (`DE.…`, since 2026 in every messages webhook, statuses
/// included): stable per number, the country from the number's calling code.
pub fn bsuid(wa_id: &str) -> String {
    let digits: String = wa_id.chars().filter(char::is_ascii_digit).collect();
    let country = [("49", "DE"), ("43", "AT"), ("41", "CH"), ("31", "NL"), ("1", "US")]
        .iter()
        .find(|(cc, _)| digits.starts_with(cc))
        .map_or("DE", |(_, iso)| iso);
    // FNV-1a: the same number always gets the same id, different numbers different ones.
    let hash = digits.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{country}.{hash:020}")
}

/// Whether a simulated user is known by user id only (a WhatsApp username, no number shared): their key in the
/// sandbox is then the BSUID itself instead of the digits of a number.
pub fn is_user_only(key: &str) -> bool {
    crate::domain::phone::is_user_id(key)
}

/// The `contacts` block of a messages webhook: the number, the user id, and the profile name where Meta sends one.
/// A user known by user id only has no `wa_id` (Meta omits it for users with a username who share no number).
fn contact(wa_id: &str, name: Option<&str>) -> Value {
    let mut c =
        if is_user_only(wa_id) { json!({"user_id": wa_id}) } else { json!({"wa_id": wa_id, "user_id": bsuid(wa_id)}) };
    if let Some(name) = name {
        c["profile"] = json!({"name": name});
    }
    c
}

/// The `statuses` webhook for one event.
pub fn status_payload(meta: &Metadata, e: &StatusEvent) -> Value {
    let mut status = json!({"id": e.wamid, "status": e.status, "timestamp": e.timestamp.to_string()});
    let who = if is_user_only(&e.recipient_id) { "recipient_user_id" } else { "recipient_id" };
    status[who] = json!(e.recipient_id);
    if let Some(cb) = &e.callback_data {
        status["biz_opaque_callback_data"] = json!(cb);
    }
    if let Some((kind, category)) = e.pricing {
        status["pricing"] =
            json!({"billable": kind == "regular", "pricing_model": "PMP", "type": kind, "category": category});
    }
    if let Some((code, title, details)) = e.error {
        status["errors"] = json!([{
            "code": code, "title": title, "message": title, "error_data": {"details": details},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
        }]);
    }
    envelope(meta, json!({"contacts": [contact(&e.recipient_id, None)], "statuses": [status]}))
}

/// An inbound message webhook (`text` or `button`).
pub struct Inbound<'a> {
    pub wamid: &'a str,
    /// The sender's number (digits), or the BSUID of a user known by user id only (then `from_user_id`, no `from`).
    pub from: &'a str,
    pub name: &'a str,
    pub timestamp: i64,
    pub text: Option<&'a str>,
    /// (payload, text) of a quick-reply tap.
    pub button: Option<(&'a str, &'a str)>,
    /// The message the button belonged to.
    pub context: Option<&'a str>,
}

pub fn inbound_payload(meta: &Metadata, m: &Inbound<'_>) -> Value {
    let mut message = json!({"id": m.wamid, "timestamp": m.timestamp.to_string()});
    message[if is_user_only(m.from) { "from_user_id" } else { "from" }] = json!(m.from);
    if let Some((payload, text)) = m.button {
        message["type"] = json!("button");
        message["button"] = json!({"payload": payload, "text": text});
        if let Some(ctx) = m.context {
            message["context"] = json!({"from": meta.display_phone_number, "id": ctx});
        }
    } else {
        message["type"] = json!("text");
        message["text"] = json!({"body": m.text.unwrap_or_default()});
    }
    envelope(meta, json!({"contacts": [contact(m.from, Some(m.name))], "messages": [message]}))
}

/// A webhook of a field other than `messages` (account and template events): `entry[]` with the WABA id and the
/// time, no `messaging_product` or `metadata` in the value, as Meta sends them.
fn business_envelope(meta: &Metadata, time: i64, field: &str, value: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": meta.waba_id, "time": time, "changes": [{"value": value, "field": field}]}]
    })
}

/// An `account_update` webhook: `value` holds `event` and what that event carries (`restriction_info`,
/// `violation_info`, `ban_info`, …).
pub fn account_update_payload(meta: &Metadata, time: i64, value: Value) -> Value {
    business_envelope(meta, time, "account_update", value)
}

/// A template's review status changed (`APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, …).
pub fn template_status_payload(
    meta: &Metadata,
    time: i64,
    t: &crate::domain::template::Template,
    event: &str,
    reason: &str,
) -> Value {
    let value = json!({
        "event": event,
        "message_template_id": t.meta_id.parse::<u64>().unwrap_or(0),
        "message_template_name": t.name,
        "message_template_language": t.language,
        "reason": reason,
        "message_template_category": t.category.as_meta(),
    });
    business_envelope(meta, time, "message_template_status_update", value)
}

/// Meta moved a template to another category (`new_category`), announced by `template_category_update`.
pub fn template_category_payload(
    meta: &Metadata,
    time: i64,
    t: &crate::domain::template::Template,
    new_category: &str,
) -> Value {
    let value = json!({
        "message_template_id": t.meta_id.parse::<u64>().unwrap_or(0),
        "message_template_name": t.name,
        "message_template_language": t.language,
        "new_category": new_category,
    });
    business_envelope(meta, time, "template_category_update", value)
}

/// The user stopped or resumed marketing messages in WhatsApp (`user_preferences`, category `marketing_messages`).
pub fn user_preferences_payload(meta: &Metadata, time: i64, wa_id: &str, value: &str) -> Value {
    let detail = match value {
        "stop" => "User requested to stop marketing messages",
        _ => "User requested to resume marketing messages",
    };
    let v = json!({
        "contacts": [contact(wa_id, None)],
        "user_preferences": [{
            "wa_id": wa_id, "detail": detail, "category": "marketing_messages", "value": value, "timestamp": time
        }]
    });
    number_envelope(meta, "user_preferences", v)
}

/// Which events follow an accepted message, and after what delay from acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    Undeliverable,
    MarketingStopped,
}

/// The timeline of status events for one message: `(delay from acceptance, status)`, faults applied.
/// `rng` is the message's own RNG (derived from the seed), so concurrent requests do not disturb each other.
pub fn timeline(
    plan: &StatusPlan,
    faults: &Faults,
    outcome: &Outcome,
    rng: &mut StdRng,
) -> Vec<(Duration, &'static str)> {
    let draw = |rng: &mut StdRng, share: f64| share > 0.0 && rng.random::<f64>() < share;
    match outcome {
        Outcome::Undeliverable | Outcome::MarketingStopped => vec![(plan.sent_after, "failed")],
        Outcome::Delivered => {
            let sent = plan.sent_after;
            let mut delivered = sent + plan.delivered_after;
            let read = delivered + plan.read_after;
            let mut events = vec![(sent, "sent")];
            let is_read = draw(rng, plan.read_share);
            let skip_delivered = draw(rng, faults.skip_delivered_share) && is_read;
            if draw(rng, faults.webhook_out_of_order_share) {
                // `delivered` overtakes `sent`.
                delivered = sent.saturating_sub(Duration::from_millis(1));
                events[0].0 = sent + plan.delivered_after.max(Duration::from_millis(5));
            }
            if !skip_delivered {
                events.push((delivered, "delivered"));
            }
            if is_read {
                events.push((read, "read"));
            }
            events.sort_by_key(|(d, _)| *d);
            events
        }
    }
}

/// Delivers webhooks to one URL, signing each body, retrying with backoff.
#[derive(Debug, Clone)]
pub struct Deliverer {
    http: reqwest::Client,
    url: Option<String>,
    secret: Option<Secret>,
    retry: RetryPolicy,
    counters: Arc<Counters>,
    shutdown: watch::Receiver<bool>,
}

impl Deliverer {
    pub fn new(
        url: Option<String>,
        secret: Option<Secret>,
        retry: RetryPolicy,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Deliverer, String> {
        crate::whatsapp::ensure_crypto_provider();
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(retry.request_timeout)
            .user_agent("facebookexternalua")
            .build()
            .map_err(|e| e.without_url().to_string())?;
        Ok(Deliverer { http, url, secret, retry, counters: Arc::new(Counters::default()), shutdown })
    }

    pub fn enabled(&self) -> bool {
        self.url.is_some()
    }

    pub fn stats(&self) -> WebhookStats {
        let c = &self.counters;
        let scheduled = c.scheduled.load(Ordering::SeqCst);
        let delivered = c.delivered.load(Ordering::SeqCst);
        let given_up = c.given_up.load(Ordering::SeqCst);
        WebhookStats {
            scheduled,
            attempts: c.attempts.load(Ordering::SeqCst),
            delivered,
            failed_attempts: c.failed_attempts.load(Ordering::SeqCst),
            given_up,
            pending: scheduled.saturating_sub(delivered + given_up),
        }
    }

    /// Sends `body` after `delay` (in its own task); does nothing without a webhook URL.
    pub fn schedule(&self, delay: Duration, payload: &Value) {
        let Some(url) = self.url.clone() else { return };
        let body = encode(payload);
        self.counters.scheduled.fetch_add(1, Ordering::SeqCst);
        let this = self.clone();
        tokio::spawn(async move {
            let mut shutdown = this.shutdown.clone();
            tokio::select! {
                () = this.deliver(url, body, delay) => {}
                _ = shutdown.wait_for(|s| *s) => {}
            }
        });
    }

    async fn deliver(&self, url: String, body: Vec<u8>, delay: Duration) {
        tokio::time::sleep(delay).await;
        let signature = self.secret.as_ref().map(|s| signature::sign(s.expose().as_bytes(), &body));
        let started = tokio::time::Instant::now();
        let mut wait = self.retry.first;
        loop {
            self.counters.attempts.fetch_add(1, Ordering::SeqCst);
            let mut req = self.http.post(&url).header("content-type", "application/json").body(body.clone());
            if let Some(sig) = &signature {
                req = req.header(signature::HEADER, sig);
            }
            match req.send().await {
                Ok(resp) if resp.status() == reqwest::StatusCode::OK => {
                    self.counters.delivered.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                Ok(resp) => tracing::debug!(status = resp.status().as_u16(), "sandbox webhook refused; will retry"),
                Err(e) => tracing::debug!(error = %e.without_url(), "sandbox webhook failed; will retry"),
            }
            self.counters.failed_attempts.fetch_add(1, Ordering::SeqCst);
            if started.elapsed() + wait > self.retry.give_up_after {
                self.counters.given_up.fetch_add(1, Ordering::SeqCst);
                tracing::warn!("sandbox gave up delivering a webhook");
                return;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(self.retry.max_interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn meta() -> Metadata {
        Metadata { waba_id: "102".into(), display_phone_number: "495021900100".into(), phone_number_id: "106".into() }
    }

    #[test]
    fn encodes_non_ascii_like_meta() {
        let bytes = encode(&json!({"name": "Jörg 🐄"}));
        assert_eq!(String::from_utf8(bytes.clone()).unwrap(), r#"{"name":"J\u00f6rg \ud83d\udc04"}"#);
        let back: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back["name"], "Jörg 🐄");
    }

    #[test]
    fn status_payload_has_metas_shape() {
        let e = StatusEvent {
            wamid: "wamid.X".into(),
            status: "sent",
            timestamp: 1_750_030_073,
            recipient_id: "491711234567".into(),
            callback_data: Some("42".into()),
            pricing: Some(("regular", "marketing")),
            error: None,
        };
        let v = status_payload(&meta(), &e);
        assert_eq!(v["object"], "whatsapp_business_account");
        assert_eq!(v["entry"][0]["id"], "102");
        let change = &v["entry"][0]["changes"][0];
        assert_eq!(change["field"], "messages");
        assert_eq!(change["value"]["metadata"]["phone_number_id"], "106");
        // Since 2026 statuses carry the contact with the business-scoped user id, failed ones included.
        assert_eq!(change["value"]["contacts"][0]["user_id"], bsuid("491711234567"));
        let s = &change["value"]["statuses"][0];
        assert_eq!(s["timestamp"], "1750030073");
        assert_eq!(s["biz_opaque_callback_data"], "42");
        assert_eq!(
            s["pricing"],
            json!({"billable": true, "pricing_model": "PMP", "type": "regular", "category": "marketing"})
        );
        let failed = StatusEvent { status: "failed", pricing: None, error: Some((131050, "t", "d")), ..e };
        assert_eq!(
            status_payload(&meta(), &failed)["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0]["code"],
            131050
        );
    }

    #[test]
    fn inbound_payload_has_contacts_and_button() {
        let m = Inbound {
            wamid: "wamid.I",
            from: "491711234567",
            name: "Anna",
            timestamp: 1,
            text: None,
            button: Some(("Keine Angebote mehr", "Keine Angebote mehr")),
            context: Some("wamid.T"),
        };
        let v = &inbound_payload(&meta(), &m)["entry"][0]["changes"][0]["value"];
        assert_eq!(
            v["contacts"][0],
            json!({"profile": {"name": "Anna"}, "wa_id": "491711234567", "user_id": bsuid("491711234567")})
        );
        assert!(bsuid("491711234567").starts_with("DE.") && bsuid("491711234567") != bsuid("491711234568"));
        assert_eq!(v["messages"][0]["type"], "button");
        assert_eq!(v["messages"][0]["button"]["payload"], "Keine Angebote mehr");
        assert_eq!(v["messages"][0]["context"]["id"], "wamid.T");
    }

    #[test]
    fn timelines() {
        let plan = StatusPlan { read_share: 1.0, ..StatusPlan::default() };
        let mut rng = StdRng::seed_from_u64(1);
        let t = timeline(&plan, &Faults::default(), &Outcome::Delivered, &mut rng);
        assert_eq!(t.iter().map(|(_, s)| *s).collect::<Vec<_>>(), ["sent", "delivered", "read"]);
        let swapped = Faults { webhook_out_of_order_share: 1.0, ..Faults::default() };
        let t = timeline(&plan, &swapped, &Outcome::Delivered, &mut rng);
        assert_eq!(t.iter().map(|(_, s)| *s).collect::<Vec<_>>(), ["delivered", "sent", "read"]);
        let skip = Faults { skip_delivered_share: 1.0, ..Faults::default() };
        let t = timeline(&plan, &skip, &Outcome::Delivered, &mut rng);
        assert_eq!(t.iter().map(|(_, s)| *s).collect::<Vec<_>>(), ["sent", "read"]);
        assert_eq!(timeline(&plan, &skip, &Outcome::MarketingStopped, &mut rng).len(), 1);
    }
}
