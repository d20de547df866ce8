//! `hofbote customers …`: add, list (table, CSV, JSON), import, export.

use clap::{Subcommand, ValueEnum};

use super::output::{ascii_terminal, consent_symbol, table, terminal_safe, write_private};
use super::{CliError, Context};
use crate::domain::customer::{CustomerDraft, CustomerRow};
use crate::domain::phone::Phone;
use crate::i18n::{Lang, Localized, Tr};
use crate::store::customers::CustomerFilter;

#[derive(Debug, Subcommand)]
pub enum CustomersCmd {
    /// Einen Kunden anlegen
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long)]
        phone: String,
        /// Schlagwort, mehrfach möglich (z. B. --tag Rind --tag Eier)
        #[arg(long = "tag")]
        tags: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Kunden auflisten
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Nur Kunden mit diesem Schlagwort (mehrfach: eines davon)
        #[arg(long = "tag")]
        tags: Vec<String>,
    },
    /// Kunden aus CSV oder vCard importieren (ohne --apply nur Probelauf)
    Import {
        file: std::path::PathBuf,
        /// Wirklich schreiben (alles in einer Transaktion)
        #[arg(long)]
        apply: bool,
        /// Quelle der Einwilligungen in der Datei, z. B. shop_form (nur mit Einwilligungs-Spalten samt Datum und Version)
        #[arg(long, requires = "consent_evidence")]
        consent_source: Option<String>,
        /// Nachweis, z. B. "Papierformulare 2025, Ordner 3"
        #[arg(long, requires = "consent_source")]
        consent_evidence: Option<String>,
    },
    /// Kunden als CSV exportieren (UTF-8, Komma, mit Einwilligungsstand)
    Export {
        file: std::path::PathBuf,
        /// Sprache der Kopfzeile: de (Name, Vorname, Telefon, Schlagworte …) oder en für Skripte; ohne Angabe die der
        /// Oberfläche. Beide liest der Import wieder ein.
        #[arg(long, value_enum)]
        headers: Option<Headers>,
    },
}

/// The language of the export's header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Headers {
    De,
    En,
}

/// Import and export (separate enum part so the variants stay readable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

pub fn run(cmd: CustomersCmd, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        CustomersCmd::Import { file, apply, consent_source, consent_evidence } => {
            import(ctx, &file, apply, consent_source.zip(consent_evidence))
        }
        CustomersCmd::Export { file, headers } => {
            let store = ctx.open_store()?;
            let rows = store.list_customers(&CustomerFilter::default())?;
            let header_lang = match headers {
                Some(Headers::De) => Lang::De,
                Some(Headers::En) => Lang::En,
                None => ctx.lang,
            };
            let mut csv = Vec::new();
            crate::import::export_csv(&rows, header_lang, &mut csv)
                .map_err(|e| CliError::Message(e.localized(ctx.lang)))?;
            write_private(&file, &csv)?;
            println!(
                "{}",
                terminal_safe(
                    &Tr::new("{0} Kunden exportiert nach {1}.", "{0} customers exported to {1}.")
                        .fill(ctx.lang, &[&rows.len(), &file.display()])
                )
            );
            Ok(())
        }
        CustomersCmd::Add { name, first_name, phone, tags, note } => {
            let phone = Phone::parse(&phone, ctx.config.shop.region()).map_err(|e| CliError::phone("--phone", e))?;
            let draft = CustomerDraft::new(&name, &first_name, phone, &tags, &note)?;
            let mut store = ctx.open_store()?;
            let c = store.insert_customer(&draft)?;
            store.audit(&ctx.actor(), "customer_added", &format!("id {}", c.id))?;
            println!(
                "{}",
                terminal_safe(
                    &Tr::new("Kunde angelegt: {0} ({1})", "Customer added: {0} ({1})")
                        .fill(ctx.lang, &[&c.name, &c.phone_label_for(ctx.config.shop.region(), ctx.lang)])
                )
            );
            Ok(())
        }
        CustomersCmd::List { format, tags } => {
            let store = ctx.open_store()?;
            let rows = store.list_customers(&CustomerFilter { tags })?;
            let ascii = ctx.config.ui.ascii || ascii_terminal();
            match format {
                Format::Table => print!("{}", render_table(&rows, ctx, ascii)),
                Format::Json => {
                    println!("{}", serde_json::to_string_pretty(&rows).map_err(|e| CliError::Message(e.to_string()))?)
                }
                Format::Csv => print!("{}", render_csv(&rows, ctx.lang)?),
            }
            Ok(())
        }
    }
}

