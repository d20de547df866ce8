//! `hofbote privacy …`: Auskunft (export), Löschen (erase, asks first), Aufbewahrung (sweep), the privacy notice, the
//! paper consent form, consent wordings and the record of processing. Only parses, asks and prints: the work is in
//! `crate::privacy`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::output::write_private;
use super::{CliError, Context};
use crate::domain::consent::Purpose;
use crate::domain::customer::{clean_text, display_safe};
use crate::domain::phone::{Phone, Recipient};
use crate::i18n::{Lang, Localized, Tr};
use crate::privacy::{PrivacyError, notice};

#[derive(Debug, Subcommand)]
pub enum PrivacyCmd {
    /// Auskunft (Art. 15/20): alles zu einer Nummer (oder WhatsApp-Kennung DE.…). Ohne --out als Text; mit --out DATEI als JSON in DATEI und
    /// als Text in DATEI.txt
    Export {
        phone: String,
        /// JSON-Datei (daneben die Textfassung mit Endung .txt)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// JSON statt Text auf die Standardausgabe
        #[arg(long, conflicts_with = "out")]
        json: bool,
    },
    /// Löschen (Art. 17): Kunde, Nachrichten, Webhook-Daten und Protokollzeilen; Nachweise bleiben pseudonymisiert
    Erase {
        phone: String,
        /// Ohne Rückfrage (für Skripte)
        #[arg(long)]
        yes: bool,
    },
    /// Aufbewahrungsfristen anwenden (mit --dry-run nur anzeigen)
    Sweep {
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Datenschutzhinweise nach Art. 13 DSGVO (Markdown)
    Notice,
    /// Einwilligungsformular zum Ausdrucken (Text oder --html)
    Form {
        #[arg(long)]
        html: bool,
        /// Formularnummer vorab eintragen
        #[arg(long, value_name = "NR")]
        number: Option<String>,
    },
    /// Einwilligungstexte anzeigen oder mit --new eine neue Version anlegen
    Wording {
        /// service, marketing (oder termine, angebote)
        #[arg(long)]
        purpose: Option<String>,
        /// Neuer Text (wird neue Version; alte bleiben für den Nachweis)
        #[arg(long, value_name = "TEXT", requires = "purpose")]
        new: Option<String>,
    },
    /// Verarbeitungsverzeichnis nach Art. 30 DSGVO (Markdown)
    Record,
}

/// A privacy error as a CLI error in the user's language.
pub(crate) fn privacy_error(e: PrivacyError, lang: Lang) -> CliError {
    match e {
        PrivacyError::Store(e) => CliError::Store(e),
        PrivacyError::Secrets(e) => CliError::Secrets(e),
        other => CliError::Message(other.localized(lang)),
    }
}

pub fn run(cmd: PrivacyCmd, ctx: &Context) -> Result<(), CliError> {
    let l = ctx.lang;
    let perr = |e| privacy_error(e, l);
    match cmd {
        PrivacyCmd::Export { phone, out, json } => {
            let phone = parse_phone(&phone, ctx)?;
            let store = ctx.open_store()?;
            let key = ctx.secrets().ok().and_then(|s| s.erasure_key);
            let x = crate::privacy::export(&store, &ctx.config, key.as_ref().map(crate::privacy::key_bytes), &phone)
                .map_err(perr)?;
            let json_text = serde_json::to_string_pretty(&x).map_err(|e| CliError::Message(e.to_string()))?;
            let text = crate::privacy::export::render_text(&x, l);
            match out {
                None if json => println!("{json_text}"),
                None => print!("{}", super::output::terminal_safe(&text)),
                Some(path) => {
                    let txt = text_path(&path);
                    write_private(&path, json_text.as_bytes())?;
                    write_private(&txt, text.as_bytes())?;
                    println!(
                        "{}",
                        Tr::new(
                            "Auskunft geschrieben: {0} (JSON) und {1} (Text).",
                            "Export written: {0} (JSON) and {1} (text)."
                        )
                        .fill(l, &[&path.display(), &txt.display()])
                    );
                }
            }
            Ok(())
        }
        PrivacyCmd::Erase { phone, yes } => erase(&phone, yes, ctx),
        PrivacyCmd::Sweep { dry_run, json } => {
            let mut store = ctx.open_store()?;
            let r = crate::privacy::sweep(&mut store, &ctx.config, &ctx.paths, dry_run).map_err(perr)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r).map_err(|e| CliError::Message(e.to_string()))?);
                return Ok(());
            }
            let head = if dry_run {
                Tr::new(
                    "Aufbewahrung – würde löschen (nichts geändert):",
                    "Retention – would delete (nothing changed):",
                )
            } else {
                Tr::new("Aufbewahrung – gelöscht:", "Retention – deleted:")
            };
            println!("{}", head.get(l));
            let rows: [(Tr, usize); 8] = [
                (Tr::new("gesendete Nachrichten", "messages sent"), r.messages_sent),
                (Tr::new("empfangene Nachrichten", "messages received"), r.messages_received),
                (Tr::new("Rundnachrichten", "broadcasts"), r.broadcasts),
                (
                    Tr::new("Meldungen von WhatsApp im Originalformat", "raw webhook bodies"),
                    r.webhook_bodies + r.effect_keys,
                ),
                (Tr::new("nicht bestätigte Anmeldungen", "unconfirmed sign-ups"), r.unconfirmed_signups),
                (Tr::new("pseudonymisierte Nachweise", "pseudonymised ledger rows"), r.pseudonymised_rows),
                (Tr::new("Protokolldateien", "log files"), r.log_files.len()),
                (Tr::new("alte Datenbankkopien", "old database copies"), r.migration_copies.len()),
            ];
            for (label, n) in rows {
                println!("  {}: {n}", label.get(l));
            }
            Ok(())
        }
        PrivacyCmd::Notice => {
            print!("{}", notice::privacy_notice(&ctx.config, l));
            Ok(())
        }
        PrivacyCmd::Form { html, number } => {
            let wordings = wordings(ctx)?;
            let n = number.as_deref();
            if html {
                print!("{}", notice::consent_form_html(&ctx.config, &wordings, n, l));
            } else {
                print!("{}", notice::consent_form_text(&ctx.config, &wordings, n, l));
            }
            Ok(())
        }
        PrivacyCmd::Wording { purpose, new } => {
            let purpose = purpose.as_deref().map(parse_purpose).transpose()?;
            if let (Some(p), Some(text)) = (purpose, new.as_deref()) {
                let text = clean_text(text);
                if text.is_empty() {
                    return Err(CliError::Usage(Tr::new("--new: der Text ist leer.", "--new: the text is empty.")));
                }
                let mut store = ctx.open_store()?;
                let _ = wordings(ctx)?;
                let w = store.add_wording(p, &text)?;
                store.audit(&ctx.actor(), "wording_added", &format!("{} v{}", p.as_str(), w.version))?;
                println!(
                    "{}",
                    Tr::new(
                        "Neuer Einwilligungstext {0} Version {1} gespeichert.",
                        "New consent wording {0} version {1} saved."
                    )
                    .fill(l, &[&p.label().get(l), &w.version])
                );
                return Ok(());
            }
            for w in wordings(ctx)?.iter().filter(|w| purpose.is_none_or(|p| p == w.purpose)) {
                println!(
                    "{} v{} ({}):\n  „{}“",
                    w.purpose.label().get(l),
                    w.version,
                    crate::privacy::datetime(w.created_at, l),
                    display_safe(&w.text)
                );
            }
            Ok(())
        }
        PrivacyCmd::Record => {
            print!("{}", notice::processing_record(&ctx.config, l));
            Ok(())
        }
    }
}

