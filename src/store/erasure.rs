//! The SQL of an erasure beyond the ledger (see [`crate::privacy::erase`], which decides what goes): finding a
//! person's wamids and numbers, counting and deleting their outbox rows and inbound messages, rewriting or deleting
//! raw webhook bodies, replay keys, masking mentions in free-text columns, and compacting the file afterwards. The
//! `_tx` functions run inside the caller's one erasure transaction. The ledger itself is pseudonymised only through
//! [`super::consent::erase_customer_tx`].

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Result, parse_ts};

/// Who is erased, as stored text can name them.
#[derive(Debug, Clone)]
pub struct Person<'a> {
    /// Their customer id, if they are a customer.
    pub customer_id: Option<i64>,
    /// Number in E.164 (`+49…`), as in `outbox.phone` and `customers.phone`.
    pub e164: &'a str,
    /// Number as WhatsApp writes it (`49…`), as in `inbound_messages.from_phone` of unknown senders.
    pub digits: String,
    /// Business-scoped user id, if known.
    pub user_id: Option<&'a str>,
}

/// Wamids of the person's outbox rows and inbound messages.
pub fn wamids_of(conn: &Connection, p: &Person<'_>) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT wamid FROM outbox WHERE wamid IS NOT NULL AND (customer_id IS ?1 OR phone = ?2)
         UNION SELECT wamid FROM inbound_messages WHERE customer_id IS ?1 OR from_phone IN (?2, ?3)
             OR (?4 IS NOT NULL AND user_id = ?4)",
    )?;
    let rows = stmt.query_map(params![p.customer_id.unwrap_or(-1), p.e164, &p.digits, p.user_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The evidence texts of a customer's ledger rows (they may quote wamids).
pub fn ledger_evidence(conn: &Connection, customer_id: Option<i64>) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT evidence FROM consent_events WHERE customer_id = ?1")?;
    let rows = stmt.query_map([customer_id.unwrap_or(-1)], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Rows an erasure would touch: (ledger rows, outbox rows, inbound messages).
pub fn preview_counts(conn: &Connection, p: &Person<'_>) -> Result<(i64, i64, i64)> {
    let cid = p.customer_id.unwrap_or(-1);
    let ledger = conn.query_row("SELECT count(*) FROM consent_events WHERE customer_id = ?1", [cid], |r| r.get(0))?;
    let outbox = conn.query_row(
        "SELECT count(*) FROM outbox WHERE customer_id = ?1 OR phone = ?2",
        params![cid, p.e164],
        |r| r.get(0),
    )?;
    let inbound = conn.query_row(
        "SELECT count(*) FROM inbound_messages WHERE customer_id = ?1 OR from_phone IN (?2, ?3)",
        params![cid, p.e164, &p.digits],
        |r| r.get(0),
    )?;
    Ok((ledger, outbox, inbound))
}

/// A customer's outbox rows and inbound messages (they go with the customer row): (outbox, inbound).
pub fn customer_rows_tx(tx: &Transaction<'_>, customer_id: i64) -> Result<(usize, usize)> {
    let count = |sql: &str| tx.query_row(sql, [customer_id], |r| r.get::<_, i64>(0)).map(|n| n as usize);
    Ok((
        count("SELECT count(*) FROM outbox WHERE customer_id = ?1")?,
        count("SELECT count(*) FROM inbound_messages WHERE customer_id = ?1")?,
    ))
}

/// Deletes what is left of the person without a customer link: outbox rows to the number, inbound messages from it
/// or their user id, and rows carrying one of `wamids`. Returns (outbox rows, inbound messages).
pub fn delete_traces_tx(tx: &Transaction<'_>, p: &Person<'_>, wamids: &[String]) -> Result<(usize, usize)> {
    let mut outbox = tx.execute("DELETE FROM outbox WHERE phone = ?1", [p.e164])?;
    let mut inbound = tx.execute(
        "DELETE FROM inbound_messages WHERE from_phone IN (?1, ?2) OR (?3 IS NOT NULL AND user_id = ?3)",
        params![p.e164, &p.digits, p.user_id],
    )?;
    for w in wamids {
        inbound += tx.execute("DELETE FROM inbound_messages WHERE wamid = ?1", [w])?;
        outbox += tx.execute("DELETE FROM outbox WHERE wamid = ?1", [w])?;
    }
    Ok((outbox, inbound))
}

/// A stored raw webhook body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBody {
    pub id: i64,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub body: Vec<u8>,
}

/// Every stored raw webhook body, oldest first.
pub fn webhook_bodies(conn: &Connection) -> Result<Vec<StoredBody>> {
    let mut stmt = conn.prepare("SELECT id, received_at, body, body_format FROM webhook_events ORDER BY id")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id = r.get(0)?;
        let body = super::webhooks::unpack_stored(id, r.get(2)?, r.get(3)?)?;
        out.push(StoredBody { id, received_at: parse_ts(&r.get::<_, String>(1)?)?, body });
    }
    Ok(out)
}

/// Replaces a raw webhook body with its redacted form, stored as it is (format 0: the trigger
/// `webhook_subjects_follow_body` reads the new body's text).
pub fn replace_webhook_body_tx(tx: &Transaction<'_>, id: i64, body: &[u8]) -> Result<()> {
    tx.execute("UPDATE webhook_events SET body = ?2, body_format = 0 WHERE id = ?1", params![id, body])?;
    Ok(())
}

/// Deletes a raw webhook body (one that cannot be redacted).
pub fn delete_webhook_body_tx(tx: &Transaction<'_>, id: i64) -> Result<()> {
    tx.execute("DELETE FROM webhook_events WHERE id = ?1", [id])?;
    Ok(())
}

/// Deletes the replay keys that contain `needle` (a wamid, number or user id). Returns how many.
pub fn delete_effect_keys_tx(tx: &Transaction<'_>, needle: &str) -> Result<usize> {
    // instr(key, '') is 1 for every key: an empty needle (a person without a number has no digits) matches nobody.
    if needle.is_empty() {
        return Ok(0);
    }
    Ok(tx.execute("DELETE FROM applied_effects WHERE instr(key, ?1) > 0", [needle])?)
}

/// Free-text columns that may mention a person (error details, audit notes).
const MENTION_COLUMNS: [(&str, &str); 5] = [
    ("audit_log", "detail"),
    ("alerts", "message"),
    ("webhook_events", "error"),
    ("outbox", "reason"),
    ("meta", "value"),
];

/// Replaces every occurrence of each of `spellings` in the free-text columns with `mask`.
pub fn mask_mentions_tx(tx: &Transaction<'_>, spellings: &[String], mask: &str) -> Result<()> {
    for (table, column) in MENTION_COLUMNS {
        // Table and column names are the constants above, never data.
        let sql = format!("UPDATE {table} SET {column} = replace({column}, ?1, ?2) WHERE instr({column}, ?1) > 0");
        let mut stmt = tx.prepare(&sql)?;
        for s in spellings.iter().filter(|s| !s.is_empty()) {
            stmt.execute(params![s, mask])?;
        }
    }
    Ok(())
}

/// Records an erasure without a customer row in the audit log (whom is never written).
pub fn audit_erased_without_customer_tx(
    tx: &Transaction<'_>,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    super::audit::audit_tx(tx, actor, "customer_erased", "no customer row", now)
}

/// `VACUUM` (temporary data kept in memory) and `wal_checkpoint(TRUNCATE)`: afterwards neither the database file nor
/// its WAL holds deleted bytes. Returns false when another process kept the WAL busy.
pub fn compact(conn: &mut Connection) -> Result<bool> {
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.execute_batch("VACUUM")?;
    checkpoint(conn)
}

/// `wal_checkpoint(TRUNCATE)`; false when another process kept the WAL busy.
pub fn checkpoint(conn: &Connection) -> Result<bool> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
}

/// Every number on file: customers, outbox rows, senders of inbound messages (as stored, with or without `+`).
pub fn numbers_on_file(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT phone FROM customers WHERE phone IS NOT NULL UNION SELECT user_id FROM customers WHERE user_id IS NOT NULL
         UNION SELECT phone FROM outbox UNION SELECT from_phone FROM inbound_messages WHERE from_phone IS NOT NULL
         UNION SELECT user_id FROM inbound_messages WHERE user_id IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Until when the pseudonymised ledger rows of an erased subject are kept, if they still are.
pub fn kept_until(conn: &Connection, subject_hash: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let v: Option<String> = conn
        .query_row("SELECT keep_until FROM erasures WHERE subject_hash = ?1", [subject_hash], |r| r.get(0))
        .optional()?;
    v.as_deref().map(parse_ts).transpose()
}
