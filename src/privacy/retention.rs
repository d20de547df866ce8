//! Retention (Art. 5(1)(e)): deletes what has been kept long enough, by the periods in `[privacy]` — finished
//! message rows and inbound messages (`message_retention_days`), raw webhook bodies once applied or dismissed (one
//! not applied yet stays however old it is: it may hold a STOP) and replay keys (`webhook_retention_days`), sign-ups
//! never confirmed (`unconfirmed_signup_days`, erased through the full erasure path), log files and pre-migration
//! copies (`log_retention_days`), and pseudonymised ledger rows whose limitation period ended
//! (`pseudonymised_ledger_years`, through the erasure gate). A period of 0 switches that rule off. [`sweep`] with
//! `dry_run` only counts. `hofbote serve` runs it once a day. Time comes from the store's clock.
//! Decides the cutoffs; the SQL is in [`crate::store::retention`].

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::PrivacyError;
use super::erase::{JournalEntry, append_journal, erase_in_db, keep_until};
use crate::config::{Config, Paths};
use crate::domain::phone::Recipient;
use crate::store::consent::delete_pseudonymised_tx;
use crate::store::retention::{self as sql, Expiring};
use crate::store::{Store, ts};

/// What a sweep deleted (or, in a dry run, would delete).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub dry_run: bool,
    pub messages_sent: usize,
    pub messages_received: usize,
    pub broadcasts: usize,
    pub webhook_bodies: usize,
    pub effect_keys: usize,
    pub unconfirmed_signups: usize,
    pub pseudonymised_subjects: usize,
    pub pseudonymised_rows: usize,
    pub log_files: Vec<PathBuf>,
    pub migration_copies: Vec<PathBuf>,
}

impl SweepReport {
    pub fn is_empty(&self) -> bool {
        self.messages_sent
            + self.messages_received
            + self.broadcasts
            + self.webhook_bodies
            + self.effect_keys
            + self.unconfirmed_signups
            + self.pseudonymised_rows
            + self.log_files.len()
            + self.migration_copies.len()
            == 0
    }
}

fn cutoff(now: DateTime<Utc>, days: u32) -> Option<String> {
    (days > 0).then(|| ts(now - Duration::days(i64::from(days))))
}

/// Counts (dry run) or deletes the rows of `what` older than the cutoff.
fn apply(store: &Store, what: Expiring, cut: &str, dry_run: bool) -> Result<usize, PrivacyError> {
    Ok(if dry_run {
        sql::count_expired(store.conn(), what, cut)?
    } else {
        sql::delete_expired(store.conn(), what, cut)?
    })
}

