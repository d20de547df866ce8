//! `hofbote consent …`: record a grant from a form, a withdrawal, and print a customer's ledger.

use clap::Subcommand;

use super::{CliError, Context};
use crate::domain::consent::{EventKind, NewConsentEvent, Purpose};
use crate::domain::customer::{Customer, display_safe};
use crate::domain::phone::Phone;
use crate::domain::{Toward, parse_when};
use crate::i18n::{Lang, Tr};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum ConsentCmd {
    /// Einwilligung erfassen (z. B. vom Papierformular)
    Grant {
        phone: String,
        #[arg(long)]
        purpose: String,
        /// shop_form, whatsapp_keyword, whatsapp_button, import, manual, …
        #[arg(long)]
        source: String,
        /// Nachweis: Formularnummer oder WhatsApp-Nachrichten-ID
        #[arg(long)]
        evidence: String,
        /// Wann der Kunde eingewilligt hat (z. B. 27.11.2026 oder "2026-11-27 14:30"; Standard: jetzt)
        #[arg(long)]
        at: Option<String>,
        /// Version des Einwilligungstextes auf dem Formular (Standard: aktuelle)
        #[arg(long)]
        wording: Option<u32>,
        /// Wer erfasst (Standard: Benutzername)
        #[arg(long)]
        by: Option<String>,
    },
    /// Einwilligung widerrufen
    Withdraw {
        phone: String,
        #[arg(long)]
        purpose: String,
        #[arg(long, default_value = "manual")]
        source: String,
        #[arg(long)]
        at: Option<String>,
        /// Notiz oder Nachweis (z. B. "im Laden gesagt")
        #[arg(long, default_value = "")]
        evidence: String,
        #[arg(long)]
        by: Option<String>,
    },
    /// Nachweise eines Kunden anzeigen (druckbar)
    Show { phone: String },
}

pub fn run(cmd: ConsentCmd, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        ConsentCmd::Grant { phone, purpose, source, evidence, at, wording, by } => {
            let mut store = ctx.open_store()?;
            let customer = find(&store, &phone, ctx)?;
            store.ensure_default_wordings(&ctx.config.shop.name, &ctx.config.shop.address)?;
            let purposes = purposes(&purpose)?;
            for p in purposes {
                let e = store.record_consent(&NewConsentEvent {
                    customer_id: customer.id,
                    purpose: p,
                    kind: EventKind::Granted,
                    source: source.parse()?,
                    evidence: evidence.clone(),
                    wording_version: wording,
                    recorded_by: by.clone().unwrap_or_else(|| ctx.actor()),
                    occurred_at: when(at.as_deref(), ctx)?,
                })?;
                println!(
                    "{}",
                    Tr::new(
                        "Einwilligung {0} erfasst für {1} (Text Version {2}).",
                        "Consent {0} recorded for {1} (wording version {2})."
                    )
                    .fill(
                        ctx.lang,
                        &[&p.label().get(ctx.lang), &display_safe(&customer.name), &e.wording_version.unwrap_or(0)]
                    )
                );
                say_if_overruled(&store, customer.id, p, EventKind::Granted, ctx)?;
            }
            Ok(())
        }
        ConsentCmd::Withdraw { phone, purpose, source, at, evidence, by } => {
            let mut store = ctx.open_store()?;
            let customer = find(&store, &phone, ctx)?;
            for p in purposes(&purpose)? {
                store.record_consent(&NewConsentEvent {
                    customer_id: customer.id,
                    purpose: p,
                    kind: EventKind::Withdrawn,
                    source: source.parse()?,
                    evidence: evidence.clone(),
                    wording_version: None,
                    recorded_by: by.clone().unwrap_or_else(|| ctx.actor()),
                    occurred_at: when(at.as_deref(), ctx)?,
                })?;
                println!(
                    "{}",
                    Tr::new("Widerruf {0} erfasst für {1}.", "Withdrawal of {0} recorded for {1}.")
                        .fill(ctx.lang, &[&p.label().get(ctx.lang), &display_safe(&customer.name)])
                );
                say_if_overruled(&store, customer.id, p, EventKind::Withdrawn, ctx)?;
            }
            Ok(())
        }
        ConsentCmd::Show { phone } => {
            let store = ctx.open_store()?;
            let customer = find(&store, &phone, ctx)?;
            print!("{}", super::output::terminal_safe(&render_ledger(&store, &customer, ctx.lang, ctx)?));
            Ok(())
        }
    }
}

