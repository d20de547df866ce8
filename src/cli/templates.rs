//! `hofbote templates sync|list`: fetch the account's templates from Meta (or the sandbox) and show them — the
//! text table and the JSON of the list, and what a sync changed.

use clap::Subcommand;

use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use super::{CliError, Context};
use crate::domain::template::Template;
use crate::i18n::{Lang, Tr};
use crate::store::Db;
use crate::store::templates::TemplateKey;
use crate::template_sync::{SyncReport, sync_templates};
use crate::whatsapp::Client;

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
            print!("{}", render_sync_report(&report, ctx.lang));
            Ok(())
        }
        TemplatesCmd::List { json } => {
            let store = ctx.open_store()?;
            let list = store.templates()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list_json(&list)).map_err(|e| CliError::Message(e.to_string()))?
                );
            } else {
                print!("{}", render_list(&list, ctx.lang));
                print!("{}", render_archival(&list, &store.templates_last_used()?, store.now(), ctx.lang));
            }
            Ok(())
        }
    }
}

fn keys(list: &[TemplateKey]) -> String {
    list.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// One paragraph for the CLI after `templates sync`.
pub fn render_sync_report(r: &SyncReport, lang: Lang) -> String {
    let mut out = Tr::new(
        "{0} Vorlagen abgeglichen: {1} neu, {2} geändert, {3} entfernt, {4} unverändert.",
        "{0} templates synced: {1} new, {2} changed, {3} removed, {4} unchanged.",
    )
    .fill(lang, &[&r.stored, &r.diff.added.len(), &r.diff.changed.len(), &r.diff.removed.len(), &r.diff.unchanged]);
    if !r.diff.added.is_empty() {
        out.push_str(&format!("\n{} {}", Tr::new("Neu:", "New:").get(lang), keys(&r.diff.added)));
    }
    for c in &r.diff.changed {
        out.push_str(&format!(
            "\n{} {}: {} → {}",
            Tr::new("Geändert:", "Changed:").get(lang),
            c.key,
            c.status_before.label(lang),
            c.status_after.label(lang)
        ));
    }
    if !r.diff.removed.is_empty() {
        out.push_str(&format!(
            "\n{} {}",
            Tr::new("Entfernt (bei Meta nicht mehr vorhanden):", "Removed (no longer at Meta):").get(lang),
            keys(&r.diff.removed)
        ));
    }
    for s in &r.skipped {
        out.push_str(&format!("\n{} {}: {}", Tr::new("Übersprungen:", "Skipped:").get(lang), s.name, s.reason));
    }
    out
}

/// One line per template Meta will archive soon (last sent more than 10 months ago; see
/// `domain::template::archival`), under the table of `hofbote templates list`.
pub fn render_archival(
    templates: &[Template],
    last_used: &std::collections::HashMap<TemplateKey, chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
    lang: Lang,
) -> String {
    use crate::domain::template::archival::{DELETED_AFTER_ARCHIVED, archive_warning};
    let date = |t: chrono::DateTime<chrono::Utc>| crate::tui::text::date(t, lang);
    let mut out = String::new();
    for t in templates {
        let last = last_used.get(&TemplateKey::of(t)).copied();
        let (Some(last), Some(archived)) = (last, archive_warning(last, now)) else { continue };
        out.push_str(&Tr::new(
            "Achtung: Vorlage »{0}« ({1}) wurde zuletzt am {2} gesendet. Meta archiviert Vorlagen nach 12 Monaten ohne Versand (diese am {3}) und löscht sie 28 Tage später (am {4}). Sende sie vorher einmal oder sichere ihren Text.\n",
            "Note: template “{0}” ({1}) was last sent on {2}. Meta archives templates after 12 months without a send (this one on {3}) and deletes them 28 days later (on {4}). Send it once before, or keep a copy of its text.\n",
        )
        .fill(
            lang,
            &[
                &crate::domain::customer::display_safe(&t.name),
                &crate::domain::customer::display_safe(&t.language),
                &date(last),
                &date(archived),
                &date(archived + DELETED_AFTER_ARCHIVED),
            ],
        ));
    }
    out
}

fn pad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// The text table of `hofbote templates list`: name, language, kind (Werbung/Service), status, placeholders.
pub fn render_list(templates: &[Template], lang: Lang) -> String {
    if templates.is_empty() {
        return Tr::new(
            "Noch keine Vorlagen gespeichert. Gleiche sie mit »hofbote templates sync« ab.",
            "No templates stored yet. Sync them with `hofbote templates sync`.",
        )
        .get(lang)
        .to_owned();
    }
    let header = [
        Tr::new("Name", "Name").get(lang).to_owned(),
        Tr::new("Sprache", "Language").get(lang).to_owned(),
        Tr::new("Art", "Kind").get(lang).to_owned(),
        Tr::new("Status", "Status").get(lang).to_owned(),
        Tr::new("Platzhalter", "Placeholders").get(lang).to_owned(),
    ];
    let rows: Vec<[String; 5]> = templates
        .iter()
        .map(|t| {
            let placeholders: Vec<String> = t.body_placeholders().iter().map(ToString::to_string).collect();
            [
                crate::domain::customer::display_safe(&t.name).into_owned(),
                crate::domain::customer::display_safe(&t.language).into_owned(),
                t.category.label(lang).to_owned(),
                t.status.label(lang),
                placeholders.join(" "),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| UnicodeWidthStr::width(h.as_str()));
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(UnicodeWidthStr::width(cell.as_str()));
        }
    }
    let line = |cells: &[String; 5]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&pad(cell, w + 2));
            }
        }
        s.trim_end().to_owned()
    };
    let mut out = vec![line(&header)];
    out.extend(rows.iter().map(line));
    out.join("\n")
}

