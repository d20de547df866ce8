//! The sentences of the first start (welcome screen and setup), German and English ("du", says what happened and
//! what to do — see GLOSSARY). Only text lives here.

use crate::i18n::Tr;

pub const TITLE: Tr = Tr::new("Willkommen bei hofbote", "Welcome to hofbote");
pub const INTRO: Tr = Tr::new(
    "hofbote schickt deinen Kundinnen und Kunden Nachrichten über WhatsApp – nur mit nachweisbarer Einwilligung. \
     Es gibt noch keine Einstellungen und keine Kunden.",
    "hofbote sends your customers messages over WhatsApp – only with consent you can prove. There are no settings \
     and no customers yet.",
);
pub const DEMO_LINE: Tr = Tr::new(
    "{0}  Demo ansehen: eigene Demo-Datenbank mit 40 Kunden und einem nachgebauten WhatsApp. Es wird nichts \
     wirklich verschickt.",
    "{0}  Try the demo: its own database with 40 customers and a simulated WhatsApp. Nothing is really sent.",
);
pub const SETUP_LINE: Tr = Tr::new(
    "{0}  Einrichten: Hofname, Adresse und die Daten aus dem Meta-Entwicklerportal (WhatsApp > API-Einrichtung).",
    "{0}  Set up: shop name, address and the values from Meta's developer portal (WhatsApp > API Setup).",
);
pub const QUIT_LINE: Tr = Tr::new("{0}  Beenden", "{0}  Quit");
pub const FORM_TITLE: Tr = Tr::new("Einrichten", "Set up");
pub const F_SHOP: Tr = Tr::new("Hofname", "Shop name");
pub const F_ADDRESS: Tr = Tr::new("Adresse", "Address");
pub const F_PHONE_ID: Tr = Tr::new("Telefonnummer-ID", "Phone number ID");
pub const F_WABA: Tr = Tr::new("WABA-ID", "WABA ID");
pub const F_DISPLAY: Tr = Tr::new("Anzeigenummer", "Display number");
pub const F_TOKEN: Tr = Tr::new("Zugangsschlüssel", "Access token");
pub const H_SHOP: Tr = Tr::new("z. B. Hofladen Sonnenwiese", "e.g. Hofladen Sonnenwiese");
pub const H_ADDRESS: Tr = Tr::new("Straße, PLZ Ort", "street, postcode town");
pub const H_ID: Tr = Tr::new("Ziffern aus dem Meta-Portal", "digits from Meta's portal");
pub const H_DISPLAY: Tr = Tr::new("z. B. +49 5722 555010", "e.g. +49 5722 555010");
pub const H_TOKEN: Tr = Tr::new("wird nie wieder angezeigt", "never shown again");
pub const FORM_NOTE: Tr = Tr::new(
    "Der Zugangsschlüssel kommt in {0} (nur für dich lesbar), alles andere in {1}.",
    "The access token goes to {0} (readable only by you), everything else to {1}.",
);
pub const E_REQUIRED: Tr = Tr::new("Bitte ausfüllen.", "Please fill in.");
pub const E_DIGITS: Tr = Tr::new(
    "Nur Ziffern, wie im Meta-Portal angezeigt (z. B. 106540352242922).",
    "Digits only, as Meta's portal shows (e.g. 106540352242922).",
);
pub const SAVING: Tr = Tr::new("Speichere Einstellungen ...", "Saving the settings ...");
pub const TESTING: Tr = Tr::new("Teste die Verbindung zu WhatsApp ...", "Testing the connection to WhatsApp ...");
pub const DONE_TITLE: Tr = Tr::new("Verbindung steht", "Connected");
pub const DONE_NUMBER: Tr = Tr::new("Nummer: {0} ({1})", "Number: {0} ({1})");
pub const DONE_LIMIT: Tr =
    Tr::new("Tageslimit von Meta: {0} · Qualität: {1}", "Meta's messaging limit: {0} · quality: {1}");
pub const DONE_TEMPLATES: Tr =
    Tr::new("{0} Vorlagen abgeglichen, {1} davon genehmigt.", "{0} templates synced, {1} of them approved.");
pub const DONE_NEXT: Tr = Tr::new(
    "Drücke Enter: weiter zur Kundenliste. Lege Kunden an und erfasse ihre Einwilligung.",
    "Press Enter: on to the customer list. Add customers and record their consent.",
);
pub const FAILED: Tr = Tr::new(
    "Die Einstellungen sind gespeichert, aber die Verbindung klappt nicht: {0} Prüfe die Werte und drücke Strg+S.",
    "The settings are saved, but the connection fails: {0} Check the values and press Ctrl+S.",
);
pub const UNKNOWN: Tr = Tr::new("unbekannt", "unknown");
