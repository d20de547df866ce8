//! Journeys: what a new user does, from an empty HOME, with the real binary in a real pty (`pty.rs`) — the first
//! start and the setup form, the demo's weekly offer, a customer with paper consent, and every screen answering a
//! key when nothing but input can wake the app (`HOFBOTE_TEST_INPUT_ONLY=1`). Keys are typed one at a time and each
//! must show on the screen before the next: a key that wakes nobody fails here, within the deadline.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::pty::{self, Pty, Spawn, key};

/// Where hofbote keeps its files under `home` when nothing overrides them (XDG defaults).
fn config_file(home: &Path) -> PathBuf {
    home.join(".config").join("hofbote").join("config.toml")
}

fn data_dir(home: &Path) -> PathBuf {
    home.join(".local").join("share").join("hofbote")
}

/// A fresh HOME with only a shop name and address in the XDG config (what the setup form writes first).
fn home_with_shop() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let config = config_file(home.path());
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[shop]\nname = \"Hof Test\"\naddress = \"Dorfstraße 1, 12345 Testdorf\"\n").unwrap();
    home
}

/// The value the form shows in the field labelled `label` (with the hint behind it, if any).
fn field<'a>(screen: &'a str, label: &str) -> Option<&'a str> {
    screen.lines().find_map(|l| {
        let row = l.trim_start().trim_start_matches('>').trim_start();
        row.strip_prefix(label).map(str::trim_start)
    })
}

/// Types `text` one character at a time; each time the field labelled `label` must show what was typed so far (so
/// a key that is lost or waits for a timer fails at once, not at the end).
fn type_slowly(pty: &mut Pty, label: &str, text: &str) {
    let mut typed = String::new();
    for c in text.chars() {
        typed.push(c);
        pty.keys(&c.to_string());
        pty.wait_screen(&format!("{typed:?} in the field {label:?}"), |s| {
            field(s, label).is_some_and(|v| v.starts_with(&typed))
        });
    }
}

/// The flags of `stty -a` on the screen, as words (`icanon`, `-echo`, …).
fn stty_flags(screen: &str) -> BTreeSet<String> {
    screen.split_whitespace().map(|w| w.trim_end_matches(';').to_owned()).collect()
}

/// The first start: the welcome screen, `s` opens the setup form, the shop name typed letter by letter appears,
/// Esc leaves the form after asking "Verwerfen?" (nothing is written), `q` quits — and the terminal is as before: `stty -a`, run by the same
/// shell right after, shows cooked mode with echo, and the alternate screen was left.
#[test]
fn first_start_setup_form_takes_keys_and_quit_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = Spawn::new(home.path()).shell("{bin}; echo \"rc=$?\"; stty -a").spawn();
    pty.wait_for("Willkommen bei hofbote");
    pty.wait_for("d  Demo ansehen");
    assert!(pty.alternate_screen(), "the app runs on the alternate screen");

    pty.keys("s");
    pty.wait_for("Deine Handynummer");
    type_slowly(&mut pty, "Hofname", "Hof Kühn");
    // Esc with a typed name asks before throwing it away (issue 13 §4); j says yes.
    pty.keys(key::ESC);
    pty.wait_for("Verwerfen?");
    pty.keys("j");
    pty.wait_gone("Deine Handynummer");
    pty.wait_for("Willkommen bei hofbote");
    pty.keys("q");

    let status = pty.wait_exit();
    assert!(status.success(), "stty -a ran: {status}");
    let screen = pty.screen();
    assert!(screen.contains("rc=0"), "hofbote ended with 0:\n{screen}");
    assert!(!pty.alternate_screen(), "the alternate screen was left:\n{screen}");
    assert!(!screen.contains("Willkommen"), "no app frame left on the main screen:\n{screen}");
    let flags = stty_flags(&screen);
    for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(flags.contains(flag), "{flag} must be on after the app ended:\n{screen}");
    }
    assert!(!config_file(home.path()).exists(), "Esc left the form without writing a configuration");
}

