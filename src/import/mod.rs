//! Customer import from CSV (German Excel, Google Contacts, Outlook, hofbote's own export) and vCard files, and the
//! CSV export. Three steps: [`load`] reads and decodes a file into source records, [`plan`] validates them against
//! the database and says what would happen (the dry run), [`apply`] writes the plan in one transaction.
//!
//! Rules this module keeps: rows are matched by E.164 number; tags are merged, never dropped; empty cells never
//! erase stored data; an import never creates consent unless each row carries its own consent date and wording
//! version and the caller names a source and evidence. It must not read the clock except through the store, must
//! not write outside [`apply`], and must not print: reports are returned as text.

mod apply;
mod columns;
mod consent_cells;
mod csv_file;
mod decode;
mod export;
mod plan;
mod text;
mod vcard;

use std::path::{Path, PathBuf};

use crate::domain::consent::Source;
use crate::domain::customer::display_safe;
use crate::domain::phone::Region;
use crate::i18n::{Lang, Localized};
use crate::store::StoreError;

pub use apply::{ImportSummary, apply};
pub use columns::{Field, Mapped};
pub use consent_cells::{ConsentValue, consent_date, consent_value, wording_version};
pub use decode::TextEncoding;
pub use export::{EXPORT_HEADER, export_csv, export_header, formula_safe, write_table};
pub use plan::{
    Change, ConsentHandling, ImportPlan, PlannedConsent, PlannedRow, RejectReason, Rejected, RowAction, plan,
};
/// The dry run's column lines and the count of rejected lines with German grammar ("1 Zeile abgelehnt"): the CLI
/// and the app say the same.
pub use text::report::{COLUMN as COLUMN_TEXT, COLUMNS_HEAD as COLUMNS_TEXT, rejected as rejected_count};

/// Files larger than this are refused (a shop's customer list is far smaller; protects a Raspberry Pi's memory).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What the caller decides for an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// Region for numbers written without a country code.
    pub region: Region,
    /// Consent is recorded only with this (and only from rows with their own date and wording version).
    pub consent: Option<ConsentImport>,
    /// Who runs the import (ledger `recorded_by`, audit actor).
    pub recorded_by: String,
}

/// Where the consents in the file come from, as the shop states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentImport {
    pub source: Source,
    /// E.g. "Papierformulare Hofladen 2026, Ordner 3"; each row adds ` (Zeile N)`.
    pub evidence: String,
}

/// The kind of file that was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv { delimiter: char },
    Vcard,
}

/// The consent cells of one row; `None` when the file has no such column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentCells {
    pub service: Option<String>,
    pub marketing: Option<String>,
    pub date: Option<String>,
    pub version: Option<String>,
}

/// One row (CSV) or card (vCard) as read, before any validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceRecord {
    /// Physical line (1-based) where the record starts in the file.
    pub line: u64,
    /// Display name column (`Name`, vCard `FN`); may be empty.
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    /// The preferred phone number as written (mobile first).
    pub phone: Option<String>,
    pub tags: Vec<String>,
    pub note: String,
    pub consent: ConsentCells,
}

/// A decoded import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    pub path: PathBuf,
    pub format: FileFormat,
    pub encoding: TextEncoding,
    pub records: Vec<SourceRecord>,
    /// Columns (CSV) or properties (vCard) that hofbote does not use, each once.
    pub ignored: Vec<String>,
    /// Headers of consent columns found in the file.
    pub consent_columns: Vec<String>,
    /// The columns used and what they become (CSV; empty for vCard).
    pub mapping: Vec<Mapped>,
}

/// Reads, decodes and parses an import file; vCard when the content starts with `BEGIN:VCARD` or the name ends in
/// `.vcf`/`.vcard`, CSV otherwise.
pub fn load(path: &Path) -> Result<ParsedFile, ImportError> {
    let read_err =
        |e: std::io::Error| ImportError::Read { path: path.to_owned(), kind: e.kind(), message: e.to_string() };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    if meta.is_dir() {
        return Err(ImportError::Folder { path: path.to_owned() });
    }
    // A pipe or a device would block the reader (on the app's database thread) or never end.
    if !meta.is_file() {
        return Err(ImportError::NotAFile { path: path.to_owned() });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge { path: path.to_owned(), bytes: meta.len() });
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    parse_bytes(path, &bytes)
}

