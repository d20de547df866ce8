//! Figures for the terminal app (a benchmark, not a timed test): prints each measurement with its target.
//!
//! - `hofbote snapshot --screen kunden` on 10,000 customers, as a separate process: wall time (start to the
//!   drawn frame on stdout) and peak RSS;
//! - in-process: start to the first drawn frame, and to the frame with 10,000 customers;
//! - 100,000 customers: one search keystroke to the next frame (update + render into a test backend);
//! - the composer: one keystroke in a parameter field to the next frame with 1,000 recipients in the audience
//!   (re-plan + preview render);
//! - through a real pty (`common/pty_figures.rs`, on the harness of `tests/it/pty.rs`): key → frame latency,
//!   bytes and frames per keystroke at 80x24, and CPU ticks, frames and bytes while idle with a sender configured.
//!
//! - through a real pty: spawn → the first frame showing a customer row with 10,000 and 100,000 customers, and the
//!   peak RSS (`VmHWM`) with 10,000 once the whole list is loaded; the peak RSS of `hofbote demo` (reported).
//!
//! Run: `cargo bench --bench tui` (release build; records the figures for the report), only the first row and
//! memory (and the demo's RSS): `cargo bench --bench tui -- first` (prints without recording), only the filter on 100,000:
//! `cargo bench --bench tui -- filter`, only the sending side: `cargo bench --bench tui -- send`, only the pty figures: `cargo bench --bench tui -- pty` (these two print
//! without recording). `HOFBOTE_BENCH_SEED` fixes the seed of the random key gaps (printed either way);
//! `HOFBOTE_BENCH_IDLE_SECS` shortens the idle windows (default 60 s) while trying things out.
//! Deterministic data (fixed names and numbers).
// A benchmark may stop loudly when its setup fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hofbote::clock::{SharedClock, SystemClock};
use hofbote::config::{Config, Paths};
use hofbote::domain::consent::{EventKind, NewConsentEvent, Purpose, Source};
use hofbote::domain::customer::CustomerDraft;
use hofbote::domain::phone::{Phone, Region};
use hofbote::i18n::Lang;
use hofbote::store::Store;
use hofbote::tui::app::{Msg, State, update};
use hofbote::tui::perform::{PerformCtx, perform_on};
use hofbote::tui::{Launch, Screen, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const FIRST: &[&str] = &["Jörg", "Anna", "Ömer", "Käthe", "Hans-Peter", "Sabine", "Lukas", "Marie", "Elif", "Zoë"];
const LAST: &[&str] = &["Müller", "Weiß", "Yılmaz", "Schröder", "Großmann", "Köhler", "Bäcker", "Lüdtke", "Demir"];
const TAGS: &[&str] = &["Rind", "Schwein", "Eier", "Geflügel", "Honig", "Kartoffeln"];

fn seed(path: &Path, n: usize) {
    let clock: SharedClock = Arc::new(SystemClock);
    let mut store = Store::open(path, clock.clone()).unwrap();
    store.ensure_default_wordings("Hof Bench", "Feldweg 1").unwrap();
    let now = clock.now();
    let tx = store.conn_mut().transaction().unwrap();
    for i in 0..n {
        let name = format!("{} {} {i}", FIRST[i % FIRST.len()], LAST[(i / 7) % LAST.len()]);
        let phone = Phone::parse(&format!("0151 {:08}", 10_000_000 + i), Region::DE).unwrap();
        let tags: Vec<String> = (0..i % 3).map(|k| TAGS[(i + k) % TAGS.len()].to_owned()).collect();
        let draft = CustomerDraft::new(&name, FIRST[i % FIRST.len()], phone, &tags, "").unwrap();
        let id = hofbote::store::customers::insert_customer_tx(&tx, &draft, now).unwrap();
        if i % 3 != 0 {
            let event = NewConsentEvent {
                customer_id: id,
                purpose: if i % 2 == 0 { Purpose::Marketing } else { Purpose::Service },
                kind: EventKind::Granted,
                source: Source::ShopForm,
                evidence: format!("F-{i}"),
                wording_version: None,
                recorded_by: "bench".into(),
                occurred_at: now,
            };
            hofbote::store::consent::record_consent_tx(&tx, &event, now).unwrap();
        }
    }
    tx.commit().unwrap();
}

fn launch(dir: &Path, db: &Path) -> Launch {
    let mut config = Config::default();
    config.shop.name = "Hof Bench".into();
    Launch {
        paths: Paths {
            config_file: dir.join("none.toml"),
            secrets_file: dir.join("secrets.toml"),
            data_dir: dir.to_owned(),
            db_file: db.to_owned(),
            log_dir: dir.join("logs"),
        },
        config,
        lang: Lang::De,
        ascii: false,
        clock: Arc::new(SystemClock),
        demo: false,
        no_color: false,
        actor: "bench".into(),
        home: None,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

/// Runs `hofbote snapshot` as its own process; returns wall time and peak RSS in KiB.
fn snapshot_process(dir: &Path, db: &Path) -> (Duration, Option<u64>) {
    let bin = env!("CARGO_BIN_EXE_hofbote");
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "%M", bin]);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(["snapshot", "--screen", "kunden", "--size", "80x24"])
        .env_clear()
        .env("HOME", dir)
        .env("HOFBOTE_DB", db)
        .env("HOFBOTE_CONFIG", dir.join("none.toml"))
        .env("LANG", "de_DE.UTF-8");
    let started = Instant::now();
    let out = cmd.output().unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("10.000 Kunden"), "{stdout}");
    let rss = String::from_utf8_lossy(&out.stderr).lines().last().and_then(|l| l.trim().parse().ok());
    (took, rss)
}

