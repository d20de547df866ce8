//! The customer list's first rows (issue 15): from a HOME with a few thousand customers imported by the README's
//! command, the real binary in a real pty draws the first rows in the list's order with the whole count before the
//! whole list is in, and keys pressed at once that need the whole list (End, a search) still land right.

use std::path::Path;
use std::process::Command;

use crate::pty::{self, Pty, key};

const CUSTOMERS: usize = 3_000;

fn home_with_customers() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".config").join("hofbote").join("config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[shop]\nname = \"Hof Test\"\naddress = \"Dorfstraße 1, 12345 Testdorf\"\n").unwrap();
    // "Ärzte Zentrum" comes first in the list (Ä as A), but last byte by byte: the first rows must be in the
    // list's order, not in SQLite's.
    // "Quast Bauer" is the last one, far behind the first rows, and the only one a search for "quast" finds.
    let mut csv = String::from("Name;Vorname;Telefon\nÄrzte Zentrum;;0152 10000000\nQuast Bauer;;0152 10000001\n");
    for i in 0..CUSTOMERS - 2 {
        csv.push_str(&format!("Kunde {i:04};Eva;0151 {:08}\n", 10_000_000 + i));
    }
    let file = home.path().join("kunden.csv");
    std::fs::write(&file, csv).unwrap();
    import(home.path(), &file);
    home
}

/// `hofbote customers import FILE --apply` in `home`, as a farmer runs it (also used by the name-order tests).
pub fn import(home: &Path, file: &Path) {
    let out = Command::new(pty::bin())
        .args(["customers", "import", file.to_str().unwrap(), "--apply"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("LANG", "de_DE.UTF-8")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// The list's selected line (it starts with '>').
pub fn selected(screen: &str) -> Option<&str> {
    screen.lines().find(|l| l.starts_with('>'))
}

#[test]
fn the_first_rows_come_in_list_order_and_end_pressed_at_once_reaches_the_last_customer() {
    let home = home_with_customers();
    let mut app = Pty::spawn(home.path(), &[]);
    let start = pty::Mark { bytes: 0, frames: 0, at: std::time::Instant::now() };
    let first = app
        .wait_frame(start, pty::DEADLINE, |s| selected(s).is_some())
        .unwrap_or_else(|| panic!("no customer row:\n{}", app.screen()));
    // The very first frame with a row already has the list's first customer and the whole count.
    assert!(selected(&first.screen).is_some_and(|l| l.contains("Ärzte Zentrum")), "{}", first.screen);
    assert!(first.screen.contains("3.000 Kunden"), "{}", first.screen);
    assert!(!first.screen.contains("Lade Daten"), "{}", first.screen);

    // At once, without waiting for anything: to the end, then a search for the last customer.
    app.keys("G");
    app.wait_screen("the last customer selected", |s| selected(s).is_some_and(|l| l.contains("Quast Bauer")));
    app.keys("/");
    app.keys("quast");
    app.wait_screen("the search to find Quast Bauer", |s| {
        selected(s).is_some_and(|l| l.contains("Quast Bauer")) && s.contains("1 von 3.000 Kunden")
    });
    app.keys(key::ESC);
    app.keys(key::ESC);
    app.wait_screen("the whole list again", |s| s.contains("3.000 Kunden") && !s.contains("Suche:"));
    assert!(app.wait_quiet(std::time::Duration::from_millis(300), pty::DEADLINE));
    app.keys("q");
    let status = app.wait_exit();
    assert!(status.success(), "{status}");
}
