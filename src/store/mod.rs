//! SQLite storage: opening the file (permissions, PRAGMAs), append-only migrations, and one file per table group.
//! Every query binds its parameters; no SQL is built from data. The UI never calls this directly: it goes through
//! the DB thread in [`thread`]. Must not talk HTTP or draw anything.

pub mod account;
pub mod alerts;
pub mod audit;
pub mod broadcasts;
pub mod consent;
pub mod costs;
pub mod customers;
pub mod demo;
pub mod erasure;
pub mod export;
pub mod files;
pub mod inbound;
pub mod meta_stops;
pub mod migrate;
pub mod outbox;
pub mod outbox_events;
pub mod restore;
pub mod retention;
pub mod rows;
pub mod send_journal;
pub mod stats;
pub mod templates;
pub mod thread;
mod time;
pub mod watch;
pub mod webhooks;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::clock::SharedClock;
use crate::domain::consent::ConsentError;
use crate::domain::customer::CustomerError;
use crate::domain::phone::Phone;
use crate::i18n::{Lang, Localized, Tr};

pub use thread::Db;
pub use time::{parse_ts, ts};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    /// The database or a file beside it cannot be created or written (read-only mount, wrong owner).
    #[error("{} is not writable: {reason}", path.display())]
    NotWritable { path: PathBuf, reason: String },
    #[error("database schema version {found} is newer than this hofbote knows ({supported})")]
    TooNew { found: i64, supported: i64 },
    #[error("phone number {0} already belongs to another customer")]
    PhoneTaken(Phone),
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Consent(#[from] ConsentError),
    #[error(transparent)]
    Customer(#[from] CustomerError),
    #[error(transparent)]
    Broadcast(#[from] crate::domain::broadcast::BroadcastError),
    #[error("bad stored value in {0}")]
    Corrupt(String),
    #[error("the database thread has stopped")]
    Closed,
}

impl Localized for StoreError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            StoreError::Sqlite(e) if is_busy(e) => Tr::new(
                "Die Datenbank ist gerade von einem anderen Vorgang belegt. Versuche es gleich noch einmal.",
                "The database is busy with another process. Try again in a moment.",
            )
            .get(lang)
            .into(),
            StoreError::Sqlite(e) => Tr::new(
                "Datenbankfehler: {0}. Prüfe mit »hofbote db check«.",
                "Database error: {0}. Check with `hofbote db check`.",
            )
            .fill(lang, &[e]),
            StoreError::Io { path, message } => {
                Tr::new("Datei {0}: {1}", "File {0}: {1}")
                    .fill(lang, &[&path.display(), &crate::i18n::os_text(message, lang)])
            }
            StoreError::NotWritable { path, reason } => {
                let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
                Tr::new(
                    "hofbote kann {0} nicht anlegen oder beschreiben ({1}). Der Ordner {2} muss für dich beschreibbar sein: ist er schreibgeschützt eingehängt oder gehört er einem anderen Benutzer? Prüfe mit »ls -ld {2}« und gib dir Schreibrechte, oder nimm einen anderen Ort für die Datenbank: --db PFAD oder HOFBOTE_DB=PFAD.",
                    "hofbote cannot create or write {0} ({1}). The folder {2} must be writable for you: is it mounted read-only or owned by another user? Check with `ls -ld {2}` and give yourself write access, or put the database elsewhere: --db PATH or HOFBOTE_DB=PATH.",
                )
                .fill(lang, &[&path.display(), &crate::i18n::os_text(reason, lang), &folder.display()])
            }
            StoreError::TooNew { found, supported } => Tr::new(
                "Die Datenbank stammt von einer neueren hofbote-Version (Schema {0}, diese Version kennt {1}). Installiere die neue Version; die Datei bleibt unverändert.",
                "The database comes from a newer hofbote (schema {0}, this version knows {1}). Install the newer version; the file is left unchanged.",
            )
            .fill(lang, &[found, supported]),
            StoreError::PhoneTaken(p) => Tr::new(
                "Die Nummer {0} gehört schon zu einem anderen Kunden.",
                "The number {0} already belongs to another customer.",
            )
            .fill(lang, &[&p.display()]),
            StoreError::NotFound(what) => Tr::new("Nicht gefunden: {0}", "Not found: {0}").fill(lang, &[what]),
            StoreError::Consent(e) => e.localized(lang),
            StoreError::Customer(e) => e.localized(lang),
            StoreError::Broadcast(e) => e.localized(lang),
            StoreError::Corrupt(what) => Tr::new(
                "Unerwarteter Wert in der Datenbank ({0}). Prüfe mit »hofbote db check«.",
                "Unexpected value in the database ({0}). Check with `hofbote db check`.",
            )
            .fill(lang, &[what]),
            StoreError::Closed => Tr::new(
                "Die Datenbankverbindung wurde beendet. Starte hofbote neu.",
                "The database connection has ended. Restart hofbote.",
            )
            .get(lang)
            .into(),
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open hofbote database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    clock: SharedClock,
    /// Key of the keyed hash, when known: lets broadcast planning show suppressed numbers as excluded.
    erasure_key: Option<Vec<u8>>,
    /// The send journal beside a database file (none for one in memory).
    journal: Option<send_journal::SendJournal>,
}

impl Store {
    /// Opens (creating if needed) the database file: directory 0700, file 0600, PRAGMAs, then migrations.
    pub fn open(path: &Path, clock: SharedClock) -> Result<Store> {
        Store::open_inner(path, clock).map_err(|e| match e {
            // SQLite says "unable to open database file" without the file: name it, and the way out.
            StoreError::Sqlite(s)
                if matches!(
                    s.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
                ) =>
            {
                StoreError::NotWritable { path: path.to_owned(), reason: s.to_string() }
            }
            e => e,
        })
    }

    fn open_inner(path: &Path, clock: SharedClock) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        let existed = path.exists();
        let conn = Connection::open(path)?;
        restrict_file(path)?;
        let journal = Some(send_journal::SendJournal::new(path));
        let mut store = Store { conn, path: path.to_owned(), clock, erasure_key: None, journal };
        store.configure()?;
        migrate::migrate(&mut store.conn, if existed { Some(path) } else { None })?;
        // The journal begins with the database, so that a restore can tell what went out after any backup of it.
        // Best effort here: a command that only reads still works in a read-only folder; sending cannot (the
        // claim writes the journal and fails with the file named).
        let now = store.now();
        if let Some(Err(e)) = store.journal.as_mut().map(|j| j.begin(now)) {
            tracing::warn!(error = %e, "the send journal could not be started");
        }
        Ok(store)
    }

    /// A private in-memory database (tests, snapshots of the schema).
    pub fn open_in_memory(clock: SharedClock) -> Result<Store> {
        let mut store = Store {
            conn: Connection::open_in_memory()?,
            path: PathBuf::from(":memory:"),
            clock,
            erasure_key: None,
            journal: None,
        };
        store.configure()?;
        migrate::migrate(&mut store.conn, None)?;
        Ok(store)
    }

    /// PRAGMAs must be set outside any transaction, before migrating: inside one they silently do nothing.
    fn configure(&mut self) -> Result<()> {
        self.conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Every write transaction takes the write lock at BEGIN. A deferred one that reads first fails at once with
        // "database is locked" (no busy wait) when the other process (TUI or service) committed in between.
        self.conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        // A consent withdrawal or a claimed outbox row must survive a power cut.
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        self.conn.pragma_update(None, "trusted_schema", "OFF")?;
        // Deleted rows are overwritten with zeros, so an erasure or retention sweep leaves no bytes behind.
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        // Checkpoint every 4,000 WAL pages (16 MB) instead of SQLite's 1,000: the hot pages of a broadcast (outbox,
        // its indexes, webhook_events) are copied into the database file once per checkpoint, so fewer checkpoints
        // write fewer bytes. Measured on 1,000 messages through `serve` + sandbox (issue 15): database-file writes
        // 9.9 MB in 2,426 pwrites with 16 fsyncs at 1,000 pages, 4.8 MB in 1,167 pwrites with 4 fsyncs at 4,000.
        // (page_size stays 4,096: 1,024 halved the WAL bytes per commit, but the backup API cannot copy between
        // page sizes into a WAL database, so backups of older files could no longer be restored.)
        self.conn.pragma_update(None, "wal_autocheckpoint", 4000)?;
        Ok(())
    }

    /// Sets the erasure key (secrets `erasure_key`, as bytes), so broadcast planning can exclude numbers on the
    /// suppression list. Without it nobody can be matched against the list.
    pub fn set_erasure_key(&mut self, key: Option<Vec<u8>>) {
        self.erasure_key = key;
    }

    pub fn erasure_key(&self) -> Option<&[u8]> {
        self.erasure_key.as_deref()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// `PRAGMA data_version`: changes when another connection committed (cheap change detection for the TUI).
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Facts for `hofbote db check`.
    pub fn check(&self) -> Result<CheckReport> {
        let user_version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let integrity: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let count = |table: &str| -> Result<i64> {
            // Table names come from the fixed list below, never from input.
            Ok(self.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
        };
        let mut counts = Vec::new();
        for table in
            ["customers", "consent_events", "templates", "broadcasts", "outbox", "webhook_events", "inbound_messages"]
        {
            counts.push((table, count(table)?));
        }
        let journal_mode: String = self.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        Ok(CheckReport {
            path: self.path.clone(),
            user_version,
            latest_version: migrate::latest_version(),
            integrity,
            counts,
            journal_mode,
            file_mode: file_mode(&self.path),
            dir_mode: self.path.parent().and_then(file_mode),
        })
    }
}

/// What `hofbote db check` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReport {
    pub path: PathBuf,
    pub user_version: i64,
    pub latest_version: i64,
    pub integrity: Vec<String>,
    pub counts: Vec<(&'static str, i64)>,
    pub journal_mode: String,
    pub file_mode: Option<u32>,
    pub dir_mode: Option<u32>,
}

impl CheckReport {
    pub fn integrity_ok(&self) -> bool {
        self.integrity == ["ok"]
    }

    /// True when group or others could read the file or enter the directory.
    pub fn permissions_too_open(&self) -> bool {
        self.file_mode.is_some_and(|m| m & 0o077 != 0) || self.dir_mode.is_some_and(|m| m & 0o077 != 0)
    }
}

fn file_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// A file error with its path; a read-only or forbidden place becomes [`StoreError::NotWritable`], which says what
/// to do.
pub fn io_err(path: &Path, e: std::io::Error) -> StoreError {
    match e.kind() {
        std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
            StoreError::NotWritable { path: path.to_owned(), reason: e.to_string() }
        }
        _ => StoreError::Io { path: path.to_owned(), message: e.to_string() },
    }
}

/// Creates `dir` (and parents) with mode 0700 for the last component.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| io_err(dir, e))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))
    }
}

/// Sets mode 0600 on the database file.
fn restrict_file(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let current = std::fs::metadata(path).map_err(|e| io_err(path, e))?.permissions().mode() & 0o777;
        if current & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| io_err(path, e))?;
        }
    }
    Ok(())
}
