//! Parsing incoming webhook bodies (Meta's `object` / `entry[]` / `changes[]` / `value` / `field` envelope) into a
//! flat list of events hofbote acts on. Lenient by design: unknown fields and unknown `field` values are kept as
//! `Other`, missing optional parts (e.g. `wa_id` for users with a username, since 2026) are `None`; only a body that is
//! not JSON or not an envelope is an error. Never panics on any input. Pure: no IO.

use serde::Deserialize;
use serde_json::Value;

/// Delivery states Meta reports for outgoing messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    Failed,
    Other(String),
}

impl DeliveryStatus {
    fn parse(s: &str) -> DeliveryStatus {
        match s {
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "failed" => DeliveryStatus::Failed,
            other => DeliveryStatus::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Other(s) => s,
        }
    }
}

/// An error object as Meta puts it into webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiErrorInfo {
    pub code: i64,
    pub title: String,
    pub details: String,
}

/// A status update for a message we sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEvent {
    pub wamid: String,
    pub status: DeliveryStatus,
    pub timestamp: Option<i64>,
    pub recipient_id: Option<String>,
    pub recipient_user_id: Option<String>,
    pub callback_data: Option<String>,
    pub pricing_category: Option<String>,
    /// What Meta bills for the message (`pricing`), on `sent` and on one of `delivered`/`read`.
    pub pricing: Option<Pricing>,
    pub errors: Vec<ApiErrorInfo>,
}

/// The `pricing` block of a status (since 1 Oct 2026 on every kind of message, replies included):
/// `{billable, pricing_model: "PMP", category, type}`. Every part may be missing in older or other payloads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pricing {
    /// Meta's own yes/no (documented as "will be deprecated": `type` decides where both are present).
    pub billable: Option<bool>,
    pub pricing_model: Option<String>,
    /// `marketing`, `utility`, `service`, `authentication`, … as Meta writes it.
    pub category: Option<String>,
    /// `type`: `regular` (charged), `free_customer_service`, `free_entry_point`, …
    pub kind: Option<String>,
}

impl Pricing {
    /// Whether Meta charges this message: `billable: false` or a `free_…` type never is; `type: regular` or
    /// `billable: true` is; a block saying neither is not counted as charged.
    pub fn charged(&self) -> bool {
        let free_type = self.kind.as_deref().is_some_and(|k| k.starts_with("free"));
        if self.billable == Some(false) || free_type {
            return false;
        }
        self.billable == Some(true) || self.kind.as_deref() == Some("regular")
    }

    fn parse(p: &Value) -> Option<Pricing> {
        if !p.is_object() {
            return None;
        }
        Some(Pricing {
            billable: p.get("billable").and_then(|b| match b {
                Value::Bool(b) => Some(*b),
                Value::String(s) => s.parse().ok(),
                _ => None,
            }),
            pricing_model: s(p, "pricing_model"),
            category: s(p, "category"),
            kind: s(p, "type"),
        })
    }
}

/// What an inbound message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundContent {
    Text(String),
    /// A tap on a template's quick-reply button.
    Button {
        payload: String,
        text: String,
    },
    /// A tap on an interactive reply button or list row.
    Interactive {
        id: String,
        title: String,
    },
    /// Media, location, reaction, system, … — stored, not acted on.
    Other {
        kind: String,
        caption: String,
    },
}

/// A message a customer sent us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    pub wamid: String,
    /// The sender's number as digits (`wa_id`), when WhatsApp shares it.
    pub from: Option<String>,
    /// The business-scoped user id, when present.
    pub from_user_id: Option<String>,
    pub profile_name: Option<String>,
    pub timestamp: Option<i64>,
    pub context_wamid: Option<String>,
    pub content: InboundContent,
}

/// A change of the user's marketing setting in WhatsApp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPreference {
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub category: String,
    /// `stop` or `resume` (others kept as sent).
    pub value: String,
    pub timestamp: Option<i64>,
}

/// A template changed status or category at Meta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateUpdate {
    pub name: String,
    pub language: String,
    pub status: Option<String>,
    pub category: Option<String>,
    pub reason: Option<String>,
}

