//! Every sentence and label of the terminal app as a German/English pair (German first, "du", says what happened
//! and what to do — see GLOSSARY), plus the German way of writing dates, times and numbers. Only text lives here.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Berlin;

use crate::domain::consent::{EventKind, Purpose, Source};
use crate::i18n::{Lang, Plural, Tr};

// Frame
pub const APP: &str = "hofbote";
pub const DB: Tr = Tr::new("Datenbank: ", "Database: ");
pub const DB_SHORT: Tr = Tr::new("Daten: ", "Data: ");
pub const DEMO: Tr = Tr::new(" DEMO — es wird nichts wirklich verschickt ", " DEMO — nothing is really sent ");
pub const NO_SHOP_NAME: Tr = Tr::new("Hofname fehlt", "shop name missing");
pub const TAB_KUNDEN: Tr = Tr::new("Kunden", "Customers");
pub const TAB_CONSENT: Tr = Tr::new("Einwilligungen", "Consent");
pub const TAB_MESSAGE: Tr = Tr::new("Nachricht", "Message");
pub const TAB_QUEUE: Tr = Tr::new("Warteschlange", "Send queue");
pub const TAB_KUNDEN_SHORT: Tr = Tr::new("Kunden", "Customers");
pub const TAB_CONSENT_SHORT: Tr = Tr::new("Einwill.", "Consent");
pub const TAB_MESSAGE_SHORT: Tr = Tr::new("Nachricht", "Message");
pub const TAB_QUEUE_SHORT: Tr = Tr::new("Warteschl.", "Queue");
pub const TAB_SETTINGS_SHORT: Tr = Tr::new("Einst.", "Settings");
/// The queue tab's badge for unread replies.
pub const TAB_ONE_REPLY: Tr = Tr::new("(1 Antwort)", "(1 reply)");
pub const TAB_REPLIES: Tr = Tr::new("({0} Antworten)", "({0} replies)");
pub const LOADING: Tr = Tr::new("Lade Daten ...", "Loading ...");
pub const SAVING: Tr = Tr::new("Speichere ...", "Saving ...");
pub const ERROR_PREFIX: Tr = Tr::new("Fehler: ", "Error: ");
pub const PRESS_ANY_KEY: Tr = Tr::new("  (Taste drücken)", "  (press a key)");
pub const CONFIRM_TITLE: Tr = Tr::new("Bitte bestätigen", "Please confirm");
pub const HELP_GLYPHS: Tr = Tr::new(
    "Einwilligung: {0} erteilt · {1} widerrufen · {2} Bestätigung per WhatsApp ausstehend · {3} nichts erfasst",
    "Consent: {0} granted · {1} withdrawn · {2} confirmation on WhatsApp pending · {3} nothing recorded",
);
pub const TOO_SMALL: Tr = Tr::new(
    "Fenster zu klein (mind. {0}, jetzt {1}). Zieh das Fenster größer oder verkleinere die Schrift (Strg und -). Strg-C beendet.",
    "Window too small (at least {0}, now {1}). Make the window larger or the font smaller (Ctrl and -). Ctrl-C quits.",
);
pub const DISCARD: Tr =
    Tr::new("Deine Eingaben sind noch nicht gespeichert. Verwerfen?", "What you typed is not saved yet. Discard it?");
pub const DISCARD_AND_QUIT: Tr = Tr::new(
    "Deine Eingaben sind noch nicht gespeichert. Verwerfen und hofbote beenden?",
    "What you typed is not saved yet. Discard it and quit hofbote?",
);
pub const QUIT_WHILE_SENDING: Tr = Tr::new(
    "Gerade wird eine Rundnachricht aus diesem Fenster verschickt. Wenn du jetzt beendest, wird der Versand \
     angehalten und beim nächsten Start fortgesetzt. Trotzdem beenden?",
    "A broadcast is being sent from this window. If you quit now, sending pauses and continues at the next start. \
     Quit anyway?",
);
pub const HELP_TITLE: Tr = Tr::new("Hilfe – Tasten", "Help – keys");
pub const HELP_FOOTER: Tr = Tr::new("Esc schließt die Hilfe.", "Esc closes the help.");
pub const HELP_FOOTER_SCROLL: Tr =
    Tr::new("{0}/{1} blättern, Esc schließt die Hilfe.", "{0}/{1} scroll, Esc closes the help.");

