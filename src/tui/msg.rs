//! The messages and effects of the terminal app: what comes in (`Msg`: keys, IO results), what the driver is asked
//! to do (`Effect`), why an operation failed (`Failure`, localized) and the small enums both sides share. Plain data:
//! no logic beyond classifying effects. `app` re-exports everything here.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::KeyEvent;

use super::screens::composer::ComposerData;
use super::screens::composer::review::ReviewData;
use super::screens::consent::ConsentData;
use super::screens::customers::CustomersData;
use super::screens::customers::detail::LedgerData;
use super::screens::queue::QueueData;
use super::screens::queue::detail::RowsData;
use super::screens::replies::ConversationData;
use super::screens::settings::{SettingsEffect, SettingsMsg};
use super::screens::welcome;
use crate::config::SecretsError;
use crate::domain::consent::{EventKind, Purpose, Source};
use crate::domain::customer::{Customer, CustomerDraft};
use crate::domain::phone::Phone;
use crate::i18n::{Lang, Localized};
use crate::store::StoreError;
use crate::store::broadcasts::NewBroadcast;

/// Who sends the queued messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sender {
    /// The worker runs inside this terminal app (it holds the send lock).
    InApp,
    /// `hofbote serve` holds the send lock.
    Service,
    /// This window sent and handed sending over to a waiting `hofbote serve` (it takes it back once nobody sends).
    HandedOver,
    /// Nobody: no access token configured and no service running.
    #[default]
    Off,
}

impl Sender {
    pub fn label(self, lang: Lang) -> &'static str {
        use super::screens::queue::text as queue_text;
        match self {
            Sender::InApp => queue_text::SENDER_INAPP.get(lang),
            Sender::Service => queue_text::SENDER_SERVICE.get(lang),
            Sender::HandedOver => queue_text::SENDER_HANDED_OVER.get(lang),
            Sender::Off => queue_text::SENDER_OFF.get(lang),
        }
    }
}

/// What `run` does after the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Next {
    #[default]
    Done,
    /// The welcome screen asked for the demo.
    Demo,
    /// The setup wrote a configuration: start again with it.
    Restart,
    /// The settings screen saved: start again with the new configuration, on the settings tab.
    Reload,
}

/// What the queue screen can do to a broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BroadcastOp {
    Pause,
    Resume,
    Cancel,
    Retry,
    QueueDraft,
}

