//! What a restored database does with the rows that were still open when its backup was taken. The backup's own
//! time is written into the snapshot ([`stamp_backup_time`]); the send journal beside the live database
//! ([`super::send_journal`]) tells what went out since. Per row (all through the one row transition):
//!
//! | journal says about the row             | row was queued               | row was in flight / unknown |
//! |----------------------------------------|------------------------------|-----------------------------|
//! | Meta accepted it                       | accepted                     | accepted                    |
//! | every attempt certainly failed to go   | stays queued (if covered)    | queued again (if covered)   |
//! | an attempt without an answer           | unclear after restore        | unclear after restore       |
//! | nothing, journal began before backup   | stays queued                 | unclear after restore       |
//! | nothing, no journal from before backup | unclear after restore        | unclear after restore       |
//!
//! "Unclear after restore" (`restored`) is never sent by itself: the farmer decides per broadcast (send anyway /
//! count as sent). Rows without a broadcast (replies) that are not proven sent are cancelled: a reply days late is
//! wrong anyway. Every broadcast that was sending or scheduled is paused with reason `restored_from_backup`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::rows::{RowChange, Rows, change_rows_tx};
use super::send_journal::{Entry, JournalView};
use super::{Result, Store, parse_ts, ts};
use crate::domain::sending::Reason;
use crate::domain::sending::state::{RowEvent, RowState};

/// What [`Store::settle_restored`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Settled {
    /// When the backup was taken (or, for a backup from before hofbote wrote it, the latest time found inside).
    pub backup_taken_at: Option<DateTime<Utc>>,
    /// Whether the send journal began before the backup was taken (then rows it never saw were not sent).
    pub journal_covers: bool,
    pub broadcasts_paused: usize,
    /// Counted as sent: Meta accepted them after the backup (journal).
    pub rows_accepted: usize,
    /// Sendable again: certainly not sent since the backup.
    pub rows_queued: usize,
    /// Unclear after restore: for the farmer to decide.
    pub rows_unclear: usize,
    /// Replies not proven sent.
    pub rows_cancelled: usize,
}

/// Writes the time of a snapshot into the image (the in-memory copy, never the live file). An image from before
/// the `backup_info` table stays unstamped (a restore then falls back to the latest time inside).
pub fn stamp_backup_time(conn: &Connection, at: DateTime<Utc>) -> Result<()> {
    let stampable: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'backup_info')",
        [],
        |r| r.get(0),
    )?;
    if stampable {
        conn.execute("INSERT OR REPLACE INTO backup_info (id, taken_at) VALUES (1, ?1)", [ts(at)])?;
    }
    Ok(())
}

/// What a restore checks in a decrypted image before it trusts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFacts {
    /// `PRAGMA integrity_check`: `["ok"]` when sound.
    pub integrity: Vec<String>,
    pub user_version: i64,
    pub has_customers: bool,
}

/// Checks an image opened in memory (see [`ImageFacts`]).
pub fn image_facts(conn: &Connection) -> Result<ImageFacts> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let integrity = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let user_version = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let has_customers = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'customers')",
        [],
        |r| r.get(0),
    )?;
    Ok(ImageFacts { integrity, user_version, has_customers })
}

/// Any scratch space SQLite needs for a connection stays in memory, never in a temporary file (a decrypted image
/// must not touch the disk).
pub fn scratch_in_memory(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Rebuilds an image so no deleted bytes travel into the live file (scratch space in memory).
pub fn rebuild_image(conn: &Connection) -> Result<()> {
    scratch_in_memory(conn)?;
    conn.execute_batch("VACUUM")?;
    Ok(())
}

/// Moves the WAL into the live file after a restore (best effort: a reader may hold it; SQLite finishes later).
pub fn checkpoint(conn: &Connection) {
    let _: rusqlite::Result<i64> = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0));
}

/// What happens to one open row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Meta accepted it after the backup.
    Sent,
    /// Queued in the backup and certainly not sent since: stays queued.
    Keep,
    /// In flight or unknown in the backup, and every attempt since certainly failed: queued again.
    Requeue,
    /// Nothing proves either way.
    Unclear,
}

fn verdict(state: RowState, entry: Option<Entry>, covers: bool) -> Verdict {
    match (entry, covers) {
        (Some(Entry::Accepted), _) => Verdict::Sent,
        (Some(Entry::NotSent), true) if state == RowState::Queued => Verdict::Keep,
        (Some(Entry::NotSent), true) => Verdict::Requeue,
        (None, true) if state == RowState::Queued => Verdict::Keep,
        _ => Verdict::Unclear,
    }
}

