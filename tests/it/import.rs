//! Integration tests: customer import and export against a real SQLite file (`Store::open` in a tempdir), with the
//! hand-written fixtures in `tests/fixtures/import/` (see SOURCES.md there).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use hofbote::clock::ManualClock;
use hofbote::domain::consent::{ConsentState, EventKind, Purpose, Source};
use hofbote::domain::customer::{Customer, CustomerDraft};
use hofbote::domain::phone::{Phone, Region};
use hofbote::i18n::{Lang, Localized};
use hofbote::import::{
    self, ConsentHandling, ConsentImport, FileFormat, ImportError, ImportOptions, ImportPlan, RejectReason,
    TextEncoding,
};
use hofbote::store::Store;
use hofbote::store::customers::CustomerFilter;

use crate::support::fixture;

struct Db {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
    clock: ManualClock,
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()
}

fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("hofbote.sqlite");
    let clock = ManualClock::new(now());
    let mut store = Store::open(&path, Arc::new(clock.clone())).unwrap();
    store.ensure_default_wordings("Hof Sonnenwiese", "Dorfstr. 1, 31582 Nienburg").unwrap();
    Db { _dir: dir, path, store, clock }
}

fn opts() -> ImportOptions {
    ImportOptions { region: Region::DE, consent: None, recorded_by: "Anna (Hofladen)".into() }
}

fn with_forms() -> ImportOptions {
    ImportOptions {
        consent: Some(ConsentImport { source: Source::ShopForm, evidence: "Formulare Hofladen 2026, Ordner 3".into() }),
        ..opts()
    }
}

fn plan_file(db: &Db, rel: &str, o: &ImportOptions) -> ImportPlan {
    let file = import::load(&fixture(&format!("import/{rel}"))).unwrap();
    import::plan(&db.store, &file, o).unwrap()
}

fn apply_file(db: &mut Db, rel: &str, o: &ImportOptions) -> ImportPlan {
    let plan = plan_file(db, rel, o);
    import::apply(&mut db.store, &plan).unwrap();
    plan
}

fn customers(db: &Db) -> Vec<Customer> {
    db.store.list_customers(&CustomerFilter::default()).unwrap().into_iter().map(|r| r.customer).collect()
}

fn by_phone(db: &Db, phone: &str) -> Customer {
    db.store.customer_by_phone(&Phone::parse(phone, Region::DE).unwrap()).unwrap().unwrap()
}

/// Every row of every table, as text, sorted per table: the whole database content.
fn dump(store: &Store) -> Vec<String> {
    let conn = store.conn();
    let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").unwrap();
    let tables: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    let mut out = Vec::new();
    for table in tables {
        // Table names come from sqlite_master, not from data.
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let vals: Vec<String> = (0..n).map(|i| format!("{:?}", r.get_ref(i).unwrap())).collect::<Vec<_>>();
                Ok(format!("{table}: {}", vals.join(" | ")))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.push(format!("{table}: {} rows", rows.len()));
        out.extend(rows);
    }
    out
}

fn rejected(plan: &ImportPlan) -> Vec<(u64, String)> {
    plan.rejected.iter().map(|r| (r.line, r.reason.localized(Lang::De))).collect()
}

#[test]
fn windows_1252_semicolon_file_from_german_excel() {
    let mut db = db();
    let plan = apply_file(&mut db, "kunden_excel_cp1252.csv", &opts());
    assert_eq!(plan.encoding, TextEncoding::Windows1252);
    assert_eq!(plan.format, FileFormat::Csv { delimiter: ';' });
    assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
    assert_eq!(plan.adds(), 4);
    let jorg = by_phone(&db, "0171 1234567");
    assert_eq!((jorg.name.as_str(), jorg.first_name.as_str()), ("Jörg Müller", "Jörg"));
    assert_eq!(jorg.tags, ["Rind", "Schwein"]);
    assert_eq!(jorg.note, "Holt Rind am Freitag");
    assert_eq!(by_phone(&db, "0172 3456789").name, "Anna Weiß");
    let kathe = by_phone(&db, "0160 9876543");
    assert_eq!(kathe.name, "Käthe Groß-Schäfer");
    assert_eq!(kathe.note, "Zahlt bar – 5 € Pfand offen");
    assert_eq!(by_phone(&db, "+4915123456789").name, "Ümit Öztürk");
    assert!(plan.report(Lang::De).contains("Windows-1252"));
}

