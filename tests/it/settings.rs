//! First start and settings (issue 13 §1), with the real binary in a real pty from an empty HOME: the setup needs
//! only the shop, the app then says WhatsApp is not connected and sending names what is missing; the settings tab
//! connects to the built-in sandbox and tests the connection (comments and other keys of config.toml kept, the
//! token only in the 0600 secrets file, never on screen); the service installer without systemd says what to do
//! instead — in the app and on the command line.

use std::path::{Path, PathBuf};

use hofbote::config::Secret;
use hofbote::sandbox::{self, SandboxConfig};

use crate::pty::{Pty, Spawn, key};

fn config_dir(home: &Path) -> PathBuf {
    home.join(".config").join("hofbote")
}

fn db_file(home: &Path) -> PathBuf {
    home.join(".local").join("share").join("hofbote").join("hofbote.sqlite")
}

/// Goes down the composer's template list until `name` is selected (the list may still be loading).
pub fn pick_template(pty: &mut Pty, name: &str) {
    let want = format!("> {name} ");
    for _ in 0..12 {
        if pty.try_wait_screen(std::time::Duration::from_millis(300), |s| s.contains(&want)).is_some() {
            return;
        }
        pty.keys("j");
    }
    pty.wait_for(&want);
}

/// From the customer list with `name` marked: `m`, the weekly offer, F2 (the first name) and `offer` as the second
/// value, typed and seen; the composer then waits for Enter.
pub fn weekly_offer_to_the_marked(pty: &mut Pty, name: &str, offer: &str) {
    pty.keys("m");
    pty.wait_for(&format!("Nachricht an {name}"));
    pick_template(pty, "wochenangebot");
    pty.keys(key::ENTER);
    pty.wait_for(&format!("markiert: {name}"));
    pty.keys(key::F2);
    pty.wait_for("{vorname}");
    pty.keys(key::TAB);
    type_and_see(pty, offer);
}

/// Types `text` and waits until the screen shows it (so no key is lost before the next).
pub fn type_and_see(pty: &mut Pty, text: &str) {
    pty.keys(text);
    pty.wait_for(text);
}

/// The first start's step 1 "Dein Hof" (no Meta ids asked), saved: the app starts with the empty customer list and
/// says that WhatsApp is not connected.
pub fn set_up_the_shop(pty: &mut Pty, name: &str, address: &str, own_number: &str) {
    pty.wait_for("Willkommen bei hofbote");
    pty.keys("s");
    pty.wait_for("Schritt 1: Dein Hof");
    let screen = pty.screen();
    assert!(!screen.contains("Telefonnummer-ID") && !screen.contains("Zugangsschlüssel"), "{screen}");
    for (i, text) in [name, address, own_number].into_iter().enumerate() {
        if i > 0 {
            pty.keys(key::TAB);
        }
        type_and_see(pty, text);
    }
    pty.keys(key::CTRL_S);
    pty.wait_for("Dein Hof ist eingerichtet");
    pty.keys(key::ENTER);
    pty.wait_for("Noch keine Kunden.");
    pty.wait_for("WhatsApp noch nicht verbunden");
}

/// A customer added with the form (name and phone).
pub fn add_customer(pty: &mut Pty, name: &str, phone: &str) {
    pty.keys("a");
    pty.wait_for("Neuer Kunde");
    type_and_see(pty, name);
    pty.keys(key::TAB);
    pty.keys(key::TAB);
    type_and_see(pty, phone);
    pty.keys(key::CTRL_S);
    pty.wait_for(&format!("Kunde angelegt: {name}"));
}

/// Quits with `q`; the app must end with 0.
fn quit(pty: &mut Pty) {
    pty.keys("q");
    let status = pty.wait_exit();
    assert!(status.success(), "{status}; screen:\n{}", pty.screen());
}

