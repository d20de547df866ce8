//! Shared by the benchmarks: each records its figures (value, unit, target, met or not) as JSON under
//! `target/bench-report/`, and `zz_report` (which cargo runs last, by name) prints them as one table and writes
//! `target/bench-report/report.json` and `report.md`.
#![allow(dead_code)]

use std::path::PathBuf;

/// One measured figure.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Figure {
    pub bench: String,
    pub name: String,
    pub value: f64,
    pub unit: String,
    /// The target it is held against, as text ("≤ 50 ms"), empty when informational.
    pub target: String,
    /// Whether the target is met (None: no target).
    pub ok: Option<bool>,
}

impl Figure {
    pub fn new(bench: &str, name: &str, value: f64, unit: &str, target: &str, ok: Option<bool>) -> Figure {
        Figure { bench: bench.into(), name: name.into(), value, unit: unit.into(), target: target.into(), ok }
    }
}

/// Where the figures go.
pub fn dir() -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    base.join("bench-report")
}

/// Stores the figures of one benchmark (replacing its earlier ones).
pub fn record(bench: &str, figures: &[Figure]) {
    let dir = dir();
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(json) = serde_json::to_string_pretty(figures) {
        let _ = std::fs::write(dir.join(format!("{bench}.json")), json);
    }
}

/// The median of samples.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

static COLLECTED: std::sync::Mutex<Vec<Figure>> = std::sync::Mutex::new(Vec::new());

/// Collects one figure of the running benchmark.
pub fn push(bench: &str, name: &str, value: f64, unit: &str, target: &str, ok: Option<bool>) {
    if let Ok(mut v) = COLLECTED.lock() {
        v.push(Figure::new(bench, name, value, unit, target, ok));
    }
}

/// Records everything collected under the benchmark's name.
pub fn flush(bench: &str) {
    let figures = COLLECTED.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default();
    record(bench, &figures);
}
