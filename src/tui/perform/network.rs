//! The effects that talk to the WhatsApp API, with the client of this app: template sync, a test send to the
//! farmer's own number, and the settings' connection test (with the saved configuration and secrets); also the
//! service installer, which runs `systemctl`. Each runs in its own task, never on the DB thread; without a client
//! the answer names what is missing and where to enter it. Must not touch the terminal.

use std::sync::Arc;

use super::PerformCtx;
use crate::i18n::Localized;
use crate::store::Db;
use crate::tui::app::{Failure, Msg};
use crate::tui::msg::ApiCall;
use crate::tui::screens::composer::text as compose_text;
use crate::tui::screens::settings::{self, SettingsMsg};
use crate::whatsapp::{Client, TemplateMessage, Timeouts};

pub async fn perform(ctx: &PerformCtx, db: &Db, client: Option<&Arc<Client>>, call: ApiCall) -> Result<Msg, Failure> {
    match call {
        ApiCall::SyncTemplates => {
            let client = client.ok_or_else(|| not_connected(ctx))?;
            Ok(Msg::TemplatesSynced(crate::template_sync::sync_templates(client, db).await?))
        }
        ApiCall::TestSend { new, to } => {
            let client = client.ok_or_else(|| not_connected(ctx))?;
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
                return Err(Failure::Message(compose_text::TEST_NOBODY.get(lang).to_owned()));
            };
            let msg = TemplateMessage::from_template(&template, &params, None);
            client.send_template(&to, &msg, "test").await?;
            Ok(Msg::TestSent { to: to.display_for(ctx.config.shop.region()), sample: name })
        }
        ApiCall::ConnectionTest => test_connection(ctx, db).await,
        ApiCall::InstallService => {
            let report = tokio::task::spawn_blocking(crate::service::install_here)
                .await
                .map_err(|e| Failure::Message(e.to_string()))?;
            let lang = ctx.config.language();
            Ok(Msg::Settings(SettingsMsg::Installed { ok: report.installed(), lines: report.lines(lang) }))
        }
    }
}

/// Why nothing can be sent: what is missing (ids, token) and where to enter it.
fn not_connected(ctx: &PerformCtx) -> Failure {
    let lang = ctx.config.language();
    let token = crate::config::Secrets::load(&ctx.paths.secrets_file, &crate::config::Secrets::process_env)
        .is_ok_and(|s| s.whatsapp_token.is_some());
    match settings::not_connected_text(&ctx.config, token, lang) {
        Some(text) => Failure::Message(text),
        None => Failure::Offline,
    }
}

/// Asks the API for the phone number with the saved configuration and secrets, then syncs the templates.
async fn test_connection(ctx: &PerformCtx, db: &Db) -> Result<Msg, Failure> {
    let lang = ctx.config.language();
    let config =
        crate::config::Config::load(&ctx.paths.config_file).map_err(|e| Failure::Message(e.localized(lang)))?;
    let secrets = crate::config::Secrets::load(&ctx.paths.secrets_file, &crate::config::Secrets::process_env)?;
    let token = secrets.whatsapp_token.clone();
    let Some(token) = token.filter(|_| settings::missing(&config, true).is_empty()) else {
        let text = settings::not_connected_text(&config, secrets.whatsapp_token.is_some(), lang);
        return Err(text.map(Failure::Message).unwrap_or(Failure::Offline));
    };
    let client = Client::with_token(&config.whatsapp, token, Timeouts::from_config(&config.whatsapp))?;
    let info = client.phone_number_info().await.map_err(|e| {
        tracing::warn!(error = %e.localized(crate::i18n::Lang::En), "settings: connection test failed");
        Failure::Api(e)
    })?;
    // What Meta said about the limits is what the claim enforces from now on.
    let tier = info.whatsapp_business_manager_messaging_limit.as_deref().and_then(crate::whatsapp::payload::tier_of);
    let level = info.throughput.as_ref().map(|t| t.level.clone()).filter(|l| !l.is_empty());
    db.call(move |s| s.set_account_limits(tier, level.as_deref())).await?;
    let report = crate::template_sync::sync_templates(&client, db).await?;
    let approved = db.call(|s| s.approved_templates()).await?.len();
    Ok(Msg::Settings(SettingsMsg::Tested {
        number: info.display_phone_number.unwrap_or_default(),
        name: info.verified_name.unwrap_or_default(),
        limit: info.whatsapp_business_manager_messaging_limit.unwrap_or_default(),
        quality: info.quality_rating.unwrap_or_default(),
        templates: report.stored,
        approved,
    }))
}
