//! Demo data that cannot be written through the ordinary paths: a broadcast that went out last week.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Result, Store, ts};

impl Store {
    /// Marks a freshly queued broadcast as sent at `at`: every row delivered or read (with a made-up wamid), the
    /// broadcast done. For the demo's history only.
    pub fn backdate_demo_broadcast(&mut self, broadcast_id: i64, at: DateTime<Utc>) -> Result<()> {
        let at = ts(at);
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE outbox SET state = CASE WHEN id % 4 = 0 THEN 'delivered' ELSE 'read' END, wamid = 'wamid.DEMO-H' || id,
                    attempts = 1, accepted_at = ?2, delivered_at = ?2, updated_at = ?2
             WHERE broadcast_id = ?1 AND state = 'queued'",
            params![broadcast_id, at],
        )?;
        tx.execute(
            "UPDATE broadcasts SET state = 'done', created_at = ?2, updated_at = ?2 WHERE id = ?1",
            params![broadcast_id, at],
        )?;
        tx.commit()?;
        Ok(())
    }
}
