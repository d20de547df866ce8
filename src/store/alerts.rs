//! Alerts: what stops all sending until the farmer resolves it (Meta's stops: token, account), and what the farmer
//! must look at (webhook bodies that cannot be read or keep failing, sign-ups held back). Raised once per kind while
//! open; they survive restarts.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::{Result, Store, parse_ts, ts};

/// An alert that stops sending until resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub id: i64,
    pub kind: String,
    pub code: Option<i64>,
    pub message: String,
    pub raised_at: DateTime<Utc>,
}

impl Store {
    /// Raises an alert unless one of the same kind is open.
    pub fn raise_alert(&mut self, kind: &str, code: Option<i64>, message: &str) -> Result<()> {
        raise_alert_tx(&self.conn, kind, code, message, self.now()).map(|_| ())
    }

    pub fn active_alerts(&self) -> Result<Vec<Alert>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, kind, code, message, raised_at FROM alerts WHERE resolved_at IS NULL ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, String>(4)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, code, message, at) = row?;
            out.push(Alert { id, kind, code, message, raised_at: parse_ts(&at)? });
        }
        Ok(out)
    }

    /// The farmer's "done" for the open alerts (`hofbote queue resolve-alerts`, the key on the queue screen): the
    /// stops from Meta (token, account) and the held sign-ups. Nothing else resolves them — a restart keeps them.
    /// The alerts of stored webhook bodies that cannot be read or keep failing stay: they follow their body
    /// ([`Store::sync_webhook_alerts`]) and end when it applies or is dismissed; resolving them here would only hide
    /// a cause that is still there until the next sync raised them again. Returns how many it resolved.
    pub fn resolve_alerts(&mut self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE alerts SET resolved_at = ?1 WHERE resolved_at IS NULL AND kind NOT IN (?2, ?3)",
            params![ts(self.now()), super::webhooks::ALERT_UNREADABLE, super::webhooks::ALERT_FAILING],
        )?)
    }
}

/// Whether the farmer's "alerts resolved" ends an alert of this kind ([`Store::resolve_alerts`]): everything but
/// the alerts that follow a stored webhook body.
pub fn farmer_resolves(kind: &str) -> bool {
    kind != super::webhooks::ALERT_UNREADABLE && kind != super::webhooks::ALERT_FAILING
}

/// Raises an alert unless one of the same kind is open, on any connection or inside the caller's transaction.
/// Returns true when it was raised now.
pub fn raise_alert_tx(
    conn: &rusqlite::Connection,
    kind: &str,
    code: Option<i64>,
    message: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let open = is_open_tx(conn, kind)?;
    if !open {
        conn.execute(
            "INSERT INTO alerts (kind, code, message, raised_at) VALUES (?1, ?2, ?3, ?4)",
            params![kind, code, message, ts(now)],
        )?;
    }
    Ok(!open)
}

/// Ends the open alert of `kind`, if any (on any connection or inside the caller's transaction); writes nothing when
/// none is open. Returns true when one was open.
pub fn resolve_alert_tx(conn: &rusqlite::Connection, kind: &str, now: DateTime<Utc>) -> Result<bool> {
    if !is_open_tx(conn, kind)? {
        return Ok(false);
    }
    conn.execute("UPDATE alerts SET resolved_at = ?2 WHERE kind = ?1 AND resolved_at IS NULL", params![kind, ts(now)])?;
    Ok(true)
}

fn is_open_tx(conn: &rusqlite::Connection, kind: &str) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS(SELECT 1 FROM alerts WHERE kind = ?1 AND resolved_at IS NULL)", [kind], |r| {
        r.get(0)
    })?)
}
