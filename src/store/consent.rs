//! The consent ledger in SQLite: wordings, appending events (and the folded state in the same transaction), reading
//! the ledger, counts, and the one sanctioned erasure path that may touch ledger rows. Triggers refuse every other
//! UPDATE or DELETE on `consent_events`.

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::{Result, Store, StoreError, parse_ts, ts};
use crate::domain::consent::{
    ConsentError, ConsentEvent, ConsentState, CustomerConsent, EventKind, Folded, NewConsentEvent, Purpose, Wording,
    fold, validate_event,
};

const EVENT_COLUMNS: &str =
    "id, customer_id, purpose, kind, source, evidence, wording_version, recorded_by, occurred_at, recorded_at";

fn event_from_row(r: &Row<'_>) -> rusqlite::Result<RawEvent> {
    Ok(RawEvent {
        id: r.get(0)?,
        customer_id: r.get(1)?,
        purpose: r.get(2)?,
        kind: r.get(3)?,
        source: r.get(4)?,
        evidence: r.get(5)?,
        wording_version: r.get(6)?,
        recorded_by: r.get(7)?,
        occurred_at: r.get(8)?,
        recorded_at: r.get(9)?,
    })
}

struct RawEvent {
    id: i64,
    customer_id: Option<i64>,
    purpose: String,
    kind: String,
    source: String,
    evidence: String,
    wording_version: Option<u32>,
    recorded_by: String,
    occurred_at: String,
    recorded_at: String,
}

impl RawEvent {
    fn into_event(self) -> Result<ConsentEvent> {
        let bad = |f: &str| StoreError::Corrupt(format!("consent_events.{f} of {}", self.id));
        Ok(ConsentEvent {
            id: self.id,
            customer_id: self.customer_id,
            purpose: self.purpose.parse().map_err(|_| bad("purpose"))?,
            kind: self.kind.parse().map_err(|_| bad("kind"))?,
            source: self.source.parse().map_err(|_| bad("source"))?,
            evidence: self.evidence,
            wording_version: self.wording_version,
            recorded_by: self.recorded_by,
            occurred_at: parse_ts(&self.occurred_at)?,
            recorded_at: parse_ts(&self.recorded_at)?,
        })
    }
}

/// Counts per purpose and state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StateCounts {
    pub granted: i64,
    pub pending: i64,
    pub withdrawn: i64,
    pub none: i64,
}

impl Store {
    /// Makes sure version 1 of each wording exists, generated from the shop's name and address.
    pub fn ensure_default_wordings(&mut self, shop_name: &str, address: &str) -> Result<()> {
        let now = ts(self.now());
        let tx = self.conn.transaction()?;
        for purpose in Purpose::ALL {
            let exists: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM consent_wordings WHERE purpose = ?1)",
                [purpose.as_str()],
                |r| r.get(0),
            )?;
            if !exists {
                let text = crate::domain::consent::default_wording(*purpose, shop_name, address)?;
                tx.execute(
                    "INSERT INTO consent_wordings (purpose, version, text, created_at) VALUES (?1, 1, ?2, ?3)",
                    params![purpose.as_str(), text, now],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Adds a new wording version (the old ones stay, as customers agreed to them).
    pub fn add_wording(&mut self, purpose: Purpose, text: &str) -> Result<Wording> {
        let now = self.now();
        let version: u32 = self.conn.query_row(
            "SELECT coalesce(max(version), 0) + 1 FROM consent_wordings WHERE purpose = ?1",
            [purpose.as_str()],
            |r| r.get(0),
        )?;
        self.conn.execute(
            "INSERT INTO consent_wordings (purpose, version, text, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![purpose.as_str(), version, text.trim(), ts(now)],
        )?;
        Ok(Wording { purpose, version, text: text.trim().to_owned(), created_at: now })
    }

    pub fn wordings(&self) -> Result<Vec<Wording>> {
        let mut stmt = self
            .conn
            .prepare("SELECT purpose, version, text, created_at FROM consent_wordings ORDER BY purpose, version")?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (p, version, text, at) = row?;
            out.push(Wording {
                purpose: p.parse().map_err(|_| StoreError::Corrupt("consent_wordings.purpose".into()))?,
                version,
                text,
                created_at: parse_ts(&at)?,
            });
        }
        Ok(out)
    }

    /// The newest wording version of a purpose, if any.
    pub fn current_wording(&self, purpose: Purpose) -> Result<Option<u32>> {
        Ok(self.conn.query_row(
            "SELECT max(version) FROM consent_wordings WHERE purpose = ?1",
            [purpose.as_str()],
            |r| r.get(0),
        )?)
    }

    /// Appends one event and updates the folded state in the same transaction.
    pub fn record_consent(&mut self, event: &NewConsentEvent) -> Result<ConsentEvent> {
        let now = self.now();
        let tx = self.conn.transaction()?;
        let id = record_consent_tx(&tx, event, now)?;
        tx.commit()?;
        self.consent_event(id)
    }

    pub fn consent_event(&self, id: i64) -> Result<ConsentEvent> {
        self.conn
            .query_row(&format!("SELECT {EVENT_COLUMNS} FROM consent_events WHERE id = ?1"), [id], event_from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("consent event {id}")))?
            .into_event()
    }

