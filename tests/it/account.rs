//! Issue 14 §3: what Meta says about the account reaches the farmer, through the real `hofbote serve` and the
//! in-process sandbox (`POST /_sandbox/event` sends the signed webhook and changes what the sandbox's phone number
//! reports). A restriction stops sending with an alert and its end lets the broadcast finish; a limit read from the
//! API is enforced and a limit change raises it; an unknown event is kept and shown; a template Meta makes marketing
//! half-way through a broadcast reaches only people with marketing consent from then on, and the farmer is told.

use std::time::{Duration, Instant};

use hofbote::domain::broadcast::Audience;
use hofbote::domain::consent::{EventKind, NewConsentEvent, Purpose, Source};
use hofbote::domain::customer::CustomerDraft;
use hofbote::domain::phone::{Phone, Region};
use hofbote::domain::template::Params;
use hofbote::sandbox::{self, SandboxHandle};
use hofbote::store::Store;
use hofbote::store::broadcasts::NewBroadcast;
use serde_json::{Value, json};

use crate::handover::{serve_log, serve_up, stop_serve};
use crate::pty::{DEADLINE, wait_until};
use crate::served::{SECRET, Shop, check_ledger, free_port, prepare, sandbox_for};
use crate::support::TempHome;

/// Meta tells the business something (see `sandbox::control::EventRequest`).
fn event(rt: &tokio::runtime::Runtime, handle: &SandboxHandle, body: Value) {
    let url = format!("{}/_sandbox/event", handle.url());
    rt.block_on(async {
        let r = reqwest::Client::new().post(url).json(&body).send().await.unwrap();
        assert!(r.status().is_success(), "{:?}", r.text().await);
    });
}

fn queue_list(shop: &Shop) -> String {
    shop.home.ok(&["queue", "list"])
}

