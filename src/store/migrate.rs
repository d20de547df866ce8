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
    include_str!("migrations/0008_user_ids.sql"),
    include_str!("migrations/0009_billed.sql"),
    include_str!("migrations/0010_compact_webhooks.sql"),
    include_str!("migrations/0011_name_key.sql"),
];

/// A migration that rebuilds a parent table (one other tables reference) says so on a line of its own: it runs with
/// foreign keys off, because dropping the old table with them on would cascade-delete the children's rows. Inside a
/// transaction the PRAGMA does nothing, so it is switched around the transaction, and every foreign key is checked
/// before the commit.
const FOREIGN_KEYS_OFF: &str = "This file runs with foreign keys off";

/// A migration that adds the customer list's stored order says so: SQL cannot fold names, so the rows already there
/// get their `name_key` from Rust inside the migration's transaction (never a half-keyed list after a crash).
const FILLS_NAME_KEYS: &str = "Rust fills customers.name_key";

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
        let rebuilds_parent = sql.contains(FOREIGN_KEYS_OFF);
        let keys_were_on: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        if rebuilds_parent {
            conn.pragma_update(None, "foreign_keys", "OFF")?;
        }
        let done = run_one(conn, sql, version, rebuilds_parent);
        if rebuilds_parent && keys_were_on {
            conn.pragma_update(None, "foreign_keys", "ON")?;
        }
        done?;
    }
    Ok(())
}

fn run_one(conn: &mut Connection, sql: &str, version: i64, check_keys: bool) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(sql)?;
    if sql.contains(FILLS_NAME_KEYS) {
        super::customers::fill_name_keys(&tx)?;
    }
    if check_keys {
        let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        if broken > 0 {
            return Err(StoreError::Corrupt(format!("migration {version}: {broken} broken foreign keys")));
        }
    }
    tx.pragma_update(None, "user_version", version)?;
    tx.commit()?;
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

    /// Migration 8 rebuilds customers, the parent of tags, consent, outbox and inbound rows: a version-7 file with
    /// all of them keeps every row and id (dropping the old table with foreign keys on would have cascaded), and
    /// afterwards a person known only by user id fits, while a row with neither number nor user id does not.
    #[test]
    fn user_ids_migration_keeps_every_customer_and_their_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for sql in MIGRATIONS.iter().take(7) {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 7).unwrap();
        conn.execute_batch(
            "INSERT INTO customers (id, name, first_name, phone, user_id, note, created_at, updated_at, phone_national)
                 VALUES (7, 'Jörg Müller', 'Jörg', '+491711234567', 'DE.1349', 'Notiz', 'c', 'u', '0171 1234567');
             INSERT INTO customers (id, name, phone, created_at, updated_at) VALUES (9, 'Anna', '+491721234567', 'c', 'u');
             INSERT INTO customer_tags (customer_id, tag) VALUES (7, 'Rind'), (9, 'Eier');
             INSERT INTO consent_events (customer_id, purpose, kind, source, recorded_by, occurred_at, recorded_at)
                 VALUES (7, 'marketing', 'granted', 'manual', 't', 'x', 'x');
             INSERT INTO consent_state (customer_id, purpose, state, since) VALUES (7, 'marketing', 'granted', 'x');
             INSERT INTO outbox (customer_id, phone, kind, state, created_at, updated_at)
                 VALUES (7, '+491711234567', 'service', 'queued', 'x', 'x');
             INSERT INTO inbound_messages (wamid, customer_id, from_phone, kind, received_at)
                 VALUES ('wamid.1', 9, '+491721234567', 'text', 'x');",
        )
        .unwrap();
        migrate(&mut conn, None).unwrap();
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM customers"), 2);
        assert_eq!(count("SELECT count(*) FROM customer_tags"), 2);
        assert_eq!(count("SELECT count(*) FROM consent_events WHERE customer_id = 7"), 1);
        assert_eq!(count("SELECT count(*) FROM consent_state WHERE customer_id = 7"), 1);
        assert_eq!(count("SELECT count(*) FROM outbox WHERE customer_id = 7"), 1);
        assert_eq!(count("SELECT count(*) FROM inbound_messages WHERE customer_id = 9"), 1);
        let kept: (String, String, String, String, String) = conn
            .query_row(
                "SELECT name, first_name, user_id, note, phone_national FROM customers WHERE id = 7 AND phone = '+491711234567'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(
            kept,
            ("Jörg Müller".into(), "Jörg".into(), "DE.1349".into(), "Notiz".into(), "0171 1234567".into())
        );
        let keys_on: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert!(keys_on, "foreign keys are on again after the rebuild");
        conn.execute(
            "INSERT INTO customers (name, user_id, created_at, updated_at) VALUES ('Nur Nutzer', 'US.77', 'c', 'u')",
            [],
        )
        .unwrap();
        assert!(
            conn.execute("INSERT INTO customers (name, created_at, updated_at) VALUES ('Niemand', 'c', 'u')", [])
                .is_err(),
            "neither number nor user id"
        );
        assert!(
            conn.execute(
                "INSERT INTO customers (name, phone, created_at, updated_at) VALUES ('Doppelt', '+491711234567', 'c', 'u')",
                []
            )
            .is_err(),
            "the number stays unique"
        );
        assert!(
            conn.execute(
                "INSERT INTO customers (name, user_id, created_at, updated_at) VALUES ('D', 'US.77', 'c', 'u')",
                []
            )
            .is_err(),
            "the user id stays unique"
        );
        // Deleting still cascades to the rows of the rebuilt parent.
        conn.execute("DELETE FROM customers WHERE id = 9", []).unwrap();
        assert_eq!(count("SELECT count(*) FROM customer_tags"), 1);
    }

    /// Migration 11 (issue 15): a version-9 file with customers gets each name's list key, computed in Rust inside
    /// the migration, and the list's first page comes from the name index in the German order.
    #[test]
    fn name_keys_are_filled_for_the_customers_already_there() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in MIGRATIONS.iter().take(9) {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 9).unwrap();
        let names = ["Zoë Weiß", "Ömer Yılmaz", "anna Schröder", "Mu\u{308}ller, Ana", "Olaf Berg", "Ærø Hof"];
        for (i, name) in names.iter().enumerate() {
            conn.execute(
                "INSERT INTO customers (name, phone, created_at, updated_at) VALUES (?1, ?2, 'c', 'u')",
                rusqlite::params![name, format!("+4917112345{i:02}")],
            )
            .unwrap();
        }
        migrate(&mut conn, None).unwrap();
        let rows: Vec<(String, Option<String>)> = conn
            .prepare("SELECT name, name_key FROM customers ORDER BY name_key, id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for (name, key) in &rows {
            assert_eq!(key.as_deref(), Some(crate::domain::fold::name_key(name).as_str()), "{name}");
        }
        let order: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(order, ["Ærø Hof", "anna Schröder", "Mu\u{308}ller, Ana", "Olaf Berg", "Ömer Yılmaz", "Zoë Weiß"]);
        let plan: Vec<String> = conn
            .prepare("EXPLAIN QUERY PLAN SELECT id, name FROM customers ORDER BY name_key, id LIMIT 40")
            .unwrap()
            .query_map([], |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let plan = plan.join("; ");
        assert!(plan.contains("customers_by_name_key") && !plan.contains("TEMP B-TREE"), "{plan}");
    }
}
