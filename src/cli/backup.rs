//! `hofbote backup …`: create an encrypted backup (works while hofbote runs), restore one (asks first, refuses while
//! a sender runs), and make a key pair for unattended backups. The passphrase never comes from a command-line
//! argument: `HOFBOTE_BACKUP_PASSPHRASE`, `--passphrase-file`, or a prompt without echo.

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use clap::Subcommand;

use super::privacy::{ask, is_yes, privacy_error};
use super::{CliError, Context};
use crate::i18n::Tr;
use crate::privacy::PrivacyError;
use crate::privacy::backup::{RestoreTarget, Seal, Unseal};

pub const ENV_PASSPHRASE: &str = "HOFBOTE_BACKUP_PASSPHRASE";

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// Verschlüsselte Sicherung anlegen (geht auch, während hofbote läuft)
    Create {
        /// Zieldatei (Standard: [backup] directory, sonst Datenordner/backups, Name hofbote-DATUM.sqlite.age)
        file: Option<PathBuf>,
        /// Passwort aus dieser Datei (erste Zeile) statt Abfrage
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// age-Empfängerschlüssel (age1…) statt [backup] recipient
        #[arg(long, value_name = "AGE1…")]
        recipient: Option<String>,
    },
    /// Sicherung zurückspielen (ersetzt die Datenbank; nicht während der Dienst läuft)
    Restore {
        file: PathBuf,
        /// Ohne Rückfrage (für Skripte)
        #[arg(long)]
        yes: bool,
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// age-Schlüsseldatei (von hofbote backup keygen) statt Passwort
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
    },
    /// Schlüsselpaar für unbeaufsichtigte Sicherungen anlegen (geheimer Teil in DATEI, öffentlicher für die Konfiguration)
    Keygen { identity_file: PathBuf },
}

pub fn run(cmd: BackupCmd, ctx: &Context) -> Result<(), CliError> {
    let l = ctx.lang;
    let perr = |e| privacy_error(e, l);
    match cmd {
        BackupCmd::Create { file, passphrase_file, recipient } => {
            let out = match file {
                Some(f) => f,
                None => default_target(ctx)?,
            };
            let seal = match given_passphrase(passphrase_file.as_deref())? {
                Some(p) => Seal::Passphrase(p),
                None => match recipient
                    .or_else(|| Some(ctx.config.backup.recipient.clone()).filter(|r| !r.trim().is_empty()))
                {
                    Some(r) => Seal::Recipient(r),
                    None => Seal::Passphrase(prompt_new_passphrase(ctx)?),
                },
            };
            let info =
                crate::privacy::backup::create(&ctx.paths.db_file, &out, &seal, ctx.clock.now()).map_err(perr)?;
            println!(
                "{}",
                Tr::new(
                    "Sicherung angelegt: {0} ({1} Bytes, verschlüsselt).",
                    "Backup created: {0} ({1} bytes, encrypted)."
                )
                .fill(l, &[&info.file.display(), &info.encrypted_bytes])
            );
            Ok(())
        }
        BackupCmd::Restore { file, yes, passphrase_file, identity } => {
            if crate::queue::lock::is_held(&ctx.paths.db_file) || crate::queue::lock::someone_waits(&ctx.paths.db_file)
            {
                return Err(perr(PrivacyError::SenderRunning));
            }
            if !yes {
                let q = Tr::new(
                    "Die Datenbank {0} wird durch die Sicherung {1} ersetzt. Änderungen seit der Sicherung gehen verloren; Löschungen werden erneut angewendet, offene Rundnachrichten pausiert. Fortfahren? [j/N]",
                    "The database {0} will be replaced by the backup {1}. Changes since the backup are lost; erasures are applied again, open broadcasts paused. Continue? [y/N]",
                )
                .fill(l, &[&ctx.paths.db_file.display(), &file.display()]);
                match ask(&q) {
                    None => {
                        return Err(CliError::Usage(Tr::new(
                            "Zurückspielen braucht eine Bestätigung: im Terminal ausführen oder --yes angeben.",
                            "Restoring needs confirmation: run it in a terminal or pass --yes.",
                        )));
                    }
                    Some(a) if !is_yes(&a) => {
                        return Err(CliError::Message(
                            Tr::new("Abgebrochen – nichts geändert.", "Cancelled – nothing changed.").get(l).into(),
                        ));
                    }
                    Some(_) => {}
                }
            }
            let unseal = match identity {
                Some(path) => Unseal::Identities(SecretString::from(read_secret_file(&path, false)?)),
                None => match given_passphrase(passphrase_file.as_deref())? {
                    Some(p) => Unseal::Passphrase(p),
                    None => Unseal::Passphrase(prompt(ctx, Tr::new("Passwort der Sicherung:", "Backup passphrase:"))?),
                },
            };
            let key = crate::config::ensure_erasure_key(&ctx.paths.secrets_file, &crate::config::Secrets::process_env)?;
            let journal = crate::privacy::journal_path(&ctx.paths);
            let actor = ctx.actor();
            let target = RestoreTarget {
                db: &ctx.paths.db_file,
                journal: &journal,
                erasure_key: crate::privacy::key_bytes(&key),
                ledger_years: ctx.config.privacy.pseudonymised_ledger_years,
                actor: &actor,
                clock: ctx.clock.clone(),
            };
            let r = crate::privacy::backup::restore(&file, &unseal, &target).map_err(perr)?;
            let st = &r.settled;
            let taken = st.backup_taken_at.map(|t| super::output::datetime(t, l)).unwrap_or_else(|| "?".into());
            println!(
                "{}",
                Tr::new(
                    "Sicherung vom {0} zurückgespielt: {1} Kunden, {2} gelöschte Personen erneut gelöscht, {3} Rundnachrichten angehalten.",
                    "Backup of {0} restored: {1} customers, {2} erased people erased again, {3} broadcasts paused.",
                )
                .fill(l, &[&taken, &r.customers, &r.erased_again, &r.broadcasts_paused])
            );
            println!(
                "{}",
                Tr::new(
                    "Laut Versandprotokoll seit der Sicherung: {0} gesendet (als gesendet gezählt), {1} nicht gesendet (warten wieder), {2} Antworten verworfen.",
                    "Per the send journal since the backup: {0} sent (counted as sent), {1} not sent (waiting again), {2} replies dropped.",
                )
                .fill(l, &[&st.rows_accepted, &st.rows_queued, &st.rows_cancelled])
            );
            if st.rows_unclear > 0 {
                println!(
                    "{}",
                    Tr::new(
                        "{0} Empfänger unklar nach Wiederherstellung: Sie könnten die Nachricht schon bekommen haben. In »hofbote queue list« entscheidest du je Rundnachricht: hofbote queue resume NR --unclear send (trotzdem senden) oder --unclear mark-sent (als gesendet zählen).",
                        "{0} recipients unclear after restore: they may have got the message already. In `hofbote queue list` decide per broadcast: hofbote queue resume NO --unclear send (send anyway) or --unclear mark-sent (count as sent).",
                    )
                    .fill(l, &[&st.rows_unclear])
                );
            }
            if r.broadcasts_paused > 0 {
                println!(
                    "{}",
                    Tr::new(
                        "Prüfe die Warteschlange (hofbote queue list) und setze fort mit hofbote queue resume NR.",
                        "Check the queue (hofbote queue list) and continue with hofbote queue resume NO.",
                    )
                    .get(l)
                );
            }
            if r.journal_lines_unreadable > 0 {
                eprintln!(
                    "{}",
                    Tr::new(
                        "Warnung: {0} Zeilen im Löschjournal {1} sind unlesbar.",
                        "Warning: {0} lines of the erasure journal {1} are unreadable."
                    )
                    .fill(l, &[&r.journal_lines_unreadable, &journal.display()])
                );
            }
            Ok(())
        }
        BackupCmd::Keygen { identity_file } => {
            let recipient = crate::privacy::backup::keygen(&identity_file, ctx.clock.now()).map_err(perr)?;
            println!(
                "{}",
                Tr::new(
                    "Schlüssel geschrieben: {0} (geheim – bewahre eine Kopie getrennt vom Rechner auf, ohne sie lassen sich die Sicherungen nicht öffnen).\nTrage in die Konfiguration ein:\n[backup]\nrecipient = \"{1}\"",
                    "Key written: {0} (secret – keep a copy away from this computer; without it the backups cannot be opened).\nAdd to the configuration:\n[backup]\nrecipient = \"{1}\"",
                )
                .fill(l, &[&identity_file.display(), &recipient])
            );
            Ok(())
        }
    }
}