/// Applies (or with `dry_run` only counts) every retention rule; see module docs.
pub fn sweep(store: &mut Store, config: &Config, paths: &Paths, dry_run: bool) -> Result<SweepReport, PrivacyError> {
    let p = &config.privacy;
    let now = store.now();
    let mut r = SweepReport { dry_run, ..Default::default() };
    if let Some(cut) = cutoff(now, p.message_retention_days) {
        // Broadcasts first: their condition looks at the rows that are about to go.
        r.broadcasts = if dry_run { apply(store, Expiring::Broadcasts, &cut, true)? } else { 0 };
        r.messages_sent = apply(store, Expiring::FinishedRows, &cut, dry_run)?;
        r.messages_received = apply(store, Expiring::InboundMessages, &cut, dry_run)?;
        if !dry_run {
            r.broadcasts = apply(store, Expiring::Broadcasts, &cut, false)?;
        }
    }
    if let Some(cut) = cutoff(now, p.webhook_retention_days) {
        r.webhook_bodies = apply(store, Expiring::WebhookBodies, &cut, dry_run)?;
        r.effect_keys = apply(store, Expiring::EffectKeys, &cut, dry_run)?;
    }
    if let Some(cut) = cutoff(now, p.unconfirmed_signup_days) {
        let phones = unconfirmed_signups(store, &cut)?;
        r.unconfirmed_signups = phones.len();
        if !dry_run && !phones.is_empty() {
            let key = crate::config::ensure_erasure_key(&paths.secrets_file, &crate::config::Secrets::process_env)?;
            let journal = super::journal_path(paths);
            for phone in phones {
                let done = erase_in_db(
                    store,
                    super::key_bytes(&key),
                    &phone,
                    "hofbote (Aufbewahrung)",
                    keep_until(now, p.pseudonymised_ledger_years),
                )?;
                append_journal(&journal, &JournalEntry { at: now, subject_hash: done.subject_hash })?;
            }
        }
    }
    if p.pseudonymised_ledger_years > 0 {
        let fallback = ts(now - Duration::days(366 * (i64::from(p.pseudonymised_ledger_years) + 1)));
        let hashes = expired_subjects(store, &ts(now), &fallback)?;
        r.pseudonymised_subjects = hashes.len();
        for h in &hashes {
            if dry_run {
                r.pseudonymised_rows += sql::pseudonymised_rows(store.conn(), h)?;
            } else {
                let tx = store.conn_mut().transaction()?;
                r.pseudonymised_rows += delete_pseudonymised_tx(&tx, h)?;
                tx.commit()?;
            }
        }
    }
    if let Some(days) = (p.log_retention_days > 0).then_some(p.log_retention_days) {
        let cut = now - Duration::days(i64::from(days));
        r.log_files = old_files(&paths.log_dir, "hofbote.log", cut, dry_run)?;
        if let (Some(dir), Some(name)) = (paths.db_file.parent(), paths.db_file.file_name().and_then(|n| n.to_str())) {
            r.migration_copies = old_files(dir, &format!("{name}.pre-v"), cut, dry_run)?;
        }
    }
    if !dry_run && !r.is_empty() {
        store.audit(
            "hofbote (Aufbewahrung)",
            "retention_sweep",
            &format!(
                "{} sent, {} received, {} webhook bodies, {} sign-ups, {} pseudonymised ledger rows, {} log files",
                r.messages_sent,
                r.messages_received,
                r.webhook_bodies,
                r.unconfirmed_signups,
                r.pseudonymised_rows,
                r.log_files.len()
            ),
        )?;
        // Deleted pages are zeroed (secure_delete); the checkpoint also clears them from the WAL. Busy is fine here:
        // the next checkpoint does it.
        if store.path() != Path::new(":memory:") {
            crate::store::erasure::checkpoint(store.conn())?;
        }
    }
    Ok(r)
}

/// Customers who asked to sign up (a confirmation was requested) but never granted or withdrew anything, and have
/// been silent since `cut`.
fn unconfirmed_signups(store: &Store, cut: &str) -> Result<Vec<Recipient>, PrivacyError> {
    let phones = sql::unconfirmed_signups(store.conn(), cut)?;
    Ok(phones.iter().filter_map(|p| Recipient::from_stored(p)).collect())
}

/// Erased subjects whose pseudonymised rows may go: their `keep_until` passed, or (erased without a recorded date)
/// their newest row is older than `fallback`.
fn expired_subjects(store: &Store, now: &str, fallback: &str) -> Result<Vec<String>, PrivacyError> {
    Ok(sql::expired_subjects(store.conn(), now, fallback)?)
}

/// Files in `dir` whose name starts with `prefix` and that are older than `cut` (by the date in a name like
/// `hofbote.log.2026-11-27`, else by modification time); deleted unless `dry_run`.
fn old_files(dir: &Path, prefix: &str, cut: DateTime<Utc>, dry_run: bool) -> Result<Vec<PathBuf>, PrivacyError> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
        if !name.starts_with(prefix) || !path.is_file() {
            continue;
        }
        let dated = name
            .rsplit('.')
            .next()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .map(|d| d.and_utc());
        let modified = || entry.metadata().ok().and_then(|m| m.modified().ok()).map(DateTime::<Utc>::from);
        if dated.or_else(modified).is_some_and(|at| at < cut) {
            if !dry_run {
                std::fs::remove_file(&path).map_err(|e| super::io_err(&path, e))?;
            }
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
