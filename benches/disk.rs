//! What `hofbote serve` asks of the disk per message (issue 15): the real binary (bench build of `hofbote`) sends a
//! broadcast of 1,000 consenting recipients through the in-process sandbox, which posts every status webhook (sent,
//! delivered, read) back to `serve`. Measured from the start of `serve` until every row is final:
//! - `write_bytes` of `/proc/<serve>/io` (the whole process, all threads) — what reached the block layer;
//! - with `strace -f -y` (a second run, when strace is installed): the calls of `fsync`, `fdatasync`, `pwrite64` and
//!   `write`, and per file (WAL, database file, send journal, log) their calls and bytes;
//! - the growth of the database (file and WAL after `serve` ended);
//! - the committed write transactions per kind, which `serve` writes at its clean exit to `HOFBOTE_STATS_FILE`
//!   (`hofbote::store::stats`), the evidence of where the fsyncs come from.
//!
//! It runs at full speed (limiter off: a throughput far above 1,000/s and no throughput level from the sandbox) and at
//! Meta's 80/s, and estimates the disk time on a Raspberry Pi 4 with a class-A1 SD card from the counts. The database
//! lives under `target/` on a real file system: the bench refuses tmpfs/ramfs (`write_bytes` reads 0 there).
//! Run: `cargo bench --bench disk` (`-- --quick`: only the full-speed runs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

#[path = "common/report.rs"]
mod report;
#[path = "common/served.rs"]
mod served;
#[path = "common/shop.rs"]
mod shop;

const BENCH: &str = "disk";
const N: usize = 1000;

/// Raspberry Pi 4 with a class-A1 SD card, the assumptions of the estimate (see BENCHMARKS.md for the sources): the
/// SD Association's A1 class guarantees 1,500 random *read* but only 500 random *write* IOPS (4 KiB) and 10 MB/s
/// sustained sequential writing. An fsync forces at least one random 4 KiB write: 1 / 500 IOPS = 2 ms (a floor —
/// the card's flush comes on top). Bytes go at the 10 MB/s sustained minimum.
const PI_FSYNC_MS: f64 = 2.0;
const PI_MB_PER_S: f64 = 10.0;

/// The file a traced call went to, by kind: the WAL, the database file (checkpoints), the send journal, the log,
/// or anything else (eventfd wake-ups, pipes, sockets: no disk).
fn file_kind(path: &str) -> &'static str {
    if path.ends_with(".sqlite-wal") {
        "wal"
    } else if path.ends_with(".sqlite") {
        "db"
    } else if path.ends_with(".sends") {
        "journal"
    } else if path.contains("/logs/") {
        "log"
    } else {
        "other"
    }
}

/// Calls and bytes per (syscall, file kind) from an `strace -f -y` log; `(name, "*")` holds the totals per syscall.
/// Calls split by another thread (`<unfinished ...>` / `<... resumed>`) are joined by pid.
fn strace_calls(text: &str) -> BTreeMap<(String, String), (u64, u64)> {
    let mut out: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    let mut pending: BTreeMap<String, (String, String)> = BTreeMap::new();
    let add = |name: &str, kind: &str, bytes: u64, out: &mut BTreeMap<(String, String), (u64, u64)>| {
        for k in [kind, "*"] {
            let e = out.entry((name.to_owned(), k.to_owned())).or_default();
            e.0 += 1;
            e.1 += bytes;
        }
    };
    let result =
        |rest: &str| rest.rsplit_once(" = ").and_then(|(_, r)| r.split_whitespace().next()?.parse::<u64>().ok());
    for line in text.lines() {
        let (pid, rest) = line.split_once(' ').unwrap_or(("", line));
        let rest = rest.trim_start();
        if rest.starts_with("<... ") {
            if let Some((name, kind)) = pending.remove(pid) {
                let bytes = if name == "pwrite64" || name == "write" { result(rest).unwrap_or(0) } else { 0 };
                add(&name, &kind, bytes, &mut out);
            }
            continue;
        }
        let Some((name, args)) = rest.split_once('(') else { continue };
        if !matches!(name, "fsync" | "fdatasync" | "pwrite64" | "write") {
            continue;
        }
        let path = args.split_once('<').and_then(|(_, p)| p.split_once('>')).map_or("", |(p, _)| p);
        let kind = file_kind(path);
        if rest.ends_with("<unfinished ...>") {
            pending.insert(pid.to_owned(), (name.to_owned(), kind.to_owned()));
        } else {
            let bytes = if name == "pwrite64" || name == "write" { result(rest).unwrap_or(0) } else { 0 };
            add(name, kind, bytes, &mut out);
        }
    }
    out
}

struct Run {
    secs: f64,
    write_bytes: u64,
    db_growth: i64,
    hooks: i64,
    calls: Option<BTreeMap<(String, String), (u64, u64)>>,
    stats: serde_json::Value,
}

