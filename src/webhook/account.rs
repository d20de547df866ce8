//! What Meta says about the account, applied: `account_update` restrictions, violations and bans stop all sending
//! with an alert (their kinds do not start with `webhook_`, so the claim sends nothing while one is open); the
//! event that ends them (a ban reinstated, a restriction list that is empty or expired) clears them again; a
//! messaging limit in the event is stored as the enforced tier and the limits are read from the API again; every
//! other event is kept in one alert that stops nothing, so nothing Meta says is dropped. Also tells the farmer
//! which broadcasts lose recipients when Meta makes a template marketing (`template_category_update`): from then
//! on the claim asks for marketing consent (see `store::outbox`), this only says so. Decides only; reads and writes
//! through `crate::store`.

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::Transaction;

use crate::domain::consent::{SendKind, may_send};
use crate::i18n::{Lang, Tr};
use crate::store::Result;
use crate::store::account::{request_check_tx, set_limits_tx, set_restricted_until_tx};
use crate::store::alerts::{note_alert_tx, raise_alert_tx, resolve_alert_tx};
use crate::store::consent::customer_consent_tx;
use crate::store::templates::waiting_recipients_tx;
use crate::whatsapp::payload::{AccountUpdate, TemplateUpdate, tier_of};

/// Meta restricted the account's messaging (`ACCOUNT_RESTRICTION`): stops all sending.
/// (`store::account` ends it when the restriction's announced end has passed.)
pub const ALERT_RESTRICTED: &str = crate::store::account::ALERT_RESTRICTED;
/// Meta found a policy violation (`ACCOUNT_VIOLATION`): stops all sending.
pub const ALERT_VIOLATION: &str = "account_violation";
/// Meta disabled the account (`DISABLED_UPDATE` with `DISABLE`): stops all sending.
pub const ALERT_DISABLED: &str = "account_disabled";
/// Account events hofbote does not act on, collected for the farmer; stops nothing.
pub const ALERT_INFO: &str = "webhook_account_info";
/// A template became marketing while broadcasts of it wait; stops nothing (the claim drops who may not get it).
pub const ALERT_CATEGORY: &str = "webhook_category_changed";
/// The stop account errors raise while sending (`queue::decide`).
const ALERT_ACCOUNT_ERROR: &str = "account";

/// The stops an "it is over" event from Meta ends — also the business portfolio's quality review of 135000: Meta
/// reinstating the account says the review is over.
const ACCOUNT_STOPS: [&str; 5] = [
    ALERT_RESTRICTED,
    ALERT_VIOLATION,
    ALERT_DISABLED,
    ALERT_ACCOUNT_ERROR,
    crate::store::outbox::ALERT_PORTFOLIO_REVIEW,
];

fn date(secs: i64) -> String {
    Utc.timestamp_opt(secs, 0).single().map(|t| t.format("%d.%m.%Y").to_string()).unwrap_or_else(|| secs.to_string())
}

/// Meta writes ban dates as "April 17, 2025": the German way where it can be read, else as sent.
fn german_date(d: &str) -> String {
    chrono::NaiveDate::parse_from_str(d.trim(), "%B %d, %Y")
        .map(|d| d.format("%d.%m.%Y").to_string())
        .unwrap_or_else(|_| d.to_owned())
}