    /// The ledger of one customer, newest first (by when it happened, then by when it was recorded).
    pub fn ledger(&self, customer_id: i64) -> Result<Vec<ConsentEvent>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {EVENT_COLUMNS} FROM consent_events WHERE customer_id = ?1 ORDER BY occurred_at DESC, id DESC"
        ))?;
        let rows = stmt.query_map([customer_id], event_from_row)?;
        rows.map(|r| r?.into_event()).collect()
    }

    /// The latest events across all customers, newest recorded first.
    pub fn recent_events(&self, limit: usize) -> Result<Vec<ConsentEvent>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {EVENT_COLUMNS} FROM consent_events ORDER BY recorded_at DESC, id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit as i64], event_from_row)?;
        rows.map(|r| r?.into_event()).collect()
    }

    /// Consent and send-relevant facts for one customer.
    /// The folded state of one purpose with the date of its deciding event.
    pub fn consent_folded(&self, customer_id: i64, purpose: Purpose) -> Result<Folded> {
        folded_tx(&self.conn, customer_id, purpose)
    }

    pub fn customer_consent(&self, customer_id: i64) -> Result<CustomerConsent> {
        customer_consent_tx(&self.conn, customer_id)
    }

    /// How many customers are in each state, per purpose.
    pub fn consent_counts(&self) -> Result<[(Purpose, StateCounts); 2]> {
        let total = self.customer_count()?;
        let mut out = [(Purpose::Service, StateCounts::default()), (Purpose::Marketing, StateCounts::default())];
        for (purpose, counts) in &mut out {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT state, count(*) FROM consent_state WHERE purpose = ?1 GROUP BY state")?;
            let mut rows = stmt.query([purpose.as_str()])?;
            while let Some(r) = rows.next()? {
                let state: String = r.get(0)?;
                let n: i64 = r.get(1)?;
                match state.as_str() {
                    "granted" => counts.granted = n,
                    "pending" => counts.pending = n,
                    "withdrawn" => counts.withdrawn = n,
                    _ => {}
                }
            }
            counts.none = total - counts.granted - counts.pending - counts.withdrawn;
        }
        Ok(out)
    }

    /// Customers with an open double opt-in, with when it was requested (oldest first).
    pub fn pending_confirmations(&self) -> Result<Vec<(i64, Purpose, chrono::DateTime<chrono::Utc>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT customer_id, purpose, since FROM consent_state WHERE state = 'pending' ORDER BY since, customer_id",
        )?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, p, since) = row?;
            let purpose = p.parse().map_err(|_| StoreError::Corrupt("consent_state.purpose".into()))?;
            let since = since.as_deref().map(parse_ts).transpose()?.unwrap_or_default();
            out.push((id, purpose, since));
        }
        Ok(out)
    }

    /// The sanctioned erasure path: pseudonymises the customer's ledger rows (customer link replaced by
    /// `subject_hash`), optionally suppresses the hash for marketing, deletes the customer with their tags, consent
    /// state, outbox rows and inbound messages, and records the erasure (not whom) in the audit log.
    /// `crate::privacy::erase` wraps this with everything else an erasure needs (evidence redaction, webhook
    /// bodies, logs, journal); this shorter form keeps the evidence as it is and sets no deletion date.
    pub fn erase_customer(&mut self, customer_id: i64, subject_hash: &str, actor: &str) -> Result<ErasureOutcome> {
        let now = self.now();
        let tx = self.conn.transaction()?;
        let keep = |e: &str| e.to_owned();
        let request = ErasureRequest { customer_id, subject_hash, actor, keep_until: None, redact_evidence: &keep };
        let outcome = erase_customer_tx(&tx, &request, now)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// All keyed hashes on the suppression list for `purpose`.
    pub fn suppressed_hashes(&self, purpose: Purpose) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT subject_hash FROM suppression WHERE purpose = ?1")?;
        let rows = stmt.query_map([purpose.as_str()], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(rows)
    }

    /// Whether a keyed hash is on the suppression list for `purpose`.
    pub fn is_suppressed(&self, subject_hash: &str, purpose: Purpose) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM suppression WHERE subject_hash = ?1 AND purpose = ?2)",
            params![subject_hash, purpose.as_str()],
            |r| r.get(0),
        )?)
    }
}

