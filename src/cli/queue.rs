//! `hofbote queue …`: list broadcasts with progress, show one with every recipient, pause/resume/cancel/retry, and
//! decide unclear rows (send again / mark as sent).

use clap::Subcommand;

use super::output::{datetime, table};
use super::{CliError, Context};
use crate::domain::broadcast::explain_reason;
use crate::i18n::{Lang, Tr};
use crate::queue::state::RowState;
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
    /// Fortsetzen
    Resume { id: i64 },
    /// Abbrechen (was noch wartet, geht nicht mehr raus)
    Cancel { id: i64 },
    /// Fehlgeschlagene noch einmal versuchen
    Retry { id: i64 },
    /// Unklare Nachricht (Zeile) noch einmal senden
    Resend { row: i64 },
    /// Unklare Nachricht (Zeile) als gesendet markieren
    MarkSent { row: i64 },
    /// Warnungen (Zugang, Konto) als erledigt markieren, damit der Versand weiterläuft
    ResolveAlerts,
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
                // Written beside the database by a sender stuck on a busy or full database (it may take no write).
                if let Some(a) = crate::queue::health::SenderAlert::read(&ctx.paths.db_file) {
                    println!("{} {}", Tr::new("WARNUNG:", "ALERT:").get(l), a.text(l, store.now()));
                }
                print!("{}", render_list(&list, l));
            }
        }
        QueueCmd::Show { id, json } => {
            let info = store.broadcast(id)?;
            let rows = store.broadcast_rows(id)?;
            if json {
                let v = serde_json::json!({ "broadcast": info, "rows": rows });
                println!("{}", serde_json::to_string_pretty(&v).map_err(|e| CliError::Message(e.to_string()))?);
            } else {
                print!("{}", render_list(std::slice::from_ref(&info), l));
                let header = match l {
                    Lang::De => ["Zeile", "Name", "Telefon", "Stand", "Grund", "Zeit"],
                    Lang::En => ["Row", "Name", "Phone", "State", "Reason", "Time"],
                };
                let body: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        let state =
                            r.state.parse::<RowState>().map(|s| s.label().get(l).to_owned()).unwrap_or(r.state.clone());
                        let reason = match r.error_code {
                            Some(code) => format!("{} ({code})", crate::whatsapp::explain(code).explanation.get(l)),
                            None => explain_reason(&r.reason, l),
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
        QueueCmd::Resume { id } => {
            store.resume_broadcast(id)?;
            done("Fortgesetzt.", "Resumed.");
        }
        QueueCmd::Cancel { id } => {
            let n = store.cancel_broadcast(id)?;
            println!(
                "{}",
                Tr::new(
                    "Abgebrochen: {0} Nachrichten gehen nicht mehr raus.",
                    "Cancelled: {0} messages will not go out."
                )
                .fill(l, &[&n])
            );
        }
        QueueCmd::Retry { id } => {
            let n = store.retry_failed(id)?;
            println!(
                "{}",
                Tr::new("{0} Nachrichten werden noch einmal versucht.", "{0} messages will be tried again.")
                    .fill(l, &[&n])
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
    let t = match kind {
        "auth" => Tr::new(
            "Zugangsschlüssel ungültig oder abgelaufen – neuen Token eintragen, dann »hofbote queue resolve-alerts«.",
            "Access token invalid or expired – set a new token, then `hofbote queue resolve-alerts`.",
        ),
        "account" => Tr::new(
            "Konto bei Meta gesperrt – Zahlungsmethode und Kontostatus im Meta Business Manager prüfen.",
            "Account blocked at Meta – check the payment method and account status in Meta Business Manager.",
        ),
        _ => Tr::new("Versand angehalten", "Sending stopped"),
    };
    format!("{} ({detail})", t.get(l))
}

fn state_label(state: &str, l: Lang) -> &'static str {
    crate::domain::broadcast::state_label(state).get(l)
}

/// Broadcasts with their progress per state.
pub fn render_list(list: &[BroadcastInfo], l: Lang) -> String {
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
                state_label(&b.state, l).to_owned(),
                (b.count(RowState::Queued) + b.count(RowState::Inflight) + b.count(RowState::Unknown)).to_string(),
                b.count(RowState::Accepted).to_string(),
                b.count(RowState::Delivered).to_string(),
                b.count(RowState::Read).to_string(),
                b.count(RowState::Failed).to_string(),
                (b.count(RowState::Skipped) + b.count(RowState::Cancelled)).to_string(),
                datetime(when, l),
            ]
        })
        .collect();
    table(&header, &body)
}
