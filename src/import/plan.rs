//! The dry run: every source record checked against the rules and the database, giving rows to add, to update or
//! left unchanged, the consents to record, and every rejected line with its reason. Reads the store, never writes:
//! writing is [`super::apply`]'s job.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};

use super::consent_cells::{ConsentValue, consent_date, consent_value, wording_version};
use super::text::{reasons as r, report as t};
use super::{ConsentImport, FileFormat, ImportError, ImportOptions, ParsedFile, SourceRecord, TextEncoding};
use crate::domain::consent::{ConsentError, Purpose, Source};
use crate::domain::customer::{Customer, CustomerDraft, CustomerError, clean_text, display_safe, normalize_tags};
use crate::domain::phone::{Phone, PhoneError};
use crate::i18n::{Lang, Localized};
use crate::store::consent::has_grant;
use crate::store::customers::CustomerFilter;
use crate::store::{Store, StoreError};

/// What the import would do, for the report and for [`super::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPlan {
    pub path: PathBuf,
    pub format: FileFormat,
    pub encoding: TextEncoding,
    /// Accepted rows in file order.
    pub rows: Vec<PlannedRow>,
    pub rejected: Vec<Rejected>,
    /// Columns or vCard fields that are not used.
    pub ignored: Vec<String>,
    pub consent: ConsentHandling,
    pub recorded_by: String,
    /// The columns used and what they become (CSV; empty for vCard).
    pub mapping: Vec<super::Mapped>,
}

/// One accepted row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRow {
    pub line: u64,
    pub action: RowAction,
    /// The customer as it will be stored (for updates: merged with what is stored).
    pub draft: CustomerDraft,
    /// Consents to append for this row (already recorded ones are left out).
    pub consents: Vec<PlannedConsent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowAction {
    Add,
    /// `seen_updated_at` lets [`super::apply`] refuse when the customer changed after the preview.
    Update {
        id: i64,
        seen_updated_at: DateTime<Utc>,
        changes: Vec<Change>,
    },
    Unchanged {
        id: i64,
    },
}

/// What an update changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Name,
    FirstName,
    Note,
    Tags,
}

/// A consent event to append, with the row's own date and wording version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedConsent {
    pub purpose: Purpose,
    pub occurred_at: DateTime<Utc>,
    pub wording_version: u32,
    pub source: Source,
    pub evidence: String,
}

/// A line that will not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub line: u64,
    pub reason: RejectReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    MissingPhone,
    InvalidPhone {
        raw: String,
        error: PhoneError,
    },
    /// The same number appeared first in `first_line`.
    Duplicate {
        phone: Phone,
        first_line: u64,
    },
    MissingName,
    InvalidCustomer(CustomerError),
    ConsentValue {
        purpose: Purpose,
        value: String,
    },
    ConsentDateMissing,
    ConsentDateInvalid(String),
    ConsentInFuture,
    ConsentVersionMissing,
    ConsentVersionInvalid(String),
    WordingUnknown {
        purpose: Purpose,
        version: u32,
    },
    /// The number is on the suppression list (erased after objecting); a file's marketing consent is not taken.
    Suppressed,
}

impl Localized for RejectReason {
    fn localized(&self, lang: Lang) -> String {
        let safe = |s: &str| display_safe(s).into_owned();
        match self {
            RejectReason::MissingPhone => r::MISSING_PHONE.get(lang).to_owned(),
            RejectReason::Suppressed => r::SUPPRESSED.get(lang).to_owned(),
            RejectReason::InvalidPhone { raw, error } => {
                r::INVALID_PHONE.fill(lang, &[&error.localized(lang), &safe(raw)])
            }
            RejectReason::Duplicate { phone, first_line } => r::DUPLICATE.fill(lang, &[&phone.display(), first_line]),
            RejectReason::MissingName => r::MISSING_NAME.get(lang).to_owned(),
            RejectReason::InvalidCustomer(e) => e.localized(lang),
            RejectReason::ConsentValue { purpose, value } => {
                r::CONSENT_VALUE.fill(lang, &[&purpose.label().get(lang), &safe(value)])
            }
            RejectReason::ConsentDateMissing => r::CONSENT_DATE_MISSING.get(lang).to_owned(),
            RejectReason::ConsentDateInvalid(v) => r::CONSENT_DATE_INVALID.fill(lang, &[&safe(v)]),
            RejectReason::ConsentInFuture => ConsentError::InFuture.localized(lang),
            RejectReason::ConsentVersionMissing => r::CONSENT_VERSION_MISSING.get(lang).to_owned(),
            RejectReason::ConsentVersionInvalid(v) => r::CONSENT_VERSION_INVALID.fill(lang, &[&safe(v)]),
            RejectReason::WordingUnknown { purpose, version } => {
                r::WORDING_UNKNOWN.fill(lang, &[&purpose.label().get(lang), version])
            }
        }
    }
}