/// All wording versions; version 1 is generated first when the shop name is set.
pub(crate) fn wordings(ctx: &Context) -> Result<Vec<crate::domain::consent::Wording>, CliError> {
    let mut store = ctx.open_store()?;
    if !ctx.config.shop.name.trim().is_empty() {
        store.ensure_default_wordings(&ctx.config.shop.name, &ctx.config.shop.address)?;
    }
    let w = store.wordings()?;
    if w.is_empty() {
        return Err(CliError::Store(crate::domain::consent::ConsentError::ShopNameMissing.into()));
    }
    Ok(w)
}

fn parse_purpose(s: &str) -> Result<Purpose, CliError> {
    match s.trim().to_lowercase().as_str() {
        "termine" => Ok(Purpose::Service),
        "angebote" | "werbung" => Ok(Purpose::Marketing),
        other => Ok(other.parse()?),
    }
}

/// A number in any usual spelling, or the WhatsApp user id (`DE.1349…`) of a person who shared no number.
fn parse_phone(s: &str, ctx: &Context) -> Result<Recipient, CliError> {
    if crate::domain::phone::is_user_id(s.trim()) {
        return Ok(Recipient::UserId(s.trim().to_owned()));
    }
    Phone::parse(s, ctx.config.shop.region()).map(Recipient::Phone).map_err(|e| CliError::phone("PHONE", e))
}

/// `auskunft.json` → `auskunft.txt`; `auskunft` → `auskunft.txt`; `x.txt` → `x.txt.txt` (never the JSON file).
fn text_path(json: &Path) -> PathBuf {
    if json.extension().is_some_and(|e| e == "txt") {
        let mut p = json.as_os_str().to_owned();
        p.push(".txt");
        PathBuf::from(p)
    } else {
        json.with_extension("txt")
    }
}

/// Asks on the terminal; `None` when stdin is not a terminal.
pub(crate) fn ask(question: &str) -> Option<String> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    eprint!("{question} ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    Some(line.trim().to_owned())
}

