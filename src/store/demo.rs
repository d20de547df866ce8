//! Demo data that cannot be written through the ordinary paths: a broadcast that went out last week.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::rows::{RowChange, Rows, change_rows_tx};
use super::{Result, Store, ts};
use crate::domain::sending::Reason;
use crate::domain::sending::state::RowEvent;

impl Store {
    /// Marks a freshly queued broadcast as sent at `at`: every row delivered or read (with a made-up wamid), the
    /// broadcast done. For the demo's history only.
    pub fn backdate_demo_broadcast(&mut self, broadcast_id: i64, at: DateTime<Utc>) -> Result<()> {
        let when = at;
        let at = ts(at);
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE outbox SET wamid = 'wamid.DEMO-H' || id, attempts = 1 WHERE broadcast_id = ?1 AND state = 'queued'",
            params![broadcast_id],
        )?;
        // Every fourth delivered, the others read — through the one row transition, as a status webhook would.
        for (event, rest) in [(RowEvent::Delivered, 0), (RowEvent::Read, 1), (RowEvent::Read, 2), (RowEvent::Read, 3)] {
            let change = RowChange::new(event).reason(Reason::None).at(when);
            change_rows_tx(
                &tx,
                &change,
                when,
                Rows::Where("broadcast_id = ?1 AND id % 4 = ?2", &[&broadcast_id, &rest]),
            )?;
        }
        tx.execute("UPDATE outbox SET updated_at = ?2 WHERE broadcast_id = ?1", params![broadcast_id, at])?;
        tx.execute(
            "UPDATE broadcasts SET state = 'done', created_at = ?2, updated_at = ?2 WHERE id = ?1",
            params![broadcast_id, at],
        )?;
        tx.commit()?;
        Ok(())
    }
}