// Customer list
pub const SEARCH: Tr = Tr::new("Suche: ", "Search: ");
pub const TAG_FILTER: Tr = Tr::new("Schlagwort: {0} ({1})", "Tag: {0} ({1})");
pub const SORT_NAME: Tr = Tr::new("sortiert nach Name", "sorted by name");
pub const SORT_SCORE: Tr = Tr::new("beste Treffer zuerst", "best matches first");
pub const SORT_CHANGED: Tr = Tr::new("sortiert nach letzter Änderung", "sorted by last change");
pub const COUNT: Plural = Plural::new(Tr::new("{0} Kunde", "{0} customer"), Tr::new("{0} Kunden", "{0} customers"));
pub const COUNT_OF: Plural = Plural::new(
    Tr::new("{0} von {1} Kunde", "{0} of {1} customer"),
    Tr::new("{0} von {1} Kunden", "{0} of {1} customers"),
);
/// Customers marked with Space for a message to these (`m`).
pub const MARKED: Tr = Tr::new("{0} markiert (m: Nachricht an diese)", "{0} marked (m: message these)");
pub const COL_NAME: Tr = Tr::new("Name", "Name");
pub const COL_PHONE: Tr = Tr::new("Telefon", "Phone");
pub const COL_TAGS: Tr = Tr::new("Schlagworte", "Tags");
pub const COL_SERVICE: Tr = Tr::new("Service", "Service");
pub const COL_MARKETING: Tr = Tr::new("Werbung", "Marketing");
pub const COL_CHANGED: Tr = Tr::new("Geändert", "Changed");
pub const NO_CUSTOMERS: Tr = Tr::new("Noch keine Kunden.", "No customers yet.");
pub const NO_CUSTOMERS_HINT: Tr =
    Tr::new("Drücke {0}, um den ersten Kunden anzulegen.", "Press {0} to add the first customer.");
pub const NO_MATCHES: Tr =
    Tr::new("Keine Treffer. {0} löscht Suche und Filter.", "No matches. {0} clears search and filters.");
pub const ERASE_QUESTION: Tr = Tr::new(
    "{0} wirklich löschen?\nAlle Daten dieses Kunden werden entfernt. Die Nachweise seiner Einwilligungen bleiben \
     ohne Namen und Nummer (pseudonymisiert) erhalten.",
    "Really erase {0}?\nAll data of this customer is removed. The evidence of their consent is kept without name \
     and number (pseudonymised).",
);
pub const ERASING: Tr = Tr::new("Lösche {0} ...", "Erasing {0} ...");
pub const ERASED: Tr = Tr::new(
    "{0} gelöscht. {1} Nachweise bleiben pseudonymisiert erhalten.",
    "{0} erased. {1} evidence entries are kept pseudonymised.",
);

// Customer form and detail
pub const NEW_CUSTOMER: Tr = Tr::new("Neuer Kunde", "New customer");
pub const EDIT_CUSTOMER: Tr = Tr::new("Kunde ändern", "Edit customer");
pub const F_NAME: Tr = Tr::new("Name", "Name");
pub const F_FIRST_NAME: Tr = Tr::new("Vorname (Anrede)", "First name (greeting)");
pub const F_PHONE: Tr = Tr::new("Telefon", "Phone");
/// A customer known only by WhatsApp user id: the label and the id, for Auskunft and erasure
/// (`hofbote privacy export DE.…`).
pub const NO_NUMBER_WITH_ID: Tr = Tr::new("{0} · {1}", "{0} · {1}");
pub const F_TAGS: Tr = Tr::new("Schlagworte", "Tags");
pub const F_NOTE: Tr = Tr::new("Notiz", "Note");
pub const CUSTOMER_ADDED: Tr = Tr::new("Kunde angelegt: {0}", "Customer added: {0}");
pub const CUSTOMER_SAVED: Tr = Tr::new("Gespeichert: {0}", "Saved: {0}");
pub const CREATED: Tr = Tr::new("Angelegt", "Created");
pub const CREATED_CHANGED: Tr = Tr::new("{0}, zuletzt geändert {1}", "{0}, last changed {1}");
pub const SINCE: Tr = Tr::new("seit {0}", "since {0}");
pub const LEDGER_TITLE: Tr =
    Tr::new("Nachweise der Einwilligungen ({0}, neueste zuerst)", "Consent evidence ({0}, newest first)");
