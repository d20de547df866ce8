//! The outbox in SQLite: the claim (due rows, consent re-checked through `may_send` with the template category as
//! synced now, quiet hours, pair limit and Meta's tier — all in ONE immediate transaction that marks the claimed rows
//! `inflight` before any request is written), recording results, crash recovery (`inflight` → `unknown`) and the
//! reconciliation of unknown rows. Never sends anything.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::broadcasts::category_now;
use super::consent::{customer_consent_tx, record_consent_tx};
use super::meta_stops::pause_broadcast_tx;
pub use super::meta_stops::{
    ALERT_MARKETING_DISABLED, ALERT_PORTFOLIO_REVIEW, after_failed_status_tx, halt_for_review_tx, pause_marketing_tx,
};
use super::rows::{RowChange, Rows, change_rows_tx};
use super::{Result, Store, StoreError, parse_ts, ts};
use crate::domain::broadcast::purpose_of;
use crate::domain::consent::{EventKind, NewConsentEvent, Purpose, SendKind, Source, may_send};
use crate::domain::phone::Recipient;
use crate::domain::schedule::QuietHours;
use crate::domain::sending::Decision;
use crate::domain::sending::Reason;
use crate::domain::sending::policy::{PAIR_INTERVAL, TIER_WINDOW, quiet_until, tier_wait};
use crate::domain::sending::state::{RowEvent, RowState};
use crate::domain::template::Params;

/// Limits the claim applies.
#[derive(Debug, Clone)]
pub struct ClaimRules {
    pub quiet_hours: Option<QuietHours>,
    /// Unique recipients outside a service window per rolling 24 h (0 = unlimited).
    pub tier: u32,
    /// Keyed-hash function for the suppression list (None: no erasure key, so nobody can be suppressed).
    pub subject_hash: Option<fn(&[u8], &Recipient) -> String>,
    pub erasure_key: Option<Vec<u8>>,
}

/// What a claimed row sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimedMessage {
    Template { name: String, language: String, params: Params },
    Text { body: String, context: Option<String> },
}

/// A row marked `inflight`, ready to be written to Meta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: i64,
    /// Random per row: the callback data Meta echoes and the send journal's key (ids are reused after a restore).
    pub token: String,
    pub broadcast_id: Option<i64>,
    pub customer_id: i64,
    /// The number, or the business-scoped user id of a person who shared none (as `outbox.phone` holds it).
    pub phone: Recipient,
    pub attempts: u32,
    pub message: ClaimedMessage,
}

/// Due rows of sending broadcasts and single messages, minus everyone with consent news waiting: a stored, not yet
/// applied webhook body whose subjects (`webhook_subjects`, written with the body) include the row's number or the
/// customer's user id. SQLite answers the NOT EXISTS with a primary-key search per candidate
/// (`SEARCH s USING PRIMARY KEY (value=?)`, see the test `claim_skips_people_with_unapplied_webhooks_cheaply`).
pub(crate) const CLAIM_SQL: &str =
    "SELECT o.id, o.broadcast_id, o.customer_id, o.phone, o.kind, o.payload, o.attempts, b.template_name, b.language,
            o.token
     FROM outbox o LEFT JOIN broadcasts b ON b.id = o.broadcast_id LEFT JOIN customers c ON c.id = o.customer_id
     WHERE o.state = 'queued' AND o.next_attempt_at <= ?1 AND (o.broadcast_id IS NULL OR b.state = 'sending')
       AND NOT EXISTS (SELECT 1 FROM webhook_subjects s WHERE s.value IN (o.phone, c.user_id))
     ORDER BY o.next_attempt_at, o.id LIMIT ?2";

/// How long marketing rows wait before they look again while an unreadable webhook body pauses marketing.
const UNREADABLE_WAIT: Duration = Duration::seconds(30);

struct Candidate {
    id: i64,
    token: String,
    broadcast_id: Option<i64>,
    customer_id: Option<i64>,
    phone: String,
    kind: String,
    payload: String,
    attempts: u32,
    template: Option<(String, String)>,
}

/// Whether an open alert stops all sending, with `?1` = [`ALERT_MARKETING_DISABLED`]: every alert but those of
/// webhooks and Meta's 131063 — the rule `alerts::stops_all_sending` states for the screen.
macro_rules! stopping_alert {
    () => {
        "EXISTS(SELECT 1 FROM alerts WHERE resolved_at IS NULL AND kind NOT LIKE 'webhook_%' AND kind <> ?1)"
    };
}