/// Applies one account event (see module docs).
pub fn apply_account_tx(tx: &Transaction<'_>, a: &AccountUpdate, now: DateTime<Utc>) -> Result<()> {
    let limit = a.limit.as_deref().and_then(tier_of);
    if let Some(tier) = limit {
        set_limits_tx(tx, Some(tier), None, now)?;
    }
    let event = a.event.as_str();
    match event {
        "ACCOUNT_RESTRICTION" => {
            let messaging: Vec<&(String, Option<i64>)> = a
                .restrictions
                .iter()
                .filter(|(kind, until)| kind.contains("MESSAGING") && until.is_none_or(|u| u > now.timestamp()))
                .collect();
            if messaging.is_empty() {
                // Nothing about sending is restricted (any more): the restriction ended.
                resolve_alert_tx(tx, ALERT_RESTRICTED, now)?;
                set_restricted_until_tx(tx, None)?;
                if !a.restrictions.is_empty() {
                    note_alert_tx(tx, ALERT_INFO, None, &describe(a), now)?;
                }
            } else {
                let detail = messaging
                    .iter()
                    .map(|(kind, until)| match until {
                        Some(u) => format!("{kind} bis {}", date(*u)),
                        None => kind.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                raise_alert_tx(tx, ALERT_RESTRICTED, None, &detail, now)?;
                // Meta sends nothing when it simply expires: `Store::expire_account_restriction` ends it then.
                let ends: Option<Vec<i64>> = messaging.iter().map(|(_, until)| *until).collect();
                let until = ends.and_then(|e| e.into_iter().max()).and_then(|t| Utc.timestamp_opt(t, 0).single());
                set_restricted_until_tx(tx, until)?;
            }
        }
        "ACCOUNT_VIOLATION" => {
            raise_alert_tx(tx, ALERT_VIOLATION, None, a.violation.as_deref().unwrap_or("?"), now)?;
        }
        "DISABLED_UPDATE" => match a.ban_state.as_deref() {
            Some("REINSTATE") => {
                for kind in ACCOUNT_STOPS {
                    resolve_alert_tx(tx, kind, now)?;
                }
                request_check_tx(tx)?;
            }
            Some("SCHEDULE_FOR_DISABLE") => {
                note_alert_tx(tx, ALERT_INFO, None, &describe(a), now)?;
            }
            _ => {
                raise_alert_tx(
                    tx,
                    ALERT_DISABLED,
                    None,
                    &a.ban_date.as_deref().map(german_date).unwrap_or_default(),
                    now,
                )?;
            }
        },
        "ACCOUNT_RECONNECTED" => {
            resolve_alert_tx(tx, ALERT_DISABLED, now)?;
            request_check_tx(tx)?;
        }
        _ if limit.is_some()
            || event.starts_with("INCREASED_CAPABILITIES_ELIGIBILITY")
            || event.contains("MESSAGING_LIMIT")
            || event.contains("THROUGHPUT")
            || a.field != "account_update" =>
        {
            // A limit changed, or a decision about one: ask the API for the current values.
            request_check_tx(tx)?;
            if limit.is_none() && a.field == "account_update" {
                note_alert_tx(tx, ALERT_INFO, None, &describe(a), now)?;
            }
        }
        _ => {
            note_alert_tx(tx, ALERT_INFO, None, &describe(a), now)?;
        }
    }
    Ok(())
}

/// The event as the farmer sees it in the collected alert: its name, its date, and what it carries.
fn describe(a: &AccountUpdate) -> String {
    let mut d = if a.event.is_empty() { a.field.clone() } else { a.event.clone() };
    if let Some(t) = a.time {
        d.push_str(&format!(" ({})", date(t)));
    }
    if let Some(state) = &a.ban_state {
        d.push_str(format!(" {state} {}", a.ban_date.as_deref().unwrap_or("")).trim_end());
    }
    d
}

/// A template Meta made MARKETING: names, per broadcast, how many waiting recipients have no marketing consent and
/// will therefore not get it (the claim cancels their rows).
pub fn note_category_change_tx(tx: &Transaction<'_>, t: &TemplateUpdate, now: DateTime<Utc>) -> Result<()> {
    if !t.category.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("MARKETING")) {
        return Ok(());
    }
    let mut lost: Vec<(i64, usize)> = Vec::new();
    for (broadcast, customer) in waiting_recipients_tx(tx, &t.name, &t.language)? {
        let consent = customer_consent_tx(tx, customer)?;
        if may_send(SendKind::Marketing, &consent, now).is_err() {
            match lost.last_mut() {
                Some((b, n)) if *b == broadcast => *n += 1,
                _ => lost.push((broadcast, 1)),
            }
        }
    }
    for (broadcast, n) in lost {
        // Fields for `words`, which says it in the farmer's language: template, since, count, broadcast.
        let detail = format!("{}|{}|{n}|{broadcast}", t.name, now.format("%d.%m.%Y"));
        note_alert_tx(tx, ALERT_CATEGORY, None, &detail, now)?;
        tracing::warn!(template = %t.name, broadcast, lost = n, "template recategorised as marketing");
    }
    Ok(())
}

/// What an alert of this module means and what to do, in the farmer's language (`None` for other kinds).
pub fn words(kind: &str, detail: &str, lang: Lang) -> Option<(String, String)> {
    let detail = crate::domain::customer::display_safe(detail);
    let pair = |what: Tr, todo: Tr| Some((what.fill(lang, &[&detail]), todo.get(lang).to_owned()));
    match kind {
        ALERT_RESTRICTED => pair(
            Tr::new(
                "Versand gestoppt: Meta hat das WhatsApp-Konto eingeschränkt ({0}).",
                "Sending stopped: Meta restricted the WhatsApp account ({0}).",
            ),
            Tr::new(
                "Im Meta Business Manager unter Kontoqualität nachsehen, warum, und ggf. Einspruch erheben. Endet die Einschränkung, geht es von selbst weiter – sonst danach »Warnung erledigt« (Taste w, »hofbote queue resolve-alerts«).",
                "Check why in Meta Business Manager under account quality and appeal if needed. When the restriction ends, sending resumes by itself – else afterwards resolve the alert (key w, `hofbote queue resolve-alerts`).",
            ),
        ),
        ALERT_VIOLATION => pair(
            Tr::new(
                "Versand gestoppt: Meta meldet einen Richtlinienverstoß des WhatsApp-Kontos ({0}).",
                "Sending stopped: Meta reports a policy violation of the WhatsApp account ({0}).",
            ),
            Tr::new(
                "Im Meta Business Manager unter Kontoqualität lesen, was beanstandet wird, Vorlagen und Empfängerliste prüfen; dann »Warnung erledigt« (Taste w, »hofbote queue resolve-alerts«).",
                "Read in Meta Business Manager under account quality what is objected to, check templates and recipients; then resolve the alert (key w, `hofbote queue resolve-alerts`).",
            ),
        ),
        ALERT_DISABLED => pair(
            Tr::new(
                "Versand gestoppt: Meta hat das WhatsApp-Konto gesperrt ({0}).",
                "Sending stopped: Meta disabled the WhatsApp account ({0}).",
            ),
            Tr::new(
                "Im Meta Business Manager Einspruch einlegen. Hebt Meta die Sperre auf, geht es von selbst weiter.",
                "Appeal in Meta Business Manager. When Meta lifts the ban, sending resumes by itself.",
            ),
        ),
        ALERT_INFO => pair(
            Tr::new("Meta meldet zum WhatsApp-Konto: {0}.", "Meta reports about the WhatsApp account: {0}."),
            Tr::new(
                "Nichts nötig, der Versand läuft. Bei Fragen im Meta Business Manager nachsehen; dann »Warnung erledigt« (Taste w, »hofbote queue resolve-alerts«).",
                "Nothing needed, sending goes on. If in doubt, look in Meta Business Manager; then resolve the alert (key w, `hofbote queue resolve-alerts`).",
            ),
        ),
        ALERT_CATEGORY => {
            let what = Tr::new(
                "Rundnachricht Nr {3}: {2} Kunden bekommen sie nicht – Vorlage »{0}« ist seit {1} Werbung.",
                "Broadcast no {3}: {2} customers do not get it – template “{0}” is marketing since {1}.",
            );
            let text = detail
                .split("; ")
                .map(|item| {
                    let f: Vec<&str> = item.split('|').collect();
                    match f.as_slice() {
                        [name, since, n, b] => what.fill(lang, &[name, since, n, b]),
                        _ => item.to_owned(),
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            let todo = Tr::new(
                "Ihnen fehlt die Einwilligung für Angebote (Werbung); Meta hat die Kategorie der Vorlage geändert. Für Termine bei Meta eine neue Vorlage der Kategorie »Utility« einreichen; dann »Warnung erledigt« (Taste w, »hofbote queue resolve-alerts«).",
                "They have no consent for offers (marketing); Meta changed the template's category. For appointments submit a new utility template to Meta; then resolve the alert (key w, `hofbote queue resolve-alerts`).",
            );
            Some((text, todo.get(lang).to_owned()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
