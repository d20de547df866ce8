//! Encrypted backups. [`create`] takes a consistent snapshot of the live database while hofbote runs — SQLite's
//! backup API into an in-memory database, serialised to bytes in memory — and streams it through `age` (scrypt
//! passphrase, or an X25519 recipient for unattended backups) into a temporary file beside the target (mode 0600),
//! renamed when complete. No unencrypted copy ever touches the disk.
//!
//! [`restore`] decrypts in memory, checks the image (`PRAGMA integrity_check`, schema version), refuses while a sender
//! holds the send lock, brings the schema up to date, erases again everyone in the erasure journal, settles every row
//! that was still open in the backup from the send journal beside the database so an old snapshot can never send a
//! message twice (`store::restore`: sent since → accepted, certainly not → queued, unclear → `restored` for the
//! farmer; broadcasts `sending`/`scheduled` → `paused` with reason `restored_from_backup`), and only then copies the
//! result into the live database with the backup API. A wrong passphrase or a damaged file fails before
//! the live database is opened, so it stays untouched. Must not prompt: the CLI asks.

use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use age::secrecy::{ExposeSecret, SecretString};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, MAIN_DB};
use serde::Serialize;

use super::erase::{read_journal, reapply_journal};
use super::{PrivacyError, io_err};
use crate::clock::SharedClock;
use crate::store::{Store, ts};

/// How a backup is encrypted.
pub enum Seal {
    Passphrase(SecretString),
    /// An age X25519 recipient (`age1…`).
    Recipient(String),
}

/// How a backup is decrypted.
pub enum Unseal {
    Passphrase(SecretString),
    /// The text of an age identity file (`AGE-SECRET-KEY-1…`).
    Identities(SecretString),
}

/// What [`create`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    pub file: PathBuf,
    /// Size of the database image inside.
    pub database_bytes: usize,
    pub encrypted_bytes: u64,
}

/// What [`restore`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    pub customers: i64,
    pub erased_again: usize,
    pub journal_lines_unreadable: usize,
    pub broadcasts_paused: usize,
    /// What became of the rows that were open in the backup.
    pub settled: crate::store::restore::Settled,
}

/// How long to wait for other connections while copying.
const BUSY_DEADLINE: Duration = Duration::from_secs(30);

/// Copies all pages in one step (one read transaction on the source: a consistent snapshot even while others
/// write), retrying while the destination is locked.
fn copy_all(from: &Connection, to: &mut Connection) -> Result<(), PrivacyError> {
    let backup = Backup::new(from, to)?;
    let deadline = Instant::now() + BUSY_DEADLINE;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            StepResult::Busy | StepResult::Locked => {
                return Err(PrivacyError::Store(crate::store::StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                    None,
                ))));
            }
            _ => {}
        }
    }
}

/// Marks an image as rollback-journal (bytes 18/19 = 1): an in-memory database cannot open a WAL-mode image. The
/// backup API sets WAL again when copying into the live file.
fn clear_wal_flag(image: &mut [u8]) {
    if image.len() > 19 {
        image[18] = 1;
        image[19] = 1;
    }
}

/// A consistent snapshot of the database at `db` as bytes (never written to disk), stamped with the time it was
/// taken (`taken_at`, which a restore compares with the send journal).
pub fn snapshot(db: &Path, taken_at: chrono::DateTime<chrono::Utc>) -> Result<Vec<u8>, PrivacyError> {
    if !db.is_file() {
        return Err(io_err(db, std::io::Error::from(std::io::ErrorKind::NotFound)));
    }
    let src = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    src.busy_timeout(BUSY_DEADLINE)?;
    let mut mem = Connection::open_in_memory()?;
    copy_all(&src, &mut mem)?;
    crate::store::restore::stamp_backup_time(&mem, taken_at)?;
    let mut image = mem.serialize(MAIN_DB)?.to_vec();
    clear_wal_flag(&mut image);
    Ok(image)
}