fn rows_in_flight(shop: &Shop) -> i64 {
    let conn = rusqlite::Connection::open(shop.home.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row("SELECT count(*) FROM outbox WHERE state = 'inflight'", [], |r| r.get(0)).unwrap()
}

/// Holds `cond` for all of `span` (checked every 50 ms): that nothing happens is a claim about a time span.
fn holds_for(span: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + span;
    while Instant::now() < end {
        if !cond() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

#[test]
fn a_restriction_from_meta_stops_sending_with_an_alert_and_its_end_lets_the_broadcast_finish() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = free_port();
    let handle = sandbox_for(&rt, 41, listen);
    // 14 customers (12 consenting) at 2 messages/s: about 6 s of sending.
    let shop = prepare(14, &handle.url(), listen, 2);
    let serve = serve_up(&shop);
    assert!(wait_until(DEADLINE, || handle.ledger().len() >= 2), "nothing sent:\n{}", serve_log(&shop));
    event(
        &rt,
        &handle,
        json!({"kind": "account_update", "event": "ACCOUNT_RESTRICTION",
               "restriction_types": ["RESTRICTED_BIZ_INITIATED_MESSAGING"]}),
    );
    let said = "Versand gestoppt: Meta hat das WhatsApp-Konto eingeschränkt (RESTRICTED_BIZ_INITIATED_MESSAGING bis";
    assert!(wait_until(DEADLINE, || queue_list(&shop).contains(said)), "{}", queue_list(&shop));
    let list = queue_list(&shop);
    assert!(list.contains("WARNUNG:"), "{list}");
    assert!(list.contains("Meta Business Manager"), "says what to do: {list}");
    // What was in flight when it arrived is finished; after that nothing goes out.
    assert!(wait_until(DEADLINE, || rows_in_flight(&shop) == 0));
    let stopped_at = handle.ledger().len();
    assert!(stopped_at < shop.consenting.len(), "the broadcast ended before the restriction: the test is too slow");
    assert!(holds_for(Duration::from_secs(3), || handle.ledger().len() == stopped_at), "sent while restricted");
    // Meta lifts it (no messaging restriction left): sending goes on by itself, nobody gets it twice.
    event(&rt, &handle, json!({"kind": "account_update", "event": "ACCOUNT_RESTRICTION", "restriction_types": []}));
    let done = wait_until(Duration::from_secs(60), || shop.all_final());
    assert!(done, "did not finish after the restriction ended: {:?}\n{}", shop.row_states(), serve_log(&shop));
    check_ledger(&handle.ledger(), &shop.consenting);
    assert!(!queue_list(&shop).contains("eingeschränkt"));
    stop_serve(&shop, serve);
    rt.block_on(handle.shutdown());
}

#[test]
fn the_limit_meta_reports_is_enforced_and_a_limit_change_raises_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = free_port();
    // The sandbox's number starts with a limit of 5 unique recipients a day (a test value; Meta's smallest is 250),
    // while the config says unlimited (`messaging_tier = 0`): Meta's limit wins.
    let mut cfg = sandbox::SandboxConfig::for_tests(42);
    cfg.webhook_url = Some(format!("http://{listen}/webhook"));
    cfg.app_secret = Some(hofbote::config::Secret::new(SECRET));
    cfg.messaging_limit = "TIER_5".into();
    let handle = rt.block_on(sandbox::start(cfg)).unwrap();
    let shop = prepare(14, &handle.url(), listen, 40);
    let serve = serve_up(&shop);
    let waiting = || shop.row_states().iter().any(|(s, n)| s == "queued" && *n > 0);
    assert!(wait_until(DEADLINE, || handle.ledger().len() == 5 && waiting()), "{:?}", shop.row_states());
    let list = queue_list(&shop);
    assert!(list.contains("WhatsApp-Limit: 5 Kunden pro 24 Stunden (von Meta, Stand"), "{list}");
    assert!(holds_for(Duration::from_secs(2), || handle.ledger().len() == 5), "sent above Meta's limit");
    // Meta decides on more: the webhook names the event, the phone number the new limit.
    event(
        &rt,
        &handle,
        json!({"kind": "account_update", "event": "INCREASED_CAPABILITIES_ELIGIBILITY_DECIDED",
               "messaging_limit": "TIER_2K"}),
    );
    let done = wait_until(Duration::from_secs(60), || shop.all_final());
    assert!(done, "the higher limit was not enforced: {:?}\n{}", shop.row_states(), serve_log(&shop));
    check_ledger(&handle.ledger(), &shop.consenting);
    let list = queue_list(&shop);
    assert!(list.contains("WhatsApp-Limit: 2.000 Kunden pro 24 Stunden (von Meta"), "{list}");
    // The event itself is shown, as nothing that stops sending.
    assert!(list.contains("INCREASED_CAPABILITIES_ELIGIBILITY_DECIDED") && list.contains("Nichts nötig"), "{list}");
    stop_serve(&shop, serve);
    rt.block_on(handle.shutdown());
}

#[test]
fn an_account_event_hofbote_does_not_know_is_kept_and_shown_and_stops_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = free_port();
    let handle = sandbox_for(&rt, 43, listen);
    let shop = prepare(3, &handle.url(), listen, 40);
    let serve = serve_up(&shop);
    event(&rt, &handle, json!({"kind": "account_update", "event": "PARTNER_ADDED"}));
    let said = "Meta meldet zum WhatsApp-Konto: PARTNER_ADDED";
    assert!(wait_until(DEADLINE, || queue_list(&shop).contains(said)), "{}", queue_list(&shop));
    assert!(queue_list(&shop).contains("Nichts nötig, der Versand läuft"));
    // The body itself is stored too.
    let conn = rusqlite::Connection::open(shop.home.db()).unwrap();
    // (Read back through the store: bodies are kept compressed since migration 10.)
    let stored = hofbote::store::erasure::webhook_bodies(&conn).unwrap();
    let stored = stored.iter().filter(|b| String::from_utf8_lossy(&b.body).contains("PARTNER_ADDED")).count();
    assert_eq!(stored, 1);
    assert!(wait_until(Duration::from_secs(60), || shop.all_final()), "{:?}", shop.row_states());
    check_ledger(&handle.ledger(), &shop.consenting);
    // The farmer has read it: resolved.
    shop.home.ok(&["queue", "resolve-alerts"]);
    assert!(!queue_list(&shop).contains(said));
    stop_serve(&shop, serve);
    rt.block_on(handle.shutdown());
}

