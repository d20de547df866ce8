//! Broadcasts: who gets a message (audience with the reason for everyone left out), per-customer placeholders
//! (`{vorname}`, `{name}`), and the review figures (cost, duration, waits). Pure: no IO, `now` passed in.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::consent::{CustomerConsent, Purpose, Refusal, SendKind, may_send};
use crate::domain::customer::Customer;
use crate::domain::template::{Category, ParamError, Params, Template};
use crate::i18n::{Lang, Localized, Tr};

pub mod costs;

/// Who a broadcast is for (always narrowed to those with the needed consent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Audience {
    All,
    /// Customers with any of these tags (case-insensitive).
    Tags(Vec<String>),
    /// Hand-picked customers (marked on the customer list, or the one in the detail).
    List(Vec<i64>),
    /// Customers with all of these tags (case-insensitive).
    AllTags(Vec<String>),
}

impl Audience {
    pub fn matches(&self, c: &Customer) -> bool {
        match self {
            Audience::All => true,
            Audience::Tags(tags) => c.tags.iter().any(|t| tags.iter().any(|w| w.to_lowercase() == t.to_lowercase())),
            Audience::List(ids) => ids.contains(&c.id),
            Audience::AllTags(tags) => {
                !tags.is_empty() && tags.iter().all(|w| c.tags.iter().any(|t| w.to_lowercase() == t.to_lowercase()))
            }
        }
    }

    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Audience::All => Tr::new("alle mit Einwilligung", "everyone with consent").get(lang).to_owned(),
            Audience::Tags(t) if t.len() > 1 => {
                let or = Tr::new(" oder ", " or ").get(lang);
                Tr::new("Schlagworte: {0} (eines davon)", "tags: {0} (any of them)").fill(lang, &[&t.join(or)])
            }
            Audience::Tags(t) => Tr::new("Schlagworte: {0}", "tags: {0}").fill(lang, &[&t.join(", ")]),
            Audience::AllTags(t) => {
                let and = Tr::new(" und ", " and ").get(lang);
                Tr::new("Schlagworte: {0} (alle davon)", "tags: {0} (all of them)").fill(lang, &[&t.join(and)])
            }
            Audience::List(ids) if ids.len() == 1 => {
                Tr::new("1 ausgewählter Kunde", "1 selected customer").get(lang).to_owned()
            }
            Audience::List(ids) => {
                Tr::new("{0} ausgewählte Kunden", "{0} selected customers").fill(lang, &[&ids.len()])
            }
        }
    }
}

/// The consent purpose a template needs, from its category as synced now. Authentication templates are refused.
pub fn purpose_of(category: Category) -> Option<Purpose> {
    match category {
        Category::Marketing => Some(Purpose::Marketing),
        Category::Utility => Some(Purpose::Service),
        Category::Authentication => None,
    }
}

/// Why a customer does not get a broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Exclusion {
    Refused { refusal: Refusal },
    InvalidNumber,
    SamePhoneTwice,
    InvalidParams { problems: Vec<String> },
}

impl Exclusion {
    /// Stable key stored as the row's reason.
    pub fn key(&self) -> String {
        match self {
            Exclusion::Refused { refusal } => refusal.key().to_owned(),
            Exclusion::InvalidNumber => "invalid_number".into(),
            Exclusion::SamePhoneTwice => "same_phone_twice".into(),
            Exclusion::InvalidParams { problems } => format!("invalid_params: {}", problems.join("; ")),
        }
    }
}

impl Localized for Exclusion {
    fn localized(&self, lang: Lang) -> String {
        match self {
            Exclusion::Refused { refusal } => refusal.localized(lang),
            Exclusion::InvalidNumber => Tr::new("Nummer ungültig", "invalid number").get(lang).into(),
            Exclusion::SamePhoneTwice => Tr::new("gleiche Nummer doppelt", "same number twice").get(lang).into(),
            Exclusion::InvalidParams { problems } => {
                Tr::new("Platzhalter ungültig: {0}", "invalid placeholder: {0}").fill(lang, &[&problems.join("; ")])
            }
        }
    }
}

