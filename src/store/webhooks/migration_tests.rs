//! Migration 10 on a database at version 9 with rows in it: raw bodies with hex replay keys and hex-keyed billed rows
//! stay readable, replays of them are still recognised, and new rows take the compact forms.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use rusqlite::Connection;

use crate::clock::ManualClock;
use crate::domain::phone::Region;
use crate::store::Store;
use crate::webhook::apply::ApplyContext;

/// The shipped migrations up to version 9 (never edited, so this copy cannot drift).
const UP_TO_9: [&str; 9] = [
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_erasures.sql"),
    include_str!("../migrations/0003_outbox_by_phone.sql"),
    include_str!("../migrations/0004_phone_forms.sql"),
    include_str!("../migrations/0005_webhook_retry.sql"),
    include_str!("../migrations/0006_outbox_tokens.sql"),
    include_str!("../migrations/0007_signups.sql"),
    include_str!("../migrations/0008_user_ids.sql"),
    include_str!("../migrations/0009_billed.sql"),
];

fn status_body(wamid: &str, status: &str, with_pricing: bool) -> Vec<u8> {
    let mut st = serde_json::json!({"id": wamid, "status": status, "timestamp": "1795766400",
        "recipient_id": "491711234567", "biz_opaque_callback_data": "t1"});
    if with_pricing {
        st["pricing"] = serde_json::json!({"billable": true, "pricing_model": "PMP", "category": "marketing",
            "type": "regular"});
    }
    serde_json::to_vec(&serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1",
        "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp", "statuses": [st]}}]}]}))
    .unwrap()
}

fn sha_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A version-9 file as hofbote 0.9 left it: one body applied, one waiting, one billed message.
fn version_9_file(path: &std::path::Path) -> (Vec<u8>, Vec<u8>) {
    let mut conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    let tx = conn.transaction().unwrap();
    for sql in UP_TO_9 {
        tx.execute_batch(sql).unwrap();
    }
    tx.pragma_update(None, "user_version", 9).unwrap();
    let applied = status_body("wamid.OLD1", "sent", true);
    let waiting = status_body("wamid.OLD1", "delivered", false);
    tx.execute_batch(
        "INSERT INTO broadcasts (id, template_name, language, state, created_at, updated_at)
             VALUES (7, 'wochenangebot', 'de', 'sending', 'x', 'x');
         INSERT INTO outbox (broadcast_id, phone, kind, state, wamid, token, created_at, updated_at, accepted_at)
             VALUES (7, '+491711234567', 'marketing', 'accepted', 'wamid.OLD1', 't1', 'x', 'x',
                     '2026-11-27T09:00:00.000000Z');",
    )
    .unwrap();
    for (body, applied_at) in [(&applied, Some("2026-11-27T09:00:01.000000Z")), (&waiting, None)] {
        tx.execute(
            "INSERT INTO webhook_events (received_at, body, body_hash, applied_at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params!["2026-11-27T09:00:00.000000Z", body, sha_hex(body), applied_at],
        )
        .unwrap();
    }
    tx.execute(
        "INSERT INTO billed (message_key, month, billed_at, category, pricing_type, pricing_model, charged,
                             broadcast_id, kind)
         VALUES (?1, '2026-11', '2026-11-27T09:00:00.000000Z', 'marketing', 'regular', 'PMP', 1, 7, 'marketing')",
        [sha_hex(b"wamid.OLD1")],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO applied_effects (key, applied_at) VALUES ('st:wamid.OLD1:sent', '2026-11-27T09:00:01.000000Z')",
        [],
    )
    .unwrap();
    tx.commit().unwrap();
    (applied, waiting)
}