#[path = "common/report.rs"]
mod report;

#[path = "../tests/it/pty.rs"]
mod pty;

#[path = "common/pty_figures.rs"]
mod pty_figures;

fn bench_snapshot(dir: &Path, db: &Path) {
    for _ in 0..2 {
        snapshot_process(dir, db);
    }
    let runs: Vec<(Duration, Option<u64>)> = (0..15).map(|_| snapshot_process(dir, db)).collect();
    let wall = median(runs.iter().map(|r| r.0).collect());
    let rss = runs.iter().filter_map(|r| r.1).max();
    let wall_ms = wall.as_secs_f64() * 1000.0;
    report::push(
        "tui",
        "start to first frame, 10k customers (snapshot process)",
        wall_ms,
        "ms",
        "≤ 50",
        Some(wall_ms <= 50.0),
    );
    if let Some(kib) = rss {
        let mb = kib as f64 / 1024.0;
        report::push(
            "tui",
            "peak RSS, 10k customers",
            mb,
            "MiB",
            "≤ 28.6",
            Some(mb <= 30.0 * 1_000_000.0 / 1_048_576.0),
        );
    }
    println!("10k customers, `hofbote snapshot --screen kunden` (process, 15 runs):");
    println!(
        "  wall time, start to frame printed: median {}  (target <= 50 ms: {})",
        ms(wall),
        verdict(wall <= Duration::from_millis(50))
    );
    match rss {
        Some(kib) => {
            let mb = kib as f64 / 1024.0;
            println!(
                "  peak RSS: max {mb:.1} MiB  (target <= 30 MB: {})",
                verdict(mb <= 30.0 * 1_000_000.0 / 1_048_576.0)
            );
        }
        None => println!("  peak RSS: /usr/bin/time not available"),
    }
}

fn new_terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(80, 24)).unwrap()
}

