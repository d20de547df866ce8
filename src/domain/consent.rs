//! Consent by purpose as an append-only ledger of events, the state folded from it, and `may_send` — the one
//! function that decides whether any message may go to a customer. Pure: no IO, no clock reads (time is passed in).
//!
//! Folding rules: events are ordered by `occurred_at` (when the customer did it, not when it was typed in); on equal
//! times a withdrawal wins; so a paper form signed last month and typed in after today's STOP can never switch
//! marketing back on. `platform_resume` is information only and never consent.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Localized, Tr};

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable English key used in the database and in JSON output.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        what: stringify!($name),
                        value: s.to_owned(),
                        expected: &[$($text),+],
                    }),
                }
            }
        }
    };
}

/// A value that is not one of the known keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of: {}", expected.join(", "))]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static [&'static str],
}

string_enum!(
    /// What a consent covers.
    Purpose { Service = "service", Marketing = "marketing" }
);
string_enum!(
    /// What happened in a ledger event.
    EventKind {
        Granted = "granted",
        Withdrawn = "withdrawn",
        ConfirmationRequested = "confirmation_requested",
        ConfirmationExpired = "confirmation_expired",
        PlatformResume = "platform_resume",
    }
);
string_enum!(
    /// How the event reached us.
    Source {
        ShopForm = "shop_form",
        WhatsappKeyword = "whatsapp_keyword",
        WhatsappButton = "whatsapp_button",
        MetaUserPreferences = "meta_user_preferences",
        DeliveryError = "delivery_error",
        Import = "import",
        Manual = "manual",
    }
);
string_enum!(
    /// The current state of one purpose for one customer.
    ConsentState { None = "none", Pending = "pending", Granted = "granted", Withdrawn = "withdrawn" }
);

// The enum comes from `string_enum!`, which cannot place `#[default]` on one variant.
#[allow(clippy::derivable_impls)]
impl Default for ConsentState {
    fn default() -> Self {
        ConsentState::None
    }
}

impl Purpose {
    pub fn label(self) -> Tr {
        match self {
            Purpose::Service => Tr::new("Termine (Service)", "Service"),
            Purpose::Marketing => Tr::new("Angebote (Werbung)", "Marketing"),
        }
    }
}

impl EventKind {
    pub fn label(self) -> Tr {
        match self {
            EventKind::Granted => Tr::new("erteilt", "granted"),
            EventKind::Withdrawn => Tr::new("widerrufen", "withdrawn"),
            EventKind::ConfirmationRequested => Tr::new("Bestätigung angefragt", "confirmation requested"),
            EventKind::ConfirmationExpired => Tr::new("Bestätigung abgelaufen", "confirmation expired"),
            EventKind::PlatformResume => Tr::new(
                "hat Werbung in WhatsApp wieder erlaubt — Einwilligung erneut einholen",
                "re-allowed marketing in WhatsApp — ask for consent again",
            ),
        }
    }

    /// Order among events with the same `occurred_at`: the later in this order wins, so withdrawal is last.
    fn tie_rank(self) -> u8 {
        match self {
            EventKind::PlatformResume => 0,
            EventKind::ConfirmationRequested => 1,
            EventKind::ConfirmationExpired => 2,
            EventKind::Granted => 3,
            EventKind::Withdrawn => 4,
        }
    }
}

impl Source {
    pub fn label(self) -> Tr {
        match self {
            Source::ShopForm => Tr::new("Formular im Laden", "shop form"),
            Source::WhatsappKeyword => Tr::new("WhatsApp-Stichwort", "WhatsApp keyword"),
            Source::WhatsappButton => Tr::new("WhatsApp-Knopf", "WhatsApp button"),
            Source::MetaUserPreferences => Tr::new("WhatsApp-Einstellung", "WhatsApp setting"),
            Source::DeliveryError => Tr::new("Zustellfehler", "delivery error"),
            Source::Import => Tr::new("Import", "import"),
            Source::Manual => Tr::new("von Hand", "manual"),
        }
    }
}