/// The JSON of `hofbote templates list --json`: one object per template.
pub fn list_json(templates: &[Template]) -> Value {
    Value::Array(
        templates
            .iter()
            .map(|t| {
                json!({
                    "name": t.name,
                    "language": t.language,
                    "category": t.category.as_meta(),
                    "status": t.status.as_meta(),
                    "parameter_format": t.parameter_format.as_meta(),
                    "placeholders": t.body_placeholders().iter().map(|p| p.key()).collect::<Vec<_>>(),
                    "quick_replies": t.quick_reply_labels(),
                    "body": t.body,
                    "footer": t.footer,
                    "meta_id": t.meta_id,
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::template::{Category, Status};

    fn t(name: &str, category: Category, status: Status, body: &str) -> Template {
        Template {
            meta_id: String::new(),
            name: name.into(),
            language: "de".into(),
            category,
            status,
            parameter_format: Default::default(),
            header: None,
            body: body.into(),
            footer: None,
            buttons: vec![],
            examples: Default::default(),
            header_example: None,
        }
    }

    #[test]
    fn list_shows_german_words() {
        let list = vec![
            t("wochenangebot", Category::Marketing, Status::Approved, "{{1}}, {{2}}"),
            t("abholtermin", Category::Utility, Status::Pending, "{{1}}"),
            t("alt", Category::Utility, Status::Rejected, "x"),
            t("p", Category::Marketing, Status::Paused, ""),
            t("d", Category::Marketing, Status::Disabled, ""),
        ];
        let text = render_list(&list, Lang::De);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Name           Sprache  Art      Status       Platzhalter");
        assert_eq!(lines[1], "wochenangebot  de       Werbung  genehmigt    {{1}} {{2}}");
        assert_eq!(lines[2], "abholtermin    de       Service  in Prüfung   {{1}}");
        assert!(lines[3].contains("abgelehnt") && lines[4].contains("pausiert") && lines[5].contains("deaktiviert"));
        assert!(render_list(&list, Lang::En).contains("Marketing  approved"));
        assert!(render_list(&[], Lang::De).contains("hofbote templates sync"));
        let json = list_json(&list);
        assert_eq!(json[0]["placeholders"], json!(["1", "2"]));
        assert_eq!(json[1]["category"], "UTILITY");
    }
}
