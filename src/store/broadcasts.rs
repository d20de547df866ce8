//! Broadcasts in SQLite: creating one (audience resolved and every recipient's row written in ONE transaction, the
//! left-out customers as `skipped` with their reason), previews for the review step, listing, progress counts,
//! pause/resume/cancel/retry and the farmer's decisions for unclear rows (alerts: `store::alerts`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::consent::customer_consent_tx;
use super::customers::CustomerFilter;
use super::rows::{RowChange, Rows, change_rows_tx};
use super::{Result, Store, StoreError, parse_ts, ts};
use crate::domain::broadcast::{Audience, AudiencePlan, BroadcastError, plan_audience, purpose_of};
use crate::domain::consent::Purpose;
use crate::domain::sending::Reason;
use crate::domain::sending::state::{BroadcastState, RowEvent, RowState};
use crate::domain::template::{Category, Params, Template};

/// What the farmer asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct NewBroadcast {
    pub template: String,
    pub language: String,
    /// Values as typed, may contain `{vorname}` and `{name}`.
    pub params: Params,
    pub audience: Audience,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub created_by: String,
}

/// The resolved audience before anything is written.
#[derive(Debug, Clone)]
pub struct Preview {
    pub template: Template,
    pub purpose: Purpose,
    pub plan: AudiencePlan,
}

impl Preview {
    /// The review figures: cost, duration, tier and (for marketing) the quiet-hour wait at the send time.
    pub fn estimate(
        &self,
        config: &crate::config::Config,
        scheduled_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> crate::domain::broadcast::Estimate {
        let send_at = scheduled_at.unwrap_or(now).max(now);
        let quiet = crate::domain::parse_quiet_hours(&config.queue.quiet_hours)
            .filter(|_| self.purpose == Purpose::Marketing)
            .and_then(|q| crate::domain::sending::policy::quiet_until(&q, send_at));
        crate::domain::broadcast::estimate(
            self.plan.recipients.len(),
            self.plan.excluded.len(),
            self.template.category,
            &config.prices,
            config.whatsapp.effective_rate(),
            config.whatsapp.messaging_tier,
            quiet,
        )
    }
}

/// A broadcast as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BroadcastInfo {
    pub id: i64,
    pub template: String,
    pub language: String,
    pub params: Params,
    pub audience: Audience,
    pub state: BroadcastState,
    pub state_reason: Reason,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// Rows per state.
    pub counts: BTreeMap<RowState, i64>,
    /// When the latest row without an answer from Meta went out (rows `unknown`).
    pub unknown_since: Option<DateTime<Utc>>,
    /// The earliest queued row: when it is due, and why it waits.
    pub next_queued: Option<(DateTime<Utc>, Reason)>,
    /// For rows unclear after a restore: when that backup was taken.
    pub backup_taken_at: Option<DateTime<Utc>>,
}

impl BroadcastInfo {
    pub fn count(&self, state: RowState) -> i64 {
        self.counts.get(&state).copied().unwrap_or(0)
    }

    /// What the state words need (see [`crate::domain::sending::words`]).
    pub fn facts(&self) -> crate::domain::sending::words::BroadcastFacts<'_> {
        crate::domain::sending::words::BroadcastFacts {
            state: self.state,
            queued: self.count(RowState::Queued),
            unknown: self.count(RowState::Unknown),
            unknown_since: self.unknown_since,
            restored: self.count(RowState::Restored),
            backup_taken_at: self.backup_taken_at,
            held: self.count(RowState::Held),
            reason: Some(&self.state_reason),
            next_queued: self.next_queued.as_ref().map(|(at, r)| (*at, r)),
        }
    }

    /// Rows that still need sending or settling.
    pub fn open(&self) -> i64 {
        RowState::ALL.into_iter().filter(|s| s.is_open()).map(|s| self.count(s)).sum()
    }
}

