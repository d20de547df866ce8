//! Integration tests: the real `hofbote` binary on a temp HOME and database.

use crate::support::TempHome;

#[test]
fn add_list_and_json_schema_is_english_and_stable() {
    let home = TempHome::new();
    home.ok(&[
        "customers",
        "add",
        "--name",
        "Jörg Müller",
        "--first-name",
        "Jörg",
        "--phone",
        "0171/1234567",
        "--tag",
        "Rind",
    ]);
    home.ok(&["customers", "add", "--name", "Anna Weiß", "--phone", "+49 (0)172 1234567"]);
    let json = home.ok(&["--lang", "de", "customers", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let anna = &rows[0];
    assert_eq!(anna["name"], "Anna Weiß");
    assert_eq!(anna["phone"], "+491721234567");
    assert_eq!(anna["consent"]["service"], "none");
    assert_eq!(anna["consent"]["marketing"], "none");
    let mut keys: Vec<&str> = anna.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["consent", "created_at", "first_name", "id", "name", "note", "phone", "tags", "updated_at", "user_id"]
    );
    let table = home.ok(&["customers", "list", "--tag", "rind"]);
    assert!(table.contains("Jörg Müller") && !table.contains("Anna"), "{table}");
    assert!(table.contains("1 Kunden"));
    let en = home.ok(&["--lang", "en", "customers", "list"]);
    assert!(en.contains("Marketing") && en.contains("2 customers"), "{en}");
}

#[test]
fn a_duplicate_or_invalid_number_fails_with_a_german_line() {
    let home = TempHome::new();
    home.ok(&["customers", "add", "--name", "Jörg", "--phone", "0171 1234567"]);
    let out = home.run(&["customers", "add", "--name", "Zweiter", "--phone", "+491711234567"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("Fehler: Die Nummer +49 171 1234567 gehört schon"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1);
    let out = home.run(&["customers", "add", "--name", "X", "--phone", "0171 12a"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Telefonnummer ungültig"));
}

#[test]
fn consent_needs_a_shop_name_then_is_recorded_with_the_form_date() {
    let home = TempHome::new();
    home.ok(&["customers", "add", "--name", "Jörg Müller", "--phone", "0171 1234567"]);
    let out = home.run(&[
        "consent",
        "grant",
        "0171 1234567",
        "--purpose",
        "marketing",
        "--source",
        "shop_form",
        "--evidence",
        "F-1",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("[shop] name"));
    home.write_config("[shop]\nname = \"Hof Sonnenwiese\"\naddress = \"Wiesenweg 3\"\n");
    home.ok(&[
        "consent",
        "grant",
        "0171 1234567",
        "--purpose",
        "marketing",
        "--source",
        "shop_form",
        "--evidence",
        "F-1",
        "--at",
        "01.11.2026",
    ]);
    home.ok(&["consent", "withdraw", "0171 1234567", "--purpose", "marketing", "--source", "whatsapp_keyword"]);
    // A paper form from October, typed in after the STOP, must not switch marketing back on.
    home.ok(&[
        "consent",
        "grant",
        "0171 1234567",
        "--purpose",
        "marketing",
        "--source",
        "shop_form",
        "--evidence",
        "F-0",
        "--at",
        "15.10.2026",
    ]);
    let json = home.ok(&["customers", "list", "--format", "json"]);
    assert!(json.contains("\"marketing\": \"withdrawn\""), "{json}");
    let ledger = home.ok(&["consent", "show", "+49 171 1234567"]);
    assert!(ledger.contains("So 01.11.2026 12:00"), "{ledger}");
    assert!(ledger.contains("Hof Sonnenwiese, Wiesenweg 3"), "the wording agreed to is printed: {ledger}");
    assert_eq!(ledger.matches("erteilt").count(), 2);
}

#[test]
fn a_broken_config_names_file_line_and_field() {
    let home = TempHome::new();
    home.write_config("[shop]\nname = \"Hof\"\n[whatsapp]\nthroughput_per_second = \"viel\"\n");
    let out = home.run(&["customers", "list"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    let expected = format!("{}:4", home.config().display());
    assert!(err.contains(&expected) && err.contains("[whatsapp].throughput_per_second"), "{err}");
}

#[test]
fn a_database_from_a_newer_hofbote_is_refused_and_left_alone() {
    let home = TempHome::new();
    home.ok(&["db", "check"]);
    {
        let conn = rusqlite::Connection::open(home.db()).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = std::fs::read(home.db()).unwrap();
    let out = home.run(&["customers", "list"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("neueren hofbote-Version"));
    assert_eq!(std::fs::read(home.db()).unwrap(), before);
}

#[test]
fn db_check_reports_and_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = TempHome::new();
    let out = home.ok(&["db", "check"]);
    let v = hofbote::store::migrate::latest_version();
    assert!(out.contains("Integrität: ok") && out.contains(&format!("Schema-Version: {v} / {v}")), "{out}");
    let mode = std::fs::metadata(home.db()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(home.db().parent().unwrap()).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700);
    std::fs::set_permissions(home.db(), std::fs::Permissions::from_mode(0o644)).unwrap();
    // Opening tightens the file again; db check then reports no warning.
    let out = home.ok(&["db", "check"]);
    assert!(!out.contains("Warnung"), "{out}");
}

#[test]
fn demo_uses_its_own_database() {
    let home = TempHome::new();
    let out = home.ok(&["demo"]);
    assert!(out.contains("DEMO — es wird nichts wirklich verschickt"));
    assert!(out.contains("Jörg Müller"));
    assert!(out.contains("40 Kunden") || out.contains("39 Kunden"), "{out}");
    assert!(!home.db().exists(), "the real database must not be created by the demo");
    assert!(home.db().with_file_name("demo.sqlite").exists());
    // Running again reuses it; --reset starts over with the same data.
    let again = home.ok(&["demo"]);
    assert_eq!(again, out);
    assert_eq!(home.ok(&["demo", "--reset"]), out);
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    let home = TempHome::new();
    let bash = home.ok(&["completions", "bash"]);
    assert!(bash.contains("_hofbote()") && bash.contains("customers"), "{}", &bash[..200.min(bash.len())]);
    assert!(home.ok(&["completions", "fish"]).contains("complete -c hofbote"));
    let man = home.ok(&["man"]);
    assert!(man.contains(".TH hofbote 1") && man.contains("consent"));
}

#[test]
fn import_dry_run_then_apply_and_export_through_the_binary() {
    let home = TempHome::new();
    let file = crate::support::fixture("import/kunden_excel_cp1252.csv");
    let dry = home.ok(&["customers", "import", file.to_str().unwrap()]);
    assert!(dry.contains("Probelauf"), "{dry}");
    assert!(home.ok(&["customers", "list", "--format", "json"]).trim() == "[]", "the dry run wrote nothing");
    home.ok(&["customers", "import", file.to_str().unwrap(), "--apply"]);
    let list = home.ok(&["customers", "list"]);
    assert!(list.contains("Müller") && list.contains("Weiß"), "{list}");
    let out = home.path().join("export.csv");
    home.ok(&["customers", "export", out.to_str().unwrap()]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("Name,Vorname,Telefon,") && text.contains("Jörg"), "{text}");
}

#[test]
fn an_erased_objector_cannot_be_imported_back_into_marketing() {
    let home = TempHome::new();
    home.write_config("[shop]\nname = \"Hof Sonnenwiese\"\n");
    home.ok(&["customers", "add", "--name", "Jörg Müller", "--phone", "0171 1234567"]);
    home.ok(&[
        "consent",
        "grant",
        "0171 1234567",
        "--purpose",
        "marketing",
        "--source",
        "shop_form",
        "--evidence",
        "F-1",
        "--at",
        "01.05.2026",
    ]);
    home.ok(&["consent", "withdraw", "0171 1234567", "--purpose", "marketing", "--source", "whatsapp_keyword"]);
    home.ok(&["privacy", "erase", "0171 1234567", "--yes"]);
    let file = crate::support::fixture("import/einwilligungen.csv");
    let args = [
        "customers",
        "import",
        file.to_str().unwrap(),
        "--consent-source",
        "shop_form",
        "--consent-evidence",
        "Ordner 3",
    ];
    // The refused row makes the import end with an error (after its report), dry run and apply alike.
    let dry = home.run(&args);
    assert!(!dry.status.success());
    assert!(String::from_utf8_lossy(&dry.stdout).contains("Sperrliste"), "{dry:?}");
    assert!(String::from_utf8_lossy(&dry.stderr).contains("3 Zeilen abgelehnt"), "{dry:?}");
    let mut apply = args.to_vec();
    apply.push("--apply");
    assert!(!home.run(&apply).status.success());
    let json = home.ok(&["customers", "list", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        rows.as_array().unwrap().iter().all(|r| r["phone"] != "+491711234567"),
        "the suppressed row was rejected: {json}"
    );
}

#[test]
fn queue_list_shows_a_sender_stuck_on_the_database() {
    use hofbote::queue::health::SenderAlert;
    let home = TempHome::new();
    home.ok(&["queue", "list"]);
    assert!(!home.ok(&["queue", "list"]).contains("WARNUNG"), "no alert while nothing is stuck");
    // What a worker writes after 30 s of a busy database (this test process plays the stuck sender).
    let since = chrono::Utc::now() - chrono::Duration::minutes(3);
    SenderAlert { since, error: "database is locked".into(), pid: std::process::id() }.write(&home.db()).unwrap();
    let out = home.ok(&["queue", "list"]);
    assert!(out.contains("WARNUNG: Versand steht seit 3 min"), "{out}");
    assert!(out.contains("database is locked"), "{out}");
    SenderAlert::clear(&home.db());
    assert!(!home.ok(&["queue", "list"]).contains("WARNUNG"));
}

#[test]
fn webhook_alerts_say_what_they_stop_and_what_to_do() {
    let home = TempHome::new();
    home.ok(&["queue", "list"]);
    let mut store = hofbote::store::Store::open(&home.db(), hofbote::clock::system()).unwrap();
    store.raise_alert(hofbote::store::webhooks::ALERT_UNREADABLE, None, "body 7: expected value at line 1").unwrap();
    store.raise_alert(hofbote::store::webhooks::ALERT_FAILING, None, "body 8: disk full").unwrap();
    drop(store);
    let out = home.ok(&["queue", "list"]);
    assert!(out.contains("unlesbar (body 7: expected value at line 1); Werbung ist pausiert"), "{out}");
    assert!(out.contains("hofbote db dismiss-webhook"), "{out}");
    assert!(out.contains("noch nicht verarbeiten (body 8: disk full); hofbote versucht es weiter"), "{out}");
    assert!(!out.contains("Versand angehalten"), "these alerts stop no sending:\n{out}");
}

/// Issue 13 §4: a paper date with a two-digit year. `28.11.26` was stored as the year 26, so a withdrawal typed that
/// way after a grant of 01.11.2026 was recorded while marketing stayed granted. Now it is 28.11.2026 and the
/// withdrawal holds; a date before 2000 or in the future is refused with the way out; an entry an older date makes
/// powerless says so.
#[test]
fn a_two_digit_year_is_this_century_and_an_entry_that_changes_nothing_says_so() {
    let home = TempHome::new();
    home.write_config("[shop]\nname = \"Hof Sonnenwiese\"\naddress = \"Wiesenweg 3\"\n");
    let now = ("HOFBOTE_NOW", "2026-11-30T10:00:00Z");
    let run = |args: &[&str]| home.cmd().env(now.0, now.1).args(args).output().unwrap();
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    ok(&["customers", "add", "--name", "Jörg Müller", "--phone", "0171 1234567"]);
    let grant = ["consent", "grant", "0171 1234567", "--purpose", "marketing", "--source", "shop_form"];
    ok(&[&grant[..], &["--evidence", "F-1", "--at", "01.11.2026"]].concat());
    let withdraw = ["consent", "withdraw", "0171 1234567", "--purpose", "marketing", "--source", "shop_form"];
    let said = ok(&[&withdraw[..], &["--at", "28.11.26"]].concat());
    assert!(!said.contains("ändert aber nichts"), "{said}");
    let show = ok(&["consent", "show", "0171 1234567"]);
    assert!(show.contains("28.11.2026") && !show.contains("0026"), "{show}");
    assert!(show.lines().any(|l| l.contains("Angebote") && l.contains("widerrufen")), "{show}");
    // An older grant typed in later changes nothing — and says so.
    let said = ok(&[&grant[..], &["--evidence", "F-0", "--at", "1.10.26"]].concat());
    assert!(said.contains("Eingetragen, ändert aber nichts: ein neuerer Eintrag vom Sa 28.11.2026"), "{said}");
    for (at, why) in [("28.11.1999", "vor dem Jahr 2000"), ("28.12.2026", "in der Zukunft")] {
        let out = run(&[&withdraw[..], &["--at", at]].concat());
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(why), "{at}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// Issue 13 §2: consent columns on a fresh database. No wording was ever generated there, so every row was rejected
/// ("wording version 1 does not exist") and the run still said "Nothing to do" and exited 0. Now the import makes the
/// default wordings as every other path does; only the file's two faulty rows (no date, a version 2 that does not
/// exist) are rejected, and that ends the run with an error; the dry run says nothing is stored yet.
#[test]
fn an_import_with_consent_columns_works_on_a_fresh_database() {
    let home = TempHome::new();
    home.write_config("[shop]\nname = \"Hof Sonnenwiese\"\naddress = \"Wiesenweg 3\"\n");
    let file = crate::support::fixture("import/einwilligungen.csv");
    let args = [
        "customers",
        "import",
        file.to_str().unwrap(),
        "--consent-source",
        "shop_form",
        "--consent-evidence",
        "Ordner 3",
    ];
    let dry = home.run(&args);
    let said = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert!(!dry.status.success(), "rejected rows end the run with an error");
    assert!(String::from_utf8_lossy(&dry.stderr).contains("2 Zeilen abgelehnt"), "{dry:?}");
    assert!(said.contains("abgelehnt:     2") && !said.contains("Version 1 gibt es nicht"), "{said}");
    assert!(said.contains("Zeile 5:") && said.contains("Zeile 6:"), "{said}");
    assert!(said.contains("noch ist nichts gespeichert") && !said.contains("Nichts zu tun"), "{said}");
    let mut apply = args.to_vec();
    apply.push("--apply");
    let applied = home.run(&apply);
    assert!(!String::from_utf8_lossy(&applied.stdout).contains("noch ist nichts gespeichert"), "{applied:?}");
    let show = home.ok(&["consent", "show", "0171 1234567"]);
    assert!(show.lines().any(|l| l.contains("Angebote") && l.contains("erteilt")), "{show}");
}

/// Issue 13 §2: a German list's `Name` (family name) and `Vorname` make the full name.
#[test]
fn name_and_first_name_columns_import_as_the_full_name() {
    let home = TempHome::new();
    let file = home.path().join("liste.csv");
    std::fs::write(&file, "Name;Vorname;Telefon\nMüller;Jörg;0171 1234567\nWeiß;Anna;0172 3456789\n").unwrap();
    home.ok(&["customers", "import", file.to_str().unwrap(), "--apply"]);
    let list = home.ok(&["customers", "list"]);
    assert!(list.contains("Jörg Müller") && list.contains("Anna Weiß"), "{list}");
}
