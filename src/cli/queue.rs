//! `hofbote queue …`: list broadcasts with progress, show one with every recipient, pause/resume/cancel/retry, and
//! decide unclear rows (send again / mark as sent).

use clap::Subcommand;

use super::output::{datetime, table};
use super::{CliError, Context};
use crate::domain::broadcast::costs::{CostLine, category_label, kind_label};
use crate::domain::broadcast::{format_money, format_unit_price};
use crate::domain::sending::state::{BroadcastState, RowState};
use crate::domain::sending::words::Words;
use crate::i18n::{Lang, Tr};
use crate::store::broadcasts::BroadcastInfo;

#[derive(Debug, Subcommand)]
pub enum QueueCmd {
    /// Rundnachrichten mit Fortschritt
    List {
        #[arg(long)]
        json: bool,
    },
    /// Eine Rundnachricht mit allen Empfängern
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Anhalten
    Pause { id: i64 },
    /// Fortsetzen. Empfänger, die nach einer Wiederherstellung unklar sind, bleiben stehen, bis du mit --unclear
    /// entscheidest
    Resume {
        id: i64,
        /// Für Empfänger »unklar nach Wiederherstellung«: send = trotzdem senden (kann doppelt ankommen),
        /// mark-sent = als gesendet zählen
        #[arg(long, value_enum)]
        unclear: Option<Unclear>,
    },
    /// Abbrechen (was noch wartet, geht nicht mehr raus)
    Cancel { id: i64 },
    /// Fehlgeschlagene noch einmal versuchen
    Retry { id: i64 },
    /// Unklare Nachricht (Zeile) noch einmal senden
    Resend { row: i64 },
    /// Unklare Nachricht (Zeile) als gesendet markieren
    MarkSent { row: i64 },
    /// Warnungen (Zugang, Konto, Prüfung durch Meta, zurückgehaltene Anmeldungen) als erledigt markieren, damit der
    /// Versand weiterläuft
    ResolveAlerts,
    /// Kosten je Monat und Rundnachricht: geschätzt und von Meta abgerechnet
    Costs {
        /// Nur diesen Monat, z. B. 2026-11
        #[arg(long)]
        month: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// The farmer's decision for rows unclear after a restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Unclear {
    /// Trotzdem senden
    Send,
    /// Als gesendet zählen
    MarkSent,
}

pub fn run(cmd: QueueCmd, ctx: &Context) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let l = ctx.lang;
    let done = |de: &'static str, en: &'static str| println!("{}", Tr::new(de, en).get(l));
    match cmd {
        QueueCmd::List { json } => {
            let list = store.list_broadcasts(100)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list).map_err(|e| CliError::Message(e.to_string()))?);
            } else {
                for a in store.active_alerts()? {
                    println!("{} {}", Tr::new("WARNUNG:", "ALERT:").get(l), alert_text(&a.kind, &a.message, l));
                }
                println!(
                    "{}",
                    crate::account_limits::describe(&store.account_limits()?, ctx.config.whatsapp.messaging_tier, l)
                );
                // Written beside the database by a sender stuck on a busy or full database (it may take no write).
                if let Some(a) = crate::queue::health::SenderAlert::read(&ctx.paths.db_file) {
                    println!("{} {}", Tr::new("WARNUNG:", "ALERT:").get(l), a.text(l, store.now()));
                }
                print!("{}", render_list(&list, &words(ctx, &store)));
            }
        }
        QueueCmd::Show { id, json } => {
            let info = store.broadcast(id)?;
            let rows = store.broadcast_rows(id)?;
            if json {
                let v = serde_json::json!({ "broadcast": info, "rows": rows });
                println!("{}", serde_json::to_string_pretty(&v).map_err(|e| CliError::Message(e.to_string()))?);
            } else {
                let words = words(ctx, &store);
                print!("{}", render_list(std::slice::from_ref(&info), &words));
                let header = match l {
                    Lang::De => ["Zeile", "Name", "Telefon", "Stand", "Grund", "Zeit"],
                    Lang::En => ["Row", "Name", "Phone", "State", "Reason", "Time"],
                };
                let body: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        let state = words.row(&r.facts());
                        let reason = match r.error_code {
                            Some(code) => format!("{} ({code})", crate::whatsapp::explain(code).explanation.get(l)),
                            None => r.reason.explain(l),
                        };
                        vec![
                            r.id.to_string(),
                            r.name.clone(),
                            r.phone.clone(),
                            state,
                            reason,
                            datetime(r.updated_at, l),
                        ]
                    })
                    .collect();
                print!("{}", table(&header, &body));
            }
        }
        QueueCmd::Pause { id } => {
            store.pause_broadcast(id)?;
            done("Angehalten.", "Paused.");
        }
        QueueCmd::Resume { id, unclear } => {
            if let Some(decision) = unclear {
                let n = store.decide_restored(id, decision == Unclear::Send)?;
                let t = match decision {
                    Unclear::Send => Tr::new(
                        "{0} unklare Empfänger bekommen die Nachricht.",
                        "{0} unclear recipients get the message.",
                    ),
                    Unclear::MarkSent => Tr::new(
                        "{0} unklare Empfänger als gesendet gezählt.",
                        "{0} unclear recipients counted as sent.",
                    ),
                };
                println!("{}", t.fill(l, &[&n]));
            }
            if store.broadcast(id)?.state == BroadcastState::Paused {
                store.resume_broadcast(id)?;
            }
            done("Fortgesetzt.", "Resumed.");
            let (unclear, taken) = store.restored_rows(id)?;
            if unclear > 0 {
                let taken = taken.map(|t| datetime(t, l)).unwrap_or_else(|| "?".into());
                println!(
                    "{}",
                    Tr::new(
                        "{0} Empfänger sind unklar nach Wiederherstellung der Sicherung vom {1}: Sie könnten die Nachricht schon bekommen haben und bekommen sie nicht noch einmal, bis du entscheidest: hofbote queue resume {2} --unclear send (trotzdem senden) oder --unclear mark-sent (als gesendet zählen).",
                        "{0} recipients are unclear after restoring the backup of {1}: they may have got the message and do not get it again until you decide: hofbote queue resume {2} --unclear send (send anyway) or --unclear mark-sent (count as sent).",
                    )
                    .fill(l, &[&unclear, &taken, &id])
                );
            }
        }
        QueueCmd::Cancel { id } => {
            let n = store.cancel_broadcast(id)?;
            println!(
                "{}",
                crate::i18n::Plural::new(
                    Tr::new(
                        "Abgebrochen: {0} Nachricht geht nicht mehr raus.",
                        "Cancelled: {0} message will not go out."
                    ),
                    Tr::new(
                        "Abgebrochen: {0} Nachrichten gehen nicht mehr raus.",
                        "Cancelled: {0} messages will not go out."
                    )
                )
                .fill(l, n as i64, &[&n])
            );
        }
        QueueCmd::Retry { id } => {
            let n = store.retry_failed(id)?;
            println!(
                "{}",
                crate::i18n::Plural::new(
                    Tr::new("{0} Nachricht wird noch einmal versucht.", "{0} message will be tried again."),
                    Tr::new("{0} Nachrichten werden noch einmal versucht.", "{0} messages will be tried again.")
                )
                .fill(l, n as i64, &[&n])
            );
        }
        QueueCmd::Resend { row } => {
            store.decide_unknown(row, true)?;
            done("Wird noch einmal gesendet.", "Will be sent again.");
        }
        QueueCmd::MarkSent { row } => {
            store.decide_unknown(row, false)?;
            done("Als gesendet markiert.", "Marked as sent.");
        }
        QueueCmd::ResolveAlerts => {
            let n = store.resolve_alerts()?;
            println!("{}", Tr::new("{0} Warnungen erledigt.", "{0} alerts resolved.").fill(l, &[&n]));
        }
        QueueCmd::Costs { month, json } => {
            let month = month.map(|m| parse_month(&m, l)).transpose()?;
            let lines = store.costs(month.as_deref())?;
            let prices = &ctx.config.prices;
            if json {
                let v = costs_json(&lines, prices);
                println!("{}", serde_json::to_string_pretty(&v).map_err(|e| CliError::Message(e.to_string()))?);
            } else {
                print!("{}", render_costs(&lines, prices, month.as_deref(), store.now(), l));
            }
        }
    }
    Ok(())
}