impl ConsentState {
    /// ✓ granted, ✗ withdrawn, ? pending, – none (or ASCII: y, x, ?, -).
    pub fn glyph(self, ascii: bool) -> &'static str {
        match (self, ascii) {
            (ConsentState::Granted, false) => "✓",
            (ConsentState::Withdrawn, false) => "✗",
            (ConsentState::Pending, _) => "?",
            (ConsentState::None, false) => "–",
            (ConsentState::Granted, true) => "y",
            (ConsentState::Withdrawn, true) => "x",
            (ConsentState::None, true) => "-",
        }
    }

    pub fn label(self) -> Tr {
        match self {
            ConsentState::None => Tr::new("keine", "none"),
            ConsentState::Pending => Tr::new("ausstehend", "pending"),
            ConsentState::Granted => Tr::new("erteilt", "granted"),
            ConsentState::Withdrawn => Tr::new("widerrufen", "withdrawn"),
        }
    }
}

/// One ledger event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEvent {
    pub id: i64,
    /// `None` once the customer was erased and the row pseudonymised.
    pub customer_id: Option<i64>,
    pub purpose: Purpose,
    pub kind: EventKind,
    pub source: Source,
    pub evidence: String,
    pub wording_version: Option<u32>,
    pub recorded_by: String,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

/// An event about to be appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsentEvent {
    pub customer_id: i64,
    pub purpose: Purpose,
    pub kind: EventKind,
    pub source: Source,
    pub evidence: String,
    pub wording_version: Option<u32>,
    pub recorded_by: String,
    pub occurred_at: DateTime<Utc>,
}

/// What the fold needs of an event.
pub trait LedgerEntry {
    fn purpose(&self) -> Purpose;
    fn kind(&self) -> EventKind;
    fn occurred_at(&self) -> DateTime<Utc>;
    /// Tie-breaker after `occurred_at` and kind: insertion order.
    fn sequence(&self) -> i64;
}

impl LedgerEntry for ConsentEvent {
    fn purpose(&self) -> Purpose {
        self.purpose
    }
    fn kind(&self) -> EventKind {
        self.kind
    }
    fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }
    fn sequence(&self) -> i64 {
        self.id
    }
}

/// When a recorded grant or withdrawal does not decide the current state — an event dated later does — that state
/// with its date, so the farmer hears that the entry changes nothing ("Eingetragen, ändert aber nichts").
pub fn overruled_by(kind: EventKind, after: &Folded) -> Option<Folded> {
    let decided = match kind {
        EventKind::Granted => after.state == ConsentState::Granted,
        EventKind::Withdrawn => after.state == ConsentState::Withdrawn,
        _ => true,
    };
    (!decided).then_some(*after)
}

/// Why the date of a consent event cannot be right: before 2000 (a year written short and read literally), or more
/// than a day ahead. `None` when it can.
pub fn event_date_problem(at: DateTime<Utc>, now: DateTime<Utc>) -> Option<crate::i18n::Tr> {
    use chrono::Datelike;
    if at.year() < 2000 {
        return Some(crate::i18n::Tr::new(
            "Das Datum liegt vor dem Jahr 2000. Schreib es mit Jahr, z. B. 28.11.2026.",
            "The date is before the year 2000. Write it with the year, e.g. 2026-11-28.",
        ));
    }
    if at > now + chrono::Duration::days(1) {
        return Some(crate::i18n::Tr::new(
            "Das Datum liegt in der Zukunft. Eine Einwilligung kann nur erfasst werden, wenn sie gegeben wurde.",
            "The date lies in the future. Consent can only be recorded once it was given.",
        ));
    }
    None
}

/// The folded state of one purpose, with the time of the deciding event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folded {
    pub state: ConsentState,
    pub since: Option<DateTime<Utc>>,
}

impl Default for Folded {
    fn default() -> Self {
        Folded { state: ConsentState::None, since: None }
    }
}

