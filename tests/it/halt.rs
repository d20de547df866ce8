//! Issue 14 §3: Meta's new stops reach the farmer. Business portfolio pacing — a send answered
//! `held_for_quality_assessment` is held (not failed, not sent, never sent again by hofbote; Meta's later statuses
//! move it on), and 135000 (the portfolio under quality review) halts the whole broadcast and all sending with an
//! alert that survives restarts until the farmer (or Meta's notice) ends it; 131063 (marketing disabled for the
//! number) pauses marketing while service messages go on. On the real store, then through the real `serve` and the
//! terminal app against the sandbox's pacing fault.

use std::time::Duration;

use hofbote::clock::Clock;

use hofbote::domain::broadcast::Audience;
use hofbote::domain::sending::{BroadcastState, Decision, Reason, RowState};
use hofbote::store::outbox::{ALERT_MARKETING_DISABLED, ALERT_PORTFOLIO_REVIEW, Answer};
use hofbote::store::send_journal::JournalView;
use hofbote::webhook::{ApplyContext, apply_pending};

use crate::queue::{Q, open_rules};

fn row_states(q: &Q, b: i64) -> Vec<RowState> {
    q.store.broadcast_rows(b).unwrap().into_iter().map(|r| r.state).collect()
}

fn count(q: &Q, b: i64, state: RowState) -> usize {
    row_states(q, b).into_iter().filter(|s| *s == state).count()
}

fn alerts(q: &Q) -> Vec<String> {
    q.store.active_alerts().unwrap().into_iter().map(|a| a.kind).collect()
}

fn wamid_of(q: &Q, id: i64) -> String {
    q.store.conn().query_row("SELECT wamid FROM outbox WHERE id = ?1", [id], |r| r.get(0)).unwrap()
}

fn ingest(q: &mut Q, body: Vec<u8>) {
    let ctx =
        ApplyContext { shop_name: "Hof".into(), region: hofbote::domain::phone::Region::DE, signups_per_hour: 50 };
    q.store.store_webhook_bodies(&[body]).unwrap();
    apply_pending(&mut q.store, &ctx).unwrap();
}

#[test]
fn a_held_send_is_held_never_sent_again_and_meta_s_statuses_move_it_on() {
    let mut q = Q::new();
    for i in 0..3 {
        q.customer(&format!("Kunde {i}"), &format!("0171 100000{i}"), &[], true, true);
    }
    let b = q.broadcast("wochenangebot", Audience::All, None);
    let claimed = q.claim(&open_rules());
    assert_eq!(claimed.len(), 3);
    let results = vec![
        (claimed[0].clone(), Ok(Answer::held("wamid.H0"))),
        (claimed[1].clone(), Ok(Answer::held("wamid.H1"))),
        (claimed[2].clone(), Ok(Answer::accepted("wamid.A2"))),
    ];
    q.store.record_results(&results).unwrap();
    assert_eq!(count(&q, b, RowState::Held), 2, "{:?}", row_states(&q, b));
    let rows = q.store.broadcast_rows(b).unwrap();
    assert!(rows.iter().filter(|r| r.state == RowState::Held).all(|r| r.reason == Reason::HeldByMeta));
    let info = q.store.broadcast(b).unwrap();
    assert_eq!(info.count(RowState::Held), 2);
    assert_eq!(info.state, BroadcastState::Done, "Meta has every message: nothing left for hofbote to send");

    // Nothing hofbote does by itself sends a held row again: a crash, the reconciler, a restore, the next claim.
    q.clock.advance(chrono::Duration::minutes(30));
    q.store.recover_inflight().unwrap();
    q.store
        .conn()
        .execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_webhook_at', ?1)",
            [hofbote::store::ts(q.clock.now())],
        )
        .unwrap();
    q.clock.advance(chrono::Duration::minutes(30));
    q.store.reconcile_unknown(chrono::Duration::seconds(1)).unwrap();
    q.store.settle_restored(&JournalView::default()).unwrap();
    assert!(q.claim(&open_rules()).is_empty(), "a held row was claimed again");
    assert_eq!(count(&q, b, RowState::Held), 2, "{:?}", row_states(&q, b));

    // Meta releases one (sent, then delivered) and drops the other (failed).
    let (h0, h1) = (claimed[0].id, claimed[1].id);
    let (w0, w1) = (wamid_of(&q, h0), wamid_of(&q, h1));
    ingest(&mut q, crate::webhook::status(&w0, "sent", None, None));
    ingest(&mut q, crate::webhook::status(&w0, "delivered", None, None));
    ingest(&mut q, crate::webhook::status(&w1, "failed", None, Some(131026)));
    let state = |id: i64| q.store.broadcast_rows(b).unwrap().into_iter().find(|r| r.id == id).unwrap().state;
    assert_eq!(state(h0), RowState::Delivered);
    assert_eq!(state(h1), RowState::Failed);
}