/// `--month 2026-11` checked: a clear error naming the option otherwise.
fn parse_month(m: &str, l: Lang) -> Result<String, CliError> {
    let m = m.trim();
    match chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d") {
        Ok(d) => Ok(d.format("%Y-%m").to_string()),
        Err(_) => Err(CliError::Message(
            Tr::new("--month: »{0}« ist kein Monat wie 2026-11.", "--month: \"{0}\" is not a month like 2026-11.")
                .fill(l, &[&m]),
        )),
    }
}

/// "November 2026" / "November 2026" for `2026-11`.
fn month_name(month: &str, l: Lang) -> String {
    const DE: [&str; 12] = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let Some((y, m)) = month.split_once('-') else { return month.to_owned() };
    let Some(i) = m.parse::<usize>().ok().and_then(|m| m.checked_sub(1)).filter(|i| *i < 12) else {
        return month.to_owned();
    };
    format!("{} {y}", if l == Lang::De { DE[i] } else { EN[i] })
}

/// The cost view for scripts: each line with its estimate and billed amount at the configured prices.
fn costs_json(lines: &[CostLine], prices: &crate::config::Prices) -> serde_json::Value {
    let lines: Vec<serde_json::Value> = lines
        .iter()
        .map(|c| {
            let (billed_amount, unpriced) = c.billed_amount(prices);
            serde_json::json!({
                "month": c.month, "broadcast_id": c.broadcast_id, "template": c.template, "kind": c.kind,
                "sent": c.sent, "estimate": c.estimate(prices), "billed": c.billed, "billed_count": c.billed_count(),
                "billed_amount": billed_amount, "billed_unpriced": unpriced, "not_charged": c.not_charged,
            })
        })
        .collect();
    serde_json::json!({"currency": prices.currency, "prices_checked_on": prices.checked_on, "lines": lines})
}

