//! End-to-end tests of the terminal app: the real binary in a real terminal (tmux, each test on its own server
//! socket), driven by keys. They check what only a real terminal shows: that setup and teardown work (raw mode
//! and the alternate screen are left on quit), that the app ends on SIGHUP instead of lingering, and that what was
//! typed ends up in the database. Waiting is always polling the screen with a deadline, never a fixed sleep.
//! These tests need `tmux`; without it they fail with a clear message.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{TempHome, wait_until};

const DEADLINE: Duration = Duration::from_secs(20);

/// A tmux server of its own; killed when dropped (also when a test fails).
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(name: &str) -> Tmux {
        static N: AtomicUsize = AtomicUsize::new(0);
        let ok = Command::new("tmux").arg("-V").output().map(|o| o.status.success()).unwrap_or(false);
        assert!(
            ok,
            "tmux is not installed, but the end-to-end tests of the terminal app need it. Install it: \
             apt-get install -y tmux"
        );
        let socket = format!("hofbote-{name}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
        Tmux { socket }
    }

    fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().unwrap();
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts a detached 80x24 session running `command` (UTF-8 forced, as on a German terminal).
    fn start(&self, command: &str) {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "-u",
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "main",
                "-x",
                "80",
                "-y",
                "24",
            ])
            .arg(command)
            .output()
            .unwrap();
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "main"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }

    fn text(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "main", "-l", text]);
    }

    fn display(&self, format: &str) -> String {
        self.cmd(&["display-message", "-p", "-t", "main", format]).trim().to_owned()
    }

    /// Waits until the screen shows `what`; fails with the screen if it does not.
    fn wait_for(&self, what: &str) {
        let mut last = String::new();
        let shown = wait_until(DEADLINE, || {
            last = self.screen();
            last.contains(what)
        });
        assert!(shown, "waited {DEADLINE:?} for {what:?}; the screen shows:\n{last}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).output();
    }
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

/// `env -i …` with the temp home's paths: nothing from the developer's environment leaks in.
fn env_prefix(home: &TempHome) -> String {
    format!(
        "env -i PATH=/usr/bin:/bin HOME={} XDG_CONFIG_HOME={} XDG_DATA_HOME={} HOFBOTE_CONFIG={} HOFBOTE_DB={} \
         TERM=tmux-256color LANG=de_DE.UTF-8",
        quote(home.path()),
        quote(&home.path().join("xdg-config")),
        quote(&home.path().join("xdg-data")),
        quote(&home.config()),
        quote(&home.db()),
    )
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hofbote"))
}

fn home_with_shop() -> TempHome {
    let home = TempHome::new();
    home.write_config("[shop]\nname = \"Hof Test\"\naddress = \"Dorfstraße 1, 12345 Testdorf\"\n");
    home
}

#[test]
fn add_a_customer_record_consent_and_quit_cleanly() {
    let home = home_with_shop();
    let tmux = Tmux::new("journey");
    // A shell first, so that after quitting we can look at the terminal the app left behind.
    tmux.start(&format!("{} PS1='$ ' sh", env_prefix(&home)));
    let rc = home.path().join("rc");
    tmux.wait_for("$");
    tmux.text(&format!("{}; echo $? > {}", quote(&bin()), quote(&rc)));
    tmux.keys(&["Enter"]);
    tmux.wait_for("Noch keine Kunden.");
    assert_eq!(tmux.display("#{alternate_on}"), "1", "the app runs on the alternate screen");

    // Add a customer.
    tmux.keys(&["a"]);
    tmux.wait_for("Neuer Kunde");
    tmux.text("Jörg Müller");
    tmux.keys(&["Tab", "Tab"]);
    tmux.text("0171 1234567");
    tmux.keys(&["C-s"]);
    tmux.wait_for("Kunde angelegt: Jörg Müller");

    // Record marketing consent from a paper form.
    tmux.keys(&["2"]);
    tmux.wait_for("Offene Bestätigungen");
    tmux.keys(&["a"]);
    tmux.wait_for("Einwilligung erfassen");
    tmux.text("jörg");
    tmux.wait_for("> Jörg Müller");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Name oder Telefon");
    tmux.keys(&["Down", "Space", "Down", "Down", "Down"]);
    tmux.text("F-0001");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Einwilligung Angebote (Werbung) erfasst für Jörg Müller.");

    // The list shows the tick for Werbung.
    tmux.keys(&["1"]);
    tmux.wait_for("sortiert nach Name");
    // The list may show the old row for a moment until the reload arrives.
    let ticked =
        |screen: &str| screen.lines().any(|l| l.contains("Jörg Müller") && l.trim_end().ends_with("–       ✓"));
    let mut screen = String::new();
    let shown = wait_until(DEADLINE, || {
        screen = tmux.screen();
        ticked(&screen)
    });
    assert!(shown, "marketing granted (✓), service none (–) for Jörg Müller:\n{screen}");

    // q quits; the shell gets the exit code.
    tmux.keys(&["q"]);
    assert!(wait_until(DEADLINE, || rc.exists()), "the app did not end; screen:\n{}", tmux.screen());
    assert!(wait_until(DEADLINE, || std::fs::read_to_string(&rc).is_ok_and(|s| s.ends_with('\n'))));
    assert_eq!(std::fs::read_to_string(&rc).unwrap().trim(), "0", "exit code");

    // The terminal is back to normal: main screen, cooked mode with echo.
    assert_eq!(tmux.display("#{alternate_on}"), "0", "the alternate screen was left");
    let stty = home.path().join("stty.txt");
    tmux.text(&format!("stty -a > {}", quote(&stty)));
    tmux.keys(&["Enter"]);
    assert!(wait_until(DEADLINE, || std::fs::read_to_string(&stty).is_ok_and(|s| s.contains("icanon"))));
    let modes = std::fs::read_to_string(&stty).unwrap();
    let flags: Vec<&str> = modes.split_whitespace().collect();
    for flag in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(flags.contains(&flag), "{flag} must be on after the app ended:\n{modes}");
    }
    let screen = tmux.screen();
    assert!(screen.contains("stty -a"), "the shell is back:\n{screen}");
    assert!(!screen.contains("2 Einwilligungen"), "no app frame left on the main screen:\n{screen}");

    // What was typed is in the database.
    let store = hofbote::store::Store::open(&home.db(), hofbote::clock::system()).unwrap();
    let rows = store.list_customers(&Default::default()).unwrap();
    assert_eq!(rows.len(), 1);
    let c = &rows[0].customer;
    assert_eq!((c.name.as_str(), c.phone.as_e164()), ("Jörg Müller", "+491711234567"));
    let ledger = store.ledger(c.id).unwrap();
    assert_eq!(ledger.len(), 1);
    let e = &ledger[0];
    assert_eq!(e.purpose.as_str(), "marketing");
    assert_eq!(e.kind.as_str(), "granted");
    assert_eq!(e.source.as_str(), "shop_form");
    assert_eq!(e.evidence, "F-0001");
    assert_eq!(e.wording_version, Some(1));
    assert_eq!(e.recorded_by, "hofbote", "no $USER in the test's environment");
    assert_eq!(rows[0].consent.marketing.as_str(), "granted");
}

