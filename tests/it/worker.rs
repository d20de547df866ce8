//! End-to-end tests of the send path: the real worker and client against the in-process sandbox over loopback HTTP,
//! with status webhooks flowing into the real receiver and a real SQLite file. Waits poll with a deadline.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hofbote::config::{Secret, WhatsApp};
use hofbote::domain::broadcast::Audience;
use hofbote::domain::consent::{ConsentState, EventKind, NewConsentEvent, Purpose, Source};
use hofbote::domain::customer::CustomerDraft;
use hofbote::domain::phone::{Phone, Region};
use hofbote::domain::template::Params;
use hofbote::queue::worker::{self, WorkerConfig};
use hofbote::sandbox::{self, SandboxConfig, SandboxHandle};
use hofbote::store::broadcasts::NewBroadcast;
use hofbote::store::outbox::ClaimRules;
use hofbote::store::{Db, Store};
use hofbote::webhook::{ApplyContext, Receiver, ReceiverConfig};
use hofbote::whatsapp::{Client, Timeouts};
use serde_json::json;

const SECRET: &str = "sandbox-app-secret";

pub struct Stack {
    pub sandbox: SandboxHandle,
    pub db: Db,
    pub db_file: std::path::PathBuf,
    stop: tokio::sync::watch::Sender<bool>,
    worker: Option<tokio::task::JoinHandle<Result<(), hofbote::store::StoreError>>>,
    _dir: tempfile::TempDir,
}

pub struct Options {
    pub seed: u64,
    pub concurrency: usize,
    pub request_timeout: Duration,
    pub start_receiver: bool,
    pub receiver: Option<std::net::TcpListener>,
    pub sandbox: Box<dyn FnOnce(&mut SandboxConfig)>,
    /// The worker's clock (the store keeps the system clock).
    pub clock: hofbote::clock::SharedClock,
    pub faults: hofbote::queue::health::InjectedFaults,
    /// Runs on the store before the worker starts (e.g. an alert left open by an earlier run).
    pub prepare: Box<dyn FnOnce(&mut Store)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 11,
            concurrency: 16,
            request_timeout: Duration::from_secs(5),
            start_receiver: true,
            receiver: None,
            sandbox: Box::new(|_| {}),
            clock: hofbote::clock::system(),
            faults: Default::default(),
            prepare: Box::new(|_| {}),
        }
    }
}

async fn start_receiver(db: &Db, listener: std::net::TcpListener) -> SocketAddr {
    listener.set_nonblocking(true).unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let bound = listener.local_addr().unwrap();
    let receiver = Receiver::start(
        db.clone(),
        ReceiverConfig {
            app_secret: Some(Secret::new(SECRET)),
            verify_token: None,
            apply: ApplyContext { shop_name: "Hof Sonnenwiese".into(), region: Region::DE, signups_per_hour: 50 },
        },
    );
    tokio::spawn(receiver.serve(listener, std::future::pending()));
    bound
}

/// A loopback port held by this test: until served, connections wait (as if the receiver were down), and no other
/// test can take the port.
fn hold_port() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap()
}

pub async fn stack(customers: &[(&str, &str, bool, bool)], opts: Options) -> Stack {
    hofbote::whatsapp::ensure_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let db_file = dir.path().join("h.sqlite");
    let mut store = Store::open(&db_file, hofbote::clock::system()).unwrap();
    store.ensure_default_wordings("Hof Sonnenwiese", "Wiesenweg 3").unwrap();
    for (name, phone, service, marketing) in customers {
        let p = Phone::parse(phone, Region::DE).unwrap();
        let first = name.split(' ').next().unwrap();
        let id = store.insert_customer(&CustomerDraft::new(name, first, p, &[], "").unwrap()).unwrap().id;
        for (on, purpose) in [(*service, Purpose::Service), (*marketing, Purpose::Marketing)] {
            if on {
                let at = store.now() - chrono::Duration::days(1);
                store
                    .record_consent(&NewConsentEvent {
                        customer_id: id,
                        purpose,
                        kind: EventKind::Granted,
                        source: Source::ShopForm,
                        evidence: "F-1".into(),
                        wording_version: None,
                        recorded_by: "test".into(),
                        occurred_at: at,
                    })
                    .unwrap();
            }
        }
    }
    (opts.prepare)(&mut store);
    let (db, _) = Db::spawn(store);
    let held = opts.receiver.unwrap_or_else(hold_port);
    let receiver_addr = held.local_addr().unwrap();
    if opts.start_receiver {
        start_receiver(&db, held).await;
    }
    let mut cfg = SandboxConfig::for_tests(opts.seed);
    cfg.webhook_url = Some(format!("http://{receiver_addr}/webhook"));
    cfg.app_secret = Some(Secret::new(SECRET));
    (opts.sandbox)(&mut cfg);
    let sandbox = sandbox::start(cfg).await.unwrap();
    println!("sandbox seed {}", sandbox.seed());
    let wa = WhatsApp {
        base_url: sandbox.url(),
        phone_number_id: "106540352242922".into(),
        waba_id: "102290129340398".into(),
        ..WhatsApp::default()
    };
    let timeouts = Timeouts { connect: Duration::from_secs(2), request: opts.request_timeout };
    let client = Arc::new(Client::with_token(&wa, Secret::new("test-token"), timeouts).unwrap());
    hofbote::template_sync::sync_templates(&client, &db).await.unwrap();
    let config = WorkerConfig {
        rate: 0,
        batch: 32,
        max_attempts: 10,
        unknown_after: chrono::Duration::seconds(3),
        rules: ClaimRules { quiet_hours: None, tier: 0, subject_hash: None, erasure_key: None },
        seed: opts.seed,
        concurrency: opts.concurrency,
        faults: opts.faults.clone(),
    };
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let (_handle, worker) = worker::spawn(db.clone(), client.clone(), opts.clock.clone(), config, stop_rx);
    Stack { sandbox, db, db_file, stop, worker: Some(worker), _dir: dir }
}

