//! `hofbote serve`'s resident memory (issue 15: ≤ 40 MB during a 10,000-recipient broadcast, measured by
//! `cargo bench --bench serve`). Here a count that does not depend on the machine's speed: the anonymous resident
//! memory of the real binary, started from an empty home, once it accepts connections. The log's non-blocking writer
//! used `tracing_appender`'s default channel of 128,000 lines, allocated and touched up front: 4 MB resident before
//! the first webhook (the largest single allocation heaptrack found in a sending `serve`).

use std::time::Duration;

use crate::support::{ServeProcess, TempHome, wait_until};

/// A field of `/proc/<pid>/status` in kB.
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status:\n{status}"))
}

#[test]
fn a_started_serve_holds_no_megabytes_for_log_lines() {
    let home = TempHome::new();
    let mut serve = ServeProcess::start(&home, "memory-secret", None);
    let pid = serve.child.id();
    // Started: the receiver answers (`start` waited for it) and logging is set up (its folder exists).
    let log_dir = home.db().parent().unwrap().join("logs");
    assert!(wait_until(Duration::from_secs(30), || log_dir.is_dir()), "no log folder: {}", serve.log());
    assert!(serve.running(), "serve ended: {}", serve.log());
    let anon = status_kib(pid, "RssAnon");
    println!("serve started: RssAnon {anon} kB, VmRSS {} kB", status_kib(pid, "VmRSS"));
    // 4.6 MB here with the 4,096-line log buffer, 8.5 MB with the default one.
    assert!(anon <= 6 * 1024, "serve holds {anon} kB of anonymous memory right after its start (≤ 6 MB)");
}
