//! Issue 12, fault 2: "A STOP is never lost and nothing is sent twice". A STOP answered with 200 whose application
//! fails (a short disk-full) is retried by itself with backoff until it applies; meanwhile nobody with a stored, not
//! yet applied inbound message or preference change is claimed; a body our parser cannot read is kept, alerts and
//! pauses only marketing. In-process with the injectable clock for the schedule, then through the real `hofbote
//! serve` with the sandbox: once with an injected fault (deterministic), once on a real full disk (tmpfs).

use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use hofbote::clock::Clock;
use hofbote::config::Secret;
use hofbote::domain::broadcast::Audience;
use hofbote::domain::consent::{ConsentState, Purpose};
use hofbote::domain::phone::{Phone, Region};
use hofbote::sandbox::{self, SandboxConfig};
use hofbote::store::Store;
use hofbote::store::webhooks::{ALERT_FAILING, ALERT_UNREADABLE};
use hofbote::webhook::{ApplyContext, apply_pending};
use hofbote::whatsapp::signature;
use serde_json::json;

use crate::queue::{Q, open_rules};
use crate::served::weekly_offer;
use crate::support::{TempHome, Tmpfs, fill, free, wait_until};

/// A STOP sent at `at` (the ledger folds by time: a STOP older than the consent would not withdraw it).
fn stop_body(digits: &str, wamid: &str, at: i64) -> Vec<u8> {
    let at = at.to_string();
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
            "contacts": [{"profile": {"name": "Kunde"}, "wa_id": digits}],
            "messages": [{"from": digits, "id": wamid, "timestamp": at, "type": "text",
                "text": {"body": "STOP"}}]}}]}]}))
    .unwrap()
}

fn ctx() -> ApplyContext {
    ApplyContext { shop_name: "Hof".into(), region: Region::DE, signups_per_hour: 50 }
}

/// Makes applying inbound messages fail as a full disk would, until `disk_full` is emptied. (A trigger in the
/// database file, so the real binary fails the same way.)
const FAULT: &str = "CREATE TABLE disk_full (x);
    INSERT INTO disk_full VALUES (1);
    CREATE TRIGGER fault_disk_full BEFORE INSERT ON inbound_messages WHEN EXISTS (SELECT 1 FROM disk_full)
    BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;";

fn marketing(q: &Q, id: i64) -> ConsentState {
    q.store.customer_consent(id).unwrap().state(Purpose::Marketing)
}

