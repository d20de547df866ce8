//! The shop's texts for the law, generated from its config and the stored consent wordings: the privacy notice
//! (Art. 13, with the separate objection notice of Art. 21(4)), the printable paper consent form (text and HTML, no
//! box ticked in advance — Planet49), and the record of processing activities (Art. 30). Pure: no IO. These texts
//! are starting points written for this project, not legal advice.

use crate::config::Config;
use crate::domain::consent::{Purpose, Wording};
use crate::i18n::{Lang, Tr};

fn shop(config: &Config) -> String {
    let s = &config.shop;
    let mut who = if s.name.trim().is_empty() { "[Hofname fehlt: [shop] name]".to_owned() } else { s.name.clone() };
    if !s.address.trim().is_empty() {
        who.push_str(&format!(", {}", s.address));
    }
    if !s.contact.trim().is_empty() {
        who.push_str(&format!(" – {}", s.contact));
    }
    who
}

/// The storage periods from the config as one list.
fn periods(config: &Config, lang: Lang) -> Vec<String> {
    let p = &config.privacy;
    let t = |de: &'static str, en: &'static str, n: &dyn std::fmt::Display| Tr::new(de, en).fill(lang, &[n]);
    vec![
        t(
            "Nachrichten und ihr Zustellstatus: {0} Tage",
            "Messages and their delivery status: {0} days",
            &p.message_retention_days,
        ),
        t(
            "technische Meldungen von WhatsApp (Webhooks): {0} Tage",
            "technical data from WhatsApp (webhooks): {0} days",
            &p.webhook_retention_days,
        ),
        t("nicht bestätigte Anmeldungen: {0} Tage", "unconfirmed sign-ups: {0} days", &p.unconfirmed_signup_days),
        t("Protokolldateien: {0} Tage", "log files: {0} days", &p.log_retention_days),
        t(
            "Kundendaten und Einwilligungen: bis zum Widerruf oder zur Löschung; danach der Nachweis der Einwilligung pseudonymisiert bis zum Ende der Verjährungsfrist ({0} Jahre ab Jahresende), um Rechtsansprüche abwehren zu können (Art. 17 Abs. 3 lit. e DSGVO)",
            "customer data and consents: until withdrawal or erasure; afterwards the consent evidence, pseudonymised, until the limitation period ends ({0} years from the end of the year), to defend legal claims (Art. 17(3)(e) GDPR)",
            &p.pseudonymised_ledger_years,
        ),
    ]
}