/// Whether and how consent columns are used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentHandling {
    /// Neither consent columns nor a source: nothing to say.
    NotInFile,
    /// The file has consent columns, but no source and evidence were given: they are ignored.
    Ignored { columns: Vec<String> },
    /// A source and evidence were given, but the file has no consent columns.
    NoColumns,
    /// Consents are recorded from rows that carry a date and a wording version.
    Record { source: Source, evidence: String, already_recorded: usize },
}

/// Sources that can stand for a consent given on a form or in a message; the others are never grants.
fn source_allowed(source: Source) -> bool {
    !matches!(source, Source::DeliveryError | Source::MetaUserPreferences)
}

/// Checks every record of `file` against the rules and the database; writes nothing.
pub fn plan(store: &Store, file: &ParsedFile, opts: &ImportOptions) -> Result<ImportPlan, ImportError> {
    let path = file.path.clone();
    let store_err = |source: StoreError| ImportError::Store { path: path.clone(), source };
    let consent_import: Option<&ConsentImport> = opts.consent.as_ref();
    if let Some(c) = consent_import {
        if c.evidence.trim().is_empty() {
            return Err(ImportError::EvidenceMissing { path });
        }
        if !source_allowed(c.source) {
            return Err(ImportError::SourceNotAllowed { path, source_name: c.source });
        }
    }
    let record_consent = consent_import.filter(|_| !file.consent_columns.is_empty());
    let mut consent = match (consent_import, file.consent_columns.is_empty()) {
        (None, true) => ConsentHandling::NotInFile,
        (None, false) => ConsentHandling::Ignored { columns: file.consent_columns.clone() },
        (Some(_), true) => ConsentHandling::NoColumns,
        (Some(c), false) => {
            ConsentHandling::Record { source: c.source, evidence: c.evidence.trim().to_owned(), already_recorded: 0 }
        }
    };

    let existing: HashMap<String, Customer> = store
        .list_customers(&CustomerFilter::default())
        .map_err(store_err)?
        .into_iter()
        .filter_map(|row| Some((row.customer.phone.as_ref()?.as_e164().to_owned(), row.customer)))
        .collect();
    let wordings: HashSet<(Purpose, u32)> =
        store.wordings().map_err(store_err)?.into_iter().map(|w| (w.purpose, w.version)).collect();
    // People erased after objecting: a marketing consent from a file must not bring them back.
    let suppressed: HashSet<String> = match store.erasure_key() {
        Some(_) => store.suppressed_hashes(Purpose::Marketing).map_err(store_err)?.into_iter().collect(),
        None => HashSet::new(),
    };
    let key = store.erasure_key().map(<[u8]>::to_vec);
    let ctx = Context { opts, record_consent, wordings: &wordings, now: store.now(), suppressed: &suppressed, key };

    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut already_recorded = 0;
    for rec in &file.records {
        match plan_row(&ctx, rec, &existing, &seen) {
            Ok(mut row) => {
                if let Some(id) = row.action.id() {
                    let before = row.consents.len();
                    row.consents = remove_recorded(store, id, row.consents).map_err(store_err)?;
                    already_recorded += before - row.consents.len();
                }
                seen.insert(row.draft.phone.as_ref().map(|p| p.as_e164().to_owned()).unwrap_or_default(), rec.line);
                rows.push(row);
            }
            Err(reason) => rejected.push(Rejected { line: rec.line, reason }),
        }
    }
    if let ConsentHandling::Record { already_recorded: n, .. } = &mut consent {
        *n = already_recorded;
    }
    Ok(ImportPlan {
        path: file.path.clone(),
        format: file.format,
        encoding: file.encoding,
        rows,
        rejected,
        ignored: file.ignored.clone(),
        consent,
        recorded_by: opts.recorded_by.clone(),
        mapping: file.mapping.clone(),
    })
}

