//! The effects that talk to the WhatsApp API, with the client of this app (or the one the setup just entered):
//! template sync, a test send to the farmer's own number, the setup's connection test. Each runs in its own task,
//! never on the DB thread; without a client the answer is "offline". Must not touch the terminal.

use std::sync::Arc;

use super::PerformCtx;
use crate::i18n::Localized;
use crate::store::Db;
use crate::tui::app::{Failure, Msg};
use crate::tui::msg::ApiCall;
use crate::tui::screens::composer::text as compose_text;
use crate::tui::screens::welcome::{SetupData, SetupMsg};
use crate::whatsapp::{Client, TemplateMessage, Timeouts};

pub async fn perform(ctx: &PerformCtx, db: &Db, client: Option<&Arc<Client>>, call: ApiCall) -> Result<Msg, Failure> {
    match call {
        ApiCall::SyncTemplates => {
            let client = client.ok_or(Failure::Offline)?;
            Ok(Msg::TemplatesSynced(crate::template_sync::sync_templates(client, db).await?))
        }
        ApiCall::TestSend { new, to } => {
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
                return Err(Failure::Message(compose_text::TEST_NOBODY.get(lang).to_owned()));
            };
            let msg = TemplateMessage::from_template(&template, &params, None);
            client.send_template(&to, &msg, "test").await?;
            Ok(Msg::TestSent { to: to.display_for(ctx.config.shop.region()), sample: name })
        }
        ApiCall::SetupTest(data) => test_connection(db, &data).await,
    }
}

/// Asks the API for the phone number with the entered values, then syncs the templates into the database.
async fn test_connection(db: &Db, data: &SetupData) -> Result<Msg, Failure> {
    let client = Client::with_token(&data.whatsapp, data.token.clone(), Timeouts::from_config(&data.whatsapp))?;
    let info = client.phone_number_info().await.map_err(|e| {
        tracing::warn!(error = %e.localized(crate::i18n::Lang::En), "setup: connection test failed");
        Failure::Api(e)
    })?;
    let report = crate::template_sync::sync_templates(&client, db).await?;
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
