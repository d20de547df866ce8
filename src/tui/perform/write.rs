//! The writes behind the effects: customers, consent (one transaction per record), the full erasure, broadcasts
//! (queue, draft, pause/resume/cancel/retry), decisions on unknown outcomes, replies, and the setup's files. Each
//! leaves an audit line. Runs on the DB thread; must not touch the terminal or the network.

use super::PerformCtx;
use crate::config::{Secrets, ensure_erasure_key};
use crate::domain::consent::{EventKind, NewConsentEvent};
use crate::domain::customer::CustomerDraft;
use crate::store::broadcasts::NewBroadcast;
use crate::store::consent::record_consent_tx;
use crate::store::customers::insert_customer_tx;
use crate::store::{Store, StoreError};
use crate::tui::app::{BroadcastOp, ConsentRecord, Failure, Msg, Target};
use crate::tui::screens::welcome::{SetupData, SetupMsg};

pub fn save_customer(
    ctx: &PerformCtx,
    store: &mut Store,
    id: Option<i64>,
    draft: &CustomerDraft,
) -> Result<Msg, StoreError> {
    let c = match id {
        Some(id) => store.update_customer(id, draft)?,
        None => store.insert_customer(draft)?,
    };
    let action = if id.is_some() { "customer_changed" } else { "customer_added" };
    store.audit(&ctx.actor, action, &format!("id {}", c.id))?;
    Ok(Msg::CustomerSaved(c))
}

/// The full erasure (Art. 17): data, messages, webhook bodies and log lines; the ledger stays pseudonymised under
/// the keyed hash, objectors go on the suppression list.
pub fn erase(
    ctx: &PerformCtx,
    store: &mut Store,
    phone: &crate::domain::phone::Recipient,
    name: String,
) -> Result<Msg, Failure> {
    let key = ensure_erasure_key(&ctx.secrets_file, &Secrets::process_env)?;
    let report = crate::privacy::erase(store, &ctx.paths, &ctx.config, key.expose().as_bytes(), phone, &ctx.actor)?;
    Ok(Msg::Erased { name, pseudonymised: report.pseudonymised_events })
}

/// Creates the customer if new and appends one event per purpose, all in one transaction.
pub fn record_consent(ctx: &PerformCtx, store: &mut Store, r: ConsentRecord) -> Result<Msg, StoreError> {
    if matches!(r.kind, EventKind::Granted | EventKind::ConfirmationRequested) {
        // Wordings are generated from the shop's name; without one this fails with ShopNameMissing.
        store.ensure_default_wordings(&ctx.shop_name, &ctx.shop_address)?;
    }
    let now = store.now();
    let tx = store.conn_mut().transaction()?;
    let (customer_id, added) = match &r.target {
        Target::Existing(id) => (*id, false),
        Target::New(draft) => (insert_customer_tx(&tx, draft, now)?, true),
    };
    for purpose in &r.purposes {
        record_consent_tx(
            &tx,
            &NewConsentEvent {
                customer_id,
                purpose: *purpose,
                kind: r.kind,
                source: r.source,
                evidence: r.evidence.clone(),
                wording_version: if r.kind == EventKind::Granted { r.wording } else { None },
                recorded_by: ctx.actor.clone(),
                occurred_at: r.occurred_at,
            },
            now,
        )?;
    }
    tx.commit()?;
    if added {
        store.audit(&ctx.actor, "customer_added", &format!("id {customer_id}"))?;
    }
    let name = store.customer(customer_id)?.name;
    let mut overruled = None;
    for purpose in &r.purposes {
        let after = store.consent_folded(customer_id, *purpose)?;
        overruled = overruled.or(crate::domain::consent::overruled_by(r.kind, &after));
    }
    Ok(Msg::ConsentRecorded { customer_id, name, purposes: r.purposes, kind: r.kind, overruled })
}

pub fn queue_broadcast(ctx: &PerformCtx, store: &mut Store, new: &NewBroadcast) -> Result<Msg, StoreError> {
    let (id, p) = store.create_broadcast(new, &ctx.config.shop.salutation_fallback, false)?;
    let n = p.plan.recipients.len();
    store.audit(&ctx.actor, "broadcast_queued", &format!("broadcast {id}: {n} recipients"))?;
    let scheduled_at = new.scheduled_at.filter(|at| *at > store.now());
    Ok(Msg::BroadcastQueued { id, recipients: n, scheduled_at })
}

pub fn save_draft(ctx: &PerformCtx, store: &mut Store, new: &NewBroadcast) -> Result<Msg, StoreError> {
    let (id, _) = store.create_broadcast(new, &ctx.config.shop.salutation_fallback, true)?;
    store.audit(&ctx.actor, "broadcast_draft", &format!("broadcast {id}"))?;
    Ok(Msg::DraftSaved(id))
}