fn bench_first_frame(dir: &Path, db: &Path) {
    let mut first = Vec::new();
    let mut loaded = Vec::new();
    let mut store_only = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        let launch = launch(dir, db);
        let mut store = Store::open(db, launch.clock.clone()).unwrap();
        let mut state = State::new(&launch);
        update(&mut state, Msg::Resize(80, 24));
        let effects = state.start();
        let mut terminal = new_terminal();
        terminal.draw(|f| view::render(f, &state)).unwrap();
        first.push(started.elapsed());
        let ctx = PerformCtx::from_launch(&launch);
        let list = Instant::now();
        let _ = store.list_customers(&Default::default()).unwrap();
        store_only.push(list.elapsed());
        for e in effects {
            let msg = perform_on(&ctx, &mut store, e);
            update(&mut state, msg);
        }
        terminal.draw(|f| view::render(f, &state)).unwrap();
        loaded.push(started.elapsed());
    }
    let (first, loaded, store_only) = (median(first), median(loaded), median(store_only));
    println!("10k customers, in-process (open, first frame; then load and draw the list):");
    println!(
        "  start to first drawn frame: median {}  (target <= 50 ms: {})",
        ms(first),
        verdict(first <= Duration::from_millis(50))
    );
    println!(
        "  start to frame with 10,000 customers: median {} (of which `Store::list_customers` alone: {})",
        ms(loaded.saturating_sub(store_only)),
        ms(store_only)
    );
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn bench_filter(dir: &Path, db: &Path) {
    let launch = launch(dir, db);
    let mut store = Store::open(db, launch.clock.clone()).unwrap();
    let ctx = PerformCtx::from_launch(&launch);
    let started = Instant::now();
    let msg = perform_on(&ctx, &mut store, hofbote::tui::app::Effect::LoadCustomers);
    let load = started.elapsed();
    let mut state = State::new(&launch);
    update(&mut state, Msg::Resize(80, 24));
    let started = Instant::now();
    update(&mut state, msg);
    let prepare = started.elapsed();
    let mut terminal = new_terminal();
    terminal.draw(|f| view::render(f, &state)).unwrap();
    assert_eq!(state.customers.entries.len(), 100_000);

    let mut times = Vec::new();
    let mut worst = (Duration::ZERO, String::new());
    for query in ["müller", "anna 4", "0151 1000", "eier", "zoë yılmaz"] {
        update(&mut state, key(KeyCode::Char('/')));
        let mut typed = String::new();
        let mut step = |msg: Msg, label: String, times: &mut Vec<Duration>| {
            let started = Instant::now();
            update(&mut state, msg);
            terminal.draw(|f| view::render(f, &state)).unwrap();
            let took = started.elapsed();
            if took > worst.0 {
                worst = (took, label);
            }
            times.push(took);
        };
        for c in query.chars() {
            typed.push(c);
            step(key(KeyCode::Char(c)), format!("typing {typed:?}"), &mut times);
        }
        // Deleting a character searches all rows again (the result can only grow).
        typed.pop();
        step(key(KeyCode::Backspace), format!("backspace to {typed:?}"), &mut times);
        step(key(KeyCode::Esc), "Esc (clear)".into(), &mut times);
    }
    let mut sorted = times.clone();
    sorted.sort();
    let p95 = sorted[sorted.len() * 95 / 100];
    let med = median(times.clone());
    let med_ms = med.as_secs_f64() * 1000.0;
    report::push(
        "tui",
        "filter keystroke → frame, 100k customers (median)",
        med_ms,
        "ms",
        "≤ 16",
        Some(med_ms <= 16.0),
    );
    report::push(
        "tui",
        "filter keystroke → frame, 100k customers (p95)",
        p95.as_secs_f64() * 1000.0,
        "ms",
        "≤ 16",
        Some(p95 <= Duration::from_millis(16)),
    );
    println!(
        "100k customers: load {} (store) + {} (prepare rows), then per keystroke (update + render):",
        ms(load),
        ms(prepare)
    );
    println!(
        "  search keystroke to next frame: median {}, p95 {}, worst {} ({}) over {} keys  (target <= 16 ms: {})",
        ms(med),
        ms(p95),
        ms(worst.0),
        worst.1,
        times.len(),
        verdict(worst.0 <= Duration::from_millis(16))
    );
}

/// 1,000 customers who all agreed to offers, the demo templates, and one broadcast to all of them.
fn seed_send(path: &Path) {
    seed(path, 1_000);
    let clock: SharedClock = Arc::new(SystemClock);
    let mut store = Store::open(path, clock.clone()).unwrap();
    let now = clock.now();
    let tx = store.conn_mut().transaction().unwrap();
    for id in 1..=1_000i64 {
        let event = NewConsentEvent {
            customer_id: id,
            purpose: Purpose::Marketing,
            kind: EventKind::Granted,
            source: Source::ShopForm,
            evidence: format!("F-M{id}"),
            wording_version: None,
            recorded_by: "bench".into(),
            occurred_at: now,
        };
        hofbote::store::consent::record_consent_tx(&tx, &event, now).unwrap();
    }
    tx.commit().unwrap();
    store.replace_templates(&hofbote::sandbox::demo_templates()).unwrap();
    let new = hofbote::store::broadcasts::NewBroadcast {
        template: "wochenangebot".into(),
        language: "de".into(),
        params: hofbote::domain::template::Params::positional(&["{vorname}", "Bratwurst"]),
        audience: hofbote::domain::broadcast::Audience::All,
        scheduled_at: None,
        created_by: "bench".into(),
    };
    store.create_broadcast(&new, "Hallo", false).unwrap();
}

