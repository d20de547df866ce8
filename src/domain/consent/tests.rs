//! Unit tests of the consent fold and may_send, with property tests against a reference model. Test code only.
use chrono::TimeZone;
use proptest::prelude::*;

use super::*;

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn ev(id: i64, purpose: Purpose, kind: EventKind, occurred: i64) -> ConsentEvent {
    ConsentEvent {
        id,
        customer_id: Some(1),
        purpose,
        kind,
        source: Source::Manual,
        evidence: "Formular 17".into(),
        wording_version: Some(1),
        recorded_by: "test".into(),
        occurred_at: t(occurred),
        recorded_at: t(occurred + 1000 - id),
    }
}

#[test]
fn no_events_means_none() {
    assert_eq!(fold(&Vec::<ConsentEvent>::new(), Purpose::Marketing).state, ConsentState::None);
}

#[test]
fn backdated_grant_typed_in_after_stop_does_not_switch_marketing_on() {
    // STOP today (recorded first), paper form from last month typed in afterwards.
    let events =
        vec![ev(1, Purpose::Marketing, EventKind::Withdrawn, 1000), ev(2, Purpose::Marketing, EventKind::Granted, 10)];
    let f = fold(&events, Purpose::Marketing);
    assert_eq!(f.state, ConsentState::Withdrawn);
    assert_eq!(f.since, Some(t(1000)));
}

#[test]
fn withdrawal_wins_a_tie() {
    let events =
        vec![ev(2, Purpose::Marketing, EventKind::Withdrawn, 5), ev(3, Purpose::Marketing, EventKind::Granted, 5)];
    assert_eq!(fold(&events, Purpose::Marketing).state, ConsentState::Withdrawn);
}

#[test]
fn later_grant_after_withdrawal_counts() {
    let events = vec![ev(1, Purpose::Service, EventKind::Withdrawn, 5), ev(2, Purpose::Service, EventKind::Granted, 6)];
    assert_eq!(fold(&events, Purpose::Service).state, ConsentState::Granted);
}

#[test]
fn platform_resume_is_never_consent() {
    let events = vec![
        ev(1, Purpose::Marketing, EventKind::Withdrawn, 1),
        ev(2, Purpose::Marketing, EventKind::PlatformResume, 2),
    ];
    assert_eq!(fold(&events, Purpose::Marketing).state, ConsentState::Withdrawn);
}

#[test]
fn double_opt_in_pending_then_expired_or_confirmed() {
    let requested = vec![ev(1, Purpose::Marketing, EventKind::ConfirmationRequested, 1)];
    assert_eq!(fold(&requested, Purpose::Marketing).state, ConsentState::Pending);
    let mut expired = requested.clone();
    expired.push(ev(2, Purpose::Marketing, EventKind::ConfirmationExpired, 1441));
    assert_eq!(fold(&expired, Purpose::Marketing).state, ConsentState::None);
    let mut confirmed = requested;
    confirmed.push(ev(3, Purpose::Marketing, EventKind::Granted, 30));
    confirmed.push(ev(4, Purpose::Marketing, EventKind::ConfirmationExpired, 1441));
    assert_eq!(
        fold(&confirmed, Purpose::Marketing).state,
        ConsentState::Granted,
        "a late expiry does not undo a grant"
    );
}

#[test]
fn purposes_are_independent() {
    let events =
        vec![ev(1, Purpose::Service, EventKind::Granted, 1), ev(2, Purpose::Marketing, EventKind::Withdrawn, 2)];
    assert_eq!(fold(&events, Purpose::Service).state, ConsentState::Granted);
    assert_eq!(fold(&events, Purpose::Marketing).state, ConsentState::Withdrawn);
}

fn consent(service: ConsentState, marketing: ConsentState) -> CustomerConsent {
    CustomerConsent { service, marketing, last_inbound_at: None, suppressed: false }
}

