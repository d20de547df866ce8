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
        self.start_sized(command, 80, 24);
    }

    fn start_sized(&self, command: &str, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-u", "-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", &w, "-y", &h])
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

/// The pid of the process named `name` whose parent is `parent` (from `/proc`).
fn child_named(parent: &str, name: &str) -> Option<String> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid = e.file_name().to_string_lossy().into_owned();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // "pid (comm) state ppid ...": the comm may hold spaces, so split after the last ')'.
        let (head, rest) = stat.rsplit_once(')')?;
        let comm = head.split_once('(')?.1;
        let ppid = rest.split_whitespace().nth(1)?;
        (comm == name && ppid == parent).then_some(pid)
    })
}

#[test]
fn sighup_ends_the_app() {
    let home = home_with_shop();
    let tmux = Tmux::new("hup");
    // A shell waits for hofbote and writes its exit status: the shell reaps it, so "ended" does not depend on when
    // tmux collects a dead pane's process (it sometimes left it a zombie for seconds).
    let rc = home.path().join("rc");
    tmux.start(&format!("{} {}; echo $? > {}; sleep 30", env_prefix(&home), quote(&bin()), quote(&rc)));
    tmux.wait_for("Noch keine Kunden.");
    let shell = tmux.display("#{pane_pid}");
    let mut pid = None;
    assert!(wait_until(DEADLINE, || {
        pid = child_named(&shell, "hofbote");
        pid.is_some()
    }));
    let pid = pid.unwrap_or_default();

    let started = Instant::now();
    let out = Command::new("kill").args(["-HUP", &pid]).output().unwrap();
    assert!(out.status.success());
    let ended = wait_until(Duration::from_secs(10), || {
        std::fs::read_to_string(&rc).is_ok_and(|s| s.ends_with('\n')) && !Path::new(&format!("/proc/{pid}")).exists()
    });
    let took = started.elapsed();
    println!("hofbote ended {took:?} after SIGHUP");
    let state = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    assert!(ended, "hofbote still runs 10 s after SIGHUP; /proc status:\n{state}\nscreen:\n{}", tmux.screen());
    assert_eq!(std::fs::read_to_string(&rc).unwrap().trim(), "0", "a hangup is a normal end");
}

