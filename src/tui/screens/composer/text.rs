//! The sentences and labels of the composer (Nachricht), its review and the excluded list, German and English
//! ("du", says what happened and what to do — see GLOSSARY). Only text lives here.

use crate::i18n::Tr;

// Picker
pub const PICK_TITLE: Tr = Tr::new("Vorlage wählen", "Choose a template");
pub const PICK_HINT: Tr = Tr::new(
    "Nur von Meta genehmigte Vorlagen können gesendet werden. Die Kategorie entscheidet, welche Einwilligung nötig ist.",
    "Only templates approved by Meta can be sent. The category decides which consent is needed.",
);
pub const NO_TEMPLATES: Tr = Tr::new(
    "Noch keine Vorlagen. Drücke {0}, um sie von WhatsApp zu holen (Vorlagen legst du im WhatsApp Manager an).",
    "No templates yet. Press {0} to fetch them from WhatsApp (you create templates in WhatsApp Manager).",
);
pub const NOT_SELECTABLE: Tr = Tr::new("nicht wählbar", "not selectable");
pub const AUTH_TEMPLATE: Tr = Tr::new("hofbote sendet keine Anmeldecodes", "hofbote does not send login codes");
pub const LAST_SENT: Tr = Tr::new("zuletzt {0} an {1}", "last {0} to {1}");
/// Last sent more than 10 months ago (fits the picker's note column at 80 columns).
pub const ARCHIVE_SOON: Tr = Tr::new("Meta archiviert sie am {0}!", "Meta archives it on {0}!");
pub const NEVER_SENT: Tr = Tr::new("noch nie gesendet", "never sent");
pub const NO_RECENT: Tr = Tr::new(
    "Es wurde noch keine Rundnachricht verschickt. Wähle eine Vorlage mit Enter.",
    "No broadcast was sent yet. Choose a template with Enter.",
);
pub const RECENT_TITLE: Tr = Tr::new("Welche wiederholen?", "Which one to repeat?");
pub const RECENT_FOOTER: Tr = Tr::new("Enter wiederholen, Esc zurück", "Enter repeats, Esc goes back");
pub const RECENT_GONE: Tr = Tr::new(
    "Die Vorlage »{0}« kann nicht mehr gesendet werden (nicht mehr genehmigt oder entfernt).",
    "The template “{0}” can no longer be sent (no longer approved, or removed).",
);
pub const NOT_APPROVED: Tr = Tr::new(
    "Vorlage »{0}« ist {1}. Nur genehmigte Vorlagen können gesendet werden.",
    "Template “{0}” is {1}. Only approved templates can be sent.",
);
pub const SYNCING: Tr = Tr::new("Hole Vorlagen von WhatsApp ...", "Fetching templates from WhatsApp ...");
pub const SYNCED: Tr = Tr::new(
    "Vorlagen abgeglichen: {0} Vorlagen ({1} neu, {2} geändert, {3} entfernt).",
    "Templates synced: {0} templates ({1} new, {2} changed, {3} removed).",
);
pub const NO_CLIENT: Tr = Tr::new(
    "Keine Verbindung zu WhatsApp eingerichtet (Zugangsschlüssel fehlt). Trag ihn in secrets.toml ein oder starte die Demo: hofbote demo",
    "No WhatsApp connection set up (access token missing). Put it in secrets.toml or start the demo: hofbote demo",
);

// Filling in
pub const EDIT_TITLE: Tr = Tr::new("Nachricht: {0} ({1})", "Message: {0} ({1})");
pub const REPEAT_TITLE: Tr = Tr::new("Wiederholung von Nr. {0}", "Repeat of no. {0}");
pub const F_HEADER: Tr = Tr::new("Überschrift", "Header");
pub const F_WHEN: Tr = Tr::new("Zeitpunkt", "When");
pub const F_AUDIENCE: Tr = Tr::new("Zielgruppe", "Audience");
pub const L_GREETING: Tr = Tr::new("Anrede", "Greeting");
pub const L_VALUE: Tr = Tr::new("Wert {0}", "Value {0}");
pub const GREETING_HINT: Tr = Tr::new("F2 = Vorname des Kunden · {0}", "F2 = the customer's first name · {0}");
pub const EXAMPLE: Tr = Tr::new("z. B. »{0}« · {1}", "e.g. “{0}” · {1}");
pub const W_FIXED_NAME: Tr = Tr::new(
    "Alle werden mit »{0}« angesprochen. Für den Vornamen jedes Kunden drücke F2 (statt des Namens).",
    "Everyone is greeted as “{0}”. For each customer's own first name press F2 (instead of the name).",
);
pub const F_TAGS: Tr = Tr::new("Schlagworte", "Tags");
pub const H_TAGS: Tr = Tr::new("durch Komma getrennt; vorhanden: {0}", "separated by commas; there are: {0}");
pub const A_MARKED: Tr = Tr::new("{0} markierte Kunden", "{0} marked customers");
pub const A_MARKED_NAMES: Tr = Tr::new("markiert: {0}", "marked: {0}");
pub const A_ANY_TAGS: Tr = Tr::new("mehrere Schlagworte (eines davon) …", "several tags (any of them) …");
pub const A_ALL_TAGS: Tr = Tr::new("mehrere Schlagworte (alle davon) …", "several tags (all of them) …");
pub const E_TAG_UNKNOWN: Tr =
    Tr::new("Schlagwort »{0}« gibt es nicht. Vorhanden: {1}", "There is no tag “{0}”. There are: {1}");
