//! CSV text to source records: delimiter detection, header mapping (see [`super::columns`]), the preferred phone
//! per row, and the physical line where each record starts (quoted fields with line breaks count). Pure: gets text,
//! returns records; never touches the database and never decides whether a row is valid.

use super::SourceRecord;
use super::columns::{self, Field, RANK_GENERAL, RANK_MOBILE};
use super::decode::detect_delimiter;

/// What a CSV file holds, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvContent {
    pub delimiter: u8,
    pub records: Vec<SourceRecord>,
    /// Headers of columns hofbote does not use, each once, in file order.
    pub ignored: Vec<String>,
    /// Headers of the consent columns present.
    pub consent_columns: Vec<String>,
    /// The used columns and their meaning, in file order.
    pub mapping: Vec<columns::Mapped>,
}

/// Why a CSV file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvError {
    /// No header row.
    Empty,
    Syntax {
        line: u64,
        message: String,
    },
    /// No column for the phone number; carries the headers found.
    NoPhoneColumn(Vec<String>),
    /// No Name/Vorname/Nachname column; carries the headers found.
    NoNameColumn(Vec<String>),
}

pub fn parse(text: &str) -> Result<CsvContent, CsvError> {
    let delimiter = detect_delimiter(text);
    let lines = LineIndex::new(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter.byte)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    if delimiter.sep_line {
        records.next();
    }
    let header = match records.next() {
        None => return Err(CsvError::Empty),
        Some(Err(e)) => return Err(syntax(&e, &lines)),
        Some(Ok(h)) => h,
    };
    let headers: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let columns: Vec<(usize, Field)> =
        headers.iter().enumerate().filter_map(|(i, h)| columns::classify(h).map(|f| (i, f))).collect();
    let found = || headers.iter().filter(|h| !h.is_empty()).cloned().collect::<Vec<_>>();
    if !columns.iter().any(|(_, f)| matches!(f, Field::Phone(_) | Field::GooglePhoneValue(_))) {
        return Err(CsvError::NoPhoneColumn(found()));
    }
    if !columns.iter().any(|(_, f)| matches!(f, Field::Name | Field::FirstName | Field::LastName)) {
        return Err(CsvError::NoNameColumn(found()));
    }
    let mut ignored: Vec<String> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if !h.is_empty() && !columns.iter().any(|(c, _)| *c == i) && !ignored.contains(h) {
            ignored.push(h.clone());
        }
    }
    let consent_columns = columns.iter().filter(|(_, f)| f.is_consent()).map(|(i, _)| headers[*i].clone()).collect();

    let mut out = Vec::new();
    for record in records {
        let record = record.map_err(|e| syntax(&e, &lines))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| lines.line_of_record(p.byte()));
        out.push(map_record(&record, &columns, line));
    }
    let own_export = super::export::is_own_export(&headers);
    let surnames = !own_export && surnames_in_name_column(&columns, &mut out);
    let mapping = columns
        .iter()
        .map(|(i, f)| {
            let field = if surnames && *f == Field::Name { Field::LastName } else { *f };
            columns::Mapped { header: headers[*i].clone(), field }
        })
        .collect();
    Ok(CsvContent { delimiter: delimiter.byte, records: out, ignored, consent_columns, mapping })
}

/// A German list with `Name` and `Vorname` but no `Nachname` column usually means the family name by `Name`
/// ("Müller" | "Jörg" → "Jörg Müller"; only "Müller" was stored). Decided for the whole column: only when no name in
/// it has a space or a comma — a column of full names ("Jörg Müller", "Weiß, Anna") stays. hofbote's own export
/// never gets here (its `Name` is the stored name, whatever it holds). Returns whether the rule was applied.
fn surnames_in_name_column(columns: &[(usize, Field)], records: &mut [SourceRecord]) -> bool {
    let has = |f: Field| columns.iter().any(|(_, c)| *c == f);
    if !has(Field::Name) || !has(Field::FirstName) || has(Field::LastName) {
        return false;
    }
    let single_words = records.iter().all(|r| !r.name.trim().contains([' ', ',']));
    let any_pair = records.iter().any(|r| !r.name.trim().is_empty() && !r.first_name.trim().is_empty());
    if single_words && any_pair {
        for r in records {
            r.last_name = std::mem::take(&mut r.name);
        }
        return true;
    }
    false
}

/// Physical line numbers from byte offsets. The csv crate's own line counter is off after CRLF line ends and blank
/// lines, and its byte offset points at the end of the previous record, so both are corrected here.
struct LineIndex<'a> {
    text: &'a [u8],
    /// Byte offsets of every `\n`.
    newlines: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.as_bytes();
        LineIndex { text, newlines: text.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i).collect() }
    }

    /// The 1-based line where a record whose reading began at `byte` really starts (after line breaks).
    fn line_of_record(&self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        self.newlines.partition_point(|&n| n < start) as u64 + 1
    }
}

