//! The sign-up cap: a rolling hour by our clock, 0 = no limit, said once.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::clock::ManualClock;
use crate::store::Store;

fn setup() -> (Store, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()));
    let mut store = Store::open_in_memory(clock.clone()).unwrap();
    store.ensure_default_wordings("Hof", "").unwrap();
    (store, clock)
}

fn message(i: usize) -> InboundMessage {
    InboundMessage {
        wamid: format!("wamid.S{i}"),
        from: Some(format!("4917100{i:05}")),
        from_user_id: None,
        profile_name: Some(format!("Neu {i}")),
        timestamp: None,
        context_wamid: None,
        content: InboundContent::Text("ANMELDEN".into()),
    }
}

fn anmelden(i: usize) -> WebhookEvent {
    WebhookEvent::Message(message(i))
}

fn apply(store: &mut Store, events: &[WebhookEvent], cap: u32) -> Applied {
    let ctx = ApplyContext { shop_name: "Hof".into(), region: Region::DE, signups_per_hour: cap };
    let now = store.now();
    let tx = store.conn_mut().transaction().unwrap();
    let done = apply_events(&tx, events, &ctx, now).unwrap();
    tx.commit().unwrap();
    done
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn sign_ups_above_the_cap_wait_until_the_hour_has_passed() {
    let (mut store, clock) = setup();
    let done = apply(&mut store, &(0..3).map(anmelden).collect::<Vec<_>>(), 2);
    assert_eq!((done.replies_queued, done.signups_held), (2, 1));
    assert_eq!(store.customer_count().unwrap(), 2);
    assert_eq!(count(&store, "SELECT count(*) FROM inbound_messages WHERE signup = 'held' AND customer_id IS NULL"), 1);
    // The held one is in the farmer's replies, with its number.
    let replies = store.replies(10).unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!((replies[0].text.as_str(), replies[0].phone.as_str()), ("ANMELDEN", "+491710000002"));
    assert!(replies[0].held_signup);
    // Still within the hour: held, and the open alert is not raised again.
    clock.advance(Duration::minutes(59));
    assert_eq!(apply(&mut store, &[anmelden(3)], 2).signups_held, 1);
    assert_eq!(count(&store, "SELECT count(*) FROM alerts WHERE kind = 'webhook_signups_held'"), 1);
    // An hour after the first two, there is room again.
    clock.advance(Duration::minutes(2));
    assert_eq!(apply(&mut store, &[anmelden(4), anmelden(5), anmelden(6)], 2).signups_held, 1);
    assert_eq!(store.customer_count().unwrap(), 4);
}

#[test]
fn a_cap_of_zero_is_no_limit_and_known_customers_are_never_held() {
    let (mut store, _) = setup();
    let done = apply(&mut store, &(0..60).map(anmelden).collect::<Vec<_>>(), 0);
    assert_eq!((done.signups_held, store.customer_count().unwrap()), (0, 60));
    // A customer writing ANMELDEN again is no sign-up from an unknown number, whatever the cap.
    let again = WebhookEvent::Message(InboundMessage { wamid: "wamid.AGAIN".into(), ..message(0) });
    assert_eq!(apply(&mut store, &[again], 1).signups_held, 0);
    assert_eq!(count(&store, "SELECT count(*) FROM alerts"), 0);
}
