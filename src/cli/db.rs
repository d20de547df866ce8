//! `hofbote db check`: path, schema version, integrity, counts, unapplied webhook bodies with their alerts, and file
//! permissions; `retry-webhooks` and `dismiss-webhook` for bodies that did not apply.

use clap::Subcommand;

use super::{CliError, Context};
use crate::i18n::Tr;

#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Datenbank prüfen: Pfad, Schema, Integrität, Anzahl, Dateirechte
    Check {
        /// Ausgabe als JSON
        #[arg(long)]
        json: bool,
    },
    /// Webhooks, die nicht verarbeitet werden konnten, sofort noch einmal anwenden (geschieht sonst automatisch)
    RetryWebhooks,
    /// Einen unlesbaren Webhook als geprüft markieren: bleibt gespeichert, Werbung läuft wieder
    DismissWebhook {
        /// Nummer des Webhooks (aus »hofbote db check«)
        id: i64,
    },
}

pub fn run(cmd: DbCmd, ctx: &Context) -> Result<(), CliError> {
    let json = match cmd {
        DbCmd::Check { json } => json,
        DbCmd::RetryWebhooks => return retry_webhooks(ctx),
        DbCmd::DismissWebhook { id } => return dismiss_webhook(ctx, id),
    };
    let store = ctx.open_store()?;
    let report = store.check()?;
    let webhooks = store.webhook_backlog()?;
    let alerts = store.active_alerts()?;
    if json {
        #[derive(serde::Serialize)]
        struct Json<'a> {
            #[serde(flatten)]
            report: &'a crate::store::CheckReport,
            webhooks: &'a crate::store::webhooks::WebhookBacklog,
            alerts: Vec<(&'a str, &'a str)>,
        }
        let alerts = alerts.iter().map(|a| (a.kind.as_str(), a.message.as_str())).collect();
        let out = Json { report: &report, webhooks: &webhooks, alerts };
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| CliError::Message(e.to_string()))?);
    } else {
        let l = ctx.lang;
        let t = |de: &'static str, en: &'static str| Tr::new(de, en).get(l);
        println!("{}: {}", t("Datenbank", "Database"), report.path.display());
        println!("{}: {}", t("Konfiguration", "Configuration"), ctx.paths.config_file.display());
        println!("{}: {} / {}", t("Schema-Version", "Schema version"), report.user_version, report.latest_version);
        println!("{}: {}", t("Journal", "Journal"), report.journal_mode);
        println!(
            "{}: {}",
            t("Integrität", "Integrity"),
            if report.integrity_ok() { "ok".to_owned() } else { report.integrity.join("; ") }
        );
        for (table, n) in &report.counts {
            println!("  {table}: {n}");
        }
        print_webhooks(&webhooks, l);
        for a in &alerts {
            // Webhook alerts say themselves what to do (and they do not stop all sending).
            let text = if a.kind.starts_with("webhook_") {
                a.message.clone()
            } else {
                super::queue::alert_text(&a.kind, &a.message, l)
            };
            println!("{} {text}", Tr::new("WARNUNG:", "ALERT:").get(l));
        }
        let mode = |m: Option<u32>| m.map(|m| format!("{m:o}")).unwrap_or_else(|| "?".into());
        println!(
            "{}: {} ({}: {})",
            t("Dateirechte", "File mode"),
            mode(report.file_mode),
            t("Ordner", "directory"),
            mode(report.dir_mode)
        );
        if report.permissions_too_open() {
            println!(
                "{}",
                Tr::new(
                    "Warnung: Datenbank oder Ordner sind für andere lesbar. Führe aus: chmod 700 {0} && chmod 600 {1}",
                    "Warning: database or directory readable by others. Run: chmod 700 {0} && chmod 600 {1}",
                )
                .fill(l, &[&ctx.paths.data_dir.display(), &report.path.display()])
            );
        }
        check_private_files(ctx);
        if ctx.config.shop.name.trim().is_empty() {
            println!(
                "{}",
                Tr::new(
                    "Hinweis: [shop] name ist leer – Einwilligungen können erst erfasst werden, wenn der Hofname in {0} steht.",
                    "Note: [shop] name is empty – consent can only be recorded once the shop name is set in {0}.",
                )
                .fill(l, &[&ctx.paths.config_file.display()])
            );
        }
    }
    if !report.integrity_ok() {
        return Err(CliError::Integrity);
    }
    Ok(())
}

