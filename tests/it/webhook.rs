//! Integration tests: the webhook payload parser on every real fixture, the receiver over real HTTP on loopback
//! (signature, store-before-ack, body limit, verification), and the effects (statuses forward-only and idempotent,
//! STOP, ANMELDEN → JA double opt-in, user preferences, 131050).

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use hofbote::clock::{Clock, ManualClock};
use hofbote::config::Secret;
use hofbote::domain::consent::{ConsentState, EventKind, NewConsentEvent, Purpose, Source};
use hofbote::domain::customer::CustomerDraft;
use hofbote::domain::phone::{Phone, Region};
use hofbote::store::{Db, Store};
use hofbote::webhook::{ApplyContext, Receiver, ReceiverConfig, apply_pending};
use hofbote::whatsapp::payload::{self, InboundContent, WebhookEvent};
use hofbote::whatsapp::signature;
use serde_json::{Value, json};

use crate::support::{fixture, wait_until};

const SECRET: &str = "test-app-secret";

fn all_fixture_payloads() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["whaloc", "pywa"] {
        let mut files: Vec<_> =
            std::fs::read_dir(fixture(&format!("webhooks/{dir}"))).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if dir == "whaloc" {
                out.push((name, bytes));
            } else {
                let v: serde_json::Map<String, Value> = serde_json::from_slice(&bytes).unwrap();
                for (key, body) in v {
                    out.push((format!("{name}#{key}"), serde_json::to_vec(&body).unwrap()));
                }
            }
        }
    }
    out
}

#[test]
fn every_fixture_payload_is_accepted_by_the_parser() {
    let payloads = all_fixture_payloads();
    assert_eq!(payloads.len(), 14 + 36, "all whaloc files and every pywa key");
    let mut statuses = 0;
    let mut messages = 0;
    let mut prefs = 0;
    let mut templates = 0;
    let mut buttons = 0;
    for (name, body) in &payloads {
        let events = payload::parse(body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!events.is_empty(), "{name}: no events");
        for e in &events {
            match e {
                WebhookEvent::Status(s) => {
                    statuses += 1;
                    assert!(s.wamid.starts_with("wamid."), "{name}");
                }
                WebhookEvent::Message(m) => {
                    messages += 1;
                    if matches!(m.content, InboundContent::Button { .. } | InboundContent::Interactive { .. }) {
                        buttons += 1;
                    }
                }
                WebhookEvent::UserPreference(_) => prefs += 1,
                WebhookEvent::Template(_) => templates += 1,
                _ => {}
            }
        }
    }
    assert!(statuses >= 7, "statuses {statuses}");
    assert!(messages >= 25, "messages {messages}");
    assert!(prefs >= 3, "prefs {prefs}");
    assert_eq!(templates, 4, "status updates and the category update");
    assert_eq!(buttons, 3, "button and quick_reply callbacks, and the interactive reply with an error");
}

fn envelope(value: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": value}]}]}))
    .unwrap()
}

