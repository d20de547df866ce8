//! The customer list's stored order (issue 15): each customer's `name_key` (the name folded the German way) is what
//! the list's first page is read by, through an index. Every writer of a customer keeps it right — the form, the
//! import, sign-ups and contacts by webhook, erasure — and a customer renamed in the app is in its new place when
//! the app starts again (real binary, real pty, empty HOME).

use std::path::Path;
use std::sync::Arc;

use hofbote::clock::ManualClock;
use hofbote::domain::customer::CustomerDraft;
use hofbote::domain::fold::name_key;
use hofbote::domain::phone::{Phone, Region};
use hofbote::store::Store;
use hofbote::whatsapp::payload::{InboundContent, InboundMessage, WebhookEvent};

use crate::first_rows::selected;
use crate::pty::{self, Pty, key};

/// Every stored key is the key of the stored name, and the list comes in (key, id) order.
fn assert_keys_right(store: &Store) {
    let rows: Vec<(i64, String, Option<String>)> = store
        .conn()
        .prepare("SELECT id, name, name_key FROM customers")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (id, name, key) in &rows {
        assert_eq!(key.as_deref(), Some(name_key(name).as_str()), "customer {id} {name:?}");
    }
    let mut expected: Vec<(String, i64)> = rows.iter().map(|(id, name, _)| (name_key(name), *id)).collect();
    expected.sort();
    let mut listed = Vec::new();
    store.visit_listed(None, |c| listed.push((name_key(c.name), c.id))).unwrap();
    assert_eq!(listed, expected);
    let mut page = Vec::new();
    store.visit_listed(Some(3), |c| page.push((name_key(c.name), c.id))).unwrap();
    assert_eq!(page, expected[..expected.len().min(3)]);
}

fn draft(name: &str, phone: &str) -> CustomerDraft {
    CustomerDraft::new(name, "", Phone::parse(phone, Region::DE).unwrap(), &[], "").unwrap()
}

fn signup(wamid: &str, from: Option<&str>, user_id: Option<&str>, profile: &str) -> WebhookEvent {
    WebhookEvent::Message(InboundMessage {
        wamid: wamid.into(),
        from: from.map(Into::into),
        from_user_id: user_id.map(Into::into),
        profile_name: Some(profile.into()),
        timestamp: None,
        context_wamid: None,
        content: InboundContent::Text("ANMELDEN".into()),
    })
}

#[test]
fn every_writer_of_a_customer_keeps_the_list_order_key() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let mut store = Store::open(&dir.path().join("h.sqlite"), clock).unwrap();
    store.ensure_default_wordings("Hof", "Feldweg 1").unwrap();

    // The form (add, then a rename that moves the customer to the front).
    let zoe = store.insert_customer(&draft("Zoë Weiß", "0171 1000001")).unwrap();
    store.insert_customer(&draft("Bernd Acker", "0171 1000002")).unwrap();
    store.update_customer(zoe.id, &draft("Ärzte Zentrum", "0171 1000001")).unwrap();
    assert_keys_right(&store);

    // The import: one new row, one that renames a known customer (same number).
    let csv = dir.path().join("kunden.csv");
    std::fs::write(&csv, "Name;Vorname;Telefon\nÖmer Yılmaz;Ömer;0171 1000003\nAaron Bernd Acker;;0171 1000002\n")
        .unwrap();
    let opts = hofbote::import::ImportOptions { region: Region::DE, consent: None, recorded_by: "test".into() };
    let plan = hofbote::import::preview(&mut store, &csv, &opts, "Hof", "Feldweg 1").unwrap();
    hofbote::import::apply(&mut store, &plan).unwrap();
    assert!(store.customer_by_phone(&Phone::parse("0171 1000002", Region::DE).unwrap()).unwrap().is_some());
    assert_keys_right(&store);

    // Sign-ups by webhook: from a number, and from a person known only by user id.
    let ctx = hofbote::webhook::ApplyContext { shop_name: "Hof".into(), region: Region::DE, signups_per_hour: 0 };
    let events = [
        signup("wamid.1", Some("491710000099"), None, "Ævar Neu"),
        signup("wamid.2", None, Some("DE.4711"), "Łukasz Nowak"),
    ];
    let now = store.now();
    let tx = store.conn_mut().transaction().unwrap();
    hofbote::webhook::apply::apply_events(&tx, &events, &ctx, now).unwrap();
    tx.commit().unwrap();
    assert_eq!(store.customer_count().unwrap(), 5);
    assert_keys_right(&store);

    // Erasure: the row goes, the order of the rest stays right.
    let first = {
        let mut first = None;
        store.visit_listed(Some(1), |c| first = Some(c.id)).unwrap();
        first.unwrap()
    };
    store.erase_customer(first, "hash-of-the-erased", "test").unwrap();
    assert_eq!(store.customer_count().unwrap(), 4);
    assert_keys_right(&store);
}

