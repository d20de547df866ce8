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

/// `Schlagworte` is hofbote's own word for tags: a German list with it imports the tags (it was ignored); the dry
/// run names what each column becomes, and one rejected line is "1 Zeile abgelehnt".
#[test]
fn a_windows_1252_list_with_schlagworte_imports_full_names_and_tags() {
    let home = TempHome::new();
    let file = excel_list(home.path());
    let out = home.run(&["customers", "import", file.to_str().unwrap(), "--apply"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "a rejected row ends the import with an error: {stdout}");
    assert!(stdout.contains("Spalte ‚Schlagworte‘ → Schlagworte"), "Schlagworte is the tags column: {stdout}");
    assert!(!stdout.contains("Nicht verwendete Spalten"), "no unused column: {stdout}");
    // German grammar for one line (it said "1 Zeilen abgelehnt").
    assert!(stdout.contains(", 1 Zeile abgelehnt, 0 Einwilligungen erfasst."), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 Zeile abgelehnt (siehe oben"), "{out:?}");
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

/// A fresh HOME with only a shop name and address in the XDG config (what the setup's first step writes).
fn home_with_shop() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".config").join("hofbote").join("config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[shop]\nname = \"Hof Test\"\naddress = \"Dorfstraße 1, 12345 Testdorf\"\n").unwrap();
    home
}

/// The farmer's first import, in the app from an empty HOME at 80x24: `i`, the path typed with `~` and completed
/// with Tab, the dry run shows the column mapping, the rows as they will be stored and the rejected line, `y`
/// stores it and the list shows the full names and tags. Then `x` on Jörg Müller writes the Auskunft: the screen
/// names the file, which exists (0600) and holds his data as plain text, with the JSON beside it.
#[test]
fn import_a_windows_1252_list_in_the_app_and_write_an_auskunft() {
    use crate::pty::{Spawn, key};
    let home = home_with_shop();
    excel_list(home.path());
    let mut pty = Spawn::new(home.path()).spawn();
    pty.wait_for("Noch keine Kunden.");

    pty.keys("i");
    pty.wait_for("Kunden importieren");
    pty.keys("~/ku");
    pty.wait_for("~/ku");
    pty.keys(key::TAB);
    pty.wait_for("~/kunden.csv");
    pty.keys(key::ENTER);
    pty.wait_for("Noch ist nichts gespeichert");
    let dry = pty.wait_for("1 Zeile abgelehnt");
    for want in [
        "Windows-1252",
        "Spalte ‚Name‘ → Nachname",
        "Spalte ‚Vorname‘ → Vorname",
        "Spalte ‚Telefon‘ → Telefon",
        "Spalte ‚Schlagworte‘ → Schlagworte",
        "Jörg Müller",
        "+49 171 1234567",
        "Eier, Rind",
        "Zeile 4: Telefonnummer fehlt",
        "2 neu",
    ] {
        assert!(dry.contains(want), "{want:?} missing in the dry run:\n{dry}");
    }
    let db = home.path().join(".local/share/hofbote/hofbote.sqlite");
    let count = || -> i64 {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row("SELECT count(*) FROM customers", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(count(), 0, "the dry run stored nothing");

    pty.keys("y");
    pty.wait_for("Import gespeichert: 2 Kunden neu, 0 geändert, 1 Zeile abgelehnt.");
    let list = pty.wait_for("Anna Weiß");
    assert!(list.contains("Jörg Müller") && list.contains("Eier, Rind"), "{list}");
    assert_eq!(count(), 2);

    // The list is in name order: Anna, then Jörg.
    pty.keys(key::DOWN);
    pty.wait_screen("Jörg selected", |s| s.lines().any(|l| l.starts_with('>') && l.contains("Jörg Müller")));
    pty.keys("x");
    let said = pty.wait_for("Auskunft gespeichert: ~/hofbote/auskunft-joerg-mueller-");
    let dir = home.path().join("hofbote");
    let name = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().into_string().unwrap())
        .find(|n| n.starts_with("auskunft-joerg-mueller-") && n.ends_with(".txt"))
        .unwrap_or_else(|| panic!("no Auskunft file in {}:\n{said}", dir.display()));
    assert!(said.contains(&format!("~/hofbote/{name}")), "the screen names the file:\n{said}");
    let text = std::fs::read_to_string(dir.join(&name)).unwrap();
    for want in ["Auskunft nach Art. 15 DSGVO", "Name: Jörg Müller", "Vorname: Jörg", "Schlagworte: Eier, Rind"] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    assert!(!text.contains("##") && !text.contains("()"), "plain text:\n{text}");
    assert!(dir.join(name.replace(".txt", ".json")).exists());
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(dir.join(&name)).unwrap().permissions().mode() & 0o777, 0o600);
    }
    pty.keys("q");
    assert!(pty.wait_exit().success());
}

/// `hofbote privacy export --out auskunft.json` writes `auskunft.txt` beside it (the README names it so), plain text:
/// no markdown headings, and no empty parentheses when the shop has no contact.
#[test]
fn the_cli_auskunft_is_plain_text_named_as_the_readme_says() {
    let home = TempHome::new();
    home.write_config("[shop]\nname = \"Hof Test\"\naddress = \"Dorfstraße 1\"\n");
    home.ok(&["customers", "add", "--name", "Jörg Müller", "--phone", "0171 1234567"]);
    let out = home.path().join("auskunft.json");
    home.ok(&["privacy", "export", "0171 1234567", "--out", out.to_str().unwrap()]);
    let text = std::fs::read_to_string(home.path().join("auskunft.txt")).unwrap();
    assert!(text.contains("Verantwortlich: Hof Test, Dorfstraße 1\n"), "{text}");
    assert!(!text.contains("##") && !text.contains("()"), "{text}");
    assert!(text.contains("Kundendaten\n-----------\n"), "{text}");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("`auskunft.txt`") && !readme.contains("auskunft.json.txt"), "README names the file");
}

