//! The SQL of the retention sweep (see [`crate::privacy::retention`], which decides the periods): counting or
//! deleting finished message rows, old inbound messages, broadcasts, raw webhook bodies (never one that is not
//! applied yet) and replay keys older than a cutoff; finding unconfirmed sign-ups and erased subjects whose pseudonymised ledger rows may go.

use rusqlite::{Connection, params};

use super::Result;

/// A group of rows that retention deletes once they are older than a cutoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiring {
    /// Outbox rows that are finished (accepted, delivered, read, failed, cancelled, skipped).
    FinishedRows,
    InboundMessages,
    /// Done or cancelled broadcasts whose rows are all finished and old (look before the rows go).
    Broadcasts,
    /// Raw webhook bodies that were applied, or dismissed by the farmer as unreadable. A body not applied yet is
    /// kept however old it is: it may hold a STOP, and its `webhook_subjects` (deleted with it) keep its people from
    /// being sent to until it applies.
    WebhookBodies,
    /// Replay keys of applied webhook effects.
    EffectKeys,
}

impl Expiring {
    /// `FROM … WHERE …` with the cutoff as `?1`.
    fn clause(self) -> &'static str {
        match self {
            Expiring::FinishedRows => {
                "FROM outbox WHERE state IN ('accepted', 'delivered', 'read', 'failed', 'cancelled', 'skipped') AND updated_at < ?1"
            }
            Expiring::InboundMessages => "FROM inbound_messages WHERE received_at < ?1",
            Expiring::Broadcasts => {
                "FROM broadcasts WHERE state IN ('done', 'cancelled') AND updated_at < ?1
    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.broadcast_id = broadcasts.id AND NOT
        (o.state IN ('accepted', 'delivered', 'read', 'failed', 'cancelled', 'skipped') AND o.updated_at < ?1))"
            }
            Expiring::WebhookBodies => {
                "FROM webhook_events WHERE received_at < ?1 AND (applied_at IS NOT NULL OR dismissed_at < ?1)"
            }
            Expiring::EffectKeys => "FROM applied_effects WHERE applied_at < ?1",
        }
    }
}

/// How many rows of `what` are older than `cut`.
pub fn count_expired(conn: &Connection, what: Expiring, cut: &str) -> Result<usize> {
    // The clauses are the constants above, never data.
    let n: i64 = conn.query_row(&format!("SELECT count(*) {}", what.clause()), [cut], |r| r.get(0))?;
    Ok(n as usize)
}

/// Deletes the rows of `what` older than `cut`; returns how many.
pub fn delete_expired(conn: &Connection, what: Expiring, cut: &str) -> Result<usize> {
    Ok(conn.execute(&format!("DELETE {}", what.clause()), [cut])?)
}

/// Numbers (E.164; the user id for a person who shared none) of customers who asked to sign up (a confirmation was requested) but never granted or withdrew
/// anything, and have been silent since `cut`.
pub fn unconfirmed_signups(conn: &Connection, cut: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT coalesce(c.phone, c.user_id) FROM customers c
         WHERE c.created_at < ?1
           AND EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = c.id AND e.kind = 'confirmation_requested')
           AND NOT EXISTS (SELECT 1 FROM consent_events e WHERE e.customer_id = c.id AND e.kind IN ('granted', 'withdrawn'))
           AND (SELECT max(recorded_at) FROM consent_events e WHERE e.customer_id = c.id) < ?1
           AND NOT EXISTS (SELECT 1 FROM inbound_messages i WHERE i.customer_id = c.id AND i.received_at >= ?1)
         ORDER BY c.id",
    )?;
    let phones = stmt.query_map([cut], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(phones)
}

/// Erased subjects whose pseudonymised rows may go: their `keep_until` passed, or (erased without a recorded date)
/// their newest row is older than `fallback`.
pub fn expired_subjects(conn: &Connection, now: &str, fallback: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT e.subject_hash FROM consent_events e LEFT JOIN erasures x ON x.subject_hash = e.subject_hash
         WHERE e.customer_id IS NULL AND e.subject_hash IS NOT NULL
           AND (x.keep_until <= ?1 OR (x.subject_hash IS NULL
                AND (SELECT max(f.recorded_at) FROM consent_events f WHERE f.subject_hash = e.subject_hash) < ?2))
         ORDER BY 1",
    )?;
    let hashes = stmt.query_map(params![now, fallback], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(hashes)
}

/// How many pseudonymised ledger rows one erased subject still has.
pub fn pseudonymised_rows(conn: &Connection, subject_hash: &str) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM consent_events WHERE customer_id IS NULL AND subject_hash = ?1",
        [subject_hash],
        |row| row.get(0),
    )?;
    Ok(n as usize)
}
