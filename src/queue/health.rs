//! How the send worker lives through store errors. A database held by another process (a long import, an erase
//! with VACUUM, a slow SD card), a full disk or a passing I/O error must never end sending silently: the worker
//! retries with backoff, logs it, and once the fault has lasted [`ALERT_AFTER`] it raises an alert that the terminal
//! app and `hofbote queue list` show. The alert lives in a small file beside the database (`<db>.sender-alert`),
//! because while the fault lasts the database may not take a write. Faults that cannot heal by waiting — the
//! database read-only, corrupt, its schema gone, the DB thread ended — end the worker with the error, so that
//! `hofbote serve` exits non-zero and systemd restarts it: the service never lives on half-dead.
//! The decisions are pure ([`Health`]); the file is written by [`SenderAlert`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::store::StoreError;

/// A store fault that lasts this long is shown to the farmer.
pub const ALERT_AFTER: Duration = Duration::seconds(30);

/// The longest pause between two tries.
pub const MAX_BACKOFF: StdDuration = StdDuration::from_secs(5);

/// Whether waiting can cure a store error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Busy or locked database, full disk, a passing I/O error: try again.
    Transient,
    /// Read-only, corrupt, schema gone, the DB thread ended: stop and let the service manager restart.
    Fatal,
}

pub fn classify(e: &StoreError) -> Fault {
    use rusqlite::ErrorCode as C;
    match e {
        StoreError::Sqlite(err) => match err.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked | C::DiskFull | C::SystemIoFailure | C::OutOfMemory) => {
                Fault::Transient
            }
            Some(C::ReadOnly | C::DatabaseCorrupt | C::NotADatabase | C::CannotOpen | C::PermissionDenied) => {
                Fault::Fatal
            }
            // "no such table" and other plain errors: the schema is not what this hofbote wrote.
            _ => Fault::Fatal,
        },
        StoreError::Io { .. } => Fault::Transient,
        _ => Fault::Fatal,
    }
}

/// What the worker does after a failed store call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Retry {
        after: StdDuration,
        /// The fault has now lasted [`ALERT_AFTER`]: show it (once).
        raise_alert: bool,
    },
    GiveUp,
}

/// The worker's view of the store: failing since when, how often in a row, alert raised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    since: Option<DateTime<Utc>>,
    failures: u32,
    alerted: bool,
}

impl Health {
    pub fn failed(&mut self, e: &StoreError, now: DateTime<Utc>) -> Next {
        if classify(e) == Fault::Fatal {
            return Next::GiveUp;
        }
        let since = *self.since.get_or_insert(now);
        self.failures = self.failures.saturating_add(1);
        let raise_alert = !self.alerted && now - since >= ALERT_AFTER;
        self.alerted |= raise_alert;
        Next::Retry { after: backoff(self.failures), raise_alert }
    }

    /// A store call succeeded; returns whether a fault ended with it (and whether an alert must be taken back).
    pub fn recovered(&mut self) -> Option<bool> {
        let was = self.since.take().map(|_| self.alerted);
        *self = Health::default();
        was
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// 100 ms, 200 ms, 400 ms … at most [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> StdDuration {
    let ms = 100u64.saturating_mul(1u64 << failures.saturating_sub(1).min(16));
    StdDuration::from_millis(ms).min(MAX_BACKOFF)
}

/// Store faults injected into one worker (the `store_busy` failpoint: `HOFBOTE_FAILPOINT=store_busy:N` makes the
/// first N store calls of the worker fail as if the database were busy; tests set it per worker).
#[derive(Debug, Clone, Default)]
pub struct InjectedFaults(Arc<AtomicU64>);

impl InjectedFaults {
    pub fn from_env() -> InjectedFaults {
        let n = std::env::var("HOFBOTE_FAILPOINT")
            .ok()
            .and_then(|s| s.strip_prefix("store_busy:").and_then(|n| n.parse().ok()))
            .unwrap_or(0);
        InjectedFaults(Arc::new(AtomicU64::new(n)))
    }

    /// Makes the next `n` store calls fail (0 ends it).
    pub fn set(&self, n: u64) {
        self.0.store(n, Ordering::SeqCst);
    }

    /// How many injected faults are left.
    pub fn remaining(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Takes one injected fault, if any is left.
    pub fn take(&self) -> bool {
        self.0.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
    }
}

/// A "database is busy" error as SQLite reports it.
pub fn busy_error() -> StoreError {
    StoreError::Sqlite(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
        Some("injected by the store_busy failpoint".into()),
    ))
}

/// The alert file: sending has been stuck on a store fault since `since`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderAlert {
    pub since: DateTime<Utc>,
    /// The fault, as SQLite said it (no personal data: error texts name no rows).
    pub error: String,
    /// The sending process; an alert of a process that is gone is stale.
    pub pid: u32,
}

impl SenderAlert {
    /// The alert file of a database ([`crate::store::files::sender_alert`]).
    pub fn path(db_file: &Path) -> PathBuf {
        crate::store::files::sender_alert(db_file)
    }