/// One recipient row of a broadcast, for the detail view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub customer_id: Option<i64>,
    pub name: String,
    pub phone: String,
    pub state: RowState,
    pub reason: Reason,
    pub error_code: Option<i64>,
    pub attempts: i64,
    pub updated_at: DateTime<Utc>,
    /// When a queued row is due.
    pub due: Option<DateTime<Utc>>,
    /// When it last went out (for unknown rows: since when WhatsApp's answer is missing).
    pub inflight_at: Option<DateTime<Utc>>,
}

impl OutboxRow {
    /// What the state words need (see [`crate::domain::sending::words`]).
    pub fn facts(&self) -> crate::domain::sending::words::RowFacts<'_> {
        crate::domain::sending::words::RowFacts {
            state: self.state,
            reason: &self.reason,
            due: self.due,
            inflight_at: self.inflight_at,
        }
    }
}

/// An outbox row as read, before its state and times are parsed.
type RawRow =
    (i64, Option<i64>, String, String, String, String, Option<i64>, i64, String, Option<String>, Option<String>);

/// The farmer's answer for an unclear row as a row event.
fn decision(send_again: bool) -> RowChange {
    if send_again {
        RowChange::new(RowEvent::Resend).reason(Reason::Retry)
    } else {
        RowChange::new(RowEvent::MarkSent).reason(Reason::MarkedSent)
    }
}

fn check_sendable(t: &Template) -> Result<Purpose> {
    if crate::domain::template::is_own(&t.name) {
        return Err(BroadcastError::OwnTemplate(t.name.clone()).into());
    }
    if !t.is_approved() {
        return Err(BroadcastError::NotApproved { name: t.name.clone(), status: t.status.as_meta().into() }.into());
    }
    purpose_of(t.category).ok_or_else(|| BroadcastError::Authentication.into())
}

impl Store {
    /// Resolves the audience without writing anything (review screen, `hofbote send` without `--yes`).
    pub fn preview_broadcast(&self, b: &NewBroadcast, fallback: &str) -> Result<Preview> {
        let template = self.template(&b.template, &b.language)?.ok_or_else(|| BroadcastError::UnknownTemplate {
            name: b.template.clone(),
            language: b.language.clone(),
        })?;
        let purpose = check_sendable(&template)?;
        let candidates = self.candidates(&b.audience)?;
        let plan = plan_audience(&template, purpose, &b.params, &candidates, fallback, self.now());
        Ok(Preview { template, purpose, plan })
    }

    /// Every customer the audience matches, with their consent facts (suppression included when the erasure key is
    /// known). The composer loads these once (for `Audience::All`) and plans in pure code as the farmer types.
    pub fn candidates(
        &self,
        audience: &Audience,
    ) -> Result<Vec<(crate::domain::customer::Customer, crate::domain::consent::CustomerConsent)>> {
        let rows = self.list_customers(&CustomerFilter::default())?;
        let mut out = Vec::new();
        for r in rows {
            if audience.matches(&r.customer) {
                let mut consent = customer_consent_tx(&self.conn, r.customer.id)?;
                if let Some(key) = self.erasure_key() {
                    let Some(who) = r.customer.recipient() else { continue };
                    let hash = crate::privacy::recipient_hash(key, &who);
                    consent.suppressed = self.is_suppressed(&hash, crate::domain::consent::Purpose::Marketing)?;
                }
                out.push((r.customer, consent));
            }
        }
        Ok(out)
    }

    /// Creates the broadcast and one outbox row per customer of the audience in one transaction. Returns its id.
    pub fn create_broadcast(&mut self, b: &NewBroadcast, fallback: &str, draft: bool) -> Result<(i64, Preview)> {
        let preview = self.preview_broadcast(b, fallback)?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        let id = insert_broadcast_tx(&tx, b, &preview, draft, now)?;
        tx.commit()?;
        Ok((id, preview))
    }

