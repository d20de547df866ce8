//! Issue 12, fault 4: restoring a backup never sends a message twice. The repro: a backup taken while `serve` sends
//! a broadcast, the broadcast finishes, the backup is restored and the farmer runs `queue resume` as the restore
//! message says — before, every row still queued in the backup went out again (766 duplicates of 1,000). Now the
//! send journal beside the database settles those rows at the restore, and rows nothing can settle wait for the
//! farmer ("unklar nach Wiederherstellung"). Also: ids reused after a restore never let an old message's status
//! land on a new row (the callback data is a random token).

use std::process::Command;
use std::time::{Duration, Instant};

use hofbote::sandbox;

use crate::served::{SECRET, free_port, integrity_ok, prepare, sandbox_for, wait_exit, weekly_offer};
use crate::support::TempHome;

const PASS: &str = "Heuernte";

fn backup(home: &TempHome, file: &std::path::Path) {
    let out = home
        .cmd()
        .env("HOFBOTE_BACKUP_PASSPHRASE", PASS)
        .args(["backup", "create", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn restore(home: &TempHome, file: &std::path::Path) -> String {
    let pass = home.path().join("pass.txt");
    std::fs::write(&pass, format!("{PASS}\n")).unwrap();
    home.ok(&["backup", "restore", file.to_str().unwrap(), "--yes", "--passphrase-file", pass.to_str().unwrap()])
}

fn open_rows(db: &std::path::Path, broadcast: i64) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(
        "SELECT count(*) FROM outbox WHERE broadcast_id = ?1 AND state IN ('queued', 'inflight', 'unknown')",
        [broadcast],
        |r| r.get(0),
    )
    .unwrap()
}

fn duplicates(ledger: &[sandbox::LedgerEntry]) -> Vec<String> {
    let mut to: Vec<String> = ledger.iter().filter(|e| e.kind == "template").map(|e| e.to.clone()).collect();
    to.sort();
    let mut dupes: Vec<String> = to.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0].clone()).collect();
    dupes.dedup();
    dupes
}

