//! The SQL of a data export (Art. 15, 20; see [`crate::privacy::export`]): one person's outbox rows joined with
//! their broadcasts, and their inbound messages, matched by customer id and exact number (or user id). Reads only.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::Serialize;

use super::erasure::Person;
use super::{Result, parse_ts};

/// One message sent (or to be sent) to the person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentMessage {
    pub id: i64,
    pub broadcast_id: Option<i64>,
    pub template: Option<String>,
    pub language: Option<String>,
    pub kind: String,
    /// Parameters (templates) or text (replies) as sent.
    pub content: serde_json::Value,
    pub state: String,
    pub reason: String,
    pub attempts: i64,
    pub wamid: Option<String>,
    pub error_code: Option<i64>,
    pub pricing_category: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
}

/// One message the person wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedMessage {
    pub wamid: String,
    pub kind: String,
    pub text: String,
    pub received_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub flagged_stop: bool,
    pub is_keyword: bool,
}

fn opt_ts(v: Option<String>) -> Result<Option<DateTime<Utc>>> {
    v.as_deref().map(parse_ts).transpose()
}

/// The person's outbox rows (by customer id or number), oldest first.
pub fn messages_sent(conn: &Connection, p: &Person<'_>) -> Result<Vec<SentMessage>> {
    let mut stmt = conn.prepare(
        "SELECT o.id, o.broadcast_id, b.template_name, b.language, o.kind, o.payload, o.state, o.reason, o.attempts,
                o.wamid, o.error_code, o.pricing_category, o.created_at, o.updated_at, o.inflight_at,
                o.accepted_at, o.delivered_at, o.read_at
         FROM outbox o LEFT JOIN broadcasts b ON b.id = o.broadcast_id
         WHERE o.customer_id = ?1 OR o.phone = ?2 ORDER BY o.created_at, o.id",
    )?;
    let mut rows = stmt.query(params![p.customer_id.unwrap_or(-1), p.e164])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let payload: String = r.get(5)?;
        out.push(SentMessage {
            id: r.get(0)?,
            broadcast_id: r.get(1)?,
            template: r.get(2)?,
            language: r.get(3)?,
            kind: r.get(4)?,
            content: serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload)),
            state: r.get(6)?,
            reason: r.get(7)?,
            attempts: r.get(8)?,
            wamid: r.get(9)?,
            error_code: r.get(10)?,
            pricing_category: r.get(11)?,
            created_at: parse_ts(&r.get::<_, String>(12)?)?,
            updated_at: parse_ts(&r.get::<_, String>(13)?)?,
            sent_at: opt_ts(r.get(14)?)?,
            accepted_at: opt_ts(r.get(15)?)?,
            delivered_at: opt_ts(r.get(16)?)?,
            read_at: opt_ts(r.get(17)?)?,
        });
    }
    Ok(out)
}

/// The person's inbound messages (by customer id, number in either form, or user id), oldest first.
pub fn messages_received(conn: &Connection, p: &Person<'_>) -> Result<Vec<ReceivedMessage>> {
    let mut stmt = conn.prepare(
        "SELECT wamid, kind, text, received_at, read_at, flagged_stop, is_keyword FROM inbound_messages
         WHERE customer_id = ?1 OR from_phone IN (?2, ?3) OR (?4 IS NOT NULL AND user_id = ?4)
         ORDER BY received_at, id",
    )?;
    let mut rows = stmt.query(params![p.customer_id.unwrap_or(-1), p.e164, &p.digits, p.user_id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(ReceivedMessage {
            wamid: r.get(0)?,
            kind: r.get(1)?,
            text: r.get(2)?,
            received_at: parse_ts(&r.get::<_, String>(3)?)?,
            read_at: opt_ts(r.get(4)?)?,
            flagged_stop: r.get(5)?,
            is_keyword: r.get(6)?,
        });
    }
    Ok(out)
}
