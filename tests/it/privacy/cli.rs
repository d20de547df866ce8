//! The binary: export, erase, sweep, backup and restore, the QR code (decoded from the PNG) and the texts.

use crate::support::TempHome;

fn home_with_shop() -> TempHome {
    let home = TempHome::new();
    home.write_config(
        "[shop]\nname = \"Hof Sonnenwiese\"\naddress = \"Wiesenweg 3\"\ncontact = \"hof@example.org\"\n\n[whatsapp]\ndisplay_phone_number = \"+49 171 9876543\"\n",
    );
    home
}

#[test]
fn cli_export_erase_and_sweep() {
    let home = home_with_shop();
    home.ok(&["customers", "add", "--name", "Anna Weiß", "--phone", "0171 1234567"]);
    home.ok(&["customers", "add", "--name", "Anna Weißer", "--phone", "0171 1234568"]);
    home.ok(&[
        "consent",
        "grant",
        "0171 1234568",
        "--purpose",
        "marketing",
        "--source",
        "shop_form",
        "--evidence",
        "F-7",
    ]);
    let out = home.path().join("auskunft.json");
    let said = home.ok(&["privacy", "export", "0171 1234568", "--out", out.to_str().unwrap()]);
    assert!(said.contains("auskunft.txt"), "{said}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["schema"], "hofbote-export/1");
    assert_eq!(json["customer"]["name"], "Anna Weißer");
    assert_eq!(json["ledger"][0]["evidence"], "F-7");
    assert!(std::fs::read_to_string(home.path().join("auskunft.txt")).unwrap().contains("Anna Weißer"));
    // No terminal and no --yes: refused, nothing erased.
    let refused = home.run(&["privacy", "erase", "0171 1234568"]);
    assert_eq!(refused.status.code(), Some(2), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    let erased = home.ok(&["privacy", "erase", "0171 1234568", "--yes"]);
    assert!(erased.contains("Gelöscht") && erased.contains("pseudonymisiert"), "{erased}");
    let list = home.ok(&["customers", "list"]);
    assert!(list.contains("Anna Weiß") && !list.contains("Weißer") && list.contains("1 Kunden"), "{list}");
    let secrets = home.config().parent().unwrap().join("secrets.toml");
    assert!(std::fs::read_to_string(secrets).unwrap().contains("erasure_key = \""));
    let check = home.ok(&["db", "check"]);
    assert!(check.contains("Löschjournal") && check.contains("(600)"), "{check}");
    // The test created the config folder with the usual 0755: the check says how to fix it.
    assert!(check.contains("chmod 700") && !check.contains("chmod 600"), "{check}");
    let dry = home.ok(&["privacy", "sweep", "--dry-run"]);
    assert!(dry.contains("würde löschen") && dry.contains("pseudonymisierte Nachweise: 0"), "{dry}");
    let later =
        home.cmd().env("HOFBOTE_NOW", "2031-01-02T10:00:00Z").args(["privacy", "sweep", "--json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&later.stdout).unwrap();
    assert_eq!(report["pseudonymised_rows"], 1, "{report}");
}

#[test]
fn cli_backup_and_restore_with_a_passphrase_from_the_environment() {
    let home = home_with_shop();
    home.ok(&["customers", "add", "--name", "Jörg Müller", "--phone", "0171 1234567"]);
    let file = home.path().join("s.age");
    let create = home
        .cmd()
        .env("HOFBOTE_BACKUP_PASSPHRASE", "Heuernte")
        .args(["backup", "create", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(create.status.success(), "{}", String::from_utf8_lossy(&create.stderr));
    home.ok(&["customers", "add", "--name", "Später", "--phone", "0171 7654321"]);
    let wrong = home
        .cmd()
        .env("HOFBOTE_BACKUP_PASSPHRASE", "falsch")
        .args(["backup", "restore", file.to_str().unwrap(), "--yes"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("Passwort oder Schlüssel falsch"));
    assert!(home.ok(&["customers", "list"]).contains("2 Kunden"));
    let pass_file = home.path().join("pass.txt");
    std::fs::write(&pass_file, "Heuernte\n").unwrap();
    let restored = home.ok(&[
        "backup",
        "restore",
        file.to_str().unwrap(),
        "--yes",
        "--passphrase-file",
        pass_file.to_str().unwrap(),
    ]);
    assert!(restored.contains("zurückgespielt: 1 Kunden"), "{restored}");
    let list = home.ok(&["customers", "list"]);
    assert!(list.contains("Jörg Müller") && !list.contains("Später"), "{list}");
}

#[test]
fn cli_qr_png_decodes_to_the_signup_link_and_the_texts_print() {
    let home = home_with_shop();
    let png = home.path().join("qr.png");
    let svg = home.path().join("aushang.svg");
    let out =
        home.ok(&["qr", "--purpose", "marketing", "--png", png.to_str().unwrap(), "--svg", svg.to_str().unwrap()]);
    let url = "https://wa.me/491719876543?text=ANMELDEN%20ANGEBOTE";
    assert!(out.contains(url) && out.contains("Angebote (Werbung) (Version 1)") && out.contains("STOP"), "{out}");
    assert!(out.contains('█') || out.contains('▀'));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, url);
    let sign = std::fs::read_to_string(svg).unwrap();
    assert!(sign.contains("Hof Sonnenwiese") && sign.contains("ANMELDEN ANGEBOTE") && sign.contains("Datenschutz"));
    let notice = home.ok(&["privacy", "notice"]);
    assert!(notice.contains("Hof Sonnenwiese, Wiesenweg 3") && notice.contains("Art. 21"));
    let form = home.ok(&["privacy", "form", "--number", "F-0001"]);
    assert!(form.contains("F-0001") && form.contains("[ ] Termine (Service)"), "{form}");
    home.ok(&["privacy", "wording", "--purpose", "angebote", "--new", "Ja, bitte Angebote von Hof Sonnenwiese."]);
    let w = home.ok(&["privacy", "wording", "--purpose", "marketing"]);
    assert!(w.contains("v1") && w.contains("v2") && !w.contains("Termine"), "{w}");
    assert!(home.ok(&["privacy", "record"]).contains("Verzeichnis von Verarbeitungstätigkeiten"));
}

#[test]
fn serve_applies_the_retention_periods_when_it_starts() {
    let home = TempHome::new();
    home.write_config(
        "[shop]\nname = \"Hof Sonnenwiese\"\n\n[whatsapp]\nphone_number_id = \"1\"\nbase_url = \"http://127.0.0.1:9\"\n",
    );
    home.ok(&["customers", "add", "--name", "Anna Weißer", "--phone", "0171 1234568"]);
    home.ok(&[
        "consent",
        "grant",
        "0171 1234568",
        "--purpose",
        "service",
        "--source",
        "shop_form",
        "--evidence",
        "F-9",
    ]);
    home.ok(&["privacy", "erase", "0171 1234568", "--yes"]);
    let pseudonymised = || -> i64 {
        let conn = rusqlite::Connection::open(home.db()).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        conn.query_row("SELECT count(*) FROM consent_events WHERE customer_id IS NULL", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(pseudonymised(), 1);
    let mut child = home
        .cmd()
        .env("HOFBOTE_NOW", "2031-01-02T10:00:00Z")
        .env("HOFBOTE_WHATSAPP_TOKEN", "test-token")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let swept = crate::support::wait_until(std::time::Duration::from_secs(30), || pseudonymised() == 0);
    let _ = child.kill();
    let _ = child.wait();
    assert!(swept, "the service did not run the retention sweep");
}
