//! Writing what the setup entered: the configuration file with only the keys the farmer typed (it must parse with
//! `Config::parse`), and the access token into the secrets file (mode 0600, other secrets in it kept, an old token
//! replaced). The token is never logged or returned. Called by the performer; no other IO here.

use std::io::Write;
use std::path::Path;

use super::screens::welcome::SetupData;
use crate::config::{Paths, check_private};

/// The configuration text: `[shop]` and `[whatsapp]` with the keys that were filled in.
pub fn config_text(data: &SetupData) -> Result<String, String> {
    let mut shop = toml::Table::new();
    let put = |t: &mut toml::Table, k: &str, v: &str| {
        if !v.trim().is_empty() {
            t.insert(k.to_owned(), toml::Value::String(v.trim().to_owned()));
        }
    };
    put(&mut shop, "name", &data.shop_name);
    put(&mut shop, "address", &data.address);
    let mut wa = toml::Table::new();
    put(&mut wa, "phone_number_id", &data.whatsapp.phone_number_id);
    put(&mut wa, "waba_id", &data.whatsapp.waba_id);
    put(&mut wa, "display_phone_number", &data.whatsapp.display_phone_number);
    let mut root = toml::Table::new();
    root.insert("shop".into(), toml::Value::Table(shop));
    if !wa.is_empty() {
        root.insert("whatsapp".into(), toml::Value::Table(wa));
    }
    let body = toml::to_string(&root).map_err(|e| e.to_string())?;
    Ok(format!("# Written by hofbote's setup. Every other option keeps its default; see config.example.toml.\n{body}"))
}

/// Writes both files. Errors are sentences without the token.
pub fn write(paths: &Paths, data: &SetupData) -> Result<(), String> {
    let text = config_text(data)?;
    if let Err(e) = crate::config::Config::parse(&text, &paths.config_file) {
        return Err(e.to_string());
    }
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    if let Some(dir) = paths.config_file.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::store::create_private_dir(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(&paths.config_file, text).map_err(|e| io(&paths.config_file, e))?;
    write_token(&paths.secrets_file, data.token.expose())
}

/// Replaces (or adds) `whatsapp_token` in the secrets file, keeping every other line; the file is 0600.
fn write_token(path: &Path, token: &str) -> Result<(), String> {
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::store::create_private_dir(dir).map_err(|e| e.to_string())?;
    }
    let existing = match std::fs::read_to_string(path) {
        Ok(t) => {
            check_private(path).map_err(|e| e.to_string())?;
            t
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    let mut text: String = existing
        .lines()
        .filter(|l| l.split_once('=').is_none_or(|(k, _)| k.trim() != "whatsapp_token"))
        .map(|l| format!("{l}\n"))
        .collect();
    text.push_str(&format!("whatsapp_token = {}\n", toml::Value::String(token.to_owned())));
    let tmp = path.with_extension("toml.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    check_private(path).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::{Config, Secret, Secrets, WhatsApp};

    fn data() -> SetupData {
        let whatsapp = WhatsApp {
            phone_number_id: "106540352242922".into(),
            waba_id: "102290129340398".into(),
            ..WhatsApp::default()
        };
        SetupData {
            shop_name: "Hof \"Sonnenwiese\"".into(),
            address: String::new(),
            whatsapp,
            token: Secret::new("EAAG-geheim"),
        }
    }

    #[test]
    fn only_the_entered_keys_and_the_token_private() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_file: dir.path().join("cfg/config.toml"),
            secrets_file: dir.path().join("cfg/secrets.toml"),
            data_dir: dir.path().into(),
            db_file: dir.path().join("h.sqlite"),
            log_dir: dir.path().join("logs"),
        };
        std::fs::create_dir_all(dir.path().join("cfg")).unwrap();
        crate::config::ensure_erasure_key(&paths.secrets_file, &|_| None).unwrap();
        write(&paths, &data()).unwrap();
        write(&paths, &data()).unwrap();
        let text = std::fs::read_to_string(&paths.config_file).unwrap();
        assert!(
            !text.contains("address") && !text.contains("display_phone_number") && !text.contains("geheim"),
            "{text}"
        );
        let config = Config::parse(&text, &paths.config_file).unwrap();
        assert_eq!(config.shop.name, "Hof \"Sonnenwiese\"");
        assert_eq!(config.whatsapp.waba_id, "102290129340398");
        assert_eq!(config.whatsapp.base_url, WhatsApp::default().base_url);
        let secrets = Secrets::load(&paths.secrets_file, &|_| None).unwrap();
        assert_eq!(secrets.whatsapp_token.unwrap().expose(), "EAAG-geheim");
        assert!(secrets.erasure_key.is_some(), "other secrets are kept");
        let raw = std::fs::read_to_string(&paths.secrets_file).unwrap();
        assert_eq!(raw.matches("whatsapp_token").count(), 1, "{raw}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&paths.secrets_file).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