pub const E_TAGS_FEW: Tr = Tr::new(
    "Schreib mindestens zwei Schlagworte, durch Komma getrennt (für eines wähle es oben direkt).",
    "Type at least two tags, separated by commas (for one, choose it above directly).",
);
pub const TO_HINT: Tr = Tr::new(
    "Nachricht an {0}: wähle die Vorlage mit Enter (die Zielgruppe ist schon gesetzt).",
    "Message to {0}: choose the template with Enter (the audience is already set).",
);
pub const H_WHEN: Tr = Tr::new("leer = sofort · morgen 8:00", "empty = now · tomorrow 8:00");
pub const WHEN_NOW: Tr = Tr::new("sofort", "now");
pub const CHARS: Tr = Tr::new("{0} Zeichen", "{0} chars");
pub const BEFORE: Tr = Tr::new("vorher: {0}", "before: {0}");
pub const PURPOSE_LINE: Tr = Tr::new("Zweck: {0} – folgt aus der Vorlage", "Purpose: {0} – follows from the template");
pub const COUNTS: Tr = Tr::new("{0} Empfänger · {1} ausgeschlossen", "{0} recipients · {1} excluded");
pub const COUNTS_KEY: Tr = Tr::new("({0} zeigt sie)", "({0} shows them)");
pub const BODY_LEN: Tr = Tr::new("Text {0}/{1} Zeichen", "text {0}/{1} characters");
pub const PERSONAL_HINT: Tr = Tr::new(
    "F2 setzt den Vornamen des Kunden ein ({vorname}, je Kunde ersetzt).",
    "F2 puts in the customer's first name ({vorname}, replaced per customer).",
);
pub const PREVIEW_TITLE: Tr = Tr::new("{1}/{2}: {0}", "{1}/{2}: {0}");
pub const PREVIEW_NOBODY: Tr = Tr::new("Vorschau (keine Empfänger)", "Preview (no recipients)");
pub const PREVIEW_KEYS: Tr = Tr::new("{0}/{1}: anderer Empfänger", "{0}/{1}: other recipient");
pub const FALLBACK_USED: Tr = Tr::new("ohne Vornamen: Anrede »{0}«", "no first name: greeting “{0}”");
pub const MEDIA_IMAGE: Tr = Tr::new("[Bild]", "[image]");
pub const MEDIA_VIDEO: Tr = Tr::new("[Video]", "[video]");
pub const MEDIA_DOCUMENT: Tr = Tr::new("[Dokument]", "[document]");
pub const MEDIA_LOCATION: Tr = Tr::new("[Standort]", "[location]");
pub const E_WHEN: Tr = Tr::new(
    "Zeitpunkt nicht erkannt. Schreib ihn z. B. so: morgen 8:00, Fr 8 Uhr oder 4.12. 8:00 (leer = sofort).",
    "Time not recognised. Write it e.g. like tomorrow 8:00, fri 8:00 or 2026-12-04 08:00 (empty = now).",
);
pub const E_WHEN_PAST: Tr = Tr::new(
    "Der Zeitpunkt liegt in der Vergangenheit. Lass das Feld leer für sofort.",
    "The time is in the past. Leave it empty for now.",
);
pub const E_NOBODY: Tr = Tr::new(
    "Niemand bekommt diese Nachricht: Es fehlt die Einwilligung oder die Werte passen nicht. {0} zeigt die Gründe.",
    "Nobody gets this message: consent is missing or the values do not fit. {0} shows the reasons.",
);
pub const PREPARING: Tr = Tr::new("Prüfe Empfänger ...", "Checking recipients ...");

// Review
pub const REVIEW_TITLE: Tr = Tr::new("Prüfen vor dem Senden", "Review before sending");
pub const R_AUDIENCE: Tr = Tr::new("Zielgruppe", "Audience");
pub const R_RECIPIENTS: Tr = Tr::new("Empfänger", "Recipients");
pub const R_EXCLUDED: Tr = Tr::new("Ausgeschlossen", "Excluded");
pub const R_EXCLUDED_VALUE: Tr = Tr::new("{0} ({1} zeigt sie mit Grund)", "{0} ({1} shows them with the reason)");
pub const R_COST: Tr = Tr::new("Kosten (geschätzt)", "Cost (estimated)");
pub const R_PRICES_OLD: Tr = Tr::new(
    "Preise älter als 6 Monate: unter 5 Einstellungen prüfen",
    "Prices older than 6 months: check them under 5 Settings",
);
pub const R_COST_VALUE: Tr = Tr::new("{0} ({1} × {2}, Preise Stand {3})", "{0} ({1} × {2}, prices as of {3})");
pub const R_REPLIES: Tr = Tr::new("Antworten darauf", "Replies to it");
pub const R_REPLIES_VALUE: Tr =
    Tr::new("je {0} (z. B. STOP-Bestätigung, deine Antworten)", "{0} each (e.g. STOP confirmation, your answers)");
