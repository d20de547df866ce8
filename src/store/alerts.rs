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

/// Whether an open alert of this kind stops all sending — the rule the claim and [`Store::idle_info`] apply in SQL:
/// every alert but those of webhooks (`webhook_…`: they stop nothing or only whom they concern) and Meta's 131063
/// (it pauses marketing only).
pub fn stops_all_sending(kind: &str) -> bool {
    !kind.starts_with("webhook_") && kind != super::outbox::ALERT_MARKETING_DISABLED
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

/// Like [`raise_alert_tx`], but a news item that belongs to an open alert of the same kind is added to its message
/// (`; `-separated, the oldest dropped past ~1,000 characters) instead of being lost: for alerts that collect
/// events (account events hofbote does not know, broadcasts that lost recipients). A detail already in the message
/// is not added twice. Returns true when the alert was raised now.
pub fn note_alert_tx(
    conn: &rusqlite::Connection,
    kind: &str,
    code: Option<i64>,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    if raise_alert_tx(conn, kind, code, detail, now)? {
        return Ok(true);
    }
    let message: String = conn.query_row(
        "SELECT message FROM alerts WHERE kind = ?1 AND resolved_at IS NULL ORDER BY id DESC LIMIT 1",
        [kind],
        |r| r.get(0),
    )?;
    if message.split("; ").any(|m| m == detail) {
        return Ok(false);
    }
    let mut parts: Vec<&str> = message.split("; ").collect();
    parts.push(detail);
    while parts.len() > 1 && parts.iter().map(|p| p.len() + 2).sum::<usize>() > 1000 {
        parts.remove(0);
    }
    conn.execute(
        "UPDATE alerts SET message = ?2 WHERE kind = ?1 AND resolved_at IS NULL",
        params![kind, parts.join("; ")],
    )?;
    Ok(false)
}

fn is_open_tx(conn: &rusqlite::Connection, kind: &str) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS(SELECT 1 FROM alerts WHERE kind = ?1 AND resolved_at IS NULL)", [kind], |r| {
        r.get(0)
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_all_sending_says_what_the_claim_does() {
        let kinds = [
            "auth",
            "account",
            super::super::outbox::ALERT_PORTFOLIO_REVIEW,
            super::super::outbox::ALERT_MARKETING_DISABLED,
            crate::webhook::account::ALERT_RESTRICTED,
            crate::webhook::account::ALERT_INFO,
            super::super::webhooks::ALERT_SIGNUPS_HELD,
            super::super::webhooks::ALERT_UNREADABLE,
        ];
        for kind in kinds {
            let mut s = Store::open_in_memory(crate::clock::system()).unwrap();
            s.raise_alert(kind, None, "x").unwrap();
            assert_eq!(stops_all_sending(kind), s.idle_info().unwrap().blocked, "{kind}");
        }
        assert!(stops_all_sending("auth") && !stops_all_sending(crate::webhook::account::ALERT_INFO));
    }

    #[test]
    fn noted_details_collect_in_one_open_alert_and_a_new_one_starts_after_resolving() {
        let mut s = Store::open_in_memory(crate::clock::system()).unwrap();
        let now = s.now();
        assert!(note_alert_tx(&s.conn, "webhook_account_info", None, "PARTNER_ADDED", now).unwrap());
        assert!(!note_alert_tx(&s.conn, "webhook_account_info", None, "MM_LITE_TERMS_SIGNED", now).unwrap());
        assert!(!note_alert_tx(&s.conn, "webhook_account_info", None, "PARTNER_ADDED", now).unwrap());
        let open = s.active_alerts().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].message, "PARTNER_ADDED; MM_LITE_TERMS_SIGNED");
        s.resolve_alerts().unwrap();
        assert!(note_alert_tx(&s.conn, "webhook_account_info", None, "X", now).unwrap());
        assert_eq!(s.active_alerts().unwrap()[0].message, "X");
        let long = "y".repeat(400);
        for i in 0..5 {
            note_alert_tx(&s.conn, "webhook_account_info", None, &format!("{i}{long}"), now).unwrap();
        }
        let m = &s.active_alerts().unwrap()[0].message;
        assert!(m.len() <= 1000 && m.ends_with(&format!("4{long}")), "{}", m.len());
    }
}
