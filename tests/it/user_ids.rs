//! Issue 14 §4, "Done when": a customer known only by WhatsApp user id (a username, no number shared) signs up with
//! ANMELDEN, confirms with JA, gets the weekly offer and sends STOP — the real binary in a real pty (80x24) from an
//! empty HOME, with `hofbote serve` receiving the sandbox's signed webhooks. The list shows
//! "WhatsApp-Nutzer (ohne Nummer)" with the profile name; the sandbox's ledger shows every message addressed to the
//! user id (`recipient`), and after STOP no further offer goes out.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hofbote::sandbox::{self, InboundRequest, LedgerEntry};

use crate::pty::{self, Spawn, key};
use crate::settings::{set_up_the_shop, type_and_see, weekly_offer_to_the_marked};

/// The customer's business-scoped user id, as Meta writes it.
const USER: &str = "DE.13491208655302741918";

/// `hofbote serve` as the README starts it, on the home the app uses; killed when the test ends, also on failure.
struct Serve(Child);

impl Serve {
    fn start(home: &Path, listen: std::net::SocketAddr) -> Serve {
        let log = std::fs::File::create(home.join("serve.log")).unwrap();
        let child = Command::new(pty::bin())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", home)
            .env("LANG", "de_DE.UTF-8")
            .args(["serve", "--listen", &listen.to_string()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let up = pty::wait_until(pty::DEADLINE, || std::net::TcpStream::connect(listen).is_ok());
        assert!(up, "serve did not start: {}", std::fs::read_to_string(home.join("serve.log")).unwrap_or_default());
        Serve(child)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The customer writes `text` — by user id only, no number.
fn write(rt: &tokio::runtime::Runtime, url: &str, text: &str) {
    let req = InboundRequest {
        from: String::new(),
        user_id: Some(USER.into()),
        text: Some(text.into()),
        button: None,
        name: Some("Kim Sommer".into()),
        phone_number_id: None,
    };
    let ack = rt.block_on(sandbox::remote::inbound(url, &req)).unwrap();
    assert_eq!(ack.from, USER);
}

fn ledger(rt: &tokio::runtime::Runtime, url: &str) -> Vec<LedgerEntry> {
    rt.block_on(sandbox::ledger(url)).unwrap()
}

/// Waits until the sandbox accepted a message addressed to the user id that `what` picks.
fn wait_sent(
    rt: &tokio::runtime::Runtime,
    url: &str,
    home: &Path,
    what: &str,
    pick: impl Fn(&LedgerEntry) -> bool,
) -> LedgerEntry {
    let mut found = None;
    let ok = pty::wait_until(Duration::from_secs(60), || {
        found = ledger(rt, url).into_iter().find(|e| e.recipient.as_deref() == Some(USER) && pick(e));
        found.is_some()
    });
    assert!(
        ok,
        "no {what} went to {USER}; ledger: {:#?}\noutbox: {}\nserve: {}",
        ledger(rt, url),
        outbox(home),
        std::fs::read_to_string(home.join("serve.log")).unwrap_or_default()
    );
    found.unwrap()
}

fn db(home: &Path) -> std::path::PathBuf {
    home.join(".local/share/hofbote/hofbote.sqlite")
}

/// The outbox as rows of text, for failure messages.
fn outbox(home: &Path) -> String {
    let conn = rusqlite::Connection::open(db(home)).unwrap();
    let mut stmt = conn.prepare("SELECT id, phone, kind, state, reason, error_code FROM outbox ORDER BY id").unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok(format!(
                "{} {} {} {} {} {:?}",
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<i64>>(5)?
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    rows.join("\n")
}

#[test]
fn a_customer_known_only_by_user_id_signs_up_gets_the_offer_and_stops() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = crate::served::free_port();
    let sb = crate::served::sandbox_for(&rt, 14, listen);
    let url = sb.url();
    let home = tempfile::tempdir().unwrap();

    // The shop set up in the app; quiet hours off (so the test does not depend on the time of day), WhatsApp
    // connected to the sandbox with the app secret its webhooks are signed with.
    let mut pty = Spawn::new(home.path()).spawn();
    set_up_the_shop(&mut pty, "Hof Nutzerweg", "Dorfstraße 1, 12345 Testdorf", "0171 5550100");
    pty.keys("5");
    pty.wait_for("Zugangsschlüssel");
    pty.keys("e");
    pty.wait_for("Ruhezeit");
    for _ in 0..4 {
        pty.keys(key::TAB);
    }
    for _ in 0.."20:00-08:00".len() {
        pty.keys(key::BACKSPACE);
    }
    pty.keys(key::CTRL_S);
    pty.wait_for("Einstellungen gespeichert");
    pty.keys("w");
    pty.wait_for("Wo finde ich das?");
    for text in [
        "106540352242922",
        "102290129340398",
        "+49 5021 900100",
        "123456789",
        "EAAG-nutzer-4711",
        crate::served::SECRET,
        "pruefwort",
    ] {
        pty.keys(text);
        pty.keys(key::TAB);
    }
    pty.wait_for("Nur ändern für Tests mit dem eingebauten Sandkasten");
    for _ in 0.."https://graph.facebook.com".len() {
        pty.keys(key::BACKSPACE);
    }
    type_and_see(&mut pty, &url);
    pty.keys(key::CTRL_S);
    pty.wait_for("Einstellungen gespeichert");
    pty.keys("t");
    pty.wait_for("Vorlagen abgeglichen");
    pty.keys(key::ESC);
    pty.wait_gone("Verbindung steht");
    pty.keys("1");
    pty.wait_for("Noch keine Kunden.");
    let _serve = Serve::start(home.path(), listen);

    // ANMELDEN from a person WhatsApp shows only by user id: a customer with their profile name and no number.
    write(&rt, &url, "ANMELDEN");
    pty.wait_screen("the new customer without a number", |s| {
        s.lines().any(|l| l.contains("Kim Sommer") && l.contains("WhatsApp-Nutzer (ohne Nummer)"))
    });
    let question = wait_sent(&rt, &url, home.path(), "double opt-in question", |e| e.kind == "text");
    assert_eq!(question.to, USER, "no number was made up for them");

    // JA: marketing consent, confirmed to the user id.
    write(&rt, &url, "JA");
    wait_sent(&rt, &url, home.path(), "confirmation", |e| e.kind == "text" && e.wamid != question.wamid);
    pty.keys(key::ENTER);
    pty.wait_for("WhatsApp-Nutzer (ohne Nummer)");
    pty.wait_screen("the user id in the detail", |s| {
        s.lines().any(|l| l.contains("WhatsApp-Nutzer (ohne Nummer)") && l.contains(USER))
    });
    pty.wait_screen("marketing consent granted in the detail", |s| s.contains("erteilt"));
    pty.keys(key::ESC);

    // The weekly offer, composed in the app for the marked customer, goes to the user id.
    pty.wait_screen("Kim selected", |s| s.lines().any(|l| l.starts_with(">") && l.contains("Kim Sommer")));
    pty.keys(" ");
    pty.wait_for("1 markiert");
    weekly_offer_to_the_marked(&mut pty, "Kim Sommer", "Kürbis 2,50 €/kg");
    pty.keys(key::ENTER);
    let review = pty.wait_for("Prüfen vor dem Senden");
    assert!(review.contains("1 ausgewählter Kunde"), "{review}");
    pty.keys("y");
    pty.wait_for("eingereiht: 1 Empfänger");
    let offer = wait_sent(&rt, &url, home.path(), "weekly offer", |e| e.template.as_deref() == Some("wochenangebot"));
    assert_eq!(offer.input, USER);

    // STOP: withdrawn, the confirmation goes out, and a second offer to them is never sent.
    write(&rt, &url, "STOP");
    let before = ledger(&rt, &url).len();
    pty::wait_until(Duration::from_secs(60), || ledger(&rt, &url).len() > before);
    let texts = ledger(&rt, &url).iter().filter(|e| e.kind == "text").count();
    assert_eq!(texts, 3, "question, confirmation, STOP confirmation: {:#?}", ledger(&rt, &url));
    let store = || {
        hofbote::store::Store::open(&home.path().join(".local/share/hofbote/hofbote.sqlite"), hofbote::clock::system())
            .unwrap()
    };
    let withdrawn = pty::wait_until(pty::DEADLINE, || {
        let s = store();
        let c = s.customer_by_user_id(USER).unwrap().unwrap();
        s.customer_consent(c.id).unwrap().marketing == hofbote::domain::consent::ConsentState::Withdrawn
    });
    assert!(withdrawn, "STOP withdrew marketing consent");
    pty.keys("1");
    let list = pty.wait_screen("Kim selected", |s| s.lines().any(|l| l.starts_with(">") && l.contains("Kim Sommer")));
    if !list.contains("1 markiert") {
        pty.keys(" ");
        pty.wait_for("1 markiert");
    }
    weekly_offer_to_the_marked(&mut pty, "Kim Sommer", "Äpfel 3 €/kg");
    // The composer already counts them out: no marketing consent any more.
    pty.wait_for("0 Empfänger · 1 ausgeschlossen");
    let offers = ledger(&rt, &url).iter().filter(|e| e.template.is_some()).count();
    assert_eq!(offers, 1, "nothing more after STOP: {:#?}", ledger(&rt, &url));
    pty.keys(key::ESC);
    let s = store();
    let c = s.customer_by_user_id(USER).unwrap().unwrap();
    assert_eq!((c.name.as_str(), c.phone.as_ref()), ("Kim Sommer", None));
    let ledger_rows = s.ledger(c.id).unwrap();
    assert!(ledger_rows.len() >= 3, "requested, granted, withdrawn: {ledger_rows:#?}");
}

/// Auskunft and erasure on the command line find a person without a number by their WhatsApp user id.
#[test]
fn privacy_export_and_erase_take_a_user_id() {
    let home = crate::support::TempHome::new();
    home.write_config("[shop]\nname = \"Hof Nutzerweg\"\n");
    {
        let mut store = hofbote::store::Store::open(&home.db(), hofbote::clock::system()).unwrap();
        let now = store.now();
        let tx = store.conn_mut().transaction().unwrap();
        hofbote::store::customers::insert_user_customer_tx(&tx, "Kim Sommer", "Kim", USER, now).unwrap();
        tx.commit().unwrap();
    }
    let out = home.run(&["privacy", "export", USER]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Kim Sommer") && text.contains("WhatsApp-Nutzer (ohne Nummer)"), "{text}");
    let out = home
        .cmd()
        .env("HOFBOTE_ERASURE_KEY", "k-0123456789abcdef0123456789abcdef")
        .args(["privacy", "erase", USER, "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = hofbote::store::Store::open(&home.db(), hofbote::clock::system()).unwrap();
    assert!(store.customer_by_user_id(USER).unwrap().is_none());
}
