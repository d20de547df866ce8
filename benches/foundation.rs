//! Foundation benchmarks (plain `fn main`, no criterion): importing 10,000 generated CSV rows into a fresh SQLite
//! file, and listing 10,000 customers with their consent state. Each is run several times; the table shows the
//! median against the target. Run with `cargo bench --bench foundation`. Writes only into a temporary directory.

use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use hofbote::clock::ManualClock;
use hofbote::domain::consent::Source;
use hofbote::domain::phone::Region;
use hofbote::import::{self, ConsentImport, ImportOptions};
use hofbote::store::Store;
use hofbote::store::customers::CustomerFilter;

const ROWS: usize = 10_000;
const IMPORT_RUNS: usize = 5;
const LIST_RUNS: usize = 30;

#[path = "common/report.rs"]
mod report;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let csv_path = dir.path().join("kunden.csv");
    std::fs::write(&csv_path, generated_csv(ROWS, false))?;
    let consent_path = dir.path().join("einwilligungen.csv");
    std::fs::write(&consent_path, generated_csv(ROWS, true))?;

    let mut total = Vec::new();
    let mut load = Vec::new();
    let mut plan = Vec::new();
    let mut apply = Vec::new();
    let mut written = Vec::new();
    for run in 0..IMPORT_RUNS {
        let mut store = fresh_store(&dir.path().join(format!("import-{run}.sqlite")))?;
        let t0 = Instant::now();
        let file = import::load(&csv_path)?;
        let t1 = Instant::now();
        let p = import::plan(&store, &file, &options(None))?;
        let t2 = Instant::now();
        if !p.rejected.is_empty() {
            return Err(format!("{} rows rejected", p.rejected.len()).into());
        }
        let bytes_before = write_bytes();
        let summary = import::apply(&mut store, &p)?;
        let t3 = Instant::now();
        written.push(write_bytes().saturating_sub(bytes_before));
        if summary.added != ROWS {
            return Err(format!("imported {} of {ROWS} rows", summary.added).into());
        }
        load.push(t1 - t0);
        plan.push(t2 - t1);
        apply.push(t3 - t2);
        total.push(t3 - t0);
    }

    // 10,000 customers, half with granted consent (recorded through the import, in one transaction).
    let mut store = fresh_store(&dir.path().join("list.sqlite"))?;
    let forms = ConsentImport { source: Source::ShopForm, evidence: "Formulare (Benchmark)".into() };
    let p = import::plan(&store, &import::load(&consent_path)?, &options(Some(forms)))?;
    if !p.rejected.is_empty() {
        return Err(format!("{} rows rejected: {}", p.rejected.len(), p.report(hofbote::i18n::Lang::En)).into());
    }
    let summary = import::apply(&mut store, &p)?;
    let mut list = Vec::new();
    for _ in 0..LIST_RUNS {
        let t0 = Instant::now();
        let rows = store.list_customers(&CustomerFilter::default())?;
        list.push(t0.elapsed());
        if rows.len() != ROWS {
            return Err(format!("listed {} of {ROWS} customers", rows.len()).into());
        }
    }

    println!();
    println!("hofbote foundation benchmark ({ROWS} rows; median of repeated runs)");
    println!("{:<58} {:>5} {:>11} {:>9} {:>4}", "benchmark", "runs", "median", "target", "ok");
    row("import CSV → fresh file DB (load + plan + apply)", &total, Some(Duration::from_millis(300)));
    row("  of which load (read, decode, parse)", &load, None);
    row("  of which plan (validate, match by E.164)", &plan, None);
    row("  of which apply (one transaction)", &apply, None);
    written.sort_unstable();
    let per_row = written[written.len() / 2] as f64 / ROWS as f64;
    // write_bytes reads 0 on tmpfs: then the figure says nothing.
    println!(
        "{:<58} {:>5} {:>8.0} B {:>9}",
        "  disk bytes per row written by apply (write_bytes)", IMPORT_RUNS, per_row, ""
    );
    row(
        &format!("list_customers with consent state ({} consents)", summary.consents_recorded),
        &list,
        Some(Duration::from_millis(20)),
    );
    let ms = |v: &[Duration]| median(v).as_secs_f64() * 1000.0;
    report::push(
        "import",
        "CSV import of 10,000 rows with --apply",
        ms(&total),
        "ms",
        "≤ 300",
        Some(ms(&total) <= 300.0),
    );
    report::push(
        "import",
        "disk bytes per row of the import's apply (write_bytes; 0 on tmpfs)",
        per_row,
        "bytes",
        "",
        None,
    );
    report::push(
        "store",
        "customer list query of 10,000 with consent",
        ms(&list),
        "ms",
        "≤ 20",
        Some(ms(&list) <= 20.0),
    );
    report::flush("foundation");
    Ok(())
}

fn options(consent: Option<ConsentImport>) -> ImportOptions {
    ImportOptions { region: Region::DE, consent, recorded_by: "benchmark".into() }
}

fn fresh_store(path: &Path) -> Result<Store, Box<dyn Error>> {
    let start = chrono::Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).single().ok_or("bad start time")?;
    let mut store = Store::open(path, Arc::new(ManualClock::new(start)))?;
    store.ensure_default_wordings("Hof Sonnenwiese", "Dorfstr. 1, 31582 Nienburg")?;
    Ok(store)
}

/// `n` customers with distinct valid mobile numbers; with `consent`, every other row grants both purposes.
fn generated_csv(n: usize, consent: bool) -> String {
    let mut s = String::from("Name;Vorname;Telefon;Tags;Notiz");
    if consent {
        s.push_str(";Einwilligung Termine;Einwilligung Werbung;Einwilligung Datum;Einwilligung Version");
    }
    s.push('\n');
    for i in 0..n {
        let tags = ["Rind", "Schwein, Eier", "Geflügel", "Eier"][i % 4];
        let note = if i % 7 == 0 { "\"Holt freitags ab\nHoftor klemmt\"".to_owned() } else { format!("Notiz {i}") };
        s.push_str(&format!("Kundin {i} Weiß;Anna;0151 2{i:07};{tags};{note}"));
        if consent {
            let yes = if i % 2 == 0 { "ja" } else { "nein" };
            s.push_str(&format!(";{yes};{yes};03.05.2026 10:15;1"));
        }
        s.push('\n');
    }
    s
}

/// Bytes this process caused to be written to storage so far (`/proc/self/io` `write_bytes`; 0 where unknown).
fn write_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|io| io.lines().find_map(|l| l.strip_prefix("write_bytes:").and_then(|v| v.trim().parse().ok())))
        .unwrap_or(0)
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn row(name: &str, samples: &[Duration], target: Option<Duration>) {
    let m = median(samples);
    let (target_text, ok) = match target {
        Some(t) => (format!("{:.0} ms", t.as_secs_f64() * 1000.0), if m <= t { "yes" } else { "NO" }),
        None => (String::new(), ""),
    };
    println!("{:<58} {:>5} {:>8.1} ms {:>9} {:>4}", name, samples.len(), m.as_secs_f64() * 1000.0, target_text, ok);
}
