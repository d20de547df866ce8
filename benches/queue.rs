//! Figures of the send queue: (1) the full path — claim with consent re-check, HTTP to the in-process sandbox,
//! record, all with `synchronous=FULL` on a real file — in messages per second with the rate limit off (target
//! ≥ 2,000/s); (2) the limiter's accuracy at 80/s and 20/s over 20 s against a sandbox that enforces the same rate
//! (target within ±3 %, zero 130429 answers). Prints a table; exits non-zero when a target is missed.
//! Run: `cargo bench --bench queue` (add `-- --quick` for 5 s limiter runs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use hofbote::config::{Secret, WhatsApp};
use hofbote::queue::worker::{self, WorkerConfig};
use hofbote::sandbox::{self, SandboxConfig};
use hofbote::store::outbox::ClaimRules;
use hofbote::store::{Db, Store};
use hofbote::whatsapp::{Client, Timeouts};

#[path = "common/report.rs"]
mod report;
#[path = "common/shop.rs"]
mod shop;

struct Run {
    rate: f64,
    retried: i64,
}

async fn run(n: usize, worker_rate: u32, sandbox_rate: Option<u32>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("bench.sqlite"), hofbote::clock::system()).unwrap();
    let id = shop::consenting_shop(&mut store, n, 10_000_000);
    let (db, _t) = Db::spawn(store);
    let cfg = SandboxConfig {
        rate_per_second: sandbox_rate,
        pair_limit: None,
        webhook_url: None,
        ..SandboxConfig::for_tests(5)
    };
    let sb = sandbox::start(cfg).await.unwrap();
    let wa = WhatsApp { base_url: sb.url(), phone_number_id: "106540352242922".into(), ..WhatsApp::default() };
    let client = Arc::new(
        Client::with_token(
            &wa,
            Secret::new("bench"),
            Timeouts { connect: Duration::from_secs(5), request: Duration::from_secs(30) },
        )
        .unwrap(),
    );
    let config = WorkerConfig {
        rate: worker_rate,
        batch: 64,
        max_attempts: 10,
        unknown_after: chrono::Duration::minutes(15),
        rules: ClaimRules { quiet_hours: None, tier: 0, subject_hash: None, erasure_key: None },
        seed: 1,
        concurrency: 64,
        faults: Default::default(),
    };
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let start = Instant::now();
    let (_h, task) = worker::spawn(db.clone(), client, hofbote::clock::system(), config, stop_rx);
    loop {
        let open = db.call(move |s| Ok(s.broadcast(id)?.open())).await.unwrap();
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let _ = stop.send(true);
    task.await.unwrap().unwrap();
    // Rate over the accepted timestamps (first to last), as Meta would see it.
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), n);
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> =
        ledger.iter().map(|e| chrono::DateTime::parse_from_rfc3339(&e.accepted_at).unwrap()).collect();
    let span = (*times.iter().max().unwrap() - *times.iter().min().unwrap()).num_microseconds().unwrap() as f64 / 1e6;
    let rate = if worker_rate == 0 { n as f64 / elapsed } else { (n - 1) as f64 / span };
    let retried = db
        .call(|s| {
            Ok(s.conn().query_row("SELECT count(*) FROM outbox WHERE attempts > 1", [], |r| r.get::<_, i64>(0))?)
        })
        .await
        .unwrap();
    sb.shutdown().await;
    Run { rate, retried }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut failed = false;
    println!("send queue, full path (claim + consent re-check + HTTP to the sandbox + record, synchronous=FULL)");
    let full: Vec<f64> = (0..3).map(|_| rt.block_on(run(5000, 0, None)).rate).collect();
    let m = median(full.clone());
    println!(
        "  rate limit off, 5,000 messages: runs {:?} msg/s, median {m:.0} msg/s (target ≥ 2,000)",
        full.iter().map(|r| r.round()).collect::<Vec<_>>()
    );
    failed |= m < 2000.0;
    report::push("queue", "full path, rate limit off (5,000 messages)", m, "msg/s", "≥ 2000", Some(m >= 2000.0));
    let secs = if quick { 5 } else { 20 };
    for rate in [80u32, 20] {
        let n = rate as usize * secs + 1;
        let r = rt.block_on(run(n, rate, Some(rate)));
        let err = (r.rate - rate as f64) / rate as f64 * 100.0;
        println!(
            "  limiter at {rate}/s over {secs} s ({n} messages): measured {:.2}/s ({err:+.2} %), retried after 130429: {} (target ±3 %, 0)",
            r.rate, r.retried
        );
        failed |= err.abs() > 3.0 || r.retried > 0;
        let name = format!("limiter at {rate}/s over {secs} s");
        report::push("queue", &name, r.rate, "msg/s", &format!("{rate} ± 3 %"), Some(err.abs() <= 3.0));
        let name = format!("130429 answers at {rate}/s");
        report::push("queue", &name, r.retried as f64, "", "0", Some(r.retried == 0));
    }
    report::flush("queue");
    if failed {
        eprintln!("a target was missed");
        std::process::exit(1);
    }
}