/// (a) Setup without a Meta account: only "Dein Hof", then the app works (a customer is added) and says that
/// WhatsApp is not connected; fetching templates and a test send both say what is missing and where to enter it.
#[test]
fn setup_without_meta_then_a_customer_and_sending_says_what_is_missing() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = Spawn::new(home.path()).spawn();
    set_up_the_shop(&mut pty, "Hof Kühn", "Dorfstraße 1, 12345 Testdorf", "0171 5550100");
    // A customer can be added.
    add_customer(&mut pty, "Jörg Müller", "0171 1234567");

    // Fetching the templates says what is missing and where.
    pty.keys("3");
    pty.wait_for("Vorlage");
    pty.keys("r");
    pty.wait_screen("the missing connection explained", |s| {
        s.contains("WhatsApp ist noch nicht verbunden")
            && s.contains("es fehlt Telefonnummer-ID, WABA-ID")
            && s.contains("5 Einstellungen")
    });
    pty.keys("x"); // acknowledges the error
    pty.wait_gone("WhatsApp ist noch nicht verbunden");
    quit(&mut pty);

    let config = std::fs::read_to_string(config_dir(home.path()).join("config.toml")).unwrap();
    assert!(config.contains("name = \"Hof Kühn\"") && config.contains("own_number = \"0171 5550100\""), "{config}");
    assert!(!config.contains("[whatsapp]"), "{config}");
    assert!(!config_dir(home.path()).join("secrets.toml").exists(), "no secrets without a connection");

    // Templates known from earlier (a synced list) and customers with consent: the review works, the test send
    // says what is missing.
    {
        let mut store = hofbote::store::Store::open(&db_file(home.path()), hofbote::clock::system()).unwrap();
        store.replace_templates(&sandbox::demo_templates()).unwrap();
        let cfg = hofbote::config::Config::parse(&config, Path::new("config.toml")).unwrap();
        hofbote::demo::seed(&mut store, &cfg).unwrap();
        hofbote::demo::seed_history(&mut store, &cfg).unwrap();
    }
    let mut pty = Spawn::new(home.path()).spawn();
    pty.wait_for("WhatsApp noch nicht verbunden");
    pty.keys("3");
    pty.wait_for("> wochenangebot");
    pty.keys("l");
    pty.wait_for("Welche wiederholen?");
    pty.keys(key::ENTER);
    pty.wait_for("vorher: Kürbissuppe");
    type_and_see(&mut pty, "Bratwurst");
    pty.keys(key::ENTER);
    pty.wait_for("Prüfen vor dem Senden");
    pty.keys("t");
    pty.wait_screen("the test send explains what is missing", |s| {
        s.contains("WhatsApp ist noch nicht verbunden")
            && s.contains("Zugangsschlüssel")
            && s.contains("5 Einstellungen")
    });
    pty.keys("x");
    pty.wait_gone("WhatsApp ist noch nicht verbunden");
    pty.keys(key::ESC);
    pty.wait_gone("Prüfen vor dem Senden");
    pty.keys(key::ESC);
    pty.wait_for("Verwerfen?");
    pty.keys("j");
    pty.wait_for("> wochenangebot");
    quit(&mut pty);
}

