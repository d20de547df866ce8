//! GDPR duties of the shop as library functions (the CLI in `cli/{privacy,backup,qr}.rs` and later the TUI call
//! them): access and portability ([`export`], Art. 15/20), erasure ([`erase`], Art. 17), retention ([`retention`]),
//! encrypted backups ([`backup`]), consent wordings, the Art. 13 notice, the paper form and the Art. 30 record
//! ([`notice`]), and the counter QR sign ([`qr`]). Plus the keyed hash that pseudonymises erased customers
//! (HMAC-SHA256 of the E.164 number with the erasure key from the secrets, never stored in the database, so the hash
//! cannot be reversed by guessing numbers from the database alone). Must not draw a screen or talk to Meta.
//!
//! # What an erasure keeps, and why
//! - **The consent ledger rows, pseudonymised**: the number is replaced by the keyed hash, the customer link and
//!   name are gone, WhatsApp message ids in the evidence (they encode the number) become keyed hashes too. They prove
//!   that consent existed for the messages already sent, which the shop needs to defend legal claims
//!   (Art. 17(3)(e) GDPR; claims under UWG §8 and BGB §823/1004). They are kept until the regular limitation period
//!   ends (§§195, 199 BGB: `[privacy] pseudonymised_ledger_years`, default 3 years, counted from the end of the year
//!   of the erasure) and then deleted by the retention sweep.
//! - **The suppression entry** (keyed hash only) when the person had withdrawn or objected: without it a later import
//!   could add them back to marketing (Art. 21(3)). It has no end date.
//! - **The audit log line** "customer_erased" with the count of pseudonymised rows — that an erasure happened, never
//!   whom.
//! - **The erasure journal** (`erasures.journal` beside the secrets, mode 0600): time and keyed hash per erasure, so
//!   restoring an older backup erases the person again.
//!
//! Everything else goes: the customer row, tags, consent state, every outbox row and inbound message, their parts
//! of raw webhook bodies, replay keys with their wamids, and log lines that mention them; the database file is then
//! vacuumed and its WAL truncated so no bytes remain.

pub mod backup;
pub mod erase;
pub mod export;
pub mod needles;
pub mod notice;
pub mod proof;
pub mod qr;
pub mod retention;

use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::config::{Paths, Secret, SecretsError};
use crate::domain::phone::Phone;
use crate::i18n::{Lang, Localized, Tr};
use crate::store::StoreError;

pub use erase::{ErasureReport, erase};
pub use export::{Export, export};
pub use qr::qr_terminal;
pub use retention::{SweepReport, sweep};

/// `hmac-sha256:<hex>` of the number under `key`.
pub fn subject_hash(key: &[u8], phone: &Phone) -> String {
    format!("hmac-sha256:{}", hmac_hex(key, phone.as_e164().as_bytes()))
}

/// The keyed hash of whom a message goes to: of the number as [`subject_hash`], else of the business-scoped user id
/// (a person known only by user id is pseudonymised, suppressed and journalled by it like anyone by their number).
pub fn recipient_hash(key: &[u8], who: &crate::domain::phone::Recipient) -> String {
    format!("hmac-sha256:{}", hmac_hex(key, who.as_stored().as_bytes()))
}

/// Hex HMAC-SHA256 of `data` under `key`.
pub(crate) fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length; this branch cannot happen.
        Err(_) => String::from("invalid-key"),
    }
}

/// The bytes of the erasure key as every keyed hash uses them (the text of the secret, as the send queue does).
pub fn key_bytes(key: &Secret) -> &[u8] {
    key.expose().as_bytes()
}

/// The erasure journal: `erasures.journal` beside the secrets file.
pub fn journal_path(paths: &Paths) -> PathBuf {
    paths.secrets_file.parent().map(|d| d.join("erasures.journal")).unwrap_or_else(|| "erasures.journal".into())
}

/// Whether `phone` is on the suppression list for marketing (for imports: a suppressed number may be added as a
/// customer, but must not be given marketing consent silently).
pub fn is_suppressed_phone(store: &crate::store::Store, key: &[u8], phone: &Phone) -> Result<bool, PrivacyError> {
    Ok(store.is_suppressed(&subject_hash(key, phone), crate::domain::consent::Purpose::Marketing)?)
}

