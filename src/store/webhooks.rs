//! Raw webhook bodies: stored durably before the receiver answers 200, then applied; failures keep their error and
//! can be re-applied. Also the "last webhook seen" fact the send queue uses to judge whether webhooks work.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store, parse_ts, ts};

/// A stored body waiting to be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWebhook {
    pub id: i64,
    pub body: Vec<u8>,
    pub received_at: chrono::DateTime<chrono::Utc>,
}

impl Store {
    /// Stores several bodies in ONE transaction (group commit for concurrent deliveries); returns their ids.
    pub fn store_webhook_bodies(&mut self, bodies: &[Vec<u8>]) -> Result<Vec<i64>> {
        let now = ts(self.now());
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(bodies.len());
        {
            let mut stmt = tx.prepare_cached("INSERT INTO webhook_events (received_at, body) VALUES (?1, ?2)")?;
            for body in bodies {
                stmt.execute(params![now, body])?;
                ids.push(tx.last_insert_rowid());
            }
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('last_webhook_at', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [&now],
            )?;
        }
        tx.commit()?;
        Ok(ids)
    }

    /// Bodies not yet applied and without an error, oldest first.
    pub fn unapplied_webhooks(&self, limit: usize) -> Result<Vec<StoredWebhook>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body, received_at FROM webhook_events WHERE applied_at IS NULL AND error IS NULL ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body, at) = row?;
            out.push(StoredWebhook { id, body, received_at: parse_ts(&at)? });
        }
        Ok(out)
    }

    /// Records that applying a body failed; it stays for review.
    pub fn mark_webhook_failed(&mut self, id: i64, error: &str) -> Result<()> {
        self.conn.execute("UPDATE webhook_events SET error = ?2 WHERE id = ?1", params![id, error])?;
        Ok(())
    }

    /// Makes failed bodies eligible again; returns how many.
    pub fn retry_failed_webhooks(&mut self) -> Result<usize> {
        Ok(self
            .conn
            .execute("UPDATE webhook_events SET error = NULL WHERE applied_at IS NULL AND error IS NOT NULL", [])?)
    }

    /// Failed bodies with their error (for review).
    pub fn failed_webhooks(&self) -> Result<Vec<(i64, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, error FROM webhook_events WHERE applied_at IS NULL AND error IS NOT NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// When the last webhook arrived (any process).
    pub fn last_webhook_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let v: Option<String> =
            self.conn.query_row("SELECT value FROM meta WHERE key = 'last_webhook_at'", [], |r| r.get(0)).optional()?;
        v.as_deref().map(parse_ts).transpose()
    }
}
