//! Delivery statuses from webhooks (accepted, delivered, read, failed) on outbox rows: finding the row (wamid, else
//! the token in the callback data) and moving it with a typed [`RowEvent`] through the one row transition
//! (`store::rows::change_rows_tx`). Runs inside the caller's transaction; decides nothing about consent.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::rows::{RowChange, Rows, change_rows_tx, token_of_callback};
use super::{Result, StoreError};
use crate::domain::sending::Reason;
use crate::domain::sending::state::{RowEvent, RowState, transition};

/// The outbox row a delivery status is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    pub id: i64,
    pub state: RowState,
    pub customer_id: Option<i64>,
}

/// What a status webhook reports for one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport<'a> {
    /// Meta's id of the message (kept when the row has none yet).
    pub wamid: &'a str,
    pub pricing_category: Option<&'a str>,
    /// `Accepted`, `Delivered`, `Read` or `Fail`; `None` for statuses hofbote does not track.
    pub event: Option<RowEvent>,
    /// When it happened (Meta's timestamp).
    pub at: DateTime<Utc>,
    /// For `Fail`: Meta's error code and title.
    pub error_code: Option<i64>,
    pub reason: &'a str,
}

fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, Option<i64>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

/// The row with this wamid, else the row whose token was sent as callback data (a status that overtook the send
/// response, or one for a row left unclear by a crash), else `None`. Never by id: ids are reused after a restore.
pub fn row_for_status_tx(tx: &Transaction<'_>, wamid: &str, callback: Option<&str>) -> Result<Option<StatusRow>> {
    let mut row =
        tx.query_row("SELECT id, state, customer_id FROM outbox WHERE wamid = ?1", [wamid], row_from).optional()?;
    if row.is_none()
        && let Some(token) = callback.map(token_of_callback)
    {
        row =
            tx.query_row("SELECT id, state, customer_id FROM outbox WHERE token = ?1", [token], row_from).optional()?;
    }
    row.map(|(id, state, customer_id)| {
        let state = state.parse().map_err(|()| StoreError::Corrupt("outbox.state".into()))?;
        Ok(StatusRow { id, state, customer_id })
    })
    .transpose()
}

/// Applies a status to its row: keeps the wamid and the pricing category, then moves the row when [`transition`]
/// allows the event (forward only: a late `delivered` after `read` changes nothing). A move to delivered or read
/// also fills the earlier times that were skipped. Returns the new state, or `None` when the row stayed.
pub fn apply_status_tx(
    tx: &Transaction<'_>,
    row: &StatusRow,
    report: &StatusReport<'_>,
    now: DateTime<Utc>,
) -> Result<Option<RowState>> {
    // Only when it is missing: `SET wamid = coalesce(wamid, ?)` rewrote the row and its entry in the unique wamid
    // index for every status although the value stayed (issue 15: ~1.2 WAL pages per message at 80/s).
    tx.execute("UPDATE outbox SET wamid = ?2 WHERE id = ?1 AND wamid IS NULL", params![row.id, report.wamid])?;
    if let Some(category) = report.pricing_category {
        tx.execute("UPDATE outbox SET pricing_category = ?2 WHERE id = ?1", params![row.id, category])?;
    }
    let Some(event) = report.event else { return Ok(None) };
    let Some(next) = transition(row.state, event) else { return Ok(None) };
    let mut change = RowChange::new(event).only(row.state).at(report.at);
    change = match event {
        RowEvent::Fail => change.code(report.error_code).reason(Reason::parse(report.reason)),
        _ => change.reason(Reason::None),
    };
    let changed = change_rows_tx(tx, &change, now, Rows::Id(row.id))?;
    Ok((changed > 0).then_some(next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// A status for a row that has its wamid and does not move it (a late `delivered` after `read`) writes nothing:
    /// no rewrite of the row nor of its entry in the unique wamid index (issue 15).
    #[test]
    fn a_status_that_changes_nothing_writes_nothing() {
        let mut store = Store::open_in_memory(crate::clock::system()).unwrap();
        store
            .conn()
            .execute_batch(
                "INSERT INTO outbox (id, phone, kind, state, wamid, token, created_at, updated_at)
                 VALUES (1, '+491711234567', 'marketing', 'read', 'wamid.X', 't1', 'x', 'x'),
                        (2, '+491711234568', 'marketing', 'accepted', NULL, 't2', 'x', 'x');",
            )
            .unwrap();
        let now = store.now();
        let tx = store.conn_mut().transaction().unwrap();
        let report = |wamid| StatusReport {
            wamid,
            pricing_category: None,
            event: Some(RowEvent::Delivered),
            at: now,
            error_code: None,
            reason: "",
        };
        let row = row_for_status_tx(&tx, "wamid.X", None).unwrap().unwrap();
        let before = tx.total_changes();
        assert_eq!(apply_status_tx(&tx, &row, &report("wamid.X"), now).unwrap(), None);
        assert_eq!(tx.total_changes(), before, "nothing written");
        // A row without its wamid yet (the status overtook the send response) gets it.
        let row = row_for_status_tx(&tx, "wamid.Y", Some("t2")).unwrap().unwrap();
        apply_status_tx(&tx, &row, &report("wamid.Y"), now).unwrap();
        let wamid: String = tx.query_row("SELECT wamid FROM outbox WHERE id = 2", [], |r| r.get(0)).unwrap();
        assert_eq!(wamid, "wamid.Y");
    }
}
