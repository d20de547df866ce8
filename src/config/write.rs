//! Writing `config.toml` and `secrets.toml` from the app (first start, settings screen). The configuration is edited
//! in place with `toml_edit`, so the farmer's comments, the order and keys hofbote does not know stay as they were;
//! the edited text must parse with [`Config::parse`] before anything is written. Secrets go only to the secrets file
//! (mode 0600, its other entries kept). Both files are replaced atomically (temporary file, fsync, rename). Errors
//! are German or English sentences that name the file and never contain a secret value.

use std::io::Write;
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item};

use super::{Config, ConfigError, Secret, SecretsError, check_private};
use crate::i18n::{Lang, Localized, Tr};

/// A value for one key of the configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Float(f64),
}

impl Value {
    fn to_toml(&self) -> toml_edit::Value {
        match self {
            Value::Str(s) => toml_edit::Value::from(s.as_str()),
            Value::Int(i) => toml_edit::Value::from(*i),
            Value::Float(f) => toml_edit::Value::from(*f),
        }
    }
}

/// Set `[table].key = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub table: &'static str,
    pub key: &'static str,
    pub value: Value,
}

impl Edit {
    pub fn str(table: &'static str, key: &'static str, value: &str) -> Edit {
        Edit { table, key, value: Value::Str(value.to_owned()) }
    }
}

/// The first line of a configuration file that hofbote creates.
pub const HEADER: &str =
    "# Written by hofbote (settings). Every other option keeps its default; see config.example.toml.\n";

/// Why a file could not be written. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("{}: {kind:?}", path.display())]
    Io { path: PathBuf, kind: std::io::ErrorKind },
    #[error("{}: not TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error(transparent)]
    Invalid(#[from] ConfigError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
}

impl Localized for WriteError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            WriteError::Io { path, kind } => {
                Tr::new("{0} lässt sich nicht schreiben: {1}", "{0} cannot be written: {1}")
                    .fill(lang, &[&path.display(), &io_words(*kind, lang)])
            }
            WriteError::Syntax { path, message } => Tr::new(
                "{0} ist keine gültige Einstellungsdatei ({1}). Korrigiere sie oder benenne sie um.",
                "{0} is not a valid settings file ({1}). Fix it or rename it.",
            )
            .fill(lang, &[&path.display(), message]),
            WriteError::Invalid(e) => e.localized(lang),
            WriteError::Secrets(e) => e.localized(lang),
        }
    }
}

/// An IO error in words (no English OS text inside a German sentence).
pub fn io_words(kind: std::io::ErrorKind, lang: Lang) -> String {
    use std::io::ErrorKind as K;
    let tr = match kind {
        K::PermissionDenied => Tr::new("keine Berechtigung", "permission denied"),
        K::NotFound => Tr::new("Ordner nicht gefunden", "directory not found"),
        K::StorageFull => Tr::new("der Speicher ist voll", "the disk is full"),
        K::ReadOnlyFilesystem => Tr::new("das Laufwerk ist schreibgeschützt", "the disk is read-only"),
        _ => Tr::new("Fehler beim Schreiben", "write error"),
    };
    tr.get(lang).to_owned()
}

/// The configuration text with `edits` applied; comments, order and unknown keys stay. `text` may be empty.
pub fn edit_text(text: &str, edits: &[Edit], file: &Path) -> Result<String, WriteError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| WriteError::Syntax { path: file.to_owned(), message: first_line(&e) })?;
    for edit in edits {
        let table = doc
            .entry(edit.table)
            .or_insert(toml_edit::table())
            .as_table_like_mut()
            .ok_or_else(|| WriteError::Syntax { path: file.to_owned(), message: format!("[{}]", edit.table) })?;
        let mut value = edit.value.to_toml();
        match table.get_mut(edit.key).and_then(Item::as_value_mut) {
            Some(old) => {
                // Keep what was written around the old value (a comment at the end of the line).
                *value.decor_mut() = old.decor().clone();
                *old = value;
            }
            None => {
                table.insert(edit.key, Item::Value(value));
            }
        }
    }
    let mut out = doc.to_string();
    if text.trim().is_empty() {
        out.insert_str(0, HEADER);
    }
    Ok(out)
}

fn first_line(e: &toml_edit::TomlError) -> String {
    e.message().lines().next().unwrap_or("").to_owned()
}

