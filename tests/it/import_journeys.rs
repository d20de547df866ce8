//! Import and data requests as the farmer meets them (issue 13 §2): hofbote's own column words, the export's header
//! language and its round trip through the binary, and — in a real pty from an empty HOME — the import view of the
//! app (path typed with completion, the dry-run table, apply) and the Auskunft and consent proof written from a
//! customer.

use std::path::Path;

use crate::support::TempHome;

/// `Name;Vorname;Telefon;Schlagworte` as German Excel saves it: Windows-1252, `;`, CRLF; line 4 has no number.
fn excel_list(dir: &Path) -> std::path::PathBuf {
    let text = "Name;Vorname;Telefon;Schlagworte\r\nM\u{fc}ller;J\u{f6}rg;0171 1234567;Rind, Eier\r\nWei\u{df};Anna;0172 1234567;Eier\r\nKr\u{e4}mer;Paul;;Rind\r\n";
    // Every character here is in Latin-1, which Windows-1252 shares byte for byte.
    let bytes: Vec<u8> = text.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
    let path = dir.join("kunden.csv");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// `Schlagworte` is hofbote's own word for tags: a German list with it imports the tags (it was ignored).
#[test]
fn a_windows_1252_list_with_schlagworte_imports_full_names_and_tags() {
    let home = TempHome::new();
    let file = excel_list(home.path());
    let out = home.run(&["customers", "import", file.to_str().unwrap(), "--apply"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "a rejected row ends the import with an error: {stdout}");
    assert!(!stdout.contains("Schlagworte"), "Schlagworte is no unused column: {stdout}");
    let json = home.ok(&["customers", "list", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let joerg = rows.as_array().unwrap().iter().find(|r| r["first_name"] == "Jörg").unwrap();
    assert_eq!(joerg["name"], "Jörg Müller");
    assert_eq!(joerg["tags"], serde_json::json!(["Eier", "Rind"]));
}

/// hofbote's own German export imports back unchanged — also when every stored name is one word beside a first
/// name (the rule for `Name`+`Vorname` lists would have made "Müller" into "Jörg Müller"); `--headers en` writes the
/// English header for scripts, which imports back as well.
#[test]
fn the_german_export_imports_back_unchanged_and_headers_en_is_for_scripts() {
    let a = TempHome::new();
    for (name, first, phone, tag) in
        [("Müller", "Jörg", "0171 1234567", "Rind"), ("Weiß", "Anna", "0172 1234567", "Eier")]
    {
        a.ok(&["customers", "add", "--name", name, "--first-name", first, "--phone", phone, "--tag", tag]);
    }
    let de = a.path().join("export.csv");
    a.ok(&["customers", "export", de.to_str().unwrap()]);
    let text = std::fs::read_to_string(&de).unwrap();
    assert!(text.starts_with("Name,Vorname,Telefon,Schlagworte,Notiz,"), "{text}");
    let en = a.path().join("export-en.csv");
    a.ok(&["customers", "export", en.to_str().unwrap(), "--headers", "en"]);
    assert!(std::fs::read_to_string(&en).unwrap().starts_with("name,first_name,phone,tags,"));

    let same = a.ok(&["customers", "import", de.to_str().unwrap()]);
    assert!(same.contains("Nichts zu tun"), "the same database has it all already: {same}");
    let list = |h: &TempHome| -> Vec<(String, String, String)> {
        let json = h.ok(&["customers", "list", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| (r["name"].to_string(), r["first_name"].to_string(), r["tags"].to_string()))
            .collect()
    };
    for file in [&de, &en] {
        let b = TempHome::new();
        b.ok(&["customers", "import", file.to_str().unwrap(), "--apply"]);
        assert_eq!(list(&b), list(&a), "{}", file.display());
    }
}
