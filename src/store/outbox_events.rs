//! Outbox row changes that come from outside the send worker: delivery statuses from webhooks (accepted, delivered,
//! read, failed) and the cancellation of queued rows when a person withdraws. Each takes a typed [`RowEvent`] and lets
//! [`transition`] decide the new state, so every writer moves rows by the same state machine. Runs inside the caller's
//! transaction; decides nothing about consent.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Result, StoreError, ts};
use crate::domain::consent::Purpose;
use crate::queue::state::{RowEvent, RowState, transition};

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

/// The row with this wamid, else the row whose id was sent as callback data (a status that overtook the send
/// response), else `None`.
pub fn row_for_status_tx(tx: &Transaction<'_>, wamid: &str, callback_id: Option<i64>) -> Result<Option<StatusRow>> {
    let mut row =
        tx.query_row("SELECT id, state, customer_id FROM outbox WHERE wamid = ?1", [wamid], row_from).optional()?;
    if row.is_none()
        && let Some(id) = callback_id
    {
        row = tx.query_row("SELECT id, state, customer_id FROM outbox WHERE id = ?1", [id], row_from).optional()?;
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
    tx.execute("UPDATE outbox SET wamid = coalesce(wamid, ?2) WHERE id = ?1", params![row.id, report.wamid])?;
    if let Some(category) = report.pricing_category {
        tx.execute("UPDATE outbox SET pricing_category = ?2 WHERE id = ?1", params![row.id, category])?;
    }
    let Some(next) = report.event.and_then(|e| transition(row.state, e)) else { return Ok(None) };
    let (when, now) = (ts(report.at), ts(now));
    match next {
        RowState::Accepted | RowState::Delivered | RowState::Read => {
            tx.execute(
                "UPDATE outbox SET state = ?2, reason = '', updated_at = ?4,
                        accepted_at = coalesce(accepted_at, ?3),
                        delivered_at = CASE WHEN ?2 IN ('delivered', 'read') THEN coalesce(delivered_at, ?3) ELSE delivered_at END,
                        read_at = CASE WHEN ?2 = 'read' THEN coalesce(read_at, ?3) ELSE read_at END
                 WHERE id = ?1 AND state = ?5",
                params![row.id, next.as_str(), when, now, row.state.as_str()],
            )?;
        }
        RowState::Failed => {
            tx.execute(
                "UPDATE outbox SET state = ?2, error_code = ?3, reason = ?4, updated_at = ?5 WHERE id = ?1 AND state = ?6",
                params![row.id, next.as_str(), report.error_code, report.reason, now, row.state.as_str()],
            )?;
        }
        // Status events lead to none of these; keep the row as it is rather than write a state nobody asked for.
        RowState::Queued | RowState::Inflight | RowState::Unknown | RowState::Cancelled | RowState::Skipped => {
            return Ok(None);
        }
    }
    Ok(Some(next))
}

/// A withdrawal stops what is still queued for that person and purpose ([`RowEvent::Cancel`] on queued rows), in the
/// caller's transaction. Returns how many rows were cancelled.
pub fn cancel_queued_on_withdrawal_tx(
    tx: &Transaction<'_>,
    customer_id: i64,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<usize> {
    let from = RowState::Queued;
    let Some(to) = transition(from, RowEvent::Cancel) else { return Ok(0) };
    Ok(tx.execute(
        "UPDATE outbox SET state = ?4, reason = 'withdrawn', updated_at = ?3
         WHERE customer_id = ?1 AND kind = ?2 AND state = ?5",
        params![customer_id, purpose.as_str(), ts(now), to.as_str(), from.as_str()],
    )?)
}
