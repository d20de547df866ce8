//! Issue 13, "Done when": a farmer's first week as one journey, with the real binary in a real pty (80x24) from an
//! empty HOME — setup without Meta → a customer added → a Windows-1252 list `Name;Vorname;Telefon;Schlagworte`
//! imported in the app (full names and tags right) → a paper consent dated with a two-digit year (stored as 2026) →
//! settings: WhatsApp connected to the built-in sandbox and the connection tested → a message to one marked customer
//! → the weekly offer through `l` → a message left half-written, the app quit and started again: the draft is there.

use std::path::{Path, PathBuf};

use chrono::Datelike;
use hofbote::config::Secret;
use hofbote::sandbox::{self, SandboxConfig};

use crate::pty::{Pty, Spawn, key};
use crate::settings::{add_customer, set_up_the_shop, type_and_see, weekly_offer_to_the_marked};

const TOKEN: &str = "EAAG-erste-woche-0815";

fn db_file(home: &Path) -> PathBuf {
    home.join(".local").join("share").join("hofbote").join("hofbote.sqlite")
}

/// `Name;Vorname;Telefon;Schlagworte` as German Excel saves it: Windows-1252, `;`, CRLF.
fn excel_list(home: &Path) {
    let text = "Name;Vorname;Telefon;Schlagworte\r\nM\u{fc}ller;J\u{f6}rg;0171 1234567;Rind, Eier\r\n\
                Wei\u{df};Anna;0172 1234567;Eier\r\n";
    let bytes: Vec<u8> = text.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
    std::fs::write(home.join("kunden.csv"), bytes).unwrap();
}

/// `3 l Enter`: the composer once the last broadcasts are known, `l`, the newest of them.
fn repeat_last(pty: &mut Pty) {
    pty.keys("3");
    pty.wait_screen("the templates with the last broadcast", |s| {
        s.lines().any(|l| l.starts_with("> wochenangebot ") && l.contains("zuletzt"))
    });
    pty.keys("l");
    pty.wait_for("Welche wiederholen?");
    pty.keys(key::ENTER);
}

/// Quits with `how` (`q`, or Ctrl-C in a text field), saying yes if the app asks because something is still being
/// sent.
fn quit(pty: &mut Pty, how: &str) {
    pty.quit_confirming(how);
}

