//! The one way an outbox row changes state: [`change_rows_tx`] applies a row event ([`RowChange`]) to the selected
//! rows that are in one of the event's source states — derived from `domain::sending::state::transition` — with the
//! columns the event records. Claim, send results, crash recovery, reconciliation, withdrawals, the farmer's
//! decisions, status webhooks and restores all go through it. Also: the row token behind Meta's callback data.

use chrono::{DateTime, Utc};

use super::{Result, ts};
use crate::domain::sending::Reason;
use crate::domain::sending::state::{RowEvent, RowState};

/// The row token named by the callback data Meta echoes: the token itself, or for a request written before tokens
/// existed (the callback data was the row id) the token the migration gave that row (`legacy-<id>`). A new row's
/// token is random, so an old message's status can never land on it, whatever its id.
pub fn token_of_callback(callback: &str) -> String {
    if !callback.is_empty() && callback.bytes().all(|b| b.is_ascii_digit()) {
        format!("legacy-{callback}")
    } else {
        callback.to_owned()
    }
}

/// Which rows a [`RowChange`] is applied to (always narrowed further to the states its event applies in).
#[derive(Clone, Copy)]
pub(crate) enum Rows<'a> {
    Id(i64),
    Broadcast(i64),
    /// One customer's rows of one kind (`marketing`, `service`, `reply_in_window`).
    CustomerKind(i64, &'a str),
    All,
    /// A condition on the outbox with its own parameters `?1…`.
    Where(&'a str, &'a [&'a dyn rusqlite::ToSql]),
}

/// One event for outbox rows and what it records besides the new state.
#[derive(Debug, Clone)]
pub(crate) struct RowChange {
    event: RowEvent,
    only: Option<RowState>,
    reason: Option<Reason>,
    due: Option<DateTime<Utc>>,
    code: Option<Option<i64>>,
    at: Option<DateTime<Utc>>,
    refund: bool,
}

impl RowChange {
    pub(crate) fn new(event: RowEvent) -> RowChange {
        RowChange { event, only: None, reason: None, due: None, code: None, at: None, refund: false }
    }
    /// Applies only to rows in `state` (one of the event's sources): a policy narrower than the state machine.
    pub(crate) fn only(mut self, state: RowState) -> Self {
        self.only = Some(state);
        self
    }
    pub(crate) fn reason(mut self, reason: Reason) -> Self {
        self.reason = Some(reason);
        self
    }
    /// When a re-queued row is due (default: now).
    pub(crate) fn due(mut self, at: DateTime<Utc>) -> Self {
        self.due = Some(at);
        self
    }
    pub(crate) fn code(mut self, code: Option<i64>) -> Self {
        self.code = Some(code);
        self
    }
    /// When it happened, if not now (a status's timestamp).
    pub(crate) fn at(mut self, at: DateTime<Utc>) -> Self {
        self.at = Some(at);
        self
    }
    /// The attempt does not count (a stop that is not this row's fault).
    pub(crate) fn not_an_attempt(mut self) -> Self {
        self.refund = true;
        self
    }
}

/// THE way an outbox row changes state: the event's target state for every selected row that is in one of the
/// event's source states (see `domain::sending::state` — the states come from [`RowEvent::sources`], derived from
/// the one `transition` function), with the columns the event records. Returns how many rows changed.
pub(crate) fn change_rows_tx(
    conn: &rusqlite::Connection,
    change: &RowChange,
    now: DateTime<Utc>,
    rows: Rows<'_>,
) -> Result<usize> {
    let sources: Vec<RowState> =
        change.event.sources().into_iter().filter(|s| change.only.is_none_or(|o| o == *s)).collect();
    if sources.is_empty() {
        return Ok(0);
    }
    let states = sources.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ");
    let target = change.event.target();
    let now_s = ts(now);
    let when = ts(change.at.unwrap_or(now));
    let due = change.due.map(ts).unwrap_or_else(|| now_s.clone());
    let (id, text);
    let (filter, mut args): (&str, Vec<&dyn rusqlite::ToSql>) = match rows {
        Rows::Id(i) => {
            id = i;
            ("id = ?1", vec![&id])
        }
        Rows::Broadcast(i) => {
            id = i;
            ("broadcast_id = ?1", vec![&id])
        }
        Rows::CustomerKind(i, kind) => {
            (id, text) = (i, kind);
            ("customer_id = ?1 AND kind = ?2", vec![&id, &text])
        }
        Rows::All => ("1", Vec::new()),
        Rows::Where(sql, params) => (sql, params.to_vec()),
    };
    let mut sets = vec![format!("state = '{}'", target.as_str())];
    let mut set = |column: &str, value: &'static str| sets.push(format!("{column} = {value}"));
    set("updated_at", "?U");
    if change.reason.is_some() {
        set("reason", "?R");
    }
    if change.code.is_some() {
        set("error_code", "?C");
    }
    match change.event {
        RowEvent::Claim => {
            set("inflight_at", "?U");
            set("attempts", "attempts + 1");
        }
        RowEvent::Accepted | RowEvent::MarkSent => set("accepted_at", "coalesce(accepted_at, ?W)"),
        RowEvent::Delivered => {
            set("accepted_at", "coalesce(accepted_at, ?W)");
            set("delivered_at", "coalesce(delivered_at, ?W)");
        }
        RowEvent::Read => {
            set("accepted_at", "coalesce(accepted_at, ?W)");
            set("delivered_at", "coalesce(delivered_at, ?W)");
            set("read_at", "coalesce(read_at, ?W)");
        }
        RowEvent::Retry | RowEvent::Resend | RowEvent::RetryFailed => set("next_attempt_at", "?D"),
        RowEvent::Cancel | RowEvent::Fail | RowEvent::OutcomeUnknown | RowEvent::Restore | RowEvent::Held => {}
    }
    if change.refund {
        set("attempts", "max(attempts - 1, 0)");
    }
    // Our values are numbered after the filter's own `?1…`.
    let reason = change.reason.as_ref().map(Reason::key).unwrap_or_default();
    let code = change.code.flatten();
    let values: [(&str, &dyn rusqlite::ToSql); 5] =
        [("?U", &now_s), ("?R", &reason), ("?C", &code), ("?W", &when), ("?D", &due)];
    let mut sql = format!("UPDATE outbox SET {} WHERE state IN ({states}) AND ({filter})", sets.join(", "));
    for (name, value) in values {
        // Only what the statement uses is bound (SQLite counts parameters up to the highest number).
        if sql.contains(name) {
            sql = sql.replace(name, &format!("?{}", args.len() + 1));
            args.push(value);
        }
    }

    Ok(conn.prepare_cached(&sql)?.execute(args.as_slice())?)
}