/// What an erasure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErasureOutcome {
    pub pseudonymised_events: usize,
    pub suppressed: bool,
}

/// What to erase and how, for [`erase_customer_tx`].
pub struct ErasureRequest<'a> {
    pub customer_id: i64,
    /// Keyed hash of the number (`crate::privacy::subject_hash`) that replaces the customer link.
    pub subject_hash: &'a str,
    pub actor: &'a str,
    /// When the pseudonymised rows may be deleted (end of the limitation period); `None` records no date.
    pub keep_until: Option<chrono::DateTime<chrono::Utc>>,
    /// Rewrites the evidence of each pseudonymised row (e.g. wamids, which encode the number, become keyed hashes).
    pub redact_evidence: &'a dyn Fn(&str) -> String,
}

/// The erasure path inside the caller's transaction (see [`Store::erase_customer`]). The only code besides
/// [`delete_pseudonymised_tx`] that opens the erasure gate; it closes it again before returning.
pub fn erase_customer_tx(
    tx: &Transaction<'_>,
    request: &ErasureRequest<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ErasureOutcome> {
    let customer_id = request.customer_id;
    let now = ts(now);
    let exists: bool =
        tx.query_row("SELECT EXISTS(SELECT 1 FROM customers WHERE id = ?1)", [customer_id], |r| r.get(0))?;
    if !exists {
        return Err(StoreError::NotFound(format!("customer {customer_id}")));
    }
    let objected: bool = tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM consent_state WHERE customer_id = ?1 AND state = 'withdrawn')",
        [customer_id],
        |r| r.get(0),
    )?;
    let rows: Vec<(i64, String)> = {
        let mut stmt = tx.prepare("SELECT id, evidence FROM consent_events WHERE customer_id = ?1 ORDER BY id")?;
        stmt.query_map([customer_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
    };
    tx.execute("UPDATE erasure_gate SET open = 1 WHERE id = 1", [])?;
    for (id, evidence) in &rows {
        tx.execute(
            "UPDATE consent_events SET customer_id = NULL, subject_hash = ?2, evidence = ?3 WHERE id = ?1",
            params![id, request.subject_hash, (request.redact_evidence)(evidence)],
        )?;
    }
    tx.execute("UPDATE erasure_gate SET open = 0 WHERE id = 1", [])?;
    let pseudonymised = rows.len();
    if objected {
        tx.execute(
            "INSERT OR IGNORE INTO suppression (subject_hash, purpose, reason, created_at) VALUES (?1, 'marketing', 'withdrawn_before_erasure', ?2)",
            params![request.subject_hash, now],
        )?;
    }
    if let Some(until) = request.keep_until.filter(|_| pseudonymised > 0) {
        tx.execute(
            "INSERT INTO erasures (subject_hash, erased_at, keep_until) VALUES (?1, ?2, ?3)
             ON CONFLICT (subject_hash) DO UPDATE SET erased_at = excluded.erased_at,
                 keep_until = max(erasures.keep_until, excluded.keep_until)",
            params![request.subject_hash, now, ts(until)],
        )?;
    }
    tx.execute("DELETE FROM outbox WHERE customer_id = ?1", [customer_id])?;
    tx.execute("DELETE FROM inbound_messages WHERE customer_id = ?1", [customer_id])?;
    tx.execute("DELETE FROM customers WHERE id = ?1", [customer_id])?;
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'customer_erased', ?3)",
        params![now, request.actor, format!("{pseudonymised} ledger rows pseudonymised")],
    )?;
    Ok(ErasureOutcome { pseudonymised_events: pseudonymised, suppressed: objected })
}

