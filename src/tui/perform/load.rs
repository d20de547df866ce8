//! The reads behind the load effects: each screen's data, the detail and conversation loads, and the review's
//! figures (the store resolves the audience again). Runs on the DB thread; reads only, except that opening a
//! conversation marks it read. Must not touch the terminal or the network.

use std::sync::Arc;

use super::PerformCtx;
use crate::domain::broadcast::Audience;
use crate::domain::checks;
use crate::domain::consent::Purpose;
use crate::store::broadcasts::NewBroadcast;
use crate::store::{Store, StoreError};
use crate::tui::screens::composer::ComposerData;
use crate::tui::screens::composer::RECENT_LIMIT;
use crate::tui::screens::composer::review::ReviewData;
use crate::tui::screens::consent::{ConsentData, EventRow, PendingRow, RECENT};
use crate::tui::screens::customers::detail::LedgerData;
use crate::tui::screens::customers::{CustomersData, Entry};
use crate::tui::screens::queue::{LIST_LIMIT, QueueData, REPLIES_LIMIT};
use crate::tui::screens::replies::ConversationData;

/// Conversation lines loaded at most.
const CONVERSATION: usize = 200;

pub fn customers(ctx: &PerformCtx, store: &Store) -> Result<CustomersData, StoreError> {
    // The version first: if someone writes meanwhile, the next check reloads once more (never too little).
    let data_version = store.data_version()?;
    // Exactly as many slots as rows (no doubling growth beside the list), filled while the rows are read.
    let mut entries = Vec::with_capacity(store.customer_count()?.max(0) as usize);
    let (prefix, region) = (ctx.config.shop.region().prefixes(), ctx.config.shop.region());
    store.visit_listed(None, |c| entries.push(Entry::new(c, &prefix, region)))?;
    entries.shrink_to_fit();
    let tags = store.tag_counts()?;
    Ok(CustomersData { entries, tags, now: store.now(), data_version, page_of: None })
}

/// The first `n` customers in the list's order and the count: what the list draws before the whole list is in.
pub fn customer_page(ctx: &PerformCtx, store: &Store, n: usize) -> Result<CustomersData, StoreError> {
    let data_version = store.data_version()?;
    let total = store.customer_count()?.max(0) as usize;
    let mut entries = Vec::with_capacity(n.min(total));
    let (prefix, region) = (ctx.config.shop.region().prefixes(), ctx.config.shop.region());
    store.visit_listed(Some(n), |c| entries.push(Entry::new(c, &prefix, region)))?;
    Ok(CustomersData { entries, tags: Vec::new(), now: store.now(), data_version, page_of: Some(total) })
}

fn name_of(store: &Store, id: i64) -> Result<Option<String>, StoreError> {
    match store.customer(id) {
        Ok(c) => Ok(Some(c.name)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn consent(store: &Store) -> Result<ConsentData, StoreError> {
    let data_version = store.data_version()?;
    let counts = store.consent_counts()?;
    let mut names: std::collections::HashMap<i64, Option<String>> = std::collections::HashMap::new();
    let mut events = Vec::new();
    for event in store.recent_events(RECENT)? {
        let name = match event.customer_id {
            Some(id) => match names.get(&id) {
                Some(n) => n.clone(),
                None => {
                    let n = name_of(store, id)?;
                    names.insert(id, n.clone());
                    n
                }
            },
            None => None,
        };
        events.push(EventRow { event, name });
    }
    let mut pending = Vec::new();
    for (customer_id, purpose, since) in store.pending_confirmations()? {
        let name = name_of(store, customer_id)?.unwrap_or_default();
        pending.push(PendingRow { customer_id, name, purpose, since });
    }
    let mut wordings = Vec::new();
    for p in Purpose::ALL {
        wordings.push((*p, store.current_wording(*p)?));
    }
    Ok(ConsentData { counts, events, pending, wordings, now: store.now(), data_version })
}

pub fn ledger(store: &Store, id: i64) -> Result<LedgerData, StoreError> {
    let mut replies = store.conversation(id, 50)?;
    replies.retain(|r| !r.ours);
    Ok(LedgerData { customer: store.customer(id)?, events: store.ledger(id)?, replies })
}

pub fn composer(store: &Store) -> Result<ComposerData, StoreError> {
    let templates = store.templates()?;
    let mut last = Vec::new();
    for t in &templates {
        if let Some(b) = store.last_broadcast_of(&t.name)?
            && b.language == t.language
        {
            last.push(b);
        }
    }
    let recent = store.recent_broadcasts(RECENT_LIMIT)?;
    // A cancelled broadcast is not what the farmer wants to start from (issue 13: a cancelled Schlachttermin was).
    let latest_template = crate::tui::screens::composer::repeat_default(&recent).map(|b| b.template.clone());
    Ok(ComposerData {
        recent,
        candidates: Arc::new(store.candidates(&Audience::All)?),
        tags: store.tag_counts()?,
        templates,
        last,
        latest_template,
        now: store.now(),
    })
}

pub fn queue(store: &Store) -> Result<QueueData, StoreError> {
    let templates = store.templates()?;
    Ok(QueueData {
        broadcasts: store.list_broadcasts(LIST_LIMIT)?,
        alerts: store.active_alerts()?,
        sender_alert: crate::queue::health::SenderAlert::read(store.path()),
        replies: store.replies(REPLIES_LIMIT)?,
        unread: store.unread_replies()?,
        categories: templates.iter().map(|t| (t.name.clone(), t.category)).collect(),
        templates,
        now: store.now(),
    })
}

pub fn conversation(ctx: &PerformCtx, store: &mut Store, customer_id: i64) -> Result<ConversationData, StoreError> {
    store.mark_replies_read(customer_id)?;
    let c = store.customer(customer_id)?;
    let phone = c.phone_label_for(ctx.config.shop.region(), ctx.lang);
    Ok(ConversationData {
        customer_id,
        name: c.name,
        phone,
        messages: store.conversation(customer_id, CONVERSATION)?,
        window_closes: store.window_closes(customer_id)?,
        now: store.now(),
    })
}

/// The store resolves the audience again (consent may have changed since the data was loaded) and the review's
/// figures are computed from the configuration.
pub fn review(ctx: &PerformCtx, store: &Store, new: NewBroadcast) -> Result<ReviewData, StoreError> {
    let c = &store.with_account_limits(&ctx.config)?;
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

/// Which secrets are stored (file or environment), never their values.
pub fn settings(ctx: &PerformCtx) -> Result<crate::tui::screens::settings::SettingsMsg, crate::tui::app::Failure> {
    let s = crate::config::Secrets::load(&ctx.paths.secrets_file, &crate::config::Secrets::process_env)?;
    Ok(crate::tui::screens::settings::SettingsMsg::Loaded(crate::tui::screens::settings::Stored {
        token: s.whatsapp_token.is_some(),
        app_secret: s.app_secret.is_some(),
        verify_token: s.verify_token.is_some(),
        app_id: s.app_id.is_some(),
    }))
}
