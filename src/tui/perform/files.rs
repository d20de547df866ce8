//! The file work of the app: the import view's folder listing (Tab), dry run and apply through the CLI's engine
//! (`crate::import::preview`/`apply`), and a customer's Auskunft (Art. 15, text and JSON) and consent proof written
//! to `~/hofbote/` through `crate::privacy`. Runs on the DB thread; must not touch the terminal or the network.

use std::path::Path;

use super::PerformCtx;
use crate::domain::consent::Source;
use crate::import::{ConsentImport, ImportOptions, ImportPlan};
use crate::store::Store;
use crate::tui::app::{Failure, FileKind, Msg};
use crate::tui::screens::import::path;

/// Tab: lists the folder of what was typed and completes it (an unreadable folder simply has no matches).
pub fn complete(ctx: &PerformCtx, typed: &str) -> Msg {
    let (dir, _) = path::split(typed);
    let folder = if dir.is_empty() { Path::new(".").to_owned() } else { path::expand(&dir, ctx.home.as_deref()) };
    let entries: Vec<path::Entry> = match std::fs::read_dir(&folder) {
        Ok(read) => read
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                // Follows links: a link to a folder completes as a folder.
                let is_dir = std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir());
                Some((name, is_dir))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    Msg::ImportCompleted(path::complete(typed, &entries))
}

/// The dry run, exactly as `hofbote customers import FILE` runs it; with `evidence` as
/// `--consent-source shop_form --consent-evidence EVIDENCE` (without, the plan says the consent columns are ignored).
pub fn preview(ctx: &PerformCtx, store: &mut Store, typed: &str, evidence: Option<String>) -> Result<Msg, Failure> {
    let file = path::expand(typed, ctx.home.as_deref());
    let consent = evidence.map(|evidence| ConsentImport { source: Source::ShopForm, evidence });
    let opts = ImportOptions { region: ctx.config.shop.region(), consent, recorded_by: ctx.actor.clone() };
    let plan = crate::import::preview(store, &file, &opts, &ctx.shop_name, &ctx.shop_address)?;
    Ok(Msg::ImportPlanned(Box::new(plan)))
}

/// Writes the plan the farmer saw, in one transaction (the audit line is the engine's).
pub fn apply(store: &mut Store, plan: &ImportPlan) -> Result<Msg, Failure> {
    Ok(Msg::ImportApplied(crate::import::apply(store, plan)?))
}

/// Writes a customer's Auskunft (text and JSON) or consent proof to `~/hofbote/`, readable only by the user.
pub fn write_file(ctx: &PerformCtx, store: &mut Store, customer_id: i64, kind: FileKind) -> Result<Msg, Failure> {
    let customer = store.customer(customer_id)?;
    let dir = crate::privacy::proof::files_dir(ctx.home.as_deref(), &ctx.paths.data_dir);
    let lang = ctx.lang;
    let now = store.now();
    let written = match kind {
        FileKind::Auskunft => {
            // The erasure key lets the export say whether the number is on the suppression list; without it the
            // export says it cannot tell.
            let secrets = crate::config::Secrets::load(&ctx.secrets_file, &crate::config::Secrets::process_env).ok();
            let key = secrets.and_then(|s| s.erasure_key);
            let x = crate::privacy::export(
                store,
                &ctx.config,
                key.as_ref().map(crate::privacy::key_bytes),
                &customer.recipient().ok_or_else(|| Failure::Message("customer without number or user id".into()))?,
            )?;
            let json = serde_json::to_string_pretty(&x).map_err(|e| Failure::Message(e.to_string()))?;
            let text = crate::privacy::export::render_text(&x, lang);
            let stem = crate::privacy::proof::file_stem("auskunft", &customer.name, now);
            let files = [(format!("{stem}.txt"), text.as_bytes()), (format!("{stem}.json"), json.as_bytes())];
            crate::privacy::proof::write_files(&dir, &files)?
        }
        FileKind::ConsentProof => {
            let text = crate::privacy::proof::consent_proof(store, &customer, ctx.config.shop.region(), lang)?;
            let stem = crate::privacy::proof::file_stem("nachweis", &customer.name, now);
            crate::privacy::proof::write_files(&dir, &[(format!("{stem}.txt"), text.as_bytes())])?
        }
    };
    let first = written.first().map(|p| shown(p, ctx.home.as_deref())).unwrap_or_default();
    let event = match kind {
        FileKind::Auskunft => "data_exported",
        FileKind::ConsentProof => "consent_proof_written",
    };
    // Counts only: the audit log says what was done, not to whom beyond the id.
    store.audit(&ctx.actor, event, &format!("customer {customer_id}"))?;
    Ok(Msg::FileWritten { kind, shown: first })
}

/// `~/hofbote/…` for a file under the home folder.
fn shown(path: &Path, home: Option<&Path>) -> String {
    match home.and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}