    /// Writes the alert (0600, atomically: written beside, then renamed).
    pub fn write(&self, db_file: &Path) -> std::io::Result<()> {
        let path = Self::path(db_file);
        let tmp = path.with_extension("sender-alert.tmp");
        let text = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
            f.write_all(&text)?;
        }
        std::fs::rename(&tmp, &path)
    }

    pub fn clear(db_file: &Path) {
        let _ = std::fs::remove_file(Self::path(db_file));
    }

    /// The current alert, if the process that raised it still runs.
    pub fn read(db_file: &Path) -> Option<SenderAlert> {
        let text = std::fs::read(Self::path(db_file)).ok()?;
        let alert: SenderAlert = serde_json::from_slice(&text).ok()?;
        Path::new(&format!("/proc/{}", alert.pid)).exists().then_some(alert)
    }

    /// What the farmer reads.
    pub fn text(&self, lang: crate::i18n::Lang, now: DateTime<Utc>) -> String {
        let minutes = (now - self.since).num_minutes().max(0);
        crate::i18n::Tr::new(
            "Versand steht seit {0} min: die Datenbank ist belegt oder voll ({1}). hofbote versucht es weiter; prüfe, ob ein anderer Vorgang (Import, Sicherung) läuft und ob die Speicherkarte voll ist.",
            "Sending has been stuck for {0} min: the database is busy or full ({1}). hofbote keeps trying; check whether another task (import, backup) is running and whether the SD card is full.",
        )
        .fill(lang, &[&minutes, &self.error])
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + s, 0).unwrap()
    }

    fn sqlite(code: i32) -> StoreError {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None))
    }

    #[test]
    fn a_busy_database_is_retried_with_backoff_and_alerted_after_thirty_seconds() {
        let mut h = Health::default();
        let busy = busy_error();
        assert_eq!(h.failed(&busy, at(0)), Next::Retry { after: StdDuration::from_millis(100), raise_alert: false });
        assert_eq!(h.failed(&busy, at(1)), Next::Retry { after: StdDuration::from_millis(200), raise_alert: false });
        for s in 2..29 {
            assert!(
                matches!(h.failed(&busy, at(s)), Next::Retry { raise_alert: false, after } if after <= MAX_BACKOFF)
            );
        }
        assert_eq!(h.failed(&busy, at(30)), Next::Retry { after: MAX_BACKOFF, raise_alert: true });
        assert_eq!(h.failed(&busy, at(40)), Next::Retry { after: MAX_BACKOFF, raise_alert: false }, "raised once");
        assert_eq!(h.recovered(), Some(true), "the alert is taken back");
        assert_eq!(h.recovered(), None);
        // A short fault is over before anyone is told.
        h.failed(&sqlite(rusqlite::ffi::SQLITE_FULL), at(100));
        assert_eq!(h.recovered(), Some(false));
    }

    #[test]
    fn faults_that_waiting_cannot_cure_end_the_worker() {
        let mut h = Health::default();
        for code in [rusqlite::ffi::SQLITE_READONLY, rusqlite::ffi::SQLITE_CORRUPT, rusqlite::ffi::SQLITE_NOTADB] {
            assert_eq!(h.failed(&sqlite(code), at(0)), Next::GiveUp);
        }
        assert_eq!(h.failed(&StoreError::Closed, at(0)), Next::GiveUp);
        let no_table = rusqlite::Connection::open_in_memory()
            .unwrap()
            .execute("INSERT INTO outbox VALUES (1)", [])
            .map_err(StoreError::from)
            .unwrap_err();
        assert_eq!(classify(&no_table), Fault::Fatal, "schema gone");
        assert_eq!(classify(&sqlite(rusqlite::ffi::SQLITE_LOCKED)), Fault::Transient);
        assert_eq!(classify(&sqlite(rusqlite::ffi::SQLITE_IOERR)), Fault::Transient);
    }

    #[test]
    fn injected_faults_count_down() {
        let f = InjectedFaults::default();
        assert!(!f.take());
        f.set(2);
        assert!(f.take() && f.take() && !f.take());
    }

    #[test]
    fn the_alert_file_is_private_and_stale_alerts_are_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.sqlite");
        let alert = SenderAlert { since: at(0), error: "database is locked".into(), pid: std::process::id() };
        alert.write(&db).unwrap();
        let mode = std::fs::metadata(SenderAlert::path(&db)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(SenderAlert::read(&db), Some(alert.clone()));
        assert!(alert.text(crate::i18n::Lang::De, at(120)).contains("seit 2 min"));
        let gone = SenderAlert { pid: u32::MAX - 1, ..alert };
        gone.write(&db).unwrap();
        assert_eq!(SenderAlert::read(&db), None, "its process is gone");
        SenderAlert::clear(&db);
        assert!(!SenderAlert::path(&db).exists());
    }

    #[tokio::test]
    async fn a_written_alert_wakes_the_database_watch() {
        use crate::store::watch::{DbWatch, WatchKind};
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.sqlite");
        let mut watch = DbWatch::start(&db, StdDuration::from_secs(3600)).gap(StdDuration::ZERO);
        assert_eq!(watch.kind(), WatchKind::Notify);
        let alert = SenderAlert { since: at(0), error: "busy".into(), pid: 1 };
        alert.write(&db).unwrap();
        let woke = tokio::time::timeout(StdDuration::from_secs(20), watch.changed()).await;
        assert!(woke.is_ok(), "the terminal app would not see the alert");
    }
}