/// The customer list as a table, with a count line.
pub fn render_table(rows: &[CustomerRow], ctx: &Context, ascii: bool) -> String {
    let header = match ctx.lang {
        Lang::De => ["Name", "Telefon", "Schlagworte", "Service", "Werbung"],
        Lang::En => ["Name", "Phone", "Tags", "Service", "Marketing"],
    };
    let region = ctx.config.shop.region();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.customer.name.clone(),
                r.customer.phone_label_for(region, ctx.lang),
                r.customer.tags.join(", "),
                consent_symbol(r.consent.service, ascii).to_owned(),
                consent_symbol(r.consent.marketing, ascii).to_owned(),
            ]
        })
        .collect();
    let mut out = table(&header, &body);
    out.push_str(&Tr::new("{0} Kunden\n", "{0} customers\n").fill(ctx.lang, &[&rows.len()]));
    out
}

fn render_csv(rows: &[CustomerRow], lang: Lang) -> Result<String, CliError> {
    let mut out = Vec::new();
    crate::import::export_csv(rows, lang, &mut out).map_err(|e| CliError::Message(e.localized(lang)))?;
    String::from_utf8(out).map_err(|e| CliError::Message(e.to_string()))
}

fn import(
    ctx: &Context,
    file: &std::path::Path,
    apply: bool,
    consent: Option<(String, String)>,
) -> Result<(), CliError> {
    use crate::import::{ConsentImport, ImportOptions};
    let l = ctx.lang;
    let consent = match consent {
        Some((source, evidence)) => Some(ConsentImport { source: source.parse()?, evidence }),
        None => None,
    };
    let mut store = ctx.open_store()?;
    let opts = ImportOptions { region: ctx.config.shop.region(), consent, recorded_by: ctx.actor() };
    let plan = crate::import::preview(&mut store, file, &opts, &ctx.config.shop.name, &ctx.config.shop.address)
        .map_err(|e| match e {
            // A store error keeps its own way out (e.g. the missing shop name).
            crate::import::ImportError::Store { source, .. } => CliError::Store(source),
            other => CliError::Message(other.localized(l)),
        })?;
    print!("{}", terminal_safe(&plan.report(l)));
    if !apply {
        if plan.has_changes() {
            println!(
                "{}",
                Tr::new(
                    "Probelauf – noch ist nichts gespeichert. Zum Übernehmen: denselben Befehl mit --apply.",
                    "Dry run – nothing is stored yet. To apply: the same command with --apply."
                )
                .get(l)
            );
        }
        return rejected_rows(&plan, l);
    }
    let summary = crate::import::apply(&mut store, &plan).map_err(|e| CliError::Message(e.localized(l)))?;
    print!("{}", terminal_safe(&summary.report(l)));
    rejected_rows(&plan, l)
}

/// An import with rejected rows ends with an error (exit 1) after its report, so a script notices.
fn rejected_rows(plan: &crate::import::ImportPlan, l: crate::i18n::Lang) -> Result<(), CliError> {
    if plan.rejected.is_empty() {
        return Ok(());
    }
    Err(CliError::Message(
        Tr::new(
            "{0} (siehe oben, mit Zeilennummer und Grund) – korrigiere sie in der Datei und importiere noch einmal.",
            "{0} (see above, with line number and reason) – fix them in the file and import again.",
        )
        .fill(l, &[&crate::import::rejected_count(plan.rejected.len(), l)]),
    ))
}