fn syntax(e: &csv::Error, lines: &LineIndex<'_>) -> CsvError {
    CsvError::Syntax { line: e.position().map_or(0, |p| lines.line_of_record(p.byte())), message: e.to_string() }
}

/// One row to a source record, by the column meanings.
fn map_record(record: &csv::StringRecord, columns: &[(usize, Field)], line: u64) -> SourceRecord {
    let mut rec = SourceRecord { line, ..SourceRecord::default() };
    // (rank, column index, value): the lowest rank wins, then the leftmost column.
    let mut phones: Vec<(u8, usize, String)> = Vec::new();
    let mut google_types: Vec<(u8, String)> = Vec::new();
    let mut google_values: Vec<(u8, usize, String)> = Vec::new();
    for &(i, field) in columns {
        // hofbote's own export writes formulas as text with a leading apostrophe.
        let value = super::export::strip_formula_escape(record.get(i).unwrap_or("").trim());
        match field {
            Field::Name => set_first(&mut rec.name, value),
            Field::FirstName => set_first(&mut rec.first_name, value),
            Field::LastName => set_first(&mut rec.last_name, value),
            Field::Phone(rank) => {
                if !value.is_empty() {
                    phones.push((rank, i, value.to_owned()));
                }
            }
            Field::GooglePhoneType(n) => google_types.push((n, value.to_owned())),
            Field::GooglePhoneValue(n) => {
                let first = columns::first_google_value(value);
                if !first.is_empty() {
                    google_values.push((n, i, first.to_owned()));
                }
            }
            Field::Tags => {
                if !value.is_empty() {
                    rec.tags.push(value.to_owned());
                }
            }
            Field::GoogleGroups => rec.tags.extend(columns::google_groups(value)),
            Field::Note => {
                if !value.is_empty() {
                    if !rec.note.is_empty() {
                        rec.note.push('\n');
                    }
                    rec.note.push_str(value);
                }
            }
            Field::ConsentService => set_cell(&mut rec.consent.service, value),
            Field::ConsentMarketing => set_cell(&mut rec.consent.marketing, value),
            Field::ConsentDate => set_cell(&mut rec.consent.date, value),
            Field::ConsentVersion => set_cell(&mut rec.consent.version, value),
        }
    }
    for (n, i, value) in google_values {
        let mobile = google_types.iter().any(|(t, kind)| *t == n && columns::is_mobile_type(kind));
        phones.push((if mobile { RANK_MOBILE } else { RANK_GENERAL }, i, value));
    }
    rec.phone = phones.into_iter().min_by_key(|(rank, i, _)| (*rank, *i)).map(|(_, _, v)| v);
    rec
}

fn set_first(target: &mut String, value: &str) {
    if target.is_empty() {
        value.clone_into(target);
    }
}