fn retry_webhooks(ctx: &Context) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let n = store.retry_failed_webhooks()?;
    let apply = crate::webhook::ApplyContext::from_config(&ctx.config);
    crate::webhook::apply_pending(&mut store, &apply)?;
    let still = store.failed_webhooks()?;
    println!(
        "{}",
        Tr::new(
            "{0} Webhooks erneut angewendet, {1} weiterhin fehlerhaft.",
            "{0} webhooks re-applied, {1} still failing."
        )
        .fill(ctx.lang, &[&n.saturating_sub(still.len()), &still.len()])
    );
    for (id, error) in still {
        println!("  #{id}: {}", super::output::terminal_safe(&error));
    }
    Ok(())
}

/// The unapplied webhook bodies: how many, and each one that failed with its reason and what happens next.
fn print_webhooks(w: &crate::store::webhooks::WebhookBacklog, l: crate::i18n::Lang) {
    println!(
        "{}",
        Tr::new(
            "Webhooks nicht angewendet: {0} (davon {1} fehlgeschlagen, werden automatisch wiederholt; {2} unlesbar)",
            "Webhooks not applied: {0} ({1} failed, retried automatically; {2} unreadable)",
        )
        .fill(l, &[&w.unapplied, &w.retrying, &w.unreadable])
    );
    for p in &w.problems {
        let what = if p.unreadable {
            Tr::new(
                "unlesbar, Werbung pausiert – prüfen, dann »hofbote db dismiss-webhook {0}«",
                "unreadable, marketing paused – check it, then `hofbote db dismiss-webhook {0}`",
            )
            .fill(l, &[&p.id])
        } else {
            Tr::new("{0} Versuche, nächster um {1}", "{0} attempts, next at {1}").fill(
                l,
                &[&p.attempts, &p.next_attempt_at.map(|t| t.format("%H:%M:%S").to_string()).unwrap_or_default()],
            )
        };
        println!("  #{}: {what}: {}", p.id, p.error);
    }
}

fn dismiss_webhook(ctx: &Context, id: i64) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    if store.dismiss_webhook(id)? {
        println!(
            "{}",
            Tr::new(
                "Webhook #{0} als geprüft markiert; er bleibt gespeichert. Werbung wird wieder verschickt.",
                "Webhook #{0} marked as checked; it stays stored. Marketing messages are sent again.",
            )
            .fill(ctx.lang, &[&id])
        );
        Ok(())
    } else {
        Err(CliError::Message(
            Tr::new(
                "Kein unlesbarer, offener Webhook #{0}. »hofbote db check« zeigt die offenen.",
                "No unreadable open webhook #{0}. `hofbote db check` lists the open ones.",
            )
            .fill(ctx.lang, &[&id]),
        ))
    }
}

/// Secrets, erasure journal and config folder must be private too (files 0600, folder 0700): prints their modes and
/// a warning with the fix when one is too open.
fn check_private_files(ctx: &Context) {
    let l = ctx.lang;
    let journal = crate::privacy::journal_path(&ctx.paths);
    let config_dir = ctx.paths.secrets_file.parent().map(std::path::Path::to_path_buf);
    let items = [
        (Tr::new("Geheimnisse", "Secrets"), Some(ctx.paths.secrets_file.clone()), false),
        (Tr::new("Löschjournal", "Erasure journal"), Some(journal), false),
        (Tr::new("Konfigurationsordner", "Configuration folder"), config_dir, true),
    ];
    for (label, path, is_dir) in items {
        let Some(path) = path else { continue };
        let Some(mode) = mode_of(&path) else { continue };
        println!("{}: {} ({mode:o})", label.get(l), path.display());
        if mode & 0o077 != 0 {
            let fix = if is_dir { "chmod 700" } else { "chmod 600" };
            println!(
                "{}",
                Tr::new(
                    "Warnung: {0} ist für andere lesbar. Führe aus: {1} {0}",
                    "Warning: {0} is readable by others. Run: {1} {0}"
                )
                .fill(l, &[&path.display(), &fix])
            );
        }
    }
}

fn mode_of(path: &std::path::Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}