/// (b) Settings → WhatsApp verbinden with the built-in sandbox's address, ids and a token; the connection test
/// succeeds on screen. config.toml keeps the farmer's comment and the keys the screen does not edit and holds no
/// secret; secrets.toml is 0600 and holds them; the token never reaches the screen.
#[test]
fn settings_connect_to_the_sandbox_keep_the_config_and_never_show_the_token() {
    const TOKEN: &str = "EAAG-pty-geheim-4711";
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(sandbox::start(SandboxConfig { token: Some(Secret::new(TOKEN)), ..SandboxConfig::for_tests(31) }))
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let dir = config_dir(home.path());
    std::fs::create_dir_all(&dir).unwrap();
    let original = "# Mein Hof – diese Zeile bleibt stehen\n[shop]\nname = \"Hof Test\"\n\n[privacy]\n\
                    message_retention_days = 200 # zwei Jahre wären zu lang\n";
    std::fs::write(dir.join("config.toml"), original).unwrap();

    let mut pty = Spawn::new(home.path()).spawn();
    pty.wait_for("Noch keine Kunden.");
    pty.wait_for("WhatsApp noch nicht verbunden");
    pty.keys("5");
    pty.wait_screen("the settings with the token missing", |s| {
        s.lines().any(|l| l.contains("Zugangsschlüssel") && l.contains("fehlt"))
    });
    pty.keys("w");
    pty.wait_for("Wo finde ich das?");
    pty.wait_for("API-Einrichtung, die lange Zahl");
    for (text, shown) in [
        ("106540352242922", true),
        ("102290129340398", true),
        ("+49 5021 900100", true),
        ("123456789", false),
        (TOKEN, false),
        ("app-geheim-42", false),
        ("pruefwort-7", false),
    ] {
        pty.keys(text);
        if shown {
            pty.wait_for(text);
        } else {
            let dots = "•".repeat(text.chars().count());
            pty.wait_for(&dots);
        }
        pty.keys(key::TAB);
    }
    pty.wait_for("Nur ändern für Tests mit dem eingebauten Sandkasten");
    for _ in 0.."https://graph.facebook.com".len() {
        pty.keys(key::BACKSPACE);
    }
    pty.wait_screen("the API address emptied", |s| {
        s.lines().any(|l| l.contains("> API-Adresse (erweitert)") && !l.contains("graph.facebook.com"))
    });
    type_and_see(&mut pty, &sandbox.url());
    pty.keys(key::CTRL_S);
    // The app starts again with the new configuration, on the settings tab.
    pty.wait_for("Einstellungen gespeichert");
    pty.wait_screen("the token stored", |s| {
        s.lines().any(|l| l.contains("Zugangsschlüssel") && l.contains("gespeichert"))
    });
    pty.wait_gone("WhatsApp noch nicht verbunden");
    pty.keys("t");
    pty.wait_for("Verbindung steht");
    pty.wait_for("Nummer: +49 5021 900100 (Hofladen Sandbox)");
    pty.wait_for("8 Vorlagen abgeglichen, 6 davon genehmigt.");
    pty.keys(key::ESC);
    pty.wait_gone("Verbindung steht");
    quit(&mut pty);

    let raw = pty.raw();
    for secret in [TOKEN, "app-geheim-42", "pruefwort-7"] {
        assert!(crate::pty::find(&raw, secret.as_bytes()).is_none(), "{secret} reached the terminal");
    }
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(config.starts_with("# Mein Hof – diese Zeile bleibt stehen\n[shop]\nname = \"Hof Test\""), "{config}");
    assert!(config.contains("message_retention_days = 200 # zwei Jahre wären zu lang"), "{config}");
    assert!(config.contains("phone_number_id = \"106540352242922\""), "{config}");
    assert!(config.contains(&format!("base_url = \"{}\"", sandbox.url())), "{config}");
    for secret in [TOKEN, "app-geheim-42", "pruefwort-7", "123456789", "token", "secret", "app_id"] {
        assert!(!config.contains(secret), "{secret} in config.toml:\n{config}");
    }
    let secrets_file = dir.join("secrets.toml");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&secrets_file).unwrap().permissions().mode() & 0o777, 0o600);
    let secrets = hofbote::config::Secrets::load(&secrets_file, &|_| None).unwrap();
    assert_eq!(secrets.whatsapp_token.unwrap().expose(), TOKEN);
    assert_eq!(secrets.app_secret.unwrap().expose(), "app-geheim-42");
    assert_eq!(secrets.verify_token.unwrap().expose(), "pruefwort-7");
    assert_eq!(secrets.app_id.unwrap().expose(), "123456789");
    rt.block_on(sandbox.shutdown());
}