fn text_message(from: &str, wamid: &str, text: &str, ts: i64) -> Vec<u8> {
    envelope(json!({"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
        "contacts": [{"profile": {"name": "Anna Weiß"}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": ts.to_string(), "type": "text", "text": {"body": text}}]}))
}

pub(crate) fn status(wamid: &str, status: &str, callback: Option<&str>, code: Option<i64>) -> Vec<u8> {
    let mut st = json!({"id": wamid, "status": status, "timestamp": "1764234000", "recipient_id": "491711234567"});
    if let Some(c) = callback {
        st["biz_opaque_callback_data"] = json!(c);
    }
    if let Some(code) = code {
        st["errors"] = json!([{"code": code, "title": "failed", "error_data": {"details": "x"}}]);
    }
    envelope(json!({"statuses": [st]}))
}

struct Env {
    store: Store,
    clock: ManualClock,
    ctx: ApplyContext,
    _dir: tempfile::TempDir,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2025, 11, 27, 9, 0, 0).unwrap());
    let mut store = Store::open(&dir.path().join("h.sqlite"), Arc::new(clock.clone())).unwrap();
    store.ensure_default_wordings("Hof Sonnenwiese", "Wiesenweg 3").unwrap();
    Env {
        store,
        clock,
        ctx: ApplyContext { shop_name: "Hof Sonnenwiese".into(), region: Region::DE, signups_per_hour: 50 },
        _dir: dir,
    }
}

impl Env {
    fn ingest(&mut self, body: Vec<u8>) {
        self.store.store_webhook_bodies(&[body]).unwrap();
        apply_pending(&mut self.store, &self.ctx).unwrap();
    }

    fn customer(&mut self, phone: &str) -> i64 {
        let p = Phone::parse(phone, Region::DE).unwrap();
        self.store.insert_customer(&CustomerDraft::new("Anna Weiß", "Anna", p, &[], "").unwrap()).unwrap().id
    }

    fn grant(&mut self, id: i64, purpose: Purpose) {
        let now = self.clock.now();
        self.store
            .record_consent(&NewConsentEvent {
                customer_id: id,
                purpose,
                kind: EventKind::Granted,
                source: Source::ShopForm,
                evidence: "F-1".into(),
                wording_version: None,
                recorded_by: "t".into(),
                occurred_at: now - chrono::Duration::days(1),
            })
            .unwrap();
    }

    fn outbox_row(&mut self, customer: i64, kind: &str, state: &str, wamid: Option<&str>) -> i64 {
        let now = hofbote::store::ts(self.clock.now());
        self.store
            .conn()
            .execute(
                "INSERT INTO outbox (customer_id, phone, kind, state, wamid, created_at, updated_at) VALUES (?1, '+491711234567', ?2, ?3, ?4, ?5, ?5)",
                rusqlite::params![customer, kind, state, wamid, now],
            )
            .unwrap();
        self.store.conn().last_insert_rowid()
    }

    fn outbox_state(&self, id: i64) -> String {
        self.store.conn().query_row("SELECT state FROM outbox WHERE id = ?1", [id], |r| r.get(0)).unwrap()
    }

    fn replies(&self) -> Vec<String> {
        let mut stmt =
            self.store.conn().prepare("SELECT payload FROM outbox WHERE kind = 'reply_in_window' ORDER BY id").unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|p| serde_json::from_str::<Value>(&p.unwrap()).unwrap()["text"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[test]
fn statuses_only_move_forward_and_replays_change_nothing() {
    let mut e = env();
    let c = e.customer("0171 1234567");
    let row = e.outbox_row(c, "marketing", "accepted", Some("wamid.R1"));
    for s in ["read", "sent", "delivered"] {
        e.ingest(status("wamid.R1", s, None, None));
    }
    assert_eq!(e.outbox_state(row), "read");
    let (delivered, read): (Option<String>, Option<String>) = e
        .store
        .conn()
        .query_row("SELECT delivered_at, read_at FROM outbox WHERE id = ?1", [row], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert!(delivered.is_some() && read.is_some(), "read implies delivered");
    // A failed status after read does not undo the delivery.
    e.ingest(status("wamid.R1", "failed", None, Some(131026)));
    assert_eq!(e.outbox_state(row), "read");
}

#[test]
fn a_status_settles_a_row_by_callback_data_when_the_response_was_lost() {
    let mut e = env();
    let c = e.customer("0171 1234567");
    let row = e.outbox_row(c, "marketing", "unknown", None);
    let token: String =
        e.store.conn().query_row("SELECT token FROM outbox WHERE id = ?1", [row], |r| r.get(0)).unwrap();
    // The row id is not callback data any more (ids are reused after a restore): it matches nothing.
    e.ingest(status("wamid.OLD", "sent", Some(&row.to_string()), None));
    assert_eq!(e.outbox_state(row), "unknown");
    e.ingest(status("wamid.LOST", "sent", Some(&token), None));
    assert_eq!(e.outbox_state(row), "accepted");
    let wamid: String =
        e.store.conn().query_row("SELECT wamid FROM outbox WHERE id = ?1", [row], |r| r.get(0)).unwrap();
    assert_eq!(wamid, "wamid.LOST");
}

#[test]
fn replaying_one_payload_ten_times_applies_it_once() {
    let mut e = env();
    let c = e.customer("0171 1234567");
    e.grant(c, Purpose::Marketing);
    let stop = text_message("491711234567", "wamid.STOP1", "STOP", 1_764_234_000);
    for _ in 0..10 {
        e.ingest(stop.clone());
    }
    let withdrawals: i64 = e
        .store
        .conn()
        .query_row("SELECT count(*) FROM consent_events WHERE kind = 'withdrawn'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(withdrawals, 1);
    assert_eq!(e.replies().len(), 1);
    let inbound: i64 = e.store.conn().query_row("SELECT count(*) FROM inbound_messages", [], |r| r.get(0)).unwrap();
    assert_eq!(inbound, 1);
    let stored: i64 = e.store.conn().query_row("SELECT count(*) FROM webhook_events", [], |r| r.get(0)).unwrap();
    // Issue 12: a replay of the same signed body is recognised by its hash and stored once.
    assert_eq!(stored, 1, "a replayed body is stored once");
}

#[test]
fn stop_withdraws_marketing_cancels_queued_rows_and_confirms() {
    let mut e = env();
    let c = e.customer("0171 1234567");
    e.grant(c, Purpose::Marketing);
    e.grant(c, Purpose::Service);
    let queued_marketing = e.outbox_row(c, "marketing", "queued", None);
    let queued_service = e.outbox_row(c, "service", "queued", None);
    e.ingest(text_message("491711234567", "wamid.S", " Stopp! ", 1_764_234_000));
    let state = e.store.customer_consent(c).unwrap();
    assert_eq!(state.marketing, ConsentState::Withdrawn);
    assert_eq!(state.service, ConsentState::Granted);
    assert_eq!(e.outbox_state(queued_marketing), "cancelled");
    assert_eq!(e.outbox_state(queued_service), "queued");
    let ledger = e.store.ledger(c).unwrap();
    assert_eq!(ledger[0].source, Source::WhatsappKeyword);
    assert_eq!(ledger[0].evidence, "wamid.S");
    assert!(e.replies()[0].contains("keine Angebote mehr"));
    // STOP ALLES then withdraws service too.
    e.ingest(text_message("491711234567", "wamid.S2", "STOP ALLES", 1_764_234_100));
    assert_eq!(e.store.customer_consent(c).unwrap().service, ConsentState::Withdrawn);
    assert_eq!(e.outbox_state(queued_service), "cancelled");
}

#[test]
fn anmelden_then_ja_is_a_double_opt_in_with_both_message_ids() {
    let mut e = env();
    let t0 = e.clock.now().timestamp();
    e.ingest(text_message("491711234567", "wamid.ANM", "ANMELDEN ANGEBOTE", t0));
    let phone = Phone::parse("0171 1234567", Region::DE).unwrap();
    let c = e.store.customer_by_phone(&phone).unwrap().expect("unknown number became a customer");
    assert_eq!(c.name, "Anna Weiß");
    assert_eq!(e.store.customer_consent(c.id).unwrap().marketing, ConsentState::Pending);
    let question = &e.replies()[0];
    assert!(question.contains("Hof Sonnenwiese, Wiesenweg 3") && question.contains("JA"), "{question}");
    e.clock.advance(chrono::Duration::minutes(10));
    e.ingest(text_message("491711234567", "wamid.JA", "ja", t0 + 600));
    let consent = e.store.customer_consent(c.id).unwrap();
    assert_eq!(consent.marketing, ConsentState::Granted);
    assert_eq!(consent.service, ConsentState::None, "only the purpose asked for");
    let grant = &e.store.ledger(c.id).unwrap()[0];
    assert_eq!(grant.kind, EventKind::Granted);
    assert_eq!(grant.evidence, "wamid.ANM + wamid.JA");
    assert_eq!(grant.wording_version, Some(1));
    assert!(e.replies()[1].starts_with("Danke! Bestätigt: Angebote"));
}

#[test]
fn a_late_ja_does_not_grant_and_the_request_expires() {
    let mut e = env();
    let t0 = e.clock.now().timestamp();
    e.ingest(text_message("491711234567", "wamid.A", "ANMELDEN", t0));
    e.clock.advance(chrono::Duration::hours(25));
    e.ingest(text_message("491711234567", "wamid.J", "JA", t0 + 25 * 3600));
    let c = e.store.customer_by_phone(&Phone::parse("0171 1234567", Region::DE).unwrap()).unwrap().unwrap();
    let consent = e.store.customer_consent(c.id).unwrap();
    assert_eq!(consent.marketing, ConsentState::None);
    assert_eq!(consent.service, ConsentState::None);
    let expired = e.store.ledger(c.id).unwrap().iter().filter(|ev| ev.kind == EventKind::ConfirmationExpired).count();
    assert_eq!(expired, 2);
    // The late "JA" is kept as an ordinary reply for the farmer.
    let is_keyword: bool = e
        .store
        .conn()
        .query_row("SELECT is_keyword FROM inbound_messages WHERE wamid = 'wamid.J'", [], |r| r.get(0))
        .unwrap();
    assert!(!is_keyword);
}

#[test]
fn other_text_is_stored_and_a_wish_to_stop_is_only_flagged() {
    let mut e = env();
    let c = e.customer("0171 1234567");
    e.grant(c, Purpose::Marketing);
    e.ingest(text_message("491711234567", "wamid.Q", "Gibt es nächste Woche wieder Bratwürste?", 1_764_234_000));
    e.ingest(text_message("491711234567", "wamid.N", "Bitte keine Nachrichten mehr", 1_764_234_001));
    assert_eq!(e.store.customer_consent(c).unwrap().marketing, ConsentState::Granted, "never acted on automatically");
    let flags: Vec<(String, bool)> = {
        let mut stmt = e.store.conn().prepare("SELECT wamid, flagged_stop FROM inbound_messages ORDER BY id").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(flags, [("wamid.Q".to_owned(), false), ("wamid.N".to_owned(), true)]);
    assert!(e.replies().is_empty(), "no auto-reply to ordinary text");
}

#[test]
fn opt_out_button_of_a_marketing_template_withdraws() {
    let mut e = env();
    let c = e.customer("0171 1234567");
    e.grant(c, Purpose::Marketing);
    e.store
        .conn()
        .execute(
            "INSERT INTO templates (name, language, category, status, components, quick_replies, synced_at)
             VALUES ('wochenangebot', 'de', 'MARKETING', 'APPROVED', '[]', '[\"Keine Angebote mehr\"]', '2025-01-01T00:00:00.000000Z')",
            [],
        )
        .unwrap();
    e.ingest(envelope(json!({"contacts": [{"wa_id": "491711234567"}], "messages": [{"from": "491711234567", "id": "wamid.BTN",
        "timestamp": "1764234000", "type": "button", "button": {"payload": "Keine Angebote mehr", "text": "Keine Angebote mehr"}}]})));
    assert_eq!(e.store.customer_consent(c).unwrap().marketing, ConsentState::Withdrawn);
    assert_eq!(e.store.ledger(c).unwrap()[0].source, Source::WhatsappButton);
}

/// Issue 12 §2: a template deleted at Meta or never synced (an old broadcast's button, a second device) is not in the
/// local list; its opt-out button is still a withdrawal. Interactive replies with such a title too.
#[test]
fn an_opt_out_button_of_a_template_hofbote_does_not_know_withdraws() {
    for (i, (kind, label)) in [
        ("button", "Keine Angebote mehr"),
        ("button", "Abmelden"),
        ("button", "stop promotions"),
        ("interactive", "Keine Werbung mehr, danke"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = env();
        let c = e.customer("0171 1234567");
        e.grant(c, Purpose::Marketing);
        let message = if kind == "button" {
            json!({"from": "491711234567", "id": format!("wamid.B{i}"), "timestamp": "1764234000", "type": "button",
                "button": {"payload": "p-1", "text": label}})
        } else {
            json!({"from": "491711234567", "id": format!("wamid.B{i}"), "timestamp": "1764234000", "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": {"id": "b-1", "title": label}}})
        };
        e.ingest(envelope(json!({"contacts": [{"wa_id": "491711234567"}], "messages": [message]})));
        assert_eq!(e.store.customer_consent(c).unwrap().marketing, ConsentState::Withdrawn, "{kind} {label:?}");
        assert_eq!(e.store.ledger(c).unwrap()[0].source, Source::WhatsappButton);
    }
    // Any other button leaves consent alone.
    let mut e = env();
    let c = e.customer("0171 1234567");
    e.grant(c, Purpose::Marketing);
    e.ingest(envelope(json!({"contacts": [{"wa_id": "491711234567"}], "messages": [{"from": "491711234567",
        "id": "wamid.KEEP", "timestamp": "1764234000", "type": "button", "button": {"payload": "p", "text": "Ja, reservieren"}}]})));
    assert_eq!(e.store.customer_consent(c).unwrap().marketing, ConsentState::Granted);
}

#[test]
fn user_preferences_stop_withdraws_and_resume_is_not_consent() {
    let mut e = env();
    let c = e.customer("+1 650 555 1234");
    e.grant(c, Purpose::Marketing);
    let pref = |value: &str, t: i64| {
        serde_json::to_vec(
            &json!({"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "user_preferences",
            "value": {"contacts": [{"wa_id": "16505551234"}], "user_preferences": [{"wa_id": "16505551234",
            "category": "marketing_messages", "value": value, "timestamp": t}]}}]}]}),
        )
        .unwrap()
    };
    e.ingest(pref("stop", 1_764_234_000));
    assert_eq!(e.store.customer_consent(c).unwrap().marketing, ConsentState::Withdrawn);
    e.ingest(pref("resume", 1_764_234_100));
    assert_eq!(e.store.customer_consent(c).unwrap().marketing, ConsentState::Withdrawn);
    let kinds: Vec<EventKind> = e.store.ledger(c).unwrap().iter().map(|ev| ev.kind).collect();
    assert_eq!(kinds[0], EventKind::PlatformResume);
    // The real pywa fixture (marketing resume for 16505551234) applies the same way.
    let body = std::fs::read(fixture("webhooks/pywa/user_marketing_preferences.json")).unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    e.ingest(serde_json::to_vec(&v["resume"]).unwrap());
    assert_eq!(e.store.customer_consent(c).unwrap().marketing, ConsentState::Withdrawn);
}

#[test]
fn failed_131050_records_a_marketing_withdrawal() {
    let mut e = env();
    let c = e.customer("0171 1234567");
    e.grant(c, Purpose::Marketing);
    let row = e.outbox_row(c, "marketing", "accepted", Some("wamid.F"));
    let other = e.outbox_row(c, "marketing", "queued", None);
    e.ingest(status("wamid.F", "failed", None, Some(131050)));
    assert_eq!(e.outbox_state(row), "failed");
    assert_eq!(e.outbox_state(other), "cancelled");
    let ev = &e.store.ledger(c).unwrap()[0];
    assert_eq!((ev.kind, ev.source), (EventKind::Withdrawn, Source::DeliveryError));
}

#[test]
fn fixture_statuses_and_messages_have_their_effects() {
    let mut e = env();
    let c = e.customer("+1 650 555 1234");
    e.grant(c, Purpose::Marketing);
    // whaloc: a text message from 16505551234 and a failed status (131049).
    e.ingest(std::fs::read(fixture("webhooks/whaloc/text-message.json")).unwrap());
    let inbound: i64 = e
        .store
        .conn()
        .query_row("SELECT count(*) FROM inbound_messages WHERE customer_id = ?1", [c], |r| r.get(0))
        .unwrap();
    assert_eq!(inbound, 1);
    let failed = std::fs::read(fixture("webhooks/whaloc/status-failed.json")).unwrap();
    let wamid = match &payload::parse(&failed).unwrap()[0] {
        WebhookEvent::Status(s) => s.wamid.clone(),
        other => panic!("{other:?}"),
    };
    let row = e.outbox_row(c, "marketing", "accepted", Some(&wamid));
    e.ingest(failed);
    assert_eq!(e.outbox_state(row), "failed");
    let code: i64 =
        e.store.conn().query_row("SELECT error_code FROM outbox WHERE id = ?1", [row], |r| r.get(0)).unwrap();
    assert_eq!(code, 131049);
    // The customer can now be answered inside the 24 h window.
    assert!(e.store.customer_consent(c).unwrap().last_inbound_at.is_some());
}

#[test]
fn a_body_that_fails_to_apply_is_kept_with_its_error_and_can_be_reapplied() {
    let mut e = env();
    let c = e.customer("0171 1234567");
    e.store
        .conn()
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON inbound_messages BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;",
        )
        .unwrap();
    e.ingest(text_message("491711234567", "wamid.K", "Hallo", 1_764_234_000));
    let failed = e.store.failed_webhooks().unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].1.contains("disk trouble"));
    e.store.conn().execute_batch("DROP TRIGGER boom;").unwrap();
    assert_eq!(e.store.retry_failed_webhooks().unwrap(), 1);
    apply_pending(&mut e.store, &e.ctx).unwrap();
    assert!(e.store.failed_webhooks().unwrap().is_empty());
    let n: i64 = e
        .store
        .conn()
        .query_row("SELECT count(*) FROM inbound_messages WHERE customer_id = ?1", [c], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

struct Running {
    url: String,
    db: Db,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn start_receiver() -> Running {
    hofbote::whatsapp::ensure_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("h.sqlite"), hofbote::clock::system()).unwrap();
    let (db, _) = Db::spawn(store);
    let receiver = Receiver::start(
        db.clone(),
        ReceiverConfig {
            app_secret: Some(Secret::new(SECRET)),
            verify_token: Some(Secret::new("verify-me")),
            apply: ApplyContext { shop_name: "Hof".into(), region: Region::DE, signups_per_hour: 50 },
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(receiver.serve(listener, async move {
        let _ = rx.await;
    }));
    Running { url, db, _dir: dir, _shutdown: tx }
}

async fn stored_count(db: &Db) -> i64 {
    db.call(|s| Ok(s.conn().query_row("SELECT count(*) FROM webhook_events", [], |r| r.get::<_, i64>(0))?))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_is_checked_over_raw_bytes_and_bad_ones_store_nothing() {
    let r = start_receiver().await;
    let http = reqwest::Client::new();
    // Non-ASCII content escaped as \uXXXX, as Meta sends it.
    let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"contacts":[{"profile":{"name":"J\u00f6rg M\u00fcller"},"wa_id":"491711234567"}],"messages":[{"from":"491711234567","id":"wamid.U","timestamp":"1764234000","type":"text","text":{"body":"Gr\u00fc\u00dfe \ud83d\udc04"}}]}}]}]}"#.to_vec();
    let post = |sig: Option<String>, body: Vec<u8>| {
        let mut req = http.post(&r.url).header("content-type", "application/json").body(body);
        if let Some(s) = sig {
            req = req.header(signature::HEADER, s);
        }
        req.send()
    };
    for bad in [None, Some("sha256=00".to_owned()), Some(signature::sign(b"wrong", &body)), Some("md5=abc".into())] {
        assert_eq!(post(bad.clone(), body.clone()).await.unwrap().status(), 401, "{bad:?}");
    }
    assert_eq!(stored_count(&r.db).await, 0, "nothing stored for a bad signature");
    let ok = post(Some(signature::sign(SECRET.as_bytes(), &body)), body.clone()).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(stored_count(&r.db).await, 1, "stored before the 200");
    let db = r.db.clone();
    let applied = wait_until(Duration::from_secs(10), || {
        let db = db.clone();
        db.call_blocking(|s| {
            Ok(s.conn().query_row("SELECT count(*) FROM inbound_messages", [], |r| r.get::<_, i64>(0))?)
        })
        .unwrap()
            == 1
    });
    assert!(applied);
    let text: String =
        r.db.call(|s| Ok(s.conn().query_row("SELECT text FROM inbound_messages", [], |r| r.get(0))?)).await.unwrap();
    assert_eq!(text, "Grüße 🐄");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_handshake_and_body_limit() {
    let r = start_receiver().await;
    let http = reqwest::Client::new();
    let ok = http
        .get(format!("{}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444", r.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let bad =
        http.get(format!("{}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", r.url)).send().await.unwrap();
    assert_eq!(bad.status(), 403);
    let big = vec![b' '; 3 * 1024 * 1024 + 1];
    let sig = signature::sign(SECRET.as_bytes(), &big);
    let resp = http.post(&r.url).header(signature::HEADER, sig).body(big).send().await.unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(stored_count(&r.db).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deliveries_are_all_stored() {
    let r = start_receiver().await;
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..100 {
        let body = status(&format!("wamid.C{i}"), "delivered", None, None);
        let sig = signature::sign(SECRET.as_bytes(), &body);
        let req = http.post(&r.url).header(signature::HEADER, sig).body(body);
        tasks.push(tokio::spawn(async move { req.send().await.unwrap().status().as_u16() }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert_eq!(stored_count(&r.db).await, 100);
}