/// The privacy notice per Art. 13 GDPR as Markdown.
pub fn privacy_notice(config: &Config, lang: Lang) -> String {
    let t = |de: &'static str, en: &'static str| Tr::new(de, en).get(lang).to_owned();
    let mut o = Vec::new();
    o.push(t(
        "# Datenschutzhinweise: WhatsApp-Nachrichten vom Hofladen",
        "# Privacy notice: WhatsApp messages from the farm shop",
    ));
    o.push(String::new());
    o.push(format!("**{}** {}", t("Verantwortlich:", "Controller:"), shop(config)));
    o.push(String::new());
    o.push(t("## Wozu und auf welcher Grundlage", "## Purposes and legal basis"));
    o.push(t(
        "- **Termine (Service):** Nachrichten zu deinen Bestellungen (Abhol- und Schlachttermine). Rechtsgrundlage: deine Einwilligung, Art. 6 Abs. 1 lit. a DSGVO.",
        "- **Service:** messages about your orders (pickup and slaughter dates). Legal basis: your consent, Art. 6(1)(a) GDPR.",
    ));
    o.push(t(
        "- **Angebote (Werbung):** neue Produkte und aktuelle Angebote, höchstens einmal pro Woche. Rechtsgrundlage: deine ausdrückliche Einwilligung, Art. 6 Abs. 1 lit. a DSGVO und § 7 Abs. 2 Nr. 2 UWG.",
        "- **Marketing:** new products and current offers, at most once a week. Legal basis: your express consent, Art. 6(1)(a) GDPR and § 7(2) no. 2 UWG.",
    ));
    o.push(t(
        "- Nachweis deiner Einwilligung (Art. 7 Abs. 1 DSGVO): wir speichern Zeitpunkt, Weg und Text, dem du zugestimmt hast.",
        "- Evidence of your consent (Art. 7(1) GDPR): we store when, how and to which text you agreed.",
    ));
    o.push(String::new());
    o.push(t("## Welche Daten", "## Which data"));
    o.push(t(
        "Name, Vorname, Mobilnummer, WhatsApp-Kennung, Schlagworte (z. B. Rind, Eier), deine Einwilligungen mit Nachweis, die Nachrichten an dich und von dir mit Zustellstatus.",
        "Name, first name, mobile number, WhatsApp user id, tags (e.g. beef, eggs), your consents with evidence, the messages to and from you with delivery status.",
    ));
    o.push(String::new());
    o.push(t("## Empfänger und Drittland", "## Recipients and third country"));
    o.push(t(
        "Wir versenden über die WhatsApp Business Platform der Meta Platforms Ireland Limited, Merrion Road, Dublin 4, Irland, als Auftragsverarbeiter (Art. 28 DSGVO). Meta kann Daten in die USA übermitteln; Grundlage sind der Angemessenheitsbeschluss zum EU-US Data Privacy Framework und Standardvertragsklauseln (Art. 45, 46 DSGVO).",
        "We send through the WhatsApp Business Platform of Meta Platforms Ireland Limited, Merrion Road, Dublin 4, Ireland, as processor (Art. 28 GDPR). Meta may transfer data to the USA, based on the EU-US Data Privacy Framework adequacy decision and standard contractual clauses (Art. 45, 46 GDPR).",
    ));
    o.push(String::new());
    o.push(t("## Wie lange", "## How long"));
    for p in periods(config, lang) {
        o.push(format!("- {p}"));
    }
    o.push(String::new());
    o.push(t("## Deine Rechte", "## Your rights"));
    o.push(t(
        "Du kannst jederzeit Auskunft (Art. 15), Berichtigung (Art. 16), Löschung (Art. 17), Einschränkung (Art. 18) und deine Daten in einem gängigen Format (Art. 20) verlangen und dich bei einer Datenschutz-Aufsichtsbehörde beschweren (Art. 77).",
        "You may ask at any time for access (Art. 15), rectification (Art. 16), erasure (Art. 17), restriction (Art. 18) and your data in a common format (Art. 20), and complain to a data protection authority (Art. 77).",
    ));
    o.push(t(
        "**Widerruf (Art. 7 Abs. 3 DSGVO):** Du kannst jede Einwilligung jederzeit widerrufen, so einfach wie du sie gegeben hast: antworte **STOP** (keine Angebote mehr) oder **STOP ALLES** (gar keine Nachrichten mehr) per WhatsApp, oder sag es uns im Hofladen. Was bis dahin geschah, bleibt rechtmäßig.",
        "**Withdrawal (Art. 7(3) GDPR):** you can withdraw any consent at any time, as easily as you gave it: reply **STOP** (no more offers) or **STOP ALL** (no messages at all) by WhatsApp, or tell us in the shop. Processing until then stays lawful.",
    ));
    o.push(String::new());
    o.push(t("## Widerspruchsrecht gegen Werbung (Art. 21 DSGVO)", "## Right to object to marketing (Art. 21 GDPR)"));
    o.push(t(
        "**Du kannst der Verwendung deiner Daten für Werbung jederzeit ohne Angabe von Gründen widersprechen (Art. 21 Abs. 2 DSGVO). Dann nutzen wir sie nicht mehr für Werbung. Es genügt eine WhatsApp-Nachricht mit STOP oder ein Wort im Hofladen; es entstehen keine Kosten außer den Übermittlungskosten deines Tarifs.**",
        "**You may object at any time, without giving reasons, to the use of your data for marketing (Art. 21(2) GDPR). We then no longer use it for marketing. A WhatsApp message STOP or a word in the shop is enough; there are no costs other than your tariff's transmission costs.**",
    ));
    o.push(String::new());
    o.push(t(
        "Die Einwilligung ist freiwillig. Ohne sie bekommst du keine WhatsApp-Nachrichten von uns; einkaufen kannst du natürlich trotzdem.",
        "Consent is voluntary. Without it you get no WhatsApp messages from us; you can of course still shop with us.",
    ));
    o.join("\n") + "\n"
}

/// The few sentences for the counter sign (Art. 13 in short; the full notice is available in the shop).
pub fn short_notice(config: &Config, lang: Lang) -> String {
    Tr::new(
        "Datenschutz: Verantwortlich ist {0}. Wir verwenden deine Nummer nur für die Nachrichten, denen du zustimmst (Art. 6 Abs. 1 lit. a DSGVO). Versand über WhatsApp (Meta Platforms Ireland; Übermittlung in die USA möglich). Widerruf und Widerspruch gegen Werbung jederzeit mit STOP oder im Hofladen. Die ausführlichen Datenschutzhinweise bekommst du im Hofladen.",
        "Privacy: the controller is {0}. We use your number only for the messages you agree to (Art. 6(1)(a) GDPR). Sent via WhatsApp (Meta Platforms Ireland; transfer to the USA possible). Withdraw or object to marketing at any time with STOP or in the shop. The full privacy notice is available in the shop.",
    )
    .fill(lang, &[&shop(config)])
}

