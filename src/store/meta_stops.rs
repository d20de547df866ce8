//! Meta's stops beyond one row, from a send's answer or a `failed` status: 135000 (the business portfolio under
//! quality review) halts the broadcast and all sending, 131063 (marketing disabled for the number) pauses marketing.
//! Their alerts outlive restarts; the claim reads them (`outbox::claim_due`).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Result, ts};
use crate::domain::sending::Reason;

/// The alert of Meta's 135000 (the business portfolio under quality review): stops all sending until resolved.
pub const ALERT_PORTFOLIO_REVIEW: &str = "portfolio_review";
/// The alert of Meta's 131063 (marketing disabled for the number): pauses marketing only.
pub const ALERT_MARKETING_DISABLED: &str = "marketing_disabled";

/// Pauses a sending or scheduled broadcast with `reason` (a stop that is not the farmer's).
pub(super) fn pause_broadcast_tx(
    tx: &rusqlite::Connection,
    id: i64,
    reason: &Reason,
    now: DateTime<Utc>,
) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE broadcasts SET state = 'paused', state_reason = ?2, updated_at = ?3
         WHERE id = ?1 AND state IN ('sending', 'scheduled')",
        params![id, reason.key(), ts(now)],
    )?)
}

/// Meta's 135000 (the business portfolio under quality review; by a send's answer or a `failed` status): the
/// broadcast of `row` (if any) is paused — its queued rows stay queued — and the alert that stops all sending is
/// raised (kept across restarts and handovers until the farmer resolves it or Meta reinstates the account:
/// `webhook::account`).
pub fn halt_for_review_tx(
    tx: &rusqlite::Connection,
    row: i64,
    code: Option<i64>,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let broadcast: Option<i64> =
        tx.query_row("SELECT broadcast_id FROM outbox WHERE id = ?1", [row], |r| r.get(0)).optional()?.flatten();
    if let Some(b) = broadcast {
        pause_broadcast_tx(tx, b, &Reason::PortfolioReview, now)?;
    }
    if super::alerts::raise_alert_tx(tx, ALERT_PORTFOLIO_REVIEW, code.or(Some(135000)), detail, now)? {
        tracing::error!(row, broadcast, "Meta reviews the business portfolio (135000): all sending stopped");
    }
    Ok(())
}

/// Meta's 131063 (marketing messages disabled for the number): every marketing broadcast that is sending or
/// scheduled is paused (service broadcasts go on) and the alert raised; the claim keeps marketing back while it is
/// open.
pub fn pause_marketing_tx(
    tx: &rusqlite::Connection,
    code: Option<i64>,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let n = tx.execute(
        "UPDATE broadcasts SET state = 'paused', state_reason = ?1, updated_at = ?2
         WHERE state IN ('sending', 'scheduled')
           AND EXISTS (SELECT 1 FROM outbox o WHERE o.broadcast_id = broadcasts.id AND o.kind = 'marketing'
                       AND o.state = 'queued')",
        params![Reason::MarketingDisabled.key(), ts(now)],
    )?;
    if super::alerts::raise_alert_tx(tx, ALERT_MARKETING_DISABLED, code.or(Some(131063)), detail, now)? {
        tracing::error!(paused = n, "Meta disabled marketing for this number (131063): marketing paused");
    }
    Ok(())
}

/// What a `failed` status with Meta's `code` stops beyond its row (called by the webhook receiver after the row
/// failed): 135000 halts the broadcast and all sending, 131063 pauses marketing.
pub fn after_failed_status_tx(
    tx: &rusqlite::Connection,
    row: i64,
    code: i64,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    use crate::whatsapp::ErrorClass;
    match crate::whatsapp::codes::classify(code) {
        ErrorClass::PortfolioReview => halt_for_review_tx(tx, row, Some(code), detail, now),
        ErrorClass::MarketingDisabled => pause_marketing_tx(tx, Some(code), detail, now),
        _ => Ok(()),
    }
}
