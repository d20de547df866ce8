//! Fetching the account's message templates from Meta (every page), turned into [`Template`]s; records that
//! cannot be used are reported, not dropped silently. Returns data only: the caller stores it
//! (`crate::template_sync`) and the CLI renders it. This module never decides which template a broadcast uses.

use serde::Serialize;
use serde_json::Value;

use super::client::Client;
use super::error::ApiError;
use crate::domain::template::Template;
use crate::i18n::{Lang, Localized};

/// A record Meta sent that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The record's name, if it had one.
    pub name: String,
    pub reason: String,
}

/// What Meta listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetched {
    pub pages: usize,
    pub templates: Vec<Template>,
    pub skipped: Vec<Skipped>,
}

/// Fetches all templates, `limit` per page (tests use small pages to exercise paging).
pub async fn fetch_templates_paged(client: &Client, limit: u32) -> Result<Fetched, ApiError> {
    let listing = client.list_templates_paged(limit).await?;
    let mut fetched = Fetched { pages: listing.pages, ..Fetched::default() };
    for record in &listing.records {
        match Template::from_meta(record) {
            Ok(t) => fetched.templates.push(t),
            Err(e) => fetched.skipped.push(Skipped {
                name: record.get("name").and_then(Value::as_str).unwrap_or("?").to_owned(),
                reason: e.localized(Lang::En),
            }),
        }
    }
    Ok(fetched)
}
