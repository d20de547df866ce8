//! Applying parsed webhook events to the database: delivery statuses (forward only), inbound messages with keywords
//! (STOP, ANMELDEN → double opt-in, JA), WhatsApp's own marketing setting, template updates. Every effect runs inside
//! the caller's transaction and is recorded in `applied_effects`, so a replayed webhook changes nothing twice.
//! Replies to customers are queued as `reply_in_window` outbox rows — this module never talks HTTP. Sign-ups from
//! unknown numbers are capped per rolling hour (a flood of ANMELDEN must not make thousands of customers and
//! replies); above the cap the message is kept for the farmer's review. Decides only: every read and write is a
//! store function (`crate::store`), outbox rows move through [`crate::store::outbox_events`].

use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::Transaction;

use crate::config::Config;
use crate::domain::consent::{ConsentState, EventKind, NewConsentEvent, Purpose, SERVICE_WINDOW, Source};
use crate::domain::customer::{CustomerDraft, clean_text};
use crate::domain::keywords::{Keyword, classify, is_opt_out_label, looks_like_stop};
use crate::domain::phone::{Phone, Recipient, Region};
use crate::domain::sending::state::RowEvent;
use crate::store::Result;
use crate::store::alerts::raise_alert_tx;
use crate::store::consent::{
    customer_consent_tx, latest_wording_tx, open_request_tx, pending_since_tx, record_consent_tx,
};
use crate::store::customers::{
    customer_by_user_id_tx, customer_id_by_phone, insert_customer_tx, insert_user_customer_tx, set_missing_phone_tx,
    set_user_id_tx,
};
use crate::store::inbound::{
    NewInbound, Signup, insert_inbound_tx, mark_not_keyword_tx, queue_reply_tx, signups_since_tx,
};
use crate::store::outbox_events::{StatusReport, apply_status_tx, row_for_status_tx};
use crate::store::templates::{set_template_category_tx, set_template_status_tx};
use crate::store::webhooks::{ALERT_SIGNUPS_HELD, claim_effect_tx};
use crate::whatsapp::payload::{
    DeliveryStatus, InboundContent, InboundMessage, StatusEvent, TemplateUpdate, UserPreference, WebhookEvent,
};

/// What applying needs to know about the shop.
#[derive(Debug, Clone)]
pub struct ApplyContext {
    pub shop_name: String,
    pub region: Region,
    /// Most sign-ups from unknown numbers per rolling hour (`[webhook] signups_per_hour`; 0 = no limit).
    pub signups_per_hour: u32,
}

impl ApplyContext {
    pub fn from_config(config: &Config) -> ApplyContext {
        ApplyContext {
            shop_name: config.shop.name.clone(),
            region: config.shop.region(),
            signups_per_hour: config.webhook.signups_per_hour,
        }
    }
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
    /// Sign-ups above the hourly cap, kept for review.
    pub signups_held: usize,
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
        self.signups_held += o.signups_held;
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
            WebhookEvent::Template(t) => apply_template(tx, t, now)?,
            WebhookEvent::Account(a) => {
                // Once per event (a replayed body must not raise a stop the farmer already resolved).
                // Everything the event says is part of the key: two different events in one second both count.
                let key = format!(
                    "acct:{}:{}:{}:{:?}:{:?}:{:?}:{:?}",
                    a.field,
                    a.event,
                    a.time.unwrap_or(0),
                    a.limit,
                    a.restrictions,
                    a.ban_state,
                    a.violation
                );
                if first_time(tx, &key, now)? {
                    super::account::apply_account_tx(tx, a, now)?;
                }
                Applied::default()
            }
            WebhookEvent::Errors(_) | WebhookEvent::Other { .. } => Applied::default(),
        };
        total.add(done);
    }
    if total.signups_held > 0 {
        // Numbers only: `webhook::alert_words` says it in the farmer's language.
        let message = format!("{} > {}/h", total.signups_held, ctx.signups_per_hour);
        // Said once: while the alert is open, more held sign-ups only add to the list of replies.
        if raise_alert_tx(tx, ALERT_SIGNUPS_HELD, None, &message, now)? {
            tracing::warn!(
                held = total.signups_held,
                cap = ctx.signups_per_hour,
                "sign-ups held back: more sign-ups from unknown numbers than allowed per hour; kept for review"
            );
        }
    }
    Ok(total)
}

/// Claims an effect key; false when it was applied before.
fn first_time(tx: &Transaction<'_>, key: &str, now: DateTime<Utc>) -> Result<bool> {
    claim_effect_tx(tx, key, now)
}

fn at(timestamp: Option<i64>, now: DateTime<Utc>) -> DateTime<Utc> {
    timestamp.and_then(|t| Utc.timestamp_opt(t, 0).single()).filter(|t| *t <= now + Duration::minutes(5)).unwrap_or(now)
}