/// Writes an encrypted snapshot of `db` to `out` (see module docs).
pub fn create(
    db: &Path,
    out: &Path,
    seal: &Seal,
    taken_at: chrono::DateTime<chrono::Utc>,
) -> Result<BackupInfo, PrivacyError> {
    let mut image = snapshot(db, taken_at)?;
    let result = write_encrypted(&image, out, seal);
    image.fill(0);
    let encrypted_bytes = result?;
    Ok(BackupInfo { file: out.to_owned(), database_bytes: image.len(), encrypted_bytes })
}

fn encryptor(seal: &Seal) -> Result<age::Encryptor, PrivacyError> {
    match seal {
        Seal::Passphrase(p) => Ok(age::Encryptor::with_user_passphrase(p.clone())),
        Seal::Recipient(r) => {
            let recipient: age::x25519::Recipient =
                r.trim().parse().map_err(|e: &str| PrivacyError::Encryption(format!("[backup] recipient: {e}")))?;
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| PrivacyError::Encryption(e.to_string()))
        }
    }
}

fn write_encrypted(image: &[u8], out: &Path, seal: &Seal) -> Result<u64, PrivacyError> {
    let encryptor = encryptor(seal)?;
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("backup");
    let tmp = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(&tmp).map_err(|e| io_err(&tmp, e))?;
    let written = (|| -> std::io::Result<u64> {
        let mut w = encryptor.wrap_output(std::io::BufWriter::new(file))?;
        w.write_all(image)?;
        let mut inner = w.finish()?;
        inner.flush()?;
        let file = inner.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        file.metadata().map(|m| m.len())
    })();
    match written {
        Ok(n) => {
            std::fs::rename(&tmp, out).map_err(|e| io_err(out, e))?;
            Ok(n)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(io_err(out, e))
        }
    }
}

/// Decrypts a backup file into the database image (in memory), checking it is complete and a SQLite database.
pub fn decrypt(file: &Path, unseal: &Unseal) -> Result<Vec<u8>, PrivacyError> {
    let ciphertext = std::fs::read(file).map_err(|e| io_err(file, e))?;
    let damaged = |e: &dyn std::fmt::Display| PrivacyError::Damaged(e.to_string());
    let decryptor = age::Decryptor::new_buffered(&ciphertext[..]).map_err(|e| map_decrypt(e, &damaged))?;
    let reader = match unseal {
        Unseal::Passphrase(p) => {
            let identity = age::scrypt::Identity::new(p.clone());
            decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity))
        }
        Unseal::Identities(text) => {
            let ids = age::IdentityFile::from_buffer(BufReader::new(text.expose_secret().as_bytes()))
                .map_err(|e| PrivacyError::Encryption(e.to_string()))?
                .into_identities()
                .map_err(|e| PrivacyError::Encryption(e.to_string()))?;
            decryptor.decrypt(ids.iter().map(|i| i.as_ref() as &dyn age::Identity))
        }
    };
    let mut reader = reader.map_err(|e| map_decrypt(e, &damaged))?;
    let mut image = Vec::with_capacity(ciphertext.len());
    if let Err(e) = reader.read_to_end(&mut image) {
        image.fill(0);
        return Err(damaged(&e));
    }
    if !image.starts_with(b"SQLite format 3\0") {
        image.fill(0);
        return Err(PrivacyError::Damaged("not a SQLite database".into()));
    }
    clear_wal_flag(&mut image);
    Ok(image)
}

fn map_decrypt(e: age::DecryptError, damaged: &dyn Fn(&dyn std::fmt::Display) -> PrivacyError) -> PrivacyError {
    match e {
        age::DecryptError::DecryptionFailed
        | age::DecryptError::KeyDecryptionFailed
        | age::DecryptError::NoMatchingKeys => PrivacyError::WrongKey,
        other => damaged(&other),
    }
}