impl Store {
    /// Claims up to `limit` due rows in one immediate transaction (see module docs). Rows that may not go out are
    /// cancelled with their reason; rows that must wait get a new due time and reason.
    pub fn claim_due(&mut self, limit: usize, rules: &ClaimRules) -> Result<Vec<Claimed>> {
        let now = self.now();
        let now_s = ts(now);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Webhook alerts do not stop all sending: an unreadable body pauses marketing below, a failing one blocks only
        // the people it concerns (through `webhook_subjects`).
        // Meta's 131063 pauses marketing only: its alert stops no service message.
        let (blocked, unreadable_webhook, marketing_disabled): (bool, bool, bool) = tx.query_row(
            concat!(
                "SELECT ",
                stopping_alert!(),
                ",
                    EXISTS(SELECT 1 FROM webhook_subjects WHERE value = '' AND kind = 'unknown'),
                    EXISTS(SELECT 1 FROM alerts WHERE resolved_at IS NULL AND kind = ?1)"
            ),
            [ALERT_MARKETING_DISABLED],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if blocked {
            return Ok(Vec::new());
        }
        tx.execute(
            "UPDATE broadcasts SET state = 'sending', updated_at = ?1 WHERE state = 'scheduled' AND scheduled_at <= ?1",
            [&now_s],
        )?;
        // Consent news goes before sending: nobody is claimed while a stored body that concerns their number or
        // user id is not applied yet (one primary-key lookup per row in `webhook_subjects`, see CLAIM_SQL).
        let candidates: Vec<Candidate> = {
            let mut stmt = tx.prepare_cached(CLAIM_SQL)?;
            stmt.query_map(params![now_s, (limit * 4).max(16) as i64], |r| {
                let name: Option<String> = r.get(7)?;
                let lang: Option<String> = r.get(8)?;
                Ok(Candidate {
                    id: r.get(0)?,
                    token: r.get(9)?,
                    broadcast_id: r.get(1)?,
                    customer_id: r.get(2)?,
                    phone: r.get(3)?,
                    kind: r.get(4)?,
                    payload: r.get(5)?,
                    attempts: r.get(6)?,
                    template: name.zip(lang),
                })
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        // Meta's tier: first contact per phone in the last 24 h (template messages only).
        let mut tier_times: Vec<DateTime<Utc>> = Vec::new();
        let mut tier_phones: HashSet<String> = HashSet::new();
        // Meta's limit as last read from the API or an account_update webhook; the config's until then.
        let tier = super::account::stored_tier_tx(&tx)?.unwrap_or(rules.tier);
        if tier > 0 && !candidates.is_empty() {
            let mut stmt = tx.prepare_cached(
                "SELECT phone, min(inflight_at) FROM outbox WHERE kind IN ('marketing', 'service') AND inflight_at > ?1 GROUP BY phone ORDER BY 2",
            )?;
            let rows =
                stmt.query_map([ts(now - TIER_WINDOW)], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (phone, at) = row?;
                tier_times.push(parse_ts(&at)?);
                tier_phones.insert(phone);
            }
        }
        let mut paused: HashSet<i64> = HashSet::new();
        let mut claimed = Vec::new();
        let mut last_to: HashMap<String, DateTime<Utc>> = HashMap::new();
        for c in candidates {
            if claimed.len() >= limit {
                break;
            }
            if c.broadcast_id.is_some_and(|b| paused.contains(&b)) {
                continue;
            }
            let set_wait = |at: DateTime<Utc>, reason: Reason| {
                tx.execute(
                    "UPDATE outbox SET next_attempt_at = ?2, reason = ?3, updated_at = ?4 WHERE id = ?1",
                    params![c.id, ts(at), reason.key(), now_s],
                )
            };
            let cancel = |reason: &str| {
                change_rows_tx(
                    &tx,
                    &RowChange::new(RowEvent::Cancel).reason(Reason::parse(reason)),
                    now,
                    Rows::Id(c.id),
                )
            };
            let Some(customer_id) = c.customer_id else {
                cancel("no_customer")?;
                continue;
            };
            let phone = Recipient::from_stored(&c.phone)
                .ok_or_else(|| StoreError::Corrupt(format!("outbox.phone of {}", c.id)))?;
            // The purpose follows the template's category as synced now (Meta re-categorises templates).
            let send_kind = match (&c.template, c.kind.as_str()) {
                (None, "reply_in_window") => SendKind::ReplyInWindow,
                (Some((name, lang)), _) => match category_now(&tx, name, lang)? {
                    Some((cat, status)) if status == "APPROVED" => match purpose_of(cat) {
                        Some(p) => {
                            if p.as_str() != c.kind {
                                tx.execute("UPDATE outbox SET kind = ?2 WHERE id = ?1", params![c.id, p.as_str()])?;
                            }
                            SendKind::for_purpose(p)
                        }
                        None => {
                            cancel("authentication_template")?;
                            continue;
                        }
                    },
                    other => {
                        let why = format!(
                            "template_not_approved: {}",
                            other.map(|o| o.1).unwrap_or_else(|| "missing".into())
                        );
                        if let Some(b) = c.broadcast_id {
                            tx.execute(
                                "UPDATE broadcasts SET state = 'paused', state_reason = ?2, updated_at = ?3 WHERE id = ?1",
                                params![b, why, now_s],
                            )?;
                            paused.insert(b);
                        }
                        continue;
                    }
                },
                _ => {
                    cancel("unknown_kind")?;
                    continue;
                }
            };
            let mut consent = customer_consent_tx(&tx, customer_id)?;
            if let (Some(hash), Some(key)) = (rules.subject_hash, rules.erasure_key.as_deref()) {
                consent.suppressed = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM suppression WHERE subject_hash = ?1 AND purpose = 'marketing')",
                    [hash(key, &phone)],
                    |r| r.get(0),
                )?;
            }
            if let Err(refusal) = may_send(send_kind, &consent, now) {
                cancel(refusal.key())?;
                continue;
            }
            if send_kind == SendKind::Marketing && marketing_disabled {
                // Meta disabled marketing for this number (131063): its broadcast stays paused until the farmer
                // resolved the alert and resumes it; a single marketing row waits.
                match c.broadcast_id {
                    Some(b) => {
                        pause_broadcast_tx(&tx, b, &Reason::MarketingDisabled, now)?;
                        paused.insert(b);
                    }
                    None => {
                        set_wait(now + UNREADABLE_WAIT, Reason::MarketingDisabled)?;
                    }
                }
                continue;
            }
            if send_kind == SendKind::Marketing && unreadable_webhook {
                // A stored body we cannot read may hold anyone's STOP: marketing waits until it is dismissed.
                set_wait(now + UNREADABLE_WAIT, Reason::WebhookUnreadable)?;
                continue;
            }
            if send_kind == SendKind::Marketing
                && let Some(end) = rules.quiet_hours.as_ref().and_then(|q| quiet_until(q, now))
            {
                set_wait(end, Reason::QuietHours)?;
                continue;
            }
            // At most one message per recipient per 6 s, across broadcasts.
            let last = match last_to.get(&c.phone) {
                Some(t) => Some(*t),
                None => {
                    let t: Option<String> = tx
                        .query_row(
                            "SELECT max(inflight_at) FROM outbox WHERE phone = ?1 AND id <> ?2",
                            params![c.phone, c.id],
                            |r| r.get(0),
                        )
                        .optional()?
                        .flatten();
                    t.as_deref().map(parse_ts).transpose()?
                }
            };
            if let Some(last) = last.filter(|l| now - *l < PAIR_INTERVAL) {
                set_wait(last + PAIR_INTERVAL, Reason::PairLimit)?;
                continue;
            }
            let in_window = consent.last_inbound_at.is_some_and(|t| now - t < Duration::hours(24));
            if send_kind != SendKind::ReplyInWindow && !in_window && !tier_phones.contains(&c.phone) {
                if let Some(at) = tier_wait(tier, &tier_times, now) {
                    set_wait(at, Reason::TierLimit)?;
                    continue;
                }
                tier_times.push(now);
                tier_phones.insert(c.phone.clone());
            }
            let message = match (&c.template, send_kind) {
                (Some((name, language)), _) => {
                    let v: serde_json::Value = serde_json::from_str(&c.payload).unwrap_or_default();
                    let params: Params = serde_json::from_value(v.get("params").cloned().unwrap_or_default())
                        .map_err(|_| StoreError::Corrupt(format!("outbox.payload of {}", c.id)))?;
                    ClaimedMessage::Template { name: name.clone(), language: language.clone(), params }
                }
                (None, _) => {
                    let v: serde_json::Value = serde_json::from_str(&c.payload).unwrap_or_default();
                    ClaimedMessage::Text {
                        body: v.get("text").and_then(|t| t.as_str()).unwrap_or_default().to_owned(),
                        context: v.get("context").and_then(|t| t.as_str()).map(str::to_owned),
                    }
                }
            };
            change_rows_tx(&tx, &RowChange::new(RowEvent::Claim), now, Rows::Id(c.id))?;
            last_to.insert(c.phone.clone(), now);
            claimed.push(Claimed {
                id: c.id,
                token: c.token.clone(),
                broadcast_id: c.broadcast_id,
                customer_id,
                phone,
                attempts: c.attempts + 1,
                message,
            });
        }
        // The intents reach the disk before the claim commits: a row is never in flight without its journal line
        // (if the commit then fails, an intent for a row still queued only makes a later restore more careful).
        if let Some(journal) = self.journal.as_mut() {
            let tokens: Vec<&str> = claimed.iter().map(|c| c.token.as_str()).collect();
            journal.intents(&tokens, now)?;
        }
        tx.commit()?;
        super::stats::commit(super::stats::Kind::Claim, claimed.len());
        Ok(claimed)
    }

    /// Meta accepted the row. A status webhook may already have moved it further; then only the wamid is kept.
    pub fn record_accepted(&mut self, claimed: &Claimed, wamid: &str) -> Result<()> {
        self.record_results(&[(claimed.clone(), Ok(Answer::accepted(wamid)))])
    }

    /// Applies the decision for a failed attempt.
    pub fn record_failure(&mut self, claimed: &Claimed, decision: &Decision) -> Result<()> {
        self.record_results(&[(claimed.clone(), Err(decision.clone()))])
    }

    /// Records many send results in ONE transaction (one fsync for a whole batch).
    pub fn record_results(&mut self, results: &[(Claimed, SendOutcome)]) -> Result<()> {
        let now = self.now();
        let tx = self.conn.transaction()?;
        let (mut accepted, mut not_sent) = (Vec::new(), Vec::new());
        for (claimed, outcome) in results {
            match outcome {
                Ok(answer) => {
                    accepted_tx(&tx, claimed.id, answer, now)?;
                    // Held or not, Meta has it: the journal counts it as gone out (never sent again after a restore).
                    accepted.push(claimed.token.as_str());
                }
                Err(decision) => {
                    failure_tx(&tx, claimed, decision, now)?;
                    if !matches!(decision, Decision::Unknown { .. }) {
                        not_sent.push(claimed.token.as_str());
                    }
                }
            }
        }
        finish_broadcasts_tx(&tx, &ts(now))?;
        if let Some(journal) = self.journal.as_mut() {
            journal.outcomes(&accepted, &not_sent, now)?;
        }
        tx.commit()?;
        super::stats::commit(super::stats::Kind::Result, results.len());
        Ok(())
    }

    /// After a crash or restart: rows left `inflight` may or may not have reached Meta.
    pub fn recover_inflight(&mut self) -> Result<usize> {
        let now = self.now();
        let tx = self.conn.transaction()?;
        let n = change_rows_tx(&tx, &RowChange::new(RowEvent::OutcomeUnknown).reason(Reason::Crashed), now, Rows::All)?;
        tx.commit()?;
        super::stats::commit(super::stats::Kind::Recover, n);
        Ok(n)
    }

    /// Unknown rows older than `after`: re-queued when a webhook arrived after they went out (webhooks work, yet no
    /// status came for them); otherwise they wait for the farmer.
    pub fn reconcile_unknown(&mut self, after: Duration) -> Result<usize> {
        let now = self.now();
        let Some(last_hook) = self.last_webhook_at()? else { return Ok(0) };
        // Only `unknown` rows: a row unclear after a restore is never sent again without the farmer.
        let tx = self.conn.transaction()?;
        let n = change_rows_tx(
            &tx,
            &RowChange::new(RowEvent::Resend).reason(Reason::Retry).only(RowState::Unknown),
            now,
            Rows::Where(
                "inflight_at IS NOT NULL AND inflight_at <= ?1 AND inflight_at < ?2",
                &[&ts(now - after), &ts(last_hook)],
            ),
        )?;
        tx.commit()?;
        super::stats::commit(super::stats::Kind::Recover, n);
        Ok(n)
    }

    /// Earliest due time of a queued row in a sending broadcast (so the worker can sleep until then).
    pub fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let v: Option<String> = self.conn.query_row(
            "SELECT min(o.next_attempt_at) FROM outbox o LEFT JOIN broadcasts b ON b.id = o.broadcast_id
             WHERE o.state = 'queued' AND (o.broadcast_id IS NULL OR b.state IN ('sending', 'scheduled'))",
            [],
            |r| r.get(0),
        )?;
        v.as_deref().map(parse_ts).transpose()
    }

    /// What the worker needs to know to sleep as long as it can: the earliest due row (see [`Store::next_due`]),
    /// whether unknown rows wait for reconciliation, and whether an unresolved alert stops all sending (then only a
    /// change to the database — the farmer resolving it — can end the wait).
    pub fn idle_info(&self) -> Result<IdleInfo> {
        let next_due = self.next_due()?;
        let (unknown, blocked): (bool, bool) = self.conn.query_row(
            concat!("SELECT EXISTS(SELECT 1 FROM outbox WHERE state = 'unknown'), ", stopping_alert!()),
            [ALERT_MARKETING_DISABLED],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(IdleInfo { next_due, unknown, blocked })
    }

    /// Rows in flight or unknown right now (the TUI asks before quitting while sending).
    pub fn open_rows(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox WHERE state IN ('queued', 'inflight')", [], |r| r.get(0))?)
    }
}

/// See [`Store::idle_info`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleInfo {
    pub next_due: Option<DateTime<Utc>>,
    pub unknown: bool,
    pub blocked: bool,
}

/// The result of one send: Meta's answer, or what to do about the failure.
pub type SendOutcome = std::result::Result<Answer, Decision>;

/// Meta's answer to a send it took: the message id, and whether Meta holds it for a quality assessment of the
/// business portfolio (`message_status: "held_for_quality_assessment"`, template pacing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub wamid: String,
    pub held: bool,
}

