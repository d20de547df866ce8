//! Unit tests of the consent ledger in SQLite (triggers, folded state, erasure path). Test code only.
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::domain::consent::{ConsentState, Source};
use crate::domain::customer::CustomerDraft;
use crate::domain::phone::{Phone, Region};

fn setup(shop: &str) -> (Store, i64, ManualClock) {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap());
    let mut s = Store::open_in_memory(Arc::new(clock.clone())).unwrap();
    if !shop.is_empty() {
        s.ensure_default_wordings(shop, "Dorfstr. 1").unwrap();
    }
    let phone = Phone::parse("0171 1234567", Region::DE).unwrap();
    let c = s.insert_customer(&CustomerDraft::new("Jörg Müller", "Jörg", phone, &[], "").unwrap()).unwrap();
    (s, c.id, clock)
}

fn event(customer_id: i64, purpose: Purpose, kind: EventKind, occurred: chrono::DateTime<Utc>) -> NewConsentEvent {
    NewConsentEvent {
        customer_id,
        purpose,
        kind,
        source: Source::ShopForm,
        evidence: "Formular 42".into(),
        wording_version: None,
        recorded_by: "Anna".into(),
        occurred_at: occurred,
    }
}

#[test]
fn consent_is_refused_while_the_shop_has_no_name() {
    let (mut s, id, clock) = setup("");
    let err = s.record_consent(&event(id, Purpose::Marketing, EventKind::Granted, clock.now())).unwrap_err();
    assert!(matches!(err, StoreError::Consent(ConsentError::ShopNameMissing)), "{err:?}");
    assert!(matches!(s.ensure_default_wordings(" ", ""), Err(StoreError::Consent(ConsentError::ShopNameMissing))));
    // A withdrawal is always possible.
    s.record_consent(&event(id, Purpose::Marketing, EventKind::Withdrawn, clock.now())).unwrap();
}

#[test]
fn recording_updates_the_state_and_the_current_wording_is_used() {
    let (mut s, id, clock) = setup("Hof Sonnenwiese");
    let e =
        s.record_consent(&event(id, Purpose::Marketing, EventKind::Granted, clock.now() - Duration::days(3))).unwrap();
    assert_eq!(e.wording_version, Some(1));
    assert_eq!(e.recorded_at, clock.now());
    assert_eq!(s.customer_consent(id).unwrap().marketing, ConsentState::Granted);
    assert_eq!(s.customer_consent(id).unwrap().service, ConsentState::None);
    let counts = s.consent_counts().unwrap();
    assert_eq!(counts[1].1.granted, 1);
    assert_eq!(counts[0].1.none, 1);
    let err = s
        .record_consent(&NewConsentEvent {
            wording_version: Some(9),
            ..event(id, Purpose::Service, EventKind::Granted, clock.now())
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Consent(ConsentError::UnknownWording(9))));
}

#[test]
fn backdated_form_after_stop_keeps_marketing_off_in_the_stored_state() {
    let (mut s, id, clock) = setup("Hof");
    s.record_consent(&event(id, Purpose::Marketing, EventKind::Withdrawn, clock.now())).unwrap();
    clock.advance(Duration::hours(2));
    s.record_consent(&event(id, Purpose::Marketing, EventKind::Granted, clock.now() - Duration::days(30))).unwrap();
    assert_eq!(s.customer_consent(id).unwrap().marketing, ConsentState::Withdrawn);
}

#[test]
fn ledger_rows_refuse_update_and_delete() {
    let (mut s, id, clock) = setup("Hof");
    s.record_consent(&event(id, Purpose::Marketing, EventKind::Granted, clock.now())).unwrap();
    let upd = s.conn().execute("UPDATE consent_events SET kind = 'withdrawn'", []);
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = s.conn().execute("DELETE FROM consent_events", []);
    assert!(del.unwrap_err().to_string().contains("append-only"));
    let wording = s.conn().execute("UPDATE consent_wordings SET text = 'anders'", []);
    assert!(wording.unwrap_err().to_string().contains("never edited"));
    // Deleting the customer directly is refused too (the ledger still points at them).
    assert!(s.conn().execute("DELETE FROM customers WHERE id = ?1", [id]).is_err());
    assert_eq!(s.ledger(id).unwrap().len(), 1);
}

#[test]
fn the_erasure_path_pseudonymises_and_suppresses_objectors() {
    let (mut s, id, clock) = setup("Hof");
    s.record_consent(&event(id, Purpose::Marketing, EventKind::Granted, clock.now() - Duration::days(2))).unwrap();
    s.record_consent(&event(id, Purpose::Marketing, EventKind::Withdrawn, clock.now())).unwrap();
    let out = s.erase_customer(id, "hash-abc", "Anna").unwrap();
    assert_eq!(out, ErasureOutcome { pseudonymised_events: 2, suppressed: true });
    assert_eq!(s.customer_count().unwrap(), 0);
    let remaining: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM consent_events WHERE customer_id IS NULL AND subject_hash = 'hash-abc'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(remaining, 2);
    assert!(s.is_suppressed("hash-abc", Purpose::Marketing).unwrap());
    let gate: i64 = s.conn().query_row("SELECT open FROM erasure_gate", [], |r| r.get(0)).unwrap();
    assert_eq!(gate, 0, "gate closed again");
    let audit: String = s.conn().query_row("SELECT detail FROM audit_log", [], |r| r.get(0)).unwrap();
    assert!(!audit.contains("Müller") && !audit.contains("171"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn stored_state_always_equals_the_fold(
        steps in proptest::collection::vec((0usize..2, 0usize..5, 0i64..72, 0i64..3), 1..20)
    ) {
        let (mut s, id, clock) = setup("Hof");
        for (p, k, hours_ago, advance) in steps {
            let purpose = Purpose::ALL[p];
            let kind = EventKind::ALL[k];
            let ev = event(id, purpose, kind, clock.now() - Duration::hours(hours_ago));
            s.record_consent(&ev).unwrap();
            clock.advance(Duration::hours(advance));
            let ledger = s.ledger(id).unwrap();
            let stored = s.customer_consent(id).unwrap();
            prop_assert_eq!(stored.service, fold(&ledger, Purpose::Service).state);
            prop_assert_eq!(stored.marketing, fold(&ledger, Purpose::Marketing).state);
        }
    }
}
