//! Performs the app's effects against the store and turns each result into a message. The same performer serves
//! the running app (through the DB thread), `hofbote snapshot` and the tests, so what the tests exercise is what
//! runs. Runs on the DB thread: must be quick, must not touch the terminal, must never wait for the network.

use std::path::PathBuf;
use std::sync::Arc;

use super::app::{ConsentRecord, Effect, Failure, Msg, Op, Target};
use super::screens::consent::{ConsentData, EventRow, PendingRow, RECENT};
use super::screens::customers::CustomersData;
use super::screens::customers::detail::LedgerData;
use crate::config::{Secrets, ensure_erasure_key};
use crate::domain::consent::{EventKind, NewConsentEvent, Purpose};
use crate::store::consent::record_consent_tx;
use crate::store::customers::{CustomerFilter, insert_customer_tx};
use crate::store::{Db, Store, StoreError};

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
}

impl Effect {
    fn op(&self) -> Op {
        match self {
            Effect::SaveCustomer { .. } => Op::SaveCustomer,
            Effect::RecordConsent(_) => Op::RecordConsent,
            Effect::Erase { .. } => Op::Erase,
            Effect::PrepareReview(_) | Effect::QueueBroadcast(_) | Effect::SaveDraft(_) => Op::Compose,
            Effect::TestSend { .. } => Op::TestSend,
            Effect::SyncTemplates => Op::Sync,
            Effect::Broadcast { .. } | Effect::DecideUnknown { .. } => Op::Broadcast,
            Effect::QueueReply { .. } => Op::Reply,
            Effect::Setup(_) => Op::Setup,
            Effect::LoadCustomers
            | Effect::LoadConsent
            | Effect::LoadLedger(_)
            | Effect::CheckDataVersion
            | Effect::LoadComposer
            | Effect::LoadQueue
            | Effect::LoadRows(_)
            | Effect::LoadConversation(_)
            | Effect::LoadBadges => Op::Load,
        }
    }
}

/// Runs one effect on the store.
pub fn perform_on(ctx: &PerformCtx, store: &mut Store, effect: Effect) -> Msg {
    let op = effect.op();
    let result: Result<Msg, Failure> = match effect {
        Effect::LoadCustomers => load_customers(store).map(Msg::Customers).map_err(Failure::from),
        Effect::LoadConsent => load_consent(store).map(Msg::Consent).map_err(Failure::from),
        Effect::LoadLedger(id) => load_ledger(store, id).map(Msg::Ledger).map_err(Failure::from),
        Effect::CheckDataVersion => {
            store.data_version().map(|version| Msg::DataVersion { version, now: store.now() }).map_err(Failure::from)
        }
        Effect::SaveCustomer { id, draft } => {
            let saved = match id {
                Some(id) => store.update_customer(id, &draft),
                None => store.insert_customer(&draft),
            };
            saved
                .and_then(|c| {
                    let action = if id.is_some() { "customer_changed" } else { "customer_added" };
                    store.audit(&ctx.actor, action, &format!("id {}", c.id))?;
                    Ok(Msg::CustomerSaved(c))
                })
                .map_err(Failure::from)
        }
        Effect::Erase { id, phone, name } => (|| {
            // The full erasure (Art. 17): data, messages, webhook bodies and log lines; the ledger stays
            // pseudonymised under the keyed hash, objectors go on the suppression list.
            let key = ensure_erasure_key(&ctx.secrets_file, &Secrets::process_env)?;
            let _ = id;
            let report =
                crate::privacy::erase(store, &ctx.paths, &ctx.config, key.expose().as_bytes(), &phone, &ctx.actor)?;
            Ok(Msg::Erased { name, pseudonymised: report.pseudonymised_events })
        })(),
        Effect::RecordConsent(record) => record_consent(ctx, store, record).map_err(Failure::from),
        other => super::perform_send::perform(ctx, store, other),
    };
    result.unwrap_or_else(|error| Msg::Failed { op, error })
}

fn load_customers(store: &Store) -> Result<CustomersData, StoreError> {
    // The version first: if someone writes meanwhile, the next check reloads once more (never too little).
    let data_version = store.data_version()?;
    let rows = store.list_customers(&CustomerFilter::default())?;
    let tags = store.tag_counts()?;
    Ok(CustomersData { rows, tags, now: store.now(), data_version })
}

fn name_of(store: &Store, id: i64) -> Result<Option<String>, StoreError> {
    match store.customer(id) {
        Ok(c) => Ok(Some(c.name)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn load_consent(store: &Store) -> Result<ConsentData, StoreError> {
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

fn load_ledger(store: &Store, id: i64) -> Result<LedgerData, StoreError> {
    let mut replies = store.conversation(id, 50)?;
    replies.retain(|r| !r.ours);
    Ok(LedgerData { customer: store.customer(id)?, events: store.ledger(id)?, replies })
}

/// Creates the customer if new and appends one event per purpose, all in one transaction.
fn record_consent(ctx: &PerformCtx, store: &mut Store, r: ConsentRecord) -> Result<Msg, StoreError> {
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
    Ok(Msg::ConsentRecorded { customer_id, name, purposes: r.purposes, kind: r.kind })
}

/// What the running app has besides the store: the API client and the worker sending from this process.
#[derive(Debug, Clone, Default)]
pub struct Services {
    pub client: Option<Arc<crate::whatsapp::Client>>,
    pub worker: Option<crate::queue::worker::WorkerHandle>,
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

    pub async fn perform(&self, effect: Effect) -> Msg {
        let op = effect.op();
        if effect.is_network() {
            let client = self.services.client.as_ref();
            return super::perform_send::network::perform(&self.ctx, &self.db, client, effect)
                .await
                .unwrap_or_else(|error| Msg::Failed { op, error });
        }
        let wakes = matches!(
            effect,
            Effect::QueueBroadcast(_)
                | Effect::Broadcast { .. }
                | Effect::DecideUnknown { .. }
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