// The customer's replies in their detail view.
pub const DETAIL_REPLIES: Tr = Tr::new("Antworten", "Replies");
pub const DETAIL_REPLIES_VALUE: Tr =
    Tr::new("{0} · zuletzt {1}: »{2}« ({3}: antworten)", "{0} · last {1}: “{2}” ({3}: answer)");
pub const DETAIL_REPLIES_NONE: Tr = Tr::new("keine", "none");

pub const LEDGER_EMPTY: Tr = Tr::new(
    "Noch keine Einwilligung erfasst. Drücke {0}, um eine vom Formular zu erfassen.",
    "No consent recorded yet. Press {0} to record one from a form.",
);
pub const LEDGER_SECOND: Tr =
    Tr::new("erfasst {0} von {1} · Text {3} · Nachweis: {2}", "recorded {0} by {1} · wording {3} · evidence: {2}");
pub const MORE_BELOW: Tr = Tr::new("... weitere Einträge ({0} blättert)", "... more entries ({0} scrolls)");

// Consent screen
pub const PURPOSE: Tr = Tr::new("Zweck", "Purpose");
pub const ALL: Tr = Tr::new("alle", "all");
pub const PENDING_TITLE: Tr =
    Tr::new("Bestätigung per WhatsApp ausstehend: {0}", "Confirmation on WhatsApp pending: {0}");
pub const AND_MORE: Tr = Tr::new("  ... und {0} weitere", "  ... and {0} more");
pub const EVENTS_TITLE: Plural = Plural::new(
    Tr::new(
        "Letzte Nachweise · Zweck: {0} · Quelle: {1} · {2} Eintrag",
        "Latest evidence · purpose: {0} · source: {1} · {2} entry",
    ),
    Tr::new(
        "Letzte Nachweise · Zweck: {0} · Quelle: {1} · {2} Einträge",
        "Latest evidence · purpose: {0} · source: {1} · {2} entries",
    ),
);
pub const EVENTS_EMPTY: Tr = Tr::new("Keine Einträge.", "No entries.");
pub const COL_RECORDED: Tr = Tr::new("Erfasst", "Recorded");
pub const COL_OCCURRED: Tr = Tr::new("Geschehen", "Happened");
pub const COL_CUSTOMER: Tr = Tr::new("Kunde", "Customer");
pub const COL_WHAT: Tr = Tr::new("Was", "What");
pub const COL_SOURCE: Tr = Tr::new("Quelle", "Source");
pub const COL_BY: Tr = Tr::new("Von", "By");
pub const COL_WORDING: Tr = Tr::new("Text", "Text");
pub const COL_EVIDENCE: Tr = Tr::new("Nachweis", "Evidence");
/// The evidence column for a message id (shown in full in the customer's detail).
pub const EVIDENCE_MESSAGE: Tr = Tr::new("Nachricht", "message");
pub const ERASED_CUSTOMER: Tr = Tr::new("(gelöscht)", "(erased)");

