//! Issue 12, fault 4: restoring a backup never sends a message twice. The repro: a backup taken while `serve` sends
//! a broadcast, the broadcast finishes, the backup is restored and the farmer runs `queue resume` as the restore
//! message says — before, every row still queued in the backup went out again (766 duplicates of 1,000). Now the
//! send journal beside the database settles those rows at the restore, and rows nothing can settle wait for the
//! farmer ("unklar nach Wiederherstellung"). Also: ids reused after a restore never let an old message's status
//! land on a new row (the callback data is a random token).

use std::process::Command;
use std::time::{Duration, Instant};

use hofbote::config::Secret;
use hofbote::sandbox::{self, SandboxConfig};

use crate::served::{SECRET, free_port, integrity_ok, prepare, wait_exit};
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
    let mut cfg = SandboxConfig::for_tests(12);
    cfg.webhook_url = Some(format!("http://{listen}/webhook"));
    cfg.app_secret = Some(Secret::new(SECRET));
    let handle = rt.block_on(sandbox::start(cfg)).unwrap();
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