/// The repro of the issue, 1,000 recipients: backup while sending, the broadcast finishes, restore, `queue resume`,
/// `serve` again → 0 duplicates and everyone with consent has the message once.
#[test]
fn restoring_a_backup_taken_mid_broadcast_and_resuming_sends_nothing_twice() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = free_port();
    let handle = sandbox_for(&rt, 12, listen);
    let chaos = prepare(1000, &handle.url(), listen, 100);
    let file = chaos.home.path().join("mitten.sqlite.age");

    let mut child = chaos.serve(None);
    let deadline = Instant::now() + Duration::from_secs(60);
    while handle.ledger().len() < 200 {
        assert!(Instant::now() < deadline, "sending did not start");
        assert!(child.try_wait().unwrap().is_none(), "serve ended early");
        std::thread::sleep(Duration::from_millis(5));
    }
    backup(&chaos.home, &file);
    let at_backup = handle.ledger().len();
    let deadline = Instant::now() + Duration::from_secs(120);
    while open_rows(&chaos.home.db(), chaos.broadcast) > 0 {
        assert!(Instant::now() < deadline, "broadcast did not finish: {:?}", chaos.row_states());
        std::thread::sleep(Duration::from_millis(20));
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(wait_exit(&mut child, Duration::from_secs(20)).expect("SIGTERM ends serve").success());
    assert_eq!(handle.ledger().len(), chaos.consenting.len());

    let said = restore(&chaos.home, &file);
    println!("{said}");
    let resumed = chaos.home.ok(&["queue", "resume", &chaos.broadcast.to_string()]);
    println!("{resumed}");
    let mut child = chaos.serve(None);
    let up = crate::support::wait_until(Duration::from_secs(30), || std::net::TcpStream::connect(chaos.listen).is_ok());
    assert!(up, "serve did not start");
    // Give the restarted sender every chance to send what it would: until the broadcast has no open row left.
    let deadline = Instant::now() + Duration::from_secs(60);
    while open_rows(&chaos.home.db(), chaos.broadcast) > 0 {
        assert!(Instant::now() < deadline, "not settled: {:?}", chaos.row_states());
        std::thread::sleep(Duration::from_millis(20));
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let ended = wait_exit(&mut child, Duration::from_secs(20)).expect("SIGTERM ends serve");
    let log = std::fs::read_to_string(chaos.home.path().join("serve.log")).unwrap_or_default();
    assert!(ended.success(), "{ended}: {log}");

    let ledger = handle.ledger();
    let dupes = duplicates(&ledger);
    println!("accepted at backup {at_backup}, in all {}, duplicates {}", ledger.len(), dupes.len());
    assert!(dupes.is_empty(), "{} sent twice after the restore", dupes.len());
    crate::served::check_ledger(&ledger, &chaos.consenting);
    assert!(said.contains("Sicherung vom"), "the backup's time is shown: {said}");
    integrity_ok(&chaos.home.db());
    rt.block_on(handle.shutdown());
}

fn sql<T: rusqlite::types::FromSql>(db: &std::path::Path, q: &str) -> Vec<T> {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut stmt = conn.prepare(q).unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

/// Outbox ids are reused after a restore (the rows written after the backup are gone, the next ids are theirs
/// again). Statuses of messages sent before the restore — Meta retries them for days — must not land on the new
/// rows: before, the callback data was the row id, and a late status marked the new broadcast's rows as sent, so
/// they were never sent.
#[test]
fn after_a_restore_late_statuses_of_old_messages_land_on_nothing_new() {
    let shop = prepare(5, "http://127.0.0.1:9", free_port(), 10);
    let home = &shop.home;
    let file = home.path().join("vorher.sqlite.age");
    backup(home, &file);
    // After the backup: a broadcast that went out (its rows accepted with Meta's ids).
    let gone = weekly_offer(&home.db());
    let conn = rusqlite::Connection::open(home.db()).unwrap();
    conn.execute("UPDATE outbox SET state = 'accepted', wamid = 'wamid.OLD-' || id WHERE broadcast_id = ?1", [gone])
        .unwrap();
    drop(conn);
    let old_ids: Vec<i64> = sql(&home.db(), &format!("SELECT id FROM outbox WHERE broadcast_id = {gone} ORDER BY id"));
    let old_tokens: Vec<String> = sql(&home.db(), &format!("SELECT token FROM outbox WHERE broadcast_id = {gone}"));
    restore(home, &file);
    let fresh = weekly_offer(&home.db());
    let new_ids: Vec<i64> = sql(&home.db(), &format!("SELECT id FROM outbox WHERE broadcast_id = {fresh} ORDER BY id"));
    assert_eq!(new_ids, old_ids, "the ids are reused — the case this test is about");
    // The old broadcast is paused by the restore; the new one waits too, so nothing is sent meanwhile.
    home.ok(&["queue", "pause", &fresh.to_string()]);
    let serve = crate::support::ServeProcess::start(home, SECRET, None);
    // Late statuses of the old messages: with the row id as callback data (as hofbote wrote it before tokens), and
    // with the old rows' tokens.
    for id in &old_ids {
        let body = crate::webhook::status(&format!("wamid.OLD-{id}"), "delivered", Some(&id.to_string()), None);
        assert!(serve.post(&body, Duration::from_secs(10)).unwrap().starts_with("HTTP/1.1 200"));
    }
    for (id, token) in old_ids.iter().zip(&old_tokens) {
        let body = crate::webhook::status(&format!("wamid.OLD-{id}"), "read", Some(token), None);
        assert!(serve.post(&body, Duration::from_secs(10)).unwrap().starts_with("HTTP/1.1 200"));
    }
    let applied = crate::support::wait_until(Duration::from_secs(30), || {
        sql::<i64>(&home.db(), "SELECT count(*) FROM webhook_events WHERE applied_at IS NULL")[0] == 0
    });
    assert!(applied, "the statuses were applied");
    let states: Vec<(String, Option<String>)> = {
        let conn = rusqlite::Connection::open(home.db()).unwrap();
        let mut stmt = conn.prepare("SELECT state, wamid FROM outbox WHERE broadcast_id = ?1").unwrap();
        stmt.query_map([fresh], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    assert!(
        states.iter().all(|(s, w)| (s == "queued" || s == "skipped") && w.is_none()),
        "the new broadcast's rows were taken for sent by old statuses: {states:?}"
    );
    drop(serve);
}

/// A backup restored where the send journal is missing (a new SD card): nothing can say whether the rows that were
/// queued went out after the backup, so they are unclear — not sent by `queue resume`, never by the reconciler — until
/// the farmer decides per broadcast.
#[test]
fn without_a_journal_open_rows_are_unclear_until_the_farmer_decides() {
    let shop = prepare(6, "http://127.0.0.1:9", free_port(), 10);
    let home = &shop.home;
    let file = home.path().join("karte.sqlite.age");
    backup(home, &file);
    std::fs::remove_file(hofbote::store::send_journal::path_for(&home.db())).unwrap();
    let said = restore(home, &file);
    assert!(said.contains("unklar nach Wiederherstellung"), "{said}");
    let id = shop.broadcast.to_string();
    let list = home.ok(&["queue", "list"]);
    assert!(list.contains("unklar nach Wiederherstellung (Sicherung von"), "{list}");
    let resumed = home.ok(&["queue", "resume", &id]);
    assert!(resumed.contains("--unclear send"), "the way to decide is named: {resumed}");
    let unclear = || sql::<i64>(&home.db(), "SELECT count(*) FROM outbox WHERE state = 'restored'")[0];
    let consenting = shop.consenting.len() as i64;
    assert_eq!(unclear(), consenting);
    // Neither the claim nor the reconciler touches them, even when webhooks demonstrably work.
    let mut store = hofbote::store::Store::open(&home.db(), hofbote::clock::system()).unwrap();
    let rules =
        hofbote::store::outbox::ClaimRules { quiet_hours: None, tier: 0, subject_hash: None, erasure_key: None };
    assert!(store.claim_due(100, &rules).unwrap().is_empty());
    store.conn().execute_batch("UPDATE outbox SET inflight_at = '2026-01-01T00:00:00.000Z'").unwrap();
    assert_eq!(store.reconcile_unknown(chrono::Duration::seconds(0)).unwrap(), 0);
    drop(store);
    let marked = home.ok(&["queue", "resume", &id, "--unclear", "mark-sent"]);
    assert!(marked.contains(&format!("{consenting} unklare Empfänger als gesendet gezählt")), "{marked}");
    assert_eq!(unclear(), 0);
    let state: Vec<String> = sql(&home.db(), &format!("SELECT state FROM broadcasts WHERE id = {id}"));
    assert_eq!(state, ["done"], "nothing left to send or settle");
    let accepted: Vec<i64> = sql(&home.db(), "SELECT count(*) FROM outbox WHERE state = 'accepted'");
    assert_eq!(accepted, [consenting]);
}