/// Per month: one line per broadcast, the replies and what cannot be linked, then the month's sum; the prices
/// used and what "abgerechnet" means under it.
pub fn render_costs(
    lines: &[CostLine],
    prices: &crate::config::Prices,
    month: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
    l: Lang,
) -> String {
    let money = |a: f64| format_money(a, &prices.currency, l);
    let unit = |a: f64| format_unit_price(a, &prices.currency, l);
    let mut out = String::new();
    if lines.is_empty() {
        let none = match month {
            Some(m) => Tr::new("Keine Kosten im {0}.", "No costs in {0}.").fill(l, &[&month_name(m, l)]),
            None => Tr::new("Noch keine Kosten.", "No costs yet.").get(l).to_owned(),
        };
        out.push_str(&format!("{none}\n"));
    }
    let header = match l {
        Lang::De => ["Nr", "Was", "gesendet", "geschätzt", "abgerechnet", "Betrag"],
        Lang::En => ["No", "What", "sent", "estimated", "billed", "amount"],
    };
    let mut months: Vec<&str> = lines.iter().map(|c| c.month.as_str()).collect();
    months.dedup();
    for m in months {
        let of_month: Vec<&CostLine> = lines.iter().filter(|c| c.month == m).collect();
        let (mut sent, mut estimate, mut billed, mut amount, mut unknown) = (0, 0.0, 0, 0.0, false);
        let mut body: Vec<Vec<String>> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        for c in &of_month {
            let est = c.estimate(prices);
            let (billed_amount, unpriced) = c.billed_amount(prices);
            sent += c.sent;
            estimate += est.unwrap_or(0.0);
            unknown |= est.is_none() || unpriced > 0;
            billed += c.billed_count();
            amount += billed_amount;
            let what = match &c.template {
                Some(t) if t.chars().count() > 22 => {
                    format!("{}… · {}", t.chars().take(21).collect::<String>(), kind_label(c.kind.as_deref(), l))
                }
                Some(t) => format!("{t} · {}", kind_label(c.kind.as_deref(), l)),
                None => kind_label(c.kind.as_deref(), l).to_owned(),
            };
            let mut per_category: Vec<String> =
                c.billed.iter().map(|(cat, n)| format!("{n} {}", category_label(cat, l))).collect();
            if per_category.is_empty() {
                per_category.push("0".into());
            }
            if c.not_charged > 0 {
                let who = match c.broadcast_id {
                    Some(id) => format!("{} {id}", Tr::new("Nr", "No").get(l)),
                    None => kind_label(c.kind.as_deref(), l).to_owned(),
                };
                notes.push(format!(
                    "{who}: {}",
                    crate::i18n::Plural::new(
                        Tr::new("{0} Nachricht hat Meta nicht berechnet.", "Meta did not charge {0} message."),
                        Tr::new("{0} Nachrichten hat Meta nicht berechnet.", "Meta did not charge {0} messages.")
                    )
                    .fill(l, c.not_charged, &[&c.not_charged])
                ));
            }
            body.push(vec![
                c.broadcast_id.map(|id| id.to_string()).unwrap_or_else(|| "–".into()),
                what,
                c.sent.to_string(),
                est.map(money).unwrap_or_else(|| "?".into()),
                per_category.join(", "),
                if unpriced > 0 { format!("{} + ?", money(billed_amount)) } else { money(billed_amount) },
            ]);
        }
        body.push(vec![
            String::new(),
            Tr::new("Summe", "Total").get(l).to_owned(),
            sent.to_string(),
            money(estimate),
            billed.to_string(),
            if unknown { format!("{} + ?", money(amount)) } else { money(amount) },
        ]);
        out.push_str(&format!("{}\n", month_name(m, l)));
        out.push_str(&table(&header, &body));
        for note in notes {
            out.push_str(&format!("{note}\n"));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "{}\n",
        Tr::new(
            "Preise je Nachricht (Stand {0}, ändern unter 5 Einstellungen):\nWerbung {1}, Service {2}, Antwort {3}, Anmeldecode {4}.",
            "Prices per message (as of {0}, change them under 5 Settings):\nmarketing {1}, utility {2}, reply {3}, authentication {4}.",
        )
        .fill(
            l,
            &[
                &prices.checked_on,
                &unit(prices.marketing),
                &unit(prices.utility),
                &unit(prices.service_price()),
                &unit(prices.authentication),
            ]
        )
    ));
    if crate::domain::broadcast::prices_outdated(&prices.checked_on, now) {
        out.push_str(&format!(
            "{}\n",
            Tr::new(
                "Preise älter als 6 Monate: mit Metas Preisliste vergleichen, unter 5 Einstellungen.",
                "Prices older than 6 months: compare with Meta's rate card, under 5 Settings."
            )
            .get(l)
        ));
    }
    out.push_str(&format!(
        "{}\n",
        Tr::new(
            "geschätzt: gesendete Nachrichten × Preis ihrer Art. Auch Antworten (die Frage\nnach ANMELDEN, die STOP-Bestätigung, deine Antworten) kosten seit 1.10.2026\nden Antwort-Preis. Von Meta abgerechnet: was Meta in seinen Statusmeldungen als\nberechnet meldet, × dein Preis. Die Rechnung selbst kommt von Meta.",
            "estimated: messages sent × the price of their kind. Replies too (the question\nafter ANMELDEN, the STOP confirmation, your answers) cost the reply price since\n1 October 2026. Billed by Meta: what Meta reports as charged in its status\nupdates × your price. The invoice itself comes from Meta.",
        )
        .get(l)
    ));
    out
}