#[test]
fn sighup_ends_the_app() {
    let home = home_with_shop();
    let tmux = Tmux::new("hup");
    // `exec`, so the pane's process is hofbote itself; keep the pane after it ends to read its exit status.
    tmux.start(&format!("exec {} {}", env_prefix(&home), quote(&bin())));
    tmux.cmd(&["set-option", "-t", "main", "remain-on-exit", "on"]);
    tmux.wait_for("Noch keine Kunden.");
    let pid = tmux.display("#{pane_pid}");
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    assert_eq!(comm.trim(), "hofbote", "the pane runs hofbote directly");

    let started = Instant::now();
    let out = Command::new("kill").args(["-HUP", &pid]).output().unwrap();
    assert!(out.status.success());
    let ended = wait_until(Duration::from_secs(10), || {
        tmux.display("#{pane_dead}") == "1" && !Path::new(&format!("/proc/{pid}")).exists()
    });
    let took = started.elapsed();
    println!("hofbote ended {took:?} after SIGHUP");
    let state = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    assert!(
        ended,
        "hofbote still runs 10 s after SIGHUP; pane_dead={}, /proc status:\n{state}\nscreen:\n{}",
        tmux.display("#{pane_dead}"),
        tmux.screen()
    );
    assert_eq!(tmux.display("#{pane_dead_status}"), "0", "a hangup is a normal end");
}
