//! German/English text of the import and export, in one place for review. Only text lives here.

/// File-level errors: what happened, then what to do.
pub mod errors {
    use crate::i18n::Tr;

    pub const READ: Tr =
        Tr::new("Datei {0} lässt sich nicht lesen: {1}. Prüfe den Pfad.", "Cannot read file {0}: {1}. Check the path.");
    pub const NOT_FOUND: Tr = Tr::new(
        "Datei {0} gibt es nicht. Prüfe den Pfad (in hofbote ergänzt Tab Ordner und Dateinamen).",
        "File {0} does not exist. Check the path (in hofbote, Tab completes folders and file names).",
    );
    pub const NOT_ALLOWED: Tr = Tr::new(
        "Datei {0} darfst du nicht lesen (keine Leserechte). Kopiere sie in deinen Home-Ordner.",
        "You may not read file {0} (no read permission). Copy it to your home folder.",
    );
    pub const FOLDER: Tr = Tr::new(
        "{0} ist ein Ordner. Gib den Dateinamen dazu an (Tab zeigt, was darin liegt).",
        "{0} is a folder. Add the file name (Tab shows what is in it).",
    );
    pub const NOT_A_FILE: Tr = Tr::new(
        "{0} ist keine normale Datei. Speichere die Liste als CSV- oder vCard-Datei.",
        "{0} is not a regular file. Save the list as a CSV or vCard file.",
    );
    pub const TOO_LARGE: Tr = Tr::new(
        "Datei {0} ist zu groß ({1} MiB, höchstens {2} MiB). Teile die Liste in mehrere Dateien.",
        "File {0} is too large ({1} MiB, at most {2} MiB). Split the list into several files.",
    );
    pub const EMPTY: Tr = Tr::new(
        "Datei {0} ist leer: es fehlt die Kopfzeile mit den Spaltennamen (z. B. Name;Telefon).",
        "File {0} is empty: the header line with the column names is missing (e.g. Name,Phone).",
    );
    pub const SYNTAX: Tr = Tr::new(
        "Datei {0}, Zeile {1}: nicht lesbar ({2}). Öffne die Datei in einer Tabelle und speichere sie erneut als CSV.",
        "File {0}, line {1}: cannot be read ({2}). Open it in a spreadsheet and save it again as CSV.",
    );
    pub const NO_PHONE_COLUMN: Tr = Tr::new(
        "Datei {0}: keine Spalte mit der Telefonnummer gefunden. Nenne eine Spalte Telefon, Mobil oder Handy. Gefundene Spalten: {1}.",
        "File {0}: no column with the phone number. Name a column Phone or Mobile Phone. Columns found: {1}.",
    );
    pub const NO_NAME_COLUMN: Tr = Tr::new(
        "Datei {0}: keine Spalte mit dem Namen gefunden. Nenne eine Spalte Name, Vorname oder Nachname. Gefundene Spalten: {1}.",
        "File {0}: no column with the name. Name a column Name, First Name or Last Name. Columns found: {1}.",
    );
    pub const VCARD_UNCLOSED: Tr = Tr::new(
        "Datei {0}, Zeile {1}: die Visitenkarte, die hier beginnt, endet nicht (END:VCARD fehlt). Exportiere die Kontakte erneut.",
        "File {0}, line {1}: the vCard starting here never ends (END:VCARD missing). Export the contacts again.",
    );
    pub const NO_CARDS: Tr = Tr::new(
        "Datei {0} enthält keine Visitenkarte (BEGIN:VCARD fehlt). Ist es wirklich eine .vcf-Datei?",
        "File {0} holds no vCard (BEGIN:VCARD missing). Is it really a .vcf file?",
    );
    pub const EVIDENCE_MISSING: Tr = Tr::new(
        "Import {0}: Nachweis fehlt. Gib mit --consent-evidence an, wo die Formulare liegen (z. B. \"Formulare Hofladen 2026, Ordner 3\").",
        "Import {0}: evidence missing. Say with --consent-evidence where the forms are kept (e.g. \"shop forms 2026, folder 3\").",
    );
    pub const SOURCE_NOT_ALLOWED: Tr = Tr::new(
        "Import {0}: Quelle »{1}« passt nicht zu einem Import von Einwilligungen. Nimm z. B. shop_form (Formular im Laden).",
        "Import {0}: source \"{1}\" does not fit an import of consents. Use e.g. shop_form.",
    );
    pub const STORE: Tr = Tr::new("Import {0}: {1}", "Import {0}: {1}");
    pub const ROW: Tr = Tr::new(
        "Import {0}, Zeile {1}: {2} Es wurde nichts gespeichert.",
        "Import {0}, line {1}: {2} Nothing was saved.",
    );
    pub const CHANGED: Tr = Tr::new(
        "Import {0}, Zeile {1}: dieser Kunde wurde seit der Vorschau geändert. Es wurde nichts gespeichert; starte den Import noch einmal.",
        "Import {0}, line {1}: this customer changed since the preview. Nothing was saved; run the import again.",
    );
    pub const WRITE: Tr = Tr::new(
        "Export fehlgeschlagen: {0}. Prüfe, ob der Ordner existiert und Platz frei ist.",
        "Export failed: {0}. Check that the folder exists and has free space.",
    );
}

