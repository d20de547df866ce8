//! Counts of committed write transactions per kind (and the rows or bodies they carried), for the disk benchmark's
//! evidence of where the bytes and fsyncs go (issue 15). Always compiled and nearly free: one relaxed atomic add per
//! commit, no IO, no lock. The call sits on the line after a transaction's `commit()`, so only commits that
//! succeeded are counted. `hofbote serve` writes the counts as JSON to the file named by `HOFBOTE_STATS_FILE` when it
//! ends cleanly ([`write_if_asked`]); nothing else reads them. Counts are per process, not per database.

use std::sync::atomic::{AtomicU64, Ordering};

/// What a write transaction (or a synced journal write) was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Webhook bodies stored before their 200 (`store_webhook_bodies`, one transaction per group).
    WebhookStore,
    /// One stored body applied (statuses, consent), one transaction per body.
    WebhookApply,
    /// A body whose application failed or that cannot be read, noted for a retry or review.
    WebhookFailed,
    /// Due rows claimed with the consent re-check (`claim_due`).
    Claim,
    /// Send results recorded (`record_results`).
    Result,
    /// Intents appended to the send journal and synced (`fdatasync`) before a claim commits.
    JournalIntent,
    /// Outcomes appended to the send journal (not synced).
    JournalOutcome,
    /// Rows left in flight by a crash marked unknown, or unknown rows sent again (start and reconcile).
    Recover,
    /// Retention and the expiry of unconfirmed double opt-ins (housekeeping).
    Housekeeping,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::WebhookStore,
        Kind::WebhookApply,
        Kind::WebhookFailed,
        Kind::Claim,
        Kind::Result,
        Kind::JournalIntent,
        Kind::JournalOutcome,
        Kind::Recover,
        Kind::Housekeeping,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::WebhookStore => "webhook_store",
            Kind::WebhookApply => "webhook_apply",
            Kind::WebhookFailed => "webhook_failed",
            Kind::Claim => "claim",
            Kind::Result => "result",
            Kind::JournalIntent => "journal_intent",
            Kind::JournalOutcome => "journal_outcome",
            Kind::Recover => "recover",
            Kind::Housekeeping => "housekeeping",
        }
    }
}

const N: usize = Kind::ALL.len();
static COMMITS: [AtomicU64; N] = [const { AtomicU64::new(0) }; N];
static ITEMS: [AtomicU64; N] = [const { AtomicU64::new(0) }; N];

/// Counts one committed transaction of `kind` that carried `items` rows or bodies.
pub fn commit(kind: Kind, items: usize) {
    COMMITS[kind as usize].fetch_add(1, Ordering::Relaxed);
    ITEMS[kind as usize].fetch_add(items as u64, Ordering::Relaxed);
}

/// One kind's counts so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Count {
    pub commits: u64,
    pub items: u64,
}

/// Every kind's counts so far, by name, in [`Kind::ALL`] order.
pub fn snapshot() -> Vec<(&'static str, Count)> {
    Kind::ALL
        .iter()
        .map(|k| {
            let i = *k as usize;
            (k.name(), Count { commits: COMMITS[i].load(Ordering::Relaxed), items: ITEMS[i].load(Ordering::Relaxed) })
        })
        .collect()
}

/// The counts as a JSON object: `{"claim": {"commits": 16, "items": 1000}, …}`.
pub fn to_json() -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = snapshot()
        .into_iter()
        .map(|(name, c)| (name.to_owned(), serde_json::json!({ "commits": c.commits, "items": c.items })))
        .collect();
    serde_json::Value::Object(map)
}

/// The environment variable that names the file [`write_if_asked`] writes.
pub const ENV: &str = "HOFBOTE_STATS_FILE";

/// Writes the counts to the file named by `HOFBOTE_STATS_FILE`, when it is set (benchmarks only; a failure is
/// logged, never fatal). They hold only numbers.
pub fn write_if_asked() {
    let Some(path) = std::env::var_os(ENV) else { return };
    let text = serde_json::to_string_pretty(&to_json()).unwrap_or_default();
    if let Err(e) = std::fs::write(&path, text) {
        tracing::warn!(error = %e, "the transaction counts could not be written");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_per_kind() {
        let before = snapshot();
        commit(Kind::Housekeeping, 3);
        commit(Kind::Housekeeping, 2);
        let after = snapshot();
        let i = Kind::Housekeeping as usize;
        // Other tests in this process may count too: at least ours.
        assert!(after[i].1.commits >= before[i].1.commits + 2);
        assert!(after[i].1.items >= before[i].1.items + 5);
        assert_eq!(after[i].0, "housekeeping");
        let json = to_json();
        assert!(json["claim"]["commits"].is_u64());
        assert_eq!(json.as_object().map(|o| o.len()), Some(N));
    }
}