/// Opens a decrypted image as a checked in-memory [`Store`] on the current schema.
pub fn open_image(mut image: Vec<u8>, clock: SharedClock) -> Result<Store, PrivacyError> {
    let mut snap = Connection::open_in_memory()?;
    let len = image.len();
    let loaded = snap.deserialize_read_exact(MAIN_DB, &image[..], len, false);
    image.fill(0);
    loaded.map_err(|e| PrivacyError::Damaged(e.to_string()))?;
    // Any scratch space SQLite needs for the checks stays in memory, never in a temporary file.
    crate::store::restore::scratch_in_memory(&snap)?;
    let facts = crate::store::restore::image_facts(&snap).map_err(|e| PrivacyError::Damaged(e.to_string()))?;
    if facts.integrity != ["ok"] {
        return Err(PrivacyError::Damaged(format!("integrity_check: {}", facts.integrity.join("; "))));
    }
    let (version, has_customers) = (facts.user_version, facts.has_customers);
    if version < 1 || !has_customers {
        return Err(PrivacyError::Damaged("not a hofbote database".into()));
    }
    let latest = crate::store::migrate::latest_version();
    if version > latest {
        return Err(crate::store::StoreError::TooNew { found: version, supported: latest }.into());
    }
    let mut store = Store::open_in_memory(clock)?;
    crate::store::restore::scratch_in_memory(store.conn())?;
    copy_all(&snap, store.conn_mut())?;
    drop(snap);
    crate::store::migrate::migrate(store.conn_mut(), None)?;
    Ok(store)
}

/// What [`restore`] needs besides the file.
pub struct RestoreTarget<'a> {
    pub db: &'a Path,
    pub journal: &'a Path,
    pub erasure_key: &'a [u8],
    pub ledger_years: u32,
    pub actor: &'a str,
    pub clock: SharedClock,
}

/// Restores a backup into the live database (see module docs).
pub fn restore(file: &Path, unseal: &Unseal, target: &RestoreTarget<'_>) -> Result<RestoreReport, PrivacyError> {
    if crate::queue::lock::is_held(target.db) || crate::queue::lock::someone_waits(target.db) {
        return Err(PrivacyError::SenderRunning);
    }
    let image = decrypt(file, unseal)?;
    let mut store = open_image(image, target.clock.clone())?;
    let (journal, bad) = read_journal(target.journal)?;
    let mut report = RestoreReport { journal_lines_unreadable: bad, ..Default::default() };
    report.erased_again = reapply_journal(&mut store, target.erasure_key, &journal, target.actor, target.ledger_years)?;
    // What was open in the backup is settled from the send journal, which survives the restore.
    let sends = crate::store::send_journal::read(&crate::store::send_journal::path_for(target.db))?;
    report.settled = store.settle_restored(&sends)?;
    report.broadcasts_paused = report.settled.broadcasts_paused;
    report.customers = store.customer_count()?;
    // Rebuild the image so no deleted bytes travel into the live file (temporary data stays in memory).
    crate::store::restore::rebuild_image(store.conn())?;
    store.audit(
        target.actor,
        "backup_restored",
        &format!(
            "{} customers, {} erased again, {} broadcasts paused",
            report.customers, report.erased_again, report.broadcasts_paused
        ),
    )?;
    // Checked again right before the live file is touched.
    if crate::queue::lock::is_held(target.db) || crate::queue::lock::someone_waits(target.db) {
        return Err(PrivacyError::SenderRunning);
    }
    if let Some(dir) = target.db.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::store::create_private_dir(dir)?;
    }
    let mut live = Connection::open(target.db)?;
    live.busy_timeout(BUSY_DEADLINE)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(target.db, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io_err(target.db, e))?;
    }
    copy_all(store.conn(), &mut live)?;
    crate::store::restore::checkpoint(&live);
    Ok(report)
}

/// A new age key pair for unattended backups: writes the identity (secret) to `identity_file` (mode 0600, never
/// overwritten) and returns the recipient (`age1…`) for `[backup] recipient`.
pub fn keygen(identity_file: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<String, PrivacyError> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(identity_file).map_err(|e| io_err(identity_file, e))?;
    let text = format!(
        "# hofbote backup key, created {}\n# public key: {recipient}\n{}\n",
        ts(now),
        identity.to_string().expose_secret()
    );
    f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| io_err(identity_file, e))?;
    Ok(recipient)
}

/// The default file name in `[backup] directory`: `hofbote-2026-11-27-1000.sqlite.age` (Berlin time).
pub fn default_file_name(now: chrono::DateTime<chrono::Utc>) -> String {
    format!("hofbote-{}.sqlite.age", now.with_timezone(&chrono_tz::Europe::Berlin).format("%Y-%m-%d-%H%M"))
}