#[test]
fn utf8_file_with_bom() {
    let mut db = db();
    let plan = apply_file(&mut db, "kunden_utf8_bom.csv", &opts());
    assert_eq!(plan.encoding, TextEncoding::Utf8Bom);
    assert_eq!(plan.format, FileFormat::Csv { delimiter: ',' });
    assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
    assert!(plan.ignored.is_empty(), "the BOM must not spoil the first header: {:?}", plan.ignored);
    let mut names: Vec<String> = customers(&db).into_iter().map(|c| c.name).collect();
    names.sort();
    // "Mu\u{308}ller" (NFD) in the file is stored as NFC.
    assert_eq!(names, ["Jörg Müller", "Müller-Lüdenscheidt", "Weiß, Anna", "Ærø Hansen"]);
    assert_eq!(by_phone(&db, "+45 20 12 34 56").note, "Kommt aus Dänemark 🇩🇰");
    assert_eq!(by_phone(&db, "0172 3456789").tags, ["Eier", "Geflügel"]);
}

#[test]
fn google_contacts_export() {
    let mut db = db();
    let plan = apply_file(&mut db, "google_contacts.csv", &opts());
    assert_eq!(rejected(&plan), [(6, "Telefonnummer fehlt.".to_owned())]);
    let jorg = by_phone(&db, "0171 1234567");
    assert_eq!((jorg.name.as_str(), jorg.first_name.as_str()), ("Jörg Müller", "Jörg"));
    assert_eq!(jorg.tags, ["Rind", "Schwein"]);
    assert_eq!(jorg.note, "Holt jeden Freitag, meist vormittags");
    let anna = by_phone(&db, "0172 3456789");
    assert_eq!(anna.tags, ["Eier"], "system groups like * starred are not tags");
    assert_eq!(by_phone(&db, "0160 9876543").name, "Hofladen Kundin Käthe");
    assert_eq!(customers(&db).len(), 3);
    assert!(plan.ignored.iter().any(|c| c == "E-mail 1 - Value"));
    assert!(plan.ignored.iter().any(|c| c == "Birthday"));
    assert!(!plan.ignored.iter().any(|c| c.starts_with("Phone") || c == "Group Membership"));
    let report = plan.report(Lang::De);
    assert!(report.contains("Nicht verwendete Spalten: Additional Name,"), "{report}");

    let plan = plan_file(&db, "google_contacts_neu.csv", &opts());
    assert!(plan.rejected.is_empty());
    assert_eq!(plan.updates(), 1, "Anna gets a note");
    assert_eq!(plan.unchanged(), 1);
}

#[test]
fn outlook_export() {
    let mut db = db();
    let plan = apply_file(&mut db, "outlook.csv", &opts());
    assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
    let jorg = by_phone(&db, "0171 1234567");
    assert_eq!(jorg.name, "Jörg Müller");
    assert_eq!(jorg.tags, ["Rind", "Schwein"]);
    assert_eq!(jorg.note, "Bestellt \"halbes Schwein\" zu Ostern");
    assert_eq!(by_phone(&db, "0172 3456789").name, "Anna Weiß", "Primary Phone before Business Phone");
    let kathe = by_phone(&db, "0160 9876543");
    assert_eq!(kathe.note, "Gastronomie,\nliefert montags");
    assert_eq!(customers(&db).len(), 3);
}