/// Deletes the pseudonymised ledger rows of one erased subject at the end of their retention (through the erasure
/// gate) and its `erasures` row. Returns how many ledger rows went.
pub fn delete_pseudonymised_tx(tx: &Transaction<'_>, subject_hash: &str) -> Result<usize> {
    tx.execute("UPDATE erasure_gate SET open = 1 WHERE id = 1", [])?;
    let n = tx.execute("DELETE FROM consent_events WHERE customer_id IS NULL AND subject_hash = ?1", [subject_hash])?;
    tx.execute("UPDATE erasure_gate SET open = 0 WHERE id = 1", [])?;
    tx.execute("DELETE FROM erasures WHERE subject_hash = ?1", [subject_hash])?;
    Ok(n)
}

/// Appends an event inside an open transaction and refreshes the folded state of that purpose.
pub fn record_consent_tx(
    tx: &Transaction<'_>,
    event: &NewConsentEvent,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    validate_event(event, now)?;
    let exists: bool =
        tx.query_row("SELECT EXISTS(SELECT 1 FROM customers WHERE id = ?1)", [event.customer_id], |r| r.get(0))?;
    if !exists {
        return Err(StoreError::NotFound(format!("customer {}", event.customer_id)));
    }
    let mut wording = event.wording_version;
    if matches!(event.kind, EventKind::Granted | EventKind::ConfirmationRequested) {
        let current: Option<u32> = tx.query_row(
            "SELECT max(version) FROM consent_wordings WHERE purpose = ?1",
            [event.purpose.as_str()],
            |r| r.get(0),
        )?;
        let Some(current) = current else {
            // No wording exists yet, and wordings can only be generated once the shop has a name.
            return Err(ConsentError::ShopNameMissing.into());
        };
        match wording {
            Some(v) => {
                let known: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM consent_wordings WHERE purpose = ?1 AND version = ?2)",
                    params![event.purpose.as_str(), v],
                    |r| r.get(0),
                )?;
                if !known {
                    return Err(ConsentError::UnknownWording(v).into());
                }
            }
            None => wording = Some(current),
        }
    }
    tx.execute(
        "INSERT INTO consent_events (customer_id, purpose, kind, source, evidence, wording_version, recorded_by, occurred_at, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            event.customer_id,
            event.purpose.as_str(),
            event.kind.as_str(),
            event.source.as_str(),
            event.evidence.trim(),
            wording,
            event.recorded_by,
            ts(event.occurred_at),
            ts(now),
        ],
    )?;
    let id = tx.last_insert_rowid();
    refresh_state_tx(tx, event.customer_id, event.purpose)?;
    if event.kind == EventKind::Withdrawn {
        // A withdrawal stops what is still queued for that person, in the same transaction.
        super::outbox::cancel_after_withdrawal_tx(tx, event.customer_id, event.purpose, now)?;
    }
    Ok(id)
}

