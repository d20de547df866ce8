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

/// Issue 14 §4: a person who shares no number (WhatsApp username) signs up, confirms and stops by user id alone.
fn from_user(wamid: &str, user_id: &str, from: Option<&str>, text: &str) -> WebhookEvent {
    WebhookEvent::Message(InboundMessage {
        wamid: wamid.into(),
        from: from.map(str::to_owned),
        from_user_id: Some(user_id.into()),
        profile_name: Some("Kim Sommer".into()),
        timestamp: None,
        context_wamid: None,
        content: InboundContent::Text(text.into()),
    })
}

#[test]
fn a_person_known_only_by_user_id_signs_up_confirms_and_stops() {
    let (mut store, _) = setup();
    let done = apply(&mut store, &[from_user("wamid.U1", "DE.7001", None, "ANMELDEN")], 0);
    assert_eq!(done.replies_queued, 1);
    let c = store.customer_by_user_id("DE.7001").unwrap().expect("a customer was created");
    assert_eq!((c.name.as_str(), c.first_name.as_str(), c.phone.as_ref()), ("Kim Sommer", "Kim", None));
    assert_eq!(c.phone_label(crate::i18n::Lang::De), "WhatsApp-Nutzer (ohne Nummer)");
    // The double opt-in question goes to the user id.
    assert_eq!(count(&store, "SELECT count(*) FROM outbox WHERE phone = 'DE.7001' AND kind = 'reply_in_window'"), 1);
    apply(&mut store, &[from_user("wamid.U2", "DE.7001", None, "JA")], 0);
    let consent = store.customer_consent(c.id).unwrap();
    assert_eq!(consent.marketing, ConsentState::Granted, "{consent:?}");
    apply(&mut store, &[from_user("wamid.U3", "DE.7001", None, "STOP")], 0);
    assert_eq!(store.customer_consent(c.id).unwrap().marketing, ConsentState::Withdrawn);
    assert_eq!(count(&store, "SELECT count(*) FROM consent_events WHERE customer_id IS NULL"), 0);
    assert_eq!(store.customer_count().unwrap(), 1);
}

#[test]
fn a_later_webhook_with_user_id_and_number_merges_by_user_id() {
    let (mut store, _) = setup();
    apply(&mut store, &[from_user("wamid.M1", "DE.7002", None, "ANMELDEN")], 0);
    // Later the same person writes with their number shared as well: the same customer gets it.
    apply(&mut store, &[from_user("wamid.M2", "DE.7002", Some("491711234567"), "Hallo")], 0);
    assert_eq!(store.customer_count().unwrap(), 1);
    let c = store.customer_by_user_id("DE.7002").unwrap().unwrap();
    assert_eq!(c.phone.as_ref().map(|p| p.as_e164()), Some("+491711234567"));
    // And a number customer who later appears with a user id gets it, never a second customer.
    apply(&mut store, &[WebhookEvent::Message(message(1))], 0);
    assert_eq!(store.customer_count().unwrap(), 2);
    apply(&mut store, &[from_user("wamid.M3", "DE.7003", Some("491710000001"), "JA")], 0);
    assert_eq!(store.customer_count().unwrap(), 2);
    let n = store.customer_by_user_id("DE.7003").unwrap().expect("the number customer got the user id");
    assert_eq!(n.phone.as_ref().map(|p| p.as_e164()), Some("+491710000001"));
}

#[test]
fn a_user_id_another_customer_has_is_left_with_them() {
    let (mut store, _) = setup();
    apply(&mut store, &[from_user("wamid.D1", "DE.7004", None, "ANMELDEN")], 0);
    apply(&mut store, &[WebhookEvent::Message(message(2))], 0);
    // A body naming the number customer's number with the other person's user id must not fail the whole body.
    apply(&mut store, &[from_user("wamid.D2", "DE.7004", Some("491710000002"), "Hallo")], 0);
    assert_eq!(store.customer_count().unwrap(), 2);
}

/// Issue 14 §4: rows addressed to a user id go through the same claim as numbers — the consent check with the
/// suppression list (keyed hash of the user id), and Meta's pair limit per recipient (one message per 6 s).
#[test]
fn rows_to_a_user_id_are_claimed_and_pair_limited_like_numbers() {
    use crate::domain::phone::Recipient;
    use crate::store::outbox::ClaimRules;
    let (mut store, _) = setup();
    apply(&mut store, &[from_user("wamid.P1", "DE.7005", None, "ANMELDEN")], 0);
    apply(&mut store, &[from_user("wamid.P2", "DE.7005", None, "JA")], 0);
    let rules = ClaimRules {
        quiet_hours: None,
        tier: 0,
        subject_hash: Some(crate::privacy::recipient_hash),
        erasure_key: Some(b"k".to_vec()),
    };
    let claimed = store.claim_due(10, &rules).unwrap();
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    assert_eq!(claimed[0].phone, Recipient::UserId("DE.7005".into()));
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM outbox WHERE phone = 'DE.7005' AND state = 'queued' AND reason = 'pair_limit'"
        ),
        1
    );
}
