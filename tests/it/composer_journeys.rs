//! Issue 13 §3 journeys through the real binary in a real pty from an empty HOME (`hofbote demo`, 80x24): a message
//! to one marked customer, `l` after a cancelled Schlachttermin, a draft kept over a restart and sent, and
//! hofbote's own templates not offered. Keys typed, the screen polled with generous deadlines, the demo database
//! read at the end.

use std::path::{Path, PathBuf};

use crate::pty::{Pty, Spawn, key};

fn demo_db(home: &Path) -> PathBuf {
    home.join(".local").join("share").join("hofbote").join("demo.sqlite")
}

/// `hofbote demo` in an 80x24 pty, waiting until the customer list is there.
fn demo(home: &Path) -> Pty {
    let pty = Spawn::new(home).args(&["demo"]).spawn();
    pty.wait_for("DEMO");
    pty.wait_screen("the customer list", |s| s.contains("Agnieszka Nowak"));
    pty
}

/// Quits with `q` (saying yes if the app asks because a broadcast is still going out); the app must end with 0.
fn quit(pty: &mut Pty, k: &str) {
    pty.quit_confirming(k);
    let status = pty.wait_exit();
    assert!(status.success(), "{status}");
}

fn open_db(home: &Path) -> hofbote::store::Store {
    hofbote::store::Store::open(&demo_db(home), hofbote::clock::system()).unwrap()
}

/// Space marks one customer on the list, `m` opens the composer for them, the review shows just that one recipient,
/// and the broadcast in the queue went to them only.
#[test]
fn a_message_to_one_marked_customer() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = demo(home.path());
    pty.keys(" ");
    pty.wait_for("1 markiert");
    pty.wait_for("* Agnieszka Nowak");
    pty.keys("m");
    pty.wait_for("Nachricht an Agnieszka Nowak");
    // The picker starts on the weekly offer (the latest broadcast); hofbote's own templates are not offered.
    let picker = pty.wait_for("> wochenangebot");
    assert!(!picker.contains("abmeldung_bestaetigt") && !picker.contains("anmeldung_bestaetigen"), "{picker}");
    pty.keys(key::ENTER);
    pty.wait_for("markiert: Agnieszka Nowak");
    pty.wait_for("1 Empfänger");
    pty.keys("{vorname}");
    pty.wait_for("{vorname}");
    pty.keys(key::TAB);
    pty.keys("Feldsalat nur für dich");
    pty.wait_for("Feldsalat nur für dich");
    pty.keys(key::ENTER);
    let review = pty.wait_for("Prüfen vor dem Senden");
    assert!(review.contains("1 ausgewählter Kunde"), "{review}");
    assert!(review.lines().any(|l| l.starts_with("Empfänger") && l.trim_end().ends_with(" 1")), "{review}");
    pty.keys("y");
    pty.wait_for("eingereiht: 1 Empfänger");
    quit(&mut pty, "q");

    let store = open_db(home.path());
    let b = &store.list_broadcasts(10).unwrap()[0];
    assert_eq!(b.params.body["2"], "Feldsalat nur für dich");
    let hofbote::domain::broadcast::Audience::List(ids) = &b.audience else { panic!("{:?}", b.audience) };
    assert_eq!(ids.len(), 1);
    let rows = store.broadcast_rows(b.id).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].name, "Agnieszka Nowak");
}