// Consent form
pub const RECORD_TITLE: Tr = Tr::new("Einwilligung erfassen (Papierformular)", "Record consent (paper form)");
pub const WITHDRAW_TITLE: Tr = Tr::new("Widerruf erfassen", "Record withdrawal");
pub const F_CUSTOMER: Tr = Tr::new("Kunde", "Customer");
pub const F_SOURCE: Tr = Tr::new("Quelle", "Source");
pub const F_DATE: Tr = Tr::new("Datum", "Date");
pub const F_WORDING: Tr = Tr::new("Formulartext", "Form wording");
pub const F_EVIDENCE: Tr = Tr::new("Nachweis", "Evidence");
pub const H_CUSTOMER: Tr = Tr::new("Name oder Telefon", "name or phone");
pub const H_NEW_CUSTOMER: Tr = Tr::new("neuer Kunde", "new customer");
pub const H_DATE: Tr = Tr::new("vom Formular", "on the form");
pub const H_EVIDENCE: Tr = Tr::new("Formularnummer", "form number");
pub const H_WITHDRAW_NOTE: Tr = Tr::new("z. B. im Laden gesagt", "e.g. said in the shop");
pub const H_WORDING_CURRENT: Tr =
    Tr::new("leer = der heutige Text (Nr. {0}); ältere Formulare: ihre Nr.", "empty = today's wording (no. {0})");
pub const H_WORDING_BOTH: Tr = Tr::new(
    "leer = die heutigen Texte (Service Nr. {0}, Werbung Nr. {1})",
    "empty = today's wordings (service no. {0}, marketing no. {1})",
);
pub const H_WORDING_EMPTY: Tr = Tr::new("leer = der heutige Text", "empty = today's wording");
pub const PICK_TYPE: Tr = Tr::new("Tippe Name oder Telefonnummer.", "Type a name or phone number.");
pub const PICK_NONE: Tr = Tr::new("Kein Kunde gefunden.", "No customer found.");
pub const PICK_NEW: Tr = Tr::new("+ Neuen Kunden anlegen: »{0}«", "+ Add new customer: “{0}”");
pub const E_PICK_CUSTOMER: Tr = Tr::new(
    "Wähle einen Kunden: Namen oder Nummer tippen, mit ↑↓ auswählen, Enter.",
    "Choose a customer: type a name or number, pick with ↑↓, Enter.",
);
pub const E_NO_PURPOSE: Tr =
    Tr::new("Kreuze mindestens einen Zweck an (Leertaste).", "Tick at least one purpose (space).");
pub const E_DATE: Tr = Tr::new(
    "Datum nicht erkannt. Beispiele: 27.11.2026, 27.11. oder gestern.",
    "Date not recognised. Examples: 2026-11-27 or yesterday.",
);
pub const E_DATE_FUTURE: Tr = Tr::new(
    "Das Datum liegt in der Zukunft. Gib das Datum vom Formular an.",
    "The date lies in the future. Enter the date on the form.",
);
pub const E_WORDING: Tr = Tr::new(
    "Formulartext: die Nummer des Textes wie 1 (oder leer für den heutigen Text).",
    "The wording version is a number like 1 (or empty for the current one).",
);
pub const CONSENT_RECORDED: Tr = Tr::new("Einwilligung {0} erfasst für {1}.", "Consent {0} recorded for {1}.");
pub const RECORDED_CHANGES_NOTHING: Tr = Tr::new(
    "{0} eingetragen, ändert aber nichts: ein neuerer Eintrag vom {1} gilt (Stand: {2}).",
    "{0} recorded, but it changes nothing: a later entry of {1} stands (state: {2}).",
);
pub const WITHDRAWAL_RECORDED: Tr = Tr::new("Widerruf {0} erfasst für {1}.", "Withdrawal of {0} recorded for {1}.");

/// Short purpose names for tables.
pub fn purpose_short(p: Purpose) -> Tr {
    match p {
        Purpose::Service => Tr::new("Service", "Service"),
        Purpose::Marketing => Tr::new("Werbung", "Marketing"),
    }
}

/// Short event names for tables.
pub fn kind_short(k: EventKind) -> Tr {
    match k {
        EventKind::Granted => Tr::new("erteilt", "granted"),
        EventKind::Withdrawn => Tr::new("widerrufen", "withdrawn"),
        EventKind::ConfirmationRequested => Tr::new("angefragt", "requested"),
        EventKind::ConfirmationExpired => Tr::new("abgelaufen", "expired"),
        EventKind::PlatformResume => Tr::new("erlaubt", "allowed"),
    }
}