    /// Changes a draft (reopened in the composer): template, values, audience and time; it stays a draft (and keeps
    /// its number). Checked like a new broadcast.
    pub fn update_draft(&mut self, id: i64, b: &NewBroadcast, fallback: &str) -> Result<()> {
        self.preview_broadcast(b, fallback)?;
        let json = |v: &dyn erased::Ser| v.to_json().map_err(|e| StoreError::Corrupt(e.to_string()));
        let n = self.conn.execute(
            "UPDATE broadcasts SET template_name = ?2, language = ?3, params = ?4, audience = ?5, scheduled_at = ?6,
                    updated_at = ?7 WHERE id = ?1 AND state = 'draft'",
            params![
                id,
                b.template,
                b.language,
                json(&b.params)?,
                json(&b.audience)?,
                b.scheduled_at.map(ts),
                ts(self.now())
            ],
        )?;
        if n == 0 {
            return Err(BroadcastError::WrongState(id, self.broadcast(id).ok().map(|i| i.state)).into());
        }
        Ok(())
    }

    /// Queues a draft: resolves the audience anew (consent may have changed since).
    pub fn queue_draft(&mut self, id: i64, fallback: &str) -> Result<Preview> {
        let info = self.broadcast(id)?;
        if info.state != BroadcastState::Draft {
            return Err(BroadcastError::WrongState(id, Some(info.state)).into());
        }
        let b = NewBroadcast {
            template: info.template,
            language: info.language,
            params: info.params,
            audience: info.audience,
            scheduled_at: info.scheduled_at,
            created_by: info.created_by,
        };
        let preview = self.preview_broadcast(&b, fallback)?;
        let now = self.now();
        let tx = self.conn.transaction()?;
        let state = initial_state(false, b.scheduled_at, now);
        let n = tx.execute(
            "UPDATE broadcasts SET state = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'draft'",
            params![id, state, ts(now)],
        )?;
        if n == 0 {
            return Err(BroadcastError::WrongState(id, None).into());
        }
        insert_rows_tx(&tx, id, &b, &preview, now)?;
        tx.commit()?;
        Ok(preview)
    }

