//! The benchmark report: cargo runs this bench last (targets run in name order), so after `cargo bench` it prints
//! every figure the other benchmarks recorded as one table, each with its target, and writes
//! `target/bench-report/report.json` and `report.md` (with the machine it ran on). It measures nothing itself except
//! the release binary's size.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/report.rs"]
mod report;

use report::Figure;

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0) / 1024 / 1024)
        })
        .unwrap_or(0);
    format!("{cpu}, {cores} cores, {mem} GiB RAM, {} {}", std::env::consts::OS, std::env::consts::ARCH)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = report::dir();
    let mut figures: Vec<Figure> = Vec::new();
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    files.sort();
    for f in files {
        if f.extension().is_some_and(|e| e == "json") && !f.ends_with("report.json") {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            figures.extend(serde_json::from_str::<Vec<Figure>>(&text).unwrap_or_default());
        }
    }
    let release = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/hofbote");
    if let Ok(meta) = std::fs::metadata(&release) {
        let mib = meta.len() as f64 / 1024.0 / 1024.0;
        figures.push(Figure::new("binary", "release binary size (x86_64, strip)", mib, "MiB", "", None));
    }
    let machine = machine();
    let mut md = format!(
        "# hofbote benchmark report\n\nMachine: {machine}\n\n| bench | figure | value | target | met |\n|---|---|---|---|---|\n"
    );
    println!("\nhofbote benchmark report — {machine}");
    println!("{:<10} {:<62} {:>12} {:<8} {:>12} {:>4}", "bench", "figure", "value", "unit", "target", "ok");
    for f in &figures {
        let ok = match f.ok {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        println!("{:<10} {:<62} {:>12.2} {:<8} {:>12} {:>4}", f.bench, f.name, f.value, f.unit, f.target, ok);
        md.push_str(&format!("| {} | {} | {:.2} {} | {} | {} |\n", f.bench, f.name, f.value, f.unit, f.target, ok));
    }
    let json = serde_json::json!({ "machine": machine, "figures": figures });
    std::fs::write(dir.join("report.json"), serde_json::to_string_pretty(&json).unwrap()).unwrap();
    std::fs::write(dir.join("report.md"), md).unwrap();
    println!("written: {}", dir.join("report.json").display());
    let missed: Vec<&Figure> = figures.iter().filter(|f| f.ok == Some(false)).collect();
    if !missed.is_empty() {
        println!("targets missed: {}", missed.len());
    }
}
