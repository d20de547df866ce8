//! `hofbote serve` writes its committed write transactions per kind to `HOFBOTE_STATS_FILE` when it ends on SIGTERM
//! (the disk bench's evidence, issue 15): the real binary, the sandbox's status webhooks, a small broadcast.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::served::{SECRET, free_port, prepare, sandbox_for, wait_exit};

/// Kills the child when the test fails before it ended.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn serve_writes_its_transaction_counts_per_kind_when_it_ends() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = free_port();
    let handle = sandbox_for(&rt, 15, listen);
    let shop = prepare(14, &handle.url(), listen, 50);
    let stats = shop.home.path().join("stats.json");
    let log = shop.home.path().join("serve.log");
    let mut cmd = shop.home.cmd();
    cmd.args(["serve", "--listen", &listen.to_string()])
        .env("HOFBOTE_WHATSAPP_TOKEN", "t")
        .env("HOFBOTE_APP_SECRET", SECRET)
        .env(hofbote::store::stats::ENV, &stats)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    let mut serve = Guard(cmd.spawn().unwrap());
    let end = Instant::now() + Duration::from_secs(90);
    while !shop.all_final() {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(Instant::now() < end, "not all final: {:?}\n{log}", shop.row_states());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!stats.exists(), "the counts are written when serve ends, not before");
    let pid = nix::unistd::Pid::from_raw(serve.0.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = wait_exit(&mut serve.0, Duration::from_secs(30)).expect("serve ends on SIGTERM");
    assert!(status.success(), "{status}");

    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    let n = shop.consenting.len() as u64;
    let get = |kind: &str, what: &str| json[kind][what].as_u64().unwrap_or_else(|| panic!("{kind}.{what} in {json}"));
    assert_eq!(get("claim", "items"), n, "every consenting recipient claimed once: {json}");
    assert!(get("claim", "commits") >= 1);
    assert_eq!(get("journal_intent", "items"), n, "{json}");
    assert_eq!(get("result", "items"), n, "{json}");
    // Sent, delivered and read: every stored body applied, batches of them per transaction (group commit).
    assert!(get("webhook_apply", "items") >= 3 * n, "{json}");
    assert!(get("webhook_apply", "commits") <= get("webhook_apply", "items"), "{json}");
    assert!(get("webhook_store", "items") >= get("webhook_apply", "items"), "{json}");
    assert!(get("webhook_store", "commits") <= get("webhook_store", "items"), "{json}");
    rt.block_on(handle.shutdown());
}