/// The path field as a farmer uses it: Tab completes a folder (with its `/`), Enter on a folder says in German what
/// to do instead of a system error, letters are text (a `q` does not quit), Esc leaves without storing; then `p` on
/// a customer's detail writes the consent proof the status line names.
#[test]
fn the_path_field_completes_folders_explains_mistakes_and_p_writes_the_consent_proof() {
    use crate::pty::{Spawn, key};
    let home = home_with_shop();
    std::fs::create_dir(home.path().join("Dokumente")).unwrap();
    let mut pty = Spawn::new(home.path()).spawn();
    pty.wait_for("Noch keine Kunden.");
    pty.keys("i");
    pty.wait_for("Kunden importieren");
    pty.keys("~/Do");
    pty.wait_for("~/Do");
    pty.keys(key::TAB);
    pty.wait_for("~/Dokumente/");
    pty.keys(key::ENTER);
    let said = pty.wait_for("ist ein Ordner");
    assert!(!said.contains("os error"), "{said}");
    pty.keys("q");
    pty.wait_for("~/Dokumente/q");
    pty.keys(key::ESC);
    pty.wait_for("Noch keine Kunden.");

    // A customer, then p in the detail.
    pty.keys("a");
    pty.wait_for("Neuer Kunde");
    pty.keys("Weiß, Anna");
    pty.wait_for("Weiß, Anna");
    pty.keys(key::TAB);
    pty.keys(key::TAB);
    pty.keys("0172 1234567");
    pty.wait_for("0172 1234567");
    pty.keys(key::CTRL_S);
    pty.wait_for("Kunde angelegt");
    // Enter opens the selected row: wait until the reloaded list has it (an Enter on the list before the reload
    // arrives has no row to open).
    pty.wait_screen("Anna in the list", |s| s.lines().any(|l| l.starts_with(">Weiß, Anna")));
    pty.keys(key::ENTER);
    pty.wait_for("Nachweise der Einwilligungen");
    pty.keys("p");
    let said = pty.wait_for("Nachweis gespeichert: ~/hofbote/nachweis-weiss-anna-");
    let dir = home.path().join("hofbote");
    let name = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().into_string().unwrap())
        .find(|n| n.starts_with("nachweis-weiss-anna-"))
        .unwrap_or_else(|| panic!("no proof in {}:\n{said}", dir.display()));
    let proof = std::fs::read_to_string(dir.join(name)).unwrap();
    assert!(proof.contains("Kunde: Weiß, Anna") && proof.contains("keine Einträge"), "{proof}");
    pty.keys("q");
    assert!(pty.wait_exit().success());
}