#[test]
fn vcard_3_4_and_2_1() {
    let mut db = db();
    let plan = apply_file(&mut db, "kontakte_v3.vcf", &opts());
    assert_eq!(plan.format, FileFormat::Vcard);
    assert_eq!(rejected(&plan), [(32, "Telefonnummer fehlt.".to_owned())]);
    let jorg = by_phone(&db, "0171 1234567");
    assert_eq!((jorg.name.as_str(), jorg.first_name.as_str()), ("Jörg Müller", "Jörg"));
    assert_eq!(jorg.tags, ["Rind", "Schwein"]);
    assert_eq!(jorg.note, "Holt jeden Freitag, meist vormittags.\nBestellt zu Ostern ein halbes Schwein; zahlt bar.");
    assert_eq!(by_phone(&db, "0172 3456789").name, "Anna Weiß");
    assert_eq!(by_phone(&db, "0160 9876543").name, "Käthe Groß");
    assert_eq!(plan.ignored, ["ORG", "EMAIL", "ADR", "PHOTO"]);

    let plan = plan_file(&db, "kontakte_v4.vcf", &opts());
    assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
    let phones: Vec<&str> = plan.rows.iter().map(|r| r.draft.phone.as_ref().unwrap().as_e164()).collect();
    assert_eq!(phones, ["+491711234567", "+491723456780", "+4915123456789"]);
    assert_eq!(plan.adds(), 2, "Anna's preferred cell number is a different one");
    assert_eq!(plan.updates(), 1, "Jörg's note changes");

    let plan = plan_file(&db, "kontakte_v21.vcf", &opts());
    assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
    let jorg = &plan.rows[0].draft;
    assert_eq!((jorg.name.as_str(), jorg.phone.as_ref().unwrap().as_e164()), ("Jörg Müller", "+491711234567"));
    assert_eq!(jorg.note, "Holt Rind und Schwein am Freitag, zahlt bar.");
    assert_eq!(plan.rows[1].draft.name, "Anna Weiß", "from ISO-8859-1 quoted-printable");
}

#[test]
fn bad_rows_are_reported_with_their_physical_line() {
    let db = db();
    let plan = plan_file(&db, "fehlerhafte_zeilen.csv", &opts());
    let lines: Vec<u64> = plan.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [5, 6, 7, 8, 11]);
    assert!(matches!(plan.rejected[0].reason, RejectReason::InvalidPhone { .. }));
    assert!(matches!(plan.rejected[1].reason, RejectReason::MissingPhone));
    assert!(matches!(plan.rejected[2].reason, RejectReason::MissingName));
    assert!(matches!(plan.rejected[3].reason, RejectReason::Duplicate { first_line: 2, .. }));
    assert!(matches!(plan.rejected[4].reason, RejectReason::InvalidPhone { .. }));
    assert_eq!(plan.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 9, 12]);
    let report = plan.report(Lang::De);
    for expected in [
        "Zeile 5: Telefonnummer ungültig",
        "Zeile 6: Telefonnummer fehlt.",
        "Zeile 7: Name fehlt",
        "Zeile 8: Die Nummer +49 171 1234567 steht schon in Zeile 2",
        "Zeile 11: Telefonnummer ungültig: enthält Zeichen, die keine Ziffern sind (abc)",
        "  abgelehnt:     5",
        "  neu:           3",
    ] {
        assert!(report.contains(expected), "missing {expected:?} in\n{report}");
    }
    let en = plan.report(Lang::En);
    assert!(en.contains("line 8: The number +49 171 1234567 is already in line 2"), "{en}");
}

#[test]
fn dry_run_changes_nothing() {
    let mut db = db();
    apply_file(&mut db, "kunden_excel_cp1252.csv", &opts());
    let before = dump(&db.store);
    for rel in ["google_contacts.csv", "outlook.csv", "kontakte_v3.vcf", "fehlerhafte_zeilen.csv", "einwilligungen.csv"]
    {
        let plan = plan_file(&db, rel, &with_forms());
        assert!(plan.has_changes(), "{rel}");
        let _ = plan.report(Lang::De);
    }
    assert_eq!(dump(&db.store), before);
}

