//! Applying parsed webhook events to the database: delivery statuses (forward only), inbound messages with keywords
//! (STOP, ANMELDEN → double opt-in, JA), WhatsApp's own marketing setting, template updates. Every effect runs inside
//! the caller's transaction and is recorded in `applied_effects`, so a replayed webhook changes nothing twice.
//! Replies to customers are queued as `reply_in_window` outbox rows — this module never talks HTTP.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::domain::consent::{EventKind, NewConsentEvent, Purpose, SERVICE_WINDOW, Source};
use crate::domain::customer::{CustomerDraft, clean_text};
use crate::domain::keywords::{Keyword, classify, is_opt_out_label, looks_like_stop};
use crate::domain::phone::{Phone, Region};
use crate::store::consent::record_consent_tx;
use crate::store::customers::insert_customer_tx;
use crate::store::{Result, StoreError, ts};
use crate::whatsapp::payload::{
    DeliveryStatus, InboundContent, InboundMessage, StatusEvent, TemplateUpdate, UserPreference, WebhookEvent,
};

/// What applying needs to know about the shop.
#[derive(Debug, Clone)]
pub struct ApplyContext {
    pub shop_name: String,
    pub region: Region,
}

/// Counts of what one application did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub statuses: usize,
    pub messages: usize,
    pub withdrawals: usize,
    pub grants: usize,
    pub replies_queued: usize,
    pub duplicates: usize,
}

impl Applied {
    /// Adds another application's counts.
    pub fn add(&mut self, o: Applied) {
        self.statuses += o.statuses;
        self.messages += o.messages;
        self.withdrawals += o.withdrawals;
        self.grants += o.grants;
        self.replies_queued += o.replies_queued;
        self.duplicates += o.duplicates;
    }
}

/// Applies all events of one body in the given transaction.
pub fn apply_events(
    tx: &Transaction<'_>,
    events: &[WebhookEvent],
    ctx: &ApplyContext,
    now: DateTime<Utc>,
) -> Result<Applied> {
    expire_confirmations_tx(tx, now)?;
    let mut total = Applied::default();
    for event in events {
        let done = match event {
            WebhookEvent::Status(st) => apply_status(tx, st, now)?,
            WebhookEvent::Message(m) => apply_message(tx, m, ctx, now)?,
            WebhookEvent::UserPreference(p) => apply_preference(tx, p, ctx, now)?,
            WebhookEvent::Template(t) => apply_template(tx, t)?,
            WebhookEvent::Errors(_) | WebhookEvent::Other { .. } => Applied::default(),
        };
        total.add(done);
    }
    Ok(total)
}

/// Claims an effect key; false when it was applied before.
fn first_time(tx: &Transaction<'_>, key: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(tx.execute("INSERT OR IGNORE INTO applied_effects (key, applied_at) VALUES (?1, ?2)", params![key, ts(now)])?
        == 1)
}

fn at(timestamp: Option<i64>, now: DateTime<Utc>) -> DateTime<Utc> {
    timestamp.and_then(|t| Utc.timestamp_opt(t, 0).single()).filter(|t| *t <= now + Duration::minutes(5)).unwrap_or(now)
}

/// Forward-only rank of outbox states that statuses can reach.
fn rank(state: &str) -> Option<u8> {
    match state {
        "queued" | "inflight" | "unknown" => Some(0),
        "accepted" => Some(1),
        "delivered" => Some(2),
        "read" => Some(3),
        _ => None, // failed, cancelled, skipped: terminal
    }
}

