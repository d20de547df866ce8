//! Raw webhook bodies: stored durably before the receiver answers 200 (once per distinct body: replays are
//! recognised by their SHA-256), together with the people they may concern (`webhook_subjects`), then applied.
//! A body that fails to apply is retried with backoff until it applies; a body our parser cannot read is kept, raises
//! an alert and pauses marketing until the farmer dismisses it. Also the "last webhook seen" fact the send queue uses
//! to judge whether webhooks work. Never drops a body on its own. Bodies are kept compactly and read back exactly
//! ([`body`]); replays are recognised by a key ordered by Meta's event time ([`body::replay_key`]).

pub mod body;
#[cfg(test)]
mod migration_tests;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use super::{Result, Store, parse_ts, ts};
use crate::whatsapp::payload::{self, DeliveryStatus, WebhookEvent};

/// Alert kind: a stored body cannot be read by our parser (marketing is paused until it is dismissed).
pub const ALERT_UNREADABLE: &str = "webhook_unreadable";
/// Alert kind: a stored body has failed to apply several times in a row (it is still retried).
pub const ALERT_FAILING: &str = "webhook_failing";
/// After this many failed attempts a body raises [`ALERT_FAILING`].
pub const ALERT_AFTER_ATTEMPTS: u32 = 6;
/// Alert kind: sign-ups from unknown numbers above `[webhook] signups_per_hour` were held back for review (stops no
/// sending).
pub const ALERT_SIGNUPS_HELD: &str = "webhook_signups_held";

/// A stored body waiting to be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWebhook {
    pub id: i64,
    pub body: Vec<u8>,
    pub received_at: chrono::DateTime<chrono::Utc>,
}

/// Whom a body may concern, as written to `webhook_subjects`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// E.164, as stored in `outbox.phone`.
    Phone(String),
    /// A business-scoped user id.
    User(String),
    /// The body cannot be read: it may concern anyone.
    Unknown,
}

/// Unapplied bodies for `hofbote db check`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WebhookBacklog {
    /// Stored, not applied, not dismissed (waiting, retrying or unreadable).
    pub unapplied: i64,
    /// Of those: failed at least once and retried automatically.
    pub retrying: i64,
    /// Of those: unreadable for our parser (kept; pause marketing until dismissed).
    pub unreadable: i64,
    /// The retrying and unreadable ones with their reason, oldest first (at most 20).
    pub problems: Vec<WebhookProblem>,
}

/// One body that did not apply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WebhookProblem {
    pub id: i64,
    pub attempts: u32,
    pub unreadable: bool,
    pub error: String,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Delay before the next attempt after `attempts` failed ones: 1 s, 2 s, 4 s, 8 s, then every 10 s, so a body that
/// failed during a disk-full applies within seconds after space is freed, and one that keeps failing costs one small
/// transaction every 10 s (and raises an alert after [`ALERT_AFTER_ATTEMPTS`]).
pub fn retry_delay(attempts: u32) -> Duration {
    let secs = 1i64 << attempts.saturating_sub(1).min(4);
    Duration::seconds(secs.min(10))
}

/// SHA-256 of a body, hex (the stored replay key is [`body::replay_key`]).
pub fn body_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// A `wa_id` is the number in E.164 without the `+`; `outbox.phone` holds E.164 with it. (No phone-number parsing
/// here: it would load the number metadata on the receiver's path before the 200, and E.164 has one spelling.)
fn phone_subject(wa_id: &str) -> Option<Subject> {
    let digits: String = wa_id.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()).then(|| Subject::Phone(format!("+{digits}")))
}

/// The people whose consent applying `body` may change: senders of inbound messages, users whose marketing setting
/// changed, recipients of a "marketing messages stopped" (131050) status. Delivery statuses otherwise concern nobody.
/// A body our parser cannot read yields `[Unknown]`.
pub fn subjects_of(body: &[u8]) -> Vec<Subject> {
    read_body(body).0
}

