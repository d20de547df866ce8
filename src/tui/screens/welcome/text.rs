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
    "{0}  Einrichten: Hofname, Adresse und deine Handynummer für Tests. Das reicht zum Arbeiten; WhatsApp \
     verbindest du später unter 5 Einstellungen.",
    "{0}  Set up: shop name, address and your mobile number for tests. That is enough to start; you connect \
     WhatsApp later under 5 Settings.",
);
pub const QUIT_LINE: Tr = Tr::new("{0}  Beenden", "{0}  Quit");
pub const FORM_TITLE: Tr = Tr::new("Schritt 1: Dein Hof", "Step 1: Your shop");
pub const F_SHOP: Tr = Tr::new("Hofname", "Shop name");
pub const F_ADDRESS: Tr = Tr::new("Adresse", "Address");
pub const F_OWN_NUMBER: Tr = Tr::new("Deine Handynummer", "Your mobile number");
pub const H_SHOP: Tr = Tr::new("z. B. Hofladen Sonnenwiese", "e.g. Hofladen Sonnenwiese");
pub const H_ADDRESS: Tr = Tr::new("Straße, PLZ Ort", "street, postcode town");
pub const H_OWN_NUMBER: Tr = Tr::new("für Testnachrichten, z. B. 0171 1234567", "for test messages, e.g. 0171 1234567");
pub const FORM_NOTE: Tr = Tr::new(
    "Das kommt in {0}. Die Verbindung zu WhatsApp (Meta-Konto) richtest du später unter 5 Einstellungen ein; \
     bis dahin kannst du Kunden anlegen, Einwilligungen erfassen und Nachrichten vorbereiten.",
    "This goes to {0}. You connect WhatsApp (Meta account) later under 5 Settings; until then you can add \
     customers, record consent and prepare messages.",
);
pub const E_REQUIRED: Tr = Tr::new("Bitte ausfüllen.", "Please fill in.");
pub const E_OWN_NUMBER: Tr = Tr::new("Handynummer: {0}", "Mobile number: {0}");
pub const SAVING: Tr = Tr::new("Speichere Einstellungen ...", "Saving the settings ...");
pub const DONE_TITLE: Tr = Tr::new("Dein Hof ist eingerichtet", "Your shop is set up");
pub const DONE_TEXT: Tr = Tr::new(
    "Du kannst jetzt Kunden anlegen, Einwilligungen erfassen und Nachrichten vorbereiten. Verschickt wird erst, \
     wenn WhatsApp verbunden ist: unter 5 Einstellungen, Taste w.",
    "You can now add customers, record consent and prepare messages. Nothing is sent until WhatsApp is \
     connected: under 5 Settings, key w.",
);
pub const DONE_NEXT: Tr = Tr::new("Drücke Enter: weiter zur Kundenliste.", "Press Enter: on to the customer list.");
pub const FAILED: Tr = Tr::new(
    "Die Einstellungen ließen sich nicht speichern: {0} Prüfe die Werte und drücke Strg+S.",
    "The settings could not be saved: {0} Check the values and press Ctrl+S.",
);
