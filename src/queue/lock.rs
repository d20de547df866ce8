//! One sender at a time: an exclusive lock on `<database>.send.lock`. The kernel releases it when the process ends,
//! even by SIGKILL, so a restart never waits for a lease to expire.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Held while this process may send. Dropping it releases the lock.
#[derive(Debug)]
pub struct SendLock {
    _file: File,
    pub path: PathBuf,
}

/// The lock file of a database.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".send.lock");
    PathBuf::from(p)
}

/// Takes the send lock if nobody holds it; `Ok(None)` when another process sends.
pub fn try_acquire(db: &Path) -> std::io::Result<Option<SendLock>> {
    let path = lock_path(db);
    let mut opts = OpenOptions::new();
    opts.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(SendLock { _file: file, path })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Whether some process holds the send lock right now (without keeping it).
pub fn is_held(db: &Path) -> bool {
    matches!(try_acquire(db), Ok(None))
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
}