impl Answer {
    pub fn accepted(wamid: &str) -> Answer {
        Answer { wamid: wamid.to_owned(), held: false }
    }

    pub fn held(wamid: &str) -> Answer {
        Answer { wamid: wamid.to_owned(), held: true }
    }

    /// From the client's [`crate::whatsapp::Sent`]: held when Meta said so, accepted otherwise (the field is
    /// optional and may be missing).
    pub fn from_sent(sent: &crate::whatsapp::Sent) -> Answer {
        let held = sent.message_status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(MESSAGE_STATUS_HELD));
        Answer { wamid: sent.wamid.clone(), held }
    }
}

/// Meta's `message_status` for a message held by business portfolio pacing.
pub const MESSAGE_STATUS_HELD: &str = "held_for_quality_assessment";

fn accepted_tx(tx: &rusqlite::Transaction<'_>, id: i64, answer: &Answer, now: DateTime<Utc>) -> Result<()> {
    let change = if answer.held {
        RowChange::new(RowEvent::Held).reason(Reason::HeldByMeta)
    } else {
        RowChange::new(RowEvent::Accepted).reason(Reason::None)
    };
    change_rows_tx(tx, &change, now, Rows::Id(id))?;
    // A status webhook may have moved the row further already: then only the wamid is kept.
    tx.execute("UPDATE outbox SET wamid = ?2 WHERE id = ?1 AND wamid IS NULL", params![id, answer.wamid])?;
    Ok(())
}

