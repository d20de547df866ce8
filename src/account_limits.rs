//! Reads the phone number's messaging limit and throughput from the API (`GET /{phone-number-id}?fields=throughput,
//! whatsapp_business_manager_messaging_limit` — Meta's current name; `messaging_limit_tier` is deprecated) and
//! stores them, so the claim enforces Meta's limit and the worker Meta's throughput rather than the config alone:
//! once when the service or the app starts, and again whenever an `account_update` webhook asked for it
//! (`store::account`, seen through the database's change signal). A failed read keeps the values known so far
//! (the config's until the first answer) and is tried again a minute later. The same task ends a messaging
//! restriction whose announced end has passed (checked each minute). Never decides what to send.

use std::time::Duration;

use tokio::sync::watch;

use crate::store::Db;
use crate::store::account::AccountLimits;
use crate::whatsapp::payload::tier_of;
use crate::whatsapp::{ApiError, Client};

/// How long a read may take at start before sending begins without it.
pub const AT_START: Duration = Duration::from_secs(5);
/// How soon a failed read is tried again.
const RETRY: Duration = Duration::from_secs(60);

/// Why the limits could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LimitsError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Reads the limits once and stores them; returns what is stored now.
pub async fn refresh(client: &Client, db: &Db) -> Result<AccountLimits, LimitsError> {
    let info = client.phone_number_info().await?;
    let tier = info.whatsapp_business_manager_messaging_limit.as_deref().and_then(tier_of);
    let level = info.throughput.map(|t| t.level).filter(|l| !l.is_empty());
    let limits = db
        .call(move |s| {
            s.set_account_limits(tier, level.as_deref())?;
            s.account_limits()
        })
        .await?;
    tracing::info!(tier = ?limits.tier, throughput = ?limits.throughput, "limits read from the WhatsApp API");
    Ok(limits)
}

/// [`refresh`] within [`AT_START`]; a failure is logged, sending starts with what is known.
pub async fn refresh_at_start(client: &Client, db: &Db) {
    match tokio::time::timeout(AT_START, refresh(client, db)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the limits could not be read from the WhatsApp API; using the last known")
        }
        Err(_) => tracing::warn!("the WhatsApp API did not answer the limits in time; using the last known"),
    }
}

/// Reads the limits again whenever a webhook asked for it, until `stop`.
pub async fn keep_fresh(client: std::sync::Arc<Client>, db: Db, mut stop: watch::Receiver<bool>) {
    let mut changes = crate::store::watch::DbWatch::start(db.path(), crate::store::watch::FALLBACK_POLL);
    let mut retry_at: Option<tokio::time::Instant> = None;
    loop {
        let due = match db.call(|s| s.account_limits()).await {
            Ok(l) => l.check_due,
            Err(e) => {
                tracing::warn!(error = %e, "the stored limits could not be read");
                false
            }
        };
        if due && retry_at.is_none_or(|t| tokio::time::Instant::now() >= t) {
            // A quit must not wait for a slow API.
            let read = tokio::select! {
                r = refresh(&client, &db) => r,
                _ = stop.wait_for(|s| *s) => return,
            };
            match read {
                Ok(_) => retry_at = None,
                Err(e) => {
                    tracing::warn!(error = %e, "the limits could not be read from the WhatsApp API; trying again");
                    retry_at = Some(tokio::time::Instant::now() + RETRY);
                }
            }
        }
        // A restriction with an announced end ends then, without a word from Meta.
        match db.call(|s| s.expire_account_restriction()).await {
            Ok(true) => tracing::info!("Meta's messaging restriction has expired: sending goes on"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "the restriction's end could not be checked"),
        }
        let wait = retry_at.map(|t| t.saturating_duration_since(tokio::time::Instant::now())).unwrap_or(RETRY);
        tokio::select! {
            () = changes.changed() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// The limit hofbote enforces, as `hofbote queue list` states it: "WhatsApp-Limit: 2.000 Kunden pro 24 Stunden
/// (von Meta, Stand Mo 30.11.2026 14:02); Tempo: STANDARD". `configured` is `[whatsapp] messaging_tier`.
pub fn describe(limits: &AccountLimits, configured: u32, lang: crate::i18n::Lang) -> String {
    use crate::i18n::Tr;
    let tier = limits.tier.unwrap_or(configured);
    let amount = if tier == 0 {
        Tr::new("unbegrenzt", "unlimited").get(lang).to_owned()
    } else {
        Tr::new("{0} Kunden pro 24 Stunden", "{0} customers per 24 hours")
            .fill(lang, &[&crate::tui::text::number(i64::from(tier))])
    };
    let source = match (limits.tier, limits.updated_at) {
        (Some(_), Some(at)) => {
            Tr::new("von Meta, Stand {0}", "from Meta, as of {0}").fill(lang, &[&crate::tui::text::datetime(at, lang)])
        }
        _ => Tr::new("aus den Einstellungen; Meta noch nicht gefragt", "from the settings; Meta not asked yet")
            .get(lang)
            .to_owned(),
    };
    let mut line = Tr::new("WhatsApp-Limit: {0} ({1})", "WhatsApp limit: {0} ({1})").fill(lang, &[&amount, &source]);
    if let Some(level) = &limits.throughput {
        line.push_str(&Tr::new("; Durchsatz: {0}", "; throughput: {0}").fill(lang, &[level]));
    }
    line
}
