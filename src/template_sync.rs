//! Template sync: fetch the templates from Meta (`whatsapp::templates`), replace the stored set in one transaction
//! (`store::templates`), and say what changed. Shared by `hofbote templates sync`, the terminal app and the demo.

use serde::Serialize;

use crate::i18n::{Lang, Localized, Tr};
use crate::store::templates::TemplateDiff;
use crate::store::{Db, StoreError};
use crate::whatsapp::templates::{Skipped, fetch_templates_paged};
use crate::whatsapp::{ApiError, Client};

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

/// Fetches all templates and replaces the stored set in one transaction.
pub async fn sync_templates(client: &Client, store: &Db) -> Result<SyncReport, SyncError> {
    sync_templates_paged(client, store, 100).await
}

/// [`sync_templates`] with a page size (tests use small pages to exercise paging).
pub async fn sync_templates_paged(client: &Client, store: &Db, limit: u32) -> Result<SyncReport, SyncError> {
    let fetched = fetch_templates_paged(client, limit).await?;
    let stored = fetched.templates.len();
    let templates = fetched.templates;
    let diff = store.call(move |s| s.replace_templates(&templates)).await?;
    tracing::info!(
        pages = fetched.pages,
        stored,
        added = diff.added.len(),
        changed = diff.changed.len(),
        removed = diff.removed.len(),
        skipped = fetched.skipped.len(),
        "templates synced"
    );
    Ok(SyncReport { pages: fetched.pages, stored, diff, skipped: fetched.skipped })
}