/// The newest wording of each purpose (for the form and the sign).
pub fn current_wordings(wordings: &[Wording]) -> Vec<&Wording> {
    current(wordings)
}

/// The newest wording of each purpose.
fn current(wordings: &[Wording]) -> Vec<&Wording> {
    Purpose::ALL.iter().filter_map(|p| wordings.iter().filter(|w| w.purpose == *p).max_by_key(|w| w.version)).collect()
}

/// The paper consent form as plain text (for printing on any printer).
pub fn consent_form_text(config: &Config, wordings: &[Wording], form_number: Option<&str>, lang: Lang) -> String {
    let t = |de: &'static str, en: &'static str| Tr::new(de, en).get(lang).to_owned();
    let line = "_".repeat(30);
    let mut o = vec![
        format!("{} – {}", t("Einwilligung in WhatsApp-Nachrichten", "Consent to WhatsApp messages"), shop(config)),
        format!("{}: {}", t("Formular-Nr.", "Form no."), form_number.unwrap_or("__________")),
        String::new(),
        format!("{}: {line}   {}: {line}", t("Name", "Name"), t("Vorname", "First name")),
        format!("{}: {line}", t("Mobilnummer (WhatsApp)", "Mobile number (WhatsApp)")),
        String::new(),
        t(
            "Bitte ankreuzen, was du möchtest (beides ist freiwillig und einzeln widerrufbar):",
            "Tick what you want (both are voluntary and can be withdrawn separately):",
        ),
    ];
    for w in current(wordings) {
        o.push(String::new());
        o.push(format!("[ ] {} ({} {})", w.purpose.label().get(lang), t("Text Version", "wording version"), w.version));
        o.push(format!("    „{}“", w.text));
    }
    o.extend([
        String::new(),
        format!("{}: ______________   {}: {line}", t("Datum", "Date"), t("Unterschrift", "Signature")),
        String::new(),
        t(
            "Widerspruch und Widerruf jederzeit: STOP per WhatsApp oder im Hofladen. Die Datenschutzhinweise liegen aus und stehen auf dem Aushang.",
            "Object or withdraw at any time: STOP by WhatsApp or in the shop. The privacy notice is available in the shop and on the sign.",
        ),
        String::new(),
        format!(
            "{}: ______________ {}: ______________",
            t("Nur für den Hofladen – erfasst am", "Shop use only – recorded on"),
            t("von", "by")
        ),
        t(
            "(hofbote consent grant NUMMER --purpose … --source shop_form --evidence FORMULAR-NR --at DATUM)",
            "(hofbote consent grant NUMBER --purpose … --source shop_form --evidence FORM-NO --at DATE)",
        ),
    ]);
    o.join("\n") + "\n"
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The paper consent form as a printable HTML page (A4, empty boxes).
pub fn consent_form_html(config: &Config, wordings: &[Wording], form_number: Option<&str>, lang: Lang) -> String {
    let t = |de: &'static str, en: &'static str| html_escape(Tr::new(de, en).get(lang));
    let mut boxes = String::new();
    for w in current(wordings) {
        boxes.push_str(&format!(
            "<div class=\"box\"><span class=\"tick\">&#9744;</span> <b>{}</b> <small>({} {})</small><p>„{}“</p></div>\n",
            html_escape(w.purpose.label().get(lang)),
            t("Text Version", "wording version"),
            w.version,
            html_escape(&w.text)
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang_code}\"><head><meta charset=\"utf-8\"><title>{title}</title>\n<style>\
         @page {{ size: A4; margin: 18mm; }} body {{ font-family: sans-serif; font-size: 11pt; }} \
         .field {{ border-bottom: 1px solid #000; display: inline-block; min-width: 60mm; height: 1.4em; }} \
         .box {{ margin: 6mm 0; }} .tick {{ font-size: 16pt; }} small {{ color: #444; }}</style></head>\n<body>\n\
         <h1>{title}</h1>\n<p>{shop}</p>\n<p>{form_no}: <span class=\"field\">{number}</span></p>\n\
         <p>{name}: <span class=\"field\"></span> {first}: <span class=\"field\"></span></p>\n\
         <p>{mobile}: <span class=\"field\"></span></p>\n<p>{tick}</p>\n{boxes}\
         <p>{date}: <span class=\"field\"></span> {sign}: <span class=\"field\"></span></p>\n<p><small>{object}</small></p>\n\
         <p><small>{shop_use}: <span class=\"field\"></span></small></p>\n</body></html>\n",
        lang_code = match lang {
            Lang::De => "de",
            Lang::En => "en",
        },
        title = t("Einwilligung in WhatsApp-Nachrichten", "Consent to WhatsApp messages"),
        shop = html_escape(&shop(config)),
        form_no = t("Formular-Nr.", "Form no."),
        number = html_escape(form_number.unwrap_or("")),
        name = t("Name", "Name"),
        first = t("Vorname", "First name"),
        mobile = t("Mobilnummer (WhatsApp)", "Mobile number (WhatsApp)"),
        tick = t(
            "Bitte ankreuzen, was du möchtest (beides ist freiwillig und einzeln widerrufbar):",
            "Tick what you want (both are voluntary and can be withdrawn separately):"
        ),
        date = t("Datum", "Date"),
        sign = t("Unterschrift", "Signature"),
        object = t(
            "Widerspruch und Widerruf jederzeit: STOP per WhatsApp oder im Hofladen. Die Datenschutzhinweise liegen aus und stehen auf dem Aushang.",
            "Object or withdraw at any time: STOP by WhatsApp or in the shop. The privacy notice is available in the shop and on the sign.",
        ),
        shop_use = t("Nur für den Hofladen – erfasst am / von", "Shop use only – recorded on / by"),
    )
}

/// The entry in the record of processing activities (Art. 30(1) GDPR) as Markdown.
pub fn processing_record(config: &Config, lang: Lang) -> String {
    let t = |de: &'static str, en: &'static str| Tr::new(de, en).get(lang).to_owned();
    let mut o = vec![
        t(
            "# Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)",
            "# Record of processing activities (Art. 30 GDPR)",
        ),
        t("## Kundennachrichten per WhatsApp (hofbote)", "## Customer messages by WhatsApp (hofbote)"),
        String::new(),
        format!("**{}** {}", t("Verantwortlicher:", "Controller:"), shop(config)),
        String::new(),
        format!("**{}**", t("Zwecke:", "Purposes:")),
        t(
            "- Termine (Service): Nachrichten zu Bestellungen, Abhol- und Schlachtterminen",
            "- Service: messages about orders, pickup and slaughter dates",
        ),
        t(
            "- Angebote (Werbung): Informationen über neue Produkte und Angebote",
            "- Marketing: information about new products and offers",
        ),
        t(
            "- Nachweis der Einwilligungen und Abwehr von Rechtsansprüchen",
            "- Evidence of consent and defence of legal claims",
        ),
        format!(
            "**{}** {}",
            t("Rechtsgrundlage:", "Legal basis:"),
            t(
                "Art. 6 Abs. 1 lit. a DSGVO (Einwilligung), § 7 Abs. 2 Nr. 2 UWG; für den Nachweis Art. 6 Abs. 1 lit. c und f DSGVO",
                "Art. 6(1)(a) GDPR (consent), § 7(2) no. 2 UWG; for evidence Art. 6(1)(c) and (f) GDPR"
            )
        ),
        String::new(),
        format!(
            "**{}** {}",
            t("Betroffene Personen:", "Data subjects:"),
            t(
                "Kundinnen und Kunden des Hofladens, die eingewilligt haben; Personen, die sich per WhatsApp anmelden",
                "Customers of the farm shop who consented; people who sign up by WhatsApp"
            )
        ),
        format!(
            "**{}** {}",
            t("Datenkategorien:", "Categories of data:"),
            t(
                "Name, Vorname, Mobilnummer, WhatsApp-Kennung, Schlagworte, Notizen, Einwilligungen mit Nachweis, Nachrichteninhalte und Zustellstatus, technische Meldungen von WhatsApp",
                "name, first name, mobile number, WhatsApp user id, tags, notes, consents with evidence, message contents and delivery status, technical data from WhatsApp"
            )
        ),
        format!(
            "**{}** {}",
            t("Empfänger:", "Recipients:"),
            t(
                "Meta Platforms Ireland Limited (WhatsApp Business Platform, Cloud API) als Auftragsverarbeiter",
                "Meta Platforms Ireland Limited (WhatsApp Business Platform, Cloud API) as processor"
            )
        ),
        format!(
            "**{}** {}",
            t("Drittland:", "Third country:"),
            t(
                "USA (Meta Platforms, Inc.); EU-US Data Privacy Framework, Standardvertragsklauseln",
                "USA (Meta Platforms, Inc.); EU-US Data Privacy Framework, standard contractual clauses"
            )
        ),
        String::new(),
        format!("**{}**", t("Löschfristen:", "Erasure periods:")),
    ];
    o.extend(periods(config, lang).into_iter().map(|p| format!("- {p}")));
    o.push(String::new());
    o.push(format!(
        "**{}**",
        t("Technische und organisatorische Maßnahmen (Art. 32):", "Technical and organisational measures (Art. 32):")
    ));
    o.extend(
        [
            t("- Datenbank, Zugangsschlüssel und Löschjournal nur für den Benutzer lesbar (Dateien 0600, Ordner 0700); Zugriff auf den Rechner nur per SSH-Schlüssel", "- database, access keys and erasure journal readable by the user only (files 0600, folders 0700); access to the computer only by SSH key"),
            t("- verschlüsselte Sicherungen (age: Passwort mit scrypt oder X25519-Schlüssel); nie eine unverschlüsselte Kopie auf der Platte", "- encrypted backups (age: passphrase with scrypt or X25519 key); never an unencrypted copy on disk"),
            t("- Verbindung zu Meta nur über TLS; eingehende Webhooks mit HMAC-SHA256-Signatur geprüft", "- connection to Meta over TLS only; incoming webhooks checked by HMAC-SHA256 signature"),
            t("- Einwilligungen als unveränderliches Protokoll; Versand nur nach Prüfung der Einwilligung je Nachricht", "- consents as an append-only ledger; every message checked against consent before sending"),
            t("- Löschung auf Antrag mit Überschreiben der Daten (secure_delete, VACUUM); Nachweise pseudonymisiert (HMAC mit geheimem Schlüssel)", "- erasure on request with the data overwritten (secure_delete, VACUUM); evidence pseudonymised (HMAC with a secret key)"),
            t("- Aufbewahrungsfristen werden täglich automatisch angewendet (hofbote serve)", "- retention periods applied automatically every day (hofbote serve)"),
            t("- Geheimnisse erscheinen nie in Protokollen oder auf dem Bildschirm", "- secrets never appear in logs or on screen"),
        ],
    );
    o.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let mut c = Config::default();
        c.shop.name = "Hof Sonnenwiese".into();
        c.shop.address = "Wiesenweg 3, 12345 Feldheim".into();
        c.privacy.message_retention_days = 200;
        c
    }

    fn wordings() -> Vec<Wording> {
        let at = chrono::DateTime::UNIX_EPOCH;
        vec![
            Wording { purpose: Purpose::Marketing, version: 1, text: "alt".into(), created_at: at },
            Wording { purpose: Purpose::Marketing, version: 2, text: "Ja, Angebote <bitte>".into(), created_at: at },
            Wording { purpose: Purpose::Service, version: 1, text: "Ja, Termine".into(), created_at: at },
        ]
    }

    #[test]
    fn the_notice_names_controller_periods_meta_and_the_separate_objection_right() {
        let n = privacy_notice(&config(), Lang::De);
        for needle in [
            "Hof Sonnenwiese, Wiesenweg 3",
            "Art. 6 Abs. 1 lit. a",
            "Meta Platforms Ireland",
            "USA",
            "200 Tage",
            "Art. 21",
            "STOP ALLES",
            "Art. 77",
        ] {
            assert!(n.contains(needle), "{needle} missing:\n{n}");
        }
        assert!(privacy_notice(&config(), Lang::En).contains("Right to object"));
    }

    #[test]
    fn the_form_shows_the_current_versions_with_empty_boxes() {
        let text = consent_form_text(&config(), &wordings(), Some("F-0042"), Lang::De);
        assert!(text.contains("Formular-Nr.: F-0042"), "{text}");
        assert!(text.contains("[ ] Angebote (Werbung) (Text Version 2)") && text.contains("„Ja, Angebote <bitte>“"));
        assert!(!text.contains("„alt“") && !text.contains("[x]"), "{text}");
        let html = consent_form_html(&config(), &wordings(), None, Lang::De);
        assert!(html.contains("Ja, Angebote &lt;bitte&gt;") && !html.contains("checked"), "{html}");
        assert_eq!(html.matches("&#9744;").count(), 2);
    }

    #[test]
    fn the_record_lists_categories_recipients_transfer_and_measures() {
        let r = processing_record(&config(), Lang::De);
        for needle in ["Art. 30", "Betroffene Personen", "Meta Platforms Ireland", "Drittland", "200 Tage", "0600"] {
            assert!(r.contains(needle), "{needle} missing:\n{r}");
        }
    }
}