/// Folds the events of one purpose into its current state (see module docs for the rules).
pub fn fold<'a, E: LedgerEntry + 'a>(events: impl IntoIterator<Item = &'a E>, purpose: Purpose) -> Folded {
    let mut relevant: Vec<&E> =
        events.into_iter().filter(|e| e.purpose() == purpose && e.kind() != EventKind::PlatformResume).collect();
    relevant.sort_by_key(|e| (e.occurred_at(), e.kind().tie_rank(), e.sequence()));
    let mut folded = Folded::default();
    for e in relevant {
        folded = match e.kind() {
            EventKind::Granted => Folded { state: ConsentState::Granted, since: Some(e.occurred_at()) },
            EventKind::Withdrawn => Folded { state: ConsentState::Withdrawn, since: Some(e.occurred_at()) },
            EventKind::ConfirmationRequested => Folded { state: ConsentState::Pending, since: Some(e.occurred_at()) },
            // An expiry only ends a request that is still open.
            EventKind::ConfirmationExpired if folded.state == ConsentState::Pending => {
                Folded { state: ConsentState::None, since: Some(e.occurred_at()) }
            }
            EventKind::ConfirmationExpired | EventKind::PlatformResume => folded,
        };
    }
    folded
}

/// Both purposes of one customer plus what the send decision needs besides consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CustomerConsent {
    pub service: ConsentState,
    pub marketing: ConsentState,
    /// When the customer last wrote to us (opens the 24 h service window).
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// On the suppression list for marketing (erased after objecting; must not be re-added silently).
    pub suppressed: bool,
}

impl CustomerConsent {
    pub fn state(&self, purpose: Purpose) -> ConsentState {
        match purpose {
            Purpose::Service => self.service,
            Purpose::Marketing => self.marketing,
        }
    }
}

/// What kind of message is about to be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendKind {
    /// A marketing template: needs marketing consent.
    Marketing,
    /// A utility template (dates, order notices): needs service consent.
    Service,
    /// A free-text answer inside the customer's 24 h window (double opt-in question, STOP confirmation). Never a
    /// template.
    ReplyInWindow,
}

impl SendKind {
    pub fn for_purpose(purpose: Purpose) -> SendKind {
        match purpose {
            Purpose::Service => SendKind::Service,
            Purpose::Marketing => SendKind::Marketing,
        }
    }
}

/// The service window Meta grants after the customer's last message.
pub const SERVICE_WINDOW: Duration = Duration::hours(24);

/// Why a message must not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "purpose")]
pub enum Refusal {
    #[error("no consent for {0}")]
    NoConsent(Purpose),
    #[error("consent for {0} withdrawn")]
    Withdrawn(Purpose),
    #[error("consent for {0} not yet confirmed")]
    Pending(Purpose),
    #[error("on the suppression list")]
    Suppressed,
    #[error("24 h service window closed")]
    WindowClosed,
}

impl Refusal {
    /// Stable key for the database and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::NoConsent(_) => "no_consent",
            Refusal::Withdrawn(_) => "withdrawn",
            Refusal::Pending(_) => "consent_pending",
            Refusal::Suppressed => "suppressed",
            Refusal::WindowClosed => "window_closed",
        }
    }
}

impl Localized for Refusal {
    fn localized(&self, lang: Lang) -> String {
        let t = match self {
            Refusal::NoConsent(p) => {
                return Tr::new("keine Einwilligung für {0}", "no consent for {0}").fill(lang, &[&p.label().get(lang)]);
            }
            Refusal::Withdrawn(p) => {
                return Tr::new("Einwilligung für {0} widerrufen", "consent for {0} withdrawn")
                    .fill(lang, &[&p.label().get(lang)]);
            }
            Refusal::Pending(p) => {
                return Tr::new("Einwilligung für {0} noch nicht bestätigt", "consent for {0} not yet confirmed")
                    .fill(lang, &[&p.label().get(lang)]);
            }
            Refusal::Suppressed => Tr::new(
                "steht auf der Sperrliste (nach Löschung widersprochen)",
                "on the suppression list (objected, then erased)",
            ),
            Refusal::WindowClosed => Tr::new(
                "24-Stunden-Fenster geschlossen — nur eine Vorlage ist möglich",
                "24 h service window closed — only a template can be sent",
            ),
        };
        t.get(lang).to_owned()
    }
}

