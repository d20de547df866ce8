//! Issue 15 through the real `hofbote serve`: a database from before migration 10 (raw bodies, hex replay keys) is
//! upgraded at start; its waiting body still applies, a replay of a body stored before the upgrade is still
//! recognised, and new bodies are kept compressed and read back exactly (export and erasure read them through
//! `store::erasure::webhook_bodies`).

use std::time::Duration;

use serde_json::json;

use crate::support::{ServeProcess, TempHome, wait_until};

const SECRET: &str = "compact-secret";

/// The shipped migrations up to version 9, as hofbote 0.9 ran them.
const UP_TO_9: [&str; 9] = [
    include_str!("../../src/store/migrations/0001_initial.sql"),
    include_str!("../../src/store/migrations/0002_erasures.sql"),
    include_str!("../../src/store/migrations/0003_outbox_by_phone.sql"),
    include_str!("../../src/store/migrations/0004_phone_forms.sql"),
    include_str!("../../src/store/migrations/0005_webhook_retry.sql"),
    include_str!("../../src/store/migrations/0006_outbox_tokens.sql"),
    include_str!("../../src/store/migrations/0007_signups.sql"),
    include_str!("../../src/store/migrations/0008_user_ids.sql"),
    include_str!("../../src/store/migrations/0009_billed.sql"),
];

fn inbound(wamid: &str, text: &str) -> Vec<u8> {
    // A recent timestamp: the service's retention sweep deletes messages older than their period.
    let now = chrono::Utc::now().timestamp().to_string();
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
            "contacts": [{"profile": {"name": "Anna Weiß"}, "wa_id": "491711234567"}],
            "messages": [{"from": "491711234567", "id": wamid, "timestamp": now, "type": "text",
                "text": {"body": text}}]}}]}]}))
    .unwrap()
}

fn query(home: &TempHome, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(home.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn an_upgraded_database_applies_its_waiting_body_knows_its_replays_and_stores_new_bodies_compactly() {
    let home = TempHome::new();
    let old = inbound("wamid.BEFORE", "Gibt es noch Eier?");
    {
        std::fs::create_dir_all(home.db().parent().unwrap()).unwrap();
        let mut conn = rusqlite::Connection::open(home.db()).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        let tx = conn.transaction().unwrap();
        for sql in UP_TO_9 {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", 9).unwrap();
        // Stored before the upgrade, not applied yet: raw, with the hex SHA-256 as its replay key.
        tx.execute(
            "INSERT INTO webhook_events (received_at, body, body_hash) VALUES (?1, ?2, ?3)",
            rusqlite::params!["2026-11-27T09:00:00.000000Z", old, hofbote::store::webhooks::body_hash(&old)],
        )
        .unwrap();
        tx.execute("INSERT INTO webhook_subjects (event_id, kind, value) VALUES (1, 'phone', '+491711234567')", [])
            .unwrap();
        tx.commit().unwrap();
    }
    let serve = ServeProcess::start(&home, SECRET, None);
    assert!(
        wait_until(Duration::from_secs(30), || query(&home, "SELECT count(*) FROM inbound_messages") == 1),
        "{}",
        serve.log()
    );
    assert_eq!(query(&home, "PRAGMA user_version"), hofbote::store::migrate::latest_version());

    // Meta delivers the old body again: answered, not stored twice.
    let answer = serve.post(&old, Duration::from_secs(10));
    assert!(answer.as_deref().is_ok_and(|a| a.starts_with("HTTP/1.1 200")), "{answer:?}");
    assert_eq!(query(&home, "SELECT count(*) FROM webhook_events"), 1, "a replay of a body from before the upgrade");

    // A new body: stored compressed, applied, and read back byte for byte.
    let new = inbound("wamid.AFTER", "Und Kartoffeln? Grüße, Anna 🥔");
    let answer = serve.post(&new, Duration::from_secs(10));
    assert!(answer.as_deref().is_ok_and(|a| a.starts_with("HTTP/1.1 200")), "{answer:?}");
    assert!(
        wait_until(Duration::from_secs(30), || query(&home, "SELECT count(*) FROM inbound_messages") == 2),
        "{}",
        serve.log()
    );
    assert_eq!(query(&home, "SELECT body_format FROM webhook_events WHERE id = 2"), 1);
    assert!(query(&home, "SELECT length(body) FROM webhook_events WHERE id = 2") * 2 < new.len() as i64);
    let conn = rusqlite::Connection::open(home.db()).unwrap();
    let bodies: Vec<Vec<u8>> =
        hofbote::store::erasure::webhook_bodies(&conn).unwrap().into_iter().map(|b| b.body).collect();
    assert_eq!(bodies, [old, new]);
    drop(serve);
    // The file as it was before the upgrade is kept beside it.
    let mut pre = home.db().into_os_string();
    pre.push(".pre-v9");
    assert!(std::path::Path::new(&pre).exists());
}