#[test]
fn a_farmers_first_week_from_an_empty_home() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(sandbox::start(SandboxConfig { token: Some(Secret::new(TOKEN)), ..SandboxConfig::for_tests(13) }))
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    excel_list(home.path());

    // Setup without a Meta account: only "Dein Hof".
    let mut pty = Spawn::new(home.path()).spawn();
    set_up_the_shop(&mut pty, "Hof Sonnenwiese", "Dorfstraße 1, 12345 Testdorf", "0171 5550100");
    add_customer(&mut pty, "Karin Schulz", "0160 5550001");

    // The Excel list imported in the app: the dry run, then y.
    pty.keys("i");
    pty.wait_for("Kunden importieren");
    type_and_see(&mut pty, "~/kunden.csv");
    pty.keys(key::ENTER);
    pty.wait_for("Noch ist nichts gespeichert");
    pty.wait_for("Spalte ‚Schlagworte‘ → Schlagworte");
    pty.keys("y");
    pty.wait_for("Import gespeichert: 2 Kunden neu");
    pty.wait_screen("the imported customers with full names and tags", |s| {
        s.lines().any(|l| l.contains("Jörg Müller") && l.contains("Eier, Rind"))
            && s.lines().any(|l| l.contains("Anna Weiß") && l.contains("Eier"))
    });

    // A paper consent for Jörg, dated 28.11.26 on the form.
    pty.keys("/");
    type_and_see(&mut pty, "jörg");
    pty.keys(key::ENTER);
    pty.wait_screen("Jörg selected", |s| s.lines().any(|l| l.starts_with(">") && l.contains("Jörg Müller")));
    pty.keys("c");
    pty.wait_for("Einwilligung erfassen");
    pty.wait_for("> Termine (Service)");
    pty.keys(key::DOWN);
    pty.keys(" ");
    pty.wait_screen("Werbung ticked", |s| s.lines().any(|l| l.contains("[x]") && l.contains("Werbung")));
    pty.keys(key::DOWN);
    pty.wait_screen("the focus on the date", |s| s.lines().any(|l| l.contains("> Datum")));
    for _ in 0..12 {
        pty.keys(key::BACKSPACE);
    }
    type_and_see(&mut pty, "28.11.26");
    pty.keys(key::DOWN);
    pty.keys(key::DOWN);
    type_and_see(&mut pty, "F-0002");
    pty.keys(key::ENTER);
    pty.wait_for("Einwilligung Angebote (Werbung) erfasst für Jörg Müller.");
    pty.keys(key::ESC); // clears the search
    pty.wait_for("Karin Schulz");

    // Settings: connect WhatsApp to the built-in sandbox and test the connection.
    pty.keys("5");
    pty.wait_for("Zugangsschlüssel");
    pty.keys("w");
    pty.wait_for("Wo finde ich das?");
    for text in ["106540352242922", "102290129340398", "+49 5021 900100", "123456789", TOKEN, "app-geheim", "pruefwort"]
    {
        pty.keys(text);
        pty.keys(key::TAB);
    }
    pty.wait_for("Nur ändern für Tests mit dem eingebauten Sandkasten");
    for _ in 0.."https://graph.facebook.com".len() {
        pty.keys(key::BACKSPACE);
    }
    type_and_see(&mut pty, &sandbox.url());
    pty.keys(key::CTRL_S);
    pty.wait_for("Einstellungen gespeichert");
    pty.wait_gone("WhatsApp noch nicht verbunden");
    pty.keys("t");
    pty.wait_for("Verbindung steht");
    pty.wait_for("Vorlagen abgeglichen");
    pty.keys(key::ESC);
    pty.wait_gone("Verbindung steht");

    // A message to one marked customer: Space on Jörg, m, the weekly offer with his first name.
    pty.keys("1");
    pty.wait_for("Karin Schulz");
    pty.keys("/");
    type_and_see(&mut pty, "jörg");
    pty.keys(key::ENTER);
    pty.wait_screen("Jörg selected", |s| s.lines().any(|l| l.starts_with(">") && l.contains("Jörg Müller")));
    pty.keys(" ");
    pty.wait_for("1 markiert");
    weekly_offer_to_the_marked(&mut pty, "Jörg Müller", "Rinderbrühe im Glas");
    pty.keys(key::ENTER);
    let review = pty.wait_for("Prüfen vor dem Senden");
    assert!(review.contains("1 ausgewählter Kunde"), "{review}");
    pty.keys("y");
    pty.wait_for("eingereiht: 1 Empfänger");

    // The weekly offer through l: the last broadcast is offered first.
    repeat_last(&mut pty);
    pty.wait_for("vorher: Rinderbrühe im Glas");
    type_and_see(&mut pty, "Kürbis 2,50 €/kg");
    pty.keys(key::ENTER);
    pty.wait_for("Prüfen vor dem Senden");
    pty.keys("y");
    pty.wait_for("eingereiht: 1 Empfänger");

    // A message half-written, then the app quit: the draft is kept and there after a restart.
    repeat_last(&mut pty);
    type_and_see(&mut pty, "Gänse vorbestellen");
    quit(&mut pty, key::CTRL_C);

    let mut pty = Spawn::new(home.path()).spawn();
    pty.wait_for("Karin Schulz");
    pty.keys("4");
    pty.wait_screen("the draft in the queue", |s| {
        s.lines().any(|l| l.contains("wochenangebot") && l.contains("Entwurf"))
    });
    quit(&mut pty, "q");

    // What the week left in the database.
    let store = hofbote::store::Store::open(&db_file(home.path()), hofbote::clock::system()).unwrap();
    let rows = store.list_customers(&Default::default()).unwrap();
    let joerg = rows.iter().find(|r| r.customer.name == "Jörg Müller").expect("Jörg imported with his full name");
    assert_eq!(joerg.customer.tags, vec!["Eier".to_owned(), "Rind".to_owned()]);
    let ledger = store.ledger(joerg.customer.id).unwrap();
    let paper = ledger.iter().find(|e| e.evidence == "F-0002").expect("the paper consent");
    assert_eq!(paper.occurred_at.year(), 2026, "28.11.26 is 2026, not the year 26");
    let broadcasts = store.list_broadcasts(10).unwrap();
    let draft = broadcasts.iter().find(|b| b.params.body.values().any(|v| v == "Gänse vorbestellen"));
    assert!(draft.is_some_and(|b| b.state.as_str() == "draft"), "{broadcasts:?}");
    let queued: Vec<_> = broadcasts.iter().filter(|b| b.state.as_str() != "draft").collect();
    assert_eq!(queued.len(), 2, "the message to Jörg and the weekly offer: {queued:?}");
    rt.block_on(sandbox.shutdown());
}
