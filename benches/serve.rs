//! Issue 15's sending figures, through the real `hofbote serve` (the bench build) and the in-process sandbox, which
//! posts every status webhook (sent, delivered, read: 10, 30 and 50 ms after acceptance) back to `serve`:
//!
//! - **Throughput stays**: 1,000 consenting recipients, limiter off. *Accepted*: from the start of sending (the
//!   first claim, the earliest `inflight_at` in the outbox) to the last send the sandbox accepted (the latest
//!   `accepted_at` in its ledger). *Applied*: from that last accepted send until a read-only connection to the
//!   database first sees every row final and every stored status body applied (polled every 5 ms; the sandbox's
//!   own 50 ms from acceptance to `read` is inside this figure). Both on the system clock (microsecond stamps).
//!   Three runs quiet, three with a CPU hog beside it (`sh -c 'while :; do :; done'`, a separate process started
//!   before `serve` and killed after the run; its share of a core is reported); medians.
//! - **Reference**: a plain loop that sends the same 1,000 template messages (same template, same parameters as the
//!   outbox renders them, a callback token of the same length) with the same client (`hofbote::whatsapp::Client`,
//!   built from the same config section with the same timeouts) and no database, 64 in flight — the concurrency
//!   `serve`'s worker uses (`queue::worker::config_from`) — to the same sandbox configuration without webhooks (there
//!   is no receiver). Its time runs from the first request to the last answer. hofbote's ratio: its *accepted* time
//!   divided by the loop's, quiet and with the hog.
//! - **Memory of serve**: peak RSS (`VmHWM` of `/proc/<serve>/status`) during a 10,000-recipient broadcast with all
//!   its 30,000 status webhooks, read when every row is final and every body applied, before SIGTERM. Sampled every
//!   100 ms beside it: anonymous and file-backed resident memory and the open sockets — at full speed the sandbox
//!   keeps hundreds of webhook connections open (Meta delivers concurrently; rate × latency). For comparison, the
//!   same at Meta's 80/s with 2,000 recipients (no target; `-- memory-80`: 10,000 at 80/s, 125 s).
//!
//! Run: `cargo bench --bench serve` (`-- --quick`: one run each, no memory run). Timings are noisy on a shared
//! machine: the bench prints the load average before it starts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use hofbote::config::{Secret, WhatsApp};
use hofbote::domain::phone::Phone;
use hofbote::domain::template::Params;
use hofbote::sandbox;
use hofbote::whatsapp::{Client, TemplateMessage, Timeouts};

#[path = "common/report.rs"]
mod report;
#[path = "common/served.rs"]
mod served;
#[path = "common/shop.rs"]
mod shop;

/// Recipients of the throughput runs.
const N: usize = 1000;
/// Recipients of the memory run.
const BIG: usize = 10_000;
/// Recipients of the memory run at Meta's 80/s (25 s; its peak is reached within the first seconds — a 10,000 run,
/// `-- memory-80`, takes 125 s).
const PACED: usize = 2_000;
/// Requests in flight: what `serve`'s worker allows (`hofbote::queue::worker::config_from`).
const CONCURRENCY: usize = 64;
/// The first customer's number in `shop::consenting_shop` as `served::prepare` calls it.
const FIRST: u64 = 20_000_000;

fn parse(ts: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(ts).map(|d| d.with_timezone(&Utc)).unwrap_or_else(|_| panic!("timestamp {ts:?}"))
}