/// The row event a delivery status means (`None`: a status hofbote does not track).
fn row_event(status: &DeliveryStatus) -> Option<RowEvent> {
    match status {
        DeliveryStatus::Sent => Some(RowEvent::Accepted),
        DeliveryStatus::Delivered => Some(RowEvent::Delivered),
        DeliveryStatus::Read => Some(RowEvent::Read),
        DeliveryStatus::Failed => Some(RowEvent::Fail),
        DeliveryStatus::Other(_) => None,
    }
}

fn apply_status(tx: &Transaction<'_>, st: &StatusEvent, now: DateTime<Utc>) -> Result<Applied> {
    let mut done = Applied::default();
    // Keyed with Meta's time of the status: the keys of a broadcast's statuses land together (issue 15).
    let key = format!("st:{}:{}", st.wamid, st.status.as_str());
    if !crate::store::webhooks::claim_effect_at_tx(tx, &key, st.timestamp.unwrap_or(0), now)? {
        done.duplicates = 1;
        return Ok(done);
    }
    crate::store::costs::record_billed_tx(tx, st, now)?; // what Meta billed, once per message (issue 14 §2)
    let Some(row) = row_for_status_tx(tx, &st.wamid, st.callback_data.as_deref())? else {
        tracing::info!(wamid = %st.wamid, "status for a message hofbote does not know");
        return Ok(done);
    };
    let error = st.errors.first();
    let report = StatusReport {
        wamid: &st.wamid,
        pricing_category: st.pricing_category.as_deref(),
        event: row_event(&st.status),
        at: at(st.timestamp, now),
        error_code: error.map(|e| e.code),
        reason: error.map(|e| e.title.as_str()).unwrap_or_default(),
    };
    let Some(moved) = apply_status_tx(tx, &row, &report, now)? else { return Ok(done) };
    done.statuses = 1;
    // Meta's 135000 (portfolio under review) halts the broadcast and all sending; 131063 pauses marketing.
    if moved == crate::domain::sending::state::RowState::Failed
        && let Some(code) = report.error_code
    {
        crate::store::outbox::after_failed_status_tx(tx, row.id, code, report.reason, now)?;
    }
    // Meta's 131050: the person stopped marketing messages in WhatsApp.
    if moved == crate::domain::sending::state::RowState::Failed
        && report.error_code == Some(131050)
        && let Some(cid) = row.customer_id
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
    Ok(done)
}

/// Finds the customer of an inbound message and whom replies go to. By business-scoped user id first, so a person
/// who was known only by it is merged with the number a later webhook carries (never a second customer); else by
/// number, and a number customer who now appears with a user id gets it.
fn find_customer(
    tx: &Transaction<'_>,
    from: Option<&str>,
    user_id: Option<&str>,
    region: Region,
) -> Result<Option<(i64, Recipient)>> {
    let phone = sender_phone(from, region);
    if let Some(u) = user_id
        && let Some((id, known)) = customer_by_user_id_tx(tx, u)?
    {
        let known = match (known, phone) {
            (Some(k), _) => Some(k),
            // Another customer may have that number already: then both stay as they are.
            (None, Some(p)) if set_missing_phone_tx(tx, id, &p)? => Some(p),
            (None, _) => None,
        };
        let to = match known {
            Some(p) => Recipient::Phone(p),
            None => Recipient::UserId(u.to_owned()),
        };
        return Ok(Some((id, to)));
    }
    if let Some(phone) = phone
        && let Some(id) = customer_id_by_phone(tx, &phone)?
    {
        if let Some(u) = user_id {
            set_user_id_tx(tx, id, u, true)?;
        }
        return Ok(Some((id, Recipient::Phone(phone))));
    }
    Ok(None)
}

/// Who a sign-up from someone unknown would be: their number when WhatsApp shares it, else their user id (a user
/// with a username who shares no number).
fn new_sender(m: &InboundMessage, region: Region) -> Option<Recipient> {
    let user_id = m.from_user_id.as_deref().filter(|u| crate::domain::phone::is_user_id(u));
    Recipient::of(sender_phone(m.from.as_deref(), region).as_ref(), user_id)
}

fn phone_of(to: &Recipient) -> Option<&str> {
    match to {
        Recipient::Phone(p) => Some(p.as_e164()),
        Recipient::UserId(_) => None,
    }
}

/// The sender's number as WhatsApp writes it (`49…`), parsed.
fn sender_phone(from: Option<&str>, region: Region) -> Option<Phone> {
    from.and_then(|f| Phone::parse(&format!("+{}", f.trim_start_matches('+')), region).ok())
}

