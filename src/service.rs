//! The service installer: `hofbote serve` as a systemd *user* service, so scheduled sends go out while the app is
//! closed. [`units`] turns the unit files shipped in `assets/` into the ones for this installation (ExecStart = the
//! running binary) — pure. [`install`] writes them to `~/.config/systemd/user/`, runs `systemctl --user
//! daemon-reload` and `enable --now hofbote.service`, and checks lingering (without it the service stops at logout).
//! Commands run through a [`Runner`], so tests can stand in for systemd. Without systemd (no `systemctl`, no user
//! bus) nothing is written and the [`Report`] says what to do instead. Used by the settings screen and
//! `hofbote service install`; never draws.

use std::path::{Path, PathBuf};

use crate::i18n::{Lang, Tr};

pub const SERVICE: &str = "hofbote.service";
pub const BACKUP_SERVICE: &str = "hofbote-backup.service";
pub const BACKUP_TIMER: &str = "hofbote-backup.timer";

const SERVICE_TEMPLATE: &str = include_str!("../assets/hofbote.service");
const BACKUP_SERVICE_TEMPLATE: &str = include_str!("../assets/hofbote-backup.service");
const BACKUP_TIMER_TEMPLATE: &str = include_str!("../assets/hofbote-backup.timer");

/// Where the shipped units expect the binary.
const SHIPPED_EXEC: &str = "%h/.local/bin/hofbote";

/// The unit files for this installation: (file name, content).
pub fn units(exe: &Path) -> Vec<(&'static str, String)> {
    let exec = exec_path(exe);
    [(SERVICE, SERVICE_TEMPLATE), (BACKUP_SERVICE, BACKUP_SERVICE_TEMPLATE), (BACKUP_TIMER, BACKUP_TIMER_TEMPLATE)]
        .into_iter()
        .map(|(name, text)| {
            let text = text
                .lines()
                .map(|l| match l.strip_prefix("ExecStart=") {
                    Some(rest) => format!("ExecStart={}\n", rest.replacen(SHIPPED_EXEC, &exec, 1)),
                    None => format!("{l}\n"),
                })
                .collect();
            (name, text)
        })
        .collect()
}

/// The binary's path as systemd reads it on an `ExecStart=` line: `%` doubled, quoted when it has blanks.
fn exec_path(exe: &Path) -> String {
    let p = exe.display().to_string().replace('%', "%%");
    if p.chars().any(char::is_whitespace) || p.contains('"') {
        format!("\"{}\"", p.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        p
    }
}

/// `$XDG_CONFIG_HOME/systemd/user`, else `~/.config/systemd/user`.
pub fn unit_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.config_dir().join("systemd").join("user"))
}

/// What a command printed and whether it succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a program; an error means it could not be started (e.g. not installed).
pub trait Runner {
    fn run(&self, program: &str, args: &[&str]) -> std::io::Result<Output>;
}

/// Runs real programs (found through `PATH`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRunner;

impl Runner for SystemRunner {
    fn run(&self, program: &str, args: &[&str]) -> std::io::Result<Output> {
        let out = std::process::Command::new(program).args(args).stdin(std::process::Stdio::null()).output()?;
        Ok(Output {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

/// Why there is no systemd to install into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSystemd {
    /// `systemctl` is not installed.
    NoSystemctl,
    /// `systemctl --user` cannot reach the user's service manager (no login session, container, WSL).
    NoUserBus,
}

/// Whether the service keeps running after logout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linger {
    On,
    Off,
    Unknown,
}

/// What the installer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    NoSystemd(NoSystemd),
    /// The units are written and the service enabled; `active` whether it runs now.
    Installed {
        dir: PathBuf,
        active: bool,
        linger: Linger,
        user: String,
    },
    /// A step failed (the step's command and the first line it printed).
    Failed {
        step: String,
        detail: String,
    },
}

/// Installs and starts the user service; `user` is the login name (for the lingering check).
pub fn install(runner: &dyn Runner, dir: &Path, exe: &Path, user: &str) -> Report {
    let systemctl = |args: &[&str]| {
        let mut all = vec!["--user"];
        all.extend_from_slice(args);
        runner.run("systemctl", &all)
    };
    match systemctl(&["show-environment"]) {
        Err(_) => return Report::NoSystemd(NoSystemd::NoSystemctl),
        Ok(out) if !out.success => return Report::NoSystemd(NoSystemd::NoUserBus),
        Ok(_) => {}
    }
    if let Err(e) = write_units(dir, exe) {
        return Report::Failed { step: dir.display().to_string(), detail: e };
    }
    for step in [&["daemon-reload"][..], &["enable", "--now", SERVICE][..]] {
        match systemctl(step) {
            Ok(out) if out.success => {}
            Ok(out) => {
                let detail = out.stderr.lines().chain(out.stdout.lines()).next().unwrap_or("").to_owned();
                return Report::Failed { step: format!("systemctl --user {}", step.join(" ")), detail };
            }
            Err(e) => {
                return Report::Failed { step: format!("systemctl --user {}", step.join(" ")), detail: e.to_string() };
            }
        }
    }
    let active = systemctl(&["is-active", SERVICE]).is_ok_and(|o| o.success && o.stdout.trim() == "active");
    let linger = match runner.run("loginctl", &["show-user", user, "-p", "Linger"]) {
        Ok(o) if o.success && o.stdout.trim() == "Linger=yes" => Linger::On,
        Ok(o) if o.success && o.stdout.trim() == "Linger=no" => Linger::Off,
        _ => Linger::Unknown,
    };
    Report::Installed { dir: dir.to_owned(), active, linger, user: user.to_owned() }
}

fn write_units(dir: &Path, exe: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| crate::config::write::io_words(e.kind(), Lang::De))?;
    for (name, text) in units(exe) {
        crate::config::write::replace_file(&dir.join(name), text.as_bytes(), 0o644)
            .map_err(|e| crate::config::write::io_words(e.kind(), Lang::De))?;
    }
    Ok(())
}