/// Applies `edits` to the configuration file (created when missing), checks the result and writes it atomically.
/// Returns the configuration as it now is.
pub fn write_config(path: &Path, edits: &[Edit]) -> Result<Config, WriteError> {
    let io = |kind| WriteError::Io { path: path.to_owned(), kind };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e.kind())),
    };
    let new = edit_text(&text, edits, path)?;
    let config = Config::parse(&new, path)?;
    ensure_dir(path)?;
    replace_file(path, new.as_bytes(), 0o644).map_err(|e| io(e.kind()))?;
    Ok(config)
}

/// Sets the given secrets (key → value) in the secrets file, keeping its other entries; the file is 0600.
pub fn write_secrets(path: &Path, values: &[(&'static str, Secret)]) -> Result<(), WriteError> {
    let io = |kind| WriteError::Io { path: path.to_owned(), kind };
    ensure_dir(path)?;
    let text = match std::fs::read_to_string(path) {
        Ok(t) => {
            check_private(path)?;
            t
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e.kind())),
    };
    // The parser's message could quote the file: only say where.
    let mut doc: DocumentMut =
        text.parse().map_err(|_| WriteError::Syntax { path: path.to_owned(), message: "TOML".to_owned() })?;
    for (key, secret) in values {
        doc.insert(key, toml_edit::value(secret.expose()));
    }
    replace_file(path, doc.to_string().as_bytes(), 0o600).map_err(|e| io(e.kind()))?;
    check_private(path)?;
    Ok(())
}

fn ensure_dir(path: &Path) -> Result<(), WriteError> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) else { return Ok(()) };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| WriteError::Io { path: dir.to_owned(), kind: e.kind() })
}

/// Writes `bytes` to a temporary file beside `path` (with `mode`), syncs it and renames it over `path`.
pub fn replace_file(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::Secrets;

    const FARMER: &str = "# Mein Hof – bitte nicht löschen\n[shop]\nname = \"Alter Hof\" # der alte Name\nlieblingsfarbe = \"grün\"\n\n[queue]\nquiet_hours = \"21:00-07:00\"\n";

    #[test]
    fn edits_keep_comments_order_and_unknown_keys() {
        let p = Path::new("config.toml");
        let out = edit_text(
            FARMER,
            &[
                Edit::str("shop", "name", "Hof Sonnenwiese"),
                Edit::str("whatsapp", "phone_number_id", "106540352242922"),
                Edit { table: "prices", key: "marketing", value: Value::Float(0.12) },
                Edit { table: "whatsapp", key: "messaging_tier", value: Value::Int(2000) },
            ],
            p,
        )
        .unwrap();
        assert!(out.starts_with("# Mein Hof – bitte nicht löschen\n[shop]\n"), "{out}");
        assert!(out.contains("name = \"Hof Sonnenwiese\" # der alte Name"), "{out}");
        assert!(out.contains("lieblingsfarbe = \"grün\""), "{out}");
        assert!(out.contains("quiet_hours = \"21:00-07:00\""), "{out}");
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(parsed["whatsapp"]["phone_number_id"].as_str(), Some("106540352242922"));
        assert_eq!(parsed["whatsapp"]["messaging_tier"].as_integer(), Some(2000));
        assert_eq!(parsed["prices"]["marketing"].as_float(), Some(0.12));
    }

    #[test]
    fn a_new_file_gets_a_header_and_a_bad_value_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg/config.toml");
        let c = write_config(&path, &[Edit::str("shop", "name", "Hof \"Kühn\"")]).unwrap();
        assert_eq!(c.shop.name, "Hof \"Kühn\"");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(HEADER), "{text}");
        let bad = write_config(&path, &[Edit::str("queue", "quiet_hours", "abends")]).unwrap_err();
        assert!(matches!(bad, WriteError::Invalid(_)), "{bad:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "nothing written");
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn secrets_are_private_and_other_entries_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.toml");
        crate::config::ensure_erasure_key(&path, &|_| None).unwrap();
        write_secrets(&path, &[("whatsapp_token", Secret::new("EAAG-1"))]).unwrap();
        write_secrets(&path, &[("whatsapp_token", Secret::new("EAAG-2")), ("app_id", Secret::new("42"))]).unwrap();
        let s = Secrets::load(&path, &|_| None).unwrap();
        assert_eq!(s.whatsapp_token.unwrap().expose(), "EAAG-2");
        assert_eq!(s.app_id.unwrap().expose(), "42");
        assert!(s.erasure_key.is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = write_secrets(&path, &[("app_secret", Secret::new("geheim"))]).unwrap_err();
            assert!(!e.localized(Lang::De).contains("geheim"));
        }
    }
}