/// A shop of `n` customers who all allowed service messages; every second one also marketing. One broadcast of the
/// utility template `abholtermin` to all. Returns the shop (its `consenting`: the marketing ones) and all numbers.
fn pickup_shop(n: usize, sandbox_url: &str, listen: std::net::SocketAddr) -> (Shop, Vec<String>) {
    let home = TempHome::new();
    home.write_config(&format!(
        "[shop]\nname = \"Hof Kategorie\"\n[whatsapp]\nbase_url = \"{sandbox_url}\"\nphone_number_id = \"106540352242922\"\n\
         waba_id = \"102290129340398\"\nthroughput_per_second = 2\nmessaging_tier = 0\nrequest_timeout_seconds = 2\n\
         [queue]\nquiet_hours = \"\"\nunknown_after_seconds = 3\nbatch_size = 20\n"
    ));
    let mut store = Store::open(&home.db(), hofbote::clock::system()).unwrap();
    store.ensure_default_wordings("Hof Kategorie", "").unwrap();
    store.replace_templates(&sandbox::demo_templates()).unwrap();
    let (mut marketing, mut all) = (Vec::new(), Vec::new());
    for i in 0..n {
        let phone = Phone::parse(&format!("0171 {:07}", 6_000_000 + i), Region::DE).unwrap();
        let draft = CustomerDraft::new(&format!("Kunde {i:03}"), "Kunde", phone.clone(), &[], "").unwrap();
        let id = store.insert_customer(&draft).unwrap().id;
        let purposes: &[Purpose] =
            if i % 2 == 0 { &[Purpose::Service, Purpose::Marketing] } else { &[Purpose::Service] };
        for p in purposes {
            let at = store.now() - chrono::Duration::days(2);
            store
                .record_consent(&NewConsentEvent {
                    customer_id: id,
                    purpose: *p,
                    kind: EventKind::Granted,
                    source: Source::ShopForm,
                    evidence: format!("F-{i}"),
                    wording_version: None,
                    recorded_by: "test".into(),
                    occurred_at: at,
                })
                .unwrap();
        }
        all.push(phone.as_e164().to_owned());
        if i % 2 == 0 {
            marketing.push(phone.as_e164().to_owned());
        }
    }
    let b = NewBroadcast {
        template: "abholtermin".into(),
        language: "de".into(),
        params: Params::named(&[("name", "{vorname}"), ("date", "Fr 4.12."), ("time", "15 Uhr")]),
        audience: Audience::All,
        scheduled_at: None,
        created_by: "test".into(),
    };
    let broadcast = store.create_broadcast(&b, "Hallo", false).unwrap().0;
    drop(store);
    marketing.sort();
    (Shop { disk: None, home, listen, consenting: marketing, broadcast }, all)
}

