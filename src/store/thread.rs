//! The DB thread: one thread owns the SQLite connection and runs typed jobs sent over a channel, so the UI task never
//! blocks on the database. Async callers `await` the answer; the CLI may call synchronously. Jobs must be short and
//! must never wait for network IO.

use std::sync::mpsc;
use std::thread::JoinHandle;

use super::{Result, Store, StoreError};

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// A cloneable handle to the DB thread.
#[derive(Debug, Clone)]
pub struct Db {
    tx: mpsc::Sender<Job>,
    path: std::path::PathBuf,
}

impl Db {
    /// Moves the store onto its own thread.
    pub fn spawn(mut store: Store) -> (Db, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel::<Job>();
        let path = store.path().to_owned();
        let handle = std::thread::Builder::new()
            .name("hofbote-db".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    job(&mut store);
                }
            })
            .unwrap_or_else(|e| {
                // Without a thread there is no database; surface it on first use instead of panicking here.
                tracing::error!("cannot start database thread: {e}");
                std::thread::spawn(|| {})
            });
        (Db { tx, path }, handle)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Runs `f` on the DB thread and awaits its result.
    pub async fn call<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.tx
            .send(Box::new(move |store: &mut Store| {
                let _ = tx.send(f(store));
            }))
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on the DB thread and blocks until it is done (CLI, tests).
    pub fn call_blocking<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.tx
            .send(Box::new(move |store: &mut Store| {
                let _ = tx.send(f(store));
            }))
            .map_err(|_| StoreError::Closed)?;
        rx.recv().map_err(|_| StoreError::Closed)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock;

    #[tokio::test]
    async fn jobs_run_on_the_db_thread_in_order() {
        let store = Store::open_in_memory(clock::system()).unwrap();
        let (db, _h) = Db::spawn(store);
        let main_thread = std::thread::current().id();
        let (n, other_thread) =
            db.call(move |s| Ok((s.customer_count()?, std::thread::current().id() != main_thread))).await.unwrap();
        assert_eq!(n, 0);
        assert!(other_thread);
        assert_eq!(db.call_blocking(|s| s.customer_count()).unwrap(), 0);
    }
}