/// A reopened draft: stored with its changes under its number; queued too when `queue` (the audience resolved
/// anew, as for every draft).
pub fn update_draft(
    ctx: &PerformCtx,
    store: &mut Store,
    id: i64,
    new: &NewBroadcast,
    queue: bool,
) -> Result<Msg, StoreError> {
    let fallback = &ctx.config.shop.salutation_fallback;
    store.update_draft(id, new, fallback)?;
    if !queue {
        store.audit(&ctx.actor, "broadcast_draft", &format!("broadcast {id} changed"))?;
        return Ok(Msg::DraftSaved(id));
    }
    let n = store.queue_draft(id, fallback)?.plan.recipients.len();
    store.audit(&ctx.actor, "broadcast_queued", &format!("broadcast {id}: {n} recipients (draft)"))?;
    let scheduled_at = new.scheduled_at.filter(|at| *at > store.now());
    Ok(Msg::BroadcastQueued { id, recipients: n, scheduled_at })
}

pub fn broadcast(ctx: &PerformCtx, store: &mut Store, id: i64, op: BroadcastOp) -> Result<Msg, StoreError> {
    let rows = match op {
        BroadcastOp::Pause => store.pause_broadcast(id).map(|_| 0)?,
        BroadcastOp::Resume => store.resume_broadcast(id).map(|_| 0)?,
        BroadcastOp::Cancel => store.cancel_broadcast(id)?,
        BroadcastOp::Retry => store.retry_failed(id)?,
        BroadcastOp::QueueDraft => store.queue_draft(id, &ctx.config.shop.salutation_fallback)?.plan.recipients.len(),
    };
    store.audit(&ctx.actor, "broadcast_changed", &format!("broadcast {id}: {op:?}"))?;
    Ok(Msg::BroadcastChanged { id, op, rows })
}

pub fn decide_unknown(ctx: &PerformCtx, store: &mut Store, row: i64, send_again: bool) -> Result<Msg, StoreError> {
    store.decide_unknown(row, send_again)?;
    store.audit(&ctx.actor, "unknown_decided", &format!("row {row}: send_again={send_again}"))?;
    Ok(Msg::UnknownDecided { send_again })
}

/// The farmer's decision for the rows of a broadcast left unclear by a restore.
pub fn decide_restored(
    ctx: &PerformCtx,
    store: &mut Store,
    broadcast: i64,
    send_again: bool,
) -> Result<Msg, StoreError> {
    let n = store.decide_restored(broadcast, send_again)?;
    store.audit(
        &ctx.actor,
        "restored_decided",
        &format!("broadcast {broadcast}: {n} rows, send_again={send_again}"),
    )?;
    Ok(Msg::UnknownDecided { send_again })
}

/// The farmer's "alerts resolved" (the same as `hofbote queue resolve-alerts`).
pub fn resolve_alerts(ctx: &PerformCtx, store: &mut Store) -> Result<Msg, StoreError> {
    let n = store.resolve_alerts()?;
    store.audit(&ctx.actor, "alerts_resolved", &format!("{n} alerts"))?;
    Ok(Msg::AlertsResolved(n))
}

pub fn queue_reply(ctx: &PerformCtx, store: &mut Store, customer_id: i64, text: &str) -> Result<Msg, Failure> {
    store.queue_reply(customer_id, text)??;
    store.audit(&ctx.actor, "reply_queued", &format!("customer {customer_id}"))?;
    Ok(Msg::ReplyQueued { customer_id, name: store.customer(customer_id)?.name })
}

/// Writes the configuration the welcome setup entered (step 1: the shop).
pub fn setup(ctx: &PerformCtx, store: &mut Store, data: SetupData) -> Result<Msg, Failure> {
    crate::tui::setup_files::write_setup(&ctx.paths, &data, ctx.config.language()).map_err(Failure::Message)?;
    store.audit(&ctx.actor, "setup_saved", "")?;
    Ok(Msg::Setup(SetupMsg::Saved(Box::new(data))))
}

/// Writes a change from the settings screen (configuration, then secrets). The audit names the keys, not values.
pub fn settings(
    ctx: &PerformCtx,
    store: &mut Store,
    change: &crate::tui::screens::settings::SettingsChange,
) -> Result<Msg, Failure> {
    crate::tui::setup_files::write_settings(&ctx.paths, change, ctx.config.language()).map_err(Failure::Message)?;
    let keys: Vec<String> = change
        .edits
        .iter()
        .map(|e| format!("{}.{}", e.table, e.key))
        .chain(change.secrets.iter().map(|(k, _)| format!("secrets.{k}")))
        .collect();
    store.audit(&ctx.actor, "settings_saved", &keys.join(" "))?;
    Ok(Msg::Settings(crate::tui::screens::settings::SettingsMsg::Saved))
}
