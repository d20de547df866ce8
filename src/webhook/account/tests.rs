//! Account events applied: stops with their end, limits stored, everything else kept and shown.

use std::sync::Arc;

use chrono::{TimeZone, Utc};

use crate::clock::ManualClock;
use crate::domain::phone::Region;
use crate::store::Store;
use crate::webhook::apply::{ApplyContext, apply_events};
use crate::whatsapp::payload::parse;

fn setup() -> Store {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()));
    Store::open_in_memory(clock).unwrap()
}

fn body(value: &str) -> String {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","time":1790000000,"changes":[{{"field":"account_update","value":{value}}}]}}]}}"#
    )
}

fn apply(store: &mut Store, body: &str) {
    let ctx = ApplyContext { shop_name: "Hof".into(), region: Region::DE, signups_per_hour: 0 };
    let events = parse(body.as_bytes()).unwrap();
    let now = store.now();
    let tx = store.conn_mut().transaction().unwrap();
    apply_events(&tx, &events, &ctx, now).unwrap();
    tx.commit().unwrap();
}

fn kinds(store: &Store) -> Vec<String> {
    store.active_alerts().unwrap().into_iter().map(|a| a.kind).collect()
}

fn recorded(case: &str) -> String {
    let all: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/webhooks/pywa-2026/account_update.json")).unwrap();
    all[case].to_string()
}

#[test]
fn a_messaging_restriction_stops_sending_until_it_has_expired() {
    let mut s = setup();
    let until = Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap().timestamp();
    apply(
        &mut s,
        &body(&format!(
            r#"{{"event":"ACCOUNT_RESTRICTION","restriction_info":[{{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":"{until}"}}]}}"#
        )),
    );
    let alerts = s.active_alerts().unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, super::ALERT_RESTRICTED);
    assert_eq!(alerts[0].message, "RESTRICTED_BIZ_INITIATED_MESSAGING bis 02.12.2026");
    assert!(s.idle_info().unwrap().blocked, "nothing is claimed while it is open");
    let (what, todo) = crate::webhook::alert_words(&alerts[0].kind, &alerts[0].message, crate::i18n::Lang::De).unwrap();
    assert!(
        what.starts_with("Versand gestoppt: Meta hat das WhatsApp-Konto eingeschränkt") && what.contains("02.12.2026"),
        "{what}"
    );
    assert!(todo.contains("Meta Business Manager"), "{todo}");
    // The recorded restriction expired long ago (2022): it says the restriction is over.
    // Another restriction event in the same second is not taken for a replay of the first.
    apply(&mut s, &body(r#"{"event":"ACCOUNT_RESTRICTION","restriction_info":[]}"#));
    assert!(kinds(&s).is_empty(), "{:?}", kinds(&s));
    s.raise_alert(super::ALERT_RESTRICTED, None, "again").unwrap();
    apply(&mut s, &recorded("account_restriction"));
    assert!(!kinds(&s).contains(&super::ALERT_RESTRICTED.to_owned()), "{:?}", kinds(&s));
    assert!(!s.idle_info().unwrap().blocked);
}

#[test]
fn a_violation_and_a_ban_stop_sending_and_reinstating_clears_every_account_stop() {
    let mut s = setup();
    apply(&mut s, &recorded("account_violation"));
    apply(
        &mut s,
        &body(
            r#"{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"DISABLE","waba_ban_date":"November 30, 2026"}}"#,
        ),
    );
    // The stops raised while sending: an account error (queue::decide) and Meta's quality review of 135000.
    s.raise_alert("account", Some(131031), "locked").unwrap();
    s.raise_alert(crate::store::outbox::ALERT_PORTFOLIO_REVIEW, Some(135000), "review").unwrap();
    assert_eq!(kinds(&s), ["account_violation", "account_disabled", "account", "portfolio_review"]);
    assert_eq!(s.active_alerts().unwrap()[1].message, "30.11.2026", "Meta's date the German way");
    assert!(s.idle_info().unwrap().blocked);
    apply(&mut s, &recorded("account_disabled"));
    assert!(kinds(&s).is_empty(), "{:?}", kinds(&s));
    assert!(s.account_limits().unwrap().check_due, "limits are read again after a reinstatement");
}

#[test]
fn unknown_events_are_kept_in_one_alert_that_stops_nothing() {
    let mut s = setup();
    apply(&mut s, &recorded("partner_added"));
    apply(&mut s, &recorded("mm_api_for_wa_terms_of_service"));
    apply(&mut s, &recorded("partner_added"));
    let alerts = s.active_alerts().unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, super::ALERT_INFO);
    assert_eq!(alerts[0].message, "PARTNER_ADDED (16.04.2025); MM_LITE_TERMS_SIGNED (16.04.2025)");
    assert!(!s.idle_info().unwrap().blocked);
    let (what, _) = crate::webhook::alert_words(&alerts[0].kind, &alerts[0].message, crate::i18n::Lang::De).unwrap();
    assert!(what.starts_with("Meta meldet zum WhatsApp-Konto: PARTNER_ADDED"), "{what}");
}

#[test]
fn a_limit_change_is_enforced_and_the_limits_are_read_again() {
    let mut s = setup();
    assert_eq!(s.enforced_tier(250).unwrap(), 250);
    apply(&mut s, &body(r#"{"event":"INCREASED_CAPABILITIES_ELIGIBILITY_DECIDED","messaging_limit":"TIER_2K"}"#));
    assert_eq!(s.enforced_tier(250).unwrap(), 2000);
    assert!(s.account_limits().unwrap().check_due);
    assert!(kinds(&s).is_empty(), "a limit change needs nothing from the farmer");
    // A decision without a number: read again from the API, and show it.
    s.set_account_limits(Some(2000), None).unwrap();
    apply(&mut s, &body(r#"{"event":"INCREASED_CAPABILITIES_ELIGIBILITY_NEED_MORE_INFO"}"#));
    assert!(s.account_limits().unwrap().check_due);
    assert_eq!(kinds(&s), [super::ALERT_INFO]);
    let capability = r#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"business_capability_update","value":{"max_daily_conversations_per_business":-1}}]}]}"#;
    apply(&mut s, capability);
    assert_eq!(s.enforced_tier(250).unwrap(), 0, "unlimited");
}