#[test]
fn a_template_made_marketing_mid_broadcast_reaches_only_marketing_consent_from_then_on() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = free_port();
    let handle = sandbox_for(&rt, 44, listen);
    let (shop, all) = pickup_shop(12, &handle.url(), listen);
    let serve = serve_up(&shop);
    // Half-way: the farmer holds the broadcast (as `hofbote queue pause` does) while Meta recategorises.
    assert!(wait_until(DEADLINE, || handle.ledger().len() >= 3), "nothing sent:\n{}", serve_log(&shop));
    let id = shop.broadcast.to_string();
    shop.home.ok(&["queue", "pause", &id]);
    assert!(wait_until(DEADLINE, || rows_in_flight(&shop) == 0));
    let before: Vec<String> = handle.ledger().iter().map(|e| e.to.clone()).collect();
    assert!(before.len() < all.len(), "the broadcast ended before the flip: the test is too slow");
    assert!(
        before.iter().any(|p| !shop.consenting.contains(p)),
        "as a utility template it went to people with service consent only: {before:?}"
    );
    // Waiting at the flip without marketing consent: these lose the broadcast.
    let losing = all.iter().filter(|p| !before.contains(p) && !shop.consenting.contains(p)).count();
    assert!(losing > 0, "nobody to lose: the test proves nothing");
    event(
        &rt,
        &handle,
        json!({"kind": "template_category_update", "template": "abholtermin", "new_category": "MARKETING"}),
    );
    let said = format!(
        "Rundnachricht Nr {id}: {losing} Kunden bekommen sie nicht – Vorlage »abholtermin« ist seit {} Werbung. Ihnen fehlt die Einwilligung für Angebote (Werbung)",
        chrono::Utc::now().format("%d.%m.%Y")
    );
    assert!(wait_until(DEADLINE, || queue_list(&shop).contains(&said)), "{}", queue_list(&shop));
    shop.home.ok(&["queue", "resume", &id]);
    let done = wait_until(Duration::from_secs(60), || shop.all_final());
    assert!(done, "{:?}\n{}", shop.row_states(), serve_log(&shop));
    let after: Vec<String> = handle.ledger().iter().skip(before.len()).map(|e| e.to.clone()).collect();
    assert!(!after.is_empty(), "the rest of the broadcast went out");
    for p in &after {
        assert!(shop.consenting.contains(p), "{p} got a marketing template without marketing consent");
    }
    // Everyone got it at most once, and those who lost it are cancelled with the reason.
    let mut got = before.clone();
    got.extend(after);
    got.sort();
    got.dedup();
    assert_eq!(got.len(), all.len() - losing, "{got:?}");
    let cancelled: i64 = shop.row_states().iter().filter(|(s, _)| s == "cancelled").map(|(_, n)| *n).sum();
    assert_eq!(cancelled as usize, losing);
    let show = shop.home.ok(&["queue", "show", &id]);
    assert_eq!(show.matches("abgebrochen  keine Einwilligung").count(), losing, "the rows say why: {show}");
    stop_serve(&shop, serve);
    rt.block_on(handle.shutdown());
}

/// Issue 14 §3: `hofbote templates list` warns about a template last sent more than 10 months ago (Meta archives
/// it after 12 and deletes it 28 days later), and only about that one.
#[test]
fn templates_list_warns_about_a_template_meta_will_archive_soon() {
    let shop = prepare(3, "http://127.0.0.1:9", free_port(), 40);
    let last = chrono::Utc::now() - chrono::Duration::days(320);
    let conn = rusqlite::Connection::open(shop.home.db()).unwrap();
    conn.execute(
        "UPDATE outbox SET state = 'read', accepted_at = ?1, inflight_at = ?1 WHERE broadcast_id = ?2 AND state = 'queued'",
        rusqlite::params![last.format("%Y-%m-%dT%H:%M:%SZ").to_string(), shop.broadcast],
    )
    .unwrap();
    drop(conn);
    let out = shop.home.ok(&["templates", "list"]);
    let berlin =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&chrono_tz::Europe::Berlin).format("%d.%m.%Y").to_string();
    let archived = last.checked_add_months(chrono::Months::new(12)).unwrap();
    let said = format!(
        "Achtung: Vorlage »wochenangebot« (de) wurde zuletzt am {} gesendet. Meta archiviert Vorlagen nach 12 Monaten ohne Versand (diese am {})",
        berlin(last),
        berlin(archived)
    );
    assert!(out.contains(&said), "{out}");
    assert!(
        out.contains(&format!("löscht sie 28 Tage später (am {})", berlin(archived + chrono::Duration::days(28)))),
        "{out}"
    );
    assert_eq!(out.matches("Achtung:").count(), 1, "templates never sent from hofbote are not warned about: {out}");
}

/// Regression: `serve` reads Meta's limits before it sends (up to a few seconds when the API is slow); a SIGTERM in
/// that time killed it by default (no clean stop, exit by signal) because the signal handler came later. The API
/// here accepts connections and never answers.
#[test]
fn serve_stopped_while_it_reads_the_limits_at_start_ends_cleanly() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let api = format!("http://{}", silent.local_addr().unwrap());
    let shop = prepare(2, &api, free_port(), 40);
    let serve = serve_up(&shop);
    stop_serve(&shop, serve);
    drop(silent);
}
