//! Why a row (or a broadcast) is where it is: one enum for every reason the send path records, stored as a short key
//! (`outbox.reason`, `broadcasts.state_reason`), and the one place that puts it into German or English.

use std::fmt;

use crate::i18n::{Lang, Localized, Tr};

/// A recorded reason. Keys with a detail (`invalid_params: …`) keep it; Meta's own words (a failure's title) and
/// keys from a newer version are kept as [`Reason::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Reason {
    #[default]
    None,
    // Who may not get it (the claim's consent re-check, the audience plan).
    NoConsent,
    Withdrawn,
    ConsentPending,
    Suppressed,
    WindowClosed,
    InvalidNumber,
    SamePhoneTwice,
    InvalidParams(String),
    NoCustomer,
    AuthenticationTemplate,
    UnknownKind,
    // Why it waits.
    QuietHours,
    TierLimit,
    PairLimit,
    Retry,
    WebhookUnreadable,
    TemplateBlocked,
    TemplateNotApproved(String),
    /// All sending stopped by an alert (`stopped: auth`).
    Stopped(String),
    PausedByUser,
    // How it ended or why it is unclear.
    Crashed,
    NoAnswer,
    MarkedSent,
    CancelledByUser,
    RestoredFromBackup,
    SentPerJournal,
    MarketingStopped,
    /// Meta reviews the quality of the business portfolio (135000): the broadcast is halted, all sending stops.
    PortfolioReview,
    /// Meta disabled marketing messages for this number on the Cloud API (131063): marketing broadcasts paused.
    MarketingDisabled,
    /// Meta answered `held_for_quality_assessment`: Meta holds the message (pacing) and decides later.
    HeldByMeta,
    Other(String),
}

/// Keys without a detail, in one table (so writing and reading cannot drift apart).
const PLAIN: [(&str, Reason); 28] = [
    ("", Reason::None),
    ("no_consent", Reason::NoConsent),
    ("withdrawn", Reason::Withdrawn),
    ("consent_pending", Reason::ConsentPending),
    ("suppressed", Reason::Suppressed),
    ("window_closed", Reason::WindowClosed),
    ("invalid_number", Reason::InvalidNumber),
    ("same_phone_twice", Reason::SamePhoneTwice),
    ("no_customer", Reason::NoCustomer),
    ("authentication_template", Reason::AuthenticationTemplate),
    ("unknown_kind", Reason::UnknownKind),
    ("quiet_hours", Reason::QuietHours),
    ("tier_limit", Reason::TierLimit),
    ("pair_limit", Reason::PairLimit),
    ("retry", Reason::Retry),
    ("webhook_unreadable", Reason::WebhookUnreadable),
    ("template_blocked", Reason::TemplateBlocked),
    ("paused_by_user", Reason::PausedByUser),
    ("crashed", Reason::Crashed),
    ("no_answer", Reason::NoAnswer),
    ("marked_sent", Reason::MarkedSent),
    ("cancelled_by_user", Reason::CancelledByUser),
    ("restored_from_backup", Reason::RestoredFromBackup),
    ("sent_per_journal", Reason::SentPerJournal),
    ("marketing_stopped", Reason::MarketingStopped),
    ("portfolio_review", Reason::PortfolioReview),
    ("marketing_disabled", Reason::MarketingDisabled),
    ("held_for_quality_assessment", Reason::HeldByMeta),
];

/// Keys with a detail: `key: detail`.
const INVALID_PARAMS: &str = "invalid_params: ";
const TEMPLATE_NOT_APPROVED: &str = "template_not_approved: ";
const STOPPED: &str = "stopped: ";

impl Reason {
    /// The stored key.
    pub fn key(&self) -> String {
        match self {
            Reason::InvalidParams(d) => format!("{INVALID_PARAMS}{d}"),
            Reason::TemplateNotApproved(d) => format!("{TEMPLATE_NOT_APPROVED}{d}"),
            Reason::Stopped(d) => format!("{STOPPED}{d}"),
            Reason::Other(s) => s.clone(),
            plain => PLAIN.iter().find(|(_, r)| r == plain).map(|(k, _)| (*k).to_owned()).unwrap_or_default(),
        }
    }

    /// A stored key read back.
    pub fn parse(key: &str) -> Reason {
        if let Some((_, r)) = PLAIN.iter().find(|(k, _)| *k == key) {
            return r.clone();
        }
        if let Some(d) = key.strip_prefix(INVALID_PARAMS) {
            return Reason::InvalidParams(d.to_owned());
        }
        if let Some(d) = key.strip_prefix(TEMPLATE_NOT_APPROVED) {
            return Reason::TemplateNotApproved(d.to_owned());
        }
        if let Some(d) = key.strip_prefix(STOPPED) {
            return Reason::Stopped(d.to_owned());
        }
        // "template_blocked: <Meta's detail>" as written when Meta blocks a template.
        if key.starts_with("template_blocked") {
            return Reason::TemplateBlocked;
        }
        Reason::Other(key.to_owned())
    }

    pub fn is_none(&self) -> bool {
        *self == Reason::None
    }