/// The newest wording of a purpose: (version, text).
pub fn latest_wording_tx(conn: &rusqlite::Connection, purpose: Purpose) -> Result<Option<(u32, String)>> {
    Ok(conn
        .prepare_cached("SELECT version, text FROM consent_wordings WHERE purpose = ?1 ORDER BY version DESC LIMIT 1")?
        .query_row([purpose.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// An open double opt-in: the request's evidence (its wamid), wording version and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRequest {
    pub evidence: String,
    pub wording_version: Option<u32>,
    pub asked_at: chrono::DateTime<chrono::Utc>,
}

/// The newest confirmation request of a purpose while its state is still pending.
pub fn open_request_tx(conn: &rusqlite::Connection, customer_id: i64, purpose: Purpose) -> Result<Option<OpenRequest>> {
    let row: Option<(String, Option<u32>, String)> = conn
        .prepare_cached(
            "SELECT e.evidence, e.wording_version, e.occurred_at FROM consent_events e
             JOIN consent_state s ON s.customer_id = e.customer_id AND s.purpose = e.purpose
             WHERE e.customer_id = ?1 AND e.purpose = ?2 AND s.state = 'pending'
               AND e.kind = 'confirmation_requested'
             ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1",
        )?
        .query_row(params![customer_id, purpose.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    row.map(|(evidence, wording_version, at)| Ok(OpenRequest { evidence, wording_version, asked_at: parse_ts(&at)? }))
        .transpose()
}

/// Pending double opt-ins requested at or before `cutoff`: (customer id, purpose, since).
pub fn pending_since_tx(
    conn: &rusqlite::Connection,
    cutoff: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(i64, Purpose, chrono::DateTime<chrono::Utc>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT customer_id, purpose, since FROM consent_state WHERE state = 'pending' AND since IS NOT NULL AND since <= ?1",
    )?;
    let rows =
        stmt.query_map([ts(cutoff)], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, p, since) = row?;
        let purpose = p.parse().map_err(|_| StoreError::Corrupt("consent_state.purpose".into()))?;
        out.push((id, purpose, parse_ts(&since)?));
    }
    Ok(out)
}

/// Whether the ledger already holds exactly this grant (same purpose, time and wording version).
pub fn has_grant(
    conn: &rusqlite::Connection,
    customer_id: i64,
    purpose: Purpose,
    occurred_at: chrono::DateTime<chrono::Utc>,
    wording_version: u32,
) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM consent_events WHERE customer_id = ?1 AND purpose = ?2 AND kind = 'granted'
             AND occurred_at = ?3 AND wording_version = ?4)",
        )?
        .query_row(params![customer_id, purpose.as_str(), ts(occurred_at), wording_version], |row| row.get(0))?)
}

/// Recomputes the folded state of one purpose from the ledger and stores it.
pub fn refresh_state_tx(tx: &Transaction<'_>, customer_id: i64, purpose: Purpose) -> Result<()> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM consent_events WHERE customer_id = ?1 AND purpose = ?2"
    ))?;
    let events = stmt
        .query_map(params![customer_id, purpose.as_str()], event_from_row)?
        .map(|r| r?.into_event())
        .collect::<Result<Vec<_>>>()?;
    let folded = fold(&events, purpose);
    tx.execute(
        "INSERT INTO consent_state (customer_id, purpose, state, since) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (customer_id, purpose) DO UPDATE SET state = excluded.state, since = excluded.since",
        params![customer_id, purpose.as_str(), folded.state.as_str(), folded.since.map(ts)],
    )?;
    Ok(())
}

/// The folded state of one purpose with the date of its deciding event.
pub fn folded_tx(conn: &rusqlite::Connection, customer_id: i64, purpose: Purpose) -> Result<Folded> {
    let row: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT state, since FROM consent_state WHERE customer_id = ?1 AND purpose = ?2",
            params![customer_id, purpose.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((state, since)) = row else { return Ok(Folded::default()) };
    Ok(Folded {
        state: state.parse().map_err(|_| StoreError::Corrupt("consent_state".into()))?,
        since: since.as_deref().map(parse_ts).transpose()?,
    })
}

/// Consent facts of one customer on any connection or transaction.
pub fn customer_consent_tx(conn: &rusqlite::Connection, customer_id: i64) -> Result<CustomerConsent> {
    let mut c = CustomerConsent::default();
    let mut stmt = conn.prepare_cached("SELECT purpose, state FROM consent_state WHERE customer_id = ?1")?;
    let mut rows = stmt.query([customer_id])?;
    while let Some(r) = rows.next()? {
        let purpose: String = r.get(0)?;
        let state: ConsentState =
            r.get::<_, String>(1)?.parse().map_err(|_| StoreError::Corrupt("consent_state".into()))?;
        match purpose.as_str() {
            "service" => c.service = state,
            _ => c.marketing = state,
        }
    }
    let last: Option<String> = conn
        .query_row("SELECT max(received_at) FROM inbound_messages WHERE customer_id = ?1", [customer_id], |r| r.get(0))
        .optional()?
        .flatten();
    c.last_inbound_at = last.as_deref().map(parse_ts).transpose()?;
    Ok(c)
}

#[cfg(test)]
mod tests;