/// Why a row is rejected.
pub mod reasons {
    use crate::i18n::Tr;

    pub const MISSING_PHONE: Tr = Tr::new("Telefonnummer fehlt.", "Phone number missing.");
    pub const INVALID_PHONE: Tr = Tr::new("{0} (»{1}«)", "{0} (\"{1}\")");
    pub const DUPLICATE: Tr = Tr::new(
        "Die Nummer {0} steht schon in Zeile {1}; diese Zeile wird übersprungen.",
        "The number {0} is already in line {1}; this line is skipped.",
    );
    pub const MISSING_NAME: Tr =
        Tr::new("Name fehlt (Spalte Name oder Vorname/Nachname).", "Name missing (column Name or First/Last Name).");
    pub const CONSENT_VALUE: Tr = Tr::new(
        "Einwilligung {0}: »{1}« verstehe ich nicht. Erlaubt: ja, x, 1 oder nein, 0, leer.",
        "Consent {0}: \"{1}\" is not understood. Allowed: yes, x, 1 or no, 0, empty.",
    );
    pub const CONSENT_DATE_MISSING: Tr = Tr::new(
        "Einwilligung ohne Datum: trage das Datum vom Formular ein (z. B. 27.11.2026).",
        "Consent without a date: enter the date on the form (e.g. 2026-11-27).",
    );
    pub const CONSENT_DATE_INVALID: Tr = Tr::new(
        "Datum der Einwilligung »{0}« verstehe ich nicht. Beispiele: 27.11.2026, 2026-11-27, 27.11.2026 14:30.",
        "Consent date \"{0}\" is not understood. Examples: 2026-11-27, 27.11.2026, 27.11.2026 14:30.",
    );
    pub const SUPPRESSED: Tr = Tr::new(
        "Nummer steht auf der Sperrliste (Kunde hatte widersprochen und wurde gelöscht): Werbe-Einwilligung aus der Datei wird nicht übernommen. Hol sie neu ein (ANMELDEN per WhatsApp).",
        "Number is on the suppression list (customer objected and was erased): the file's marketing consent is not taken. Ask again (ANMELDEN by WhatsApp).",
    );
    pub const CONSENT_VERSION_MISSING: Tr = Tr::new(
        "Einwilligung ohne Version des Einwilligungstexts: trage die Version vom Formular ein (z. B. 1).",
        "Consent without the consent wording version: enter the version on the form (e.g. 1).",
    );
    pub const CONSENT_VERSION_INVALID: Tr = Tr::new(
        "Version des Einwilligungstexts »{0}« ist keine Zahl ab 1.",
        "Consent wording version \"{0}\" is not a whole number from 1.",
    );
    pub const WORDING_UNKNOWN: Tr = Tr::new(
        "Einwilligungstext {0} Version {1} gibt es nicht. hofbote consent show zeigt die Versionen.",
        "Consent wording {0} version {1} does not exist. hofbote consent show lists the versions.",
    );
}

/// The dry-run report and the summary.
pub mod report {
    use crate::i18n::{Lang, Tr};

