//! Access and portability (Art. 15, 20): everything hofbote holds on one person — customer data and tags, the whole
//! consent ledger with the wordings agreed to, every message sent (outbox rows joined with their broadcasts:
//! template, parameters, states, times), inbound messages, and their parts of raw webhook bodies — as a
//! machine-readable [`Export`] (JSON with English keys, schema `hofbote-export/1`) and as readable text
//! ([`render_text`], German or English). Reads only; matches the person by customer id and by exact number, never
//! by similar names or numbers.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::erase::needles_for;
use super::needles::extract_json;
use super::{PrivacyError, datetime};
use crate::config::Config;
use crate::domain::consent::{ConsentEvent, Purpose, Wording};
use crate::domain::customer::{ConsentPair, Customer};
use crate::domain::phone::Recipient;
use crate::i18n::{Lang, Tr};
use crate::store::Store;
pub use crate::store::export::{ReceivedMessage, SentMessage};

/// Everything held on one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Export {
    pub schema: &'static str,
    pub created_at: DateTime<Utc>,
    pub controller: Controller,
    /// The number (E.164) or, for a person who shared none, their business-scoped user id.
    pub phone: String,
    pub customer: Option<Customer>,
    pub consent: Option<ConsentPair>,
    /// Newest first.
    pub ledger: Vec<LedgerLine>,
    /// The wording versions the ledger refers to, with their exact text.
    pub wordings: Vec<Wording>,
    pub messages_sent: Vec<SentMessage>,
    pub messages_received: Vec<ReceivedMessage>,
    /// Their entries in raw webhook bodies as Meta sent them.
    pub webhook_data: Vec<WebhookPart>,
    /// On the suppression list for marketing (None: erasure key unknown, cannot tell).
    pub suppressed: Option<bool>,
    pub retention: crate::config::Privacy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Controller {
    pub name: String,
    pub address: String,
    pub contact: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    #[serde(flatten)]
    pub event: ConsentEvent,
    pub wording_text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookPart {
    pub event_id: i64,
    pub received_at: DateTime<Utc>,
    pub data: serde_json::Value,
}

/// Collects everything about a person (by number or user id). `key` (the erasure key) lets it tell whether they are
/// suppressed.
pub fn export(
    store: &Store,
    config: &Config,
    key: Option<&[u8]>,
    who: impl Into<Recipient>,
) -> Result<Export, PrivacyError> {
    let who = &who.into();
    let (customer, needles) = needles_for(store, who)?;
    let conn = store.conn();
    let all_wordings = store.wordings()?;
    let (consent, events) = match &customer {
        Some(c) => {
            let s = store.customer_consent(c.id)?;
            (Some(ConsentPair { service: s.service, marketing: s.marketing }), store.ledger(c.id)?)
        }
        None => (None, Vec::new()),
    };
    let text_of = |p: Purpose, v: Option<u32>| {
        all_wordings.iter().find(|w| w.purpose == p && Some(w.version) == v).map(|w| w.text.clone())
    };
    let ledger: Vec<LedgerLine> = events
        .into_iter()
        .map(|e| LedgerLine { wording_text: text_of(e.purpose, e.wording_version), event: e })
        .collect();
    let wordings: Vec<Wording> = all_wordings
        .iter()
        .filter(|w| ledger.iter().any(|l| l.event.purpose == w.purpose && l.event.wording_version == Some(w.version)))
        .cloned()
        .collect();
    let person = needles.person(customer.as_ref().map(|c| c.id));
    let messages_sent = crate::store::export::messages_sent(conn, &person)?;
    let messages_received = crate::store::export::messages_received(conn, &person)?;
    let mut webhook_data = Vec::new();
    for crate::store::erasure::StoredBody { id: event_id, received_at, body } in
        crate::store::erasure::webhook_bodies(conn)?
    {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else { continue };
        let mut parts = Vec::new();
        extract_json(&value, &needles, &mut parts);
        webhook_data.extend(parts.into_iter().map(|data| WebhookPart { event_id, received_at, data }));
    }
    let suppressed = match key {
        Some(k) => Some(store.is_suppressed(&super::recipient_hash(k, who), Purpose::Marketing)?),
        None => None,
    };
    Ok(Export {
        schema: "hofbote-export/1",
        created_at: store.now(),
        controller: Controller {
            name: config.shop.name.clone(),
            address: config.shop.address.clone(),
            contact: config.shop.contact.clone(),
        },
        phone: who.as_stored().to_owned(),
        customer,
        consent,
        ledger,
        wordings,
        messages_sent,
        messages_received,
        webhook_data,
        suppressed,
        retention: config.privacy.clone(),
    })
}

/// "Name, Adresse (Kontakt)" with only the parts the shop filled in: no empty parentheses, no stray commas.
fn controller_line(c: &Controller) -> String {
    let parts: Vec<&str> = [c.name.trim(), c.address.trim()].into_iter().filter(|p| !p.is_empty()).collect();
    let mut out = if parts.is_empty() { "–".to_owned() } else { parts.join(", ") };
    if !c.contact.trim().is_empty() {
        out.push_str(&format!(" ({})", c.contact.trim()));
    }
    out
}

/// A section heading in plain text: the title, underlined (no markdown: this is read in a text editor or printed).
fn heading(line: &mut impl FnMut(String), title: String) {
    let rule = "-".repeat(title.chars().count());
    line(title);
    line(rule);
}

/// The export as plain readable text (German or English), for printing or handing over: who holds the data and
/// why, then every section under an underlined heading.
pub fn render_text(x: &Export, lang: Lang) -> String {
    let t = |de: &'static str, en: &'static str| Tr::new(de, en).get(lang);
    let dt = |d: DateTime<Utc>| datetime(d, lang);
    let mut o = String::new();
    let mut line = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    line(Tr::new("Auskunft nach Art. 15 DSGVO – {0}", "Data access under Art. 15 GDPR – {0}").fill(lang, &[&x.phone]));
    line(format!("{}: {}", t("Erstellt am", "Created"), dt(x.created_at)));
    line(format!("{}: {}", t("Verantwortlich", "Controller"), controller_line(&x.controller)));
    line(String::new());
    heading(&mut line, t("Kundendaten", "Customer data").to_owned());
    match &x.customer {
        None => line(t("Kein Kundeneintrag zu dieser Nummer.", "No customer entry for this number.").into()),
        Some(c) => {
            line(format!("{}: {}", t("Name", "Name"), c.name));
            line(format!("{}: {}", t("Vorname", "First name"), c.first_name));
            line(format!("{}: {}", t("Telefon", "Phone"), c.phone_label(lang)));
            if let Some(u) = &c.user_id {
                line(format!("{}: {u}", t("WhatsApp-Kennung", "WhatsApp user id")));
            }
            line(format!("{}: {}", t("Schlagworte", "Tags"), c.tags.join(", ")));
            line(format!("{}: {}", t("Notiz", "Note"), c.note));
            line(format!("{}: {}", t("Angelegt", "Created"), dt(c.created_at)));
            line(format!("{}: {}", t("Geändert", "Updated"), dt(c.updated_at)));
        }
    }
    if let Some(c) = &x.consent {
        line(format!("{}: {}", Purpose::Service.label().get(lang), c.service.label().get(lang)));
        line(format!("{}: {}", Purpose::Marketing.label().get(lang), c.marketing.label().get(lang)));
    }
    if x.suppressed == Some(true) {
        line(
            t("Die Nummer steht auf der Sperrliste für Werbung.", "The number is on the marketing suppression list.")
                .into(),
        );
    }
    line(String::new());
    heading(&mut line, format!("{} ({})", t("Einwilligungen (Nachweise)", "Consent ledger"), x.ledger.len()));
    for l in &x.ledger {
        let e = &l.event;
        line(format!(
            "{}  {} – {}; {}: {}; {}: {}; {}: {}",
            dt(e.occurred_at),
            e.purpose.label().get(lang),
            e.kind.label().get(lang),
            t("Quelle", "source"),
            e.source.label().get(lang),
            t("Nachweis", "evidence"),
            if e.evidence.is_empty() { "–" } else { &e.evidence },
            t("erfasst", "recorded"),
            dt(e.recorded_at),
        ));
        if let Some(text) = &l.wording_text {
            line(format!("    {} v{}: „{text}“", t("Text", "Wording"), e.wording_version.unwrap_or(0)));
        }
    }
    line(String::new());
    heading(&mut line, format!("{} ({})", t("Gesendete Nachrichten", "Messages sent"), x.messages_sent.len()));
    for m in &x.messages_sent {
        line(format!(
            "{}  {} ({}) – {}{}",
            dt(m.created_at),
            m.template.as_deref().unwrap_or(t("Antwort", "reply")),
            m.kind,
            m.state,
            if m.reason.is_empty() { String::new() } else { format!(" ({})", m.reason) }
        ));
        line(format!("    {}: {}", t("Inhalt", "Content"), m.content));
        let times: Vec<String> = [
            (t("gesendet", "sent"), m.sent_at),
            (t("angenommen", "accepted"), m.accepted_at),
            (t("zugestellt", "delivered"), m.delivered_at),
            (t("gelesen", "read"), m.read_at),
        ]
        .iter()
        .filter_map(|(label, at)| at.map(|a| format!("{label} {}", dt(a))))
        .collect();
        if !times.is_empty() {
            line(format!("    {}", times.join(", ")));
        }
    }
    line(String::new());
    heading(&mut line, format!("{} ({})", t("Empfangene Nachrichten", "Messages received"), x.messages_received.len()));
    for m in &x.messages_received {
        line(format!("{}  {}: {}", dt(m.received_at), m.kind, m.text));
    }
    line(String::new());
    heading(
        &mut line,
        format!(
            "{} ({})",
            t("Technische Meldungen von WhatsApp", "Technical data from WhatsApp"),
            x.webhook_data.len()
        ),
    );
    for w in &x.webhook_data {
        line(format!("{}  {}", dt(w.received_at), w.data));
    }
    line(String::new());
    heading(&mut line, t("Zwecke, Empfänger, Speicherdauer", "Purposes, recipients, storage").to_owned());
    line(t(
        "Zweck: Nachrichten per WhatsApp zu Bestellungen (Termine) und, falls eingewilligt, zu Angeboten; Rechtsgrundlage Art. 6 Abs. 1 lit. a DSGVO (Einwilligung).",
        "Purpose: WhatsApp messages about orders (service) and, if agreed, offers; legal basis Art. 6(1)(a) GDPR (consent).",
    ).into());
    line(t(
        "Empfänger: Meta Platforms Ireland Ltd. (WhatsApp Business Platform) als Auftragsverarbeiter; Übermittlung in die USA möglich.",
        "Recipient: Meta Platforms Ireland Ltd. (WhatsApp Business Platform) as processor; transfer to the USA possible.",
    ).into());
    line(
        Tr::new(
            "Speicherdauer: Nachrichten {0} Tage, technische Meldungen {1} Tage, Einwilligungsnachweise bis zum Ende der Verjährungsfrist ({2} Jahre) nach dem Ende der Einwilligung.",
            "Storage: messages {0} days, technical data {1} days, consent evidence until the limitation period ({2} years) after the consent ended.",
        )
        .fill(lang, &[&x.retention.message_retention_days, &x.retention.webhook_retention_days, &x.retention.pseudonymised_ledger_years]),
    );
    line(t(
        "Du kannst Berichtigung, Löschung, Einschränkung und Datenübertragung verlangen, der Werbung jederzeit widersprechen (STOP) und dich bei einer Datenschutz-Aufsichtsbehörde beschweren.",
        "You may ask for rectification, erasure, restriction and portability, object to marketing at any time (STOP), and complain to a data protection authority.",
    ).into());
    o
}