fn attempts(q: &Q) -> Vec<(i64, Option<String>)> {
    let mut stmt = q.store.conn().prepare("SELECT attempts, applied_at FROM webhook_events ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_failed_stop_is_retried_on_its_schedule_and_its_sender_is_not_claimed_meanwhile() {
    let mut q = Q::new();
    let anna = q.customer("Anna Weiß", "0171 1000001", &[], true, true);
    let jorg = q.customer("Jörg Müller", "0171 1000002", &[], true, true);
    q.store.conn().execute_batch(FAULT).unwrap();
    q.store.store_webhook_bodies(&[stop_body("491711000001", "wamid.STOP-A", q.clock.now().timestamp())]).unwrap();
    apply_pending(&mut q.store, &ctx()).unwrap();
    assert_eq!(attempts(&q), vec![(1, None)], "tried once, failed");
    assert_eq!(marketing(&q, anna), ConsentState::Granted, "not applied yet");

    // Consent news goes before sending: Anna's row is not claimed while her STOP waits; Jörg's is.
    let b = q.broadcast("wochenangebot", Audience::All, None);
    let claimed = q.claim(&open_rules());
    assert_eq!(claimed.iter().map(|c| c.customer_id).collect::<Vec<_>>(), vec![jorg]);

    // Backoff by the store's clock: 1 s, then 2 s, then 4 s.
    let schedule = [(900, 1), (100, 2), (1_900, 2), (100, 3), (3_900, 3), (100, 4)];
    for (ms, expected) in schedule {
        q.clock.advance(Duration::milliseconds(ms));
        apply_pending(&mut q.store, &ctx()).unwrap();
        assert_eq!(attempts(&q)[0].0, expected, "after {ms} ms more");
    }
    assert!(q.store.active_alerts().unwrap().is_empty(), "no alert for a few failures");
    assert!(q.claim(&open_rules()).is_empty(), "still not claimed");

    // Space is back: the next due attempt applies it, and the claim then drops Anna's row for the withdrawal.
    q.store.conn().execute("DELETE FROM disk_full", []).unwrap();
    q.clock.advance(Duration::seconds(8));
    let done = apply_pending(&mut q.store, &ctx()).unwrap();
    assert_eq!(done.withdrawals, 1);
    assert!(attempts(&q)[0].1.is_some(), "applied");
    assert_eq!(marketing(&q, anna), ConsentState::Withdrawn);
    let subjects: i64 = q.store.conn().query_row("SELECT count(*) FROM webhook_subjects", [], |r| r.get(0)).unwrap();
    assert_eq!(subjects, 0, "applied bodies concern nobody any more");
    let claimed = q.claim(&open_rules());
    // Only the confirmation of her STOP goes to Anna, not the offer.
    assert!(claimed.iter().all(|c| c.customer_id != anna || c.broadcast_id.is_none()), "{claimed:?}");
    let anna_row = q.states(b).into_iter().find(|(name, ..)| name == "Anna Weiß").unwrap();
    assert_eq!(anna_row.1, "cancelled", "{anna_row:?}");
}

#[test]
fn a_body_that_keeps_failing_raises_an_alert_but_does_not_stop_other_sending() {
    let mut q = Q::new();
    q.customer("Anna Weiß", "0171 1000001", &[], true, true);
    let jorg = q.customer("Jörg Müller", "0171 1000002", &[], true, true);
    q.store.conn().execute_batch(FAULT).unwrap();
    q.store.store_webhook_bodies(&[stop_body("491711000001", "wamid.STOP-A", q.clock.now().timestamp())]).unwrap();
    for _ in 0..8 {
        apply_pending(&mut q.store, &ctx()).unwrap();
        q.clock.advance(Duration::seconds(31));
    }
    let alerts = q.store.active_alerts().unwrap();
    assert_eq!(alerts.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(), vec![ALERT_FAILING]);
    assert!(alerts[0].message.contains("disk is full"), "{}", alerts[0].message);
    q.broadcast("wochenangebot", Audience::All, None);
    let claimed = q.claim(&open_rules());
    assert_eq!(claimed.iter().map(|c| c.customer_id).collect::<Vec<_>>(), vec![jorg], "only Anna waits");
    q.store.conn().execute("DELETE FROM disk_full", []).unwrap();
    apply_pending(&mut q.store, &ctx()).unwrap();
    assert!(q.store.active_alerts().unwrap().is_empty(), "the alert goes when the body applied");
}

#[test]
fn an_unreadable_body_is_kept_alerts_and_pauses_only_marketing_until_dismissed() {
    let mut q = Q::new();
    q.customer("Anna Weiß", "0171 1000001", &[], true, true);
    let ids =
        q.store.store_webhook_bodies(&[b"{\"object\": \"whatsapp_business_account\", \"entry\": [".to_vec()]).unwrap();
    apply_pending(&mut q.store, &ctx()).unwrap();
    let alerts = q.store.active_alerts().unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, ALERT_UNREADABLE);
    assert!(alerts[0].message.contains(&format!("#{}", ids[0])), "{}", alerts[0].message);
    let backlog = q.store.webhook_backlog().unwrap();
    assert_eq!((backlog.unapplied, backlog.unreadable), (1, 1));
    assert!(!backlog.problems[0].error.is_empty(), "the reason is kept");

    // Marketing waits (anyone's STOP could be in that body); a service message still goes.
    let offer = q.broadcast("wochenangebot", Audience::All, None);
    let pickup = q.broadcast("abholtermin", Audience::All, None);
    let claimed = q.claim(&open_rules());
    assert_eq!(claimed.iter().map(|c| c.broadcast_id).collect::<Vec<_>>(), vec![Some(pickup)]);
    assert_eq!(q.states(offer)[0].2, "webhook_unreadable");
    // Retrying on its own would never help: it is not tried again, and a pass that changes nothing writes nothing
    // (the receiver passes after every delivery and every minute; the terminal app reloads on any commit).
    let other = rusqlite::Connection::open(q.store.path()).unwrap();
    let version = |c: &rusqlite::Connection| c.query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0)).unwrap();
    let before = version(&other);
    q.clock.advance(Duration::minutes(10));
    apply_pending(&mut q.store, &ctx()).unwrap();
    assert_eq!(attempts(&q)[0].0, 1);
    assert_eq!(version(&other), before, "an idle pass wrote to the database");
    // The farmer's "alerts resolved" (and a starting worker) leave it: it follows its body, not a key.
    assert_eq!(q.store.resolve_alerts().unwrap(), 0);
    assert_eq!(q.store.active_alerts().unwrap().len(), 1, "the alert stays while the body is unreadable");
    apply_pending(&mut q.store, &ctx()).unwrap();
    assert_eq!(q.store.active_alerts().unwrap().len(), 1, "the alert stays while the body is unreadable");

    assert!(q.store.dismiss_webhook(ids[0]).unwrap());
    assert!(q.store.active_alerts().unwrap().is_empty());
    let stored: i64 = q.store.conn().query_row("SELECT count(*) FROM webhook_events", [], |r| r.get(0)).unwrap();
    assert_eq!(stored, 1, "kept, never silently dropped");
    q.clock.advance(Duration::seconds(31));
    let claimed = q.claim(&open_rules());
    assert_eq!(claimed.iter().map(|c| c.broadcast_id).collect::<Vec<_>>(), vec![Some(offer)]);
}