impl Stack {
    pub async fn broadcast(&self, template: &str, params: &[&str], audience: Audience) -> i64 {
        let b = NewBroadcast {
            template: template.into(),
            language: "de".into(),
            params: Params::positional(params),
            audience,
            scheduled_at: None,
            created_by: "test".into(),
        };
        self.db.call(move |s| Ok(s.create_broadcast(&b, "Liebe Kundin, lieber Kunde", false)?.0)).await.unwrap()
    }

    /// Polls `cond` on the database until it holds (deadline 60 s).
    pub async fn wait_db<T: Send + 'static>(
        &self,
        what: &str,
        f: impl Fn(&mut Store) -> hofbote::store::Result<Option<T>> + Send + Sync + Clone + 'static,
    ) -> T {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let f = f.clone();
            if let Some(v) = self.db.call(move |s| f(s)).await.unwrap() {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for: {what}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until no row of broadcast `b` is queued or in flight.
    pub async fn wait_all_out(&self, b: i64) {
        use hofbote::domain::sending::state::RowState;
        self.wait_db("all rows accepted", move |st| {
            let i = st.broadcast(b)?;
            Ok((i.count(RowState::Queued) == 0 && i.count(RowState::Inflight) == 0).then_some(()))
        })
        .await;
    }

    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(w) = self.worker.take() {
            w.await.unwrap().unwrap();
        }
    }
}

fn phones(n: usize, offset: usize) -> Vec<String> {
    (0..n).map(|i| format!("0171 {:07}", 1_000_000 + offset + i)).collect()
}

