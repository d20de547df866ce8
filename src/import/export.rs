//! The customer list as CSV (UTF-8, comma, header row), readable by spreadsheets and by hofbote's own import.
//! Consent appears as its current state only (English keys); an export is never consent evidence, so the import
//! ignores those columns. Writes to the given writer; never opens files or reads the database itself.

use std::io::Write;

use super::ImportError;
use crate::domain::customer::CustomerRow;
use crate::store::ts;

/// The export's columns, in order.
pub const EXPORT_HEADER: [&str; 9] =
    ["name", "first_name", "phone", "tags", "note", "consent_service", "consent_marketing", "created_at", "updated_at"];

/// Writes `rows` as CSV to `out`.
pub fn export_csv(rows: &[CustomerRow], out: &mut dyn Write) -> Result<(), ImportError> {
    let write_err = |e: csv::Error| ImportError::Write { message: e.to_string() };
    let mut writer = csv::WriterBuilder::new().delimiter(b',').from_writer(out);
    writer.write_record(EXPORT_HEADER).map_err(write_err)?;
    for row in rows {
        let c = &row.customer;
        writer
            .write_record([
                c.name.as_str(),
                c.first_name.as_str(),
                c.phone.as_e164(),
                c.tags.join(";").as_str(),
                c.note.as_str(),
                row.consent.service.as_str(),
                row.consent.marketing.as_str(),
                ts(c.created_at).as_str(),
                ts(c.updated_at).as_str(),
            ])
            .map_err(write_err)?;
    }
    writer.flush().map_err(|e| ImportError::Write { message: e.to_string() })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::consent::ConsentState;
    use crate::domain::customer::{ConsentPair, Customer};
    use crate::domain::phone::{Phone, Region};
    use chrono::TimeZone;

    #[test]
    fn quotes_newlines_and_joins_tags() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        let row = CustomerRow {
            customer: Customer {
                id: 1,
                name: "Müller, Jörg".into(),
                first_name: "Jörg".into(),
                phone: Phone::parse("0171 1234567", Region::DE).unwrap(),
                user_id: None,
                tags: vec!["Eier".into(), "Rind".into()],
                note: "Zeile 1\nZeile \"2\"".into(),
                created_at: at,
                updated_at: at,
            },
            consent: ConsentPair { service: ConsentState::Granted, marketing: ConsentState::Withdrawn },
        };
        let mut out = Vec::new();
        export_csv(&[row], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "name,first_name,phone,tags,note,consent_service,consent_marketing,created_at,updated_at\n\
             \"Müller, Jörg\",Jörg,+491711234567,Eier;Rind,\"Zeile 1\nZeile \"\"2\"\"\",granted,withdrawn,\
             2026-11-27T09:00:00.000000Z,2026-11-27T09:00:00.000000Z\n"
        );
    }
}
