//! Append-only schema migrations keyed by `PRAGMA user_version`. A shipped migration is never edited; a new file
//! is added. Before migrating an existing file it is copied to `<file>.pre-vN`. A database newer than this binary
//! is refused untouched.
//!
//! We use our own ~60 lines instead of rusqlite_migration: that crate pins rusqlite 0.40 (and MSRV 1.95), which would
//! hold our SQLite back; the logic needed here is small and fully tested.

use std::path::Path;

use rusqlite::Connection;

use super::{Result, StoreError, io_err};

/// The migrations, in order; index + 1 is the version they produce.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_erasures.sql"),
    include_str!("migrations/0003_outbox_by_phone.sql"),
    include_str!("migrations/0004_phone_forms.sql"),
    include_str!("migrations/0005_webhook_retry.sql"),
    include_str!("migrations/0006_outbox_tokens.sql"),
    include_str!("migrations/0007_signups.sql"),
    include_str!("migrations/0008_billed.sql"),
];

pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the schema to the latest version. `existing_file` is set when the file existed before opening.
pub fn migrate(conn: &mut Connection, existing_file: Option<&Path>) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let latest = latest_version();
    if current > latest {
        return Err(StoreError::TooNew { found: current, supported: latest });
    }
    if current == latest {
        return Ok(());
    }
    if let Some(path) = existing_file.filter(|_| current > 0) {
        backup_before_migration(conn, path, current)?;
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as i64 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// Copies the database to `<file>.pre-v<current>` (consistent: checkpoints the WAL first).
fn backup_before_migration(conn: &Connection, path: &Path, current: i64) -> Result<()> {
    let mut target = path.as_os_str().to_owned();
    target.push(format!(".pre-v{current}"));
    let target = std::path::PathBuf::from(target);
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    std::fs::copy(path, &target).map_err(|e| io_err(&target, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).map_err(|e| io_err(&target, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, None).unwrap();
        migrate(&mut conn, None).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, latest_version());
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'customers'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(tables, 1);
    }

    #[test]
    fn an_older_file_is_copied_before_migrating_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO customers (name, phone, created_at, updated_at) VALUES ('Jörg', '+491711234567', 'x', 'x')",
                [],
            )
            .unwrap();
        }
        let store = super::super::Store::open(&path, crate::clock::system()).unwrap();
        let v: i64 = store.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, latest_version());
        let n: i64 = store.conn().query_row("SELECT count(*) FROM customers", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1);
        let copy = dir.path().join("h.sqlite.pre-v1");
        let old = Connection::open(&copy).unwrap();
        let v: i64 = old.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 1, "the copy is the file as it was before");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_newer_database_is_refused_untouched() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 1).unwrap();
        let err = migrate(&mut conn, None).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { found, .. } if found == latest_version() + 1));
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0);
    }

    /// Migration 5: bodies that were waiting have no subjects written; they pause marketing until applied.
    #[test]
    fn bodies_waiting_before_the_migration_pause_marketing_until_applied() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in MIGRATIONS.iter().take(4) {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 4).unwrap();
        conn.execute("INSERT INTO webhook_events (received_at, body) VALUES ('x', x'7b7d')", []).unwrap();
        conn.execute("INSERT INTO webhook_events (received_at, body, applied_at) VALUES ('x', x'7b7d', 'y')", [])
            .unwrap();
        migrate(&mut conn, None).unwrap();
        let subjects: Vec<(i64, String)> = conn
            .prepare("SELECT event_id, kind FROM webhook_subjects")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(subjects, [(1, "unknown".to_owned())], "only the unapplied one");
    }
}
