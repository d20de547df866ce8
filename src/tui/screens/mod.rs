//! The screens and popups, one folder per screen with its state, how its keys change it, and how it is drawn:
//! `customers/` (list, detail, customer form), `consent/` (overview, consent form), `composer/` (draft, review,
//! drawing, texts), `queue/` (broadcasts, one broadcast's rows, texts), `replies/` (the customers' replies and one
//! conversation), `welcome/` (first start and setup, texts), `settings/` (tab 5: shop data, WhatsApp connection,
//! service), `import/` (the import view: path, dry run, apply), and the `help` popup. Must not perform IO.
//! A screen that owns its state takes it with an [`Env`] (what every screen may read) and answers with
//! [`Outcome`]s for the app (IO to perform, a status message, another part to open); it imports no other screen.

pub mod composer;
pub mod consent;
pub mod customers;
pub mod help;
pub mod import;
pub mod queue;
pub mod replies;
pub mod settings;
pub mod welcome;

use chrono::{DateTime, Utc};

use super::keymap::{self, Action, Ctx};
use super::msg::{Effect, Next};
use super::theme::Theme;
use super::widgets::confirm::Confirm;
use crate::domain::consent::EventKind;
use crate::domain::customer::Customer;
use crate::domain::phone::Region;
use crate::i18n::Lang;

/// Rows for the screen body: all but header, tabs, status and hint line (the frame layout is `view`'s).
pub fn body_height(size: (u16, u16)) -> u16 {
    size.1.saturating_sub(4)
}

/// What every screen may read besides its own state.
#[derive(Debug, Clone)]
pub struct Env {
    pub lang: Lang,
    pub region: Region,
    pub theme: Theme,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// "Now" as the store's clock said with the last load.
    pub now: Option<DateTime<Utc>>,
    /// The keymap contexts of what has the focus, most specific first (for the key hints).
    pub focus: Vec<Ctx>,
    /// The contexts of the screen under a popup: a screen drawn behind the help or a question still names its keys
    /// ("Antworten (a)", not "Antworten ()").
    pub backdrop: Vec<Ctx>,
}

impl Env {
    /// German, 80x24, colours, no clock and no focus: what a screen's own unit tests draw and decide with.
    #[cfg(test)]
    pub fn for_tests() -> Env {
        Env {
            lang: Lang::De,
            region: Region::default(),
            theme: Theme::new(false, false),
            size: (80, 24),
            now: None,
            focus: vec![],
            backdrop: vec![],
        }
    }

    /// The key for `action` where the focus is, as the hints show it ("" when it has none there).
    pub fn key(&self, action: Action) -> String {
        keymap::key_for(&self.focus, action)
            .or_else(|| keymap::key_for(&self.backdrop, action))
            .map(|k| k.label(self.lang, self.theme))
            .unwrap_or_default()
    }
}

/// What a screen asks of the app after a key or a result; the screen's own state has already changed. The app
/// carries them out in order (`app::apply_outcomes`).
#[derive(Debug)]
pub enum Outcome {
    /// IO for the driver.
    Effect(Effect),
    /// A note in the status line ("saving …"); ends with the next load or key.
    Info(String),
    /// Good news in the status line.
    Success(String),
    /// An error in the status line; the next key acknowledges it.
    Error(String),
    /// The status line is done with (what it said is now shown elsewhere).
    ClearStatus,
    /// Ask a yes/no question.
    Confirm(Confirm),
    /// Open the customer form: empty to add one, or with this customer to change them.
    CustomerForm(Option<Customer>),
    /// Open the consent form for recording a consent or a withdrawal, for this customer if one is chosen.
    RecordConsent { kind: EventKind, picked: Option<(i64, String)> },
    /// Open this customer's conversation on the queue screen.
    OpenConversation(i64),
    /// Show the list of broadcasts on the queue screen (instead of the replies).
    ShowBroadcasts,
    /// Reopen a saved draft in the composer (Enter on a draft in the queue).
    EditDraft(Box<crate::store::broadcasts::BroadcastInfo>),
    /// Open the composer for a message to these customers (marked on the list, or the one in the detail).
    Compose(Vec<i64>),
    /// The shop has a (new) name: the header shows it.
    ShopName(String),
    /// Open the import view over the customer list.
    OpenImport,
    /// End the loop, then do `Next`.
    Quit(Next),
}