/// Like [`load`] for bytes already in memory; `path` names the file in reports and errors.
pub fn parse_bytes(path: &Path, bytes: &[u8]) -> Result<ParsedFile, ImportError> {
    let (text, encoding) = decode::decode(bytes);
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    let starts_as_vcard = text.trim_start().get(..11).is_some_and(|s| s.eq_ignore_ascii_case("BEGIN:VCARD"));
    let path_buf = path.to_owned();
    if starts_as_vcard || ext == "vcf" || ext == "vcard" {
        let content = vcard::parse(&text).map_err(|e| match e {
            vcard::VcardError::Unclosed { line } => ImportError::VcardUnclosed { path: path_buf.clone(), line },
            vcard::VcardError::NoCards => ImportError::NoCards { path: path_buf.clone() },
        })?;
        return Ok(ParsedFile {
            path: path_buf,
            format: FileFormat::Vcard,
            encoding,
            records: content.records,
            ignored: content.ignored,
            consent_columns: Vec::new(),
            mapping: Vec::new(),
        });
    }
    let content = csv_file::parse(&text).map_err(|e| match e {
        csv_file::CsvError::Empty => ImportError::Empty { path: path_buf.clone() },
        csv_file::CsvError::Syntax { line, message } => ImportError::Syntax { path: path_buf.clone(), line, message },
        csv_file::CsvError::NoPhoneColumn(found) => ImportError::NoPhoneColumn { path: path_buf.clone(), found },
        csv_file::CsvError::NoNameColumn(found) => ImportError::NoNameColumn { path: path_buf.clone(), found },
    })?;
    Ok(ParsedFile {
        path: path_buf,
        format: FileFormat::Csv { delimiter: char::from(content.delimiter) },
        encoding,
        records: content.records,
        ignored: content.ignored,
        consent_columns: content.consent_columns,
        mapping: content.mapping,
    })
}

/// The dry run as the CLI and the app both run it: reads `path`, makes the default consent wordings when the file
/// has consent columns (a fresh database has none yet; every other path makes them the same way, from the shop's
/// name and address), and plans. Writes nothing else; [`apply`] writes the plan.
pub fn preview(
    store: &mut crate::store::Store,
    path: &Path,
    opts: &ImportOptions,
    shop_name: &str,
    shop_address: &str,
) -> Result<ImportPlan, ImportError> {
    let parsed = load(path)?;
    if !parsed.consent_columns.is_empty() {
        // Without a shop name this fails with the way out (ShopNameMissing).
        store
            .ensure_default_wordings(shop_name, shop_address)
            .map_err(|source| ImportError::Store { path: path.to_owned(), source })?;
    }
    plan(store, &parsed, opts)
}

/// Why an import or export failed. Every variant that concerns a file names it.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: cannot read: {message}", path.display())]
    Read { path: PathBuf, kind: std::io::ErrorKind, message: String },
    #[error("{}: is a folder", path.display())]
    Folder { path: PathBuf },
    #[error("{}: not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("{}: file too large ({bytes} bytes)", path.display())]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error("{}: file is empty", path.display())]
    Empty { path: PathBuf },
    #[error("{}:{line}: {message}", path.display())]
    Syntax { path: PathBuf, line: u64, message: String },
    #[error("{}: no phone column", path.display())]
    NoPhoneColumn { path: PathBuf, found: Vec<String> },
    #[error("{}: no name column", path.display())]
    NoNameColumn { path: PathBuf, found: Vec<String> },
    #[error("{}:{line}: vCard without END:VCARD", path.display())]
    VcardUnclosed { path: PathBuf, line: u64 },
    #[error("{}: no vCard in file", path.display())]
    NoCards { path: PathBuf },
    #[error("{}: consent evidence missing", path.display())]
    EvidenceMissing { path: PathBuf },
    #[error("{}: consent source {source_name} not allowed for an import", path.display())]
    SourceNotAllowed { path: PathBuf, source_name: Source },
    #[error("{}: {source}", path.display())]
    Store { path: PathBuf, source: StoreError },
    #[error("{}:{line}: {source}", path.display())]
    Row { path: PathBuf, line: u64, source: StoreError },
    #[error("{}:{line}: customer changed since the preview", path.display())]
    Changed { path: PathBuf, line: u64 },
    #[error("export: {message}")]
    Write { message: String },
}

