//! Notices that the database file may have changed — another process committed (its write lands in the `-wal`
//! file), or the file was replaced — without polling: the kernel tells a file watcher (`notify`: inotify on Linux),
//! and [`DbWatch::changed`] resolves. A burst of writes (a broadcast going out) is coalesced: after a change has
//! been reported the next one is reported no sooner than [`DbWatch::gap`] later, and nothing is lost in between.
//! Where no watcher can start (inotify limits, an unusual file system) a slow poll takes its place, and it says so
//! in the log. What changed is for the caller to find out (`PRAGMA data_version`, a claim); this module only wakes.
//! Must not read or write the database. The same watch, on the send lock's files, wakes a process that waits for
//! the send lock or holds it while another waits ([`DbWatch::send_lock`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::files;

/// The poll interval where no file watcher can start.
pub const FALLBACK_POLL: Duration = Duration::from_secs(2);

/// The shortest gap between two reported changes.
pub const GAP: Duration = Duration::from_millis(200);

/// How the watch learns about changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchKind {
    /// The kernel reports writes (no CPU while nothing changes).
    Notify,
    /// A timer: the file watcher could not start, or a test asked for it.
    Poll,
    /// Never reports a change (the test switch that leaves only input to wake the app).
    Off,
}

/// A source of "the database may have changed" wake-ups.
pub struct DbWatch {
    mode: Mode,
}

enum Mode {
    Notify {
        notify: Arc<Notify>,
        last: Option<Instant>,
        gap: Duration,
        /// A change was reported on an event: the next call reports once more a gap later (see `changed`).
        settle: bool,
        _watcher: notify::RecommendedWatcher,
    },
    Poll(tokio::time::Interval),
    Off,
}

impl std::fmt::Debug for DbWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbWatch").field("kind", &self.kind()).finish()
    }
}

impl DbWatch {
    /// Watches the folder of `db_file` for writes to the database and its `-wal` file; falls back to polling every
    /// `fallback` when the watcher cannot start. Must be called inside a tokio runtime.
    pub fn start(db_file: &Path, fallback: Duration) -> DbWatch {
        Self::names(db_file, watched_names(db_file), fallback)
    }

    /// Watches the send lock's files beside `db_file` instead ([`files`]): the lock file is closed when its
    /// holder lets go or ends, the want file is written when a service starts to wait. For the process that holds or
    /// waits for the send lock (`crate::sending`).
    pub fn send_lock(db_file: &Path, fallback: Duration) -> DbWatch {
        let name = |p: PathBuf| p.file_name().map(|n| n.to_os_string());
        let names = [files::send_lock(db_file), files::send_want(db_file)];
        Self::names(db_file, names.into_iter().filter_map(name).collect(), fallback)
    }

    fn names(db_file: &Path, names: Vec<std::ffi::OsString>, fallback: Duration) -> DbWatch {
        match Self::watcher(db_file, names) {
            Ok((notify, watcher)) => {
                DbWatch { mode: Mode::Notify { notify, last: None, gap: GAP, settle: false, _watcher: watcher } }
            }
            Err(e) => {
                tracing::warn!(error = %e, file = %db_file.display(), "no file watcher; checking for changes by polling");
                DbWatch::every(fallback)
            }
        }
    }

    /// A timer instead of a watcher (the fallback, and tests that want a fixed pace).
    pub fn every(period: Duration) -> DbWatch {
        let mut interval = tokio::time::interval(period.max(Duration::from_millis(1)));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval.reset();
        DbWatch { mode: Mode::Poll(interval) }
    }

    /// Never reports a change.
    pub fn off() -> DbWatch {
        DbWatch { mode: Mode::Off }
    }

    pub fn kind(&self) -> WatchKind {
        match self.mode {
            Mode::Notify { .. } => WatchKind::Notify,
            Mode::Poll(_) => WatchKind::Poll,
            Mode::Off => WatchKind::Off,
        }
    }

    /// The shortest gap between two reports (with a watcher); tests make it short.
    #[cfg(test)]
    pub fn gap(mut self, gap: Duration) -> DbWatch {
        if let Mode::Notify { gap: g, .. } = &mut self.mode {
            *g = gap;
        }
        self
    }