#[test]
fn a_preference_change_by_user_id_blocks_that_customer_until_applied() {
    let mut q = Q::new();
    let anna = q.customer("Anna Weiß", "0171 1000001", &[], true, true);
    q.store.conn().execute("UPDATE customers SET user_id = 'DE.4711' WHERE id = ?1", [anna]).unwrap();
    let pref = serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "user_preferences", "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
            "contacts": [{"user_id": "DE.4711"}],
            "user_preferences": [{"user_id": "DE.4711", "category": "marketing_messages", "value": "stop",
                "detail": "User requested to stop marketing messages", "timestamp": q.clock.now().timestamp()}]}}]}]}))
    .unwrap();
    q.store.store_webhook_bodies(&[pref]).unwrap();
    let b = q.broadcast("wochenangebot", Audience::All, None);
    assert!(q.claim(&open_rules()).is_empty(), "not claimed while the preference change waits");
    apply_pending(&mut q.store, &ctx()).unwrap();
    assert_eq!(marketing(&q, anna), ConsentState::Withdrawn);
    assert!(q.claim(&open_rules()).is_empty());
    assert_eq!(q.states(b)[0].1, "cancelled");
}

// ---- the real binary ------------------------------------------------------------------------------------------

const SECRET: &str = "retry-app-secret";
const PEOPLE: usize = 12;
const STOPPERS: usize = 4;

fn now() -> i64 {
    hofbote::clock::system().now().timestamp()
}

fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn digits(i: usize) -> String {
    format!("49171{:07}", 6_000_000 + i)
}

fn e164(i: usize) -> String {
    format!("+{}", digits(i))
}

/// A home with `PEOPLE` customers who all agreed to marketing; the database at `db` (maybe on a tmpfs).
fn prepare(home: &TempHome, db: &std::path::Path, sandbox_url: &str) {
    home.write_config(&format!(
        "[shop]\nname = \"Hof Retry\"\n[whatsapp]\nbase_url = \"{sandbox_url}\"\nphone_number_id = \"106540352242922\"\n\
         waba_id = \"102290129340398\"\nthroughput_per_second = 50\nmessaging_tier = 0\nrequest_timeout_seconds = 2\n\
         [queue]\nquiet_hours = \"\"\n"
    ));
    let mut store = Store::open(db, hofbote::clock::system()).unwrap();
    store.ensure_default_wordings("Hof Retry", "").unwrap();
    store.replace_templates(&sandbox::demo_templates()).unwrap();
    for i in 0..PEOPLE {
        let phone = Phone::parse(&e164(i), Region::DE).unwrap();
        let draft =
            hofbote::domain::customer::CustomerDraft::new(&format!("Kunde {i:02}"), "Kunde", phone, &[], "").unwrap();
        let id = store.insert_customer(&draft).unwrap().id;
        store
            .record_consent(&hofbote::domain::consent::NewConsentEvent {
                customer_id: id,
                purpose: Purpose::Marketing,
                kind: hofbote::domain::consent::EventKind::Granted,
                source: hofbote::domain::consent::Source::ShopForm,
                evidence: format!("F-{i}"),
                wording_version: None,
                recorded_by: "test".into(),
                occurred_at: store.now() - Duration::days(2),
            })
            .unwrap();
    }
}