impl Localized for ImportError {
    fn localized(&self, lang: Lang) -> String {
        use text::errors as t;
        let file = |p: &Path| display_safe(&p.display().to_string()).into_owned();
        let list = |found: &[String]| {
            if found.is_empty() {
                "–".to_owned()
            } else {
                found.iter().map(|f| display_safe(f).into_owned()).collect::<Vec<_>>().join(", ")
            }
        };
        match self {
            // The common causes in the reader's words, not the system's English.
            ImportError::Read { path, kind: std::io::ErrorKind::NotFound, .. } => {
                t::NOT_FOUND.fill(lang, &[&file(path)])
            }
            ImportError::Read { path, kind: std::io::ErrorKind::PermissionDenied, .. } => {
                t::NOT_ALLOWED.fill(lang, &[&file(path)])
            }
            ImportError::Read { path, message, .. } => {
                t::READ.fill(lang, &[&file(path), &crate::i18n::os_text(message, lang)])
            }
            ImportError::Folder { path } => t::FOLDER.fill(lang, &[&file(path)]),
            ImportError::NotAFile { path } => t::NOT_A_FILE.fill(lang, &[&file(path)]),
            ImportError::TooLarge { path, bytes } => {
                t::TOO_LARGE.fill(lang, &[&file(path), &(bytes / (1024 * 1024)), &(MAX_FILE_BYTES / (1024 * 1024))])
            }
            ImportError::Empty { path } => t::EMPTY.fill(lang, &[&file(path)]),
            ImportError::Syntax { path, line, message } => t::SYNTAX.fill(lang, &[&file(path), line, message]),
            ImportError::NoPhoneColumn { path, found } => t::NO_PHONE_COLUMN.fill(lang, &[&file(path), &list(found)]),
            ImportError::NoNameColumn { path, found } => t::NO_NAME_COLUMN.fill(lang, &[&file(path), &list(found)]),
            ImportError::VcardUnclosed { path, line } => t::VCARD_UNCLOSED.fill(lang, &[&file(path), line]),
            ImportError::NoCards { path } => t::NO_CARDS.fill(lang, &[&file(path)]),
            ImportError::EvidenceMissing { path } => t::EVIDENCE_MISSING.fill(lang, &[&file(path)]),
            ImportError::SourceNotAllowed { path, source_name } => {
                t::SOURCE_NOT_ALLOWED.fill(lang, &[&file(path), &source_name.label().get(lang)])
            }
            ImportError::Store { path, source } => t::STORE.fill(lang, &[&file(path), &source.localized(lang)]),
            ImportError::Row { path, line, source } => t::ROW.fill(lang, &[&file(path), line, &source.localized(lang)]),
            ImportError::Changed { path, line } => t::CHANGED.fill(lang, &[&file(path), line]),
            ImportError::Write { message } => t::WRITE.fill(lang, &[message]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_by_content_and_extension() {
        let csv = parse_bytes(Path::new("k.txt"), "Name;Telefon\nMüller;0171 1234567\n".as_bytes()).unwrap();
        assert_eq!(csv.format, FileFormat::Csv { delimiter: ';' });
        let vcf =
            parse_bytes(Path::new("k.csv"), b"\r\nBEGIN:VCARD\r\nFN:A\r\nTEL:0171 1234567\r\nEND:VCARD\r\n").unwrap();
        assert_eq!(vcf.format, FileFormat::Vcard);
        let err = parse_bytes(Path::new("k.vcf"), b"Name;Telefon\n").unwrap_err();
        assert!(matches!(err, ImportError::NoCards { .. }), "{err:?}");
    }

    #[test]
    fn errors_name_the_file_and_line_in_both_languages() {
        let err = parse_bytes(Path::new("/tmp/kunden.vcf"), b"BEGIN:VCARD\nFN:A\n").unwrap_err();
        let de = err.localized(Lang::De);
        assert!(de.contains("/tmp/kunden.vcf") && de.contains("Zeile 1"), "{de}");
        assert!(err.localized(Lang::En).contains("line 1"), "{}", err.localized(Lang::En));
        let err = parse_bytes(Path::new("liste.csv"), "Name;E-Mail\nA;b\n".as_bytes()).unwrap_err();
        let de = err.localized(Lang::De);
        assert!(de.contains("liste.csv") && de.contains("Telefon") && de.contains("E-Mail"), "{de}");
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let err = load(Path::new("/nonexistent/kunden.csv")).unwrap_err();
        let de = err.localized(Lang::De);
        assert!(de.contains("/nonexistent/kunden.csv") && de.contains("gibt es nicht"), "{de}");
        assert!(!de.contains("os error"), "no English system text in German: {de}");
    }

    #[test]
    fn a_folder_or_a_pipe_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(err, ImportError::Folder { .. }), "{err:?}");
        assert!(err.localized(Lang::De).contains("ist ein Ordner"));
        // /dev/null is a device: reading it would give nothing useful (a pipe would block).
        assert!(matches!(load(Path::new("/dev/null")).unwrap_err(), ImportError::NotAFile { .. }));
    }
}