struct Context<'a> {
    opts: &'a ImportOptions,
    /// Set only when consent columns exist and the caller gave a source and evidence.
    record_consent: Option<&'a ConsentImport>,
    wordings: &'a HashSet<(Purpose, u32)>,
    now: DateTime<Utc>,
    suppressed: &'a HashSet<String>,
    key: Option<Vec<u8>>,
}

impl RowAction {
    fn id(&self) -> Option<i64> {
        match self {
            RowAction::Add => None,
            RowAction::Update { id, .. } | RowAction::Unchanged { id } => Some(*id),
        }
    }
}

fn plan_row(
    ctx: &Context<'_>,
    rec: &SourceRecord,
    existing: &HashMap<String, Customer>,
    seen: &HashMap<String, u64>,
) -> Result<PlannedRow, RejectReason> {
    let raw = rec.phone.as_deref().map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return Err(RejectReason::MissingPhone);
    }
    let phone = Phone::parse(raw, ctx.opts.region)
        .map_err(|error| RejectReason::InvalidPhone { raw: raw.to_owned(), error })?;
    if let Some(&first_line) = seen.get(phone.as_e164()) {
        return Err(RejectReason::Duplicate { phone, first_line });
    }
    let name = display_name(rec);
    if name.is_empty() {
        return Err(RejectReason::MissingName);
    }
    let consents = match ctx.record_consent {
        Some(c) => plan_consents(ctx, c, rec)?,
        None => Vec::new(),
    };
    if let Some(key) = &ctx.key
        && consents.iter().any(|c| c.purpose == Purpose::Marketing)
        && ctx.suppressed.contains(&crate::privacy::subject_hash(key, &phone))
    {
        return Err(RejectReason::Suppressed);
    }
    let Some(current) = existing.get(phone.as_e164()) else {
        let draft = CustomerDraft::new(&name, &rec.first_name, phone, &rec.tags, &rec.note)
            .map_err(RejectReason::InvalidCustomer)?;
        return Ok(PlannedRow { line: rec.line, action: RowAction::Add, draft, consents });
    };
    // Empty cells keep what is stored; tags are merged.
    let first_name = if clean_text(&rec.first_name).is_empty() { &current.first_name } else { &rec.first_name };
    let note = if rec.note.trim().is_empty() { &current.note } else { &rec.note };
    let tags = normalize_tags(current.tags.iter().chain(rec.tags.iter()));
    let draft = CustomerDraft::new(&name, first_name, phone, &tags, note).map_err(RejectReason::InvalidCustomer)?;
    let mut changes = Vec::new();
    if draft.name != current.name {
        changes.push(Change::Name);
    }
    if draft.first_name != current.first_name {
        changes.push(Change::FirstName);
    }
    if draft.note != current.note {
        changes.push(Change::Note);
    }
    if draft.tags != current.tags {
        changes.push(Change::Tags);
    }
    let action = if changes.is_empty() {
        RowAction::Unchanged { id: current.id }
    } else {
        RowAction::Update { id: current.id, seen_updated_at: current.updated_at, changes }
    };
    Ok(PlannedRow { line: rec.line, action, draft, consents })
}

/// The Name column, else "Vorname Nachname".
fn display_name(rec: &SourceRecord) -> String {
    let name = clean_text(&rec.name);
    if !name.is_empty() {
        return name;
    }
    clean_text(&format!("{} {}", rec.first_name, rec.last_name))
}