#[test]
fn a_failing_row_rolls_back_the_whole_import() {
    let mut db = db();
    apply_file(&mut db, "kunden_excel_cp1252.csv", &opts());
    // The last accepted row (line 12) fails inside the transaction, after two rows were already written.
    db.store
        .conn()
        .execute_batch(
            "CREATE TRIGGER fail_greta BEFORE INSERT ON customers WHEN NEW.name = 'Greta Lang'
             BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;",
        )
        .unwrap();
    let before = dump(&db.store);
    let plan = plan_file(&db, "fehlerhafte_zeilen.csv", &opts());
    assert_eq!(plan.rows.len(), 3);
    let err = import::apply(&mut db.store, &plan).unwrap_err();
    assert!(matches!(err, ImportError::Row { line: 12, .. }), "{err:?}");
    let de = err.localized(Lang::De);
    assert!(
        de.contains("fehlerhafte_zeilen.csv") && de.contains("Zeile 12") && de.contains("nichts gespeichert"),
        "{de}"
    );
    assert_eq!(dump(&db.store), before);
}

#[test]
fn a_failing_consent_rolls_back_customers_too() {
    let mut db = db();
    db.store.add_wording(Purpose::Service, "Text 2 Termine").unwrap();
    db.store.add_wording(Purpose::Marketing, "Text 2 Angebote").unwrap();
    db.store
        .conn()
        .execute_batch(
            "CREATE TRIGGER fail_eva BEFORE INSERT ON consent_events WHEN NEW.evidence LIKE '%(Zeile 6)'
             BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;",
        )
        .unwrap();
    let before = dump(&db.store);
    let plan = plan_file(&db, "einwilligungen.csv", &with_forms());
    let err = import::apply(&mut db.store, &plan).unwrap_err();
    assert!(matches!(err, ImportError::Row { line: 6, .. }), "{err:?}");
    assert_eq!(dump(&db.store), before);
}

#[test]
fn a_customer_changed_after_the_preview_stops_the_import() {
    let mut db = db();
    apply_file(&mut db, "kunden_excel_cp1252.csv", &opts());
    let plan = plan_file(&db, "google_contacts.csv", &opts());
    assert!(plan.updates() > 0);
    let jorg = by_phone(&db, "0171 1234567");
    db.clock.advance(Duration::minutes(1));
    let draft = CustomerDraft::new("Jörg Müller", "Jörg", jorg.phone.clone().unwrap(), &jorg.tags, "geändert").unwrap();
    db.store.update_customer(jorg.id, &draft).unwrap();
    let before = dump(&db.store);
    let err = import::apply(&mut db.store, &plan).unwrap_err();
    assert!(matches!(err, ImportError::Changed { .. }), "{err:?}");
    assert!(err.localized(Lang::De).contains("seit der Vorschau geändert"));
    assert_eq!(dump(&db.store), before);
}

#[test]
fn reimport_updates_instead_of_duplicating_and_merges_tags() {
    let mut db = db();
    apply_file(&mut db, "kunden_excel_cp1252.csv", &opts());
    let count = customers(&db).len();
    // Same file again: nothing to do.
    let again = plan_file(&db, "kunden_excel_cp1252.csv", &opts());
    assert_eq!((again.adds(), again.updates(), again.unchanged()), (0, 0, 4));
    assert!(!again.has_changes());
    // Anna is tagged "Eier" in the Excel list and "Eier, Geflügel" in the BOM file: tags are merged, not replaced.
    let plan = apply_file(&mut db, "kunden_utf8_bom.csv", &opts());
    assert_eq!(plan.adds(), 2);
    assert_eq!(plan.updates(), 2);
    assert_eq!(customers(&db).len(), count + 2);
    let anna = by_phone(&db, "0172 3456789");
    assert_eq!(anna.tags, ["Eier", "Geflügel"]);
    assert_eq!(anna.name, "Weiß, Anna");
    let jorg = by_phone(&db, "0171 1234567");
    assert_eq!(jorg.tags, ["Rind", "Schwein"]);
    assert_eq!(jorg.note, "Stammkunde seit 2019");
    // The Outlook file has empty cells where values are stored (Anna's note): stored values stay.
    apply_file(&mut db, "outlook.csv", &opts());
    let anna = by_phone(&db, "0172 3456789");
    assert_eq!(anna.first_name, "Anna");
    assert_eq!(anna.tags, ["Eier", "Geflügel"]);
    assert_eq!(customers(&db).len(), count + 2);
    // The audit log has one entry per apply, with counts only.
    let audit = db.store.audit_entries(10).unwrap();
    let imports: Vec<_> = audit.iter().filter(|a| a.action == "customers_imported").collect();
    assert_eq!(imports.len(), 3);
    assert_eq!(imports[1].detail, "added=2 updated=2 unchanged=0 rejected=0 consents=0");
    assert_eq!(imports[1].actor, "Anna (Hofladen)");
    assert!(imports.iter().all(|a| !a.detail.contains("Müller") && !a.detail.contains('+')));
}

