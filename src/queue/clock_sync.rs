//! Is the system clock synchronised? A Raspberry Pi has no battery-backed clock: after a power cut it may start in
//! the past until NTP answers, and scheduled sends or consent times would be wrong. Asks systemd (`timedatectl`);
//! where that is not available the answer is "unknown".

use std::process::Command;

/// `Some(true)` synchronised, `Some(false)` not, `None` cannot tell.
pub fn synchronised() -> Option<bool> {
    let out = Command::new("timedatectl").args(["show", "-p", "NTPSynchronized", "--value"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    match String::from_utf8_lossy(&out.stdout).trim() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// A loud German/English warning when the clock is known not to be synchronised.
pub fn warning(lang: crate::i18n::Lang) -> Option<String> {
    (synchronised() == Some(false)).then(|| {
        crate::i18n::Tr::new(
            "ACHTUNG: Die Uhr dieses Rechners ist nicht synchronisiert (kein NTP). Zeitpunkte können falsch sein – prüfe das Datum (timedatectl).",
            "WARNING: this computer's clock is not synchronised (no NTP). Times may be wrong – check the date (timedatectl).",
        )
        .get(lang)
        .to_owned()
    })
}