/// Something Meta says about the business account or phone number (`account_update`, and the limit signals
/// `business_capability_update` / `phone_number_quality_update`). Kept whole enough to act on and to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountUpdate {
    /// The webhook field it came in.
    pub field: String,
    /// `event` (`ACCOUNT_RESTRICTION`, `DISABLED_UPDATE`, …); empty when the field has none.
    pub event: String,
    /// The entry's `time` (Unix seconds), when sent.
    pub time: Option<i64>,
    /// `restriction_info[]`: (restriction_type, expiration as Unix seconds).
    pub restrictions: Vec<(String, Option<i64>)>,
    /// `violation_info.violation_type`.
    pub violation: Option<String>,
    /// `ban_info.waba_ban_state` (`DISABLE`, `REINSTATE`, `SCHEDULE_FOR_DISABLE`) and its date as sent.
    pub ban_state: Option<String>,
    pub ban_date: Option<String>,
    /// A messaging limit the event names (`TIER_2K`, `2000`, `-1`), see [`tier_of`].
    pub limit: Option<String>,
}

/// The number of unique recipients per 24 h a messaging limit means, 0 = unlimited: `TIER_250`, `TIER_2K`,
/// `TIER_10K`, `TIER_100K`, `TIER_UNLIMITED`, or a plain count (`2000`; `-1` = unlimited). `None`: not a limit.
pub fn tier_of(limit: &str) -> Option<u32> {
    let t = limit.trim().to_ascii_uppercase();
    if t == "-1" || t.ends_with("UNLIMITED") {
        return Some(0);
    }
    let t = t.strip_prefix("TIER_").unwrap_or(&t);
    let (digits, factor) = match t.strip_suffix('K') {
        Some(d) => (d, 1000),
        None => (t, 1),
    };
    digits.parse::<u32>().ok().filter(|n| *n > 0).and_then(|n| n.checked_mul(factor))
}

/// One thing a webhook told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    Status(StatusEvent),
    Message(InboundMessage),
    UserPreference(UserPreference),
    Template(TemplateUpdate),
    /// The account or its limits changed (restrictions, bans, tiers, and events hofbote does not know).
    Account(AccountUpdate),
    /// Errors delivered outside a status (`value.errors`).
    Errors(Vec<ApiErrorInfo>),
    /// A field hofbote does not act on (template quality, calls, …).
    Other {
        field: String,
    },
}

/// Why a body could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("body is not JSON: {0}")]
    NotJson(String),
    #[error("body is not a WhatsApp webhook envelope (object/entry missing)")]
    NotEnvelope,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    entry: Option<Vec<Entry>>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    time: Option<Value>,
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: Value,
}

/// Parses a webhook body into events, in the order they appear.
pub fn parse(body: &[u8]) -> Result<Vec<WebhookEvent>, PayloadError> {
    let env: Envelope = serde_json::from_slice(body).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    let (Some(_), Some(entries)) = (env.object, env.entry) else {
        return Err(PayloadError::NotEnvelope);
    };
    let mut events = Vec::new();
    for entry in entries {
        let time = entry.time.as_ref().and_then(|t| match t {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        });
        for change in entry.changes {
            if matches!(
                change.field.as_str(),
                "account_update" | "business_capability_update" | "phone_number_quality_update"
            ) {
                events.push(WebhookEvent::Account(account_update(&change.field, &change.value, time)));
                continue;
            }
            parse_change(&change.field, &change.value, &mut events);
        }
    }
    Ok(events)
}