/// The consents a row grants, each with the row's own date and wording version — or why the row is refused.
fn plan_consents(
    ctx: &Context<'_>,
    import: &ConsentImport,
    rec: &SourceRecord,
) -> Result<Vec<PlannedConsent>, RejectReason> {
    let mut granted = Vec::new();
    for (purpose, cell) in [(Purpose::Service, &rec.consent.service), (Purpose::Marketing, &rec.consent.marketing)] {
        let Some(cell) = cell else { continue };
        match consent_value(cell) {
            None => return Err(RejectReason::ConsentValue { purpose, value: cell.clone() }),
            Some(ConsentValue::Nothing) => {}
            Some(ConsentValue::Granted) => granted.push(purpose),
        }
    }
    if granted.is_empty() {
        return Ok(Vec::new());
    }
    let date_cell = rec.consent.date.as_deref().map(str::trim).unwrap_or("");
    if date_cell.is_empty() {
        return Err(RejectReason::ConsentDateMissing);
    }
    let occurred_at = consent_date(date_cell).ok_or_else(|| RejectReason::ConsentDateInvalid(date_cell.to_owned()))?;
    // The same 5 minutes of clock skew the ledger allows.
    if occurred_at > ctx.now + Duration::minutes(5) {
        return Err(RejectReason::ConsentInFuture);
    }
    let version_cell = rec.consent.version.as_deref().map(str::trim).unwrap_or("");
    if version_cell.is_empty() {
        return Err(RejectReason::ConsentVersionMissing);
    }
    let version =
        wording_version(version_cell).ok_or_else(|| RejectReason::ConsentVersionInvalid(version_cell.to_owned()))?;
    let mut out = Vec::new();
    for purpose in granted {
        if !ctx.wordings.contains(&(purpose, version)) {
            return Err(RejectReason::WordingUnknown { purpose, version });
        }
        out.push(PlannedConsent {
            purpose,
            occurred_at,
            wording_version: version,
            source: import.source,
            evidence: format!("{} (Zeile {})", import.evidence.trim(), rec.line),
        });
    }
    Ok(out)
}

/// Leaves out consents the ledger already holds exactly (same purpose, date and wording version), so importing the
/// same file twice does not record every form twice.
fn remove_recorded(
    store: &Store,
    customer_id: i64,
    consents: Vec<PlannedConsent>,
) -> Result<Vec<PlannedConsent>, StoreError> {
    let mut out = Vec::with_capacity(consents.len());
    for c in consents {
        if !has_grant(store.conn(), customer_id, c.purpose, c.occurred_at, c.wording_version)? {
            out.push(c);
        }
    }
    Ok(out)
}

/// How many updates the report lists one by one.
const LISTED_UPDATES: usize = 20;

impl ImportPlan {
    pub fn adds(&self) -> usize {
        self.rows.iter().filter(|r| r.action == RowAction::Add).count()
    }

    pub fn updates(&self) -> usize {
        self.rows.iter().filter(|r| matches!(r.action, RowAction::Update { .. })).count()
    }

    pub fn unchanged(&self) -> usize {
        self.rows.iter().filter(|r| matches!(r.action, RowAction::Unchanged { .. })).count()
    }

    /// Consents to record, per purpose: (service, marketing).
    pub fn consents(&self) -> (usize, usize) {
        let all = self.rows.iter().flat_map(|r| &r.consents);
        all.fold((0, 0), |(s, m), c| match c.purpose {
            Purpose::Service => (s + 1, m),
            Purpose::Marketing => (s, m + 1),
        })
    }

    /// Whether applying would change the database.
    pub fn has_changes(&self) -> bool {
        self.rows.iter().any(|r| !matches!(r.action, RowAction::Unchanged { .. }) || !r.consents.is_empty())
    }