fn secs(d: chrono::TimeDelta) -> f64 {
    d.num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One throughput run, in seconds.
struct Sending {
    /// `serve` spawned → first claim.
    startup: f64,
    /// First claim → last send accepted by the sandbox.
    accepted: f64,
    /// Last send accepted → every row final and every status body applied, as a reader sees it.
    applied: f64,
    /// Last send accepted → the latest `applied_at` stamp serve wrote (the stamp is taken inside the apply
    /// transaction, before its commit: a lower bound of `applied`).
    applied_stamp: f64,
    bodies: i64,
    hog_share: Option<f64>,
}

fn sending(rt: &tokio::runtime::Runtime, hog: bool) -> Sending {
    let listen = served::free_port();
    let sb = served::start_sandbox(rt, listen, false);
    let home = served::prepare("bench-serve-", N, &sb.url(), 1_000_000);
    let hog = hog.then(served::Hog::start);
    let spawned = Utc::now();
    let mut serve = served::spawn(&home, listen, None, None);
    let mut watch = served::Watch::new(&home.db());
    let (progress, _) = served::wait_done(&mut serve, &mut watch, Duration::from_millis(5), Duration::from_secs(120));
    let done = Utc::now();
    let hog_share = hog.as_ref().map(served::Hog::share);
    drop(hog);
    let first_claim = watch.text("SELECT min(inflight_at) FROM outbox").map(|t| parse(&t));
    let last_stamp = watch.text("SELECT max(applied_at) FROM webhook_events").map(|t| parse(&t));
    drop(watch);
    serve.stop();
    let ledger = sb.ledger();
    rt.block_on(sb.shutdown());
    assert_eq!(ledger.len(), N, "every recipient accepted once");
    let last_send = ledger.iter().map(|e| parse(&e.accepted_at)).max().unwrap();
    let first_claim = first_claim.expect("the outbox has claim times");
    Sending {
        startup: secs(first_claim - spawned),
        accepted: secs(last_send - first_claim),
        applied: secs(done - last_send),
        applied_stamp: last_stamp.map_or(f64::NAN, |t| secs(t - last_send)),
        bodies: progress.applied,
        hog_share,
    }
}

/// The plain loop: the same 1,000 template messages with the same client, no database, [`CONCURRENCY`] in flight.
/// Seconds from the first request to the last answer.
fn reference(rt: &tokio::runtime::Runtime, hog: bool) -> f64 {
    let mut cfg = served::sandbox_config(served::free_port(), false);
    cfg.webhook_url = None;
    let sb = rt.block_on(sandbox::start(cfg)).unwrap();
    let wa = WhatsApp { base_url: sb.url(), phone_number_id: "106540352242922".into(), ..WhatsApp::default() };
    let client = Client::with_token(&wa, Secret::new("bench-token"), Timeouts::from_config(&wa)).unwrap();
    let template = sandbox::demo_templates().into_iter().find(|t| t.name == "wochenangebot").unwrap();
    let phones: Vec<Phone> =
        (0..N).map(|i| Phone::from_e164(&format!("+4917{:08}", FIRST + i as u64)).unwrap()).collect();
    let hog = hog.then(served::Hog::start);
    let took = rt.block_on(async {
        let start = Instant::now();
        let ok = futures_util::stream::iter(0..N)
            .map(|i| {
                let (client, template, to) = (&client, &template, &phones[i]);
                async move {
                    // As the worker does per claimed row: the message from the template and the row's parameters
                    // ("{vorname}" rendered to the customer's first name), a 32-hex-digit callback token.
                    let msg = TemplateMessage::from_template(
                        template,
                        &Params::positional(&["Kunde", "Kartoffeln 2,50 €"]),
                        None,
                    );
                    client.send_template(to, &msg, &format!("{:032x}", i as u128 * 0x9e37_79b9_7f4a_7c15)).await.is_ok()
                }
            })
            .buffer_unordered(CONCURRENCY)
            .filter(|ok| std::future::ready(*ok))
            .count()
            .await;
        assert_eq!(ok, N, "every send of the loop accepted");
        start.elapsed().as_secs_f64()
    });
    drop(hog);
    assert_eq!(sb.ledger().len(), N);
    rt.block_on(sb.shutdown());
    took
}

/// What a memory run saw.
struct Memory {
    /// Peak resident set (`VmHWM`), kB.
    hwm: u64,
    /// The most of the anonymous (heap, stacks) and file-backed (the binary's code) parts seen, kB.
    anon: u64,
    file: u64,
    /// The most sockets open at once: the webhook connections the sandbox keeps, and the client's to the API.
    sockets: u64,
    /// `serve` start → every row final and every body applied.
    took: f64,
    bodies: i64,
}

/// `serve` during a broadcast to `n` with all its status webhooks, at full speed or at `rate`; its memory sampled
/// every 100 ms.
fn memory(rt: &tokio::runtime::Runtime, n: usize, rate: Option<u32>) -> Memory {
    let listen = served::free_port();
    let sb = served::start_sandbox(rt, listen, rate.is_some());
    let home = served::prepare("bench-serve-mem-", n, &sb.url(), rate.unwrap_or(1_000_000));
    let mut serve = served::spawn(&home, listen, None, None);
    const FIELDS: &[&str] = &["VmRSS", "RssAnon", "RssFile", "Threads"];
    let sampler = served::Sampler::start(serve.pid, FIELDS, Duration::from_millis(100));
    let mut watch = served::Watch::new(&home.db());
    let (progress, at) = served::wait_done(&mut serve, &mut watch, Duration::from_millis(50), Duration::from_secs(300));
    let hwm = serve.status_kib("VmHWM").expect("VmHWM of serve");
    let samples = sampler.stop();
    let step = (samples.len() / 8).max(1);
    println!("  serve's memory over the run (kB; {FIELDS:?}, then open sockets):");
    for (t, v) in samples.iter().step_by(step) {
        println!("    {t:>5.1} s {v:?}");
    }
    let most = |i: usize| samples.iter().map(|(_, v)| v[i]).max().unwrap_or(0);
    let took = at.duration_since(serve.started).as_secs_f64();
    drop(watch);
    serve.stop();
    assert_eq!(sb.ledger().len(), n, "every recipient accepted once");
    rt.block_on(sb.shutdown());
    Memory { hwm, anon: most(1), file: most(2), sockets: most(4), took, bodies: progress.applied }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 1 } else { 3 };
    // `cargo bench --bench serve -- memory` runs only the memory figure, `-- throughput` only the others.
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let part = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let load_before = load();
    println!("serve: {N} consenting recipients, limiter off, all status webhooks; load average before: {load_before}");

    let mut rows: Vec<(&str, Vec<Sending>)> = Vec::new();
    let both: &[(&str, bool)] = if part("throughput") { &[("quiet", false), ("with a CPU hog", true)] } else { &[] };
    for &(label, hog) in both {
        let runs: Vec<Sending> = (0..runs).map(|_| sending(&rt, hog)).collect();
        for r in &runs {
            println!(
                "  {label}: serve start → first claim {:.3} s, first claim → last accepted {:.3} s, last accepted → all \
                 applied {:.3} s (last applied_at stamp {:.3} s), {} bodies{}",
                r.startup,
                r.accepted,
                r.applied,
                r.applied_stamp,
                r.bodies,
                r.hog_share.map_or(String::new(), |s| format!(", hog {:.0} % of a core", s * 100.0))
            );
        }
        rows.push((label, runs));
    }
    let mut loops = Vec::new();
    for &(label, hog) in both {
        let times: Vec<f64> = (0..runs).map(|_| reference(&rt, hog)).collect();
        println!("  plain loop, {label}: {times:.3?} s");
        loops.push(report::median(times));
    }

    for ((label, runs), floor) in rows.iter().zip(&loops) {
        let med = |f: fn(&Sending) -> f64| report::median(runs.iter().map(f).collect());
        let (accepted, applied) = (med(|r| r.accepted), med(|r| r.applied));
        let suffix = if *label == "quiet" { String::new() } else { format!(", {label}") };
        println!(
            "  {label} (median of {}): accepted {accepted:.3} s (≤ 1.5), applied after the last send {applied:.3} s \
             (≤ 1), plain loop {floor:.3} s, hofbote ÷ loop {:.1}",
            runs.len(),
            accepted / floor
        );
        report::push(
            "throughput",
            &format!("1,000 accepted: first claim → last send accepted{suffix}"),
            accepted,
            "s",
            "≤ 1.5",
            Some(accepted <= 1.5),
        );
        report::push(
            "throughput",
            &format!("1,000: last send accepted → all statuses applied{suffix}"),
            applied,
            "s",
            "≤ 1",
            Some(applied <= 1.0),
        );
        report::push("throughput", &format!("serve start → first claim{suffix}"), med(|r| r.startup), "s", "", None);
        if let Some(share) = runs.iter().filter_map(|r| r.hog_share).reduce(f64::min) {
            report::push("throughput", "CPU hog's share of a core (least of the runs)", share * 100.0, "%", "", None);
        }
        report::push(
            "reference",
            &format!("plain loop: 1,000 template sends, same client, no database, {CONCURRENCY} in flight{suffix}"),
            *floor,
            "s",
            "",
            None,
        );
        report::push(
            "reference",
            &format!("hofbote's accepted time ÷ plain loop{suffix}"),
            accepted / floor,
            "×",
            "",
            None,
        );
    }

    if !quick && part("memory") {
        let mb = |kib: u64| kib as f64 * 1024.0 / 1e6;
        for (rate, n) in [(None, BIG), (Some(80), PACED)] {
            let m = memory(&rt, n, rate);
            let at = rate.map_or("full speed".to_owned(), |r| format!("{r}/s"));
            println!(
                "  memory, {n} recipients at {at}: {} bodies applied in {:.1} s; serve's peak RSS (VmHWM) {:.1} MB \
                 (most anonymous {:.1} MB, file-backed {:.1} MB, {} sockets open at most)",
                m.bodies,
                m.took,
                mb(m.hwm),
                mb(m.anon),
                mb(m.file),
                m.sockets
            );
            let (name, target, ok) = if rate.is_none() {
                (
                    "serve peak RSS (VmHWM), 10,000-recipient broadcast with all webhooks",
                    "≤ 40",
                    Some(mb(m.hwm) <= 40.0),
                )
            } else {
                ("serve peak RSS (VmHWM) at Meta's 80/s, 2,000 recipients with all webhooks", "", None)
            };
            report::push("memory", name, mb(m.hwm), "MB", target, ok);
            let suffix = if rate.is_none() { "" } else { " at 80/s" };
            report::push("memory", &format!("serve's most anonymous memory{suffix}"), mb(m.anon), "MB", "", None);
            report::push(
                "memory",
                &format!("serve's most file-backed memory (its code){suffix}"),
                mb(m.file),
                "MB",
                "",
                None,
            );
            report::push(
                "memory",
                &format!("most open sockets (webhook connections){suffix}"),
                m.sockets as f64,
                "",
                "",
                None,
            );
        }
    }
    if only.as_deref() == Some("memory-80") {
        // Not in the default run (125 s): the 10,000-recipient broadcast at Meta's 80/s.
        let m = memory(&rt, BIG, Some(80));
        println!(
            "  memory at 80/s: {BIG} recipients, {} bodies in {:.1} s: peak RSS (VmHWM) {} kB",
            m.bodies, m.took, m.hwm
        );
    }
    println!("  load average after: {}", load());
    report::push("serve", "load average (1 min) before the serve bench", load_first(&load_before), "", "", None);
    report::flush("serve");
}

fn load_first(l: &str) -> f64 {
    l.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
}