    /// In the farmer's words.
    pub fn explain(&self, lang: Lang) -> String {
        use crate::domain::broadcast::Exclusion;
        use crate::domain::consent::Refusal;
        let t = match self {
            Reason::None => return String::new(),
            Reason::NoConsent => Tr::new("keine Einwilligung", "no consent"),
            Reason::Withdrawn => Tr::new("Einwilligung widerrufen", "consent withdrawn"),
            Reason::ConsentPending => Tr::new("Einwilligung noch nicht bestätigt", "consent not yet confirmed"),
            Reason::Suppressed => return Refusal::Suppressed.localized(lang),
            Reason::WindowClosed => return Refusal::WindowClosed.localized(lang),
            Reason::InvalidNumber => return Exclusion::InvalidNumber.localized(lang),
            Reason::SamePhoneTwice => return Exclusion::SamePhoneTwice.localized(lang),
            Reason::InvalidParams(d) => {
                return Tr::new("Platzhalter ungültig: {0}", "invalid placeholder: {0}").fill(lang, &[d]);
            }
            Reason::NoCustomer => Tr::new("Kunde gelöscht", "customer erased"),
            Reason::AuthenticationTemplate => Tr::new(
                "Anmeldecode-Vorlagen verschickt hofbote nicht",
                "hofbote does not send authentication templates",
            ),
            Reason::UnknownKind => Tr::new("unbekannte Nachrichtenart", "unknown kind of message"),
            Reason::QuietHours => Tr::new("Ruhezeit – geht morgens raus", "quiet hours – goes out in the morning"),
            Reason::TierLimit => Tr::new("Tageslimit von Meta erreicht", "Meta's messaging limit reached"),
            Reason::PairLimit => {
                Tr::new("kurz warten (zu oft an diesen Kunden)", "short wait (too often to this customer)")
            }
            Reason::Retry => Tr::new("neuer Versuch später", "retrying later"),
            Reason::WebhookUnreadable => Tr::new(
                "wartet: eine WhatsApp-Meldung ist unlesbar (Warnung in der Warteschlange)",
                "waits: a WhatsApp notification is unreadable (alert in the queue)",
            ),
            Reason::TemplateBlocked => Tr::new("Vorlage bei Meta gesperrt", "template blocked at Meta"),
            Reason::TemplateNotApproved(d) => {
                return Tr::new("Vorlage nicht genehmigt ({0})", "template not approved ({0})").fill(lang, &[d]);
            }
            Reason::Stopped(d) => {
                return Tr::new("Versand angehalten ({0})", "sending stopped ({0})").fill(lang, &[d]);
            }
            Reason::PausedByUser => Tr::new("von Hand angehalten", "paused by hand"),
            Reason::Crashed => Tr::new(
                "unterbrochen beim Senden – unklar, ob angekommen",
                "interrupted while sending – unclear whether it arrived",
            ),
            Reason::NoAnswer => Tr::new(
                "keine Antwort von Meta – unklar, ob angekommen",
                "no answer from Meta – unclear whether it arrived",
            ),
            Reason::MarkedSent => Tr::new("von Hand als gesendet markiert", "marked as sent by hand"),
            Reason::CancelledByUser => Tr::new("abgebrochen", "cancelled"),
            Reason::RestoredFromBackup => Tr::new("Sicherung zurückgespielt", "backup restored"),
            Reason::SentPerJournal => Tr::new("laut Versandprotokoll gesendet", "sent according to the send journal"),
            Reason::MarketingStopped => {
                Tr::new("Kunde hat Werbung in WhatsApp abgestellt", "the customer stopped marketing in WhatsApp")
            }
            Reason::PortfolioReview => Tr::new(
                "angehalten: Meta prüft dein Business-Portfolio (135000)",
                "halted: Meta reviews your business portfolio (135000)",
            ),
            Reason::MarketingDisabled => Tr::new(
                "angehalten: Meta hat Werbung für deine Nummer abgeschaltet (131063)",
                "halted: Meta turned off marketing for your number (131063)",
            ),
            Reason::HeldByMeta => Tr::new(
                "Meta entscheidet, ob sie rausgeht – hofbote sendet sie nicht noch einmal",
                "Meta decides whether it goes out – hofbote does not send it again",
            ),
            Reason::Other(s) => return s.clone(),
        };
        t.get(lang).to_owned()
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// Serialised as its key (the JSON of `queue show` keeps `"reason": "quiet_hours"`).
impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_round_trips_through_its_key() {
        let mut all: Vec<Reason> = PLAIN.iter().map(|(_, r)| r.clone()).collect();
        all.extend([
            Reason::InvalidParams("{{2}} leer".into()),
            Reason::TemplateNotApproved("PENDING".into()),
            Reason::Stopped("auth".into()),
            Reason::Other("Message undeliverable".into()),
        ]);
        for r in all {
            assert_eq!(Reason::parse(&r.key()), r, "{r:?}");
        }
        assert_eq!(Reason::parse("template_blocked: paused"), Reason::TemplateBlocked);
        assert_eq!(Reason::QuietHours.explain(Lang::De), "Ruhezeit – geht morgens raus");
        assert_eq!(Reason::Other("Message undeliverable".into()).explain(Lang::De), "Message undeliverable");
    }
}