pub const R_DURATION: Tr = Tr::new("Dauer (geschätzt)", "Duration (estimated)");
pub const R_DURATION_VALUE: Tr = Tr::new("{0} bei {1} Nachrichten/s", "{0} at {1} messages/s");
pub const R_TIER: Tr = Tr::new("Tageslimit von Meta", "Meta's messaging limit");
pub const R_TIER_OK: Tr =
    Tr::new("{0} Empfänger je 24 h – alle gehen heute raus", "{0} recipients per 24 h – all go out today");
pub const R_TIER_OK_ON: Tr =
    Tr::new("{0} Empfänger je 24 h – alle gehen am {1} raus", "{0} recipients per 24 h – all go out on {1}");
pub const R_TIER_UNLIMITED: Tr = Tr::new("unbegrenzt", "unlimited");
pub const R_TIER_WAIT: Tr = Tr::new(
    "{0} Empfänger je 24 h – {1} warten bis zum nächsten Tag",
    "{0} recipients per 24 h – {1} wait until the next day",
);
pub const R_QUIET: Tr = Tr::new("Ruhezeit", "Quiet hours");
pub const R_QUIET_VALUE: Tr = Tr::new("Werbung geht erst ab {0} raus", "marketing goes out from {0}");
pub const R_QUIET_NONE: Tr = Tr::new("keine Wartezeit", "no wait");
pub const R_WHEN: Tr = Tr::new("Zeitpunkt", "When");
pub const R_SENDER: Tr = Tr::new("Versand", "Sending");
pub const R_WARNINGS: Tr = Tr::new("Achtung", "Warning");
pub const R_NOTHING_YET: Tr = Tr::new(
    "Noch ist nichts verschickt. y stellt die Nachricht in die Warteschlange.",
    "Nothing is sent yet. y puts the message in the send queue.",
);
pub const QUEUED: Tr = Tr::new(
    "Rundnachricht Nr. {0} eingereiht: {1} Empfänger. Den Fortschritt siehst du hier.",
    "Broadcast no. {0} queued: {1} recipients. You see the progress here.",
);
pub const QUEUED_SCHEDULED: Tr = Tr::new(
    "Rundnachricht Nr. {0} geplant für {1}: {2} Empfänger.",
    "Broadcast no. {0} scheduled for {1}: {2} recipients.",
);
pub const DRAFT_SAVED: Tr = Tr::new(
    "Als Entwurf Nr. {0} gespeichert. In der Warteschlange öffnest du ihn mit Enter.",
    "Saved as draft no. {0}. Open it from the send queue with Enter.",
);
pub const DISCARD_QUESTION: Tr = Tr::new(
    "Verwerfen? Was du eingetippt hast, geht verloren. (Behalten: n, dann Enter und p für Entwurf)",
    "Discard? What you typed is lost. (To keep it: n, then Enter and p for a draft)",
);
pub const DISCARDED: Tr = Tr::new("Verworfen. Es wurde nichts gespeichert.", "Discarded. Nothing was saved.");
pub const QUEUING: Tr = Tr::new("Reihe ein ...", "Queueing ...");
pub const TEST_NO_OWN: Tr = Tr::new(
    "Für eine Testnachricht fehlt deine eigene Handynummer. Trag sie unter 5 Einstellungen ein (Taste e: Dein Hof ändern).",
    "Your own mobile number is missing for a test message. Enter it under 5 Settings (key e: change your shop).",
);
pub const TEST_BAD_OWN: Tr = Tr::new(
    "Deine eigene Nummer »{0}« ist ungültig ({1}). Korrigiere sie unter 5 Einstellungen (Taste e).",
    "Your own number “{0}” is not valid ({1}). Fix it under 5 Settings (key e).",
);
pub const TEST_SENDING: Tr = Tr::new("Sende Testnachricht an {0} ...", "Sending a test message to {0} ...");
pub const TEST_SENT: Tr = Tr::new(
    "Testnachricht an {0} gesendet (mit den Werten von {1}). Passt alles? Dann y.",
    "Test message sent to {0} (with the values of {1}). All good? Then y.",
);
pub const TEST_NOBODY: Tr = Tr::new(
    "Keine Empfänger, deren Werte die Testnachricht zeigen könnte.",
    "No recipient whose values the test could show.",
);

// Excluded list
pub const EXCLUDED_TITLE: Tr = Tr::new("Ausgeschlossen: {0}", "Excluded: {0}");
pub const EXCLUDED_NONE: Tr = Tr::new("Niemand ist ausgeschlossen.", "Nobody is excluded.");
pub const EXCLUDED_FOOTER: Tr = Tr::new("{0}/{1} blättern, Esc schließt.", "{0}/{1} scroll, Esc closes.");