/// For the composer's review when a send time is set and no service runs.
pub const SCHEDULED_NEEDS_RUNNING: Tr = Tr::new(
    "Geht nur raus, wenn dann hofbote serve oder diese App läuft. Dienst einrichten: 5 Einstellungen, Taste i.",
    "Only goes out if hofbote serve or this app runs then. Set up the service: 5 Settings, key i.",
);

const NO_SYSTEMCTL: Tr = Tr::new(
    "Auf diesem Rechner gibt es kein systemd (der Befehl systemctl fehlt). Es wurde nichts eingerichtet.",
    "This computer has no systemd (the command systemctl is missing). Nothing was set up.",
);
const NO_USER_BUS: Tr = Tr::new(
    "systemd ist für deinen Benutzer nicht erreichbar (systemctl --user geht nicht, z. B. in einem Container). Es wurde nichts eingerichtet.",
    "systemd cannot be reached for your user (systemctl --user fails, e.g. in a container). Nothing was set up.",
);
const INSTEAD: Tr = Tr::new(
    "Stattdessen: lass hofbote geöffnet, oder starte den Dienst in tmux oder screen mit: hofbote serve",
    "Instead: keep hofbote open, or start the service in tmux or screen with: hofbote serve",
);
const INSTALLED: Tr = Tr::new("Dienst eingerichtet: {0} in {1}.", "Service set up: {0} in {1}.");
const ACTIVE: Tr = Tr::new(
    "Der Dienst läuft: geplante Nachrichten gehen auch raus, wenn hofbote geschlossen ist.",
    "The service runs: scheduled messages go out even when hofbote is closed.",
);
const NOT_ACTIVE: Tr = Tr::new(
    "Der Dienst läuft noch nicht. Nachsehen mit: journalctl --user -u hofbote",
    "The service is not running yet. Look with: journalctl --user -u hofbote",
);
const LINGER_OFF: Tr = Tr::new(
    "Achtung: Der Dienst stoppt, wenn du dich abmeldest. Damit er weiterläuft, führe einmal aus: sudo loginctl enable-linger {0}",
    "Note: the service stops when you log out. To keep it running, run once: sudo loginctl enable-linger {0}",
);
const LINGER_UNKNOWN: Tr = Tr::new(
    "Ob der Dienst nach dem Abmelden weiterläuft, ließ sich nicht prüfen. Sicher ist: sudo loginctl enable-linger {0}",
    "Whether the service keeps running after logout could not be checked. To be sure: sudo loginctl enable-linger {0}",
);
const LINGER_ON: Tr = Tr::new("Er läuft auch weiter, wenn du dich abmeldest.", "It keeps running when you log out.");
const BACKUP_READY: Tr = Tr::new(
    "Die nächtliche Sicherung liegt bereit (hofbote-backup.timer); einschalten, sobald [backup] eingerichtet ist: systemctl --user enable --now hofbote-backup.timer",
    "The nightly backup is ready (hofbote-backup.timer); enable it once [backup] is set: systemctl --user enable --now hofbote-backup.timer",
);
const FAILED: Tr =
    Tr::new("Der Dienst ließ sich nicht einrichten: {0} meldet: {1}", "The service could not be set up: {0} says: {1}");

impl Report {
    /// Whether the service is set up (maybe not running yet).
    pub fn installed(&self) -> bool {
        matches!(self, Report::Installed { .. })
    }

    /// The report in sentences, one per line.
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        match self {
            Report::NoSystemd(why) => {
                let first = match why {
                    NoSystemd::NoSystemctl => NO_SYSTEMCTL,
                    NoSystemd::NoUserBus => NO_USER_BUS,
                };
                vec![first.get(lang).to_owned(), INSTEAD.get(lang).to_owned()]
            }
            Report::Installed { dir, active, linger, user } => {
                let mut out = vec![INSTALLED.fill(lang, &[&SERVICE, &dir.display()])];
                out.push(if *active { ACTIVE } else { NOT_ACTIVE }.get(lang).to_owned());
                out.push(match linger {
                    Linger::On => LINGER_ON.get(lang).to_owned(),
                    Linger::Off => LINGER_OFF.fill(lang, &[user]),
                    Linger::Unknown => LINGER_UNKNOWN.fill(lang, &[user]),
                });
                out.push(BACKUP_READY.get(lang).to_owned());
                out
            }
            Report::Failed { step, detail } => vec![FAILED.fill(lang, &[step, detail]), INSTEAD.get(lang).to_owned()],
        }
    }
}