/// The one decision for every message hofbote sends.
pub fn may_send(kind: SendKind, customer: &CustomerConsent, now: DateTime<Utc>) -> Result<(), Refusal> {
    let purpose = match kind {
        SendKind::ReplyInWindow => {
            return match customer.last_inbound_at {
                Some(at) if at <= now + Duration::minutes(5) && now - at < SERVICE_WINDOW => Ok(()),
                _ => Err(Refusal::WindowClosed),
            };
        }
        SendKind::Marketing => Purpose::Marketing,
        SendKind::Service => Purpose::Service,
    };
    if purpose == Purpose::Marketing && customer.suppressed {
        return Err(Refusal::Suppressed);
    }
    match customer.state(purpose) {
        ConsentState::Granted => Ok(()),
        ConsentState::Withdrawn => Err(Refusal::Withdrawn(purpose)),
        ConsentState::Pending => Err(Refusal::Pending(purpose)),
        ConsentState::None => Err(Refusal::NoConsent(purpose)),
    }
}

/// Problems with an event before it is appended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    #[error("shop name is empty")]
    ShopNameMissing,
    #[error("occurred_at lies in the future")]
    InFuture,
    #[error("evidence missing")]
    EvidenceMissing,
    #[error("unknown wording version {0}")]
    UnknownWording(u32),
}

impl Localized for ConsentError {
    fn localized(&self, lang: Lang) -> String {
        let t = match self {
            ConsentError::ShopNameMissing => Tr::new(
                "Einwilligung kann nicht erfasst werden: der Hofname fehlt. Trage ihn in der Konfiguration unter [shop] name = \"…\" ein (hofbote db check zeigt den Pfad).",
                "Cannot record consent: the shop name is missing. Set [shop] name = \"…\" in the configuration (hofbote db check shows the path).",
            ),
            ConsentError::InFuture => Tr::new(
                "Das Datum der Einwilligung liegt in der Zukunft. Gib das Datum vom Formular an.",
                "The consent date lies in the future. Enter the date on the form.",
            ),
            ConsentError::EvidenceMissing => Tr::new(
                "Nachweis fehlt: gib die Formularnummer oder die WhatsApp-Nachrichten-ID an.",
                "Evidence missing: give the form number or the WhatsApp message id.",
            ),
            ConsentError::UnknownWording(v) => {
                return Tr::new(
                    "Einwilligungstext Version {0} gibt es nicht. hofbote consent show zeigt die Versionen.",
                    "Consent wording version {0} does not exist.",
                )
                .fill(lang, &[v]);
            }
        };
        t.get(lang).to_owned()
    }
}

/// Checks an event before it is appended: not in the future (5 min clock skew allowed), grants carry evidence.
pub fn validate_event(event: &NewConsentEvent, now: DateTime<Utc>) -> Result<(), ConsentError> {
    if event.occurred_at > now + Duration::minutes(5) {
        return Err(ConsentError::InFuture);
    }
    if event.kind == EventKind::Granted && event.evidence.trim().is_empty() {
        return Err(ConsentError::EvidenceMissing);
    }
    Ok(())
}

/// Version 1 of the consent wording for `purpose`, generated from the shop's name and address (Meta's policy requires
/// the business name in the opt-in).
pub fn default_wording(purpose: Purpose, shop_name: &str, address: &str) -> Result<String, ConsentError> {
    let name = shop_name.trim();
    if name.is_empty() {
        return Err(ConsentError::ShopNameMissing);
    }
    let who = if address.trim().is_empty() { name.to_owned() } else { format!("{name}, {}", address.trim()) };
    Ok(match purpose {
        Purpose::Service => format!(
            "Ja, ich möchte von {who}, per WhatsApp Nachrichten zu meinen Bestellungen erhalten (Abhol- und \
             Schlachttermine). Ich kann das jederzeit widerrufen: mit STOP ALLES per WhatsApp oder im Hofladen."
        ),
        Purpose::Marketing => format!(
            "Ja, ich möchte von {who}, per WhatsApp über neue Produkte und aktuelle Angebote informiert werden \
             (höchstens einmal pro Woche). Ich kann diese Einwilligung jederzeit widerrufen: mit STOP per WhatsApp \
             oder im Hofladen."
        ),
    })
}

/// A stored consent wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wording {
    pub purpose: Purpose,
    pub version: u32,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests;