#[test]
fn may_send_needs_the_matching_purpose() {
    let now = t(0);
    let c = consent(ConsentState::Granted, ConsentState::None);
    assert_eq!(may_send(SendKind::Service, &c, now), Ok(()));
    assert_eq!(may_send(SendKind::Marketing, &c, now), Err(Refusal::NoConsent(Purpose::Marketing)));
    let c = consent(ConsentState::None, ConsentState::Granted);
    assert_eq!(may_send(SendKind::Marketing, &c, now), Ok(()));
    assert_eq!(may_send(SendKind::Service, &c, now), Err(Refusal::NoConsent(Purpose::Service)));
    let c = consent(ConsentState::Withdrawn, ConsentState::Pending);
    assert_eq!(may_send(SendKind::Service, &c, now), Err(Refusal::Withdrawn(Purpose::Service)));
    assert_eq!(may_send(SendKind::Marketing, &c, now), Err(Refusal::Pending(Purpose::Marketing)));
}

#[test]
fn suppression_blocks_marketing_even_with_a_grant() {
    let mut c = consent(ConsentState::Granted, ConsentState::Granted);
    c.suppressed = true;
    assert_eq!(may_send(SendKind::Marketing, &c, t(0)), Err(Refusal::Suppressed));
    assert_eq!(may_send(SendKind::Service, &c, t(0)), Ok(()));
}

#[test]
fn reply_in_window_needs_a_message_from_the_last_24_hours_and_no_consent() {
    let mut c = consent(ConsentState::None, ConsentState::Withdrawn);
    assert_eq!(may_send(SendKind::ReplyInWindow, &c, t(0)), Err(Refusal::WindowClosed));
    c.last_inbound_at = Some(t(0));
    assert_eq!(may_send(SendKind::ReplyInWindow, &c, t(60)), Ok(()));
    assert_eq!(may_send(SendKind::ReplyInWindow, &c, t(24 * 60 - 1)), Ok(()));
    assert_eq!(may_send(SendKind::ReplyInWindow, &c, t(24 * 60)), Err(Refusal::WindowClosed));
}

#[test]
fn wording_needs_the_shop_name_and_names_it() {
    assert_eq!(default_wording(Purpose::Marketing, "  ", "x"), Err(ConsentError::ShopNameMissing));
    let w = default_wording(Purpose::Marketing, "Hof Sonnenwiese", "Dorfstr. 3, 12345 Beispielhausen").unwrap();
    assert!(w.contains("Hof Sonnenwiese, Dorfstr. 3"));
    assert!(w.contains("STOP"));
    let s = default_wording(Purpose::Service, "Hof Sonnenwiese", "").unwrap();
    assert!(s.contains("Schlachttermine") && s.contains("STOP ALLES"));
    assert!(ConsentError::ShopNameMissing.localized(Lang::De).contains("[shop] name"));
}

#[test]
fn validation_refuses_future_dates_and_grants_without_evidence() {
    let mut e = NewConsentEvent {
        customer_id: 1,
        purpose: Purpose::Marketing,
        kind: EventKind::Granted,
        source: Source::ShopForm,
        evidence: " ".into(),
        wording_version: Some(1),
        recorded_by: "Anna".into(),
        occurred_at: t(0),
    };
    assert_eq!(validate_event(&e, t(0)), Err(ConsentError::EvidenceMissing));
    e.evidence = "Formular 12".into();
    assert_eq!(validate_event(&e, t(0)), Ok(()));
    e.occurred_at = t(60);
    assert_eq!(validate_event(&e, t(0)), Err(ConsentError::InFuture));
    e.kind = EventKind::Withdrawn;
    e.evidence.clear();
    e.occurred_at = t(0);
    assert_eq!(validate_event(&e, t(0)), Ok(()), "withdrawal needs no evidence — as easy as consent");
}