    /// Resolves when the database may have changed. Cancel-safe: a change noticed while nobody waits is reported
    /// by the next call.
    ///
    /// Every change reported on an event is reported once more a gap later, without an event: the kernel reports a
    /// commit's write to the `-wal` file before SQLite publishes the commit in the `-shm` index (shared memory, no
    /// event), and merges writes that follow one another before they are read. A caller that looked at once could
    /// see the state before the commit, and no later event would come to correct it — a worker waiting on an alert
    /// would then sleep through the farmer resolving it. The second look comes after the commit is published
    /// (unless its writer stalls for longer than the gap between its last write and publishing it).
    pub async fn changed(&mut self) {
        match &mut self.mode {
            Mode::Notify { notify, last, gap, settle, .. } => {
                if let Some(at) = *last {
                    tokio::time::sleep_until(at + *gap).await;
                }
                if *settle {
                    *settle = false;
                } else {
                    notify.notified().await;
                    *settle = true;
                }
                *last = Some(Instant::now());
            }
            Mode::Poll(interval) => {
                interval.tick().await;
            }
            Mode::Off => std::future::pending().await,
        }
    }

    fn watcher(
        db_file: &Path,
        names: Vec<std::ffi::OsString>,
    ) -> notify::Result<(Arc<Notify>, notify::RecommendedWatcher)> {
        let notify = Arc::new(Notify::new());
        let dir = match db_file.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let wake = notify.clone();
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            let Ok(event) = res else { return };
            if !writes(&event.kind) {
                return;
            }
            let ours = event.paths.iter().any(|p| p.file_name().is_some_and(|n| names.iter().any(|m| m == n)));
            if ours {
                wake.notify_one();
            }
        })?;
        // The folder, not the file: the `-wal` file comes and goes, and a restore may replace the database.
        watcher.watch(&dir, RecursiveMode::NonRecursive)?;
        Ok((notify, watcher))
    }
}

/// The database and its write-ahead log (the `-shm` index is written through shared memory, which the kernel does
/// not report, and says nothing on its own).
fn watched_names(db_file: &Path) -> Vec<std::ffi::OsString> {
    let Some(name) = db_file.file_name() else { return Vec::new() };
    let mut wal = name.to_os_string();
    wal.push("-wal");
    let mut names = vec![name.to_os_string(), wal];
    // A sender stuck on a busy database says so in a file beside it.
    names.extend(files::sender_alert(db_file).file_name().map(|n| n.to_os_string()));
    names
}

/// Events that can mean new data: content written, a file created, removed or renamed. Opening or reading a file
/// (every reader does) is not one.
fn writes(kind: &EventKind) -> bool {
    match kind {
        EventKind::Modify(notify::event::ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) | EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Access(notify::event::AccessKind::Close(notify::event::AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test]
    async fn a_write_by_another_connection_wakes_the_watch_and_a_read_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.sqlite");
        let writer = rusqlite::Connection::open(&db).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
        let reader = rusqlite::Connection::open(&db).unwrap();
        let mut watch = DbWatch::start(&db, Duration::from_secs(3600)).gap(Duration::ZERO);
        assert_eq!(watch.kind(), WatchKind::Notify);
        // Reads and an unrelated file in the same folder report nothing.
        let n: i64 = reader.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        std::fs::write(dir.path().join("hofbote.log"), "x").unwrap();
        let quiet = tokio::time::timeout(Duration::from_millis(300), watch.changed()).await;
        assert!(quiet.is_err(), "a read or another file must not wake the watch");
        writer.execute("INSERT INTO t VALUES (2)", []).unwrap();
        tokio::time::timeout(Duration::from_secs(20), watch.changed()).await.expect("a commit wakes the watch");
        // Let the commit's events settle, so the next wake-up can only come from the alert file.
        while tokio::time::timeout(Duration::from_millis(300), watch.changed()).await.is_ok() {}
        // A sender stuck on the database says so in a file beside it (written aside, then renamed; the writer's own
        // test is `queue::health`'s).
        let aside = dir.path().join("h.sqlite.sender-alert.tmp");
        std::fs::write(&aside, "{}").unwrap();
        std::fs::rename(&aside, files::sender_alert(&db)).unwrap();
        tokio::time::timeout(Duration::from_secs(20), watch.changed()).await.expect("the alert file wakes the watch");
    }

    #[tokio::test]
    async fn off_never_wakes_and_poll_ticks() {
        let mut off = DbWatch::off();
        assert!(tokio::time::timeout(Duration::from_millis(50), off.changed()).await.is_err());
        let mut poll = DbWatch::every(Duration::from_millis(5));
        assert_eq!(poll.kind(), WatchKind::Poll);
        tokio::time::timeout(Duration::from_secs(20), poll.changed()).await.unwrap();
    }
}