#[test]
fn meta_s_review_halts_the_whole_broadcast_and_all_sending_until_it_is_ended() {
    let mut q = Q::new();
    for i in 0..4 {
        q.customer(&format!("Kunde {i}"), &format!("0171 200000{i}"), &[], true, true);
    }
    let offer = q.broadcast("wochenangebot", Audience::All, None);
    let claimed = q.store.claim_due(1, &open_rules()).unwrap();
    let review = Decision::HaltForReview { code: Some(135000), detail: "portfolio under review".into() };
    q.store.record_failure(&claimed[0], &review).unwrap();

    // The whole broadcast: paused with its reason, every row still queued (none failed), the attempt not counted.
    let info = q.store.broadcast(offer).unwrap();
    assert_eq!((info.state, info.state_reason.clone()), (BroadcastState::Paused, Reason::PortfolioReview));
    assert_eq!(count(&q, offer, RowState::Queued), 4, "{:?}", row_states(&q, offer));
    let row = q.store.broadcast_rows(offer).unwrap().into_iter().find(|r| r.id == claimed[0].id).unwrap();
    assert_eq!((row.reason, row.error_code, row.attempts), (Reason::PortfolioReview, None, 0));
    assert_eq!(alerts(&q), vec![ALERT_PORTFOLIO_REVIEW.to_owned()]);

    // All sending stops, a service broadcast too, also when the farmer resumes the broadcast — and after a restart.
    let pickup = q.broadcast("abholtermin", Audience::All, None);
    q.store.resume_broadcast(offer).unwrap();
    q.clock.advance(chrono::Duration::seconds(30));
    assert!(q.claim(&open_rules()).is_empty(), "sent while Meta reviews the portfolio");
    let path = q.store.path().to_owned();
    let reopened = hofbote::store::Store::open(&path, std::sync::Arc::new(q.clock.clone())).unwrap();
    q.store = reopened;
    assert!(q.claim(&open_rules()).is_empty(), "a restart ended the stop");
    assert_eq!(alerts(&q), vec![ALERT_PORTFOLIO_REVIEW.to_owned()]);

    // Meta's notice (or the farmer) ends it: the callable end of the review resolves only this alert.
    q.store.raise_alert("auth", Some(190), "expired").unwrap();
    let end = |q: &Q| hofbote::store::alerts::resolve_alert_tx(q.store.conn(), ALERT_PORTFOLIO_REVIEW, q.store.now());
    assert!(end(&q).unwrap());
    assert!(!end(&q).unwrap(), "nothing open any more");
    assert_eq!(alerts(&q), vec!["auth".to_owned()]);
    q.store.resolve_alerts().unwrap();
    let sent = q.claim(&open_rules());
    // One message per recipient per 6 s: each of the four gets one of their two now.
    assert_eq!(sent.len(), 4, "sending goes on once the stop ended and the farmer resumed");
    assert!(sent.iter().any(|c| c.broadcast_id == Some(offer)), "the resumed broadcast goes on");
    assert!(q.store.broadcast(pickup).unwrap().state == BroadcastState::Sending);
}

#[test]
fn a_failed_status_with_135000_fails_its_row_and_halts_its_broadcast() {
    let mut q = Q::new();
    for i in 0..3 {
        q.customer(&format!("Kunde {i}"), &format!("0171 300000{i}"), &[], true, true);
    }
    let b = q.broadcast("wochenangebot", Audience::All, None);
    let first = q.store.claim_due(1, &open_rules()).unwrap();
    q.store.record_results(&[(first[0].clone(), Ok(Answer::held("wamid.R0")))]).unwrap();
    // Meta's failed status as a maintained SDK records it (pywa-2026), for this message and with Meta's 135000.
    let text = std::fs::read_to_string(crate::support::fixture("webhooks/pywa-2026/message_status.json")).unwrap();
    let mut body: serde_json::Value = serde_json::from_str::<serde_json::Value>(&text).unwrap()["failed"].clone();
    let status = &mut body["entry"][0]["changes"][0]["value"]["statuses"][0];
    status["id"] = "wamid.R0".into();
    status["errors"][0]["code"] = 135000.into();
    ingest(&mut q, serde_json::to_vec(&body).unwrap());
    let states = row_states(&q, b);
    assert_eq!(count(&q, b, RowState::Failed), 1, "{states:?}");
    assert_eq!(count(&q, b, RowState::Queued), 2, "the rest stays queued: {states:?}");
    let info = q.store.broadcast(b).unwrap();
    assert_eq!((info.state, info.state_reason), (BroadcastState::Paused, Reason::PortfolioReview));
    assert_eq!(alerts(&q), vec![ALERT_PORTFOLIO_REVIEW.to_owned()]);
    q.clock.advance(chrono::Duration::seconds(30));
    q.store.resume_broadcast(b).unwrap();
    assert!(q.claim(&open_rules()).is_empty());
}