#[test]
fn keys_round_trip() {
    for p in Purpose::ALL {
        assert_eq!(p.as_str().parse::<Purpose>().unwrap(), *p);
    }
    for s in Source::ALL {
        assert_eq!(s.as_str().parse::<Source>().unwrap(), *s);
    }
    for k in EventKind::ALL {
        assert_eq!(k.as_str().parse::<EventKind>().unwrap(), *k);
    }
    let err = "werbung".parse::<Purpose>().unwrap_err();
    assert!(err.to_string().contains("service, marketing"));
}

/// Reference model of the fold, written differently: find the deciding event directly.
fn reference(events: &[ConsentEvent], purpose: Purpose) -> ConsentState {
    let key = |e: &ConsentEvent| (e.occurred_at, e.kind.tie_rank(), e.id);
    let deciding = events
        .iter()
        .filter(|e| {
            e.purpose == purpose
                && matches!(e.kind, EventKind::Granted | EventKind::Withdrawn | EventKind::ConfirmationRequested)
        })
        .max_by_key(|e| key(e));
    match deciding {
        None => ConsentState::None,
        Some(d) => match d.kind {
            EventKind::Granted => ConsentState::Granted,
            EventKind::Withdrawn => ConsentState::Withdrawn,
            _ => {
                let expired_after = events
                    .iter()
                    .any(|e| e.purpose == purpose && e.kind == EventKind::ConfirmationExpired && key(e) > key(d));
                if expired_after { ConsentState::None } else { ConsentState::Pending }
            }
        },
    }
}

pub(crate) fn arb_events() -> impl Strategy<Value = Vec<ConsentEvent>> {
    proptest::collection::vec((0usize..2, 0usize..5, 0usize..7, 0i64..40, 0i64..40), 0..25).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (p, k, s, occurred, recorded))| ConsentEvent {
                id: i as i64 + 1,
                customer_id: Some(1),
                purpose: Purpose::ALL[p],
                kind: EventKind::ALL[k],
                source: Source::ALL[s],
                evidence: format!("e{i}"),
                wording_version: Some(1),
                recorded_by: "prop".into(),
                occurred_at: t(occurred),
                recorded_at: t(recorded),
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn fold_matches_the_reference_model(events in arb_events()) {
        for purpose in Purpose::ALL {
            prop_assert_eq!(fold(&events, *purpose).state, reference(&events, *purpose));
        }
    }

    #[test]
    fn fold_ignores_the_order_events_were_recorded_in(events in arb_events()) {
        let mut reversed = events.clone();
        reversed.reverse();
        for purpose in Purpose::ALL {
            prop_assert_eq!(fold(&events, *purpose), fold(&reversed, *purpose));
        }
    }

    #[test]
    fn a_backdated_grant_never_overrides_a_later_withdrawal(mut events in arb_events(), back in 1i64..500) {
        let latest_withdrawal = events
            .iter()
            .filter(|e| e.purpose == Purpose::Marketing && e.kind == EventKind::Withdrawn)
            .map(|e| e.occurred_at)
            .max();
        if let Some(w) = latest_withdrawal {
            let before = fold(&events, Purpose::Marketing);
            let id = events.len() as i64 + 100;
            let mut grant = ev(id, Purpose::Marketing, EventKind::Granted, 0);
            grant.occurred_at = w - Duration::minutes(back);
            grant.recorded_at = t(10_000);
            events.push(grant);
            let after = fold(&events, Purpose::Marketing);
            prop_assert_eq!(before.state, after.state);
        }
    }

    #[test]
    fn one_purpose_never_touches_the_other(events in arb_events(), extra in arb_events()) {
        let only_marketing: Vec<ConsentEvent> = extra.into_iter().filter(|e| e.purpose == Purpose::Marketing)
            .map(|mut e| { e.id += 1000; e }).collect();
        let mut mixed = events.clone();
        mixed.extend(only_marketing);
        prop_assert_eq!(fold(&events, Purpose::Service), fold(&mixed, Purpose::Service));
    }
}