/// The demo end to end: `hofbote demo` at 100x30 (sandbox, receiver and worker in-process), the weekly offer sent
/// by keys, every recipient settles (delivered, read or failed) while a simulated customer sends STOP, then quit.
/// The demo database must show that exactly the customers who had agreed to offers when the broadcast was created
/// got the message once (the one who stopped meanwhile may or may not), and the sandbox's ledger (written to the
/// demo's log at the end) holds exactly those messages.
#[test]
fn demo_sends_the_weekly_offer_to_exactly_the_consenting_customers() {
    use hofbote::domain::consent::{ConsentState, Purpose, fold};
    let home = TempHome::new();
    let tmux = Tmux::new("demo");
    tmux.start_sized(&format!("{} PS1='$ ' sh", env_prefix(&home)), 100, 30);
    let rc = home.path().join("rc");
    tmux.wait_for("$");
    tmux.text(&format!("{} demo; echo $? > {}", quote(&bin()), quote(&rc)));
    tmux.keys(&["Enter"]);
    tmux.wait_for("DEMO — es wird nichts wirklich verschickt");
    tmux.wait_for("Versand: in hofbote");
    tmux.wait_for("(1 neu)");
    let offer = "Bratwurst vom Duroc-Schwein, 10 % günstiger";
    let mut keys = 0;
    tmux.keys(&["3"]);
    keys += 1;
    tmux.wait_for("> wochenangebot");
    tmux.keys(&["l"]);
    keys += 1;
    tmux.wait_for("vorher: Kürbissuppe");
    tmux.text(offer);
    tmux.wait_for("10 % günstiger");
    tmux.keys(&["Enter"]);
    keys += 1;
    tmux.wait_for("Prüfen vor dem Senden");
    tmux.keys(&["y"]);
    keys += 1;
    assert!(keys <= 10);
    tmux.wait_for("Rundnachricht Nr. 2 eingereiht");

    // Wait until every recipient of the broadcast is settled, in the demo database.
    let db = home.path().join("data").join("demo.sqlite");
    let open = || -> i64 {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row(
            "SELECT count(*) FROM outbox WHERE broadcast_id = 2 AND state NOT IN ('delivered', 'read', 'failed', 'cancelled', 'skipped')",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let mut last = String::new();
    let settled = wait_until(Duration::from_secs(60), || {
        last = tmux.screen();
        open() == 0 && last.contains("fertig")
    });
    assert!(settled, "not settled: {} open rows; screen:\n{last}", open());
    assert!(last.contains("Nr. 2  wochenangebot (Werbung)  fertig"), "{last}");

    // Quit (if the app still asks because a confirmation reply is on its way, say yes).
    tmux.keys(&["q"]);
    let ended = wait_until(DEADLINE, || {
        if tmux.screen().contains("Trotzdem beenden?") {
            tmux.keys(&["y"]);
        }
        std::fs::read_to_string(&rc).is_ok_and(|s| s.ends_with('\n'))
    });
    assert!(ended, "the demo did not end; screen:\n{}", tmux.screen());
    assert_eq!(std::fs::read_to_string(&rc).unwrap().trim(), "0");
    assert!(!home.db().exists(), "the real database is never created by the demo");

    // Who had agreed to offers when the broadcast was created (from the consent ledger), and who stopped.
    let store = hofbote::store::Store::open(&db, hofbote::clock::system()).unwrap();
    let info = store.broadcast(2).unwrap();
    let mut consenting = std::collections::BTreeSet::new();
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
    let with_wamid: std::collections::BTreeSet<i64> =
        rows.iter().filter(|(_, w, _)| w.is_some()).map(|(c, _, _)| *c).collect();
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
    let logs = home.path().join("data").join("demo-logs");
    let text: String =
        std::fs::read_dir(&logs).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
    let ledger: std::collections::BTreeSet<String> = text
        .lines()
        .filter(|l| l.contains("sandbox ledger") && l.contains("wochenangebot"))
        .filter_map(|l| l.split("wamid=").nth(1).map(|w| w.split_whitespace().next().unwrap_or("").to_owned()))
        .collect();
    let sent: std::collections::BTreeSet<String> = rows.iter().filter_map(|(_, w, _)| w.clone()).collect();
    assert_eq!(ledger, sent, "the sandbox accepted exactly the messages the database records");
}

/// The first start: no configuration and no data open the welcome screen, and `d` starts the demo on its own
/// database (the real one stays empty).
#[test]
fn first_start_offers_the_demo() {
    let home = TempHome::new();
    let tmux = Tmux::new("welcome");
    tmux.start(&format!("{} PS1='$ ' sh", env_prefix(&home)));
    let rc = home.path().join("rc");
    tmux.wait_for("$");
    tmux.text(&format!("{}; echo $? > {}", quote(&bin()), quote(&rc)));
    tmux.keys(&["Enter"]);
    tmux.wait_for("Willkommen bei hofbote");
    tmux.wait_for("d  Demo ansehen");
    tmux.keys(&["d"]);
    tmux.wait_for("DEMO — es wird nichts wirklich verschickt");
    tmux.wait_for("Agnieszka Nowak");
    tmux.keys(&["q"]);
    assert!(
        wait_until(DEADLINE, || std::fs::read_to_string(&rc).is_ok_and(|s| s.ends_with('\n'))),
        "{}",
        tmux.screen()
    );
    assert_eq!(std::fs::read_to_string(&rc).unwrap().trim(), "0");
    assert!(home.path().join("data").join("demo.sqlite").exists());
    let store = hofbote::store::Store::open(&home.db(), hofbote::clock::system()).unwrap();
    assert_eq!(store.customer_count().unwrap(), 0, "the real database stays empty");
    assert!(!home.config().exists(), "no configuration was written");
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
    let nachricht = home.ok(&["snapshot", "--screen", "nachricht", "--size", "100x20"]);
    assert!(nachricht.contains("Vorlage wählen"), "{nachricht}");
    assert!(nachricht.contains("> wochenangebot         Werbung   genehmigt"), "{nachricht}");
    assert!(nachricht.contains("hoffest_einladung     Werbung   in Prüfung   nicht wählbar"), "{nachricht}");
    let queue = home.ok(&["snapshot", "--screen", "warteschlange", "--size", "100x20"]);
    assert!(queue.contains("Nr. 1  wochenangebot (Werbung)  fertig"), "{queue}");
    assert!(queue.contains("24/24 raus"), "{queue}");
}
