//! Performs the app's effects and turns each result into a message: `perform_on` is the one exhaustive match over
//! the effects on the store (`load` reads, `write` changes, `files` the import and the files written for a customer),
//! `network` the few that talk to the API (template sync,
//! test send, connection test) in their own task, never on the DB thread. The same performer serves the running app
//! (through the DB thread), `hofbote snapshot` and the tests, so what the tests exercise is what runs. Must be quick
//! on the DB thread and must not touch the terminal.

mod files;
mod load;
mod network;
mod write;

use std::path::PathBuf;
use std::sync::Arc;

use super::app::{Effect, Failure, Msg};
use super::screens::queue::detail::{DetailCosts, RowsData};
use super::screens::settings::SettingsEffect;
use super::screens::welcome::SetupEffect;
use crate::store::{Db, Store};

/// What the performer needs besides the store.
#[derive(Debug, Clone)]
pub struct PerformCtx {
    pub shop_name: String,
    pub shop_address: String,
    /// Where the erasure key lives (created on first erasure).
    pub secrets_file: PathBuf,
    /// Who records things (`$USER`).
    pub actor: String,
    /// For the full GDPR erasure (journal beside the secrets, log files, retention period).
    pub paths: crate::config::Paths,
    pub config: crate::config::Config,
    /// The home folder: `~` in the import path, and where Auskunft files go (`~/hofbote/`).
    pub home: Option<PathBuf>,
    /// The language of the files written for a customer (Auskunft, consent proof).
    pub lang: crate::i18n::Lang,
}

/// Runs one effect on the store. The API calls answer "offline" here: this path (snapshot, tests) has no client.
pub fn perform_on(ctx: &PerformCtx, store: &mut Store, effect: Effect) -> Msg {
    let op = effect.op();
    let result: Result<Msg, Failure> = (|| {
        Ok(match effect {
            Effect::LoadCustomers => Msg::Customers(load::customers(ctx, store)?),
            Effect::LoadCustomerPage(n) => Msg::Customers(load::customer_page(ctx, store, n)?),
            Effect::EditCustomer(id) => Msg::EditCustomer(Box::new(store.customer(id)?)),
            Effect::LoadConsent => Msg::Consent(load::consent(store)?),
            Effect::LoadLedger(id) => Msg::Ledger(load::ledger(store, id)?),
            Effect::CheckDataVersion => Msg::DataVersion {
                version: store.data_version()?,
                now: store.now(),
                sender_alert: crate::queue::health::SenderAlert::read(store.path()).is_some(),
            },
            Effect::LoadComposer => Msg::Composer(Box::new(load::composer(store)?)),
            Effect::LoadQueue => Msg::Queue(Box::new(load::queue(store)?)),
            Effect::LoadRows(id) => Msg::Rows(RowsData {
                broadcast_id: id,
                rows: store.broadcast_rows(id)?,
                costs: Some(DetailCosts::of(&store.broadcast_costs(id)?, &ctx.config.prices)),
            }),
            Effect::LoadConversation(id) => Msg::Conversation(load::conversation(ctx, store, id)?),
            Effect::LoadBadges => Msg::Badges { unread: store.unread_replies()?, open: store.open_rows()? },
            Effect::PrepareReview(new) => Msg::ReviewReady(Box::new(load::review(ctx, store, new)?)),
            Effect::SaveCustomer { id, draft } => write::save_customer(ctx, store, id, &draft)?,
            Effect::Erase { id: _, phone, name } => write::erase(ctx, store, &phone, name)?,
            Effect::RecordConsent(record) => write::record_consent(ctx, store, record)?,
            Effect::QueueBroadcast(new) => write::queue_broadcast(ctx, store, &new)?,
            Effect::SaveDraft(new) => write::save_draft(ctx, store, &new)?,
            Effect::UpdateDraft { id, new, queue } => write::update_draft(ctx, store, id, &new, queue)?,
            Effect::Broadcast { id, op } => write::broadcast(ctx, store, id, op)?,
            Effect::DecideUnknown { row, send_again } => write::decide_unknown(ctx, store, row, send_again)?,
            Effect::DecideRestored { broadcast, send_again } => {
                write::decide_restored(ctx, store, broadcast, send_again)?
            }
            Effect::ResolveAlerts => write::resolve_alerts(ctx, store)?,
            Effect::QueueReply { customer_id, text } => write::queue_reply(ctx, store, customer_id, &text)?,
            Effect::Setup(SetupEffect::Save(data)) => write::setup(ctx, store, data)?,
            Effect::ImportComplete(typed) => files::complete(ctx, &typed),
            Effect::ImportPreview { path, evidence } => files::preview(ctx, store, &path, evidence)?,
            Effect::ImportApply(plan) => files::apply(store, &plan)?,
            Effect::WriteFile { customer_id, kind } => files::write_file(ctx, store, customer_id, kind)?,
            Effect::Settings(SettingsEffect::Load) => Msg::Settings(load::settings(ctx)?),
            Effect::Settings(SettingsEffect::Save(change)) => write::settings(ctx, store, &change)?,
            Effect::SyncTemplates
            | Effect::TestSend { .. }
            | Effect::Settings(SettingsEffect::Test | SettingsEffect::InstallService) => {
                return Err(Failure::Offline);
            }
        })
    })();
    result.unwrap_or_else(|error| Msg::Failed { op, error })
}

/// What the running app has besides the store: the API client and the worker sending from this process.
#[derive(Debug, Clone, Default)]
pub struct Services {
    pub client: Option<Arc<crate::whatsapp::Client>>,
    pub worker: Option<crate::queue::worker::WorkerHandle>,
    /// Where this window stands with the send lock, on every change (see `crate::sending`).
    pub roles: Option<tokio::sync::watch::Receiver<crate::sending::Role>>,
}

/// The performer of the running app: effects go to the DB thread, messages come back; API calls run here.
#[derive(Debug, Clone)]
pub struct Performer {
    db: Db,
    ctx: Arc<PerformCtx>,
    services: Services,
}

impl Performer {
    pub fn new(db: Db, ctx: PerformCtx) -> Performer {
        Performer { db, ctx: Arc::new(ctx), services: Services::default() }
    }

    pub fn with_services(mut self, services: Services) -> Performer {
        self.services = services;
        self
    }

    /// Changes of who sends, when this window takes part in sending.
    pub fn roles(&self) -> Option<tokio::sync::watch::Receiver<crate::sending::Role>> {
        self.services.roles.clone()
    }

    pub async fn perform(&self, effect: Effect) -> Msg {
        let op = effect.op();
        if let Some(call) = effect.api_call() {
            let client = self.services.client.as_ref();
            return network::perform(&self.ctx, &self.db, client, call)
                .await
                .unwrap_or_else(|error| Msg::Failed { op, error });
        }
        let wakes = matches!(
            effect,
            Effect::QueueBroadcast(_)
                | Effect::UpdateDraft { queue: true, .. }
                | Effect::Broadcast { .. }
                | Effect::DecideUnknown { .. }
                | Effect::DecideRestored { .. }
                | Effect::ResolveAlerts
                | Effect::QueueReply { .. }
        );
        let ctx = self.ctx.clone();
        let msg = match self.db.call(move |store| Ok(perform_on(&ctx, store, effect))).await {
            Ok(msg) => msg,
            Err(e) => Msg::Failed { op, error: Failure::Store(e) },
        };
        if wakes && let Some(w) = &self.services.worker {
            // Something new to send: the worker looks now instead of at its next tick.
            w.wake();
        }
        msg
    }
}