/// Every consenting phone exactly once in the ledger, nobody else.
fn assert_exactly_once(ledger: &[sandbox::LedgerEntry], template: &str, expected: &[String]) {
    let mut got: Vec<String> =
        ledger.iter().filter(|e| e.template.as_deref() == Some(template)).map(|e| e.to.clone()).collect();
    got.sort();
    let mut want: Vec<String> =
        expected.iter().map(|p| Phone::parse(p, Region::DE).unwrap().as_e164().to_owned()).collect();
    want.sort();
    assert_eq!(got, want, "each consenting recipient exactly once, nobody else");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_goes_to_exactly_the_consenting_audience_and_statuses_come_back() {
    let ps = phones(30, 0);
    let customers: Vec<(String, &str, bool, bool)> =
        ps.iter().enumerate().map(|(i, p)| (format!("Kunde {i:02}"), p.as_str(), true, i % 3 != 0)).collect();
    let refs: Vec<(&str, &str, bool, bool)> = customers.iter().map(|(n, p, s, m)| (n.as_str(), *p, *s, *m)).collect();
    let s = stack(&refs, Options::default()).await;
    let b = s.broadcast("wochenangebot", &["{vorname}", "Rinderbraten 19,90 €/kg"], Audience::All).await;
    let info = s
        .wait_db("all rows read", move |st| {
            let i = st.broadcast(b)?;
            Ok((i.count(hofbote::domain::sending::state::RowState::Read) == 20).then_some(i))
        })
        .await;
    assert_eq!(info.state.as_str(), "done");
    assert_eq!(info.count(hofbote::domain::sending::state::RowState::Skipped), 10);
    let consenting: Vec<String> = ps.iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(_, p)| p.clone()).collect();
    assert_exactly_once(&s.sandbox.ledger(), "wochenangebot", &consenting);
    let first = s.sandbox.ledger().into_iter().find(|e| e.to == "+491711000001").unwrap();
    assert_eq!(first.params, json!(["Kunde", "Rinderbraten 19,90 €/kg"]), "{{vorname}} is the first name");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_from_the_sandbox_lose_nothing_and_send_nothing_twice() {
    let ps = phones(60, 100);
    let customers: Vec<(String, &str, bool, bool)> =
        ps.iter().enumerate().map(|(i, p)| (format!("Kunde {i:02}"), p.as_str(), true, i % 5 != 0)).collect();
    let refs: Vec<(&str, &str, bool, bool)> = customers.iter().map(|(n, p, s, m)| (n.as_str(), *p, *s, *m)).collect();
    let opts = Options {
        seed: 4242,
        request_timeout: Duration::from_millis(800),
        sandbox: Box::new(|c: &mut SandboxConfig| {
            c.faults.server_error_share = 0.15;
            c.faults.rate_limit_share = 0.1;
            c.faults.timeout_share = 0.1;
            c.faults.webhook_duplicate_share = 0.3;
            c.faults.webhook_out_of_order_share = 0.3;
            c.faults.skip_delivered_share = 0.2;
            c.timeout_fault_delay = Duration::from_millis(1500);
            c.statuses.fail_share = 0.1;
            c.statuses.stop_share = 0.1;
        }),
        ..Options::default()
    };
    let s = stack(&refs, opts).await;
    let b = s.broadcast("wochenangebot", &["{vorname}", "Eier 10 Stück 3,50 €"], Audience::All).await;
    let info = s
        .wait_db("every row settled", move |st| {
            let i = st.broadcast(b)?;
            use hofbote::domain::sending::state::RowState as R;
            let settled = i.count(R::Read) + i.count(R::Failed) + i.count(R::Skipped) + i.count(R::Cancelled);
            Ok((settled == 60).then_some(i))
        })
        .await;
    let consenting: Vec<String> = ps.iter().enumerate().filter(|(i, _)| i % 5 != 0).map(|(_, p)| p.clone()).collect();
    assert_exactly_once(&s.sandbox.ledger(), "wochenangebot", &consenting);
    assert_eq!(info.state.as_str(), "done");
    // Those the sandbox reported as "stopped marketing" (131050) are now withdrawn in the ledger.
    let stopped: i64 =
        s.db.call(|st| {
            Ok(st.conn().query_row("SELECT count(*) FROM outbox WHERE error_code = 131050", [], |r| r.get(0))?)
        })
        .await
        .unwrap();
    let withdrawn: i64 =
        s.db.call(|st| {
            Ok(st.conn().query_row(
                "SELECT count(*) FROM consent_events WHERE kind = 'withdrawn' AND source = 'delivery_error'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(withdrawn, stopped);
    s.stop().await;
}

async fn gates(url: &str) -> Vec<serde_json::Value> {
    reqwest::get(format!("{url}/_sandbox/gates")).await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_during_a_broadcast_no_request_starts_after_the_withdrawal() {
    // One request at a time; Anna's request is held by the sandbox's gate while Zoë writes STOP.
    let opts = Options { concurrency: 1, ..Options::default() };
    let s = stack(&[("Anna Weiß", "0171 2000001", true, true), ("Zoë Martin", "0171 2000002", true, true)], opts).await;
    let http = reqwest::Client::new();
    http.post(format!("{}/_sandbox/faults", s.sandbox.url()))
        .json(&json!({"gate": "+491712000001"}))
        .send()
        .await
        .unwrap();
    let b = s.broadcast("wochenangebot", &["{vorname}", "Bratwurst"], Audience::All).await;
    let url = s.sandbox.url();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !gates(&url).await.iter().any(|g| g["waiting"].as_u64() == Some(1)) {
        assert!(Instant::now() < deadline, "Anna's request never reached the gate");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sandbox::say(&url, "+491712000002", "STOP").await.unwrap();
    let withdrawn_at = s
        .wait_db("Zoë's withdrawal committed", |st| {
            let z = st.customer_by_phone(&Phone::parse("0171 2000002", Region::DE).unwrap())?.unwrap();
            Ok((st.customer_consent(z.id)?.marketing == ConsentState::Withdrawn).then(|| st.now()))
        })
        .await;
    http.post(format!("{url}/_sandbox/release")).json(&json!({})).send().await.unwrap();
    let rows = s
        .wait_db("broadcast settled", move |st| {
            let i = st.broadcast(b)?;
            (i.state.as_str() == "done").then(|| st.broadcast_rows(b)).transpose()
        })
        .await;
    let zoe = rows.iter().find(|r| r.name == "Zoë Martin").unwrap();
    assert_eq!((zoe.state.as_str(), zoe.reason.key().as_str()), ("cancelled", "withdrawn"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !s.sandbox.ledger().iter().any(|e| e.to == "+491712000002") {
        assert!(Instant::now() < deadline, "no STOP confirmation sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ledger = s.sandbox.ledger();
    assert!(
        ledger.iter().all(|e| !(e.to == "+491712000002" && e.kind == "template")),
        "no request for Zoë: {ledger:?}"
    );
    // The only thing Zoë got is the STOP confirmation, after the withdrawal.
    let confirmations: Vec<_> = ledger.iter().filter(|e| e.to == "+491712000002").collect();
    assert_eq!(confirmations.len(), 1);
    assert!(confirmations[0].text.as_deref().unwrap_or("").contains("keine Angebote mehr"));
    let at = chrono::DateTime::parse_from_rfc3339(&confirmations[0].accepted_at).unwrap();
    assert!(at >= withdrawn_at - chrono::Duration::seconds(1));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_sent_while_the_receiver_was_down_arrive_after_it_is_back() {
    let held = hold_port();
    let again = held.try_clone().unwrap();
    let opts = Options { start_receiver: false, receiver: Some(held), ..Options::default() };
    let s =
        stack(&[("Anna Weiß", "0171 3000001", true, true), ("Jörg Müller", "0171 3000002", true, true)], opts).await;
    let b = s.broadcast("schlachttermin", &["{vorname}", "Di 1.12.", "Do 3.12. 14 Uhr"], Audience::All).await;
    s.wait_db("both accepted", move |st| {
        Ok((st.broadcast(b)?.count(hofbote::domain::sending::state::RowState::Accepted) == 2).then_some(()))
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while s.sandbox.webhook_stats().failed_attempts < 2 {
        assert!(Instant::now() < deadline, "the sandbox never tried to deliver");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start_receiver(&s.db, again).await;
    s.wait_db("statuses applied after the receiver came back", move |st| {
        Ok((st.broadcast(b)?.count(hofbote::domain::sending::state::RowState::Read) == 2).then_some(()))
    })
    .await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anmelden_reply_with_wording_then_ja_grants_with_evidence() {
    let s = stack(&[], Options::default()).await;
    let url = s.sandbox.url();
    let ack = sandbox::say(&url, "0171 4000001", "ANMELDEN").await.unwrap();
    let question = loop {
        if let Some(e) = s.sandbox.ledger().into_iter().find(|e| e.to == "+491714000001") {
            break e;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let text = question.text.unwrap_or_default();
    assert!(text.contains("Hof Sonnenwiese, Wiesenweg 3") && text.contains("JA"), "{text}");
    sandbox::say(&url, "0171 4000001", "Ja").await.unwrap();
    let consent = s
        .wait_db("both purposes granted", |st| {
            let Some(c) = st.customer_by_phone(&Phone::parse("0171 4000001", Region::DE).unwrap())? else {
                return Ok(None);
            };
            let k = st.customer_consent(c.id)?;
            (k.marketing == ConsentState::Granted && k.service == ConsentState::Granted)
                .then(|| st.ledger(c.id))
                .transpose()
        })
        .await;
    let grant = consent.iter().find(|e| e.kind == EventKind::Granted).unwrap();
    assert!(grant.evidence.contains('+') && grant.evidence.matches("wamid.").count() == 2, "{}", grant.evidence);
    let _ = ack;
    // STOP then withdraws marketing and confirms.
    sandbox::say(&url, "0171 4000001", "STOP").await.unwrap();
    s.wait_db("withdrawn", |st| {
        let c = st.customer_by_phone(&Phone::parse("0171 4000001", Region::DE).unwrap())?.unwrap();
        Ok((st.customer_consent(c.id)?.marketing == ConsentState::Withdrawn).then_some(()))
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while s.sandbox.ledger().iter().filter(|e| e.to == "+491714000001").count() < 3 {
        assert!(Instant::now() < deadline, "no STOP confirmation sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.stop().await;
}

/// Issue 12, fault 1, with the injectable clock and the `store_busy` failpoint: every store call of the worker fails
/// as if another process held the database. The worker keeps trying (before, the first failure ended it silently),
/// raises the alert once the fault has lasted 30 s of the clock, and when the database answers again it takes the
/// alert back and sends every message once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_database_never_ends_the_worker_and_a_long_fault_raises_an_alert() {
    use hofbote::queue::health::SenderAlert;
    let clock = hofbote::clock::ManualClock::new(chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap());
    let faults = hofbote::queue::health::InjectedFaults::default();
    faults.set(u64::MAX);
    let ps = phones(12, 700);
    let customers: Vec<(String, &str, bool, bool)> =
        ps.iter().enumerate().map(|(i, p)| (format!("Kunde {i:02}"), p.as_str(), true, true)).collect();
    let refs: Vec<(&str, &str, bool, bool)> = customers.iter().map(|(n, p, s, m)| (n.as_str(), *p, *s, *m)).collect();
    let opts = Options { clock: Arc::new(clock.clone()), faults: faults.clone(), ..Options::default() };
    let s = stack(&refs, opts).await;
    let b = s.broadcast("wochenangebot", &["{vorname}", "Rinderbraten 19,90 €/kg"], Audience::All).await;
    // Busy for 29 s of the clock: no alert yet, nothing sent, the worker is still there.
    clock.advance(chrono::Duration::seconds(29));
    let deadline = Instant::now() + Duration::from_secs(10);
    while faults.remaining() > u64::MAX - 3 {
        assert!(Instant::now() < deadline, "the worker stopped trying");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(SenderAlert::read(&s.db_file).is_none(), "no alert before 30 s");
    assert!(s.sandbox.ledger().is_empty());
    // Past 30 s: the next try raises the alert.
    clock.advance(chrono::Duration::seconds(2));
    let deadline = Instant::now() + Duration::from_secs(30);
    let alert = loop {
        if let Some(a) = SenderAlert::read(&s.db_file) {
            break a;
        }
        assert!(Instant::now() < deadline, "no alert after 30 s of a busy database");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(alert.error.contains("busy") || alert.error.contains("locked"), "{alert:?}");
    assert!(s.worker.as_ref().is_some_and(|w| !w.is_finished()), "the worker lives on");
    // The database answers again: everything goes out once and the alert is taken back.
    faults.set(0);
    s.wait_all_out(b).await;
    assert_exactly_once(&s.sandbox.ledger(), "wochenangebot", &ps);
    assert!(SenderAlert::read(&s.db_file).is_none(), "the alert is taken back");
    s.stop().await;
}

/// Issue 12: an alert from Meta (here: the account is restricted) stops all sending until the farmer resolves it. A
/// worker that starts — a restart, the service taking over from the terminal app — must keep it and claim nothing;
/// the farmer's answer from another process wakes the waiting worker through the database file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_starting_worker_keeps_an_open_alert_and_claims_nothing_until_the_farmer_resolves_it() {
    let ps = phones(5, 900);
    let customers: Vec<(String, &str, bool, bool)> =
        ps.iter().enumerate().map(|(i, p)| (format!("Kunde {i:02}"), p.as_str(), true, true)).collect();
    let refs: Vec<(&str, &str, bool, bool)> = customers.iter().map(|(n, p, s, m)| (n.as_str(), *p, *s, *m)).collect();
    let prepare = |s: &mut Store| s.raise_alert("account", Some(131031), "account restricted").unwrap();
    let s = stack(&refs, Options { prepare: Box::new(prepare), ..Options::default() }).await;
    let b = s.broadcast("wochenangebot", &["{vorname}", "Rinderbraten 19,90 €/kg"], Audience::All).await;
    // The worker started before the broadcast and was woken by its commit: give it time to (wrongly) claim.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (alerts, info) = s.db.call(move |st| Ok((st.active_alerts()?, st.broadcast(b)?))).await.unwrap();
    assert_eq!(alerts.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(), ["account"], "the alert survives the start");
    assert_eq!(info.count(hofbote::domain::sending::state::RowState::Queued), 5, "nothing claimed: {info:?}");
    assert!(s.sandbox.ledger().is_empty(), "nothing sent while the alert is open");
    // The farmer resolves it in another process (`hofbote queue resolve-alerts`, the terminal app's key).
    let mut other = Store::open(&s.db_file, hofbote::clock::system()).unwrap();
    assert_eq!(other.resolve_alerts().unwrap(), 1);
    drop(other);
    s.wait_all_out(b).await;
    assert_exactly_once(&s.sandbox.ledger(), "wochenangebot", &ps);
    s.stop().await;
}