#[test]
fn marketing_disabled_pauses_marketing_broadcasts_while_service_messages_go_on() {
    let mut q = Q::new();
    for i in 0..2 {
        q.customer(&format!("Kunde {i}"), &format!("0171 400000{i}"), &[], true, true);
    }
    let offer = q.broadcast("wochenangebot", Audience::All, None);
    let c = q.store.claim_due(1, &open_rules()).unwrap();
    let disabled = Decision::PauseMarketing { code: Some(131063), detail: "marketing disabled".into() };
    q.store.record_failure(&c[0], &disabled).unwrap();
    let info = q.store.broadcast(offer).unwrap();
    assert_eq!((info.state, info.state_reason), (BroadcastState::Paused, Reason::MarketingDisabled));
    assert_eq!(count(&q, offer, RowState::Queued), 2);
    assert_eq!(alerts(&q), vec![ALERT_MARKETING_DISABLED.to_owned()]);

    // Service goes on.
    let pickup = q.broadcast("abholtermin", Audience::All, None);
    q.clock.advance(chrono::Duration::seconds(30));
    let sent = q.claim(&open_rules());
    assert_eq!(sent.len(), 2, "service messages go on");
    assert!(sent.iter().all(|s| s.broadcast_id == Some(pickup)));
    // Resumed while the alert is open: marketing is held back again at the claim.
    q.store.resume_broadcast(offer).unwrap();
    q.clock.advance(chrono::Duration::seconds(30));
    assert!(q.claim(&open_rules()).is_empty());
    assert_eq!(q.store.broadcast(offer).unwrap().state, BroadcastState::Paused);
    // Meta allows marketing again: the farmer resolves the alert and resumes.
    q.store.resolve_alerts().unwrap();
    q.store.resume_broadcast(offer).unwrap();
    assert_eq!(q.claim(&open_rules()).len(), 2);
}

/// The sandbox's pacing fault through the real client: the first sends are answered held (and accepted into the
/// ledger), the rest fail with 135000 in Meta's error shape, which the client classifies as the review.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_holds_the_first_sends_then_refuses_with_135000() {
    use crate::sandbox::{client, offer, phone, start};
    use hofbote::whatsapp::ErrorClass;
    let sb = start(hofbote::sandbox::SandboxConfig::for_tests(51)).await;
    let c = client(&sb);
    let http = reqwest::Client::new();
    let faults = http.post(format!("{}/_sandbox/faults", sb.url())).json(&serde_json::json!({"pacing_hold": 2}));
    assert!(faults.send().await.unwrap().status().is_success());
    let to = phone("0171 7000001");
    for n in 0..2 {
        let sent = c.send_template(&to, &offer("A"), &format!("t{n}")).await.unwrap();
        assert_eq!(sent.message_status.as_deref(), Some("held_for_quality_assessment"));
        assert!(Answer::from_sent(&sent).held);
    }
    let e = c.send_template(&to, &offer("A"), "t2").await.unwrap_err();
    assert_eq!((e.class, e.code, e.http_status), (ErrorClass::PortfolioReview, Some(135000), Some(400)));
    assert_eq!(sb.ledger().len(), 2, "a refused send is not accepted");
    let off = http.post(format!("{}/_sandbox/faults", sb.url())).json(&serde_json::json!({"pacing_hold": null}));
    off.send().await.unwrap();
    let sent = c.send_template(&to, &offer("A"), "t3").await.unwrap();
    assert_eq!(sent.message_status.as_deref(), Some("accepted"));
    sb.shutdown().await;
}