    pub fn broadcast(&self, id: i64) -> Result<BroadcastInfo> {
        self.broadcasts_where("WHERE b.id = ?1", &[&id])?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound(format!("broadcast {id}")))
    }

    /// All broadcasts, newest first.
    pub fn list_broadcasts(&self, limit: usize) -> Result<Vec<BroadcastInfo>> {
        let limit = limit as i64;
        self.broadcasts_where("ORDER BY b.id DESC LIMIT ?1", &[&limit])
    }

    /// The latest broadcasts of any template, newest first, drafts left out (the composer's "repeat last" offers
    /// them to pick from; cancelled ones are listed too, but are not what `l` starts on).
    pub fn recent_broadcasts(&self, limit: usize) -> Result<Vec<BroadcastInfo>> {
        let limit = limit as i64;
        self.broadcasts_where("WHERE b.state <> 'draft' ORDER BY b.id DESC LIMIT ?1", &[&limit])
    }

    /// The latest broadcast of a template that was not a draft and not cancelled (the composer's "zuletzt … an").
    pub fn last_broadcast_of(&self, template: &str) -> Result<Option<BroadcastInfo>> {
        Ok(self
            .broadcasts_where(
                "WHERE b.template_name = ?1 AND b.state NOT IN ('draft', 'cancelled') ORDER BY b.id DESC LIMIT 1",
                &[&template],
            )?
            .into_iter()
            .next())
    }

    fn broadcasts_where(&self, clause: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<BroadcastInfo>> {
        let sql = format!(
            "SELECT b.id, b.template_name, b.language, b.params, b.audience, b.state, b.state_reason, b.scheduled_at,
                    b.created_at, b.created_by FROM broadcasts b {clause}"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, template, language, p, a, state, state_reason, sched, created, by) = row?;
            let bad = |what: &str| StoreError::Corrupt(format!("broadcasts.{what} of {id}"));
            out.push(BroadcastInfo {
                id,
                template,
                language,
                params: serde_json::from_str(&p).map_err(|_| bad("params"))?,
                audience: serde_json::from_str(&a).map_err(|_| bad("audience"))?,
                state: state.parse().map_err(|()| bad("state"))?,
                state_reason: Reason::parse(&state_reason),
                scheduled_at: sched.as_deref().map(parse_ts).transpose()?,
                created_at: parse_ts(&created)?,
                created_by: by,
                counts: BTreeMap::new(),
                unknown_since: None,
                next_queued: None,
                backup_taken_at: None,
            });
            if let Some(info) = out.last_mut() {
                self.fill_progress(info)?;
            }
        }
        Ok(out)
    }

    /// Rows per state, when the latest unanswered row went out, and what the earliest queued row waits for.
    fn fill_progress(&self, info: &mut BroadcastInfo) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT state, count(*), max(inflight_at) FROM outbox WHERE broadcast_id = ?1 GROUP BY state",
        )?;
        let rows = stmt.query_map([info.id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<String>>(2)?))
        })?;
        for row in rows {
            let (state, n, last) = row?;
            let state: RowState =
                state.parse().map_err(|()| StoreError::Corrupt(format!("outbox.state of broadcast {}", info.id)))?;
            if state == RowState::Unknown {
                info.unknown_since = last.as_deref().map(parse_ts).transpose()?;
            }
            info.counts.insert(state, n);
        }
        if info.count(RowState::Restored) > 0 {
            info.backup_taken_at = self.backup_taken_at()?;
        }
        if info.count(RowState::Queued) > 0 {
            let next: Option<(Option<String>, String)> = self
                .conn
                .prepare_cached(
                    "SELECT next_attempt_at, reason FROM outbox WHERE broadcast_id = ?1 AND state = 'queued'
                     ORDER BY next_attempt_at LIMIT 1",
                )?
                .query_row([info.id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((Some(at), reason)) = next {
                info.next_queued = Some((parse_ts(&at)?, Reason::parse(&reason)));
            }
        }
        Ok(())
    }

    /// The recipient rows of a broadcast with names.
    pub fn broadcast_rows(&self, broadcast_id: i64) -> Result<Vec<OutboxRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT o.id, o.customer_id, coalesce(c.name, ''), o.phone, o.state, o.reason, o.error_code, o.attempts, o.updated_at,
                    o.next_attempt_at, o.inflight_at
             FROM outbox o LEFT JOIN customers c ON c.id = o.customer_id WHERE o.broadcast_id = ?1 ORDER BY c.name COLLATE NOCASE, o.id",
        )?;
        let rows = stmt.query_map([broadcast_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, Option<String>>(10)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, customer_id, name, phone, state, reason, error_code, attempts, updated, due, inflight): RawRow =
                row?;
            out.push(OutboxRow {
                id,
                customer_id,
                name,
                phone,
                state: state.parse().map_err(|()| StoreError::Corrupt(format!("outbox.state of {id}")))?,
                reason: Reason::parse(&reason),
                error_code,
                attempts,
                updated_at: parse_ts(&updated)?,
                due: due.as_deref().map(parse_ts).transpose()?,
                inflight_at: inflight.as_deref().map(parse_ts).transpose()?,
            });
        }
        Ok(out)
    }

    fn set_broadcast_state(
        &mut self,
        id: i64,
        from: &[BroadcastState],
        to: BroadcastState,
        reason: &str,
    ) -> Result<()> {
        let info = self.broadcast(id)?;
        if !from.contains(&info.state) {
            return Err(BroadcastError::WrongState(id, Some(info.state)).into());
        }
        self.conn.execute(
            "UPDATE broadcasts SET state = ?2, state_reason = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, to.as_str(), reason, ts(self.now())],
        )?;
        Ok(())
    }

    pub fn pause_broadcast(&mut self, id: i64) -> Result<()> {
        use BroadcastState::{Paused, Scheduled, Sending};
        self.set_broadcast_state(id, &[Sending, Scheduled], Paused, "paused_by_user")
    }

    pub fn resume_broadcast(&mut self, id: i64) -> Result<()> {
        let info = self.broadcast(id)?;
        let to = match info.scheduled_at {
            Some(at) if at > self.now() => BroadcastState::Scheduled,
            _ => BroadcastState::Sending,
        };
        self.set_broadcast_state(id, &[BroadcastState::Paused], to, "")
    }

    /// Cancels a broadcast: its queued rows are cancelled; what is in flight settles normally.
    pub fn cancel_broadcast(&mut self, id: i64) -> Result<usize> {
        let now = ts(self.now());
        let tx = self.conn.transaction()?;
        let state: String = tx.query_row("SELECT state FROM broadcasts WHERE id = ?1", [id], |r| r.get(0))?;
        let state: BroadcastState =
            state.parse().map_err(|()| StoreError::Corrupt(format!("broadcasts.state of {id}")))?;
        if matches!(state, BroadcastState::Done | BroadcastState::Cancelled) {
            return Err(BroadcastError::WrongState(id, Some(state)).into());
        }
        // What waits is cancelled; what is in flight or unclear settles normally (a status may still come).
        let cancel = RowChange::new(RowEvent::Cancel).reason(Reason::CancelledByUser).only(RowState::Queued);
        let mut n = change_rows_tx(&tx, &cancel, self.clock.now(), Rows::Broadcast(id))?;
        // Unclear after a restore: cancelling the broadcast is the farmer's decision not to send them.
        let cancel = RowChange::new(RowEvent::Cancel).reason(Reason::CancelledByUser).only(RowState::Restored);
        n += change_rows_tx(&tx, &cancel, self.clock.now(), Rows::Broadcast(id))?;
        tx.execute("UPDATE broadcasts SET state = 'cancelled', updated_at = ?2 WHERE id = ?1", params![id, now])?;
        tx.commit()?;
        Ok(n)
    }

    /// Puts the failed rows of a broadcast back in the queue (consent is checked again at claim time).
    pub fn retry_failed(&mut self, id: i64) -> Result<usize> {
        let now = ts(self.now());
        let tx = self.conn.transaction()?;
        let retry = RowChange::new(RowEvent::RetryFailed).reason(Reason::Retry).code(None);
        let n = change_rows_tx(&tx, &retry, self.clock.now(), Rows::Broadcast(id))?;
        if n > 0 {
            tx.execute("UPDATE broadcasts SET state = 'sending', state_reason = '', updated_at = ?2 WHERE id = ?1 AND state IN ('done', 'paused')", params![id, now])?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// The farmer's decision for a row whose outcome is unclear (no answer from Meta, or unclear after a restore):
    /// send again, or count it as sent.
    pub fn decide_unknown(&mut self, row_id: i64, send_again: bool) -> Result<()> {
        let now = self.now();
        let tx = self.conn.transaction()?;
        let n = change_rows_tx(&tx, &decision(send_again), now, Rows::Id(row_id))?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("unclear outbox row {row_id}")));
        }
        let bid: Option<i64> = tx.query_row("SELECT broadcast_id FROM outbox WHERE id = ?1", [row_id], |r| r.get(0))?;
        if let Some(b) = bid.filter(|_| send_again) {
            tx.execute("UPDATE broadcasts SET state = 'sending' WHERE id = ?1 AND state = 'done'", [b])?;
        }
        super::outbox::finish_broadcasts_tx(&tx, &ts(now))?;
        tx.commit()?;
        Ok(())
    }

    /// The farmer's decision for every row of a broadcast left unclear by a restore ("diese Empfänger könnten die
    /// Nachricht schon bekommen haben"): send anyway, or count them as sent. Returns how many rows it decided.
    pub fn decide_restored(&mut self, id: i64, send_again: bool) -> Result<usize> {
        let now = self.now();
        let tx = self.conn.transaction()?;
        let n = change_rows_tx(&tx, &decision(send_again).only(RowState::Restored), now, Rows::Broadcast(id))?;
        super::outbox::finish_broadcasts_tx(&tx, &ts(now))?;
        tx.commit()?;
        Ok(n)
    }

    /// Whether the same template with the same parameters already went out today (Europe/Berlin).
    pub fn sent_today(&self, template: &str, params: &Params) -> Result<bool> {
        use chrono_tz::Europe::Berlin;
        let local = self.now().with_timezone(&Berlin);
        let midnight = local.date_naive().and_hms_opt(0, 0, 0).and_then(|m| {
            use chrono::TimeZone;
            Berlin.from_local_datetime(&m).earliest()
        });
        let Some(midnight) = midnight else { return Ok(false) };
        let json = serde_json::to_string(params).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM broadcasts WHERE template_name = ?1 AND params = ?2 AND state <> 'draft' AND created_at >= ?3)",
            params![template, json, ts(midnight.with_timezone(&Utc))],
            |r| r.get(0),
        )?)
    }
}