#[test]
fn a_version_9_database_keeps_its_bodies_keys_and_bills() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    let (applied, waiting) = version_9_file(&path);
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 27, 9, 5, 0).unwrap()));
    let mut store = Store::open(&path, clock).unwrap();
    let count = |s: &Store, sql: &str| -> i64 { s.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count(&store, "PRAGMA user_version"), crate::store::migrate::latest_version());
    assert!(dir.path().join("h.sqlite.pre-v9").exists(), "the file as it was is kept");

    // Old bodies are read back as they were received (format 0), for applying, export and erasure.
    assert_eq!(count(&store, "SELECT count(*) FROM webhook_events WHERE body_format = 0"), 2);
    let due = store.unapplied_webhooks(10).unwrap();
    assert_eq!(due.iter().map(|w| &w.body).collect::<Vec<_>>(), [&waiting]);
    let all: Vec<Vec<u8>> =
        crate::store::erasure::webhook_bodies(store.conn()).unwrap().into_iter().map(|b| b.body).collect();
    assert_eq!(all, [applied.clone(), waiting.clone()]);
    // Their keys now have the compact form, and a replay of an old body is still the old row.
    assert_eq!(count(&store, "SELECT count(*) FROM webhook_events WHERE length(body_hash) = 24"), 2);
    let ids = store.store_webhook_bodies(&[applied.clone(), waiting.clone()]).unwrap();
    assert_eq!(ids, [1, 2]);
    assert_eq!(count(&store, "SELECT count(*) FROM webhook_events"), 2);

    // The billed row is kept with its key converted: the same message billed again adds nothing.
    assert_eq!(count(&store, "SELECT count(*) FROM billed WHERE length(message_key) = 16 AND broadcast_id = 7"), 1);
    let read = status_body("wamid.OLD1", "read", true);
    let ids = store.store_webhook_bodies(std::slice::from_ref(&read)).unwrap();
    assert_eq!(ids, [3]);
    assert_eq!(count(&store, "SELECT body_format FROM webhook_events WHERE id = 3"), 1, "new bodies are compact");
    let ctx = ApplyContext { shop_name: "Hof".into(), region: Region::DE, signups_per_hour: 0 };
    crate::webhook::apply_pending(&mut store, &ctx).unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM webhook_events WHERE applied_at IS NULL"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM billed"), 1);
    let line = store.broadcast_costs(7).unwrap();
    assert_eq!((line.sent, line.billed.get("marketing")), (1, Some(&1)));
    assert_eq!(count(&store, "SELECT state = 'read' FROM outbox"), 1, "the waiting and the new status applied");
    // The effect key claimed before the upgrade still counts when the same status comes with its time.
    let now = store.now();
    let tx = store.conn_mut().transaction().unwrap();
    let claim = |key: &str, at: i64| crate::store::webhooks::claim_effect_at_tx(&tx, key, at, now).unwrap();
    assert!(!claim("st:wamid.OLD1:sent", 1_795_766_400), "claimed before the upgrade");
    assert!(!claim("st:wamid.OLD1:delivered", 1_795_766_400), "claimed by the waiting body just now");
    assert!(claim("st:wamid.NEW:sent", 1_795_766_400));
    assert!(!claim("st:wamid.NEW:sent", 1_795_766_400), "a replay");
    let at: i64 =
        tx.query_row("SELECT event_at FROM applied_effects WHERE key = 'st:wamid.NEW:sent'", [], |r| r.get(0)).unwrap();
    assert_eq!(at, 1_795_766_400);
    tx.commit().unwrap();
    let check = store.check().unwrap();
    assert!(check.integrity_ok(), "{:?}", check.integrity);
}

/// The queries behind the store path and the cost view use the new indexes (no scan of a growing table).
#[test]
fn the_replay_lookup_and_the_cost_view_use_their_indexes() {
    let store = Store::open_in_memory(crate::clock::system()).unwrap();
    let plan = |sql: &str| -> String {
        let mut stmt = store.conn().prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows: Vec<String> = stmt.query_map([], |r| r.get(3)).unwrap().map(Result::unwrap).collect();
        rows.join("; ")
    };
    let lookup = plan("SELECT id FROM webhook_events WHERE body_hash IN (x'00', x'01') LIMIT 1");
    assert!(lookup.contains("USING COVERING INDEX webhook_events_by_key"), "{lookup}");
    let by_broadcast = plan("SELECT category, charged, count(*) FROM billed WHERE broadcast_id = 7 GROUP BY 1, 2");
    assert!(by_broadcast.contains("USING INDEX billed_by_broadcast"), "{by_broadcast}");
    let insert_key = plan("SELECT 1 FROM billed WHERE message_key = x'00'");
    assert!(insert_key.contains("sqlite_autoindex_billed_1"), "{insert_key}");
}