/// The sandbox with the pacing fault: hold the first `hold` sends, refuse the rest with 135000.
fn paced(rt: &tokio::runtime::Runtime, handle: &hofbote::sandbox::SandboxHandle, hold: Option<u32>) {
    let body = serde_json::json!({ "pacing_hold": hold });
    let url = format!("{}/_sandbox/faults", handle.url());
    let status = rt.block_on(async { reqwest::Client::new().post(url).json(&body).send().await.unwrap().status() });
    assert!(status.is_success(), "{status}");
}

fn hofbote_cli(shop: &crate::served::Shop, args: &[&str]) -> String {
    let out = shop.home.cmd().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The issue's test: `serve` sends a broadcast, Meta holds the first messages and then answers 135000. The whole
/// broadcast stops (paused, the rest queued, none failed), `serve` is killed and started again, hands sending over
/// to the terminal app and takes it back — and nothing is sent; `hofbote queue` says what happened and what to do. When Meta lifted the review, the farmer resolves the
/// alert and resumes: everyone else gets it, the held ones are not sent a second time.
#[test]
fn after_135000_a_killed_and_restarted_serve_sends_nothing_until_the_farmer_goes_on() {
    use crate::handover::{serve_log, serve_up, stop_serve};
    use crate::pty::{DEADLINE, wait_until};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = crate::served::free_port();
    let handle = crate::served::sandbox_for(&rt, 52, listen);
    paced(&rt, &handle, Some(3));
    let shop = crate::served::prepare(12, &handle.url(), listen, 20);
    let consenting = shop.consenting.len();
    let conn = rusqlite::Connection::open(shop.home.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let broadcast = |conn: &rusqlite::Connection| -> (String, String) {
        conn.query_row("SELECT state, state_reason FROM broadcasts WHERE id = ?1", [shop.broadcast], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
    };
    let review_open = |conn: &rusqlite::Connection| -> bool {
        conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM alerts WHERE kind = 'portfolio_review' AND resolved_at IS NULL)",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };

    let mut serve = serve_up(&shop);
    // Requests already written when the first 135000 came back settle too (refused as well).
    let settled = || !shop.row_states().iter().any(|(s, _)| s == "inflight");
    let halted = wait_until(DEADLINE, || review_open(&conn) && broadcast(&conn).0 == "paused" && settled());
    assert!(halted, "not halted: {:?} {:?}\n{}", broadcast(&conn), shop.row_states(), serve_log(&shop));
    assert_eq!(broadcast(&conn), ("paused".to_owned(), "portfolio_review".to_owned()));
    assert_eq!(handle.ledger().len(), 3, "only the held ones reached Meta");
    let states = shop.row_states();
    let queued = states.iter().find(|(s, _)| s == "queued").map_or(0, |(_, n)| *n);
    assert_eq!(queued as usize, consenting - 3, "the rest stays queued: {states:?}");
    assert!(!states.iter().any(|(s, _)| s == "failed"), "not failed: {states:?}");

    // Killed (no graceful end) and started again: the stop is in the database, not in the process.
    serve.kill().unwrap();
    serve.wait().unwrap();
    let serve = serve_up(&shop);
    let sent_anything = wait_until(Duration::from_secs(4), || handle.ledger().len() > 3);
    assert!(!sent_anything, "sent after the restart: {:?}\n{}", handle.ledger(), serve_log(&shop));
    assert!(review_open(&conn));

    // Handed over: the service stops, the terminal app takes sending over — it shows the stop and sends nothing;
    // then the service takes it back.
    stop_serve(&shop, serve);
    let mut app = crate::handover::terminal_app(&shop);
    app.wait_for("Versand: läuft hier");
    app.keys("4");
    app.wait_screen("the review in the app", |s| s.contains("Versand gestoppt: Meta prüft die Qualität"));
    let sent_anything = wait_until(Duration::from_secs(3), || handle.ledger().len() > 3);
    assert!(!sent_anything, "the app sent after the handover: {:?}", handle.ledger());
    app.quit_confirming("q");
    let serve = serve_up(&shop);

    // What the farmer reads in the CLI: what happened, what Meta forbids, what to do.
    let list = hofbote_cli(&shop, &["queue", "list"]);
    for needle in [
        "Meta prüft die Qualität deiner letzten Nachrichten",
        "keine Nachrichten, keine neuen Vorlagen",
        "Warte auf Metas Nachricht",
        "[135000]",
        "hofbote queue resolve-alerts",
        "angehalten: Meta prüft dein Business-Portfolio (135000)",
    ] {
        assert!(list.contains(needle), "{needle:?} missing in:\n{list}");
    }

    // Meta lifted the review: the farmer resolves the alert and resumes; everyone else gets it once.
    paced(&rt, &handle, None);
    hofbote_cli(&shop, &["queue", "resolve-alerts"]);
    hofbote_cli(&shop, &["queue", "resume", &shop.broadcast.to_string()]);
    let done = wait_until(Duration::from_secs(120), || handle.ledger().len() >= consenting && shop.all_final());
    assert!(done, "not sent after the review: {:?}\n{}", shop.row_states(), serve_log(&shop));
    crate::served::check_ledger(&handle.ledger(), &shop.consenting);
    stop_serve(&shop, serve);
    rt.block_on(handle.shutdown());
}

/// The farmer's view in the terminal app at 80x24 (the app sends itself; no receiver, so Meta's held messages stay
/// held): the queue screen shows the held rows with their count and the stop in plain German with the keys, the
/// broadcast's rows say "zurückgehalten (Prüfung durch Meta)"; after a restart of the app all of it is still there
/// and nothing more went out; `w` ends the stop, the broadcast stays paused until `r` — then the rest goes out once.
#[test]
fn the_farmer_sees_held_rows_and_the_review_in_the_app_and_goes_on_with_w_and_r() {
    use crate::pty::{Spawn, wait_until};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = crate::served::free_port();
    let handle = crate::served::sandbox_for(&rt, 53, listen);
    paced(&rt, &handle, Some(2));
    let shop = crate::served::prepare(6, &handle.url(), listen, 20);
    let app = || {
        Spawn::new(shop.home.path())
            .env("HOFBOTE_CONFIG", &shop.home.config().display().to_string())
            .env("HOFBOTE_DB", &shop.home.db().display().to_string())
            .env("HOFBOTE_WHATSAPP_TOKEN", "chaos-token")
            .size(80, 24)
            .spawn()
    };
    let stopped = |s: &str| {
        s.contains("Versand gestoppt: Meta prüft die Qualität")
            && s.contains("zurückgehalten 2")
            && s.contains("w drücken, dann mit r fortsetzen")
    };
    let mut pty = app();
    pty.wait_for("Versand: läuft hier");
    pty.keys("4");
    let screen = pty.wait_screen("the review and the held rows on the queue screen", stopped);
    for needle in ["keine neuen Vorlagen", "Warte auf Metas Nachricht", "angehalten"] {
        assert!(screen.contains(needle), "{needle:?} missing:\n{screen}");
    }
    assert_eq!(handle.ledger().len(), 2, "only the held ones reached Meta");
    // The rows of the broadcast.
    pty.keys("\r");
    let rows = |s: &str| s.matches("zurückgehalten  ").count() == 2 && s.matches("Prüfung durch Meta").count() >= 2;
    pty.wait_screen("held rows in the broadcast", rows);
    pty.keys("\x1b");
    pty.wait_screen("back to the list", |s| s.contains("Rundnachrichten (1)"));

    // The app restarts: the stop and the held rows are still there, nothing more went out.
    pty.quit_confirming("q");
    // The CLI says the same: the held rows with their count, each row's state, the stop.
    let list = hofbote_cli(&shop, &["queue", "list"]);
    for needle in ["Nr 1: 2 zurückgehalten (Prüfung durch Meta): Meta entscheidet", "[135000]"] {
        assert!(list.contains(needle), "{needle:?} missing in:\n{list}");
    }
    let show = hofbote_cli(&shop, &["queue", "show", &shop.broadcast.to_string()]);
    assert_eq!(show.matches("zurückgehalten (Prüfung durch Meta)").count(), 1 + 2, "note and two rows:\n{show}");
    let mut pty = app();
    pty.wait_for("Versand: läuft hier");
    pty.keys("4");
    pty.wait_screen("the review after the restart", stopped);
    assert_eq!(handle.ledger().len(), 2, "sent while Meta reviews the portfolio");

    // Meta lifted the review: w ends the stop, the broadcast waits for r; then the others get it, once.
    paced(&rt, &handle, None);
    pty.keys("w");
    pty.wait_screen("the alert resolved", |s| s.contains("Warnungen erledigt") && !s.contains("Versand gestoppt"));
    let early = wait_until(Duration::from_secs(2), || handle.ledger().len() > 2);
    assert!(!early, "the halted broadcast went on before the farmer resumed it");
    pty.keys("r");
    let done = wait_until(Duration::from_secs(60), || handle.ledger().len() >= shop.consenting.len());
    assert!(done, "not sent after r: {:?}\n{}", shop.row_states(), pty.screen());
    crate::served::check_ledger(&handle.ledger(), &shop.consenting);
    pty.quit_confirming("q");
    rt.block_on(handle.shutdown());
}

/// Meta's 131063 through the real `serve` (the sandbox refuses marketing for the number): the marketing broadcast is
/// paused with an alert that says service messages go on — and the service broadcast does go out, to everyone.
/// When Meta allows marketing again, the farmer resolves and resumes: each consenting customer gets the offer once.
#[test]
fn with_marketing_disabled_serve_pauses_the_offer_and_sends_the_service_broadcast() {
    use crate::handover::{serve_log, serve_up, stop_serve};
    use crate::pty::{DEADLINE, wait_until};
    use hofbote::domain::consent::{EventKind, NewConsentEvent, Purpose, Source};
    use hofbote::domain::template::Params;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = crate::served::free_port();
    let handle = crate::served::sandbox_for(&rt, 54, listen);
    let url = format!("{}/_sandbox/faults", handle.url());
    let set = |body: serde_json::Value| {
        rt.block_on(async { reqwest::Client::new().post(&url).json(&body).send().await.unwrap().status() })
    };
    assert!(set(serde_json::json!({"marketing_disabled": true})).is_success());
    let shop = crate::served::prepare(8, &handle.url(), listen, 20);
    let mut store = hofbote::store::Store::open(&shop.home.db(), hofbote::clock::system()).unwrap();
    let customers: Vec<i64> =
        store.list_customers(&Default::default()).unwrap().into_iter().map(|c| c.customer.id).collect();
    for id in &customers {
        let at = store.now() - chrono::Duration::days(1);
        let grant = NewConsentEvent {
            customer_id: *id,
            purpose: Purpose::Service,
            kind: EventKind::Granted,
            source: Source::ShopForm,
            evidence: "F-S".into(),
            wording_version: None,
            recorded_by: "test".into(),
            occurred_at: at,
        };
        store.record_consent(&grant).unwrap();
    }
    let dates = hofbote::store::broadcasts::NewBroadcast {
        template: "schlachttermin".into(),
        language: "de".into(),
        params: Params::positional(&["{vorname}", "Mo 7.12.", "Mi 9.12."]),
        audience: Audience::All,
        scheduled_at: None,
        created_by: "test".into(),
    };
    let service = store.create_broadcast(&dates, "Hallo", false).unwrap().0;
    drop(store);
    let sent_of = |template: &str| -> Vec<String> {
        let mut to: Vec<String> =
            handle.ledger().into_iter().filter(|e| e.template.as_deref() == Some(template)).map(|e| e.to).collect();
        to.sort();
        to
    };
    let conn = rusqlite::Connection::open(shop.home.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let state_of = |id: i64| -> (String, String) {
        conn.query_row("SELECT state, state_reason FROM broadcasts WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
    };

    let serve = serve_up(&shop);
    let ok = wait_until(Duration::from_secs(90), || {
        state_of(shop.broadcast).0 == "paused" && sent_of("schlachttermin").len() == customers.len()
    });
    assert!(ok, "{:?} {:?} {:?}\n{}", state_of(shop.broadcast), state_of(service), handle.ledger(), serve_log(&shop));
    assert_eq!(state_of(shop.broadcast), ("paused".to_owned(), "marketing_disabled".to_owned()));
    assert!(sent_of("wochenangebot").is_empty(), "marketing went out");
    let list = hofbote_cli(&shop, &["queue", "list"]);
    for needle in [
        "Meta hat Werbenachrichten für deine Nummer über die Cloud API abgeschaltet. [131063]",
        "Termine (Service) gehen weiter raus",
        "angehalten: Meta hat Werbung für deine Nummer abgeschaltet (131063)",
    ] {
        assert!(list.contains(needle), "{needle:?} missing in:\n{list}");
    }

    assert!(set(serde_json::json!({"marketing_disabled": false})).is_success());
    hofbote_cli(&shop, &["queue", "resolve-alerts"]);
    hofbote_cli(&shop, &["queue", "resume", &shop.broadcast.to_string()]);
    let done = wait_until(DEADLINE * 2, || sent_of("wochenangebot").len() >= shop.consenting.len());
    assert!(done, "offer not sent after resume: {:?}\n{}", shop.row_states(), serve_log(&shop));
    assert_eq!(sent_of("wochenangebot"), shop.consenting, "each consenting customer once");
    stop_serve(&shop, serve);
    rt.block_on(handle.shutdown());
}