fn apply_status(tx: &Transaction<'_>, st: &StatusEvent, now: DateTime<Utc>) -> Result<Applied> {
    let mut done = Applied::default();
    if !first_time(tx, &format!("st:{}:{}", st.wamid, st.status.as_str()), now)? {
        done.duplicates = 1;
        return Ok(done);
    }
    let row: Option<(i64, String, Option<i64>, String)> = tx
        .query_row("SELECT id, state, customer_id, kind FROM outbox WHERE wamid = ?1", [&st.wamid], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let row = match row {
        Some(r) => Some(r),
        None => match st.callback_data.as_deref().map(crate::store::outbox::token_of_callback) {
            Some(token) => tx
                .query_row("SELECT id, state, customer_id, kind FROM outbox WHERE token = ?1", [token], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()?,
            None => None,
        },
    };
    let Some((id, state, customer_id, kind)) = row else {
        tracing::info!(wamid = %st.wamid, "status for a message hofbote does not know");
        return Ok(done);
    };
    let when = ts(at(st.timestamp, now));
    let now_s = ts(now);
    tx.execute("UPDATE outbox SET wamid = coalesce(wamid, ?2) WHERE id = ?1", params![id, st.wamid])?;
    if let Some(cat) = &st.pricing_category {
        tx.execute("UPDATE outbox SET pricing_category = ?2 WHERE id = ?1", params![id, cat])?;
    }
    let current = rank(&state);
    let target = match st.status {
        DeliveryStatus::Sent => Some(1),
        DeliveryStatus::Delivered => Some(2),
        DeliveryStatus::Read => Some(3),
        DeliveryStatus::Failed | DeliveryStatus::Other(_) => None,
    };
    match (current, target, &st.status) {
        (Some(cur), Some(t), _) if t > cur => {
            let (new_state, column) = match t {
                1 => ("accepted", "accepted_at"),
                2 => ("delivered", "delivered_at"),
                _ => ("read", "read_at"),
            };
            // Column names come from the fixed match above.
            tx.execute(
                &format!(
                    "UPDATE outbox SET state = ?2, {column} = coalesce({column}, ?3), reason = '', updated_at = ?4 WHERE id = ?1"
                ),
                params![id, new_state, when, now_s],
            )?;
            // A read implies delivered and accepted; delivered implies accepted.
            tx.execute("UPDATE outbox SET accepted_at = coalesce(accepted_at, ?2) WHERE id = ?1", params![id, when])?;
            if t == 3 {
                tx.execute(
                    "UPDATE outbox SET delivered_at = coalesce(delivered_at, ?2) WHERE id = ?1",
                    params![id, when],
                )?;
            }
            done.statuses = 1;
        }
        (Some(cur), None, DeliveryStatus::Failed) if cur < 2 => {
            let code = st.errors.first().map(|e| e.code);
            let reason = st.errors.first().map(|e| e.title.clone()).unwrap_or_default();
            tx.execute(
                "UPDATE outbox SET state = 'failed', error_code = ?2, reason = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, code, reason, now_s],
            )?;
            done.statuses = 1;
            if code == Some(131050)
                && let Some(cid) = customer_id
            {
                let ev = NewConsentEvent {
                    customer_id: cid,
                    purpose: Purpose::Marketing,
                    kind: EventKind::Withdrawn,
                    source: Source::DeliveryError,
                    evidence: format!("{} (131050)", st.wamid),
                    wording_version: None,
                    recorded_by: "WhatsApp".into(),
                    occurred_at: at(st.timestamp, now),
                };
                record_consent_tx(tx, &ev, now)?;
                done.withdrawals = 1;
            }
            let _ = kind;
        }
        _ => {}
    }
    Ok(done)
}

/// Finds the customer of an inbound message: by number, else by business-scoped user id.
fn find_customer(
    tx: &Transaction<'_>,
    from: Option<&str>,
    user_id: Option<&str>,
    region: Region,
) -> Result<Option<(i64, Phone)>> {
    if let Some(phone) = from.and_then(|f| Phone::parse(&format!("+{}", f.trim_start_matches('+')), region).ok()) {
        let id: Option<i64> =
            tx.query_row("SELECT id FROM customers WHERE phone = ?1", [phone.as_e164()], |r| r.get(0)).optional()?;
        if let Some(id) = id {
            if let Some(u) = user_id {
                tx.execute("UPDATE customers SET user_id = ?2 WHERE id = ?1 AND user_id IS NULL", params![id, u])?;
            }
            return Ok(Some((id, phone)));
        }
    }
    if let Some(u) = user_id {
        let row: Option<(i64, String)> = tx
            .query_row("SELECT id, phone FROM customers WHERE user_id = ?1", [u], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((id, phone)) = row {
            let phone = Phone::from_e164(&phone).map_err(|_| StoreError::Corrupt("customers.phone".into()))?;
            return Ok(Some((id, phone)));
        }
    }
    Ok(None)
}

fn apply_message(tx: &Transaction<'_>, m: &InboundMessage, ctx: &ApplyContext, now: DateTime<Utc>) -> Result<Applied> {
    let mut done = Applied::default();
    if !first_time(tx, &format!("msg:{}", m.wamid), now)? {
        done.duplicates = 1;
        return Ok(done);
    }
    done.messages = 1;
    let when = at(m.timestamp, now);
    let (text, kind) = match &m.content {
        InboundContent::Text(t) => (t.clone(), "text"),
        InboundContent::Button { text, payload } => {
            (if text.is_empty() { payload.clone() } else { text.clone() }, "button")
        }
        InboundContent::Interactive { title, .. } => (title.clone(), "interactive"),
        InboundContent::Other { kind, caption } => {
            (if caption.is_empty() { format!("[{kind}]") } else { caption.clone() }, "other")
        }
    };
    let keyword = match &m.content {
        InboundContent::Text(t) => classify(t),
        InboundContent::Button { text, payload } | InboundContent::Interactive { title: text, id: payload } => {
            // Any quick reply with an opt-out label withdraws, also from templates no longer in the local list.
            let is_opt_out = [text, payload].iter().any(|v| !v.is_empty() && is_opt_out_label(v));
            if is_opt_out { Some(Keyword::StopMarketing) } else { classify(text) }
        }
        InboundContent::Other { .. } => None,
    };
    let mut customer = find_customer(tx, m.from.as_deref(), m.from_user_id.as_deref(), ctx.region)?;
    // ANMELDEN from an unknown number makes them a customer (name from the WhatsApp profile).
    if customer.is_none()
        && matches!(keyword, Some(Keyword::Subscribe(_)))
        && let Some(phone) =
            m.from.as_deref().and_then(|f| Phone::parse(&format!("+{}", f.trim_start_matches('+')), ctx.region).ok())
    {
        let name = m
            .profile_name
            .as_deref()
            .map(clean_text)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("WhatsApp {}", phone.display()));
        let first = name.split_whitespace().next().unwrap_or("").to_owned();
        let draft =
            CustomerDraft::new(&name, if m.profile_name.is_some() { &first } else { "" }, phone.clone(), &[], "")?;
        let id = insert_customer_tx(tx, &draft, now)?;
        if let Some(u) = &m.from_user_id {
            tx.execute("UPDATE customers SET user_id = ?2 WHERE id = ?1", params![id, u])?;
        }
        customer = Some((id, phone));
    }
    let customer_id = customer.as_ref().map(|c| c.0);
    tx.execute(
        "INSERT INTO inbound_messages (wamid, customer_id, from_phone, user_id, kind, text, received_at, flagged_stop, is_keyword)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            m.wamid,
            customer_id,
            customer.as_ref().map(|c| c.1.as_e164().to_owned()).or_else(|| m.from.clone()),
            m.from_user_id,
            kind,
            text,
            ts(when),
            keyword.is_none() && looks_like_stop(&text),
            keyword.is_some(),
        ],
    )?;
    let Some((customer_id, phone)) = customer else { return Ok(done) };
    let event = |purpose, kind, evidence: String, wording| NewConsentEvent {
        customer_id,
        purpose,
        kind,
        source: if matches!(m.content, InboundContent::Text(_)) {
            Source::WhatsappKeyword
        } else {
            Source::WhatsappButton
        },
        evidence,
        wording_version: wording,
        recorded_by: "WhatsApp".into(),
        occurred_at: when,
    };
    match keyword {
        None => {}
        Some(Keyword::StopMarketing | Keyword::StopAll) => {
            let purposes: &[Purpose] =
                if keyword == Some(Keyword::StopAll) { Purpose::ALL } else { &[Purpose::Marketing] };
            for p in purposes {
                record_consent_tx(tx, &event(*p, EventKind::Withdrawn, m.wamid.clone(), None), now)?;
                done.withdrawals += 1;
            }
            let text = if keyword == Some(Keyword::StopAll) {
                super::replies::stopped_all(&ctx.shop_name)
            } else {
                super::replies::stopped_marketing(&ctx.shop_name)
            };
            queue_reply(tx, customer_id, &phone, &text, &m.wamid, now)?;
            done.replies_queued += 1;
        }
        Some(Keyword::Subscribe(purposes)) => {
            let mut asked = Vec::new();
            for p in purposes {
                let state: Option<String> = tx
                    .query_row(
                        "SELECT state FROM consent_state WHERE customer_id = ?1 AND purpose = ?2",
                        params![customer_id, p.as_str()],
                        |r| r.get(0),
                    )
                    .optional()?;
                if state.as_deref() == Some("granted") {
                    continue;
                }
                let wording: Option<(u32, String)> = tx
                    .query_row(
                        "SELECT version, text FROM consent_wordings WHERE purpose = ?1 ORDER BY version DESC LIMIT 1",
                        [p.as_str()],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let Some((version, wording_text)) = wording else {
                    tracing::warn!("ANMELDEN received but no consent wording exists (shop name missing?)");
                    continue;
                };
                record_consent_tx(
                    tx,
                    &event(p, EventKind::ConfirmationRequested, m.wamid.clone(), Some(version)),
                    now,
                )?;
                asked.push((p, version, wording_text));
            }
            if !asked.is_empty() {
                queue_reply(
                    tx,
                    customer_id,
                    &phone,
                    &super::replies::confirm_question(&ctx.shop_name, &asked),
                    &m.wamid,
                    now,
                )?;
                done.replies_queued += 1;
            }
        }
        Some(Keyword::Confirm) => {
            let mut confirmed = Vec::new();
            for p in Purpose::ALL {
                let request: Option<(String, Option<u32>, String)> = tx
                    .query_row(
                        "SELECT e.evidence, e.wording_version, e.occurred_at FROM consent_events e
                         JOIN consent_state s ON s.customer_id = e.customer_id AND s.purpose = e.purpose
                         WHERE e.customer_id = ?1 AND e.purpose = ?2 AND s.state = 'pending'
                           AND e.kind = 'confirmation_requested'
                         ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1",
                        params![customer_id, p.as_str()],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                let Some((request_wamid, version, asked_at)) = request else { continue };
                let asked_at = crate::store::parse_ts(&asked_at)?;
                if when - asked_at >= SERVICE_WINDOW {
                    continue;
                }
                let evidence = format!("{request_wamid} + {}", m.wamid);
                record_consent_tx(tx, &event(*p, EventKind::Granted, evidence, version), now)?;
                confirmed.push(*p);
                done.grants += 1;
            }
            if !confirmed.is_empty() {
                queue_reply(
                    tx,
                    customer_id,
                    &phone,
                    &super::replies::confirmed(&ctx.shop_name, &confirmed),
                    &m.wamid,
                    now,
                )?;
                done.replies_queued += 1;
            } else {
                // A plain "Ja" with nothing pending is an ordinary answer for the farmer.
                tx.execute("UPDATE inbound_messages SET is_keyword = 0 WHERE wamid = ?1", [&m.wamid])?;
            }
        }
    }
    Ok(done)
}

fn apply_preference(
    tx: &Transaction<'_>,
    p: &UserPreference,
    ctx: &ApplyContext,
    now: DateTime<Utc>,
) -> Result<Applied> {
    let mut done = Applied::default();
    if p.category != "marketing_messages" {
        return Ok(done);
    }
    let who = p.wa_id.as_deref().or(p.user_id.as_deref()).unwrap_or("?");
    if !first_time(tx, &format!("pref:{who}:{}:{}", p.value, p.timestamp.unwrap_or(0)), now)? {
        done.duplicates = 1;
        return Ok(done);
    }
    let Some((customer_id, _)) = find_customer(tx, p.wa_id.as_deref(), p.user_id.as_deref(), ctx.region)? else {
        return Ok(done);
    };
    let kind = match p.value.as_str() {
        "stop" => EventKind::Withdrawn,
        "resume" => EventKind::PlatformResume,
        _ => return Ok(done),
    };
    record_consent_tx(
        tx,
        &NewConsentEvent {
            customer_id,
            purpose: Purpose::Marketing,
            kind,
            source: Source::MetaUserPreferences,
            evidence: format!("user_preferences {}", p.value),
            wording_version: None,
            recorded_by: "WhatsApp".into(),
            occurred_at: at(p.timestamp, now),
        },
        now,
    )?;
    if kind == EventKind::Withdrawn {
        done.withdrawals = 1;
    }
    Ok(done)
}

fn apply_template(tx: &Transaction<'_>, t: &TemplateUpdate) -> Result<Applied> {
    if let Some(status) = &t.status {
        tx.execute(
            "UPDATE templates SET status = ?3 WHERE name = ?1 AND (language = ?2 OR ?2 = '')",
            params![t.name, t.language, status],
        )?;
    }
    if t.status.is_none()
        && let Some(category) = &t.category
    {
        tx.execute(
            "UPDATE templates SET category = ?3 WHERE name = ?1 AND (language = ?2 OR ?2 = '')",
            params![t.name, t.language, category],
        )?;
    }
    Ok(Applied::default())
}

/// Queues a free-text answer inside the customer's service window (sent by the send queue).
fn queue_reply(
    tx: &Transaction<'_>,
    customer_id: i64,
    phone: &Phone,
    text: &str,
    context_wamid: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let payload = serde_json::json!({ "text": text, "context": context_wamid }).to_string();
    let now = ts(now);
    tx.execute(
        "INSERT INTO outbox (broadcast_id, customer_id, phone, kind, payload, state, next_attempt_at, created_at, updated_at)
         VALUES (NULL, ?1, ?2, 'reply_in_window', ?3, 'queued', ?4, ?4, ?4)",
        params![customer_id, phone.as_e164(), payload, now],
    )?;
    Ok(())
}

/// Records `confirmation_expired` for double opt-ins without a JA within 24 h.
pub fn expire_confirmations_tx(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<usize> {
    let cutoff = ts(now - SERVICE_WINDOW);
    let expired: Vec<(i64, String, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT customer_id, purpose, since FROM consent_state WHERE state = 'pending' AND since IS NOT NULL AND since <= ?1",
        )?;
        stmt.query_map([cutoff], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?
    };
    for (customer_id, purpose, since) in &expired {
        let since = crate::store::parse_ts(since)?;
        record_consent_tx(
            tx,
            &NewConsentEvent {
                customer_id: *customer_id,
                purpose: purpose.parse().map_err(|_| StoreError::Corrupt("consent_state.purpose".into()))?,
                kind: EventKind::ConfirmationExpired,
                source: Source::WhatsappKeyword,
                evidence: "24 h ohne JA".into(),
                wording_version: None,
                recorded_by: "hofbote".into(),
                occurred_at: since + SERVICE_WINDOW,
            },
            now,
        )?;
    }
    Ok(expired.len())
}