fn serve(home: &TempHome, db: &std::path::Path, listen: SocketAddr) -> Child {
    let log = std::fs::File::create(home.path().join("serve.log")).unwrap();
    home.cmd()
        .args(["serve", "--listen", &listen.to_string()])
        .env("HOFBOTE_DB", db)
        .env("HOFBOTE_WHATSAPP_TOKEN", "retry-token")
        .env("HOFBOTE_APP_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// Stops the child on every exit path (also when an assertion fails).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn post(listen: SocketAddr, body: &[u8]) -> Option<u16> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let sig = signature::sign(SECRET.as_bytes(), body);
    rt.block_on(async {
        reqwest::Client::new()
            .post(format!("http://{listen}/webhook"))
            .header(signature::HEADER, sig)
            .body(body.to_vec())
            .timeout(StdDuration::from_secs(10))
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16())
    })
}

fn wait_listening(listen: SocketAddr, child: &mut Child, home: &TempHome) {
    let up = wait_until(StdDuration::from_secs(30), || std::net::TcpStream::connect(listen).is_ok());
    if !up || child.try_wait().unwrap().is_some() {
        panic!("serve did not start: {}", std::fs::read_to_string(home.path().join("serve.log")).unwrap_or_default());
    }
}

fn query<T: rusqlite::types::FromSql>(db: &std::path::Path, sql: &str) -> T {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(StdDuration::from_secs(5)).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn withdrawn(db: &std::path::Path) -> i64 {
    query(db, "SELECT count(*) FROM consent_state WHERE purpose = 'marketing' AND state = 'withdrawn'")
}

fn templates_to(entries: &[sandbox::LedgerEntry], phones: &[String]) -> Vec<String> {
    entries.iter().filter(|e| e.kind == "template" && phones.contains(&e.to)).map(|e| e.to.clone()).collect()
}

/// The sandbox; with `statuses`, it posts delivery statuses to the receiver (which also makes the receiver apply
/// what is due — without them, only the automatic retry can apply a failed body).
fn start_sandbox(rt: &tokio::runtime::Runtime, listen: SocketAddr, statuses: bool) -> sandbox::SandboxHandle {
    let mut cfg = SandboxConfig::for_tests(12);
    cfg.webhook_url = statuses.then(|| format!("http://{listen}/webhook"));
    cfg.app_secret = Some(Secret::new(SECRET));
    rt.block_on(sandbox::start(cfg)).unwrap()
}

#[test]
fn serve_applies_stops_that_failed_by_itself_and_never_sends_the_offer_to_those_people() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = free_port();
    let handle = start_sandbox(&rt, listen, true);
    let home = TempHome::new();
    let db = home.db();
    prepare(&home, &db, &handle.url());
    rusqlite::Connection::open(&db).unwrap().execute_batch(FAULT).unwrap();
    let mut child = Killed(serve(&home, &db, listen));
    wait_listening(listen, &mut child.0, &home);

    // Four STOPs arrive while applying fails: each is answered 200 (stored), none applies.
    let stoppers: Vec<String> = (0..STOPPERS).map(e164).collect();
    let bodies: Vec<Vec<u8>> = (0..STOPPERS).map(|i| stop_body(&digits(i), &format!("wamid.STOP{i}"), now())).collect();
    for body in &bodies {
        assert_eq!(post(listen, body), Some(200));
    }
    // A replay of the same signed body is stored once.
    assert_eq!(post(listen, &bodies[0]), Some(200));
    assert!(
        wait_until(StdDuration::from_secs(10), || query::<i64>(&db, "SELECT min(attempts) FROM webhook_events") >= 1)
    );
    assert_eq!(query::<i64>(&db, "SELECT count(*) FROM webhook_events"), STOPPERS as i64);
    assert_eq!(withdrawn(&db), 0);

    // The weekly offer goes out meanwhile: to everyone else, not to the four.
    let b = weekly_offer(&db);
    let others = PEOPLE - STOPPERS;
    assert!(
        wait_until(StdDuration::from_secs(30), || handle.ledger().iter().filter(|e| e.kind == "template").count()
            >= others),
        "the others got the offer: {:?}",
        handle.ledger().len()
    );
    assert_eq!(templates_to(&handle.ledger(), &stoppers), Vec::<String>::new());
    assert_eq!(withdrawn(&db), 0, "still failing");

    // Space is back: within seconds, without any command, the withdrawals are applied.
    rusqlite::Connection::open(&db).unwrap().execute("DELETE FROM disk_full", []).unwrap();
    let started = Instant::now();
    assert!(
        wait_until(StdDuration::from_secs(40), || withdrawn(&db) == STOPPERS as i64),
        "withdrawals applied by themselves: {}",
        std::fs::read_to_string(home.path().join("serve.log")).unwrap_or_default()
    );
    println!("withdrawals applied {:?} after the fault ended", started.elapsed());
    assert!(wait_until(StdDuration::from_secs(20), || {
        query::<i64>(
            &db,
            &format!(
                "SELECT count(*) FROM outbox WHERE broadcast_id = {b} AND state IN ('queued', 'inflight', 'unknown')"
            ),
        ) == 0
    }));
    let cancelled: i64 =
        query(&db, &format!("SELECT count(*) FROM outbox WHERE broadcast_id = {b} AND state = 'cancelled'"));
    assert_eq!(cancelled, STOPPERS as i64);
    assert_eq!(templates_to(&handle.ledger(), &stoppers), Vec::<String>::new(), "nothing after their STOP");
    assert_eq!(query::<i64>(&db, "SELECT count(*) FROM webhook_subjects"), 0);
    drop(child);
    rt.block_on(handle.shutdown());
}