fn initial_state(draft: bool, scheduled_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> &'static str {
    match (draft, scheduled_at) {
        (true, _) => "draft",
        (false, Some(at)) if at > now => "scheduled",
        _ => "sending",
    }
}

fn insert_broadcast_tx(
    tx: &Transaction<'_>,
    b: &NewBroadcast,
    p: &Preview,
    draft: bool,
    now: DateTime<Utc>,
) -> Result<i64> {
    let state = initial_state(draft, b.scheduled_at, now);
    let json = |v: &dyn erased::Ser| v.to_json().map_err(|e| StoreError::Corrupt(e.to_string()));
    let now_s = ts(now);
    tx.execute(
        "INSERT INTO broadcasts (template_name, language, params, audience, state, scheduled_at, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![b.template, b.language, json(&b.params)?, json(&b.audience)?, state, b.scheduled_at.map(ts), b.created_by, now_s],
    )?;
    let id = tx.last_insert_rowid();
    if !draft {
        insert_rows_tx(tx, id, b, p, now)?;
    }
    Ok(id)
}

/// One row per recipient (queued) and per excluded customer (skipped, with the reason).
fn insert_rows_tx(tx: &Transaction<'_>, id: i64, b: &NewBroadcast, p: &Preview, now: DateTime<Utc>) -> Result<()> {
    let now_s = ts(now);
    let kind = p.purpose.as_str();
    let due = ts(b.scheduled_at.unwrap_or(now).max(now));
    let mut insert = tx.prepare_cached(
        "INSERT INTO outbox (broadcast_id, customer_id, phone, kind, payload, state, reason, next_attempt_at, created_at, updated_at)
         SELECT ?1, id, coalesce(phone, user_id), ?3, ?4, ?5, ?6, ?7, ?8, ?8 FROM customers WHERE id = ?2",
    )?;
    for r in &p.plan.recipients {
        let payload = serde_json::json!({ "params": r.params }).to_string();
        insert.execute(params![id, r.customer_id, kind, payload, "queued", "", due, now_s])?;
    }
    for (cid, _, why) in &p.plan.excluded {
        insert.execute(params![id, cid, kind, "{}", "skipped", why.key(), Option::<String>::None, now_s])?;
    }
    Ok(())
}

/// Tiny helper so params and audience serialise the same way everywhere.
mod erased {
    pub trait Ser {
        fn to_json(&self) -> serde_json::Result<String>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self) -> serde_json::Result<String> {
            serde_json::to_string(self)
        }
    }
}

/// Category of a template as synced now (for the claim).
pub fn category_now(conn: &rusqlite::Connection, name: &str, language: &str) -> Result<Option<(Category, String)>> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT category, status FROM templates WHERE name = ?1 AND language = ?2",
            params![name, language],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(c, s)| Category::parse(&c).map(|c| (c, s))))
}