pub(crate) fn is_yes(answer: &str) -> bool {
    matches!(answer.to_lowercase().as_str(), "j" | "ja" | "y" | "yes")
}

fn erase(phone: &str, yes: bool, ctx: &Context) -> Result<(), CliError> {
    let l = ctx.lang;
    let phone = parse_phone(phone, ctx)?;
    let key = crate::config::ensure_erasure_key(&ctx.paths.secrets_file, &crate::config::Secrets::process_env)?;
    let mut store = ctx.open_store()?;
    let p = crate::privacy::erase::preview(&store, &phone).map_err(|e| privacy_error(e, l))?;
    let shown = match &phone {
        Recipient::Phone(p) => p.display_for(ctx.config.shop.region()),
        Recipient::UserId(u) => u.clone(),
    };
    if !yes {
        let question = match &p.customer {
            Some(c) => Tr::new(
                "Kunde {0} ({1}) wirklich löschen? {2} Nachweise werden pseudonymisiert, {3} gesendete und {4} empfangene Nachrichten gelöscht. Tippe den Namen zur Bestätigung:",
                "Really erase customer {0} ({1})? {2} ledger rows will be pseudonymised, {3} sent and {4} received messages deleted. Type the name to confirm:",
            )
            .fill(l, &[&display_safe(&c.name), &shown, &p.ledger_rows, &p.outbox_rows, &p.inbound_messages]),
            None => Tr::new(
                "Zu {0} gibt es keinen Kunden ({1} gesendete, {2} empfangene Nachrichten). Trotzdem alle Spuren löschen? [j/N]",
                "There is no customer with {0} ({1} sent, {2} received messages). Erase all traces anyway? [y/N]",
            )
            .fill(l, &[&shown, &p.outbox_rows, &p.inbound_messages]),
        };
        let Some(answer) = ask(&question) else {
            return Err(CliError::Usage(Tr::new(
                "Löschen braucht eine Bestätigung: im Terminal ausführen oder --yes angeben.",
                "Erasing needs confirmation: run it in a terminal or pass --yes.",
            )));
        };
        let confirmed = match &p.customer {
            Some(c) => clean_text(&answer).to_lowercase() == c.name.to_lowercase(),
            None => is_yes(&answer),
        };
        if !confirmed {
            return Err(CliError::Message(
                Tr::new("Abgebrochen – nichts gelöscht.", "Cancelled – nothing erased.").get(l).into(),
            ));
        }
    }
    let r = crate::privacy::erase(
        &mut store,
        &ctx.paths,
        &ctx.config,
        crate::privacy::key_bytes(&key),
        &phone,
        &ctx.actor(),
    )
    .map_err(|e| privacy_error(e, l))?;
    println!(
        "{}",
        Tr::new(
            "Gelöscht: {0} – {1} gesendete und {2} empfangene Nachrichten, {3} Meldungen von WhatsApp im Originalformat bereinigt, {4} Protokollzeilen.",
            "Erased: {0} – {1} sent and {2} received messages, {3} raw webhook bodies cleaned, {4} log lines.",
        )
        .fill(l, &[&shown, &r.outbox_rows, &r.inbound_messages, &(r.webhook_bodies_redacted + r.webhook_bodies_deleted), &r.log_lines])
    );
    if let Some(until) = r.keep_until {
        println!(
            "{}",
            Tr::new(
                "{0} Einwilligungsnachweise bleiben pseudonymisiert bis {1} (Abwehr von Rechtsansprüchen, Art. 17 Abs. 3 lit. e DSGVO).",
                "{0} consent ledger rows stay pseudonymised until {1} (defence of legal claims, Art. 17(3)(e) GDPR).",
            )
            .fill(l, &[&r.pseudonymised_events, &crate::privacy::datetime(until, l)])
        );
    }
    if r.suppressed {
        println!(
            "{}",
            Tr::new(
                "Die Nummer steht jetzt auf der Sperrliste für Werbung: ein späterer Import bekommt keine Angebote.",
                "The number is now on the marketing suppression list: a later import gets no offers.",
            )
            .get(l)
        );
    }
    for p in &r.migration_copies_deleted {
        println!(
            "{}",
            Tr::new("Alte Datenbankkopie gelöscht: {0}", "Old database copy deleted: {0}").fill(l, &[&p.display()])
        );
    }
    if !r.wal_truncated {
        println!(
            "{}",
            Tr::new(
                "Hinweis: ein anderer hofbote hält die Datenbank offen; alte Seiten im WAL werden erst beim nächsten Checkpoint überschrieben. Führe den Befehl nach dem Beenden des Dienstes noch einmal aus.",
                "Note: another hofbote keeps the database open; old pages in the WAL are only overwritten at the next checkpoint. Run the command again after stopping the service.",
            )
            .get(l)
        );
    }
    Ok(())
}