#[test]
fn on_a_real_full_disk_stops_answered_200_are_applied_once_space_is_freed() {
    let fs = match Tmpfs::mount("6m") {
        Ok(fs) => fs,
        Err(why) => {
            println!("SKIPPED: this test needs to mount a small tmpfs (root or CAP_SYS_ADMIN): {why}");
            return;
        }
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = free_port();
    let handle = start_sandbox(&rt, listen, false);
    let home = TempHome::new();
    let db = fs.path().join("hofbote.sqlite");
    prepare(&home, &db, &handle.url());
    let mut child = Killed(serve(&home, &db, listen));
    wait_listening(listen, &mut child.0, &home);

    // The disk fills up. Each STOP is posted until it is answered 200, freeing one 4 KiB chip per refusal: the body
    // then fits, applying it (more pages) usually does not.
    let mut chips = fill(fs.path());
    let stoppers: Vec<String> = (0..STOPPERS).map(e164).collect();
    let mut refused = 0;
    let mut stored_unapplied = 0;
    for i in 0..STOPPERS {
        let body = stop_body(&digits(i), &format!("wamid.FULL{i}"), now());
        loop {
            match post(listen, &body) {
                Some(200) => break,
                other => {
                    refused += 1;
                    let chip = chips.pop().expect("freed every chip and the body still does not fit");
                    std::fs::remove_file(chip).unwrap();
                    assert!(matches!(other, Some(500) | None), "{other:?}");
                }
            }
        }
        // Applying is tried at once; on the full disk it fails (and so does recording the failure).
        let unapplied = || query::<i64>(&db, "SELECT count(*) FROM webhook_events WHERE applied_at IS NULL");
        if !wait_until(StdDuration::from_secs(2), || unapplied() == 0) {
            stored_unapplied = stored_unapplied.max(unapplied());
        }
        println!("STOP {i}: 200 after {refused} refusals so far");
    }
    println!(
        "disk full: {refused} deliveries refused (500, Meta delivers again); up to {stored_unapplied} stored, not applied"
    );
    assert!(stored_unapplied > 0, "at least one STOP answered 200 did not apply on the full disk");

    // Space is freed; the weekly offer is written at once — before the retries have applied the STOPs.
    free(fs.path(), chips);
    let b = weekly_offer(&db);
    let started = Instant::now();
    assert!(
        wait_until(StdDuration::from_secs(40), || withdrawn(&db) == STOPPERS as i64),
        "withdrawals applied by themselves: {}",
        std::fs::read_to_string(home.path().join("serve.log")).unwrap_or_default()
    );
    println!("withdrawals applied {:?} after space was freed", started.elapsed());
    assert!(wait_until(StdDuration::from_secs(30), || {
        query::<i64>(
            &db,
            &format!(
                "SELECT count(*) FROM outbox WHERE broadcast_id = {b} AND state IN ('queued', 'inflight', 'unknown')"
            ),
        ) == 0
    }));
    let entries = handle.ledger();
    assert_eq!(templates_to(&entries, &stoppers), Vec::<String>::new(), "no offer after their STOP");
    assert_eq!(entries.iter().filter(|e| e.kind == "template").count(), PEOPLE - STOPPERS, "everyone else got it");
    let integrity: String = query(&db, "PRAGMA integrity_check");
    assert_eq!(integrity, "ok");
    drop(child);
    rt.block_on(handle.shutdown());
}

#[test]
fn db_check_counts_unapplied_bodies_with_their_reasons_and_the_alert() {
    let home = TempHome::new();
    home.write_config("[shop]\nname = \"Hof\"\n");
    let out = home.ok(&["db", "check"]);
    assert!(out.contains("Webhooks nicht angewendet: 0 (davon 0 fehlgeschlagen"), "{out}");
    {
        let mut store = Store::open(&home.db(), hofbote::clock::system()).unwrap();
        store.conn().execute_batch(FAULT).unwrap();
        store.store_webhook_bodies(&[b"<html>502 Bad Gateway</html>".to_vec()]).unwrap();
        store.store_webhook_bodies(&[stop_body("491711000001", "wamid.CHECK", now())]).unwrap();
        apply_pending(&mut store, &ctx()).unwrap();
    }
    let out = home.ok(&["db", "check"]);
    assert!(
        out.contains(
            "Webhooks nicht angewendet: 2 (davon 1 fehlgeschlagen, werden automatisch wiederholt; 1 unlesbar)"
        ),
        "{out}"
    );
    assert!(out.contains("#1: unlesbar, Werbung pausiert – prüfen, dann »hofbote db dismiss-webhook 1«"), "{out}");
    assert!(out.contains("#2: 1 Versuche, nächster um") && out.contains("database or disk is full"), "{out}");
    assert!(out.contains("WARNUNG: Webhook #1 ist nicht lesbar"), "the alert is shown: {out}");
    let json: serde_json::Value = serde_json::from_str(&home.ok(&["db", "check", "--json"])).unwrap();
    assert_eq!(json["webhooks"]["unapplied"], 2, "{json}");
    assert_eq!(json["user_version"], hofbote::store::migrate::latest_version(), "the report is still there");

    let out = home.ok(&["db", "dismiss-webhook", "1"]);
    assert!(out.contains("Webhook #1 als geprüft markiert"), "{out}");
    let out = home.ok(&["db", "check"]);
    assert!(out.contains("Webhooks nicht angewendet: 1 (davon 1 fehlgeschlagen"), "{out}");
    assert!(!out.contains("WARNUNG"), "{out}");
    let refused = home.run(&["db", "dismiss-webhook", "2"]);
    assert!(!refused.status.success(), "only an unreadable body can be dismissed");
}

/// The retry loop has no idle timer any more (it re-checked every minute because a starting worker cleared the
/// webhook alerts). A body another process left due — here stored by a second connection, as `hofbote db
/// retry-webhooks` leaves one that failed again — still applies within seconds: the loop wakes on the commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retry_loop_applies_a_body_another_process_left_due_without_a_timer() {
    let dir = tempfile::tempdir().unwrap();
    let db_file = dir.path().join("h.sqlite");
    let store = Store::open(&db_file, hofbote::clock::system()).unwrap();
    let (db, _) = hofbote::store::Db::spawn(store);
    let _receiver = hofbote::webhook::Receiver::start(
        db.clone(),
        hofbote::webhook::ReceiverConfig { app_secret: Some(Secret::new("s")), verify_token: None, apply: ctx() },
    );
    // Let the loop's first pass find nothing and go to sleep.
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let mut other = Store::open(&db_file, hofbote::clock::system()).unwrap();
    let now = other.now().timestamp();
    let id = other.store_webhook_bodies(&[stop_body("491711000009", "wamid.ELSEWHERE", now)]).unwrap()[0];
    let applied = || -> bool {
        other
            .conn()
            .query_row("SELECT applied_at IS NOT NULL FROM webhook_events WHERE id = ?1", [id], |r| r.get(0))
            .unwrap()
    };
    let deadline = Instant::now() + StdDuration::from_secs(15);
    while !applied() {
        let row: (i64, Option<String>) = other
            .conn()
            .query_row("SELECT attempts, error FROM webhook_events WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert!(
            Instant::now() < deadline,
            "the body waited for a timer instead of the commit waking the loop: {row:?}"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}
