//! The error type of the command line: wraps the layers' typed errors and explains each in one line.

use crate::config::{ConfigError, SecretsError};
use crate::domain::consent::UnknownValue;
use crate::domain::customer::CustomerError;
use crate::domain::phone::PhoneError;
use crate::i18n::{Lang, Localized, Tr};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{field}: {error}")]
    Phone { field: String, error: PhoneError },
    #[error(transparent)]
    Customer(#[from] CustomerError),
    #[error(transparent)]
    Value(#[from] UnknownValue),
    #[error("{0:?}")]
    Usage(Tr),
    #[error("{0}")]
    Message(String),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("integrity check failed")]
    Integrity,
    #[error(transparent)]
    Client(#[from] crate::whatsapp::ClientError),
    #[error(transparent)]
    Sync(#[from] crate::template_sync::SyncError),
    #[error(transparent)]
    Api(#[from] crate::whatsapp::ApiError),
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io { path: String::new(), message: e.to_string() }
    }
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Value(_) | CliError::Phone { .. } | CliError::Customer(_) => 2,
            CliError::Config(_) | CliError::Secrets(_) => 3,
            _ => 1,
        }
    }

    pub fn phone(field: &str, error: PhoneError) -> CliError {
        CliError::Phone { field: field.to_owned(), error }
    }
}

impl Localized for CliError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            CliError::Config(e) => e.localized(lang),
            CliError::Secrets(e) => e.localized(lang),
            CliError::Store(e) => e.localized(lang),
            CliError::Phone { field, error } => format!("{field}: {}", error.localized(lang)),
            CliError::Customer(e) => e.localized(lang),
            CliError::Value(e) => Tr::new("Unbekannter Wert {0}. Erlaubt: {1}", "Unknown value {0}. Allowed: {1}")
                .fill(lang, &[&format!("{:?}", e.value), &e.expected.join(", ")]),
            CliError::Usage(t) => t.get(lang).to_owned(),
            CliError::Message(m) => m.clone(),
            CliError::Io { path, message } if path.is_empty() => crate::i18n::os_text(message, lang),
            CliError::Io { path, message } => {
                Tr::new("Datei {0}: {1}", "File {0}: {1}").fill(lang, &[path, &crate::i18n::os_text(message, lang)])
            }
            CliError::Client(e) => e.localized(lang),
            CliError::Sync(e) => e.localized(lang),
            CliError::Api(e) => e.localized(lang),
            CliError::Integrity => Tr::new(
                "Die Datenbank ist beschädigt (integrity_check). Stelle eine Sicherung wieder her.",
                "The database is damaged (integrity_check). Restore a backup.",
            )
            .get(lang)
            .to_owned(),
        }
    }
}
