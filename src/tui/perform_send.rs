//! Performs the sending side's effects against the store (composer data and review, queueing, drafts, the queue
//! screen's loads and actions, replies, writing the setup) and, in [`network`], the few that talk to the API
//! (template sync, test send, connection test) — those run in their own task, never on the DB thread.
//! Must not touch the terminal.

use std::sync::Arc;

use super::app::{BroadcastOp, Effect, Failure, Msg};
use super::perform::PerformCtx;
use super::screens::composer::ComposerData;
use super::screens::composer::review::ReviewData;
use super::screens::queue::detail::RowsData;
use super::screens::queue::{LIST_LIMIT, QueueData, REPLIES_LIMIT};
use super::screens::replies::ConversationData;
use super::screens::welcome::{SetupData, SetupEffect, SetupMsg};
use crate::domain::broadcast::Audience;
use crate::domain::checks;
use crate::store::broadcasts::NewBroadcast;
use crate::store::{Db, Store, StoreError};
use crate::whatsapp::{Client, TemplateMessage, Timeouts};

/// Conversation lines loaded at most.
const CONVERSATION: usize = 200;

/// Runs one store effect of the sending side.
pub fn perform(ctx: &PerformCtx, store: &mut Store, effect: Effect) -> Result<Msg, Failure> {
    Ok(match effect {
        Effect::LoadComposer => Msg::Composer(Box::new(load_composer(store)?)),
        Effect::LoadQueue => Msg::Queue(Box::new(load_queue(store)?)),
        Effect::LoadRows(id) => Msg::Rows(RowsData { broadcast_id: id, rows: store.broadcast_rows(id)? }),
        Effect::LoadConversation(id) => Msg::Conversation(load_conversation(ctx, store, id)?),
        Effect::LoadBadges => Msg::Badges { unread: store.unread_replies()?, open: store.open_rows()? },
        Effect::PrepareReview(new) => Msg::ReviewReady(Box::new(prepare_review(ctx, store, new)?)),
        Effect::QueueBroadcast(new) => {
            let (id, p) = store.create_broadcast(&new, &ctx.config.shop.salutation_fallback, false)?;
            let n = p.plan.recipients.len();
            store.audit(&ctx.actor, "broadcast_queued", &format!("broadcast {id}: {n} recipients"))?;
            let scheduled_at = new.scheduled_at.filter(|at| *at > store.now());
            Msg::BroadcastQueued { id, recipients: n, scheduled_at }
        }
        Effect::SaveDraft(new) => {
            let (id, _) = store.create_broadcast(&new, &ctx.config.shop.salutation_fallback, true)?;
            store.audit(&ctx.actor, "broadcast_draft", &format!("broadcast {id}"))?;
            Msg::DraftSaved(id)
        }
        Effect::Broadcast { id, op } => {
            let rows = match op {
                BroadcastOp::Pause => store.pause_broadcast(id).map(|_| 0)?,
                BroadcastOp::Resume => store.resume_broadcast(id).map(|_| 0)?,
                BroadcastOp::Cancel => store.cancel_broadcast(id)?,
                BroadcastOp::Retry => store.retry_failed(id)?,
                BroadcastOp::QueueDraft => {
                    store.queue_draft(id, &ctx.config.shop.salutation_fallback)?.plan.recipients.len()
                }
            };
            store.audit(&ctx.actor, "broadcast_changed", &format!("broadcast {id}: {op:?}"))?;
            Msg::BroadcastChanged { id, op, rows }
        }
        Effect::DecideUnknown { row, send_again } => {
            store.decide_unknown(row, send_again)?;
            store.audit(&ctx.actor, "unknown_decided", &format!("row {row}: send_again={send_again}"))?;
            Msg::UnknownDecided { send_again }
        }
        Effect::QueueReply { customer_id, text } => {
            store.queue_reply(customer_id, &text)??;
            store.audit(&ctx.actor, "reply_queued", &format!("customer {customer_id}"))?;
            Msg::ReplyQueued { customer_id, name: store.customer(customer_id)?.name }
        }
        Effect::Setup(SetupEffect::Save(data)) => {
            super::setup_files::write(&ctx.paths, &data).map_err(Failure::Message)?;
            store.audit(&ctx.actor, "setup_saved", "")?;
            Msg::Setup(SetupMsg::Saved(Box::new(data)))
        }
        _ => return Err(Failure::Offline),
    })
}

fn load_composer(store: &Store) -> Result<ComposerData, StoreError> {
    let templates = store.templates()?;
    let mut last = Vec::new();
    for t in &templates {
        if let Some(b) = store.last_broadcast_of(&t.name)?
            && b.language == t.language
        {
            last.push(b);
        }
    }
    let latest_template = last.iter().max_by_key(|b| b.id).map(|b| b.template.clone());
    Ok(ComposerData {
        candidates: Arc::new(store.candidates(&Audience::All)?),
        tags: store.tag_counts()?,
        templates,
        last,
        latest_template,
        now: store.now(),
    })
}