/// Which operation a failure belongs to (decides where the error is shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Load,
    SaveCustomer,
    RecordConsent,
    Erase,
    /// Review, queue, draft.
    Compose,
    TestSend,
    Sync,
    Broadcast,
    Reply,
    Setup,
    /// The import view: completing the path, the dry run, applying it.
    Import,
    /// Writing an Auskunft or a consent proof to a file.
    Export,
    /// Saving settings, the connection test, the service installer.
    Settings,
}

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    Privacy(#[from] crate::privacy::PrivacyError),
    #[error(transparent)]
    Api(#[from] crate::whatsapp::ApiError),
    #[error(transparent)]
    Sync(#[from] crate::template_sync::SyncError),
    #[error(transparent)]
    Client(#[from] crate::whatsapp::ClientError),
    #[error(transparent)]
    Refused(#[from] crate::domain::consent::Refusal),
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    /// A sentence already in the user's language.
    #[error("{0}")]
    Message(String),
    /// The effect needs the network, which this performer does not have (snapshot, sync tests).
    #[error("offline")]
    Offline,
}

impl Localized for Failure {
    fn localized(&self, lang: Lang) -> String {
        match self {
            Failure::Store(e) => e.localized(lang),
            Failure::Secrets(e) => e.localized(lang),
            Failure::Privacy(e) => e.localized(lang),
            Failure::Api(e) => e.localized(lang),
            Failure::Sync(e) => e.localized(lang),
            Failure::Client(e) => e.localized(lang),
            Failure::Refused(e) => e.localized(lang),
            Failure::Import(e) => e.localized(lang),
            Failure::Message(m) => m.clone(),
            Failure::Offline => super::screens::composer::text::NO_CLIENT.get(lang).to_owned(),
        }
    }
}

/// Input and IO results.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    Customers(CustomersData),
    /// The whole customer, read for the edit form (the list holds only what it shows).
    EditCustomer(Box<Customer>),
    Consent(ConsentData),
    Ledger(LedgerData),
    CustomerSaved(Customer),
    ConsentRecorded {
        customer_id: i64,
        name: String,
        purposes: Vec<Purpose>,
        kind: EventKind,
        /// Set when the entry does not decide the state: an event dated later does (its state and date).
        overruled: Option<crate::domain::consent::Folded>,
    },
    Erased {
        name: String,
        pseudonymised: usize,
    },
    /// The result of the calm check: `PRAGMA data_version`, the store clock's "now" (keeps "today" current) and
    /// whether a sender is stuck on the database (its alert file, which no `data_version` shows).
    DataVersion {
        version: i64,
        now: DateTime<Utc>,
        sender_alert: bool,
    },
    Failed {
        op: Op,
        error: Failure,
    },
    Composer(Box<ComposerData>),
    Queue(Box<QueueData>),
    Rows(RowsData),
    Conversation(ConversationData),
    /// Unread replies and rows still to send (for the tab and the quit question).
    Badges {
        unread: i64,
        open: i64,
    },
    /// Who sends changed: this window took sending over, or handed it to the service.
    Sender(Sender),
    ReviewReady(Box<ReviewData>),
    BroadcastQueued {
        id: i64,
        recipients: usize,
        scheduled_at: Option<DateTime<Utc>>,
    },
    DraftSaved(i64),
    TestSent {
        to: String,
        sample: String,
    },
    TemplatesSynced(crate::template_sync::SyncReport),
    BroadcastChanged {
        id: i64,
        op: BroadcastOp,
        rows: usize,
    },
    UnknownDecided {
        send_again: bool,
    },
    /// The farmer resolved the open alerts (how many).
    AlertsResolved(usize),
    ReplyQueued {
        customer_id: i64,
        name: String,
    },
    Setup(welcome::SetupMsg),
    /// Tab in the import view: the path completed from its folder.
    ImportCompleted(super::screens::import::path::Completion),
    /// The import's dry run.
    ImportPlanned(Box<crate::import::ImportPlan>),
    /// The import was written.
    ImportApplied(crate::import::ImportSummary),
    /// An Auskunft or consent proof was written (the status line names the file).
    FileWritten {
        kind: FileKind,
        /// The file as the farmer finds it (`~/hofbote/…`).
        shown: String,
    },
    Settings(SettingsMsg),
}

/// Which file the app wrote for a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The Auskunft (Art. 15): text, with the JSON beside it.
    Auskunft,
    /// The printable consent proof.
    ConsentProof,
}

/// Work for the driver. Loads may be merged when several are queued; writes never are.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadCustomers,
    /// The first rows of the customer list (this many) and the counts, drawn before the whole list is in.
    LoadCustomerPage(usize),
    /// Read one customer whole and open the edit form with it.
    EditCustomer(i64),
    LoadConsent,
    LoadLedger(i64),
    CheckDataVersion,
    SaveCustomer {
        id: Option<i64>,
        draft: CustomerDraft,
    },
    Erase {
        id: i64,
        /// The number, or the user id of a person who shared none.
        phone: crate::domain::phone::Recipient,
        name: String,
    },
    RecordConsent(ConsentRecord),
    LoadComposer,
    LoadQueue,
    LoadRows(i64),
    /// Loads one customer's conversation and marks their messages read.
    LoadConversation(i64),
    LoadBadges,
    PrepareReview(NewBroadcast),
    QueueBroadcast(NewBroadcast),
    SaveDraft(NewBroadcast),
    /// A reopened draft changed: stored again as that draft, and queued if `queue`.
    UpdateDraft {
        id: i64,
        new: NewBroadcast,
        queue: bool,
    },
    /// One copy to the farmer's own number (through the API, not the queue).
    TestSend {
        new: NewBroadcast,
        to: Phone,
    },
    SyncTemplates,
    Broadcast {
        id: i64,
        op: BroadcastOp,
    },
    DecideUnknown {
        row: i64,
        send_again: bool,
    },
    /// The farmer's decision for every row of a broadcast left unclear by a restore.
    DecideRestored {
        broadcast: i64,
        send_again: bool,
    },
    /// The farmer fixed the cause of the open alerts: resolve them, sending goes on.
    ResolveAlerts,
    QueueReply {
        customer_id: i64,
        text: String,
    },
    Setup(welcome::SetupEffect),
    /// Lists the folder of the typed path for Tab completion.
    ImportComplete(String),
    /// Reads the file at the typed path and plans the import (the dry run); with `evidence`, the file's consent
    /// columns are taken as paper forms from the shop (source `shop_form`) kept where the evidence says.
    ImportPreview {
        path: String,
        evidence: Option<String>,
    },
    /// Writes the plan the farmer saw (one transaction; refused if a customer changed meanwhile).
    ImportApply(Box<crate::import::ImportPlan>),
    /// Writes a customer's Auskunft or consent proof to a file.
    WriteFile {
        customer_id: i64,
        kind: FileKind,
    },
    Settings(SettingsEffect),
}

impl Effect {
    /// Which operation this is (decides where a failure is shown). The one list of the loads: `Op::Load`.
    pub fn op(&self) -> Op {
        match self {
            Effect::SaveCustomer { .. } => Op::SaveCustomer,
            Effect::RecordConsent(_) => Op::RecordConsent,
            Effect::Erase { .. } => Op::Erase,
            Effect::PrepareReview(_)
            | Effect::QueueBroadcast(_)
            | Effect::SaveDraft(_)
            | Effect::UpdateDraft { .. } => Op::Compose,
            Effect::TestSend { .. } => Op::TestSend,
            Effect::SyncTemplates => Op::Sync,
            Effect::Broadcast { .. }
            | Effect::DecideUnknown { .. }
            | Effect::DecideRestored { .. }
            | Effect::ResolveAlerts => Op::Broadcast,
            Effect::QueueReply { .. } => Op::Reply,
            Effect::Setup(_) => Op::Setup,
            Effect::ImportComplete(_) | Effect::ImportPreview { .. } | Effect::ImportApply(_) => Op::Import,
            Effect::WriteFile { .. } => Op::Export,
            Effect::Settings(SettingsEffect::Load) => Op::Load,
            Effect::Settings(_) => Op::Settings,
            Effect::LoadCustomers
            | Effect::LoadCustomerPage(_)
            | Effect::EditCustomer(_)
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

    /// Reads only: a second identical one in the queue adds nothing.
    pub fn is_load(&self) -> bool {
        self.op() == Op::Load
    }

    /// Talks to the WhatsApp API: runs in its own task, so the loads behind it are not held up.
    pub fn is_network(&self) -> bool {
        self.api_call().is_some()
    }

    /// The call to the WhatsApp API this effect is; `None` for the work on the store.
    pub fn api_call(&self) -> Option<ApiCall> {
        match self {
            Effect::SyncTemplates => Some(ApiCall::SyncTemplates),
            Effect::TestSend { new, to } => Some(ApiCall::TestSend { new: new.clone(), to: to.clone() }),
            Effect::Settings(SettingsEffect::Test) => Some(ApiCall::ConnectionTest),
            Effect::Settings(SettingsEffect::InstallService) => Some(ApiCall::InstallService),
            Effect::Setup(welcome::SetupEffect::Save(_))
            | Effect::Settings(SettingsEffect::Load | SettingsEffect::Save(_))
            | Effect::LoadCustomers
            | Effect::LoadCustomerPage(_)
            | Effect::EditCustomer(_)
            | Effect::LoadConsent
            | Effect::LoadLedger(_)
            | Effect::CheckDataVersion
            | Effect::SaveCustomer { .. }
            | Effect::Erase { .. }
            | Effect::RecordConsent(_)
            | Effect::LoadComposer
            | Effect::LoadQueue
            | Effect::LoadRows(_)
            | Effect::LoadConversation(_)
            | Effect::LoadBadges
            | Effect::PrepareReview(_)
            | Effect::QueueBroadcast(_)
            | Effect::SaveDraft(_)
            | Effect::UpdateDraft { .. }
            | Effect::Broadcast { .. }
            | Effect::DecideUnknown { .. }
            | Effect::DecideRestored { .. }
            | Effect::ResolveAlerts
            | Effect::QueueReply { .. }
            | Effect::ImportComplete(_)
            | Effect::ImportPreview { .. }
            | Effect::ImportApply(_)
            | Effect::WriteFile { .. } => None,
        }
    }
}

/// The effects that talk to the WhatsApp API, as the performer runs them (never on the DB thread).
#[derive(Debug, Clone, PartialEq)]
pub enum ApiCall {
    SyncTemplates,
    /// One copy to the farmer's own number.
    TestSend {
        new: NewBroadcast,
        to: Phone,
    },
    /// The settings' connection test with the saved configuration.
    ConnectionTest,
    /// The service installer (runs `systemctl`: off the DB thread like the API calls).
    InstallService,
}

/// Consent events to append for one customer (an existing one, or one created in the same transaction).
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentRecord {
    pub target: Target,
    pub purposes: Vec<Purpose>,
    pub kind: EventKind,
    pub source: Source,
    pub occurred_at: DateTime<Utc>,
    pub wording: Option<u32>,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Existing(i64),
    New(CustomerDraft),
}
