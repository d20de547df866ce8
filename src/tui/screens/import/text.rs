//! German/English text of the import view. Only text lives here.

use crate::i18n::{Lang, Tr};

pub const TITLE: Tr = Tr::new("Kunden importieren", "Import customers");
pub const FILE: Tr = Tr::new("Datei", "File");
pub const FILE_HINT: Tr = Tr::new("z. B. ~/kunden.csv", "e.g. ~/customers.csv");
pub const INTRO: Tr = Tr::new(
    "CSV (Excel, Google, Outlook, hofbote-Export) oder vCard. Tab ergänzt Ordner und Dateinamen, Enter prüft die Datei – gespeichert wird erst nach deinem y.",
    "CSV (Excel, Google, Outlook, hofbote export) or vCard. Tab completes folders and file names, Enter checks the file – nothing is stored before your y.",
);
pub const EMPTY_PATH: Tr = Tr::new(
    "Gib zuerst den Pfad der Datei ein, z. B. ~/kunden.csv.",
    "Type the file's path first, e.g. ~/customers.csv.",
);
pub const NO_MATCH: Tr = Tr::new("Nichts gefunden, das so beginnt.", "Nothing found that starts like this.");
pub const MATCHES: Tr = Tr::new("Passend ({0}):", "Matching ({0}):");
pub const LOADING: Tr = Tr::new("Datei wird geprüft …", "Checking the file …");
pub const APPLYING: Tr = Tr::new("Wird gespeichert …", "Saving …");
pub const HEAD: Tr =
    Tr::new("Probelauf: {0} ({1}). Noch ist nichts gespeichert.", "Dry run: {0} ({1}). Nothing is stored yet.");
/// The column lines are the engine's (the CLI's dry run says the same).
pub use crate::import::{COLUMN_TEXT as COLUMN, COLUMNS_TEXT as COLUMNS};
pub const COLUMN_UNUSED: Tr = Tr::new("  Spalte ‚{0}‘ wird nicht verwendet", "  column '{0}' is not used");
pub const VCARD_FIELDS: Tr = Tr::new(
    "  vCard: Name, Vorname, Telefon (Handy zuerst), Kategorien",
    "  vCard: name, first name, phone (mobile first), categories",
);
pub const ROWS: Tr = Tr::new("So wird gespeichert (die ersten {0}):", "Stored like this (the first {0}):");
pub const ROWS_ALL: Tr = Tr::new("So wird gespeichert:", "Stored like this:");
pub const ROWS_NONE: Tr = Tr::new("Keine Zeile kann übernommen werden.", "No row can be taken.");
pub const COL_LINE: Tr = Tr::new("Zeile", "Line");
pub const COL_NAME: Tr = Tr::new("Name", "Name");
pub const COL_FIRST: Tr = Tr::new("Vorname", "First");
pub const COL_PHONE: Tr = Tr::new("Telefon", "Phone");
pub const COL_TAGS: Tr = Tr::new("Schlagworte", "Tags");
pub const COL_CONSENT: Tr = Tr::new("Einwilligung", "Consent");
pub const ACTION_NEW: Tr = Tr::new("neu", "new");
pub const ACTION_UPDATE: Tr = Tr::new("ändert", "changes");
pub const ACTION_SAME: Tr = Tr::new("gleich", "same");
pub const CONSENT_NONE: Tr = Tr::new("–", "–");
pub const REJECTED: Tr = Tr::new("Abgelehnt (wird nicht übernommen):", "Rejected (not taken):");
pub const REJECTED_LINE: Tr = Tr::new("  Zeile {0}: {1}", "  line {0}: {1}");
pub const CONSENT_IGNORED: Tr = Tr::new(
    "Einwilligungs-Spalten ({0}) werden hier nicht übernommen: trag Einwilligungen vom Papierformular unter 2 Einwilligungen ein.",
    "Consent columns ({0}) are not taken here: record paper consents under 2 Consent.",
);
pub const CONSENT_HOW: Tr = Tr::new(
    "Liegen die unterschriebenen Formulare vor? Dann e: die Einwilligungen werden mit Datum und Textversion jeder Zeile erfasst.",
    "Do you hold the signed forms? Then e: the consents are recorded with each row's date and wording version.",
);
pub const CONSENT_RECORD: Tr = Tr::new(
    "Einwilligungen: {0} werden erfasst (Formular im Laden; Nachweis: {1} (Zeile N)).",
    "Consents: {0} will be recorded (shop form; evidence: {1} (line N)).",
);
pub const EVIDENCE: Tr = Tr::new("Nachweis", "Evidence");
pub const EVIDENCE_HINT: &str = "z. B. Formulare 2026, Ordner 3";
pub const EVIDENCE_INTRO: Tr = Tr::new(
    "Einwilligungen aus der Datei übernehmen – nur, wenn die unterschriebenen Formulare vorliegen. Jede Zeile braucht das Datum vom Formular und die Version des Einwilligungstexts; sonst wird sie abgelehnt. Wo liegen die Formulare?",
    "Take the file's consents – only if you hold the signed forms. Each row needs the form's date and the consent wording version, else it is rejected. Where are the forms kept?",
);
pub const EVIDENCE_EMPTY: Tr = Tr::new(
    "Gib an, wo die Formulare liegen (z. B. Formulare 2026, Ordner 3).",
    "Say where the forms are kept (e.g. forms 2026, folder 3).",
);
pub const QUESTION: Tr = Tr::new(
    "Übernehmen? y = ja, speichern · Esc = zurück, nichts wird gespeichert",
    "Apply? y = yes, store · Esc = back, nothing is stored",
);
pub const NOTHING: Tr = Tr::new(
    "Nichts zu tun: alles ist schon so gespeichert. Esc = zurück",
    "Nothing to do: everything is already stored. Esc = back",
);