fn failure_tx(
    tx: &rusqlite::Transaction<'_>,
    claimed: &Claimed,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<()> {
    let row = Rows::Id(claimed.id);
    // A send result concerns the request this worker wrote: it applies only while the row is still in flight.
    let change = |event| RowChange::new(event).only(RowState::Inflight);
    match decision {
        Decision::Retry { at, reason } => {
            change_rows_tx(tx, &change(RowEvent::Retry).reason(Reason::parse(reason)).due(*at), now, row)?;
        }
        Decision::Unknown { reason } => {
            change_rows_tx(tx, &change(RowEvent::OutcomeUnknown).reason(Reason::parse(reason)), now, row)?;
        }
        Decision::Fail { code, reason } => {
            change_rows_tx(tx, &change(RowEvent::Fail).reason(Reason::parse(reason)).code(*code), now, row)?;
        }
        Decision::FailAndWithdraw { code } => {
            change_rows_tx(tx, &change(RowEvent::Fail).reason(Reason::MarketingStopped).code(Some(*code)), now, row)?;
            let id = claimed.id;
            record_consent_tx(
                tx,
                &NewConsentEvent {
                    customer_id: claimed.customer_id,
                    purpose: Purpose::Marketing,
                    kind: EventKind::Withdrawn,
                    source: Source::DeliveryError,
                    evidence: format!("outbox {id} ({code})"),
                    wording_version: None,
                    recorded_by: "WhatsApp".into(),
                    occurred_at: now,
                },
                now,
            )?;
        }
        Decision::StopAll { alert, code, detail } => {
            let reason = Reason::Stopped((*alert).to_owned());
            change_rows_tx(tx, &change(RowEvent::Retry).reason(reason).not_an_attempt(), now, row)?;
            super::alerts::raise_alert_tx(tx, alert, *code, detail, now)?;
        }
        Decision::HaltForReview { code, detail } => {
            // No error code on the row: it did not fail, and it keeps none once it went out after the review.
            let requeue = change(RowEvent::Retry).reason(Reason::PortfolioReview).not_an_attempt();
            change_rows_tx(tx, &requeue, now, row)?;
            halt_for_review_tx(tx, claimed.id, *code, detail, now)?;
        }
        Decision::PauseMarketing { code, detail } => {
            let requeue = change(RowEvent::Retry).reason(Reason::MarketingDisabled).not_an_attempt();
            change_rows_tx(tx, &requeue, now, row)?;
            pause_marketing_tx(tx, *code, detail, now)?;
        }
        Decision::PauseBroadcast { code, reason } => {
            let requeue = change(RowEvent::Retry).reason(Reason::TemplateBlocked).code(*code).not_an_attempt();
            change_rows_tx(tx, &requeue, now, row)?;
            if let Some(b) = claimed.broadcast_id {
                tx.execute(
                    "UPDATE broadcasts SET state = 'paused', state_reason = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'sending'",
                    params![b, reason, ts(now)],
                )?;
            }
        }
    }
    Ok(())
}

/// A withdrawal stops what still waits for that person for that purpose, in the transaction that records it
/// (called by `store::consent::record_consent_tx`). Rows in flight or unclear are left to settle: a status may
/// still say they went out, and the claim checks consent again before anything is sent.
pub(crate) fn cancel_after_withdrawal_tx(
    tx: &rusqlite::Transaction<'_>,
    customer_id: i64,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<usize> {
    let cancel = RowChange::new(RowEvent::Cancel).reason(Reason::Withdrawn).only(RowState::Queued);
    change_rows_tx(tx, &cancel, now, Rows::CustomerKind(customer_id, purpose.as_str()))
}

/// Broadcasts with nothing left to send or settle are done.
pub(crate) fn finish_broadcasts_tx(tx: &rusqlite::Transaction<'_>, now: &str) -> Result<()> {
    tx.execute(
        "UPDATE broadcasts SET state = 'done', updated_at = ?1 WHERE state = 'sending'
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.broadcast_id = broadcasts.id AND o.state IN ('queued', 'inflight', 'unknown', 'restored'))",
        [now],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The claim's exclusion of people with waiting consent news costs one primary-key search per candidate row,
    /// never a scan of `webhook_subjects`.
    #[test]
    fn claim_skips_people_with_unapplied_webhooks_cheaply() {
        let store = Store::open_in_memory(crate::clock::system()).unwrap();
        let mut stmt = store.conn().prepare(&format!("EXPLAIN QUERY PLAN {CLAIM_SQL}")).unwrap();
        let plan: Vec<String> =
            stmt.query_map(params!["x", 1], |r| r.get(3)).unwrap().collect::<rusqlite::Result<_>>().unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("SEARCH s USING PRIMARY KEY (value=?)"), "{plan}");
        assert!(!plan.contains("SCAN s"), "{plan}");
    }
}