/// Why a broadcast cannot be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BroadcastError {
    #[error("template {name} ({language}) not found")]
    UnknownTemplate { name: String, language: String },
    #[error("template {name} is not approved ({status})")]
    NotApproved { name: String, status: String },
    #[error("authentication templates are not sent by hofbote")]
    Authentication,
    #[error("template {0} is sent by hofbote itself, not as a broadcast")]
    OwnTemplate(String),
    #[error("broadcast {0} cannot be changed in state {1:?}")]
    WrongState(i64, Option<crate::domain::sending::BroadcastState>),
}

impl Localized for BroadcastError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            BroadcastError::UnknownTemplate { name, language } => Tr::new(
                "Vorlage {0} ({1}) gibt es nicht. Hole die Vorlagen neu: hofbote templates sync",
                "Template {0} ({1}) does not exist. Fetch templates again: hofbote templates sync",
            )
            .fill(lang, &[name, language]),
            BroadcastError::NotApproved { name, status } => Tr::new(
                "Vorlage {0} ist nicht genehmigt ({1}). Nur genehmigte Vorlagen können gesendet werden.",
                "Template {0} is not approved ({1}). Only approved templates can be sent.",
            )
            .fill(lang, &[name, status]),
            BroadcastError::OwnTemplate(name) => Tr::new(
                "Die Vorlage {0} verschickt hofbote selbst (Anmeldung bestätigen, Abmeldung bestätigen), nicht als Rundnachricht.",
                "hofbote sends the template {0} by itself (confirming a sign-up or a STOP), not as a broadcast.",
            )
            .fill(lang, &[name]),
            BroadcastError::Authentication => Tr::new(
                "Anmeldecode-Vorlagen verschickt hofbote nicht.",
                "hofbote does not send authentication templates.",
            )
            .get(lang)
            .into(),
            BroadcastError::WrongState(id, state) => Tr::new(
                "Rundnachricht {0} ist im Zustand »{1}« und kann so nicht geändert werden.",
                "Broadcast {0} is in state '{1}' and cannot be changed that way.",
            )
            .fill(lang, &[id, &state.map_or("?", |s| s.label().get(lang))]),
        }
    }
}

/// The per-customer value of a parameter: `{vorname}` → first name (or the salutation fallback), `{name}` → name.
pub fn personalise(value: &str, customer: &Customer, fallback: &str) -> String {
    let first = customer.first_name.trim();
    let first = if first.is_empty() { fallback } else { first };
    value.replace("{vorname}", first).replace("{Vorname}", first).replace("{name}", customer.name.trim())
}

/// All parameters personalised for one customer.
pub fn personalise_params(params: &Params, customer: &Customer, fallback: &str) -> Params {
    Params {
        body: params.body.iter().map(|(k, v)| (k.clone(), personalise(v, customer, fallback))).collect(),
        header: params.header.as_ref().map(|h| personalise(h, customer, fallback)),
    }
}

/// One recipient with their filled-in parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub customer_id: i64,
    pub params: Params,
}

/// The outcome of resolving an audience.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudiencePlan {
    pub recipients: Vec<Recipient>,
    pub excluded: Vec<(i64, String, Exclusion)>,
}

/// Resolves who gets the broadcast and why others do not. `candidates` are all customers matching the audience with
/// their consent facts.
pub fn plan_audience(
    template: &Template,
    purpose: Purpose,
    params: &Params,
    candidates: &[(Customer, CustomerConsent)],
    fallback: &str,
    now: DateTime<Utc>,
) -> AudiencePlan {
    let mut plan = AudiencePlan::default();
    let mut phones = HashSet::new();
    for (c, consent) in candidates {
        if let Err(refusal) = may_send(SendKind::for_purpose(purpose), consent, now) {
            plan.excluded.push((c.id, c.name.clone(), Exclusion::Refused { refusal }));
            continue;
        }
        // The same recipient twice: one number (or, for people without one, one user id) gets one message.
        let Some(to) = c.recipient() else { continue };
        if !phones.insert(to.as_stored().to_owned()) {
            plan.excluded.push((c.id, c.name.clone(), Exclusion::SamePhoneTwice));
            continue;
        }
        let filled = personalise_params(params, c, fallback).tidied(&template.body);
        if let Err(problems) = template.validate_params(&filled) {
            let problems = problems.iter().map(|p: &ParamError| p.localized(Lang::De)).collect();
            plan.excluded.push((c.id, c.name.clone(), Exclusion::InvalidParams { problems }));
            continue;
        }
        plan.recipients.push(Recipient { customer_id: c.id, params: filled });
    }
    plan
}