impl Run {
    fn call(&self, name: &str) -> Option<u64> {
        self.calls.as_ref().map(|c| c.get(&(name.to_owned(), "*".to_owned())).map_or(0, |v| v.0))
    }
    fn fsyncs(&self) -> Option<u64> {
        Some(self.call("fsync")? + self.call("fdatasync")?)
    }
}

fn run(rt: &tokio::runtime::Runtime, rate: Option<u32>, traced: bool) -> Run {
    let listen = served::free_port();
    let sb = served::start_sandbox(rt, listen, rate.is_some());
    let home = served::prepare("bench-disk-", N, &sb.url(), rate.unwrap_or(1_000_000));
    let fs = served::fs_type(home.dir.path());
    assert!(
        !matches!(fs.as_str(), "tmpfs" | "ramfs"),
        "the database directory {} is on {fs}: write_bytes reads 0 there; run the bench on a real file system",
        home.dir.path().display()
    );
    if let Ok(conn) = rusqlite::Connection::open(home.db()) {
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
    let before = home.on_disk();
    let stats_file = home.dir.path().join("stats.json");
    let strace_out = home.dir.path().join("strace.txt");
    let mut serve = served::spawn(&home, listen, traced.then_some(strace_out.as_path()), Some(&stats_file));
    let mut watch = served::Watch::new(&home.db());
    let (progress, at) = served::wait_done(&mut serve, &mut watch, Duration::from_millis(20), Duration::from_secs(180));
    let secs = at.duration_since(serve.started).as_secs_f64();
    let write_bytes = serve.write_bytes().unwrap_or(0);
    drop(watch);
    serve.stop();
    rt.block_on(sb.shutdown());
    // The WAL folded into the file (serve has ended), so the growth does not depend on when SQLite last checkpointed.
    if let Ok(conn) = rusqlite::Connection::open(home.db()) {
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
    let db_growth = home.on_disk() as i64 - before as i64;
    let stats = std::fs::read_to_string(&stats_file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    let calls = traced.then(|| strace_calls(&std::fs::read_to_string(&strace_out).unwrap_or_default()));
    Run { secs, write_bytes, db_growth, hooks: progress.applied, calls, stats }
}

fn strace_installed() -> bool {
    Command::new("strace").arg("-V").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Prints and records the transaction counts of one run (per kind: commits and the rows or bodies they carried).
fn per_kind(label: &str, run: &Run) {
    let Some(map) = run.stats.as_object() else {
        println!("  {label}: no transaction counts (HOFBOTE_STATS_FILE not written)");
        return;
    };
    println!("  {label}: committed write transactions per kind (commits / items):");
    for (kind, c) in map {
        let commits = c["commits"].as_u64().unwrap_or(0);
        let items = c["items"].as_u64().unwrap_or(0);
        if commits == 0 {
            continue;
        }
        println!("    {kind:<16} {commits:>6} / {items:>6}");
        report::push(
            BENCH,
            &format!("{label}: {kind} transactions ({items} items)"),
            commits as f64,
            "commits",
            "",
            None,
        );
    }
}

/// Prints and records, per file, the syncs, the write calls and the bytes of a traced run, per message.
fn per_file(label: &str, run: &Run) {
    let Some(calls) = &run.calls else { return };
    let n = N as f64;
    let get = |name: &str, kind: &str| calls.get(&(name.to_owned(), kind.to_owned())).copied().unwrap_or((0, 0));
    println!("  {label}, per file (per message): syncs, write calls, KiB written");
    for kind in ["wal", "db", "journal", "log", "other"] {
        let syncs = get("fsync", kind).0 + get("fdatasync", kind).0;
        let (pw, wr) = (get("pwrite64", kind), get("write", kind));
        let (writes, bytes) = (pw.0 + wr.0, pw.1 + wr.1);
        if syncs + writes == 0 {
            continue;
        }
        let kib = bytes as f64 / n / 1024.0;
        println!("    {kind:<8} {:>6.2} {:>7.1} {kib:>8.1}", syncs as f64 / n, writes as f64 / n);
        if kind != "other" {
            report::push(BENCH, &format!("{label}: syncs per message on {kind}"), syncs as f64 / n, "", "", None);
            report::push(BENCH, &format!("{label}: KiB written per message to {kind}"), kib, "KiB", "", None);
        }
    }
}

/// The syncs the counted transactions explain: one per database commit, one per journal intent write (outcomes
/// are not synced).
fn synced(run: &Run) -> u64 {
    let Some(map) = run.stats.as_object() else { return 0 };
    map.iter().filter(|(k, _)| k.as_str() != "journal_outcome").map(|(_, c)| c["commits"].as_u64().unwrap_or(0)).sum()
}

fn pi_estimate(fsyncs: f64, bytes: f64) -> f64 {
    fsyncs * PI_FSYNC_MS / 1000.0 + bytes / (PI_MB_PER_S * 1e6)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let n = N as f64;
    let traced = strace_installed();
    println!("disk per message: hofbote serve + sandbox, {N} recipients with consent, all status webhooks");

    // Full speed, untraced: bytes, time, database growth, transactions per kind.
    let full = run(&rt, None, false);
    // The target is in KB (1,000 bytes).
    let kb = full.write_bytes as f64 / n / 1000.0;
    println!(
        "  full speed: all final after {:.2} s, {} bodies applied; write_bytes {} ({kb:.1} KB/message), database grew by {} bytes",
        full.secs, full.hooks, full.write_bytes, full.db_growth
    );
    report::push(BENCH, "full speed: bytes written per message (write_bytes)", kb, "KB", "≤ 8", Some(kb <= 8.0));
    report::push(BENCH, "full speed: database growth per message", full.db_growth as f64 / n / 1024.0, "KiB", "", None);
    report::push(BENCH, "full speed: serve start to all rows final (1,000)", full.secs, "s", "", None);
    per_kind("full speed", &full);

    // Full speed under strace: the syscalls.
    let mut pi_fsyncs = None;
    if traced {
        let t = run(&rt, None, true);
        let (fs, pw, wr) = (t.fsyncs().unwrap_or(0), t.call("pwrite64").unwrap_or(0), t.call("write").unwrap_or(0));
        println!(
            "  full speed under strace: {fs} fsync+fdatasync ({:.2}/message), {pw} pwrite64 ({:.1}/message), {wr} write; \
             write_bytes {} ({:.1} KiB/message), all final after {:.2} s",
            fs as f64 / n,
            pw as f64 / n,
            t.write_bytes,
            t.write_bytes as f64 / n / 1024.0,
            t.secs
        );
        let per = fs as f64 / n;
        report::push(BENCH, "full speed: fsync + fdatasync per message (strace)", per, "", "≤ 0.2", Some(per <= 0.2));
        report::push(BENCH, "full speed: pwrite64 per message (strace)", pw as f64 / n, "", "", None);
        report::push(BENCH, "full speed: write per message (strace)", wr as f64 / n, "", "", None);
        pi_fsyncs = Some(fs as f64);
        // Each committed database transaction costs one WAL fsync (synchronous=FULL), each journal intent one
        // fdatasync; what is left are checkpoints (WAL and database file) and other syncs.
        let attributed = synced(&t);
        println!(
            "  of those: {attributed} from counted transactions and journal intents, {} from checkpoints and the rest",
            fs.saturating_sub(attributed)
        );
        report::push(
            BENCH,
            "full speed: fsyncs not from counted commits (checkpoints, other)",
            fs.saturating_sub(attributed) as f64,
            "",
            "",
            None,
        );
        per_file("full speed", &t);
    } else {
        println!("  strace is not installed: the fsync and pwrite64 counts are missing");
    }
    if let Some(fs) = pi_fsyncs {
        let secs = pi_estimate(fs, full.write_bytes as f64);
        println!(
            "  Raspberry Pi 4, A1 SD card ({PI_FSYNC_MS} ms per fsync, {PI_MB_PER_S} MB/s): ≈ {secs:.1} s of disk time per {N} messages"
        );
        report::push(
            BENCH,
            "Pi 4 + A1 SD estimate: disk time per 1,000 messages (2 ms/fsync, 10 MB/s)",
            secs,
            "s",
            "",
            None,
        );
    }

    if !quick {
        // Meta's pacing: fsyncs per message at 80/s.
        let paced = run(&rt, Some(80), traced);
        // In KB (1,000 bytes), as the full-speed row and the target.
        let kb = paced.write_bytes as f64 / n / 1000.0;
        println!("  at 80/s: all final after {:.2} s, write_bytes {kb:.1} KB/message", paced.secs);
        report::push(BENCH, "at 80/s: bytes written per message (write_bytes)", kb, "KB", "", None);
        if let Some(fs) = paced.fsyncs() {
            let per = fs as f64 / n;
            println!(
                "  at 80/s under strace: {fs} fsync+fdatasync ({per:.2}/message), {} pwrite64",
                paced.call("pwrite64").unwrap_or(0)
            );
            report::push(BENCH, "at 80/s: fsync + fdatasync per message (strace)", per, "", "≤ 1", Some(per <= 1.0));
            report::push(
                BENCH,
                "at 80/s: pwrite64 per message (strace)",
                paced.call("pwrite64").unwrap_or(0) as f64 / n,
                "",
                "",
                None,
            );
        }
        per_file("at 80/s", &paced);
        per_kind("at 80/s", &paced);
    }
    report::flush(BENCH);
}