/// The purpose in the table's narrow column: the glossary's short words.
pub fn purpose_short(p: crate::domain::consent::Purpose) -> Tr {
    match p {
        crate::domain::consent::Purpose::Service => Tr::new("Termine", "service"),
        crate::domain::consent::Purpose::Marketing => Tr::new("Angebote", "marketing"),
    }
}

/// "2 neu · 1 ändert · 0 gleich · 1 Zeile abgelehnt" with German grammar for one and many.
pub fn counts(adds: usize, updates: usize, same: usize, rejected: usize, lang: Lang) -> String {
    let rejected = crate::import::rejected_count(rejected, lang);
    match lang {
        Lang::De => format!("{adds} neu · {updates} geändert · {same} unverändert · {rejected}"),
        Lang::En => format!("{adds} new · {updates} changed · {same} unchanged · {rejected}"),
    }
}

/// The status line after the import: "Import gespeichert: 2 Kunden neu, 0 geändert, 1 Zeile abgelehnt."
pub fn saved(adds: usize, updates: usize, rejected: usize, consents: usize, lang: Lang) -> String {
    let customers = match (adds, lang) {
        (1, Lang::De) => "1 Kunde neu".to_owned(),
        (n, Lang::De) => format!("{n} Kunden neu"),
        (1, Lang::En) => "1 customer added".to_owned(),
        (n, Lang::En) => format!("{n} customers added"),
    };
    let mut tail = String::new();
    if rejected > 0 {
        tail.push_str(&format!(", {}", crate::import::rejected_count(rejected, lang)));
    }
    if consents > 0 {
        let c = match (consents, lang) {
            (1, Lang::De) => "1 Einwilligung erfasst".to_owned(),
            (n, Lang::De) => format!("{n} Einwilligungen erfasst"),
            (1, Lang::En) => "1 consent recorded".to_owned(),
            (n, Lang::En) => format!("{n} consents recorded"),
        };
        tail.push_str(&format!(", {c}"));
    }
    match lang {
        Lang::De => format!("Import gespeichert: {customers}, {updates} geändert{tail}."),
        Lang::En => format!("Import saved: {customers}, {updates} changed{tail}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_line_and_many_lines() {
        assert_eq!(counts(2, 0, 0, 1, Lang::De), "2 neu · 0 geändert · 0 unverändert · 1 Zeile abgelehnt");
        assert!(counts(0, 0, 0, 3, Lang::De).ends_with("3 Zeilen abgelehnt"));
        assert_eq!(saved(1, 0, 0, 0, Lang::De), "Import gespeichert: 1 Kunde neu, 0 geändert.");
        assert_eq!(saved(2, 1, 1, 0, Lang::De), "Import gespeichert: 2 Kunden neu, 1 geändert, 1 Zeile abgelehnt.");
        assert_eq!(saved(1, 0, 0, 1, Lang::De), "Import gespeichert: 1 Kunde neu, 0 geändert, 1 Einwilligung erfasst.");
    }
}