/// The German text of an alert kind.
pub fn alert_text(kind: &str, detail: &str, l: Lang) -> String {
    if let Some((what, todo)) = crate::webhook::alert_words(kind, detail, l) {
        return format!("{what} {todo}");
    }
    if kind == crate::store::outbox::ALERT_PORTFOLIO_REVIEW || kind == crate::store::outbox::ALERT_MARKETING_DISABLED {
        // Meta's review (135000) or disabled marketing (131063): what it forbids, what to do, how to go on.
        let code = if kind == crate::store::outbox::ALERT_PORTFOLIO_REVIEW { 135000 } else { 131063 };
        let info = crate::whatsapp::explain(code);
        let then = Tr::new(
            "Erst wenn Meta es aufgehoben hat: »hofbote queue resolve-alerts«, dann »hofbote queue resume NR«.",
            "Only once Meta lifted it: `hofbote queue resolve-alerts`, then `hofbote queue resume NO`.",
        );
        return format!("{} [{code}] {} {}", info.explanation.get(l), info.action.get(l), then.get(l));
    }
    let t = match kind {
        "auth" => Tr::new(
            "Zugangsschlüssel ungültig oder abgelaufen – neuen Token eintragen, hofbote (oder den Dienst) neu starten, damit er gilt, dann »hofbote queue resolve-alerts«.",
            "Access token invalid or expired – set a new token, restart hofbote (or the service) so it counts, then `hofbote queue resolve-alerts`.",
        ),
        "account" => Tr::new(
            "Konto bei Meta gesperrt – Zahlungsmethode und Kontostatus im Meta Business Manager prüfen, dann »hofbote queue resolve-alerts«.",
            "Account blocked at Meta – check the payment method and account status in Meta Business Manager, then `hofbote queue resolve-alerts`.",
        ),
        _ => Tr::new("Versand angehalten", "Sending stopped"),
    };
    format!("{} ({detail})", t.get(l))
}

