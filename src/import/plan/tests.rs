//! Unit tests of the import plan (matching, rejections, consent columns). Test code only.
use std::path::Path;
use std::sync::Arc;

use chrono::TimeZone;

use super::*;
use crate::clock::ManualClock;
use crate::domain::phone::Region;
use crate::import::parse_bytes;

fn store() -> Store {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap());
    let mut s = Store::open_in_memory(Arc::new(clock)).unwrap();
    s.ensure_default_wordings("Hof Sonnenwiese", "Dorfstr. 1").unwrap();
    s
}

fn opts(consent: Option<ConsentImport>) -> ImportOptions {
    ImportOptions { region: Region::DE, consent, recorded_by: "Anna".into() }
}

fn forms() -> Option<ConsentImport> {
    Some(ConsentImport { source: Source::ShopForm, evidence: "Formulare 2026".into() })
}

fn plan_text(s: &Store, text: &str, o: &ImportOptions) -> ImportPlan {
    let file = parse_bytes(Path::new("kunden.csv"), text.as_bytes()).unwrap();
    plan(s, &file, o).unwrap()
}

fn reasons(p: &ImportPlan) -> Vec<(u64, RejectReason)> {
    p.rejected.iter().map(|r| (r.line, r.reason.clone())).collect()
}

#[test]
fn every_rejected_row_has_its_line_and_reason() {
    let s = store();
    let text = "Name;Telefon;Notiz\n\
                Jörg Müller;0171 1234567;\"Holt Freitag ab\nzwei Zeilen\"\n\
                Anna Weiß;0171;\n\
                ;0172 1234567;\n\
                Kurt Kaiser;;\n\
                Jörg M.;+49 171 1234567;\n\
                Eva Berg;0160 1234567;\n";
    let p = plan_text(&s, text, &opts(None));
    let jorg = Phone::parse("0171 1234567", Region::DE).unwrap();
    assert_eq!(
        reasons(&p),
        vec![
            (4, RejectReason::InvalidPhone { raw: "0171".into(), error: PhoneError::TooShort }),
            (5, RejectReason::MissingName),
            (6, RejectReason::MissingPhone),
            (7, RejectReason::Duplicate { phone: jorg, first_line: 2 }),
        ]
    );
    assert_eq!(p.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 8]);
    assert_eq!(p.adds(), 2);
    let report = p.report(Lang::De);
    assert!(report.contains("Zeile 4: Telefonnummer ungültig: zu wenige Ziffern"), "{report}");
    assert!(report.contains("Zeile 7: Die Nummer +49 171 1234567 steht schon in Zeile 2"), "{report}");
    assert!(report.contains("Zeile 6: Telefonnummer fehlt."), "{report}");
    assert!(report.contains("  neu:           2"), "{report}");
    let en = p.report(Lang::En);
    assert!(en.contains("line 4: Invalid phone number: too few digits"), "{en}");
}

#[test]
fn display_name_falls_back_to_first_and_last_name() {
    let s = store();
    let p = plan_text(&s, "Vorname,Nachname,Mobil\nJörg,Müller,0171 1234567\n,Weiß,0172 1234567\n", &opts(None));
    let names: Vec<(&str, &str)> =
        p.rows.iter().map(|r| (r.draft.name.as_str(), r.draft.first_name.as_str())).collect();
    assert_eq!(names, [("Jörg Müller", "Jörg"), ("Weiß", "")]);
}

#[test]
fn existing_customers_are_updated_tags_merged_empty_cells_keep_data() {
    let mut s = store();
    let phone = Phone::parse("0171 1234567", Region::DE).unwrap();
    let draft = CustomerDraft::new("Jörg Müller", "Jörg", phone, &["Rind".into()], "Stammkunde").unwrap();
    let c = s.insert_customer(&draft).unwrap();
    let p = plan_text(&s, "Name;Telefon;Tags;Notiz\nJörg Müller-Lüdenscheidt;01711234567;Eier, rind;\n", &opts(None));
    assert_eq!(p.rows.len(), 1);
    let row = &p.rows[0];
    assert_eq!(
        row.action,
        RowAction::Update { id: c.id, seen_updated_at: c.updated_at, changes: vec![Change::Name, Change::Tags] }
    );
    assert_eq!(row.draft.tags, ["Eier", "Rind"]);
    assert_eq!(row.draft.first_name, "Jörg");
    assert_eq!(row.draft.note, "Stammkunde");
    // The same data again: nothing to do.
    let p = plan_text(&s, "Name;Telefon;Tags\nJörg Müller;+491711234567;Rind\n", &opts(None));
    assert_eq!(p.rows[0].action, RowAction::Unchanged { id: c.id });
    assert!(!p.has_changes());
    assert!(p.report(Lang::De).contains("Nichts zu tun"));
}

const CONSENT_CSV: &str = "Name;Telefon;Einwilligung Termine;Einwilligung Werbung;Einwilligung Datum;Einwilligung Version\n\
                           Jörg Müller;0171 1234567;ja;nein;03.05.2026 10:15;1\n\
                           Anna Weiß;0172 1234567;x;X;2026-04-01;1\n\
                           Eva Berg;0160 1234567;;;;\n";