/// A consent cell: present (maybe empty) once its column exists; the first non-empty value of duplicates counts.
fn set_cell(target: &mut Option<String>, value: &str) {
    match target {
        Some(existing) if !existing.is_empty() => {}
        _ => *target = Some(value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_start_on_their_physical_line() {
        let text =
            "Name;Telefon;Notiz\nMüller;0171 1234567;\"Zeile eins\nZeile zwei\nZeile drei\"\nWeiß;0172 1234567;\n";
        let content = parse(text).unwrap();
        assert_eq!(content.delimiter, b';');
        let lines: Vec<u64> = content.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 5]);
        assert_eq!(content.records[0].note, "Zeile eins\nZeile zwei\nZeile drei");
    }

    #[test]
    fn line_numbers_survive_crlf_blank_lines_and_quoted_newlines() {
        let text = "Name;Telefon\r\n\r\n\r\n\"Jörg\nMüller\";0171 1234567\r\nWeiß;0172 1234567";
        let lines: Vec<u64> = parse(text).unwrap().records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [4, 6]);
    }

    #[test]
    fn crlf_and_empty_rows_and_sep_line() {
        let text = "sep=;\r\nName;Telefon\r\n;\r\nMüller;0171 1234567\r\n";
        let content = parse(text).unwrap();
        assert_eq!(content.records.len(), 1);
        assert_eq!(content.records[0].line, 4);
        assert_eq!(content.records[0].phone.as_deref(), Some("0171 1234567"));
    }

    /// Issue 13 §2: `Name` and `Vorname` without `Nachname` — the family name by `Name` — give "Jörg Müller" (it was
    /// "Müller"); a column that holds full names stays as it is.
    #[test]
    fn a_name_column_beside_first_names_is_the_family_name_when_it_holds_single_words() {
        let c = parse("Name;Vorname;Telefon\nMüller;Jörg;0171 1234567\nWeiß;Anna;0172 1234567\n").unwrap();
        assert_eq!((c.records[0].name.as_str(), c.records[0].last_name.as_str()), ("", "Müller"));
        assert_eq!(c.records[0].first_name, "Jörg");
        let full = parse("Name;Vorname;Telefon\nJörg Müller;Jörg;0171 1234567\nWeiß;Anna;0172 1234567\n").unwrap();
        assert_eq!(full.records[1].name, "Weiß", "one full name in the column: it is a column of names");
    }

    /// The dry run names what each column becomes; `Name` beside `Vorname` is the family name, but never in
    /// hofbote's own export (its `Name` is the stored name, even when every name is one word).
    #[test]
    fn the_mapping_says_what_each_column_becomes_and_the_own_export_keeps_its_names() {
        let c = parse("Name;Vorname;Telefon;Schlagworte;E-Mail\nMüller;Jörg;0171 1234567;Rind;a@b.de\n").unwrap();
        let m: Vec<(&str, Field)> = c.mapping.iter().map(|m| (m.header.as_str(), m.field)).collect();
        assert_eq!(
            m,
            [
                ("Name", Field::LastName),
                ("Vorname", Field::FirstName),
                ("Telefon", Field::Phone(1)),
                ("Schlagworte", Field::Tags)
            ]
        );
        assert_eq!(c.ignored, ["E-Mail"]);
        let own = "Name,Vorname,Telefon,Schlagworte,Notiz,Stand Termine,Stand Werbung,Angelegt,Geändert\n\
                   Müller,Jörg,'+491711234567,Rind,,none,none,2026-11-27T09:00:00.000000Z,2026-11-27T09:00:00.000000Z\n";
        let c = parse(own).unwrap();
        assert_eq!((c.records[0].name.as_str(), c.records[0].first_name.as_str()), ("Müller", "Jörg"));
        assert_eq!(c.mapping[0].field, Field::Name);
    }

    #[test]
    fn mobile_is_preferred_over_other_phone_columns() {
        let text = "Vorname,Nachname,Telefon,Handy\nJörg,Müller,05021 12345,0171 1234567\nAnna,Weiß,05021 12346,\n";
        let c = parse(text).unwrap();
        assert_eq!(c.records[0].phone.as_deref(), Some("0171 1234567"));
        assert_eq!(c.records[0].first_name, "Jörg");
        assert_eq!(c.records[0].last_name, "Müller");
        assert_eq!(c.records[1].phone.as_deref(), Some("05021 12346"));
    }

    #[test]
    fn google_phone_type_mobile_wins_and_groups_become_tags() {
        let text = "Name,Given Name,Family Name,Group Membership,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value\n\
                    Jörg Müller,Jörg,Müller,* myContacts ::: Rind ::: Eier,Home,05021 12345,Mobile,0171 1234567 ::: 0172 1\n";
        let c = parse(text).unwrap();
        let r = &c.records[0];
        assert_eq!(r.phone.as_deref(), Some("0171 1234567"));
        assert_eq!(r.tags, ["Rind", "Eier"]);
        assert!(c.ignored.is_empty(), "{:?}", c.ignored);
    }

    #[test]
    fn unknown_columns_are_listed_once() {
        let text = "Name,E-Mail,Telefon,E-Mail,Geburtstag\nMüller,a@b.de,0171 1234567,c@d.de,1.1.1970\n";
        let c = parse(text).unwrap();
        assert_eq!(c.ignored, ["E-Mail", "Geburtstag"]);
    }

    #[test]
    fn consent_cells_are_present_only_with_their_column() {
        let text = "Name;Telefon;Einwilligung Werbung;Einwilligung Datum\nMüller;0171 1234567;ja;\n";
        let c = parse(text).unwrap();
        let r = &c.records[0];
        assert_eq!(r.consent.marketing.as_deref(), Some("ja"));
        assert_eq!(r.consent.date.as_deref(), Some(""));
        assert_eq!(r.consent.service, None);
        assert_eq!(r.consent.version, None);
        assert_eq!(c.consent_columns, ["Einwilligung Werbung", "Einwilligung Datum"]);
    }

    #[test]
    fn files_without_phone_or_name_column_are_refused() {
        assert_eq!(parse(""), Err(CsvError::Empty));
        assert!(
            matches!(parse("Name;E-Mail\nMüller;a@b.de\n"), Err(CsvError::NoPhoneColumn(h)) if h == ["Name", "E-Mail"])
        );
        assert!(matches!(parse("Telefon;E-Mail\n0171 1234567;a@b.de\n"), Err(CsvError::NoNameColumn(_))));
    }
}