    pub const PREVIEW_HEAD: Tr = Tr::new(
        "Vorschau: Import aus {0} ({1}). Noch ist nichts gespeichert.",
        "Preview: import from {0} ({1}). Nothing has been saved yet.",
    );
    pub const CSV_FORMAT: Tr = Tr::new("CSV, Trennzeichen {0}, {1}", "CSV, delimiter {0}, {1}");
    pub const QUOTED: Tr = Tr::new("»{0}«", "\"{0}\"");
    pub const VCARD_FORMAT: Tr = Tr::new("vCard, {0}", "vCard, {0}");
    pub const TAB: Tr = Tr::new("Tabulator", "tab");
    pub const ADD: Tr = Tr::new("  neu:           {0}", "  new:           {0}");
    pub const UPDATE: Tr = Tr::new("  aktualisiert:  {0}", "  updated:       {0}");
    pub const UNCHANGED: Tr = Tr::new("  unverändert:   {0}", "  unchanged:     {0}");
    pub const REJECTED: Tr = Tr::new("  abgelehnt:     {0}", "  rejected:      {0}");
    pub const UPDATES_HEAD: Tr = Tr::new("Änderungen an vorhandenen Kunden:", "Changes to existing customers:");
    pub const UPDATE_LINE: Tr = Tr::new("  Zeile {0}: {1} ({2})", "  line {0}: {1} ({2})");
    pub const MORE: Tr = Tr::new("  … und {0} weitere", "  … and {0} more");
    pub const REJECTED_HEAD: Tr =
        Tr::new("Abgelehnte Zeilen (werden nicht importiert):", "Rejected lines (not imported):");
    pub const REJECTED_LINE: Tr = Tr::new("  Zeile {0}: {1}", "  line {0}: {1}");
    pub const IGNORED_COLUMNS: Tr = Tr::new("Nicht verwendete Spalten: {0}", "Unused columns: {0}");
    pub const IGNORED_FIELDS: Tr = Tr::new("Nicht verwendete vCard-Felder: {0}", "Unused vCard fields: {0}");
    pub const CONSENT_IGNORED: Tr = Tr::new(
        "Einwilligungs-Spalten ({0}) werden ignoriert: ohne Quelle und Nachweis erfasst ein Import keine Einwilligung. Gib --consent-source und --consent-evidence an, wenn die Formulare vorliegen.",
        "Consent columns ({0}) are ignored: without a source and evidence an import records no consent. Pass --consent-source and --consent-evidence if you hold the forms.",
    );
    pub const CONSENT_NO_COLUMNS: Tr = Tr::new(
        "Die Datei hat keine Einwilligungs-Spalten (Einwilligung Termine/Werbung, Einwilligung Datum, Einwilligung Version): es wird keine Einwilligung erfasst.",
        "The file has no consent columns (Service/Marketing Consent, Consent Date, Consent Version): no consent is recorded.",
    );
    pub const CONSENT_RECORD: Tr = Tr::new(
        "Einwilligungen: {0} werden erfasst (Termine {1}, Angebote {2}), jeweils mit Datum und Formulartext der Zeile; Quelle: {3}; Nachweis: {4} (Zeile N).",
        "Consents: {0} will be recorded (service {1}, marketing {2}), each with the row's own date and wording version; source: {3}; evidence: {4} (Zeile N).",
    );
    pub const CONSENT_ALREADY: Tr = Tr::new(
        "{0} Einwilligungen sind schon genau so erfasst und werden nicht doppelt eingetragen.",
        "{0} consents are already recorded exactly like this and are not entered twice.",
    );
    pub const NOTHING_TO_DO: Tr =
        Tr::new("Nichts zu tun: alles ist schon so gespeichert.", "Nothing to do: everything is already stored.");
    pub const SUMMARY: Tr = Tr::new(
        "Import aus {0} gespeichert: {1} neu, {2} aktualisiert, {3} unverändert, {4}, {5}.",
        "Import from {0} saved: {1} new, {2} updated, {3} unchanged, {4}, {5}.",
    );
    pub const COLUMNS_HEAD: Tr = Tr::new("Erkannte Spalten:", "Columns found:");
    pub const COLUMN: Tr = Tr::new("  Spalte ‚{0}‘ → {1}", "  column '{0}' → {1}");

    /// "1 Zeile abgelehnt", "3 Zeilen abgelehnt": German grammar for one and many.
    pub fn rejected(n: usize, lang: Lang) -> String {
        let w = if n == 1 {
            Tr::new("Zeile abgelehnt", "line rejected")
        } else {
            Tr::new("Zeilen abgelehnt", "lines rejected")
        };
        format!("{} {}", super::super::plan::count(n, lang), w.get(lang))
    }

    /// "1 Einwilligung erfasst", "0 Einwilligungen erfasst".
    pub fn consents_recorded(n: usize, lang: Lang) -> String {
        let w = if n == 1 {
            Tr::new("Einwilligung erfasst", "consent recorded")
        } else {
            Tr::new("Einwilligungen erfasst", "consents recorded")
        };
        format!("{} {}", super::super::plan::count(n, lang), w.get(lang))
    }
    pub const CHANGE_NAME: Tr = Tr::new("Name", "name");
    pub const CHANGE_FIRST_NAME: Tr = Tr::new("Vorname", "first name");
    pub const CHANGE_NOTE: Tr = Tr::new("Notiz", "note");
    pub const CHANGE_TAGS: Tr = Tr::new("Tags", "tags");
    pub const CHANGE_CONSENT: Tr = Tr::new("Einwilligung", "consent");
}
