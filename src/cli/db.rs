//! `hofbote db check`: path, schema version, integrity, counts and file permissions.

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
    /// Webhooks, die nicht verarbeitet werden konnten, noch einmal anwenden
    RetryWebhooks,
}

pub fn run(cmd: DbCmd, ctx: &Context) -> Result<(), CliError> {
    let json = match cmd {
        DbCmd::Check { json } => json,
        DbCmd::RetryWebhooks => return retry_webhooks(ctx),
    };
    let store = ctx.open_store()?;
    let report = store.check()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| CliError::Message(e.to_string()))?);
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
    let apply =
        crate::webhook::ApplyContext { shop_name: ctx.config.shop.name.clone(), region: ctx.config.shop.region() };
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