/// The review figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub recipients: usize,
    pub excluded: usize,
    pub cost: f64,
    pub currency: String,
    pub price_checked_on: String,
    /// What one reply in the 24 h window costs (since 1 Oct 2026): the STOP confirmation a recipient's STOP brings,
    /// the double opt-in question, the farmer's answers.
    pub reply_price: f64,
    pub duration: Duration,
    /// Recipients beyond Meta's daily limit wait until the next day.
    pub over_tier: usize,
    /// Marketing waits until quiet hours end.
    pub quiet_until: Option<DateTime<Utc>>,
}

/// Cost at the configured price, duration at the configured rate, and the waits.
pub fn estimate(
    recipients: usize,
    excluded: usize,
    category: Category,
    prices: &crate::config::Prices,
    rate_per_second: u32,
    tier: u32,
    quiet_until: Option<DateTime<Utc>>,
) -> Estimate {
    let price = match category {
        Category::Marketing => prices.marketing,
        Category::Utility => prices.utility,
        Category::Authentication => prices.authentication,
    };
    let rate = rate_per_second.max(1) as i64;
    Estimate {
        recipients,
        excluded,
        cost: price * recipients as f64,
        currency: prices.currency.clone(),
        price_checked_on: prices.checked_on.clone(),
        reply_price: prices.service_price(),
        duration: Duration::milliseconds((recipients as i64 * 1000) / rate),
        over_tier: if tier == 0 { 0 } else { recipients.saturating_sub(tier as usize) },
        quiet_until,
    }
}

/// Whether the prices, checked on `checked_on` (`2026-10-01`), are older than six months at `now` — Meta changes its
/// rate card each quarter. A date that cannot be read counts as old.
pub fn prices_outdated(checked_on: &str, now: DateTime<Utc>) -> bool {
    match chrono::NaiveDate::parse_from_str(checked_on.trim(), "%Y-%m-%d") {
        Ok(d) => d.checked_add_months(chrono::Months::new(6)).is_none_or(|limit| limit < now.date_naive()),
        Err(_) => true,
    }
}

/// A price per message as the rate card writes it, to the tenth of a cent: "0,0456 €" (German) or "€0.0456".
pub fn format_unit_price(amount: f64, currency: &str, lang: Lang) -> String {
    let symbol = if currency == "EUR" { "€" } else { currency };
    match lang {
        Lang::De => format!("{} {symbol}", format!("{amount:.4}").replace('.', ",")),
        Lang::En => format!("{symbol}{amount:.4}"),
    }
}

/// German money format: 1.234,56 €.
pub fn format_money(amount: f64, currency: &str, lang: Lang) -> String {
    let cents = (amount * 100.0).round() as i64;
    let (euros, rest) = (cents / 100, (cents % 100).abs());
    let mut digits = euros.abs().to_string();
    let sep = if lang == Lang::De { '.' } else { ',' };
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!("{sep}{tail}{grouped}");
    }
    let sign = if cents < 0 { "-" } else { "" };
    let symbol = if currency == "EUR" { "€" } else { currency };
    match lang {
        Lang::De => format!("{sign}{digits}{grouped},{rest:02} {symbol}"),
        Lang::En => format!("{sign}{symbol}{digits}{grouped}.{rest:02}"),
    }
}

#[cfg(test)]
mod tests;