/// Errors of the privacy functions.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    #[error("wrong passphrase or key")]
    WrongKey,
    #[error("backup file damaged: {0}")]
    Damaged(String),
    #[error("a sender holds the send lock")]
    SenderRunning,
    #[error("encryption: {0}")]
    Encryption(String),
    #[error("no passphrase given")]
    NoPassphrase,
    #[error("[whatsapp] display_phone_number missing or invalid")]
    NoDisplayNumber,
    #[error("QR code: {0}")]
    Qr(String),
}

impl From<rusqlite::Error> for PrivacyError {
    fn from(e: rusqlite::Error) -> Self {
        PrivacyError::Store(StoreError::Sqlite(e))
    }
}

/// "Fr 27.11.2026 10:00" in Europe/Berlin (German) or "Fri 2026-11-27 10:00" (English).
pub(crate) fn datetime(at: chrono::DateTime<chrono::Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&chrono_tz::Europe::Berlin);
    match lang {
        Lang::De => {
            use chrono::Datelike;
            let day = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"][local.weekday().num_days_from_monday() as usize];
            format!("{day} {}", local.format("%d.%m.%Y %H:%M"))
        }
        Lang::En => local.format("%a %Y-%m-%d %H:%M").to_string(),
    }
}

pub(crate) fn io_err(path: &Path, e: std::io::Error) -> PrivacyError {
    PrivacyError::Io { path: path.to_owned(), message: e.to_string() }
}

impl Localized for PrivacyError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            PrivacyError::Store(e) => e.localized(lang),
            PrivacyError::Secrets(e) => e.localized(lang),
            PrivacyError::Io { path, message } => {
                Tr::new("Datei {0}: {1}", "File {0}: {1}").fill(lang, &[&path.display(), message])
            }
            PrivacyError::WrongKey => Tr::new(
                "Die Sicherung lässt sich nicht entschlüsseln: Passwort oder Schlüssel falsch. Die Datenbank bleibt unverändert.",
                "The backup cannot be decrypted: wrong passphrase or key. The database is unchanged.",
            )
            .get(lang)
            .into(),
            PrivacyError::Damaged(why) => Tr::new(
                "Die Sicherung ist beschädigt oder unvollständig ({0}). Die Datenbank bleibt unverändert; nimm eine andere Sicherung.",
                "The backup is damaged or incomplete ({0}). The database is unchanged; use another backup.",
            )
            .fill(lang, &[why]),
            PrivacyError::SenderRunning => Tr::new(
                "hofbote sendet gerade (Dienst oder Oberfläche). Beende ihn zuerst, z. B. systemctl --user stop hofbote, dann versuche es noch einmal.",
                "hofbote is sending right now (service or terminal app). Stop it first, e.g. systemctl --user stop hofbote, then try again.",
            )
            .get(lang)
            .into(),
            PrivacyError::Encryption(why) => {
                Tr::new("Verschlüsselung fehlgeschlagen: {0}", "Encryption failed: {0}").fill(lang, &[why])
            }
            PrivacyError::NoPassphrase => Tr::new(
                "Kein Passwort für die Sicherung. Setze HOFBOTE_BACKUP_PASSPHRASE, gib --passphrase-file an oder trage unter [backup] recipient einen age-Schlüssel ein (hofbote backup keygen).",
                "No backup passphrase. Set HOFBOTE_BACKUP_PASSPHRASE, pass --passphrase-file, or set an age key as [backup] recipient (hofbote backup keygen).",
            )
            .get(lang)
            .into(),
            PrivacyError::NoDisplayNumber => Tr::new(
                "Die WhatsApp-Nummer des Hofladens fehlt. Trage sie in der Konfiguration ein: [whatsapp] display_phone_number = \"+49 …\".",
                "The shop's WhatsApp number is missing. Set [whatsapp] display_phone_number = \"+49 …\" in the configuration.",
            )
            .get(lang)
            .into(),
            PrivacyError::Qr(why) => Tr::new("QR-Code: {0}", "QR code: {0}").fill(lang, &[why]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::phone::Region;

    #[test]
    fn keyed_hash_depends_on_key_and_number() {
        let a = Phone::parse("0171 1234567", Region::DE).unwrap();
        let b = Phone::parse("0171 1234568", Region::DE).unwrap();
        assert_eq!(subject_hash(b"k", &a), subject_hash(b"k", &a));
        assert_ne!(subject_hash(b"k", &a), subject_hash(b"k", &b));
        assert_ne!(subject_hash(b"k", &a), subject_hash(b"other", &a));
        assert!(!subject_hash(b"k", &a).contains("171"));
        assert!(subject_hash(b"k", &a).starts_with("hmac-sha256:"));
    }
}
