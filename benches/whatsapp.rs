//! Figure: template sends per second from the real client to the in-process sandbox over loopback HTTP, with the
//! sandbox's rate and pair limits off and no webhooks. Not a timed test: it prints a table (each run, the median)
//! and the target (≥ 2,000 sends/s), and exits non-zero when the median misses the target.
//! Run: `cargo bench --bench whatsapp`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hofbote::config::{Secret, WhatsApp};
use hofbote::domain::phone::Phone;
use hofbote::domain::template::Params;
use hofbote::sandbox::{self, SandboxConfig};
use hofbote::whatsapp::{Client, TemplateMessage, Timeouts};

#[path = "common/report.rs"]
mod report;

const TARGET: f64 = 2000.0;
const SENDS: usize = 5000;
const RUNS: usize = 5;
const CONCURRENCY: usize = 32;

async fn run(client: &Client, msg: &TemplateMessage, phones: &[Phone], offset: usize) -> f64 {
    let start = Instant::now();
    let ok = futures_util::stream::iter(0..SENDS)
        .map(|i| {
            let to = &phones[(i + offset) % phones.len()];
            async move { client.send_template(to, msg, &i.to_string()).await.is_ok() }
        })
        .buffer_unordered(CONCURRENCY)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    assert_eq!(ok, SENDS, "every send must be accepted");
    SENDS as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let cfg = SandboxConfig { rate_per_second: None, pair_limit: None, ..SandboxConfig::for_tests(99) };
        let sb = sandbox::start(cfg).await.unwrap();
        let wa = WhatsApp { base_url: sb.url(), phone_number_id: "106540352242922".into(), ..WhatsApp::default() };
        let timeouts = Timeouts { connect: Duration::from_secs(5), request: Duration::from_secs(30) };
        let client = Client::with_token(&wa, Secret::new("bench"), timeouts).unwrap();
        let template = sandbox::demo_templates().into_iter().find(|t| t.name == "wochenangebot").unwrap();
        let msg = TemplateMessage::from_template(&template, &Params::positional(&["Liebe Anna", "Kartoffeln"]), None);
        let phones: Vec<Phone> = (0..1000).map(|n| Phone::from_e164(&format!("+4917100{n:05}")).unwrap()).collect();

        run(&client, &msg, &phones, 0).await; // warm-up: connections, allocator
        let mut rates = Vec::new();
        for r in 0..RUNS {
            rates.push(run(&client, &msg, &phones, r * 7).await);
        }
        let mut sorted = rates.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[RUNS / 2];
        let ledger = sb.ledger().len();
        sb.shutdown().await;

        println!();
        println!("client → sandbox, template sends over loopback HTTP/1.1");
        println!("{SENDS} sends per run, {CONCURRENCY} in flight, sandbox rate and pair limits off, no webhooks");
        println!("{:<10} {:>14}", "run", "sends/s");
        for (i, r) in rates.iter().enumerate() {
            println!("{:<10} {:>14.0}", i + 1, r);
        }
        println!("{:<10} {:>14.0}", "median", median);
        println!("{:<10} {:>14.0}", "target", TARGET);
        println!("{:<10} {:>14}", "ledger", ledger);
        println!("{}", if median >= TARGET { "OK: median meets the target" } else { "MISSED: median below target" });
        report::push(
            "whatsapp",
            "client → sandbox template sends, limits off",
            median,
            "sends/s",
            "≥ 2000",
            Some(median >= TARGET),
        );
        report::flush("whatsapp");
        if median < TARGET {
            std::process::exit(1);
        }
    });
}