fn import(home: &Path, csv: &str) {
    let file = home.join("kunden.csv");
    std::fs::write(&file, csv).unwrap();
    crate::first_rows::import(home, &file);
}

/// Issue 15: `e` in the list reads the whole customer (the list keeps only what it shows) and the form has their
/// name; renamed, the customer is first in the list's first frame after a restart (the key was written with the
/// name — with a stale key they would still be far behind the first page).
#[test]
fn a_customer_renamed_in_the_app_comes_first_after_a_restart() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".config").join("hofbote").join("config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[shop]\nname = \"Hof Test\"\naddress = \"Dorfstraße 1, 12345 Testdorf\"\n").unwrap();
    let mut csv = String::from("Name;Vorname;Telefon\nXaver Zeh;Xaver;0152 10000000\n");
    for i in 0..60 {
        csv.push_str(&format!("Kunde {i:02};Eva;0151 {:08}\n", 10_000_000 + i));
    }
    import(home.path(), &csv);

    let mut app = Pty::spawn(home.path(), &[]);
    app.wait_screen("the first row", |s| {
        selected(s).is_some_and(|l| l.contains("Kunde 00")) && s.contains("61 Kunden")
    });
    app.keys("/");
    app.keys("xaver");
    app.wait_screen("the search to find Xaver Zeh", |s| selected(s).is_some_and(|l| l.contains("Xaver Zeh")));
    app.keys(key::ENTER);
    app.wait_screen("the search closed", |s| !s.contains("Suche: xaver_"));
    app.keys("e");
    let form = app.wait_screen("the edit form with the whole customer", |s| s.contains("Kunde ändern"));
    assert!(form.lines().any(|l| l.contains("> Name") && l.contains("Xaver Zeh")), "{form}");
    assert!(form.contains("01521 0000000"), "{form}");
    assert!(app.wait_quiet(std::time::Duration::from_millis(300), pty::DEADLINE));
    for _ in 0.."Xaver Zeh".chars().count() {
        app.keys(key::BACKSPACE);
    }
    app.keys("Änne Aal");
    app.wait_screen("the new name typed", |s| s.contains("Änne Aal"));
    app.keys(key::CTRL_S);
    app.wait_for("Gespeichert: Änne Aal");
    assert!(app.wait_quiet(std::time::Duration::from_millis(300), pty::DEADLINE));
    app.keys("q");
    assert!(app.wait_exit().success());

    let mut app = Pty::spawn(home.path(), &[]);
    let start = pty::Mark { bytes: 0, frames: 0, at: std::time::Instant::now() };
    let first = app
        .wait_frame(start, pty::DEADLINE, |s| selected(s).is_some())
        .unwrap_or_else(|| panic!("no customer row:\n{}", app.screen()));
    assert!(selected(&first.screen).is_some_and(|l| l.contains("Änne Aal")), "{}", first.screen);
    assert!(first.screen.contains("61 Kunden"), "{}", first.screen);
    assert!(!first.screen.contains("Xaver Zeh"), "{}", first.screen);
    assert!(app.wait_quiet(std::time::Duration::from_millis(300), pty::DEADLINE));
    app.keys("q");
    assert!(app.wait_exit().success());
}
