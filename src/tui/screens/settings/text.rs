//! The sentences of the settings screen, German and English ("du"; where each value is found, in plain words — see
//! GLOSSARY). Only text lives here.

use crate::i18n::Tr;

pub const TITLE: Tr = Tr::new("Einstellungen", "Settings");
pub const SHOP: Tr = Tr::new("Dein Hof", "Your shop");
pub const CONNECT: Tr = Tr::new("WhatsApp verbinden", "Connect WhatsApp");
pub const EDIT_SHOP: Tr = Tr::new("Dein Hof ändern", "Change your shop");
pub const SERVICE: Tr = Tr::new("Dienst (Versand bei geschlossener App)", "Service (sending while the app is closed)");
pub const SERVICE_HOW: Tr = Tr::new(
    "Ohne Dienst gehen geplante Nachrichten nur raus, solange hofbote offen ist.",
    "Without the service, scheduled messages only go out while hofbote is open.",
);
pub const KEYS_SERVICE: Tr = Tr::new("{0} einrichten", "{0} set up");
pub const SERVICE_RUNS: Tr = Tr::new("Der Dienst läuft und sendet.", "The service is running and sending.");
pub const KEYS_SHOP: Tr = Tr::new("{0} ändern", "{0} change");
pub const KEYS_CONNECT: Tr = Tr::new("{0} verbinden · {1} Verbindung testen", "{0} connect · {1} test the connection");
pub const STORED: Tr = Tr::new("gespeichert", "stored");
pub const MISSING: Tr = Tr::new("fehlt", "missing");
pub const EMPTY: Tr = Tr::new("–", "–");
pub const LOADING: Tr = Tr::new("…", "…");
pub const NO_QUIET: Tr = Tr::new("keine", "none");
pub const QUIET_VALUE: Tr = Tr::new("{0} (keine Werbung)", "{0} (no marketing)");
/// Replies in the 24 h window are billed at the utility price since 1 Oct 2026 (unless `[prices] service` says).
pub const PRICES_VALUE_REPLIES: Tr =
    Tr::new("Werbung {0} € · Service und Antworten {1} €", "marketing {0} € · utility and replies {1} €");
pub const PRICES_VALUE_OWN_REPLIES: Tr =
    Tr::new("Werbung {0} € · Service {1} € · Antworten {2} €", "marketing {0} € · utility {1} € · replies {2} €");
pub const TIER_VALUE: Tr = Tr::new("{0} Empfänger pro Tag", "{0} recipients per day");
pub const WHERE: Tr = Tr::new("Wo finde ich das?", "Where do I find this?");
pub const SECRETS_NOTE: Tr = Tr::new(
    "App-ID, Zugangsschlüssel, App-Geheimnis und Prüfwort kommen nur in {0} (nur für dich lesbar) und werden nie \
     wieder angezeigt. Leer lassen behält den gespeicherten Wert.",
    "App ID, access token, app secret and verify token go only to {0} (readable only by you) and are never shown \
     again. Leave empty to keep the stored value.",
);

// Field labels.
pub const F_NAME: Tr = Tr::new("Hofname", "Shop name");
pub const F_ADDRESS: Tr = Tr::new("Adresse", "Address");
pub const F_CONTACT: Tr = Tr::new("Kontakt", "Contact");
pub const F_OWN: Tr = Tr::new("Deine Handynummer", "Your mobile number");
pub const F_QUIET: Tr = Tr::new("Ruhezeit", "Quiet hours");
pub const F_PRICE_MARKETING: Tr = Tr::new("Preis Werbung (€)", "Price marketing (€)");
pub const F_PRICE_UTILITY: Tr = Tr::new("Preis Service (€)", "Price utility (€)");
pub const F_CHECKED: Tr = Tr::new("Preise geprüft am", "Prices checked on");
pub const F_TIER: Tr = Tr::new("Tageslimit von Meta", "Meta's messaging limit");
pub const F_PHONE_ID: Tr = Tr::new("Telefonnummer-ID", "Phone number ID");
pub const F_WABA: Tr = Tr::new("WABA-ID", "WABA ID");
pub const F_DISPLAY: Tr = Tr::new("Anzeigenummer", "Display number");
pub const F_APP_ID: Tr = Tr::new("App-ID", "App ID");
pub const F_TOKEN: Tr = Tr::new("Zugangsschlüssel", "Access token");
pub const F_APP_SECRET: Tr = Tr::new("App-Geheimnis", "App secret");
pub const F_VERIFY: Tr = Tr::new("Prüfwort (Webhook)", "Verify token (webhook)");
pub const F_BASE_URL: Tr = Tr::new("API-Adresse (erweitert)", "API address (advanced)");

pub const TIER_UNLIMITED: Tr = Tr::new("unbegrenzt", "unlimited");

