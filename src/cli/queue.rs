//! `hofbote queue …`: list broadcasts with progress, show one with every recipient, pause/resume/cancel/retry, and
//! decide unclear rows (send again / mark as sent).

use clap::Subcommand;

use super::output::{datetime, table};
use super::{CliError, Context};
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
    }
    Ok(())
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