/// Short source names for tables.
pub fn source_short(s: Source) -> Tr {
    match s {
        Source::ShopForm => Tr::new("Formular", "form"),
        Source::WhatsappKeyword => Tr::new("WhatsApp-Text", "WhatsApp text"),
        Source::WhatsappButton => Tr::new("WhatsApp-Knopf", "WhatsApp button"),
        Source::MetaUserPreferences => Tr::new("WhatsApp-Menü", "WhatsApp menu"),
        Source::DeliveryError => Tr::new("Zustellfehler", "delivery error"),
        Source::Import => Tr::new("Import", "import"),
        Source::Manual => Tr::new("von Hand", "manual"),
    }
}

/// "27.11.2026" (German) or "2026-11-27", in Europe/Berlin.
pub fn date(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&Berlin);
    match lang {
        Lang::De => local.format("%d.%m.%Y").to_string(),
        Lang::En => local.format("%Y-%m-%d").to_string(),
    }
}

/// "27.11.2026 10:05" or "2026-11-27 10:05", in Europe/Berlin.
pub fn datetime_short(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&Berlin);
    match lang {
        Lang::De => local.format("%d.%m.%Y %H:%M").to_string(),
        Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// "Fr 27.11.2026 10:05" or "Fri 2026-11-27 10:05", in Europe/Berlin.
pub fn datetime(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&Berlin);
    match lang {
        Lang::De => {
            use chrono::Datelike;
            let day = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"][local.weekday().num_days_from_monday() as usize];
            format!("{day} {}", local.format("%d.%m.%Y %H:%M"))
        }
        Lang::En => local.format("%a %Y-%m-%d %H:%M").to_string(),
    }
}

/// "1.234" — thousands with a dot, as Germans write them (English: "1,234").
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// How long something has been waiting: "seit 5 Std.".
pub fn age(d: Duration, lang: Lang) -> String {
    let m = d.num_minutes().max(0);
    match lang {
        Lang::De if m < 1 => "gerade eben".into(),
        Lang::De if m < 60 => format!("seit {m} Min."),
        Lang::De if m < 48 * 60 => format!("seit {} Std.", m / 60),
        Lang::De => format!("seit {} Tagen", m / (24 * 60)),
        Lang::En if m < 1 => "just now".into(),
        Lang::En if m < 60 => format!("for {m} min"),
        Lang::En if m < 48 * 60 => format!("for {} h", m / 60),
        Lang::En => format!("for {} days", m / (24 * 60)),
    }
}

/// Shared by the composer's review and the queue.
pub const R_TEMPLATE: Tr = Tr::new("Vorlage", "Template");
pub const SECONDS: Tr = Tr::new("{0} s", "{0} s");
pub const MINUTES: Tr = Tr::new("{0} Min.", "{0} min");
pub const HOURS: Tr = Tr::new("{0} Std. {1} Min.", "{0} h {1} min");

/// "12 s", "3 Min.", "1 Std. 5 Min.": a duration as the review and the queue show it.
pub fn duration(d: chrono::Duration, lang: Lang) -> String {
    let secs = (d.num_milliseconds() as f64 / 1000.0).ceil().max(1.0) as i64;
    if secs < 120 {
        SECONDS.fill(lang, &[&secs])
    } else if secs < 3600 {
        MINUTES.fill(lang, &[&((secs + 59) / 60)])
    } else {
        HOURS.fill(lang, &[&(secs / 3600), &((secs % 3600) / 60)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn german_dates_numbers_and_ages() {
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 9, 5, 0).unwrap();
        assert_eq!(date(at, Lang::De), "27.11.2026");
        assert_eq!(datetime(at, Lang::De), "Fr 27.11.2026 10:05");
        assert_eq!(datetime(at, Lang::En), "Fri 2026-11-27 10:05");
        assert_eq!(datetime_short(at, Lang::De), "27.11.2026 10:05");
        assert_eq!(number(412), "412");
        assert_eq!(number(1234), "1.234");
        assert_eq!(number(100_000), "100.000");
        assert_eq!(age(Duration::minutes(330), Lang::De), "seit 5 Std.");
        assert_eq!(age(Duration::days(3), Lang::De), "seit 3 Tagen");
        assert_eq!(age(Duration::minutes(7), Lang::En), "for 7 min");
    }
}
