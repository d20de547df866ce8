//! Writing an import plan: every customer, every consent event and the audit entry in ONE transaction, so a failure
//! at any row leaves the database exactly as it was. Uses the store's `*_tx` functions; it must not decide anything
//! the plan has not decided, and it never records consent the plan does not carry.

use std::path::PathBuf;

use rusqlite::TransactionBehavior;

use super::plan::count;
use super::text::report as t;
use super::{ImportError, ImportPlan, RowAction};
use crate::domain::consent::{EventKind, NewConsentEvent};
use crate::domain::customer::display_safe;
use crate::i18n::Lang;
use crate::store::audit::audit_tx;
use crate::store::consent::record_consent_tx;
use crate::store::customers::{customer_updated_at_tx, insert_customer_tx, update_customer_tx};
use crate::store::{Store, StoreError, ts};

/// What [`apply`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub path: PathBuf,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub consents_recorded: usize,
}

impl ImportSummary {
    pub fn report(&self, lang: Lang) -> String {
        let file = display_safe(&self.path.display().to_string()).into_owned();
        let n = |v: usize| count(v, lang);
        let mut text = t::SUMMARY.fill(
            lang,
            &[
                &file,
                &n(self.added),
                &n(self.updated),
                &n(self.unchanged),
                &t::rejected(self.rejected, lang),
                &t::consents_recorded(self.consents_recorded, lang),
            ],
        );
        text.push('\n');
        text
    }
}

/// Writes the plan in one immediate transaction (taken before the first read, so a second hofbote process cannot
/// slip in between). A customer changed since the preview, a number taken meanwhile or any store error rolls
/// everything back and names the line.
pub fn apply(store: &mut Store, plan: &ImportPlan) -> Result<ImportSummary, ImportError> {
    let path = plan.path.clone();
    let now = store.now();
    let store_err = |source: StoreError| ImportError::Store { path: path.clone(), source };
    let tx =
        store.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| store_err(e.into()))?;
    let mut summary = ImportSummary {
        path: plan.path.clone(),
        added: 0,
        updated: 0,
        unchanged: 0,
        rejected: plan.rejected.len(),
        consents_recorded: 0,
    };
    for row in &plan.rows {
        let row_err = |source: StoreError| ImportError::Row { path: path.clone(), line: row.line, source };
        let id = match &row.action {
            RowAction::Add => {
                summary.added += 1;
                insert_customer_tx(&tx, &row.draft, now).map_err(row_err)?
            }
            RowAction::Update { id, seen_updated_at, .. } => {
                let stored = customer_updated_at_tx(&tx, *id).map_err(row_err)?;
                if stored.as_deref() != Some(ts(*seen_updated_at).as_str()) {
                    return Err(ImportError::Changed { path: path.clone(), line: row.line });
                }
                update_customer_tx(&tx, *id, &row.draft, now).map_err(row_err)?;
                summary.updated += 1;
                *id
            }
            RowAction::Unchanged { id } => {
                summary.unchanged += 1;
                *id
            }
        };
        for c in &row.consents {
            let event = NewConsentEvent {
                customer_id: id,
                purpose: c.purpose,
                kind: EventKind::Granted,
                source: c.source,
                evidence: c.evidence.clone(),
                wording_version: Some(c.wording_version),
                recorded_by: plan.recorded_by.clone(),
                occurred_at: c.occurred_at,
            };
            record_consent_tx(&tx, &event, now).map_err(row_err)?;
            summary.consents_recorded += 1;
        }
    }
    // Counts only: the audit log says what was done, not to whom.
    let detail = format!(
        "added={} updated={} unchanged={} rejected={} consents={}",
        summary.added, summary.updated, summary.unchanged, summary.rejected, summary.consents_recorded
    );
    audit_tx(&tx, &plan.recorded_by, "customers_imported", &detail, now).map_err(store_err)?;
    tx.commit().map_err(|e| store_err(e.into()))?;
    Ok(summary)
}