/// The state words with the settings and the store's clock.
fn words(ctx: &Context, store: &crate::store::Store) -> Words {
    Words {
        lang: ctx.lang,
        now: store.now(),
        unknown_after: chrono::Duration::seconds(ctx.config.queue.unknown_after_seconds as i64),
    }
}

/// Broadcasts with their progress per state, and under the table what waits and why ("Nr 3: 11 warten auf
/// Bestätigung von WhatsApp (bis 08:15)").
pub fn render_list(list: &[BroadcastInfo], words: &Words) -> String {
    let l = words.lang;
    if list.is_empty() {
        return format!("{}\n", Tr::new("Keine Rundnachrichten.", "No broadcasts.").get(l));
    }
    let header = match l {
        Lang::De => {
            ["Nr", "Vorlage", "Stand", "wartet", "gesendet", "zugestellt", "gelesen", "Fehler", "ausgeschl.", "Zeit"]
        }
        Lang::En => ["No", "Template", "State", "queued", "sent", "delivered", "read", "failed", "skipped", "Time"],
    };
    let body: Vec<Vec<String>> = list
        .iter()
        .map(|b| {
            let when = b.scheduled_at.unwrap_or(b.created_at);
            vec![
                b.id.to_string(),
                b.template.clone(),
                b.state.label().get(l).to_owned(),
                b.open().to_string(),
                b.count(RowState::Accepted).to_string(),
                b.count(RowState::Delivered).to_string(),
                b.count(RowState::Read).to_string(),
                b.count(RowState::Failed).to_string(),
                (b.count(RowState::Skipped) + b.count(RowState::Cancelled)).to_string(),
                datetime(when, l),
            ]
        })
        .collect();
    let mut out = table(&header, &body);
    for b in list {
        for note in words.broadcast_notes(&b.facts()) {
            out.push_str(&format!("{} {}: {note}\n", Tr::new("Nr", "No").get(l), b.id));
        }
    }
    out
}

#[cfg(test)]
mod cost_tests {
    use chrono::TimeZone;

    use super::*;
    use crate::config::Prices;

    fn lines() -> Vec<CostLine> {
        let billed = |v: &[(&str, i64)]| v.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect();
        vec![
            CostLine {
                month: "2026-11".into(),
                broadcast_id: Some(3),
                template: Some("wochenangebot".into()),
                kind: Some("marketing".into()),
                sent: 10,
                billed: billed(&[("marketing", 9)]),
                not_charged: 1,
            },
            CostLine {
                month: "2026-11".into(),
                kind: Some("reply_in_window".into()),
                sent: 2,
                billed: billed(&[("service", 2)]),
                ..CostLine::default()
            },
            CostLine { month: "2026-10".into(), billed: billed(&[("referral_conversion", 1)]), ..CostLine::default() },
        ]
    }

    #[test]
    fn the_cost_view_per_month_with_estimate_billed_and_what_has_no_price() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let text = render_costs(&lines(), &Prices::default(), None, now, Lang::De);
        assert!(text.find("November 2026").unwrap() < text.find("Oktober 2026").unwrap(), "{text}");
        assert!(text.contains("wochenangebot · Werbung") && text.contains("1,13 €"), "{text}");
        assert!(text.contains("9 Werbung") && text.contains("1,02 €"), "{text}");
        assert!(text.contains("Nr 3: 1 Nachricht hat Meta nicht berechnet."), "{text}");
        assert!(text.contains("2 Antwort") && text.contains("0,09 €"), "{text}");
        // A category without a configured price is counted, not priced as zero.
        assert!(text.contains("1 referral_conversion") && text.contains("0,00 € + ?"), "{text}");
        assert!(!text.contains("älter als 6 Monate"), "{text}");
        assert!(text.lines().all(|l| unicode_width::UnicodeWidthStr::width(l) <= 80), "{text}");
        let old = Prices { checked_on: "2025-07-01".into(), ..Prices::default() };
        assert!(render_costs(&[], &old, Some("2026-11"), now, Lang::De).contains("Keine Kosten im November 2026."));
        assert!(render_costs(&[], &old, None, now, Lang::En).contains("Prices older than 6 months"));
    }

    #[test]
    fn a_month_is_checked_with_a_german_error_naming_the_option() {
        assert_eq!(parse_month(" 2026-11 ", Lang::De).unwrap(), "2026-11");
        assert_eq!(parse_month("2026-3", Lang::De).unwrap(), "2026-03");
        let err = parse_month("November", Lang::De).unwrap_err().to_string();
        assert_eq!(err, "--month: »November« ist kein Monat wie 2026-11.");
    }
}
