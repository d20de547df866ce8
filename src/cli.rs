//! The command line (clap): global options, subcommands, and the dispatch to each command's module in `cli/`.
//! Output for people is German or English; `--format json` is a stable schema with English keys whatever `--lang`
//! says. Errors end the process with a one-line message and a non-zero exit code. Must not draw the TUI itself.

mod backup;
mod consent;
mod customers;
mod db;
mod demo;
mod error;
mod output;
mod privacy;
mod qr;
mod queue;
mod sandbox;
mod send;
mod serve;
mod service;
pub mod templates;
mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

pub use customers::render_table as render_customer_table;
pub use error::CliError;
pub use output::ascii_terminal;

use crate::clock::{ManualClock, SharedClock};
use crate::config::{Config, Paths, Secrets};
use crate::i18n::{Lang, Localized};

/// hofbote – Kundennachrichten für den Hofladen über WhatsApp, mit nachweisbarer Einwilligung.
#[derive(Debug, Parser)]
#[command(name = "hofbote", version, about, long_about = None)]
pub struct Cli {
    /// Datenbankdatei (Standard: ~/.local/share/hofbote/hofbote.sqlite)
    #[arg(long, env = "HOFBOTE_DB", global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Konfigurationsdatei (Standard: ~/.config/hofbote/config.toml)
    #[arg(long, env = crate::config::ENV_CONFIG, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Sprache der Ausgabe: de oder en (Standard: Konfiguration, dann LANG, dann Deutsch)
    #[arg(long, value_enum, global = true)]
    pub lang: Option<Lang>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Demo mit eigener Demo-Datenbank (nichts wird wirklich verschickt)
    Demo {
        /// Demo-Datenbank neu anlegen
        #[arg(long)]
        reset: bool,
    },
    /// Kunden anlegen, auflisten, importieren, exportieren
    #[command(subcommand)]
    Customers(customers::CustomersCmd),
    /// Einwilligungen erfassen, widerrufen, anzeigen
    #[command(subcommand)]
    Consent(consent::ConsentCmd),
    /// Datenbank prüfen
    #[command(subcommand)]
    Db(db::DbCmd),
    /// WhatsApp-Vorlagen abgleichen und anzeigen
    #[command(subcommand)]
    Templates(templates::TemplatesCmd),
    /// Rundnachricht prüfen und einreihen
    Send(send::SendArgs),
    /// Warteschlange: Rundnachrichten anzeigen und steuern
    #[command(subcommand)]
    Queue(queue::QueueCmd),
    /// Dienst: Webhooks empfangen und senden (für systemd)
    Serve {
        /// Adresse für den Webhook-Empfang
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// Dienst für systemd einrichten (damit geplante Nachrichten auch bei geschlossener App rausgehen)
    #[command(subcommand)]
    Service(service::ServiceCmd),
    /// Eingebauter Sandkasten: Nachbildung der WhatsApp-Cloud-API für Demo und Tests
    Sandbox(sandbox::SandboxArgs),
    /// Shell-Vervollständigung ausgeben (bash, zsh, fish, …)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Handbuchseite (man) ausgeben
    Man,
    /// Datenschutz: Auskunft, Löschen, Aufbewahrung, Hinweise, Formular, Einwilligungstexte
    #[command(subcommand)]
    Privacy(privacy::PrivacyCmd),
    /// Verschlüsselte Sicherung anlegen und zurückspielen
    #[command(subcommand)]
    Backup(backup::BackupCmd),
    /// QR-Code für den Aushang an der Ladentheke
    Qr(qr::QrArgs),
    /// Einen Bildschirm der Oberfläche als Text ausgeben
    Snapshot {
        #[arg(long, value_enum)]
        screen: crate::tui::Screen,
        /// Größe als BREITExHÖHE, z. B. 80x24
        #[arg(long, default_value = "80x24")]
        size: String,
    },
}

/// Everything a command needs: paths, config, language, clock.
pub struct Context {
    pub paths: Paths,
    pub config: Config,
    pub lang: Lang,
    pub clock: SharedClock,
}

impl Context {
    /// Opens the database (creating and migrating it when needed).
    pub fn open_store(&self) -> Result<crate::store::Store, CliError> {
        let mut store = crate::store::Store::open(&self.paths.db_file, self.clock.clone())?;
        // Commands that need the secrets load them themselves and report problems; here a missing key only means
        // that suppressed numbers cannot be recognised.
        if let Ok(Some(key)) = self.secrets().map(|s| s.erasure_key) {
            store.set_erasure_key(Some(crate::privacy::key_bytes(&key).to_vec()));
        }
        Ok(store)
    }