/// The login name: `$USER`, else `$LOGNAME`.
pub fn current_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "$USER".to_owned())
}

/// Installs with the real `systemctl` into the user's unit directory, for the running binary.
pub fn install_here() -> Report {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("hofbote"));
    let Some(dir) = unit_dir() else {
        return Report::Failed { step: "~/.config/systemd/user".into(), detail: "HOME?".into() };
    };
    install(&SystemRunner, &dir, &exe, &current_user())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::cell::RefCell;

    use super::*;

    #[test]
    fn units_start_the_running_binary_and_keep_the_rest() {
        let u = units(Path::new("/opt/hof bote/hofbote"));
        let names: Vec<_> = u.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, [SERVICE, BACKUP_SERVICE, BACKUP_TIMER]);
        let service = &u[0].1;
        assert!(service.contains("\nExecStart=\"/opt/hof bote/hofbote\" serve --listen 127.0.0.1:8080\n"), "{service}");
        assert!(service.contains("WantedBy=default.target"));
        assert!(!service.contains(SHIPPED_EXEC), "{service}");
        assert!(u[1].1.contains("ExecStart=\"/opt/hof bote/hofbote\" backup create\n"));
        assert_eq!(u[2].1, BACKUP_TIMER_TEMPLATE, "the timer has no ExecStart");
        let plain = units(Path::new("/home/bauer/.cargo/bin/hofbote"));
        assert!(plain[0].1.contains("ExecStart=/home/bauer/.cargo/bin/hofbote serve"));
        assert!(units(Path::new("/x/100%/hofbote"))[0].1.contains("ExecStart=/x/100%%/hofbote serve"));
    }

    /// Answers like systemd would; records the commands.
    struct Fake {
        calls: RefCell<Vec<String>>,
        systemctl: bool,
        bus: bool,
        linger: &'static str,
    }

    impl Runner for Fake {
        fn run(&self, program: &str, args: &[&str]) -> std::io::Result<Output> {
            self.calls.borrow_mut().push(format!("{program} {}", args.join(" ")));
            let ok = |s: &str| Ok(Output { success: true, stdout: s.into(), stderr: String::new() });
            match (program, args.get(1).copied()) {
                ("systemctl", _) if !self.systemctl => Err(std::io::ErrorKind::NotFound.into()),
                ("systemctl", Some("show-environment")) if !self.bus => {
                    Ok(Output { success: false, stdout: String::new(), stderr: "Failed to connect to bus".into() })
                }
                ("systemctl", Some("is-active")) => ok("active\n"),
                ("loginctl", _) => ok(self.linger),
                _ => ok(""),
            }
        }
    }

    fn fake(systemctl: bool, bus: bool, linger: &'static str) -> Fake {
        Fake { calls: RefCell::new(Vec::new()), systemctl, bus, linger }
    }

    #[test]
    fn installs_enables_and_explains_lingering() {
        let dir = tempfile::tempdir().unwrap();
        let units_dir = dir.path().join("systemd/user");
        let f = fake(true, true, "Linger=no\n");
        let r = install(&f, &units_dir, Path::new("/usr/local/bin/hofbote"), "bauer");
        assert_eq!(
            r,
            Report::Installed { dir: units_dir.clone(), active: true, linger: Linger::Off, user: "bauer".into() }
        );
        assert_eq!(
            *f.calls.borrow(),
            [
                "systemctl --user show-environment",
                "systemctl --user daemon-reload",
                "systemctl --user enable --now hofbote.service",
                "systemctl --user is-active hofbote.service",
                "loginctl show-user bauer -p Linger",
            ]
        );
        let written = std::fs::read_to_string(units_dir.join(SERVICE)).unwrap();
        assert!(written.contains("ExecStart=/usr/local/bin/hofbote serve"));
        assert!(units_dir.join(BACKUP_TIMER).exists());
        let text = r.lines(Lang::De).join("\n");
        assert!(text.contains("sudo loginctl enable-linger bauer"), "{text}");
        let on = install(&fake(true, true, "Linger=yes"), &units_dir, Path::new("/b"), "bauer");
        assert!(!on.lines(Lang::De).join(" ").contains("sudo"));
    }

    #[test]
    fn without_systemd_nothing_is_written_and_the_way_out_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let units_dir = dir.path().join("systemd/user");
        for (f, why) in
            [(fake(false, false, ""), NoSystemd::NoSystemctl), (fake(true, false, ""), NoSystemd::NoUserBus)]
        {
            let r = install(&f, &units_dir, Path::new("/b"), "bauer");
            assert_eq!(r, Report::NoSystemd(why));
            assert_eq!(f.calls.borrow().len(), 1, "stops after the probe");
            assert!(r.lines(Lang::De).join(" ").contains("hofbote serve"));
        }
        assert!(!units_dir.exists());
    }
}