fn bench_preview(dir: &Path, db: &Path) {
    let launch = launch(dir, db);
    let mut store = Store::open(db, launch.clock.clone()).unwrap();
    let ctx = PerformCtx::from_launch(&launch);
    let mut state = State::new(&launch);
    update(&mut state, Msg::Resize(120, 40));
    state.tab = Screen::Composer;
    for e in state.start() {
        let msg = perform_on(&ctx, &mut store, e);
        update(&mut state, msg);
    }
    let pos = state.composer.templates.iter().position(|t| t.name == "wochenangebot").unwrap();
    state.composer.nav.selected = pos;
    update(&mut state, key(KeyCode::Enter));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut times = Vec::new();
    let mut step = |msg: Msg, times: &mut Vec<Duration>| {
        let started = Instant::now();
        update(&mut state, msg);
        terminal.draw(|f| view::render(f, &state)).unwrap();
        times.push(started.elapsed());
    };
    for c in "{vorname}".chars() {
        step(key(KeyCode::Char(c)), &mut times);
    }
    step(key(KeyCode::Tab), &mut times);
    for c in "*Rinderrouladen* aus eigener Schlachtung, ~12,90~ 10,90 € das Kilo – nur diese Woche!".chars() {
        step(key(KeyCode::Char(c)), &mut times);
    }
    for _ in 0..10 {
        step(key(KeyCode::Backspace), &mut times);
    }
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.plan.recipients.len(), 1_000, "all 1,000 agreed");
    let mut sorted = times.clone();
    sorted.sort();
    let (med, p95, worst) = (median(times.clone()), sorted[sorted.len() * 95 / 100], sorted[sorted.len() - 1]);
    println!(
        "composer, 1,000 recipients in the audience, per keystroke in a parameter field (re-plan + render 120x40):"
    );
    println!(
        "  median {}, p95 {}, worst {} over {} keys  (target <= 5 ms: {})",
        ms(med),
        ms(p95),
        ms(worst),
        times.len(),
        verdict(worst <= Duration::from_millis(5))
    );
    let med_ms = med.as_secs_f64() * 1000.0;
    report::push(
        "tui",
        "preview re-render per keystroke, 1,000 recipients (median)",
        med_ms,
        "ms",
        "≤ 5",
        Some(med_ms <= 5.0),
    );
    let worst_ms = worst.as_secs_f64() * 1000.0;
    report::push(
        "tui",
        "preview re-render per keystroke, 1,000 recipients (worst)",
        worst_ms,
        "ms",
        "≤ 5",
        Some(worst_ms <= 5.0),
    );
}

/// The pty figures: latency (seeded gaps), bytes per key, idle with a sender.
fn bench_pty() {
    let seed = std::env::var("HOFBOTE_BENCH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
    });
    let idle_secs = std::env::var("HOFBOTE_BENCH_IDLE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    pty_figures::latency(seed);
    pty_figures::bytes_per_key();
    pty_figures::idle(idle_secs);
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if std::env::args().any(|a| a == "send") {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("send.sqlite");
        seed_send(&db);
        bench_preview(dir.path(), &db);
        return;
    }
    if std::env::args().any(|a| a == "pty") {
        bench_pty();
        return;
    }
    if std::env::args().any(|a| a == "filter") {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("100k.sqlite");
        seed(&db, 100_000);
        bench_filter(dir.path(), &db);
        return;
    }
    if std::env::args().any(|a| a == "first") {
        pty_figures::first_customer_row();
        pty_figures::demo_rss();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db10k: PathBuf = dir.path().join("10k.sqlite");
    let db100k: PathBuf = dir.path().join("100k.sqlite");
    let started = Instant::now();
    seed(&db10k, 10_000);
    seed(&db100k, 100_000);
    println!("seeded 10,000 and 100,000 customers in {:.1} s\n", started.elapsed().as_secs_f64());
    bench_snapshot(dir.path(), &db10k);
    bench_first_frame(dir.path(), &db10k);
    bench_filter(dir.path(), &db100k);
    let db_send = dir.path().join("send.sqlite");
    seed_send(&db_send);
    bench_preview(dir.path(), &db_send);
    pty_figures::first_customer_row();
    pty_figures::demo_rss();
    bench_pty();
    report::flush("tui");
}