/// [`subjects_of`] and Meta's latest event time in the body (0 when it has none or cannot be read), from one parse.
fn read_body(body: &[u8]) -> (Vec<Subject>, i64) {
    let Ok(events) = payload::parse(body) else { return (vec![Subject::Unknown], 0) };
    let event_time = events
        .iter()
        .filter_map(|e| match e {
            WebhookEvent::Status(s) => s.timestamp,
            WebhookEvent::Message(m) => m.timestamp,
            WebhookEvent::UserPreference(p) => p.timestamp,
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut add = |phone: Option<&str>, user: Option<&str>| {
        out.extend(phone.and_then(phone_subject));
        out.extend(user.map(str::trim).filter(|u| !u.is_empty()).map(|u| Subject::User(u.to_owned())));
    };
    for event in &events {
        match event {
            WebhookEvent::Message(m) => add(m.from.as_deref(), m.from_user_id.as_deref()),
            WebhookEvent::UserPreference(p) => add(p.wa_id.as_deref(), p.user_id.as_deref()),
            WebhookEvent::Status(s)
                if s.status == DeliveryStatus::Failed && s.errors.iter().any(|e| e.code == 131050) =>
            {
                add(s.recipient_id.as_deref(), s.recipient_user_id.as_deref())
            }
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    (out, event_time)
}

fn insert_subjects(tx: &Transaction<'_>, id: i64, subjects: &[Subject]) -> Result<()> {
    let mut stmt =
        tx.prepare_cached("INSERT OR IGNORE INTO webhook_subjects (event_id, kind, value) VALUES (?1, ?2, ?3)")?;
    for s in subjects {
        let (kind, value) = match s {
            Subject::Phone(p) => ("phone", p.as_str()),
            Subject::User(u) => ("user", u.as_str()),
            Subject::Unknown => ("unknown", ""),
        };
        stmt.execute(params![id, kind, value])?;
    }
    Ok(())
}

/// Claims the key of one webhook effect (a status, a message, a preference change) inside the applying transaction;
/// false when it was applied before, so a replayed body changes nothing twice.
pub fn claim_effect_tx(tx: &Transaction<'_>, key: &str, now: DateTime<Utc>) -> Result<bool> {
    claim_effect_at_tx(tx, key, 0, now)
}

/// [`claim_effect_tx`] for an effect with Meta's event time (a status: the same status always carries the same
/// time), stored as `(event_at, key)` so new keys land at the right end of `applied_effects` (issue 15). A key
/// claimed before migration 10 (event_at 0) still counts.
pub fn claim_effect_at_tx(tx: &Transaction<'_>, key: &str, event_time: i64, now: DateTime<Utc>) -> Result<bool> {
    let event_time = event_time.max(0);
    if event_time != 0 {
        let before: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM applied_effects WHERE event_at = 0 AND key = ?1)")?
            .query_row([key], |r| r.get(0))?;
        if before {
            return Ok(false);
        }
    }
    let n = tx
        .prepare_cached("INSERT OR IGNORE INTO applied_effects (event_at, key, applied_at) VALUES (?1, ?2, ?3)")?
        .execute(params![event_time, key, ts(now)])?;
    Ok(n == 1)
}

/// Marks a body applied and forgets its subjects (inside the transaction that applied it).
pub fn mark_applied_tx(tx: &Transaction<'_>, id: i64, now: DateTime<Utc>) -> Result<()> {
    tx.execute(
        "UPDATE webhook_events SET applied_at = ?2, error = NULL, next_attempt_at = NULL WHERE id = ?1",
        params![id, ts(now)],
    )?;
    tx.execute("DELETE FROM webhook_subjects WHERE event_id = ?1", [id])?;
    Ok(())
}

/// [`Store::mark_webhook_failed`] inside the caller's transaction (the applier records a failure in the batch that
/// applied the other bodies).
pub fn mark_failed_tx(conn: &rusqlite::Connection, id: i64, error: &str, now: DateTime<Utc>) -> Result<()> {
    let before: u32 = conn.query_row("SELECT attempts FROM webhook_events WHERE id = ?1", [id], |r| r.get(0))?;
    let attempts = before.saturating_add(1);
    conn.execute(
        "UPDATE webhook_events SET error = ?2, attempts = ?3, next_attempt_at = ?4 WHERE id = ?1",
        params![id, error, attempts, ts(now + retry_delay(attempts))],
    )?;
    Ok(())
}

/// [`Store::mark_webhook_unreadable`] inside the caller's transaction.
pub fn mark_unreadable_tx(tx: &Transaction<'_>, id: i64, error: &str) -> Result<()> {
    tx.execute(
        "UPDATE webhook_events SET error = ?2, unreadable = 1, attempts = attempts + 1, next_attempt_at = NULL
         WHERE id = ?1",
        params![id, error],
    )?;
    insert_subjects(tx, id, &[Subject::Unknown])
}

/// How stale `last_webhook_at` may be: the store rewrites it only when it is older than this.
pub const LAST_WEBHOOK_RESOLUTION: Duration = Duration::seconds(1);

/// A stored body as received; a row whose bytes cannot be read back is reported as corrupt, naming it.
pub fn unpack_stored(id: i64, stored: Vec<u8>, format: i64) -> Result<Vec<u8>> {
    body::unpack(stored, format).ok_or_else(|| super::StoreError::Corrupt(format!("webhook_events #{id} (body)")))
}

impl Store {
    /// Stores several bodies in ONE transaction (group commit for concurrent deliveries), each with its subjects;
    /// returns their ids. A body stored before (a replay) is not stored again: its existing id is returned.
    pub fn store_webhook_bodies(&mut self, bodies: &[Vec<u8>]) -> Result<Vec<i64>> {
        let at = self.now();
        let (now, stale) = (ts(at), ts(at - LAST_WEBHOOK_RESOLUTION));
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(bodies.len());
        for body in bodies {
            let (subjects, event_time) = read_body(body);
            let key = body::replay_key(body, event_time);
            // A replay: the same body, stored before (in the key form of migration 10 when it came before that).
            let stored: Option<i64> = tx
                .prepare_cached("SELECT id FROM webhook_events WHERE body_hash IN (?1, ?2) LIMIT 1")?
                .query_row(params![key, body::legacy_key(body)], |r| r.get(0))
                .optional()?;
            if let Some(id) = stored {
                ids.push(id);
                continue;
            }
            let (packed, format) = body::pack(body);
            tx.prepare_cached(
                "INSERT INTO webhook_events (received_at, body, body_format, body_hash) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![now, packed, format, key])?;
            let id = tx.last_insert_rowid();
            insert_subjects(&tx, id, &subjects)?;
            ids.push(id);
        }
        // At most once a second (and at once after the clock went back): at Meta's 80/s nearly every body is its own
        // store commit, and rewriting this page in each was one of its ~5 WAL pages. The only reader re-queues rows
        // sent before the last webhook (`reconcile_unknown`), so a value up to a second old re-queues less, never more.
        tx.prepare_cached(
            "INSERT INTO meta (key, value) VALUES ('last_webhook_at', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE value < ?2 OR value > excluded.value",
        )?
        .execute(params![now, stale])?;
        tx.commit()?;
        super::stats::commit(super::stats::Kind::WebhookStore, bodies.len());
        Ok(ids)
    }

    /// Bodies due to be applied, oldest first: not applied, readable, not dismissed, and new or due for a retry.
    pub fn unapplied_webhooks(&self, limit: usize) -> Result<Vec<StoredWebhook>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, body, body_format, received_at FROM webhook_events
             WHERE applied_at IS NULL AND unreadable = 0 AND dismissed_at IS NULL
               AND (next_attempt_at IS NULL OR next_attempt_at <= ?2)
             ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64, ts(self.now())], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, stored, format, at) = row?;
            out.push(StoredWebhook { id, body: unpack_stored(id, stored, format)?, received_at: parse_ts(&at)? });
        }
        Ok(out)
    }

    /// Records that applying a body failed: it keeps its subjects (the claim still skips these people) and is tried
    /// again after [`retry_delay`].
    pub fn mark_webhook_failed(&mut self, id: i64, error: &str) -> Result<()> {
        mark_failed_tx(&self.conn, id, error, self.now())?;
        super::stats::commit(super::stats::Kind::WebhookFailed, 1);
        Ok(())
    }

    /// Records that a body cannot be read by our parser: it is kept, never retried on its own, and pauses marketing
    /// (its `unknown` subject) until dismissed; the alert is raised by [`Store::sync_webhook_alerts`].
    pub fn mark_webhook_unreadable(&mut self, id: i64, error: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        mark_unreadable_tx(&tx, id, error)?;
        tx.commit()?;
        super::stats::commit(super::stats::Kind::WebhookFailed, 1);
        Ok(())
    }

    /// Makes failed and unreadable bodies due at once (`hofbote db retry-webhooks`, e.g. after an update of the
    /// parser); returns how many.
    pub fn retry_failed_webhooks(&mut self) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE webhook_events SET error = NULL, unreadable = 0, next_attempt_at = NULL
             WHERE applied_at IS NULL AND dismissed_at IS NULL AND error IS NOT NULL",
            [],
        )?)
    }

    /// The farmer has looked at an unreadable body: it stays stored (export, retention), no longer pauses marketing
    /// and no longer raises an alert. Returns false when there is no such unreadable, unapplied body.
    pub fn dismiss_webhook(&mut self, id: i64) -> Result<bool> {
        let now = ts(self.now());
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE webhook_events SET dismissed_at = ?2
             WHERE id = ?1 AND applied_at IS NULL AND dismissed_at IS NULL AND unreadable = 1",
            params![id, now],
        )?;
        if n == 1 {
            tx.execute("DELETE FROM webhook_subjects WHERE event_id = ?1", [id])?;
        }
        tx.commit()?;
        self.sync_webhook_alerts()?;
        Ok(n == 1)
    }

    /// Failed or unreadable bodies that are not applied yet, with their error (for review).
    pub fn failed_webhooks(&self) -> Result<Vec<(i64, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, error FROM webhook_events
             WHERE applied_at IS NULL AND dismissed_at IS NULL AND error IS NOT NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// When the next failed body is due for another attempt (the receiver sleeps until then).
    pub fn next_webhook_retry(&self) -> Result<Option<DateTime<Utc>>> {
        let v: Option<String> = self.conn.query_row(
            "SELECT min(next_attempt_at) FROM webhook_events
             WHERE applied_at IS NULL AND unreadable = 0 AND dismissed_at IS NULL AND next_attempt_at IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        v.as_deref().map(parse_ts).transpose()
    }

    /// Raises the webhook alerts that are due and resolves those whose cause is gone: one for unreadable bodies
    /// (marketing paused), one for bodies that failed [`ALERT_AFTER_ATTEMPTS`] times. The message names the body and
    /// its reason. Cheap when nothing is wrong (two indexed lookups).
    pub fn sync_webhook_alerts(&mut self) -> Result<()> {
        let worst = |unreadable: bool| -> Result<Option<(i64, i64, String)>> {
            Ok(self
                .conn
                .query_row(
                    "SELECT id, attempts, coalesce(error, '') FROM webhook_events
                     WHERE applied_at IS NULL AND dismissed_at IS NULL AND unreadable = ?1 AND attempts >= ?2
                     ORDER BY id LIMIT 1",
                    params![unreadable, if unreadable { 1 } else { ALERT_AFTER_ATTEMPTS }],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
        };
        let unreadable = worst(true)?;
        let failing = worst(false)?;
        let cases = [
            (
                ALERT_UNREADABLE,
                unreadable.map(|(id, _, e)| {
                    format!(
                        "Webhook #{id} ist nicht lesbar ({e}); Werbung pausiert. Prüfen, dann »hofbote db dismiss-webhook {id}«."
                    )
                }),
            ),
            (
                ALERT_FAILING,
                failing.map(|(id, n, e)| {
                    format!(
                        "Webhook #{id} ließ sich {n}-mal nicht anwenden ({e}); wird weiter versucht. Speicherplatz prüfen: »hofbote db check«."
                    )
                }),
            ),
        ];
        // Writes only when something changes: this runs after every delivery and must not wake the terminal app.
        for (kind, message) in cases {
            match message {
                Some(message) => {
                    super::alerts::raise_alert_tx(&self.conn, kind, None, &message, self.now())?;
                }
                None => {
                    super::alerts::resolve_alert_tx(&self.conn, kind, self.now())?;
                }
            }
        }
        Ok(())
    }

    /// Counts and reasons of unapplied bodies (`hofbote db check`).
    pub fn webhook_backlog(&self) -> Result<WebhookBacklog> {
        let (unapplied, retrying, unreadable): (i64, i64, i64) = self.conn.query_row(
            "SELECT count(*), coalesce(sum(error IS NOT NULL AND unreadable = 0), 0), coalesce(sum(unreadable), 0)
             FROM webhook_events WHERE applied_at IS NULL AND dismissed_at IS NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut stmt = self.conn.prepare(
            "SELECT id, attempts, unreadable, error, next_attempt_at FROM webhook_events
             WHERE applied_at IS NULL AND dismissed_at IS NULL AND error IS NOT NULL ORDER BY id LIMIT 20",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get::<_, Option<String>>(4)?))
        })?;
        let mut problems = Vec::new();
        for row in rows {
            let (id, attempts, unreadable, error, next) = row?;
            problems.push(WebhookProblem {
                id,
                attempts,
                unreadable,
                error,
                next_attempt_at: next.as_deref().map(parse_ts).transpose()?,
            });
        }
        Ok(WebhookBacklog { unapplied, retrying, unreadable, problems })
    }

    /// When the last webhook arrived (any process).
    pub fn last_webhook_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let v: Option<String> =
            self.conn.query_row("SELECT value FROM meta WHERE key = 'last_webhook_at'", [], |r| r.get(0)).optional()?;
        v.as_deref().map(parse_ts).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_grow_to_ten_seconds() {
        let secs: Vec<i64> = (1..=8).map(|n| retry_delay(n).num_seconds()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 10, 10, 10, 10]);
        assert_eq!(retry_delay(u32::MAX).num_seconds(), 10);
    }

    #[test]
    fn last_webhook_at_is_written_at_most_once_a_second_and_at_once_after_the_clock_went_back() {
        use chrono::TimeZone;
        let t0 = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        let clock = std::sync::Arc::new(crate::clock::ManualClock::new(t0));
        let mut s = Store::open_in_memory(clock.clone()).unwrap();
        let mut store_one = |n: u8| s.store_webhook_bodies(&[vec![b'{', b'0' + n, b'}']]).map(|_| s.last_webhook_at());
        assert_eq!(store_one(1).unwrap().unwrap(), Some(t0));
        clock.advance(Duration::milliseconds(900));
        assert_eq!(store_one(2).unwrap().unwrap(), Some(t0), "within the second: the page is not rewritten");
        clock.advance(Duration::milliseconds(200));
        assert_eq!(store_one(3).unwrap().unwrap(), Some(t0 + Duration::milliseconds(1100)));
        clock.set(t0 - Duration::hours(1));
        assert_eq!(store_one(4).unwrap().unwrap(), Some(t0 - Duration::hours(1)), "the clock went back");
    }

    fn envelope(field: &str, value: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": field, "value": value}]}]}))
        .unwrap()
    }

    #[test]
    fn subjects_are_senders_preference_changes_and_131050_recipients_only() {
        let msg = envelope(
            "messages",
            serde_json::json!({"contacts": [{"wa_id": "491711234567", "user_id": "DE.1"}],
                "messages": [{"from": "491711234567", "id": "wamid.A", "type": "text", "text": {"body": "STOP"}}]}),
        );
        assert_eq!(subjects_of(&msg), [Subject::Phone("+491711234567".into()), Subject::User("DE.1".into())]);
        let by_user = envelope(
            "messages",
            serde_json::json!({"contacts": [{"user_id": "DE.2"}],
                "messages": [{"from_user_id": "DE.2", "id": "wamid.B", "type": "text", "text": {"body": "STOP"}}]}),
        );
        assert_eq!(subjects_of(&by_user), [Subject::User("DE.2".into())]);
        let pref = envelope(
            "user_preferences",
            serde_json::json!({"user_preferences": [{"wa_id": "491711234568", "category": "marketing_messages",
                "value": "stop"}]}),
        );
        assert_eq!(subjects_of(&pref), [Subject::Phone("+491711234568".into())]);
        let delivered = envelope(
            "messages",
            serde_json::json!({"statuses": [{"id": "wamid.C", "status": "delivered", "recipient_id": "491711234569"}]}),
        );
        assert!(subjects_of(&delivered).is_empty(), "a delivery status changes no consent");
        let stopped = envelope(
            "messages",
            serde_json::json!({"statuses": [{"id": "wamid.D", "status": "failed", "recipient_id": "491711234569",
                "errors": [{"code": 131050, "title": "stopped"}]}]}),
        );
        assert_eq!(subjects_of(&stopped), [Subject::Phone("+491711234569".into())]);
        assert_eq!(subjects_of(b"{not json"), [Subject::Unknown]);
        assert_eq!(subjects_of(b"{}"), [Subject::Unknown], "not an envelope");
    }
}