#[test]
fn ten_thousand_rows_import_fully() {
    let mut db = db();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gross.csv");
    std::fs::write(&path, generated_csv(10_000)).unwrap();
    let file = import::load(&path).unwrap();
    assert_eq!(file.records.len(), 10_000);
    let plan = import::plan(&db.store, &file, &opts()).unwrap();
    assert!(plan.rejected.is_empty(), "{:?}", &plan.rejected[..plan.rejected.len().min(3)]);
    let summary = import::apply(&mut db.store, &plan).unwrap();
    assert_eq!(summary.added, 10_000);
    assert_eq!(db.store.customer_count().unwrap(), 10_000);
    let last = by_phone(&db, "+4915120009999");
    assert_eq!(last.name, "Kunde 9999 Müller");
    assert_eq!(last.tags, ["Eier", "Rind"]);
    assert!(summary.report(Lang::De).contains("10.000 neu"), "German thousands separator");
    assert!(summary.report(Lang::En).contains("10,000 new"));
}

/// `n` customers with valid, distinct mobile numbers; every 7th note spans two lines.
fn generated_csv(n: usize) -> String {
    let mut s = String::from("Name;Vorname;Telefon;Tags;Notiz\n");
    for i in 0..n {
        let note = if i % 7 == 0 { "\"Zeile eins\nZeile zwei\"".to_owned() } else { format!("Notiz {i}") };
        s.push_str(&format!("Kunde {i} Müller;Kunde;0151 2{i:07};Rind, Eier;{note}\n"));
    }
    s
}

#[test]
fn consent_columns_with_source_record_each_rows_own_date_and_version() {
    let mut db = db();
    db.store.add_wording(Purpose::Service, "Text 2 Termine").unwrap();
    db.store.add_wording(Purpose::Marketing, "Text 2 Angebote").unwrap();
    let plan = plan_file(&db, "einwilligungen.csv", &with_forms());
    assert_eq!(rejected(&plan).len(), 1);
    assert_eq!(plan.rejected[0].line, 5);
    assert_eq!(plan.rejected[0].reason, RejectReason::ConsentDateMissing);
    let summary = import::apply(&mut db.store, &plan).unwrap();
    assert_eq!(summary.consents_recorded, 5);

    let jorg = by_phone(&db, "0171 1234567");
    let ledger = db.store.ledger(jorg.id).unwrap();
    assert_eq!(ledger.len(), 2);
    for e in &ledger {
        assert_eq!(e.kind, EventKind::Granted);
        assert_eq!(e.source, Source::ShopForm);
        // 03.05.2026 in Berlin (summer time) — the form's date, not today, and version 1 although 2 is current.
        assert_eq!(e.occurred_at, Utc.with_ymd_and_hms(2026, 5, 2, 22, 0, 0).unwrap());
        assert_eq!(e.wording_version, Some(1));
        assert_eq!(e.evidence, "Formulare Hofladen 2026, Ordner 3 (Zeile 2)");
        assert_eq!(e.recorded_by, "Anna (Hofladen)");
        assert_eq!(e.recorded_at, now());
    }
    let anna = db.store.ledger(by_phone(&db, "0172 3456789").id).unwrap();
    assert_eq!(anna.len(), 1);
    assert_eq!(anna[0].purpose, Purpose::Service);
    assert_eq!(anna[0].occurred_at, Utc.with_ymd_and_hms(2026, 4, 1, 14, 45, 0).unwrap());
    assert!(db.store.ledger(by_phone(&db, "0160 9876543").id).unwrap().is_empty());
    let eva = db.store.ledger(by_phone(&db, "0176 12345678").id).unwrap();
    assert!(eva.iter().all(|e| e.wording_version == Some(2) && e.evidence.ends_with("(Zeile 6)")));
    assert_eq!(db.store.customer_consent(jorg.id).unwrap().marketing, ConsentState::Granted);

    // The same file again records nothing twice.
    let again = plan_file(&db, "einwilligungen.csv", &with_forms());
    assert!(!again.has_changes());
    assert!(matches!(again.consent, ConsentHandling::Record { already_recorded: 5, .. }));
}

