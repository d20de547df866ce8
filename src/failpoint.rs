//! Named failpoints for crash tests: `HOFBOTE_FAILPOINT=after_claim_commit:7` aborts the process (like a power cut or
//! SIGKILL: no destructors, no flushing) the 7th time that point is passed. Unset, a failpoint costs one atomic load.
//! Only the send path places failpoints; they must never be used for control flow.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

struct Armed {
    name: String,
    at: u64,
    passed: AtomicU64,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let spec = std::env::var("HOFBOTE_FAILPOINT").ok()?;
            let (name, at) = spec.split_once(':').map(|(n, a)| (n, a.parse().ok())).unwrap_or((spec.as_str(), Some(1)));
            Some(Armed { name: name.to_owned(), at: at?, passed: AtomicU64::new(0) })
        })
        .as_ref()
}

/// Marks a dangerous moment; aborts the process when this failpoint is armed and its count is reached.
pub fn hit(name: &str) {
    if let Some(a) = armed()
        && a.name == name
        && a.passed.fetch_add(1, Ordering::SeqCst) + 1 == a.at
    {
        eprintln!("failpoint {name} reached: aborting");
        std::process::abort();
    }
}
