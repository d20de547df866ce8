//! Replays of one signed body (Meta's retries, or a captured delivery sent again and again) through the real
//! `hofbote serve`: each gets 200, the body is stored once and applied once — also after a restart (issue 12 §2).

use std::time::Duration;

use serde_json::json;

use crate::support::{ServeProcess, TempHome, wait_until};

const SECRET: &str = "replay-secret";

fn count(home: &TempHome, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(home.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

#[test]
fn a_signed_body_replayed_100_times_is_stored_once_and_applied_once() {
    let home = TempHome::new();
    // A recent timestamp: the service's retention sweep deletes messages older than their period.
    let now = chrono::Utc::now().timestamp().to_string();
    let body = serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
            "contacts": [{"profile": {"name": "Anna Weiß"}, "wa_id": "491711234567"}],
            "messages": [{"from": "491711234567", "id": "wamid.REPLAY", "timestamp": now, "type": "text",
                "text": {"body": "Gibt es noch Eier?"}}]}}]}]}))
    .unwrap();
    let serve = ServeProcess::start(&home, SECRET, None);
    for i in 0..100 {
        let answer = serve.post(&body, Duration::from_secs(10));
        assert!(answer.as_deref().is_ok_and(|a| a.starts_with("HTTP/1.1 200")), "replay {i}: {answer:?}");
    }
    assert!(wait_until(Duration::from_secs(20), || count(&home, "inbound_messages") == 1), "{}", serve.log());
    assert_eq!(count(&home, "webhook_events"), 1, "100 deliveries of one body, one stored row");
    drop(serve);

    // After a restart the receiver still knows the body.
    let serve = ServeProcess::start(&home, SECRET, None);
    let answer = serve.post(&body, Duration::from_secs(10));
    assert!(answer.as_deref().is_ok_and(|a| a.starts_with("HTTP/1.1 200")), "{answer:?}");
    assert_eq!(count(&home, "webhook_events"), 1);
    // A different body is stored as before.
    let other = String::from_utf8(body.clone()).unwrap().replace("wamid.REPLAY", "wamid.OTHER").into_bytes();
    assert!(serve.post(&other, Duration::from_secs(10)).is_ok_and(|a| a.starts_with("HTTP/1.1 200")));
    assert_eq!(count(&home, "webhook_events"), 2);
    assert!(wait_until(Duration::from_secs(20), || count(&home, "inbound_messages") == 2), "{}", serve.log());
}
