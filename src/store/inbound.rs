//! What customers wrote (Antworten): the inbound messages that are not keywords, newest first, with the customer's
//! name; marking them read; and queueing the farmer's free-text answer as a `reply_in_window` outbox row — only while
//! the customer's 24 h window is open (`may_send(SendKind::ReplyInWindow, …)`), which the claim checks once more.
//! Never sends anything itself (the worker does).

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::consent::customer_consent_tx;
use super::{Result, Store, parse_ts, ts};
use crate::domain::consent::{Refusal, SendKind, may_send};

/// One message a customer wrote (or our answer, in a conversation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub id: i64,
    pub customer_id: Option<i64>,
    /// The customer's name, or "" when the number belongs to nobody on the list.
    pub name: String,
    pub phone: String,
    pub text: String,
    pub received_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    /// Reads like a wish to stop ("bitte keine Nachrichten mehr") without being the keyword.
    pub flagged_stop: bool,
    /// Our answer (an outbox row), not the customer's message.
    pub ours: bool,
    /// A sign-up (ANMELDEN) from an unknown number held back above `[webhook] signups_per_hour`: no customer was
    /// made and nothing answered; the farmer decides.
    pub held_signup: bool,
}

/// The most characters one WhatsApp text message may have.
pub const MAX_TEXT: usize = 4096;

const SELECT: &str =
    "SELECT i.id, i.customer_id, coalesce(c.name, ''), coalesce(i.from_phone, i.user_id, ''), i.text, i.received_at,
        i.read_at, i.flagged_stop, coalesce(i.signup = 'held', 0)
     FROM inbound_messages i LEFT JOIN customers c ON c.id = i.customer_id";

type Raw = (i64, Option<i64>, String, String, String, String, Option<String>, bool, bool);

fn reply_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
}

fn to_reply(raw: Raw) -> Result<Reply> {
    let (id, customer_id, name, phone, text, received, read, flagged_stop, held_signup) = raw;
    Ok(Reply {
        id,
        customer_id,
        name,
        phone,
        text,
        received_at: parse_ts(&received)?,
        read_at: read.as_deref().map(parse_ts).transpose()?,
        flagged_stop,
        ours: false,
        held_signup,
    })
}

impl Store {
    /// The customers' messages that are not keywords, newest first.
    pub fn replies(&self, limit: usize) -> Result<Vec<Reply>> {
        let sql = format!("{SELECT} WHERE i.is_keyword = 0 ORDER BY i.received_at DESC, i.id DESC LIMIT ?1");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([limit as i64], reply_row)?;
        rows.map(|r| to_reply(r?)).collect()
    }

    /// How many of those are unread.
    pub fn unread_replies(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM inbound_messages WHERE is_keyword = 0 AND read_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// One customer's conversation: their messages (keywords too, so the thread reads right) and our free-text
    /// answers, oldest first, the latest `limit`.
    pub fn conversation(&self, customer_id: i64, limit: usize) -> Result<Vec<Reply>> {
        let sql = format!("{SELECT} WHERE i.customer_id = ?1 ORDER BY i.received_at DESC, i.id DESC LIMIT ?2");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut out: Vec<Reply> = stmt
            .query_map(params![customer_id, limit as i64], reply_row)?
            .map(|r| to_reply(r?))
            .collect::<Result<_>>()?;
        let mut ours = self.conn.prepare_cached(
            "SELECT id, phone, payload, created_at, state FROM outbox
             WHERE customer_id = ?1 AND kind = 'reply_in_window' ORDER BY created_at DESC, id DESC LIMIT ?2",
        )?;
        let rows = ours.query_map(params![customer_id, limit as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?;
        for row in rows {
            let (id, phone, payload, created) = row?;
            let v: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
            out.push(Reply {
                id,
                customer_id: Some(customer_id),
                name: String::new(),
                phone,
                text: v.get("text").and_then(|t| t.as_str()).unwrap_or_default().to_owned(),
                received_at: parse_ts(&created)?,
                read_at: None,
                flagged_stop: false,
                ours: true,
                held_signup: false,
            });
        }
        out.sort_by_key(|r| (r.received_at, r.ours, r.id));
        let skip = out.len().saturating_sub(limit);
        Ok(out.split_off(skip))
    }

    /// Marks everything a customer wrote as read; returns how many were unread.
    pub fn mark_replies_read(&mut self, customer_id: i64) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE inbound_messages SET read_at = ?2 WHERE customer_id = ?1 AND read_at IS NULL",
            params![customer_id, ts(self.now())],
        )?)
    }

