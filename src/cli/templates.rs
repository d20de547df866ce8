//! `hofbote templates sync|list`: fetch the account's templates from Meta (or the sandbox) and show them.

use clap::Subcommand;

use super::{CliError, Context};
use crate::store::Db;
use crate::whatsapp::{Client, sync_templates, templates};

#[derive(Debug, Subcommand)]
pub enum TemplatesCmd {
    /// Vorlagen von Meta holen und speichern
    Sync,
    /// Gespeicherte Vorlagen anzeigen
    List {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: TemplatesCmd, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        TemplatesCmd::Sync => {
            let secrets = ctx.secrets()?;
            let client = Client::new(&ctx.config.whatsapp, &secrets)?;
            let (db, _thread) = Db::spawn(ctx.open_store()?);
            let report = super::runtime()?.block_on(sync_templates(&client, &db))?;
            print!("{}", templates::render_sync_report(&report, ctx.lang));
            Ok(())
        }
        TemplatesCmd::List { json } => {
            let store = ctx.open_store()?;
            let list = store.templates()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&templates::list_json(&list))
                        .map_err(|e| CliError::Message(e.to_string()))?
                );
            } else {
                print!("{}", templates::render_list(&list, ctx.lang));
            }
            Ok(())
        }
    }
}