#[test]
fn consent_columns_without_source_are_ignored_and_said_so() {
    let s = store();
    let p = plan_text(&s, CONSENT_CSV, &opts(None));
    assert!(p.rows.iter().all(|r| r.consents.is_empty()));
    assert!(matches!(&p.consent, ConsentHandling::Ignored { columns } if columns.len() == 4));
    let report = p.report(Lang::De);
    assert!(report.contains("werden ignoriert") && report.contains("--consent-source"), "{report}");
}

#[test]
fn consent_with_source_uses_each_rows_date_and_version() {
    let s = store();
    let p = plan_text(&s, CONSENT_CSV, &opts(forms()));
    assert!(p.rejected.is_empty(), "{:?}", p.rejected);
    let jorg = &p.rows[0].consents;
    assert_eq!(jorg.len(), 1);
    assert_eq!(jorg[0].purpose, Purpose::Service);
    assert_eq!(jorg[0].occurred_at, Utc.with_ymd_and_hms(2026, 5, 3, 8, 15, 0).unwrap());
    assert_eq!(jorg[0].wording_version, 1);
    assert_eq!(jorg[0].evidence, "Formulare 2026 (Zeile 2)");
    assert_eq!(jorg[0].source, Source::ShopForm);
    let anna = &p.rows[1].consents;
    assert_eq!(anna.iter().map(|c| c.purpose).collect::<Vec<_>>(), [Purpose::Service, Purpose::Marketing]);
    assert_eq!(anna[1].occurred_at, Utc.with_ymd_and_hms(2026, 3, 31, 22, 0, 0).unwrap());
    assert!(p.rows[2].consents.is_empty());
    assert_eq!(p.consents(), (2, 1));
    assert!(p.report(Lang::De).contains("Einwilligungen: 3 werden erfasst (Termine 2, Angebote 1)"));
}

#[test]
fn bad_consent_cells_reject_the_row() {
    let s = store();
    let text = "Name;Telefon;Einwilligung Werbung;Einwilligung Datum;Einwilligung Version\n\
                A;0171 1111111;ja;;1\n\
                B;0171 2222222;ja;gestern;1\n\
                C;0171 3333333;ja;01.05.2026;\n\
                D;0171 4444444;ja;01.05.2026;eins\n\
                E;0171 5555555;ja;01.05.2026;7\n\
                F;0171 6666666;vielleicht;01.05.2026;1\n\
                G;0171 7777777;ja;01.05.2027;1\n\
                H;0171 8888888;nein;;\n";
    let p = plan_text(&s, text, &opts(forms()));
    assert_eq!(
        reasons(&p),
        vec![
            (2, RejectReason::ConsentDateMissing),
            (3, RejectReason::ConsentDateInvalid("gestern".into())),
            (4, RejectReason::ConsentVersionMissing),
            (5, RejectReason::ConsentVersionInvalid("eins".into())),
            (6, RejectReason::WordingUnknown { purpose: Purpose::Marketing, version: 7 }),
            (7, RejectReason::ConsentValue { purpose: Purpose::Marketing, value: "vielleicht".into() }),
            (8, RejectReason::ConsentInFuture),
        ]
    );
    assert_eq!(p.rows.len(), 1);
    let report = p.report(Lang::De);
    assert!(report.contains("Zeile 6: Einwilligungstext Angebote (Werbung) Version 7 gibt es nicht"), "{report}");
    // Without a source the same rows are imported and nothing is recorded.
    let p = plan_text(&s, text, &opts(None));
    assert!(p.rejected.is_empty());
    assert!(!p.rows.iter().any(|r| !r.consents.is_empty()));
}

#[test]
fn source_and_evidence_are_checked() {
    let s = store();
    let file = parse_bytes(Path::new("k.csv"), CONSENT_CSV.as_bytes()).unwrap();
    let empty = Some(ConsentImport { source: Source::ShopForm, evidence: "  ".into() });
    assert!(matches!(plan(&s, &file, &opts(empty)), Err(ImportError::EvidenceMissing { .. })));
    let wrong = Some(ConsentImport { source: Source::DeliveryError, evidence: "x".into() });
    let err = plan(&s, &file, &opts(wrong)).unwrap_err();
    assert!(err.localized(Lang::De).contains("Zustellfehler"), "{}", err.localized(Lang::De));
    let no_columns = parse_bytes(Path::new("k.csv"), b"Name;Telefon\nA;0171 1234567\n").unwrap();
    let p = plan(&s, &no_columns, &opts(forms())).unwrap();
    assert_eq!(p.consent, ConsentHandling::NoColumns);
}

#[test]
fn counts_are_written_the_readers_way() {
    assert_eq!(count(0, Lang::De), "0");
    assert_eq!(count(999, Lang::De), "999");
    assert_eq!(count(1234, Lang::De), "1.234");
    assert_eq!(count(10_000, Lang::En), "10,000");
    assert_eq!(count(1_234_567, Lang::De), "1.234.567");
}