    /// When the customer's 24 h window closes (None: it is closed).
    pub fn window_closes(&self, customer_id: i64) -> Result<Option<DateTime<Utc>>> {
        let consent = customer_consent_tx(&self.conn, customer_id)?;
        let now = self.now();
        Ok(match may_send(SendKind::ReplyInWindow, &consent, now) {
            Ok(()) => consent.last_inbound_at.map(|at| at + crate::domain::consent::SERVICE_WINDOW),
            Err(_) => None,
        })
    }

    /// Queues a free-text answer to a customer inside their 24 h window (billed at the service price since
    /// 1 Oct 2026). Refused with [`Refusal::WindowClosed`] once it closed: then only a template can be sent.
    pub fn queue_reply(&mut self, customer_id: i64, text: &str) -> Result<Result<i64, Refusal>> {
        let now = self.now();
        // Immediate: the window is checked and the row written under the same write lock.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let consent = customer_consent_tx(&tx, customer_id)?;
        if let Err(refusal) = may_send(SendKind::ReplyInWindow, &consent, now) {
            return Ok(Err(refusal));
        }
        // The number, or the user id of a person who shared none (issue 14 §4).
        let phone: String =
            tx.query_row("SELECT coalesce(phone, user_id) FROM customers WHERE id = ?1", [customer_id], |r| r.get(0))?;
        let payload = serde_json::json!({ "text": text }).to_string();
        let id = queue_reply_tx(&tx, customer_id, &phone, &payload, now)?;
        tx.commit()?;
        Ok(Ok(id))
    }
}

/// Queues a `reply_in_window` outbox row (payload: the JSON the worker sends) inside the caller's transaction;
/// returns its id. The caller has checked that the window is open.
pub fn queue_reply_tx(
    tx: &Transaction<'_>,
    customer_id: i64,
    // The recipient: E.164 number, or the business-scoped user id of a person who shared none.
    phone_e164: &str,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO outbox (broadcast_id, customer_id, phone, kind, payload, state, next_attempt_at, created_at, updated_at)
         VALUES (NULL, ?1, ?2, 'reply_in_window', ?3, 'queued', ?4, ?4, ?4)",
    )?
    .execute(params![customer_id, phone_e164, payload, ts(now)])?;
    Ok(tx.last_insert_rowid())
}

/// What an inbound message did about signing up its sender (column `inbound_messages.signup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signup {
    /// It made an unknown sender a customer.
    Created,
    /// A sign-up above the hourly cap: kept for the farmer's review, no customer, no consent, no reply.
    Held,
}

impl Signup {
    pub fn as_str(self) -> &'static str {
        match self {
            Signup::Created => "created",
            Signup::Held => "held",
        }
    }
}

/// An inbound message to store.
#[derive(Debug, Clone)]
pub struct NewInbound<'a> {
    pub wamid: &'a str,
    pub customer_id: Option<i64>,
    pub from_phone: Option<&'a str>,
    pub user_id: Option<&'a str>,
    /// text | button | interactive | other
    pub kind: &'a str,
    pub text: &'a str,
    pub received_at: DateTime<Utc>,
    pub flagged_stop: bool,
    pub is_keyword: bool,
    pub signup: Option<Signup>,
}

