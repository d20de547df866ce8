//! The sentences and labels of the customers' replies (Antworten) and one conversation, German and English ("du",
//! says what happened and what to do — see GLOSSARY). Only text lives here.

use crate::i18n::{Lang, Tr};

pub const ANSWER: Tr = Tr::new("Antwort: ", "Answer: ");
pub const CONV_TITLE: Tr = Tr::new("Unterhaltung mit {0}", "Conversation with {0}");
pub const HELD_SIGNUP: Tr = Tr::new(
    "Anmeldung zurückgehalten (zu viele pro Stunde) – kein Kunde angelegt, prüfen",
    "sign-up held back (too many per hour) – no customer created, check it",
);
pub const MAYBE_STOP: Tr = Tr::new("möchte evtl. keine Nachrichten mehr", "may want no more messages");
pub const NOT_A_CUSTOMER: Tr = Tr::new(
    "Diese Nummer ist nicht in der Kundenliste; lege den Kunden an, um zu antworten.",
    "This number is not on the customer list; add the customer to answer.",
);
pub const REPLIES_EMPTY: Tr = Tr::new(
    "Noch keine Antworten. Wenn Kunden auf eine Nachricht antworten, steht es hier.",
    "No replies yet. When customers answer a message, it shows here.",
);
pub const REPLIES_TITLE: Tr =
    Tr::new("Antworten der Kunden ({0}, {1} ungelesen)", "Customers' replies ({0}, {1} unread)");
pub const REPLY_EMPTY: Tr = Tr::new("Schreib erst eine Antwort.", "Write an answer first.");
pub const REPLY_TOO_LONG: Tr = Tr::new(
    "Die Antwort ist zu lang ({0} von höchstens {1} Zeichen).",
    "The answer is too long ({0} of at most {1} characters).",
);
pub const UNKNOWN_SENDER: Tr = Tr::new("unbekannte Nummer", "unknown number");
pub const WINDOW_CLOSED: Tr = Tr::new(
    "Das 24-Stunden-Fenster ist zu: Freier Text geht nicht mehr, nur eine Vorlage (Nachricht, Taste 3).",
    "The 24 h window is closed: no free text any more, only a template (Message, key 3).",
);
pub const WINDOW_OPEN: Tr = Tr::new(
    "24-Stunden-Fenster offen, noch {0} – eine Antwort kostet {1} (Meta berechnet sie seit 1.10.2026).",
    "24 h window open, {0} left – an answer costs {1} (Meta bills them since 2026-10-01).",
);
pub const YOU: Tr = Tr::new("Du", "You");
pub const REPLY_QUEUED: Tr = Tr::new("Antwort an {0} eingereiht.", "Answer to {0} queued.");

/// "2 Std. 15 Min." / "12 Min.".
pub fn left(minutes: i64, lang: Lang) -> String {
    let m = minutes.max(0);
    match lang {
        Lang::De if m >= 60 => format!("{} Std. {} Min.", m / 60, m % 60),
        Lang::De => format!("{m} Min."),
        Lang::En if m >= 60 => format!("{} h {} min", m / 60, m % 60),
        Lang::En => format!("{m} min"),
    }
}