/// `service`, `marketing`, or `all` (German words accepted too).
fn purposes(s: &str) -> Result<Vec<Purpose>, CliError> {
    match s.trim().to_lowercase().as_str() {
        "all" | "alle" | "beide" | "both" => Ok(Purpose::ALL.to_vec()),
        "werbung" | "angebote" => Ok(vec![Purpose::Marketing]),
        "termine" => Ok(vec![Purpose::Service]),
        other => Ok(vec![other.parse()?]),
    }
}

fn when(at: Option<&str>, ctx: &Context) -> Result<chrono::DateTime<chrono::Utc>, CliError> {
    let Some(s) = at else { return Ok(ctx.clock.now()) };
    let at = parse_when(s, ctx.clock.now(), Toward::Past).map(|w| w.at).ok_or_else(|| {
        CliError::Message(
            Tr::new(
                "--at {0}: Datum nicht erkannt. Beispiele: 27.11.2026, 27.11., gestern oder \"27.11.2026 14:30\".",
                "--at {0}: date not recognised. Examples: 2026-11-27, yesterday or \"2026-11-27 14:30\".",
            )
            .fill(ctx.lang, &[&s]),
        )
    })?;
    match crate::domain::consent::event_date_problem(at, ctx.clock.now()) {
        Some(problem) => Err(CliError::Message(format!("--at {s}: {}", problem.get(ctx.lang)))),
        None => Ok(at),
    }
}

/// Says so when the entry just recorded does not decide the state (an event dated later does).
fn say_if_overruled(
    store: &Store,
    customer_id: i64,
    purpose: Purpose,
    kind: EventKind,
    ctx: &Context,
) -> Result<(), CliError> {
    let after = store.consent_folded(customer_id, purpose)?;
    if let Some(newer) = crate::domain::consent::overruled_by(kind, &after) {
        let since = newer.since.map(|t| super::output::datetime(t, ctx.lang)).unwrap_or_default();
        println!(
            "{}",
            Tr::new(
                "Eingetragen, ändert aber nichts: ein neuerer Eintrag vom {0} gilt (Stand: {1}).",
                "Recorded, but it changes nothing: a later entry of {0} stands (state: {1})."
            )
            .fill(ctx.lang, &[&since, &newer.state.label().get(ctx.lang)])
        );
    }
    Ok(())
}

fn find(store: &Store, phone: &str, ctx: &Context) -> Result<Customer, CliError> {
    let phone = Phone::parse(phone, ctx.config.shop.region()).map_err(|e| CliError::phone("PHONE", e))?;
    store.customer_by_phone(&phone)?.ok_or_else(|| {
        CliError::Message(
            Tr::new(
                "Kein Kunde mit der Nummer {0}. Lege ihn an: hofbote customers add --name NAME --phone {0}",
                "No customer with the number {0}. Add one: hofbote customers add --name NAME --phone {0}",
            )
            .fill(ctx.lang, &[&phone.display_for(ctx.config.shop.region())]),
        )
    })
}

/// The printable ledger of one customer (the same text the app writes with `p`: `crate::privacy::proof`).
pub fn render_ledger(store: &Store, c: &Customer, lang: Lang, ctx: &Context) -> Result<String, CliError> {
    crate::privacy::proof::consent_proof(store, c, ctx.config.shop.region(), lang)
        .map_err(|e| super::privacy::privacy_error(e, lang))
}