/// Regression (issue 13): after a cancelled Schlachttermin, `l` opened the Schlachttermin instead of the weekly
/// offer. Now it offers the last broadcasts and starts on the newest one not cancelled: `3 l Enter`.
#[test]
fn repeat_last_after_a_cancelled_schlachttermin_is_the_weekly_offer() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = demo(home.path());
    // A Schlachttermin, planned for later, then cancelled in the queue.
    pty.keys("3");
    pty.wait_for("> wochenangebot");
    pty.keys("k");
    pty.wait_for("> schlachttermin");
    pty.keys(key::ENTER);
    pty.wait_for("Nachricht: schlachttermin");
    for (i, value) in ["{vorname}", "Sa 5.12.", "Mo 7.12.", "01.06.2030 08:00"].into_iter().enumerate() {
        if i > 0 {
            pty.keys(key::TAB);
        }
        pty.keys(value);
        pty.wait_for(value);
    }
    pty.keys(key::ENTER);
    pty.wait_for("Prüfen vor dem Senden");
    pty.keys("y");
    pty.wait_for("geplant für");
    pty.wait_for("> Nr. 2  schlachttermin");
    pty.keys("c");
    pty.wait_for("abbrechen?");
    pty.keys("y");
    pty.wait_screen("the Schlachttermin cancelled", |s| {
        s.contains("Nr. 2  schlachttermin") && s.contains("abgebrochen")
    });
    // Now the weekly offer again.
    pty.keys("3");
    pty.wait_for("Vorlage wählen");
    pty.keys("l");
    pty.wait_for("Welche wiederholen?");
    // Newest first: the cancelled Schlachttermin on top, the weekly offer chosen.
    pty.wait_screen("the list with the cancelled Schlachttermin and the weekly offer chosen", |s| {
        let rows: Vec<&str> = s.lines().filter(|l| l.contains('│') && l.contains(".2026")).collect();
        rows.len() >= 2
            && rows[0].contains("schlachttermin")
            && rows[0].contains("abgebrochen")
            && rows[1].contains("> wochenangebot")
    });
    pty.keys(key::ENTER);
    pty.wait_for("Nachricht: wochenangebot");
    pty.wait_for("vorher: Kürbissuppe");
    quit(&mut pty, key::CTRL_C);
}

/// A message composed and left with Ctrl-C is kept as a draft; after a restart the queue lists it, Enter opens it
/// with the text, and it is sent as that broadcast.
#[test]
fn a_composed_message_survives_a_restart_as_a_draft_and_is_sent() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = demo(home.path());
    pty.keys("3");
    pty.wait_for("> wochenangebot");
    pty.keys("l");
    pty.wait_for("Welche wiederholen?");
    pty.keys(key::ENTER);
    pty.wait_for("vorher: Kürbissuppe");
    pty.keys("Grünkohl vom Feld");
    pty.wait_for("Grünkohl vom Feld");
    quit(&mut pty, key::CTRL_C);
    {
        let store = open_db(home.path());
        let b = &store.list_broadcasts(10).unwrap()[0];
        assert_eq!(b.state.as_str(), "draft");
        assert_eq!(b.params.body["2"], "Grünkohl vom Feld");
    }

    let mut pty = demo(home.path());
    pty.keys("4");
    pty.wait_for("Entwurf");
    pty.wait_for("> Nr. 2  wochenangebot");
    pty.keys(key::ENTER);
    pty.wait_for("Nachricht: wochenangebot");
    pty.wait_for("Grünkohl vom Feld");
    pty.keys(key::ENTER);
    pty.wait_for("Prüfen vor dem Senden");
    pty.keys("y");
    pty.wait_for("Rundnachricht Nr. 2 eingereiht");
    quit(&mut pty, "q");
    let store = open_db(home.path());
    let list = store.list_broadcasts(10).unwrap();
    assert_eq!(list.len(), 2, "the draft itself was sent, no copy");
    assert_ne!(list[0].state.as_str(), "draft");
    assert!(!store.broadcast_rows(list[0].id).unwrap().is_empty());
}

/// The SSH connection drops (SIGHUP) while a message is being composed: it is kept as a draft all the same.
#[test]
fn a_hangup_while_composing_keeps_the_draft() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = demo(home.path());
    pty.keys("3");
    pty.wait_for("> wochenangebot");
    pty.keys("l");
    pty.wait_for("Welche wiederholen?");
    pty.keys(key::ENTER);
    pty.wait_for("vorher: Kürbissuppe");
    pty.keys("Rote Bete");
    pty.wait_for("Rote Bete");
    let pid = nix::unistd::Pid::from_raw(pty.pid() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).unwrap();
    let status = pty.wait_exit();
    assert!(status.success(), "{status}");
    let store = open_db(home.path());
    let b = &store.list_broadcasts(10).unwrap()[0];
    assert_eq!(b.state.as_str(), "draft");
    assert_eq!(b.params.body["2"], "Rote Bete");
}