/// Stores an inbound message inside the applying transaction (`now` dates a sign-up for the hourly cap).
pub fn insert_inbound_tx(tx: &Transaction<'_>, m: &NewInbound<'_>, now: DateTime<Utc>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO inbound_messages (wamid, customer_id, from_phone, user_id, kind, text, received_at, flagged_stop,
             is_keyword, signup, signup_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        m.wamid,
        m.customer_id,
        m.from_phone,
        m.user_id,
        m.kind,
        m.text,
        ts(m.received_at),
        m.flagged_stop,
        m.is_keyword,
        m.signup.map(Signup::as_str),
        m.signup.map(|_| ts(now)),
    ])?;
    Ok(())
}

/// A keyword that turned out to be an ordinary answer (a "Ja" with nothing pending) goes to the farmer's replies.
pub fn mark_not_keyword_tx(tx: &Transaction<'_>, wamid: &str) -> Result<()> {
    tx.execute("UPDATE inbound_messages SET is_keyword = 0 WHERE wamid = ?1", [wamid])?;
    Ok(())
}

/// How many unknown senders were made customers by a sign-up since `since` (by the time it was applied).
pub fn signups_since_tx(conn: &rusqlite::Connection, since: DateTime<Utc>) -> Result<u32> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM inbound_messages WHERE signup = 'created' AND signup_at > ?1")?
        .query_row([ts(since)], |r| r.get(0))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::clock::ManualClock;
    use crate::domain::customer::CustomerDraft;
    use crate::domain::phone::{Phone, Region};
    use chrono::{Duration, TimeZone};
    use std::sync::Arc;

    fn inbound(store: &Store, customer: i64, wamid: &str, text: &str, at: DateTime<Utc>, keyword: bool) {
        store
            .conn()
            .execute(
                "INSERT INTO inbound_messages (wamid, customer_id, from_phone, kind, text, received_at, is_keyword, flagged_stop)
                 VALUES (?1, ?2, '+491711234567', 'text', ?3, ?4, ?5, ?6)",
                params![wamid, customer, text, ts(at), keyword, text.contains("keine")],
            )
            .unwrap();
    }

    #[test]
    fn replies_newest_first_unread_and_the_window() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(now));
        let mut store = Store::open_in_memory(clock.clone()).unwrap();
        let phone = Phone::parse("0171 1234567", Region::DE).unwrap();
        let c = store.insert_customer(&CustomerDraft::new("Anna Weiß", "Anna", phone, &[], "").unwrap()).unwrap();
        inbound(&store, c.id, "w1", "Gibt es Eier?", now - Duration::hours(30), false);
        inbound(&store, c.id, "w2", "STOP", now - Duration::hours(29), true);
        inbound(&store, c.id, "w3", "bitte keine Werbung", now - Duration::hours(2), false);
        let list = store.replies(10).unwrap();
        assert_eq!(list.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(), ["bitte keine Werbung", "Gibt es Eier?"]);
        assert!(list[0].flagged_stop && !list[1].flagged_stop);
        assert_eq!(list[0].name, "Anna Weiß");
        assert_eq!(store.unread_replies().unwrap(), 2);
        assert_eq!(store.window_closes(c.id).unwrap(), Some(now + Duration::hours(22)));

        let id = store.queue_reply(c.id, "Ja, ab Samstag!").unwrap().unwrap();
        let (kind, payload): (String, String) = store
            .conn()
            .query_row("SELECT kind, payload FROM outbox WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(kind, "reply_in_window");
        assert!(payload.contains("Ja, ab Samstag!"));
        let thread = store.conversation(c.id, 10).unwrap();
        assert_eq!(thread.len(), 4);
        assert!(thread.last().unwrap().ours);

        assert_eq!(store.mark_replies_read(c.id).unwrap(), 3);
        assert_eq!(store.unread_replies().unwrap(), 0);

        clock.set(now + Duration::hours(23));
        assert_eq!(store.window_closes(c.id).unwrap(), None);
        assert_eq!(store.queue_reply(c.id, "zu spät").unwrap(), Err(Refusal::WindowClosed));
    }
}