#[test]
fn consent_columns_without_source_record_nothing() {
    let mut db = db();
    let plan = apply_file(&mut db, "einwilligungen.csv", &opts());
    assert!(plan.rejected.is_empty(), "rows are imported, consent columns ignored: {:?}", plan.rejected);
    assert_eq!(plan.adds(), 5);
    assert!(matches!(&plan.consent, ConsentHandling::Ignored { columns } if columns.len() == 4));
    assert!(plan.report(Lang::De).contains("Einwilligungs-Spalten (Einwilligung Termine, Einwilligung Werbung"));
    let events: i64 = db.store.conn().query_row("SELECT count(*) FROM consent_events", [], |r| r.get(0)).unwrap();
    assert_eq!(events, 0);
    assert!(
        db.store
            .list_customers(&CustomerFilter::default())
            .unwrap()
            .iter()
            .all(|r| r.consent.service == ConsentState::None && r.consent.marketing == ConsentState::None)
    );
}

fn export(db: &Db, out: &Path) -> String {
    let rows = db.store.list_customers(&CustomerFilter::default()).unwrap();
    let mut file = std::fs::File::create(out).unwrap();
    import::export_csv(&rows, hofbote::i18n::Lang::En, &mut file).unwrap();
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn export_then_import_round_trips() {
    let mut a = db();
    a.store.add_wording(Purpose::Service, "Text 2 Termine").unwrap();
    a.store.add_wording(Purpose::Marketing, "Text 2 Angebote").unwrap();
    apply_file(&mut a, "kunden_utf8_bom.csv", &opts());
    apply_file(&mut a, "fehlerhafte_zeilen.csv", &opts());
    apply_file(&mut a, "einwilligungen.csv", &with_forms());
    let dir = tempfile::tempdir().unwrap();
    let first = export(&a, &dir.path().join("export.csv"));
    assert!(
        first.starts_with("name,first_name,phone,tags,note,consent_service,consent_marketing,created_at,updated_at\n")
    );
    assert!(first.contains(",granted,granted,"), "{first}");

    // Into the same database: everything is already there.
    let file = import::load(&dir.path().join("export.csv")).unwrap();
    let same = import::plan(&a.store, &file, &opts()).unwrap();
    assert!(same.rejected.is_empty(), "{:?}", same.rejected);
    assert!(!same.has_changes(), "{}", same.report(Lang::De));
    assert_eq!(same.ignored, ["consent_service", "consent_marketing", "created_at", "updated_at"]);

    // Into a fresh database: the same customers, and no consent (an export is not evidence).
    let mut b = db();
    let plan = import::plan(&b.store, &file, &with_forms()).unwrap();
    assert_eq!(plan.consent, ConsentHandling::NoColumns);
    import::apply(&mut b.store, &plan).unwrap();
    let second = export(&b, &dir.path().join("export2.csv"));
    let strip = |s: &str| -> Vec<String> {
        let mut r = csv::Reader::from_reader(s.as_bytes());
        r.records().map(|rec| rec.unwrap().iter().take(5).collect::<Vec<_>>().join("|")).collect()
    };
    assert_eq!(strip(&first), strip(&second));
    assert_eq!(strip(&first).len(), customers(&a).len());
    assert!(second.contains(",none,none,"));
    assert!(a.path.exists());
}