fn load_queue(store: &Store) -> Result<QueueData, StoreError> {
    Ok(QueueData {
        broadcasts: store.list_broadcasts(LIST_LIMIT)?,
        alerts: store.active_alerts()?,
        replies: store.replies(REPLIES_LIMIT)?,
        unread: store.unread_replies()?,
        categories: store.templates()?.into_iter().map(|t| (t.name, t.category)).collect(),
        now: store.now(),
    })
}

fn load_conversation(ctx: &PerformCtx, store: &mut Store, customer_id: i64) -> Result<ConversationData, StoreError> {
    store.mark_replies_read(customer_id)?;
    let c = store.customer(customer_id)?;
    Ok(ConversationData {
        customer_id,
        name: c.name,
        phone: c.phone.display_for(ctx.config.shop.region()),
        messages: store.conversation(customer_id, CONVERSATION)?,
        window_closes: store.window_closes(customer_id)?,
        now: store.now(),
    })
}

/// The store resolves the audience again (consent may have changed since the data was loaded) and the review's
/// figures are computed from the configuration.
fn prepare_review(ctx: &PerformCtx, store: &Store, new: NewBroadcast) -> Result<ReviewData, StoreError> {
    let c = &ctx.config;
    let p = store.preview_broadcast(&new, &c.shop.salutation_fallback)?;
    let now = store.now();
    let e = p.estimate(c, new.scheduled_at, now);
    let unit_price = if p.plan.recipients.is_empty() { 0.0 } else { e.cost / p.plan.recipients.len() as f64 };
    let sample = match p.plan.recipients.first() {
        Some(r) => Some((store.customer(r.customer_id)?.name, r.params.clone())),
        None => None,
    };
    let sent_today = store.sent_today(&new.template, &new.params)?;
    let body = sample.as_ref().map(|(_, params)| p.template.render_body(params)).unwrap_or_default();
    Ok(ReviewData {
        warnings: checks::warnings(&p.template, &body, sent_today),
        recipients: p.plan.recipients.len(),
        excluded: p.plan.excluded,
        estimate: e,
        unit_price,
        rate: c.whatsapp.effective_rate(),
        tier: c.whatsapp.messaging_tier,
        template: p.template,
        purpose: p.purpose,
        sample,
        now,
        new,
    })
}

/// The effects that talk to the API, with the client of this app (or the one the setup just entered).
pub mod network {
    use super::*;
    use crate::i18n::Localized;

    pub async fn perform(
        ctx: &PerformCtx,
        db: &Db,
        client: Option<&Arc<Client>>,
        effect: Effect,
    ) -> Result<Msg, Failure> {
        match effect {
            Effect::SyncTemplates => {
                let client = client.ok_or(Failure::Offline)?;
                Ok(Msg::TemplatesSynced(crate::whatsapp::sync_templates(client, db).await?))
            }
            Effect::TestSend { new, to } => {
                let client = client.ok_or(Failure::Offline)?;
                let fallback = ctx.config.shop.salutation_fallback.clone();
                let lang = crate::i18n::Lang::De;
                let sample = db
                    .call(move |s| {
                        let p = s.preview_broadcast(&new, &fallback)?;
                        let Some(first) = p.plan.recipients.first() else { return Ok(None) };
                        let name = s.customer(first.customer_id)?.name;
                        Ok(Some((p.template, first.params.clone(), name)))
                    })
                    .await?;
                let Some((template, params, name)) = sample else {
                    return Err(Failure::Message(
                        crate::tui::screens::composer::text::TEST_NOBODY.get(lang).to_owned(),
                    ));
                };
                let msg = TemplateMessage::from_template(&template, &params, None);
                client.send_template(&to, &msg, "test").await?;
                Ok(Msg::TestSent { to: to.display_for(ctx.config.shop.region()), sample: name })
            }
            Effect::Setup(SetupEffect::Test(data)) => test_connection(db, &data).await,
            // Only the three above are network effects (`Effect::is_network`).
            _ => Err(Failure::Offline),
        }
    }

    /// Asks the API for the phone number with the entered values, then syncs the templates into the database.
    async fn test_connection(db: &Db, data: &SetupData) -> Result<Msg, Failure> {
        let client = Client::with_token(&data.whatsapp, data.token.clone(), Timeouts::from_config(&data.whatsapp))?;
        let info = client.phone_number_info().await.map_err(|e| {
            tracing::warn!(error = %e.localized(crate::i18n::Lang::En), "setup: connection test failed");
            Failure::Api(e)
        })?;
        let report = crate::whatsapp::sync_templates(&client, db).await?;
        let approved = db.call(|s| s.approved_templates()).await?.len();
        Ok(Msg::Setup(SetupMsg::Tested {
            number: info.display_phone_number.unwrap_or_default(),
            name: info.verified_name.unwrap_or_default(),
            limit: info.whatsapp_business_manager_messaging_limit.unwrap_or_default(),
            quality: info.quality_rating.unwrap_or_default(),
            templates: report.stored,
            approved,
        }))
    }
}