// Where each value is found.
pub const W_NAME: Tr = Tr::new(
    "So heißt dein Hof in den Nachrichten und Einwilligungstexten.",
    "Your shop's name as it appears in messages and consent wordings.",
);
pub const W_ADDRESS: Tr = Tr::new(
    "Steht in den Einwilligungstexten: Kunden müssen wissen, wer ihnen schreibt.",
    "Appears in the consent wordings: customers must know who writes to them.",
);
pub const W_CONTACT: Tr = Tr::new(
    "E-Mail oder Telefon für Fragen zum Datenschutz (steht in der Datenschutz-Information).",
    "E-mail or phone for privacy questions (shown in the privacy notice).",
);
pub const W_OWN: Tr = Tr::new(
    "Deine eigene Handynummer: Testnachrichten (Taste t in der Prüfung) gehen dorthin.",
    "Your own mobile number: test messages (key t in the review) go there.",
);
pub const W_QUIET: Tr = Tr::new(
    "In dieser Zeit geht keine Werbung raus, z. B. 20:00-08:00. Leer = keine Ruhezeit.",
    "No marketing goes out in this period, e.g. 20:00-08:00. Empty = no quiet hours.",
);
pub const W_PRICE: Tr = Tr::new(
    "Preis pro Nachricht laut Meta-Preisliste für Deutschland (developers.facebook.com › WhatsApp › Preise), z. B. 0,1131.",
    "Price per message from Meta's rate card for Germany (developers.facebook.com › WhatsApp › Pricing), e.g. 0.1131.",
);
pub const W_CHECKED: Tr = Tr::new(
    "Wann du die Preise zuletzt nachgesehen hast, z. B. 01.07.2025. Steht bei jeder Kostenschätzung.",
    "When you last checked the prices, e.g. 2025-07-01. Shown with every cost estimate.",
);
pub const W_TIER: Tr = Tr::new(
    "Wie viele verschiedene Kunden du pro Tag anschreiben darfst: im WhatsApp-Manager unter Kontoübersicht › Limits. Wechseln mit ← →.",
    "How many different customers you may message per day: WhatsApp Manager › Account overview › Limits. Change with ← →.",
);
pub const W_PHONE_ID: Tr = Tr::new(
    "Im Meta-Entwicklerportal unter WhatsApp › API-Einrichtung, die lange Zahl unter deiner Nummer.",
    "In Meta's developer portal under WhatsApp › API Setup, the long number below your phone number.",
);
pub const W_WABA: Tr = Tr::new(
    "Ebenda, unter WhatsApp › API-Einrichtung: „WhatsApp Business-Konto-ID“ (auch eine lange Zahl).",
    "Same place, WhatsApp › API Setup: \"WhatsApp Business Account ID\" (also a long number).",
);
pub const W_DISPLAY: Tr = Tr::new(
    "Die Nummer, von der deine Kunden die Nachrichten bekommen, z. B. +49 5722 555010.",
    "The number your customers get the messages from, e.g. +49 5722 555010.",
);
pub const W_APP_ID: Tr = Tr::new(
    "Im Meta-Entwicklerportal oben links unter dem Namen deiner App (App-ID). Nötig für Bilder in Vorlagen.",
    "In Meta's developer portal at the top left under your app's name (App ID). Needed for pictures in templates.",
);
pub const W_TOKEN: Tr = Tr::new(
    "Meta Business Suite › Einstellungen › Systembenutzer › Token generieren (dauerhaft). Beginnt meist mit EAA.",
    "Meta Business Suite › Settings › System users › Generate token (permanent). Usually starts with EAA.",
);
pub const W_APP_SECRET: Tr = Tr::new(
    "Im Meta-Entwicklerportal unter App-Einstellungen › Allgemeines › App-Geheimcode (auf „Anzeigen“ klicken).",
    "In Meta's developer portal under App settings › Basic › App secret (click \"Show\").",
);
pub const W_VERIFY: Tr = Tr::new(
    "Ein Wort, das du dir ausdenkst und genauso unter WhatsApp › Konfiguration › Webhook als „Verifizierungstoken“ einträgst.",
    "A word you make up and enter the same under WhatsApp › Configuration › Webhook as \"Verify token\".",
);
pub const W_BASE_URL: Tr = Tr::new(
    "Nur ändern für Tests mit dem eingebauten Sandkasten (z. B. http://127.0.0.1:8089). Sonst: https://graph.facebook.com",
    "Only change this for tests with the built-in sandbox (e.g. http://127.0.0.1:8089). Otherwise: https://graph.facebook.com",
);