/// A directory for PATH that has everything the app needs but no `systemctl`.
fn path_without_systemctl(home: &Path) -> PathBuf {
    let bin = home.join("bin-ohne-systemd");
    std::fs::create_dir_all(&bin).unwrap();
    bin
}

/// (c) The service installer without systemd: the settings screen says nothing was set up and what to do instead;
/// nothing is written. The same on the command line (`hofbote service install`, exit code 1).
#[test]
fn the_service_installer_without_systemd_says_what_to_do_instead() {
    let home = tempfile::tempdir().unwrap();
    let dir = config_dir(home.path());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), "[shop]\nname = \"Hof Test\"\n").unwrap();
    let bin = path_without_systemctl(home.path());
    let mut pty = Spawn::new(home.path()).env("PATH", &bin.display().to_string()).spawn();
    pty.wait_for("Noch keine Kunden.");
    pty.keys("5");
    pty.wait_for("Ohne Dienst gehen geplante Nachrichten nur raus");
    pty.keys("i");
    pty.wait_for("Dienst nicht eingerichtet");
    pty.wait_for("kein systemd");
    pty.wait_for("hofbote serve");
    pty.keys(key::ESC);
    pty.wait_gone("Dienst nicht eingerichtet");
    quit(&mut pty);
    let units = home.path().join(".config").join("systemd").join("user");
    assert!(!units.exists(), "nothing written without systemd");

    let out = std::process::Command::new(crate::pty::bin())
        .args(["service", "install"])
        .env_clear()
        .env("PATH", &bin)
        .env("HOME", home.path())
        .env("LANG", "de_DE.UTF-8")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("kein systemd") && stderr.contains("hofbote serve"), "{stderr}");
    assert!(!units.exists());
}

/// The installer with a systemd that answers (a stand-in `systemctl` and `loginctl` on PATH, since CI has no user
/// bus): the unit files land in ~/.config/systemd/user with ExecStart = this binary, the service is enabled and
/// started, and lingering being off is explained with the one sudo command.
#[test]
fn the_service_installer_writes_the_units_enables_the_service_and_explains_lingering() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin-mit-systemd");
    std::fs::create_dir_all(&bin).unwrap();
    let calls = home.path().join("calls.txt");
    let script = |answer: &str| format!("#!/bin/sh\necho \"$0 $*\" >> '{}'\n{answer}\nexit 0\n", calls.display());
    for (name, answer) in
        [("systemctl", "if [ \"$2\" = is-active ]; then echo active; fi"), ("loginctl", "echo Linger=no")]
    {
        let path = bin.join(name);
        std::fs::write(&path, script(answer)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = std::process::Command::new(crate::pty::bin())
        .args(["service", "install"])
        .env_clear()
        .env("PATH", &bin)
        .env("HOME", home.path())
        .env("USER", "bauer")
        .env("LANG", "de_DE.UTF-8")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("Der Dienst läuft"), "{stdout}");
    assert!(stdout.contains("sudo loginctl enable-linger bauer"), "{stdout}");
    let units = home.path().join(".config").join("systemd").join("user");
    let service = std::fs::read_to_string(units.join("hofbote.service")).unwrap();
    let exe = crate::pty::bin();
    assert!(service.contains(&format!("\nExecStart={} serve --listen 127.0.0.1:8080\n", exe.display())), "{service}");
    assert!(units.join("hofbote-backup.service").exists() && units.join("hofbote-backup.timer").exists());
    let calls = std::fs::read_to_string(&calls).unwrap();
    let names: Vec<String> = calls
        .lines()
        .map(|l| {
            let (prog, args) = l.split_once(' ').unwrap_or((l, ""));
            format!("{} {args}", Path::new(prog).file_name().unwrap().to_string_lossy())
        })
        .collect();
    assert_eq!(
        names,
        [
            "systemctl --user show-environment",
            "systemctl --user daemon-reload",
            "systemctl --user enable --now hofbote.service",
            "systemctl --user is-active hofbote.service",
            "loginctl show-user bauer -p Linger",
        ]
    );
}