    pub fn secrets(&self) -> Result<Secrets, CliError> {
        Ok(Secrets::load(&self.paths.secrets_file, &Secrets::process_env)?)
    }

    /// Who is recording things: `$USER`, else "hofbote".
    pub fn actor(&self) -> String {
        std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "hofbote".into())
    }
}

/// The clock: the system clock, or a fixed time from `HOFBOTE_NOW` (RFC 3339; for tests and screenshots).
pub fn clock_from_env() -> SharedClock {
    match std::env::var("HOFBOTE_NOW").ok().and_then(|v| chrono::DateTime::parse_from_rfc3339(&v).ok()) {
        Some(at) => Arc::new(ManualClock::new(at.with_timezone(&chrono::Utc))),
        None => crate::clock::system(),
    }
}

/// Parses the command line, runs the command, prints errors as one line; returns the exit code.
pub fn main_entry() -> ExitCode {
    let cli = Cli::parse();
    let fallback_lang = cli.lang.unwrap_or_else(|| Config::default().language());
    let paths = Paths::resolve(cli.config.clone(), cli.db.clone());
    let config = match Config::load(&paths.config_file) {
        Ok(c) => c,
        Err(e) => return fail(&CliError::Config(e), fallback_lang),
    };
    let lang = cli.lang.unwrap_or_else(|| config.language());
    let ctx = Context { paths, config, lang, clock: clock_from_env() };
    match run(cli.command, &ctx) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e, lang),
    }
}

fn fail(e: &CliError, lang: Lang) -> ExitCode {
    let prefix = match lang {
        Lang::De => "Fehler",
        Lang::En => "Error",
    };
    let text = e.localized(lang).replace('\n', " ");
    // Error texts quote file cells, paths and names.
    eprintln!("{prefix}: {}", output::terminal_safe(&text));
    ExitCode::from(e.exit_code())
}

fn run(command: Option<Command>, ctx: &Context) -> Result<(), CliError> {
    match command {
        None => terminal::run(ctx),
        Some(Command::Demo { reset }) => demo::run(ctx, reset),
        Some(Command::Customers(cmd)) => customers::run(cmd, ctx),
        Some(Command::Consent(cmd)) => consent::run(cmd, ctx),
        Some(Command::Db(cmd)) => db::run(cmd, ctx),
        Some(Command::Templates(cmd)) => templates::run(cmd, ctx),
        Some(Command::Send(args)) => send::run(args, ctx),
        Some(Command::Queue(cmd)) => queue::run(cmd, ctx),
        Some(Command::Serve { listen }) => serve::run(ctx, listen),
        Some(Command::Sandbox(args)) => sandbox::run(args, ctx),
        Some(Command::Service(cmd)) => service::run(cmd, ctx),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "hofbote", &mut out);
            write_stdout(&out)?;
            Ok(())
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            write_stdout(&out)?;
            Ok(())
        }
        Some(Command::Privacy(cmd)) => privacy::run(cmd, ctx),
        Some(Command::Backup(cmd)) => backup::run(cmd, ctx),
        Some(Command::Qr(args)) => qr::run(args, ctx),
        Some(Command::Snapshot { screen, size }) => terminal::snapshot(ctx, screen, &size),
    }
}

/// Writes to stdout; a reader that stopped early (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    match std::io::Write::write_all(&mut std::io::stdout(), bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// A tokio runtime for commands that talk HTTP.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::from)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        // Catches clashes such as a subcommand argument shadowing a global one (which panics at run time).
        super::Cli::command().debug_assert();
    }
}
