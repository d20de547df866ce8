//! Floods (issue 12 §2): one signed body with many `ANMELDEN` from unknown numbers, through the real `hofbote serve`.
//! Sign-ups above `[webhook] signups_per_hour` are kept for the farmer's review — no customer, no consent event, no
//! reply — and nothing is lost.

use std::time::Duration;

use serde_json::json;

use crate::support::{ServeProcess, TempHome, wait_until};

const SECRET: &str = "flood-secret";

fn count(home: &TempHome, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(home.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// One body with `n` ANMELDEN, each from another unknown number.
fn flood(n: usize) -> Vec<u8> {
    let now = chrono::Utc::now().timestamp().to_string();
    let contacts: Vec<_> =
        (0..n).map(|i| json!({"profile": {"name": format!("Flut {i}")}, "wa_id": format!("4917100{i:05}")})).collect();
    let messages: Vec<_> = (0..n)
        .map(|i| {
            json!({"from": format!("4917100{i:05}"), "id": format!("wamid.FLOOD{i}"), "timestamp": now, "type": "text",
                "text": {"body": "ANMELDEN"}})
        })
        .collect();
    serde_json::to_vec(
        &json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
            "contacts": contacts, "messages": messages}}]}]}),
    )
    .unwrap()
}

#[test]
fn a_body_with_200_sign_ups_makes_50_customers_and_keeps_150_for_review() {
    let home = TempHome::new();
    let serve = ServeProcess::start(&home, SECRET, None);
    // The consent wordings exist (made when the farmer first looks at them), so sign-ups ask for confirmation.
    home.ok(&["privacy", "wording"]);
    let answer = serve.post(&flood(200), Duration::from_secs(20));
    assert!(answer.as_deref().is_ok_and(|a| a.starts_with("HTTP/1.1 200")), "{answer:?}\n{}", serve.log());
    assert!(
        wait_until(Duration::from_secs(30), || count(&home, "SELECT count(*) FROM inbound_messages") == 200),
        "not all 200 messages kept: {}",
        serve.log()
    );
    // The default cap is 50 sign-ups per hour.
    assert_eq!(count(&home, "SELECT count(*) FROM customers"), 50, "{}", serve.log());
    assert_eq!(count(&home, "SELECT count(DISTINCT customer_id) FROM consent_events"), 50);
    assert_eq!(count(&home, "SELECT count(*) FROM outbox WHERE kind = 'reply_in_window'"), 50);
    // Nothing lost: the other 150 wait for the farmer, without a customer.
    assert_eq!(
        count(&home, "SELECT count(*) FROM inbound_messages WHERE signup = 'held' AND customer_id IS NULL"),
        150
    );
    assert_eq!(
        count(&home, "SELECT count(*) FROM alerts WHERE kind = 'webhook_signups_held' AND resolved_at IS NULL"),
        1
    );
    assert_eq!(serve.log().matches("sign-ups held back").count(), 1, "{}", serve.log());
}