fn s(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn ts(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn errors(v: &Value) -> Vec<ApiErrorInfo> {
    arr(v, "errors")
        .iter()
        .map(|e| ApiErrorInfo {
            code: e.get("code").and_then(Value::as_i64).unwrap_or(0),
            title: s(e, "title").or_else(|| s(e, "message")).unwrap_or_default(),
            details: e.get("error_data").and_then(|d| s(d, "details")).unwrap_or_default(),
        })
        .collect()
}

fn parse_change(field: &str, value: &Value, out: &mut Vec<WebhookEvent>) {
    match field {
        "messages" => parse_messages_value(value, out),
        "user_preferences" => {
            let contacts = arr(value, "contacts");
            for p in arr(value, "user_preferences") {
                let contact = contacts.first();
                out.push(WebhookEvent::UserPreference(UserPreference {
                    wa_id: s(p, "wa_id").or_else(|| contact.and_then(|c| s(c, "wa_id"))),
                    user_id: s(p, "user_id").or_else(|| contact.and_then(|c| s(c, "user_id"))),
                    category: s(p, "category").unwrap_or_default(),
                    value: s(p, "value").unwrap_or_default(),
                    timestamp: ts(p, "timestamp"),
                }));
            }
        }
        "message_template_status_update" | "template_category_update" => {
            out.push(WebhookEvent::Template(TemplateUpdate {
                name: s(value, "message_template_name").unwrap_or_default(),
                language: s(value, "message_template_language").unwrap_or_default(),
                status: if field == "template_category_update" { None } else { s(value, "event") },
                category: s(value, "new_category").or_else(|| s(value, "message_template_category")),
                reason: s(value, "reason"),
            }));
        }
        other => out.push(WebhookEvent::Other { field: other.to_owned() }),
    }
}

fn account_update(field: &str, value: &Value, time: Option<i64>) -> AccountUpdate {
    let restrictions = arr(value, "restriction_info")
        .iter()
        .map(|r| (s(r, "restriction_type").unwrap_or_default(), ts(r, "expiration")))
        .collect();
    let ban = value.get("ban_info").unwrap_or(&Value::Null);
    // Where each field carries its limit: business_capability_update (the per-phone one goes in Feb 2026),
    // phone_number_quality_update, and limit events of account_update.
    let limit = [
        "max_daily_conversations_per_business",
        "max_daily_conversation_per_phone",
        "current_limit",
        "messaging_limit",
        "new_messaging_limit",
    ]
    .iter()
    .find_map(|k| s(value, k))
    .or_else(|| {
        value.get("messaging_limit_info").and_then(|i| s(i, "messaging_limit").or_else(|| s(i, "current_limit")))
    });
    AccountUpdate {
        field: field.to_owned(),
        event: s(value, "event").unwrap_or_default(),
        time,
        restrictions,
        violation: value.get("violation_info").and_then(|v| s(v, "violation_type")),
        ban_state: s(ban, "waba_ban_state"),
        ban_date: s(ban, "waba_ban_date"),
        limit,
    }
}

fn parse_messages_value(value: &Value, out: &mut Vec<WebhookEvent>) {
    for st in arr(value, "statuses") {
        let Some(wamid) = s(st, "id") else { continue };
        out.push(WebhookEvent::Status(StatusEvent {
            wamid,
            status: DeliveryStatus::parse(&s(st, "status").unwrap_or_default()),
            timestamp: ts(st, "timestamp"),
            recipient_id: s(st, "recipient_id"),
            recipient_user_id: s(st, "recipient_user_id"),
            callback_data: s(st, "biz_opaque_callback_data"),
            pricing_category: st.get("pricing").and_then(|p| s(p, "category")),
            pricing: st.get("pricing").and_then(Pricing::parse),
            errors: errors(st),
        }));
    }
    let contacts = arr(value, "contacts");
    for m in arr(value, "messages") {
        let Some(wamid) = s(m, "id") else { continue };
        let from = s(m, "from");
        let from_user_id = s(m, "from_user_id");
        let contact = contacts
            .iter()
            .find(|c| {
                (from.is_some() && s(c, "wa_id") == from) || (from_user_id.is_some() && s(c, "user_id") == from_user_id)
            })
            .or_else(|| if contacts.len() == 1 { contacts.first() } else { None });
        let kind = s(m, "type").unwrap_or_default();
        let content = match kind.as_str() {
            "text" => InboundContent::Text(m.get("text").and_then(|t| s(t, "body")).unwrap_or_default()),
            "button" => {
                let b = m.get("button").unwrap_or(&Value::Null);
                InboundContent::Button {
                    payload: s(b, "payload").unwrap_or_default(),
                    text: s(b, "text").unwrap_or_default(),
                }
            }
            "interactive" => {
                let i = m.get("interactive").unwrap_or(&Value::Null);
                let reply = i.get("button_reply").or_else(|| i.get("list_reply")).unwrap_or(&Value::Null);
                InboundContent::Interactive {
                    id: s(reply, "id").unwrap_or_default(),
                    title: s(reply, "title").unwrap_or_default(),
                }
            }
            other => {
                let caption = m.get(other).and_then(|x| s(x, "caption").or_else(|| s(x, "body"))).unwrap_or_default();
                InboundContent::Other { kind: other.to_owned(), caption }
            }
        };
        out.push(WebhookEvent::Message(InboundMessage {
            wamid,
            from: from.clone().or_else(|| contact.and_then(|c| s(c, "wa_id"))),
            from_user_id: from_user_id.or_else(|| contact.and_then(|c| s(c, "user_id"))),
            profile_name: contact.and_then(|c| c.get("profile")).and_then(|p| s(p, "name")),
            timestamp: ts(m, "timestamp"),
            context_wamid: m.get("context").and_then(|c| s(c, "id")),
            content,
        }));
    }
    let errs = errors(value);
    if !errs.is_empty() {
        out.push(WebhookEvent::Errors(errs));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_status_with_callback_data_and_pricing() {
        let body =
            br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
            "statuses":[{"id":"wamid.A","status":"delivered","timestamp":"1750030073","recipient_id":"491711234567",
            "biz_opaque_callback_data":"42","pricing":{"category":"marketing"}}]}}]}]}"#;
        let events = parse(body).unwrap();
        assert_eq!(events.len(), 1);
        let WebhookEvent::Status(st) = &events[0] else { panic!("{events:?}") };
        assert_eq!(st.status, DeliveryStatus::Delivered);
        assert_eq!(st.callback_data.as_deref(), Some("42"));
        assert_eq!(st.pricing_category.as_deref(), Some("marketing"));
        assert_eq!(st.timestamp, Some(1_750_030_073));
        assert_eq!(st.pricing, Some(Pricing { category: Some("marketing".into()), ..Pricing::default() }));
    }

    #[test]
    fn pricing_as_meta_sends_it_since_october_2026() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{
            "statuses":[{"id":"wamid.P","status":"sent","timestamp":"1","recipient_id":"49171",
            "pricing":{"billable":true,"pricing_model":"PMP","category":"service","type":"regular"}}]}}]}]}"#;
        let WebhookEvent::Status(st) = &parse(body).unwrap()[0] else { panic!() };
        let p = st.pricing.clone().unwrap();
        assert_eq!(p.pricing_model.as_deref(), Some("PMP"));
        assert_eq!((p.category.as_deref(), p.kind.as_deref()), (Some("service"), Some("regular")));
        assert!(p.charged());
    }

    #[test]
    fn what_is_charged() {
        let p = |billable: Option<bool>, kind: Option<&str>| Pricing {
            billable,
            kind: kind.map(str::to_owned),
            category: Some("utility".into()),
            pricing_model: Some("PMP".into()),
        };
        assert!(p(Some(true), Some("regular")).charged());
        assert!(p(None, Some("regular")).charged(), "billable is being deprecated: type alone decides");
        assert!(p(Some(true), None).charged(), "older payloads without type");
        assert!(!p(Some(false), Some("regular")).charged());
        assert!(!p(Some(true), Some("free_entry_point")).charged());
        assert!(!p(None, Some("free_customer_service")).charged());
        assert!(!p(None, None).charged());
        assert_eq!(Pricing::parse(&serde_json::json!("x")), None);
    }

    #[test]
    fn a_message_without_wa_id_but_with_a_user_id_is_accepted() {
        let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{
            "contacts":[{"profile":{"name":"Anna"},"user_id":"DE.123"}],
            "messages":[{"from_user_id":"DE.123","id":"wamid.B","timestamp":"1","type":"text","text":{"body":"STOP"}}]}}]}]}"#;
        let events = parse(body).unwrap();
        let WebhookEvent::Message(m) = &events[0] else { panic!() };
        assert_eq!(m.from, None);
        assert_eq!(m.from_user_id.as_deref(), Some("DE.123"));
        assert_eq!(m.profile_name.as_deref(), Some("Anna"));
        assert_eq!(m.content, InboundContent::Text("STOP".into()));
    }

    fn fixture_bodies(text: &str) -> Vec<(String, Vec<WebhookEvent>)> {
        let v: Value = serde_json::from_str(text).unwrap();
        v.as_object().unwrap().iter().map(|(k, b)| (k.clone(), parse(b.to_string().as_bytes()).unwrap())).collect()
    }

    #[test]
    fn every_recorded_account_update_is_an_account_event() {
        let cases = fixture_bodies(include_str!("../../tests/fixtures/webhooks/pywa-2026/account_update.json"));
        assert!(cases.len() > 10);
        for (case, events) in &cases {
            assert!(
                matches!(events.as_slice(), [WebhookEvent::Account(a)] if !a.event.is_empty()),
                "{case}: {events:?}"
            );
        }
        let get = |name: &str| match &cases.iter().find(|c| c.0 == name).unwrap().1[0] {
            WebhookEvent::Account(a) => a.clone(),
            _ => unreachable!(),
        };
        let r = get("account_restriction");
        assert_eq!(r.event, "ACCOUNT_RESTRICTION");
        assert_eq!(r.time, Some(1_641_330_498));
        assert_eq!(r.restrictions[0], ("RESTRICTED_BIZ_INITIATED_MESSAGING".into(), Some(1_641_330_498)));
        assert_eq!(get("account_violation").violation.as_deref(), Some("ADULT"));
        let d = get("account_disabled");
        assert_eq!((d.ban_state.as_deref(), d.ban_date.as_deref()), (Some("REINSTATE"), Some("April 17, 2025")));
    }

    #[test]
    fn limit_signals_carry_their_tier() {
        let body = |field: &str, value: &str| {
            format!(
                r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","time":"5","changes":[{{"field":"{field}","value":{value}}}]}}]}}"#
            )
        };
        let limit = |b: String| match parse(b.as_bytes()).unwrap().as_slice() {
            [WebhookEvent::Account(a)] => (a.limit.clone(), a.time),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            limit(body(
                "business_capability_update",
                r#"{"max_daily_conversation_per_phone":1000,"max_daily_conversations_per_business":2000}"#
            )),
            (Some("2000".into()), Some(5))
        );
        assert_eq!(
            limit(body(
                "phone_number_quality_update",
                r#"{"event":"THROUGHPUT_UPGRADE","current_limit":"TIER_UNLIMITED"}"#
            ))
            .0
            .as_deref(),
            Some("TIER_UNLIMITED")
        );
        assert_eq!(tier_of("TIER_250"), Some(250));
        assert_eq!(tier_of("TIER_2K"), Some(2000));
        assert_eq!(tier_of("tier_100k"), Some(100_000));
        assert_eq!(tier_of("TIER_UNLIMITED"), Some(0));
        assert_eq!(tier_of("-1"), Some(0));
        assert_eq!(tier_of("10000"), Some(10_000));
        assert_eq!(tier_of("FLAGGED"), None);
        assert_eq!(tier_of("0"), None);
    }

    #[test]
    fn not_an_envelope_is_an_error() {
        assert!(matches!(parse(b"{}"), Err(PayloadError::NotEnvelope)));
        assert!(matches!(parse(b"nope"), Err(PayloadError::NotJson(_))));
        assert!(matches!(parse(br#"{"object":"x","entry":[]}"#), Ok(v) if v.is_empty()));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn arbitrary_json_shapes_never_panic(
            field in "[a-z_]{0,20}",
            value in proptest::arbitrary::any::<String>(),
            n in any::<i64>(),
        ) {
            let body = serde_json::json!({"object":"whatsapp_business_account","entry":[{"changes":[
                {"field": field, "value": {"statuses":[{"id": value, "status": n, "errors":[{"code": value}]}],
                 "messages":[{"id": n, "type": value, "from": [1,2]}], "user_preferences": value,
                 "contacts": n}}]}]});
            let _ = parse(body.to_string().as_bytes());
        }
    }
}
