//! Figure: webhook ingest over loopback — signed status events POSTed concurrently to the real receiver, each stored
//! durably (synchronous=FULL, group commit) before the 200. Reports events/s and the p99 latency (target ≥ 1,000/s).
//! Run: `cargo bench --bench webhook`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hofbote::config::Secret;
use hofbote::domain::phone::Region;
use hofbote::store::{Db, Store};
use hofbote::webhook::{ApplyContext, Receiver, ReceiverConfig};
use hofbote::whatsapp::signature;

#[path = "common/report.rs"]
mod report;

const EVENTS: usize = 5000;
const CONCURRENCY: usize = 64;

fn body(i: usize) -> Vec<u8> {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"4950219001","phone_number_id":"1"}},"statuses":[{{"id":"wamid.BENCH{i}","status":"delivered","timestamp":"1764234000","recipient_id":"4917100{i:05}","biz_opaque_callback_data":"{i}"}}]}}}}]}}]}}"#
    )
    .into_bytes()
}

fn main() {
    hofbote::whatsapp::ensure_crypto_provider();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut rates = Vec::new();
    let mut p99s = Vec::new();
    for run in 0..3 {
        let (rate, p99) = rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&dir.path().join("w.sqlite"), hofbote::clock::system()).unwrap();
            let (db, _t) = Db::spawn(store);
            let receiver = Receiver::start(
                db.clone(),
                ReceiverConfig {
                    app_secret: Some(Secret::new("bench")),
                    verify_token: None,
                    apply: ApplyContext { shop_name: "Hof".into(), region: Region::DE, signups_per_hour: 50 },
                },
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/webhook", listener.local_addr().unwrap());
            tokio::spawn(receiver.serve(listener, std::future::pending()));
            let http = reqwest::Client::builder().no_proxy().build().unwrap();
            let bodies: Arc<Vec<(Vec<u8>, String)>> = Arc::new(
                (0..EVENTS)
                    .map(|i| body(run * EVENTS + i))
                    .map(|b| {
                        let s = signature::sign(b"bench", &b);
                        (b, s)
                    })
                    .collect(),
            );
            let start = Instant::now();
            let mut lat: Vec<Duration> = futures_util::stream::iter(0..EVENTS)
                .map(|i| {
                    let http = http.clone();
                    let bodies = bodies.clone();
                    let url = url.clone();
                    async move {
                        let (b, s) = &bodies[i];
                        let t = Instant::now();
                        let r = http.post(&url).header(signature::HEADER, s).body(b.clone()).send().await.unwrap();
                        assert_eq!(r.status(), 200);
                        t.elapsed()
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            let rate = EVENTS as f64 / start.elapsed().as_secs_f64();
            lat.sort();
            let stored: i64 = db
                .call(|s| Ok(s.conn().query_row("SELECT count(*) FROM webhook_events", [], |r| r.get(0))?))
                .await
                .unwrap();
            assert_eq!(stored as usize, EVENTS, "every acknowledged event is stored");
            (rate, lat[EVENTS * 99 / 100])
        });
        rates.push(rate);
        p99s.push(p99);
    }
    rates.sort_by(f64::total_cmp);
    p99s.sort();
    println!(
        "webhook ingest, {EVENTS} signed status events, {CONCURRENCY} concurrent, store-before-ack (synchronous=FULL)"
    );
    println!(
        "  median {:.0} events/s (runs {:?}), median p99 latency {:.1} ms (target ≥ 1,000 events/s)",
        rates[1],
        rates.iter().map(|r| r.round()).collect::<Vec<_>>(),
        p99s[1].as_secs_f64() * 1000.0
    );
    report::push(
        "webhook",
        "ingest of signed status events (store before ack)",
        rates[1],
        "events/s",
        "≥ 1000",
        Some(rates[1] >= 1000.0),
    );
    report::push("webhook", "ingest p99 latency", p99s[1].as_secs_f64() * 1000.0, "ms", "", None);
    report::flush("webhook");
    if rates[1] < 1000.0 {
        std::process::exit(1);
    }
}