/// The demo from the first start: `d` on the welcome screen (100x30; sandbox, receiver and worker in-process), the
/// weekly offer sent by keys, every recipient settles (delivered, read or failed) while a simulated customer sends
/// STOP, the queue shows it done, then quit. The demo database must show that exactly the customers who had agreed
/// to offers when the broadcast was created got the message once (the one who stopped meanwhile may or may not),
/// and the sandbox's ledger (written to the demo's log at the end) holds exactly those messages. The real database
/// stays empty and no configuration is written.
#[test]
fn demo_from_the_first_start_sends_the_weekly_offer_to_exactly_the_consenting_customers() {
    use hofbote::domain::consent::{ConsentState, Purpose, fold};
    let home = tempfile::tempdir().unwrap();
    let mut pty = Spawn::new(home.path()).size(100, 30).spawn();
    pty.wait_for("Willkommen bei hofbote");
    pty.keys("d");
    pty.wait_for("DEMO — es wird nichts wirklich verschickt");
    pty.wait_for("Versand: läuft hier");
    pty.wait_for("(1 Antwort)");
    let offer = "Bratwurst vom Duroc-Schwein, 10 % günstiger";
    let mut keys = 0;
    pty.keys("3");
    keys += 1;
    pty.wait_for("> wochenangebot");
    pty.keys("l");
    keys += 1;
    pty.wait_for("Welche wiederholen?");
    pty.keys(key::ENTER);
    keys += 1;
    pty.wait_for("vorher: Kürbissuppe");
    pty.keys(offer);
    pty.wait_for("10 % günstiger");
    pty.keys(key::ENTER);
    keys += 1;
    pty.wait_for("Prüfen vor dem Senden");
    pty.keys("y");
    keys += 1;
    assert!(keys <= 6, "the README promises the weekly offer in at most 6 keys plus the text");
    pty.wait_for("Rundnachricht Nr. 2 eingereiht");

    // Wait until every recipient of the broadcast is settled, in the demo database, and the queue says so.
    let db = data_dir(home.path()).join("demo.sqlite");
    let open = || -> i64 {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row(
            "SELECT count(*) FROM outbox WHERE broadcast_id = 2 AND state NOT IN ('delivered', 'read', 'failed', 'cancelled', 'skipped')",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let settled = pty::wait_until(Duration::from_secs(60), || open() == 0);
    assert!(settled, "not settled: {} open rows; screen:\n{}", open(), pty.screen());
    pty.wait_for("Nr. 2  wochenangebot (Werbung)  fertig");

    // Quit (if the app still asks because a confirmation reply is on its way, say yes).
    pty.keys("q");
    let ended = pty::wait_until(pty::DEADLINE, || {
        if pty.screen().contains("Trotzdem beenden?") {
            pty.keys("y");
        }
        pty.exited().is_some()
    });
    assert!(ended, "the demo did not end; screen:\n{}", pty.screen());
    let status = pty.wait_exit();
    assert!(status.success(), "{status}");
    assert!(!config_file(home.path()).exists(), "no configuration was written");
    let real =
        hofbote::store::Store::open(&data_dir(home.path()).join("hofbote.sqlite"), hofbote::clock::system()).unwrap();
    assert_eq!(real.customer_count().unwrap(), 0, "the real database stays empty");

    // Who had agreed to offers when the broadcast was created (from the consent ledger), and who stopped.
    let store = hofbote::store::Store::open(&db, hofbote::clock::system()).unwrap();
    let info = store.broadcast(2).unwrap();
    let mut consenting = BTreeSet::new();
    for row in store.list_customers(&Default::default()).unwrap() {
        let ledger: Vec<_> =
            store.ledger(row.customer.id).unwrap().into_iter().filter(|e| e.recorded_at <= info.created_at).collect();
        if fold(&ledger, Purpose::Marketing).state == ConsentState::Granted {
            consenting.insert(row.customer.id);
        }
    }
    let conn = store.conn();
    let stopper: Option<i64> =
        conn.query_row("SELECT customer_id FROM inbound_messages WHERE text = 'STOP'", [], |r| r.get(0)).ok();
    let stopper = stopper.expect("a simulated customer sent STOP during the broadcast");
    assert!(consenting.contains(&stopper), "the one who stopped had agreed before");
    let rows: Vec<(i64, Option<String>, String)> = {
        let mut stmt = conn.prepare("SELECT customer_id, wamid, state FROM outbox WHERE broadcast_id = 2").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect()
    };
    let with_wamid: BTreeSet<i64> = rows.iter().filter(|(_, w, _)| w.is_some()).map(|(c, _, _)| *c).collect();
    assert_eq!(with_wamid.len(), rows.iter().filter(|(_, w, _)| w.is_some()).count(), "one message per customer");
    for (c, wamid, state) in &rows {
        match wamid {
            Some(_) => assert!(matches!(state.as_str(), "delivered" | "read" | "failed"), "{c}: {state}"),
            None => {
                assert!(state == "skipped" || (*c == stopper && state == "cancelled"), "{c}: {state} without a wamid")
            }
        }
    }
    let mut expected = consenting.clone();
    if !with_wamid.contains(&stopper) {
        expected.remove(&stopper);
    }
    assert_eq!(with_wamid, expected, "exactly the consenting customers got it");
    println!("demo: {} consenting, {} sent; {keys} keys plus the text", consenting.len(), with_wamid.len());

    // The sandbox's ledger (logged by the demo at the end) holds exactly these messages.
    let logs = data_dir(home.path()).join("demo-logs");
    let text: String =
        std::fs::read_dir(&logs).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
    let ledger: BTreeSet<String> = text
        .lines()
        .filter(|l| l.contains("sandbox ledger") && l.contains("wochenangebot"))
        .filter_map(|l| l.split("wamid=").nth(1).map(|w| w.split_whitespace().next().unwrap_or("").to_owned()))
        .collect();
    let sent: BTreeSet<String> = rows.iter().filter_map(|(_, w, _)| w.clone()).collect();
    assert_eq!(ledger, sent, "the sandbox accepted exactly the messages the database records");
}

/// A customer added and a paper consent recorded by keys, on a fresh HOME that has only the shop's name in its
/// configuration; what was typed ends up in the database (in the XDG data dir), and `q` ends the app with 0.
#[test]
fn add_a_customer_and_record_paper_consent_from_a_fresh_home() {
    let home = home_with_shop();
    let mut pty = Pty::spawn(home.path(), &[]);
    pty.wait_for("Noch keine Kunden.");

    // Add a customer.
    pty.keys("a");
    pty.wait_for("Neuer Kunde");
    pty.keys("Jörg Müller");
    pty.wait_for("Jörg Müller");
    pty.keys(key::TAB);
    pty.keys(key::TAB);
    pty.keys("0171 1234567");
    pty.wait_for("0171 1234567");
    pty.keys(key::CTRL_S);
    pty.wait_for("Kunde angelegt: Jörg Müller");

    // Record marketing consent from a paper form.
    pty.keys("2");
    pty.wait_for("Bestätigung per WhatsApp ausstehend");
    pty.keys("a");
    pty.wait_for("Einwilligung erfassen");
    pty.keys("jörg");
    pty.wait_for("> Jörg Müller");
    pty.keys(key::ENTER);
    pty.wait_screen("Jörg Müller chosen and the focus on the purposes", |s| {
        s.contains("> Termine (Service)")
            && s.lines().any(|l| l.contains("Kunde") && l.contains("Jörg Müller") && l.contains("0171 1234567"))
    });
    for k in [key::DOWN, " ", key::DOWN, key::DOWN, key::DOWN] {
        pty.keys(k);
    }
    pty.keys("F-0001");
    pty.wait_for("F-0001");
    pty.keys(key::ENTER);
    pty.wait_for("Einwilligung Angebote (Werbung) erfasst für Jörg Müller.");

    // The list shows the tick for Werbung (the old row may show until the reload arrives).
    pty.keys("1");
    pty.wait_for("sortiert nach Name");
    pty.wait_screen("marketing granted (✓), service none (–) for Jörg Müller", |s| {
        s.lines().any(|l| l.contains("Jörg Müller") && l.trim_end().ends_with("–       ✓"))
    });

    pty.keys("q");
    let status = pty.wait_exit();
    assert!(status.success(), "exit: {status}");

    // What was typed is in the database.
    let db = data_dir(home.path()).join("hofbote.sqlite");
    let store = hofbote::store::Store::open(&db, hofbote::clock::system()).unwrap();
    let rows = store.list_customers(&Default::default()).unwrap();
    assert_eq!(rows.len(), 1);
    let c = &rows[0].customer;
    assert_eq!((c.name.as_str(), c.phone.as_ref().unwrap().as_e164()), ("Jörg Müller", "+491711234567"));
    let ledger = store.ledger(c.id).unwrap();
    assert_eq!(ledger.len(), 1);
    let e = &ledger[0];
    assert_eq!(e.purpose.as_str(), "marketing");
    assert_eq!(e.kind.as_str(), "granted");
    assert_eq!(e.source.as_str(), "shop_form");
    assert_eq!(e.evidence, "F-0001");
    assert_eq!(e.wording_version, Some(1));
    assert_eq!(e.recorded_by, "hofbote", "no $USER in a new user's environment here");
    assert_eq!(rows[0].consent.marketing.as_str(), "granted");
}

/// With every wake-up but input switched off, a key must still change each screen at once.
const INPUT_ONLY: (&str, &str) = ("HOFBOTE_TEST_INPUT_ONLY", "1");

/// How long the output must have been still before a key is sent: the loop is parked, so only the key can wake it.
const STILL: Duration = Duration::from_millis(200);

/// Sends `k` once the app is still, then waits for the screen to change and satisfy `cond` (described by `what`).
fn press(pty: &mut Pty, k: &str, what: &str, mut cond: impl FnMut(&str) -> bool) -> String {
    assert!(pty.wait_quiet(STILL, pty::DEADLINE), "the app never went quiet; screen:\n{}", pty.screen());
    let before = pty.screen();
    pty.keys(k);
    pty.wait_screen(&format!("{what} after {k:?}"), |s| s != before && cond(s))
}

/// Sends `q` once the app is still; the app must end with 0.
fn quit(pty: &mut Pty) {
    assert!(pty.wait_quiet(STILL, pty::DEADLINE), "the app never went quiet; screen:\n{}", pty.screen());
    pty.keys("q");
    let status = pty.wait_exit();
    assert!(status.success(), "{status}");
}

/// `?` opens the help on the current screen and `?` closes it again.
fn help_opens_and_closes(pty: &mut Pty) {
    press(pty, "?", "the help", |s| s.contains("Hilfe – Tasten"));
    press(pty, "?", "the help closed", |s| !s.contains("Hilfe – Tasten"));
}

/// The first start with only input waking the app: the welcome screen and the setup form answer every key.
#[test]
fn input_alone_drives_the_welcome_screen_and_the_setup_form() {
    let home = tempfile::tempdir().unwrap();
    let (k, v) = INPUT_ONLY;
    let mut pty = Spawn::new(home.path()).env(k, v).spawn();
    pty.wait_for("Willkommen bei hofbote");
    // Welcome → form → welcome → form: each key alone changes the screen.
    for _ in 0..2 {
        press(&mut pty, "s", "the setup form", |s| s.contains("Deine Handynummer"));
        press(&mut pty, key::ESC, "the welcome screen", |s| !s.contains("Deine Handynummer"));
    }
    press(&mut pty, key::ENTER, "the setup form (Enter)", |s| s.contains("Deine Handynummer"));
    // Letters, field moves and the help in the form.
    // (No blank in the name: a trailing blank does not change the screen, so it could not be seen to arrive.)
    let mut typed = String::new();
    for c in "Kühnhof".chars() {
        typed.push(c);
        press(&mut pty, &c.to_string(), &format!("{typed:?} typed"), |s| {
            field(s, "Hofname").is_some_and(|v| v.starts_with(&typed))
        });
    }
    press(&mut pty, key::BACKSPACE, "a letter deleted", |s| {
        field(s, "Hofname").is_some_and(|v| v.starts_with("Kühnho") && !v.starts_with("Kühnhof"))
    });
    press(&mut pty, key::TAB, "the address field", |s| s.contains("Kühnho") && s.contains("> Adresse"));
    press(&mut pty, "D", "a letter in the address", |s| field(s, "Adresse").is_some_and(|v| v.starts_with('D')));
    press(&mut pty, key::F1, "the help", |s| s.contains("Hilfe – Tasten"));
    press(&mut pty, key::ESC, "the help closed", |s| !s.contains("Hilfe – Tasten"));
    // Typed input: Esc asks first, n goes back to the form, Esc and j leave it.
    press(&mut pty, key::ESC, "the discard question", |s| s.contains("Verwerfen?"));
    press(&mut pty, "n", "the form again", |s| !s.contains("Verwerfen?") && s.contains("Kühnho"));
    press(&mut pty, key::ESC, "the discard question", |s| s.contains("Verwerfen?"));
    press(&mut pty, "j", "the welcome screen", |s| !s.contains("Deine Handynummer"));
    quit(&mut pty);
}

/// Every screen of the tab bar with only input waking the app: each tab key switches, `?` opens and closes the
/// help, and one key of the screen's own does what it says.
#[test]
fn input_alone_drives_every_screen_of_the_tab_bar() {
    let home = home_with_shop();
    let (k, v) = INPUT_ONLY;
    let mut pty = Spawn::new(home.path()).env(k, v).spawn();
    pty.wait_for("Noch keine Kunden.");

    // 1 Kunden: the help, the search (a letter shows), Esc clears it.
    help_opens_and_closes(&mut pty);
    press(&mut pty, "/", "the search", |s| s.contains("Suche: _"));
    press(&mut pty, "x", "the typed search", |s| s.contains("Suche: x_"));
    press(&mut pty, key::ESC, "the search cleared", |s| !s.contains("Suche: x"));
    press(&mut pty, "a", "the new-customer form", |s| s.contains("Neuer Kunde"));
    press(&mut pty, key::ESC, "the list", |s| !s.contains("Neuer Kunde"));

    // 2 Einwilligungen: the help, the paper-consent form.
    press(&mut pty, "2", "the consent screen", |s| s.contains("Bestätigung per WhatsApp ausstehend"));
    help_opens_and_closes(&mut pty);
    press(&mut pty, "a", "the consent form", |s| s.contains("Einwilligung erfassen"));
    press(&mut pty, key::ESC, "the consent screen", |s| !s.contains("Einwilligung erfassen"));

    // 3 Nachricht: the help.
    press(&mut pty, "3", "the message screen", |s| s.contains("Vorlage"));
    help_opens_and_closes(&mut pty);

    // 4 Warteschlange: the help, the replies and back.
    press(&mut pty, "4", "the queue screen", |s| s.contains("Noch keine Rundnachricht"));
    help_opens_and_closes(&mut pty);
    press(&mut pty, "a", "the replies", |s| !s.contains("Noch keine Rundnachricht"));
    press(&mut pty, "a", "the broadcasts", |s| s.contains("Noch keine Rundnachricht"));

    // 5 Einstellungen: the help, the shop form and back.
    press(&mut pty, "5", "the settings screen", |s| s.contains("WhatsApp verbinden") && s.contains("Zugangsschlüssel"));
    help_opens_and_closes(&mut pty);
    press(&mut pty, "e", "the shop form", |s| s.contains("Dein Hof ändern"));
    press(&mut pty, key::ESC, "the settings overview", |s| !s.contains("Dein Hof ändern"));

    // Tab and Shift+Tab walk the tab bar.
    press(&mut pty, key::TAB, "the customer list (Tab from 5)", |s| s.contains("Noch keine Kunden."));
    press(&mut pty, key::BACKTAB, "the settings (Shift+Tab from 1)", |s| s.contains("Zugangsschlüssel"));
    press(&mut pty, key::BACKTAB, "the queue (Shift+Tab from 5)", |s| s.contains("Noch keine Rundnachricht"));
    press(&mut pty, "1", "the customer list", |s| s.contains("Noch keine Kunden."));
    quit(&mut pty);
}

/// A resized terminal (the window dragged, or the SSH client's) is drawn again at the new size at once — with only
/// input waking the app, since a resize arrives with the keys.
#[test]
fn input_alone_redraws_a_resized_terminal() {
    let home = home_with_shop();
    let (k, v) = INPUT_ONLY;
    let mut pty = Spawn::new(home.path()).env(k, v).spawn();
    pty.wait_for("Noch keine Kunden.");
    assert!(pty.wait_quiet(STILL, pty::DEADLINE), "the app never went quiet");
    // Wider: the column headers reach past the old right edge.
    pty.resize(100, 30);
    pty.wait_screen("the list drawn 100 wide", |s| s.lines().any(|l| l.ends_with("Werbung") && l.chars().count() > 80));
    assert!(pty.wait_quiet(STILL, pty::DEADLINE), "the app never went quiet");
    // Below 80x24: the screen says the window is too small (not a broken screen), and keys wait.
    pty.resize(60, 20);
    pty.wait_for("Fenster zu klein (mind. 80×24, jetzt 60×20)");
    // Back to 80x24: the list again, drawn to the new right edge, and the keys work.
    pty.resize(80, 24);
    pty.wait_screen("the list drawn 80 wide", |s| s.lines().any(|l| l.ends_with("Werbung")));
    press(&mut pty, "2", "the consent screen at 80x24", |s| s.contains("Bestätigung per WhatsApp ausstehend"));
    quit(&mut pty);
}

/// Issue 12, fault 4, where the farmer decides: a backup restored on a card without the send journal leaves the
/// broadcast's recipients "unklar nach Wiederherstellung". The queue screen says so with the backup's time; in the
/// broadcast's detail `m` asks whether to count all of them as sent, `y` does it — and nothing is sent.
#[test]
fn rows_unclear_after_a_restore_are_decided_in_the_queue_screen() {
    let home = home_with_shop();
    let db = data_dir(home.path()).join("hofbote.sqlite");
    {
        let mut store = hofbote::store::Store::open(&db, hofbote::clock::system()).unwrap();
        store.ensure_default_wordings("Hof Test", "Dorfstraße 1").unwrap();
        store.replace_templates(&hofbote::sandbox::demo_templates()).unwrap();
        for (i, name) in ["Anna Weiß", "Jörg Müller", "Ute Kühn"].iter().enumerate() {
            let phone =
                hofbote::domain::phone::Phone::parse(&format!("0171 800000{i}"), hofbote::domain::phone::Region::DE)
                    .unwrap();
            let draft = hofbote::domain::customer::CustomerDraft::new(name, "", phone, &[], "").unwrap();
            let id = store.insert_customer(&draft).unwrap().id;
            store
                .record_consent(&hofbote::domain::consent::NewConsentEvent {
                    customer_id: id,
                    purpose: hofbote::domain::consent::Purpose::Marketing,
                    kind: hofbote::domain::consent::EventKind::Granted,
                    source: hofbote::domain::consent::Source::ShopForm,
                    evidence: format!("F-{i}"),
                    wording_version: None,
                    recorded_by: "test".into(),
                    occurred_at: store.now() - chrono::Duration::days(1),
                })
                .unwrap();
        }
    }
    crate::served::weekly_offer(&db);
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(pty::bin())
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOFBOTE_BACKUP_PASSPHRASE", "Heuernte")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let file = home.path().join("sicherung.age");
    cli(&["backup", "create", file.to_str().unwrap()]);
    // A new SD card: the database comes back from the backup, the send journal does not.
    std::fs::remove_file(hofbote::store::send_journal::path_for(&db)).unwrap();
    cli(&["backup", "restore", file.to_str().unwrap(), "--yes"]);

    let mut pty = Pty::spawn(home.path(), &[]);
    pty.wait_for("Kunden");
    pty.keys("4");
    pty.wait_for("3 unklar nach Wiederherstellung");
    pty.keys(key::ENTER);
    pty.wait_screen("the unclear rows and the choice", |s| s.contains("Unklar nach Wiederherstellung:"));
    pty.keys("m");
    pty.wait_for("Als gesendet zählen?");
    pty.keys("y");
    pty.wait_for("Als gesendet gezählt.");
    pty.keys("q");
    let status = pty.wait_exit();
    assert!(status.success(), "{status}");
    let store = hofbote::store::Store::open(&db, hofbote::clock::system()).unwrap();
    let states: Vec<String> = {
        let mut stmt = store.conn().prepare("SELECT state FROM outbox").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(states, ["accepted", "accepted", "accepted"], "counted as sent, nothing sent");
}

/// Issue 12: a stop from Meta (here the account is restricted) outlives restarts and handovers — the service
/// starting, stopping and starting again, the terminal app taking sending over and being restarted — and the farmer
/// ends it with the key the alert names, in the app, after which the queued broadcast goes out. Before, every
/// worker start cleared the alert, and the text told the farmer to restart.
#[test]
fn an_alert_from_meta_survives_restarts_and_the_key_in_the_app_resolves_it() {
    use crate::handover::{serve_log, serve_up, stop_serve, terminal_app};
    use crate::served::sandbox_for;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = crate::served::free_port();
    let handle = sandbox_for(&rt, 41, listen);
    let shop = crate::served::prepare(8, &handle.url(), listen, 40);
    // The alert a send raised in an earlier run (the store API the worker's failure path uses).
    let mut store = hofbote::store::Store::open(&shop.home.db(), hofbote::clock::system()).unwrap();
    store.raise_alert("account", Some(131031), "account restricted").unwrap();
    drop(store);
    let open_alerts = || -> i64 {
        let conn = rusqlite::Connection::open(shop.home.db()).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn.query_row("SELECT count(*) FROM alerts WHERE resolved_at IS NULL", [], |r| r.get(0)).unwrap()
    };
    let stopped =
        |s: &str| s.contains("Versand gestoppt") && s.contains("[131031]") && s.contains("w Warnung erledigt");

    // The service starts (its worker starts), the app opens beside it: the alert is shown, nothing goes out.
    let serve = serve_up(&shop);
    let mut app = terminal_app(&shop);
    app.wait_for("Versand: Dienst");
    app.keys("4");
    app.wait_screen("the alert with its key on the queue screen", stopped);
    // The service stops: the app takes sending over (its worker starts) — the alert stays.
    stop_serve(&shop, serve);
    app.wait_for("Versand: gestoppt (hier; siehe 4)");
    // The app restarts, and so does the service (it now waits for the app's send lock, then sends).
    app.quit_confirming("q");
    let serve = serve_up(&shop);
    let mut app = terminal_app(&shop);
    app.keys("4");
    let screen = app.wait_screen("the alert after the restarts", stopped);
    assert!(screen.contains("drücke w"), "the text names the key, not a restart:\n{screen}");
    assert!(!screen.contains("neu starten"), "{screen}");
    assert_eq!(open_alerts(), 1, "{}", serve_log(&shop));
    assert!(handle.ledger().is_empty(), "sent while the alert was open: {:?}", handle.ledger());

    // The farmer fixed it at Meta and presses w: the alert is gone, and the service (another process) sends.
    app.keys("w");
    app.wait_screen("the alert resolved", |s| s.contains("Warnungen erledigt") && !s.contains("Versand gestoppt"));
    assert_eq!(open_alerts(), 0);
    let done = pty::wait_until(Duration::from_secs(120), || shop.all_final());
    assert!(done, "not sent after the alert was resolved: {:?}\n{}", shop.row_states(), serve_log(&shop));
    crate::served::check_ledger(&handle.ledger(), &shop.consenting);
    quit(&mut app);
    stop_serve(&shop, serve);
    rt.block_on(handle.shutdown());
}
