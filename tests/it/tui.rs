//! The terminal app beyond the journeys (`journey.rs`): it ends on SIGHUP instead of lingering (the real binary in a
//! real pty, see `pty.rs`), and `hofbote snapshot` renders the sending screens with real content.

use std::time::{Duration, Instant};

use crate::pty::{self, Pty};
use crate::support::TempHome;

fn home_with_shop() -> TempHome {
    let home = TempHome::new();
    home.write_config("[shop]\nname = \"Hof Test\"\naddress = \"Dorfstraße 1, 12345 Testdorf\"\n");
    home
}

/// A hangup (the SSH connection or the terminal window closed) ends the app at once, as a normal end, with the
/// terminal restored.
#[test]
fn sighup_ends_the_app() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".config").join("hofbote").join("config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[shop]\nname = \"Hof Test\"\n").unwrap();
    let mut app = Pty::spawn(home.path(), &[]);
    app.wait_for("Noch keine Kunden.");

    let started = Instant::now();
    let pid = nix::unistd::Pid::from_raw(app.pid() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).unwrap();
    let ended = pty::wait_until(Duration::from_secs(10), || app.exited().is_some());
    let took = started.elapsed();
    println!("hofbote ended {took:?} after SIGHUP");
    assert!(ended, "hofbote still runs 10 s after SIGHUP; screen:\n{}", app.screen());
    let status = app.wait_exit();
    assert!(status.success(), "a hangup is a normal end: {status}");
    assert!(!app.alternate_screen(), "the alternate screen was left");
}

/// `hofbote snapshot` renders the sending screens with real content: the template list, and the queue with the
/// progress of a broadcast.
#[test]
fn snapshot_renders_the_composer_and_the_queue() {
    let home = home_with_shop();
    {
        let mut store = hofbote::store::Store::open(&home.db(), hofbote::clock::system()).unwrap();
        let config = hofbote::demo::demo_config(&hofbote::config::Config::default());
        hofbote::demo::seed(&mut store, &config).unwrap();
        store.replace_templates(&hofbote::sandbox::demo_templates()).unwrap();
        hofbote::demo::seed_history(&mut store, &config).unwrap();
    }
    let nachricht = home.ok(&["snapshot", "--screen", "nachricht", "--size", "100x24"]);
    assert!(nachricht.contains("Vorlage wählen"), "{nachricht}");
    // hofbote's own templates (opt-in question, STOP confirmation) are not listed, so the name column is narrower.
    assert!(nachricht.contains("> wochenangebot      Werbung   genehmigt"), "{nachricht}");
    assert!(nachricht.contains("hoffest_einladung  Werbung   in Prüfung   nicht wählbar"), "{nachricht}");
    assert!(!nachricht.contains("abmeldung_bestaetigt"), "{nachricht}");
    let queue = home.ok(&["snapshot", "--screen", "warteschlange", "--size", "100x24"]);
    assert!(queue.contains("Nr. 1  wochenangebot (Werbung)  fertig"), "{queue}");
    assert!(queue.contains("24/24 raus"), "{queue}");
}
