//! Template sync (fetch every page from Meta, replace the stored set in one transaction) and the output of
//! `hofbote templates list` (a German/English text table and JSON). The CLI calls these; it must not fetch or store
//! templates itself. This module never decides which template a broadcast uses.

use serde::Serialize;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use super::client::Client;
use super::error::ApiError;
use crate::domain::template::Template;
use crate::i18n::{Lang, Localized, Tr};
use crate::store::templates::{TemplateDiff, TemplateKey};
use crate::store::{Db, StoreError};

/// A record Meta sent that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The record's name, if it had one.
    pub name: String,
    pub reason: String,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub pages: usize,
    /// Templates stored (after skipping unusable records).
    pub stored: usize,
    pub diff: TemplateDiff,
    pub skipped: Vec<Skipped>,
}

/// Why a sync failed; nothing was changed in the database.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localized for SyncError {
    fn localized(&self, lang: Lang) -> String {
        let prefix = Tr::new("Vorlagen nicht abgeglichen: ", "Templates not synced: ").get(lang);
        match self {
            SyncError::Api(e) => format!("{prefix}{}", e.localized(lang)),
            SyncError::Store(e) => format!("{prefix}{}", e.localized(lang)),
        }
    }
}

/// Fetches all templates (every page) and replaces the stored set in one transaction.
pub async fn sync_templates(client: &Client, store: &Db) -> Result<SyncReport, SyncError> {
    sync_templates_paged(client, store, 100).await
}

/// [`sync_templates`] with a page size (tests use small pages to exercise paging).
pub async fn sync_templates_paged(client: &Client, store: &Db, limit: u32) -> Result<SyncReport, SyncError> {
    let listing = client.list_templates_paged(limit).await?;
    let mut templates = Vec::new();
    let mut skipped = Vec::new();
    for record in &listing.records {
        match Template::from_meta(record) {
            Ok(t) => templates.push(t),
            Err(e) => skipped.push(Skipped {
                name: record.get("name").and_then(Value::as_str).unwrap_or("?").to_owned(),
                reason: e.localized(Lang::En),
            }),
        }
    }
    let stored = templates.len();
    let diff = store.call(move |s| s.replace_templates(&templates)).await?;
    tracing::info!(
        pages = listing.pages,
        stored,
        added = diff.added.len(),
        changed = diff.changed.len(),
        removed = diff.removed.len(),
        skipped = skipped.len(),
        "templates synced"
    );
    Ok(SyncReport { pages: listing.pages, stored, diff, skipped })
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