// Errors at the fields.
pub const E_REQUIRED: Tr = Tr::new("{0}: bitte ausfüllen.", "{0}: please fill in.");
pub const E_DIGITS: Tr = Tr::new(
    "{0}: nur Ziffern, wie im Meta-Portal angezeigt (z. B. 106540352242922).",
    "{0}: digits only, as Meta's portal shows (e.g. 106540352242922).",
);
pub const E_PHONE: Tr = Tr::new("{0}: {1}", "{0}: {1}");
pub const E_QUIET: Tr = Tr::new(
    "{0}: schreibe Beginn-Ende, z. B. 20:00-08:00, oder lass das Feld leer.",
    "{0}: write start-end, e.g. 20:00-08:00, or leave it empty.",
);
pub const E_PRICE: Tr = Tr::new(
    "{0}: ein Betrag in Euro pro Nachricht zwischen 0 und 10, z. B. 0,1131.",
    "{0}: an amount in euro per message between 0 and 10, e.g. 0.1131.",
);
pub const E_DATE: Tr = Tr::new(
    "{0}: ein Datum wie 01.07.2025 (nicht in der Zukunft).",
    "{0}: a date like 2025-07-01 (not in the future).",
);
pub const E_URL: Tr = Tr::new(
    "{0}: eine Adresse mit http:// oder https://, z. B. https://graph.facebook.com",
    "{0}: an address with http:// or https://, e.g. https://graph.facebook.com",
);
pub const E_BLANK: Tr = Tr::new("{0}: ohne Leerzeichen eingeben.", "{0}: enter it without blanks.");
pub const NOT_SAVED: Tr = Tr::new("Nicht gespeichert: bitte prüfe {0}.", "Not saved: please check {0}.");

// Results.
pub const SAVING: Tr = Tr::new("Speichere Einstellungen ...", "Saving the settings ...");
pub const SAVED: Tr =
    Tr::new("Einstellungen gespeichert. hofbote arbeitet jetzt damit.", "Settings saved. hofbote now works with them.");
pub const SERVICE_RESTART: Tr = Tr::new(
    "Der laufende Dienst übernimmt sie nach: systemctl --user restart hofbote",
    "The running service takes them after: systemctl --user restart hofbote",
);
pub const NOTHING_CHANGED: Tr = Tr::new("Nichts geändert.", "Nothing changed.");
pub const SAVE_FAILED: Tr = Tr::new("Nicht gespeichert: {0}", "Not saved: {0}");
pub const TESTING: Tr = Tr::new("Teste die Verbindung zu WhatsApp ...", "Testing the connection to WhatsApp ...");
pub const TEST_OK: Tr = Tr::new("Verbindung steht", "Connected");
pub const TEST_NUMBER: Tr = Tr::new("Nummer: {0} ({1})", "Number: {0} ({1})");
pub const TEST_LIMIT: Tr =
    Tr::new("Tageslimit von Meta: {0} · Qualität: {1}", "Meta's messaging limit: {0} · quality: {1}");
pub const TEST_TEMPLATES: Tr =
    Tr::new("{0} Vorlagen abgeglichen, {1} davon genehmigt.", "{0} templates synced, {1} of them approved.");
pub const TEST_FAILED: Tr = Tr::new(
    "Die Verbindung klappt nicht: {0} Prüfe die Werte unter WhatsApp verbinden (Taste w).",
    "The connection fails: {0} Check the values under Connect WhatsApp (key w).",
);
pub const UNKNOWN: Tr = Tr::new("unbekannt", "unknown");
pub const INSTALLING: Tr = Tr::new("Richte den Dienst ein ...", "Setting up the service ...");
pub const SERVICE_OK: Tr = Tr::new("Dienst eingerichtet", "Service set up");
pub const SERVICE_NOT: Tr = Tr::new("Dienst nicht eingerichtet", "Service not set up");
pub const CLOSE_RESULT: Tr = Tr::new("Esc: zurück zur Übersicht", "Esc: back to the overview");

/// The header's word while nothing can be sent.
pub const NOT_CONNECTED: Tr = Tr::new("WhatsApp noch nicht verbunden", "WhatsApp not connected yet");
/// Sending without a connection: what is missing, and where to fix it.
pub const MISSING_FOR_SENDING: Tr = Tr::new(
    "WhatsApp ist noch nicht verbunden: es fehlt {0}. Trag das unter 5 Einstellungen ein (Taste w: WhatsApp \
     verbinden); bis dahin wird nichts verschickt.",
    "WhatsApp is not connected yet: {0} is missing. Enter it under 5 Settings (key w: connect WhatsApp); until \
     then nothing is sent.",
);
/// After queueing while nothing can be sent.
pub const QUEUED_NOT_CONNECTED: Tr = Tr::new(
    "WhatsApp ist aber noch nicht verbunden: die Nachrichten warten, bis du es unter 5 Einstellungen verbindest \
     (Taste w).",
    "But WhatsApp is not connected yet: the messages wait until you connect it under 5 Settings (key w).",
);
pub const DEMO_READ_ONLY: Tr = Tr::new(
    "In der Demo lassen sich die Einstellungen nur ansehen. Starte hofbote ohne demo, um deine eigenen einzutragen.",
    "In the demo the settings can only be viewed. Start hofbote without demo to enter your own.",
);
pub const AND: Tr = Tr::new("und", "and");