impl Store {
    /// When the backup this database came from was taken: its stamp, or else the latest time recorded inside (the
    /// backup was taken no earlier). `None` for an empty database.
    pub fn backup_taken_at(&self) -> Result<Option<DateTime<Utc>>> {
        let stamped: Option<String> =
            self.conn.query_row("SELECT taken_at FROM backup_info WHERE id = 1", [], |r| r.get(0)).optional()?;
        let at: Option<String> = match stamped {
            Some(s) => Some(s),
            None => self.conn.query_row(
                "SELECT max(t) FROM (SELECT max(updated_at) AS t FROM outbox UNION ALL SELECT max(updated_at) FROM broadcasts
                 UNION ALL SELECT max(at) FROM audit_log)",
                [],
                |r| r.get(0),
            )?,
        };
        at.as_deref().map(parse_ts).transpose()
    }

    /// Settles every row that was open in the backup (see module docs). Runs on the restored image before it is
    /// copied into the live file.
    pub fn settle_restored(&mut self, journal: &JournalView) -> Result<Settled> {
        let now = self.now();
        let taken = self.backup_taken_at()?;
        let covers = taken.is_some_and(|t| journal.covers(t));
        let mut out = Settled { backup_taken_at: taken, journal_covers: covers, ..Settled::default() };
        let tx = self.conn.transaction()?;
        let open: Vec<(i64, String, String, Option<i64>)> = {
            let mut stmt = tx.prepare(
                "SELECT id, token, state, broadcast_id FROM outbox WHERE state IN ('queued', 'inflight', 'unknown')",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (id, token, state, broadcast) in open {
            let state: RowState =
                state.parse().map_err(|()| super::StoreError::Corrupt(format!("outbox.state of {id}")))?;
            let row = Rows::Id(id);
            let verdict = match verdict(state, journal.entries.get(&token).copied(), covers) {
                // A reply (no broadcast) not proven sent is dropped: days late, it would be wrong anyway.
                Verdict::Keep | Verdict::Requeue if broadcast.is_none() => Verdict::Unclear,
                v => v,
            };
            match verdict {
                Verdict::Sent => {
                    change_rows_tx(&tx, &RowChange::new(RowEvent::Accepted).reason(Reason::SentPerJournal), now, row)?;
                    out.rows_accepted += 1;
                }
                Verdict::Requeue => {
                    change_rows_tx(&tx, &RowChange::new(RowEvent::OutcomeUnknown), now, row)?;
                    change_rows_tx(&tx, &RowChange::new(RowEvent::Resend).reason(Reason::Retry), now, row)?;
                    out.rows_queued += 1;
                }
                Verdict::Keep => out.rows_queued += 1,
                Verdict::Unclear if broadcast.is_none() => {
                    change_rows_tx(&tx, &RowChange::new(RowEvent::Restore), now, row)?;
                    let cancel = RowChange::new(RowEvent::Cancel).reason(Reason::RestoredFromBackup);
                    change_rows_tx(&tx, &cancel, now, row)?;
                    out.rows_cancelled += 1;
                }
                Verdict::Unclear => {
                    change_rows_tx(
                        &tx,
                        &RowChange::new(RowEvent::Restore).reason(Reason::RestoredFromBackup),
                        now,
                        row,
                    )?;
                    out.rows_unclear += 1;
                }
            }
        }
        out.broadcasts_paused = tx.execute(
            "UPDATE broadcasts SET state = 'paused', state_reason = 'restored_from_backup', updated_at = ?1
             WHERE state IN ('sending', 'scheduled')",
            params![ts(now)],
        )?;
        super::outbox::finish_broadcasts_tx(&tx, &ts(now))?;
        tx.commit()?;
        Ok(out)
    }

    /// Rows of a broadcast left unclear by a restore, and when that backup was taken (for the farmer's decision).
    pub fn restored_rows(&self, broadcast: i64) -> Result<(i64, Option<DateTime<Utc>>)> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE broadcast_id = ?1 AND state = 'restored'",
            [broadcast],
            |r| r.get(0),
        )?;
        let at = if n > 0 { self.backup_taken_at()? } else { None };
        Ok((n, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_journal_or_its_silence_since_before_the_backup_settles_a_row() {
        use RowState::{Inflight, Queued, Unknown};
        assert_eq!(verdict(Queued, Some(Entry::Accepted), false), Verdict::Sent);
        assert_eq!(verdict(Unknown, Some(Entry::Accepted), true), Verdict::Sent);
        assert_eq!(verdict(Queued, None, true), Verdict::Keep);
        assert_eq!(verdict(Queued, Some(Entry::NotSent), true), Verdict::Keep);
        assert_eq!(verdict(Inflight, Some(Entry::NotSent), true), Verdict::Requeue);
        assert_eq!(verdict(Queued, Some(Entry::Intent), true), Verdict::Unclear);
        assert_eq!(verdict(Inflight, None, true), Verdict::Unclear, "sent before the journal began");
        assert_eq!(verdict(Queued, None, false), Verdict::Unclear, "no journal from before the backup");
        assert_eq!(verdict(Queued, Some(Entry::NotSent), false), Verdict::Unclear);
    }
}