fn default_target(ctx: &Context) -> Result<PathBuf, CliError> {
    let dir = ctx.config.backup.directory.trim();
    let dir = if dir.is_empty() { ctx.paths.data_dir.join("backups") } else { PathBuf::from(dir) };
    crate::store::create_private_dir(&dir)?;
    Ok(dir.join(crate::privacy::backup::default_file_name(ctx.clock.now())))
}

/// The passphrase from `HOFBOTE_BACKUP_PASSPHRASE` or the given file, if any.
fn given_passphrase(file: Option<&Path>) -> Result<Option<SecretString>, CliError> {
    if let Some(f) = file {
        return Ok(Some(SecretString::from(read_secret_file(f, true)?)));
    }
    Ok(std::env::var(ENV_PASSPHRASE).ok().filter(|p| !p.is_empty()).map(SecretString::from))
}

/// A secret file: the whole text, or only its first line.
fn read_secret_file(path: &Path, first_line: bool) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Io { path: path.display().to_string(), message: e.to_string() })?;
    if first_line {
        let line = text.lines().next().unwrap_or("").trim_end_matches('\r').to_owned();
        if line.is_empty() {
            return Err(CliError::Usage(Tr::new("Die Passwortdatei ist leer.", "The passphrase file is empty.")));
        }
        return Ok(line);
    }
    Ok(text)
}

fn prompt(ctx: &Context, question: Tr) -> Result<SecretString, CliError> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(privacy_error(PrivacyError::NoPassphrase, ctx.lang));
    }
    let p = rpassword::prompt_password(format!("{} ", question.get(ctx.lang)))
        .map_err(|e| CliError::Message(e.to_string()))?;
    if p.is_empty() {
        return Err(privacy_error(PrivacyError::NoPassphrase, ctx.lang));
    }
    Ok(SecretString::from(p))
}

fn prompt_new_passphrase(ctx: &Context) -> Result<SecretString, CliError> {
    use age::secrecy::ExposeSecret;
    let first = prompt(ctx, Tr::new("Neues Passwort für die Sicherung:", "New backup passphrase:"))?;
    let again = prompt(ctx, Tr::new("Passwort wiederholen:", "Repeat the passphrase:"))?;
    if first.expose_secret() != again.expose_secret() {
        return Err(CliError::Message(
            Tr::new(
                "Die Passwörter stimmen nicht überein. Nichts gesichert.",
                "The passphrases differ. Nothing backed up.",
            )
            .get(ctx.lang)
            .into(),
        ));
    }
    Ok(first)
}