    /// The dry-run report: counts, updates, every rejected line with its reason, unused columns, consent handling.
    pub fn report(&self, lang: Lang) -> String {
        let mut out = Vec::new();
        let encoding = self.encoding.label();
        let format = match self.format {
            FileFormat::Csv { delimiter: '\t' } => t::CSV_FORMAT.fill(lang, &[&t::TAB.get(lang), &encoding]),
            FileFormat::Csv { delimiter } => {
                t::CSV_FORMAT.fill(lang, &[&t::QUOTED.fill(lang, &[&delimiter]), &encoding])
            }
            FileFormat::Vcard => t::VCARD_FORMAT.fill(lang, &[&encoding]),
        };
        let file = display_safe(&self.path.display().to_string()).into_owned();
        out.push(t::PREVIEW_HEAD.fill(lang, &[&file, &format]));
        if !self.mapping.is_empty() {
            out.push(t::COLUMNS_HEAD.get(lang).to_owned());
            for m in &self.mapping {
                out.push(t::COLUMN.fill(lang, &[&display_safe(&m.header), &m.field.label().get(lang)]));
            }
        }
        out.push(t::ADD.fill(lang, &[&count(self.adds(), lang)]));
        out.push(t::UPDATE.fill(lang, &[&count(self.updates(), lang)]));
        out.push(t::UNCHANGED.fill(lang, &[&count(self.unchanged(), lang)]));
        out.push(t::REJECTED.fill(lang, &[&count(self.rejected.len(), lang)]));
        let updates: Vec<&PlannedRow> = self
            .rows
            .iter()
            .filter(|r| match r.action {
                RowAction::Add => false,
                RowAction::Update { .. } => true,
                RowAction::Unchanged { .. } => !r.consents.is_empty(),
            })
            .collect();
        if !updates.is_empty() {
            out.push(t::UPDATES_HEAD.get(lang).to_owned());
            for row in updates.iter().take(LISTED_UPDATES) {
                let mut what: Vec<&str> = match &row.action {
                    RowAction::Update { changes, .. } => changes.iter().map(|c| change_label(*c, lang)).collect(),
                    _ => Vec::new(),
                };
                if !row.consents.is_empty() {
                    what.push(t::CHANGE_CONSENT.get(lang));
                }
                let who = format!(
                    "{}, {}",
                    display_safe(&row.draft.name),
                    row.draft.phone.as_ref().map(|p| p.display()).unwrap_or_default()
                );
                out.push(t::UPDATE_LINE.fill(lang, &[&row.line, &who, &what.join(", ")]));
            }
            if updates.len() > LISTED_UPDATES {
                out.push(t::MORE.fill(lang, &[&count(updates.len() - LISTED_UPDATES, lang)]));
            }
        }
        if !self.rejected.is_empty() {
            out.push(t::REJECTED_HEAD.get(lang).to_owned());
            for rej in &self.rejected {
                out.push(t::REJECTED_LINE.fill(lang, &[&rej.line, &rej.reason.localized(lang)]));
            }
        }
        if !self.ignored.is_empty() {
            let list = self.ignored.iter().map(|c| display_safe(c).into_owned()).collect::<Vec<_>>().join(", ");
            let label = if self.format == FileFormat::Vcard { t::IGNORED_FIELDS } else { t::IGNORED_COLUMNS };
            out.push(label.fill(lang, &[&list]));
        }
        match &self.consent {
            ConsentHandling::NotInFile => {}
            ConsentHandling::Ignored { columns } => {
                let list = columns.iter().map(|c| display_safe(c).into_owned()).collect::<Vec<_>>().join(", ");
                out.push(t::CONSENT_IGNORED.fill(lang, &[&list]));
            }
            ConsentHandling::NoColumns => out.push(t::CONSENT_NO_COLUMNS.get(lang).to_owned()),
            ConsentHandling::Record { source, evidence, already_recorded } => {
                let (service, marketing) = self.consents();
                out.push(t::CONSENT_RECORD.fill(
                    lang,
                    &[
                        &count(service + marketing, lang),
                        &count(service, lang),
                        &count(marketing, lang),
                        &source.label().get(lang),
                        &display_safe(evidence),
                    ],
                ));
                if *already_recorded > 0 {
                    out.push(t::CONSENT_ALREADY.fill(lang, &[&count(*already_recorded, lang)]));
                }
            }
        }
        if !self.has_changes() && self.rejected.is_empty() {
            out.push(t::NOTHING_TO_DO.get(lang).to_owned());
        }
        let mut text = out.join("\n");
        text.push('\n');
        text
    }
}

/// A count the way the reader writes it: 10.000 in German, 10,000 in English.
pub(crate) fn count(n: usize, lang: Lang) -> String {
    let sep = match lang {
        Lang::De => '.',
        Lang::En => ',',
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn change_label(change: Change, lang: Lang) -> &'static str {
    match change {
        Change::Name => t::CHANGE_NAME.get(lang),
        Change::FirstName => t::CHANGE_FIRST_NAME.get(lang),
        Change::Note => t::CHANGE_NOTE.get(lang),
        Change::Tags => t::CHANGE_TAGS.get(lang),
    }
}

#[cfg(test)]
mod tests;