/// Whether another sign-up from an unknown number fits into the rolling hour.
fn signup_allowed(tx: &Transaction<'_>, ctx: &ApplyContext, now: DateTime<Utc>) -> Result<bool> {
    if ctx.signups_per_hour == 0 {
        return Ok(true);
    }
    Ok(signups_since_tx(tx, now - Duration::hours(1))? < ctx.signups_per_hour)
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
    let mut signup = None;
    // ANMELDEN from an unknown number makes them a customer (name from the WhatsApp profile) — up to the hourly cap;
    // above it the message waits for the farmer, without a customer, consent event or reply.
    let new_sender = if customer.is_none() && matches!(keyword, Some(Keyword::Subscribe(_))) {
        new_sender(m, ctx.region)
    } else {
        None
    };
    if let Some(who) = &new_sender
        && !signup_allowed(tx, ctx, now)?
    {
        insert_inbound_tx(
            tx,
            &NewInbound {
                wamid: &m.wamid,
                customer_id: None,
                from_phone: phone_of(who),
                user_id: m.from_user_id.as_deref(),
                kind,
                text: &text,
                received_at: when,
                flagged_stop: false,
                // Not handled as a keyword: it shows in the farmer's replies.
                is_keyword: false,
                signup: Some(Signup::Held),
            },
            now,
        )?;
        done.signups_held = 1;
        return Ok(done);
    }
    if let Some(who) = new_sender {
        let profile = m.profile_name.as_deref().map(clean_text).filter(|n| !n.is_empty());
        let name = profile.clone().unwrap_or_else(|| match &who {
            Recipient::Phone(phone) => format!("WhatsApp {}", phone.display()),
            // Shown beside "WhatsApp-Nutzer (ohne Nummer)"; the farmer can rename them.
            Recipient::UserId(_) => "WhatsApp".to_owned(),
        });
        let first =
            if profile.is_some() { name.split_whitespace().next().unwrap_or("").to_owned() } else { String::new() };
        let id = match &who {
            Recipient::Phone(phone) => {
                let draft = CustomerDraft::new(&name, &first, phone.clone(), &[], "")?;
                let id = insert_customer_tx(tx, &draft, now)?;
                if let Some(u) = &m.from_user_id {
                    set_user_id_tx(tx, id, u, false)?;
                }
                id
            }
            Recipient::UserId(u) => insert_user_customer_tx(tx, &name, &first, u, now)?,
        };
        customer = Some((id, who));
        signup = Some(Signup::Created);
    }
    insert_inbound_tx(
        tx,
        &NewInbound {
            wamid: &m.wamid,
            customer_id: customer.as_ref().map(|c| c.0),
            from_phone: customer.as_ref().and_then(|c| phone_of(&c.1)).or(m.from.as_deref()),
            user_id: m.from_user_id.as_deref(),
            kind,
            text: &text,
            received_at: when,
            flagged_stop: keyword.is_none() && looks_like_stop(&text),
            is_keyword: keyword.is_some(),
            signup,
        },
        now,
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
            let consent = customer_consent_tx(tx, customer_id)?;
            for p in purposes {
                if consent.state(p) == ConsentState::Granted {
                    continue;
                }
                let Some((version, wording_text)) = latest_wording_tx(tx, p)? else {
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
                let Some(request) = open_request_tx(tx, customer_id, *p)? else { continue };
                if when - request.asked_at >= SERVICE_WINDOW {
                    continue;
                }
                let evidence = format!("{} + {}", request.evidence, m.wamid);
                record_consent_tx(tx, &event(*p, EventKind::Granted, evidence, request.wording_version), now)?;
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
                mark_not_keyword_tx(tx, &m.wamid)?;
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

fn apply_template(tx: &Transaction<'_>, t: &TemplateUpdate, now: DateTime<Utc>) -> Result<Applied> {
    if let Some(status) = &t.status {
        set_template_status_tx(tx, &t.name, &t.language, status)?;
    }
    if t.status.is_none()
        && let Some(category) = &t.category
    {
        set_template_category_tx(tx, &t.name, &t.language, category)?;
        // From now on the claim asks for the new category's consent; the farmer hears who loses the broadcast.
        super::account::note_category_change_tx(tx, t, now)?;
    }
    Ok(Applied::default())
}

/// Queues a free-text answer inside the customer's service window (sent by the send queue).
fn queue_reply(
    tx: &Transaction<'_>,
    customer_id: i64,
    to: &Recipient,
    text: &str,
    context_wamid: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let payload = serde_json::json!({ "text": text, "context": context_wamid }).to_string();
    queue_reply_tx(tx, customer_id, to.as_stored(), &payload, now)?;
    Ok(())
}

/// Records `confirmation_expired` for double opt-ins without a JA within 24 h.
pub fn expire_confirmations_tx(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<usize> {
    let expired = pending_since_tx(tx, now - SERVICE_WINDOW)?;
    for (customer_id, purpose, since) in &expired {
        record_consent_tx(
            tx,
            &NewConsentEvent {
                customer_id: *customer_id,
                purpose: *purpose,
                kind: EventKind::ConfirmationExpired,
                source: Source::WhatsappKeyword,
                evidence: "24 h ohne JA".into(),
                wording_version: None,
                recorded_by: "hofbote".into(),
                occurred_at: *since + SERVICE_WINDOW,
            },
            now,
        )?;
    }
    Ok(expired.len())
}

#[cfg(test)]
mod tests;
