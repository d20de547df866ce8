//! One sender at a time: an exclusive lock on `<database>.send.lock`. The kernel releases it when the process ends,
//! even by SIGKILL, so a restart never waits for a lease to expire.
//!
//! A service that finds the lock taken says that it waits: it holds a shared lock on `<database>.send.want` (also
//! released by the kernel) and writes its pid into it, so the holder's file watcher wakes. The terminal app hands
//! sending over when it sees that ([`someone_waits`]); a service never does. Checking opens the want file read-only
//! and trying the lock again uses the file opened once ([`Contender`]), so neither wakes anybody's watcher — two
//! waiting processes cannot wake each other in a loop. What to do with a lock is `crate::sending`'s business.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::store::files;

/// Held while this process may send. Dropping it releases the lock.
#[derive(Debug)]
pub struct SendLock {
    _file: File,
    pub path: PathBuf,
}

/// The lock file of a database ([`files::send_lock`]).
pub fn lock_path(db: &Path) -> PathBuf {
    files::send_lock(db)
}

/// The file a service holds while it waits for the send lock ([`files::send_want`]).
pub fn want_path(db: &Path) -> PathBuf {
    files::send_want(db)
}

fn open_rw(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// The send lock file, opened once, tried as often as needed.
#[derive(Debug)]
pub struct Contender {
    file: File,
    path: PathBuf,
}

impl Contender {
    pub fn new(db: &Path) -> std::io::Result<Contender> {
        let path = lock_path(db);
        Ok(Contender { file: open_rw(&path)?, path })
    }

    /// The lock if nobody holds it; else this contender back, to try again later.
    pub fn try_take(self) -> std::io::Result<Result<SendLock, Contender>> {
        match self.file.try_lock() {
            Ok(()) => Ok(Ok(SendLock { _file: self.file, path: self.path })),
            Err(TryLockError::WouldBlock) => Ok(Err(self)),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }
}

/// Takes the send lock if nobody holds it; `Ok(None)` when another process sends.
pub fn try_acquire(db: &Path) -> std::io::Result<Option<SendLock>> {
    Ok(Contender::new(db)?.try_take()?.ok())
}

/// Whether some process holds the send lock right now (without keeping it).
pub fn is_held(db: &Path) -> bool {
    matches!(try_acquire(db), Ok(None))
}

/// Held by a service while it waits for the send lock; dropping it (or the process ending) withdraws the wish.
#[derive(Debug)]
pub struct Want {
    _file: File,
}

/// Says that a service waits for the send lock: a shared lock on the want file (several may wait), then its pid
/// written into it, which wakes the holder's watcher. Blocks only while a [`someone_waits`] check holds the file for
/// an instant.
pub fn announce(db: &Path) -> std::io::Result<Want> {
    let mut file = open_rw(&want_path(db))?;
    file.lock_shared()?;
    file.set_len(0)?;
    writeln!(file, "{}", std::process::id())?;
    Ok(Want { _file: file })
}

/// Whether a service waits for the send lock. Opens the want file read-only, so the check wakes no watcher.
pub fn someone_waits(db: &Path) -> bool {
    let Ok(file) = File::open(want_path(db)) else { return false };
    matches!(file.try_lock(), Err(TryLockError::WouldBlock))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_holder_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.sqlite");
        let first = try_acquire(&db).unwrap().expect("free");
        assert!(try_acquire(&db).unwrap().is_none());
        assert!(is_held(&db));
        drop(first);
        assert!(try_acquire(&db).unwrap().is_some());
    }

    #[test]
    fn a_contender_tries_again_on_the_same_file_and_gets_the_lock_once_it_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.sqlite");
        let holder = try_acquire(&db).unwrap().expect("free");
        let mut contender = Contender::new(&db).unwrap();
        for _ in 0..3 {
            contender = contender.try_take().unwrap().expect_err("held by the holder");
        }
        drop(holder);
        let lock = contender.try_take().unwrap().expect("free now");
        assert!(is_held(&db));
        drop(lock);
        assert!(!is_held(&db));
    }

    #[test]
    fn a_waiting_service_is_seen_until_it_withdraws_and_checking_does_not_count_as_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.sqlite");
        assert!(!someone_waits(&db), "no want file yet");
        let want = announce(&db).unwrap();
        assert!(someone_waits(&db));
        assert!(someone_waits(&db), "a check leaves the wish in place");
        // Two services may wait at once; the wish lasts while either does.
        let second = announce(&db).unwrap();
        drop(want);
        assert!(someone_waits(&db));
        drop(second);
        assert!(!someone_waits(&db), "withdrawn when the last one gives up");
        let pid: u32 = std::fs::read_to_string(want_path(&db)).unwrap().trim().parse().unwrap();
        assert_eq!(pid, std::process::id(), "the file says who waited last");
        // Waiting is not holding: the send lock stays free.
        let _again = announce(&db).unwrap();
        assert!(!is_held(&db));
    }

    #[tokio::test]
    async fn the_send_lock_watch_wakes_on_a_release_and_a_wish_but_not_on_a_check() {
        use crate::store::watch::{DbWatch, WatchKind};
        use std::time::Duration;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.sqlite");
        let held = try_acquire(&db).unwrap().unwrap();
        let contender = Contender::new(&db).unwrap();
        let mut watch = DbWatch::send_lock(&db, Duration::from_secs(3600)).gap(Duration::ZERO);
        assert_eq!(watch.kind(), WatchKind::Notify);
        // Trying the held lock again on the opened file, and checking for a waiting service, wake nobody.
        let contender = contender.try_take().unwrap().unwrap_err();
        assert!(!someone_waits(&db));
        let quiet = tokio::time::timeout(Duration::from_millis(300), watch.changed()).await;
        assert!(quiet.is_err(), "trying again or checking must not wake a watcher");
        let want = announce(&db).unwrap();
        tokio::time::timeout(Duration::from_secs(20), watch.changed())
            .await
            .expect("a service's wish wakes the holder");
        while tokio::time::timeout(Duration::from_millis(300), watch.changed()).await.is_ok() {}
        assert!(someone_waits(&db));
        let quiet = tokio::time::timeout(Duration::from_millis(300), watch.changed()).await;
        assert!(quiet.is_err(), "the check must not wake a watcher");
        drop(held);
        tokio::time::timeout(Duration::from_secs(20), watch.changed()).await.expect("a release wakes the waiter");
        assert!(contender.try_take().unwrap().is_ok(), "free after the release");
        drop(want);
    }
}
