//! Writing what the app's forms entered: the welcome's step 1 ("Dein Hof") and the settings screen. Only the keys
//! that were filled in or changed are written (through `config::write`, which keeps comments and unknown keys and
//! checks the result with `Config::parse`); secrets go only to the 0600 secrets file. Called by the performer; no
//! other IO here. Errors are sentences without any secret.

use super::screens::settings::SettingsChange;
use super::screens::welcome::SetupData;
use crate::config::write::{Edit, write_config, write_secrets};
use crate::config::{Config, Paths};
use crate::i18n::{Lang, Localized};

/// The edits of step 1: the fields that were filled in.
pub fn setup_edits(data: &SetupData) -> Vec<Edit> {
    [("name", &data.shop_name), ("address", &data.address), ("own_number", &data.own_number)]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| Edit::str("shop", k, v.trim()))
        .collect()
}

/// Writes step 1 into the configuration file.
pub fn write_setup(paths: &Paths, data: &SetupData, lang: Lang) -> Result<Config, String> {
    write_config(&paths.config_file, &setup_edits(data)).map_err(|e| e.localized(lang))
}

/// Writes a change from the settings screen: the configuration first (checked before anything is written), then
/// the secrets.
pub fn write_settings(paths: &Paths, change: &SettingsChange, lang: Lang) -> Result<Config, String> {
    let config = write_config(&paths.config_file, &change.edits).map_err(|e| e.localized(lang))?;
    if !change.secrets.is_empty() {
        write_secrets(&paths.secrets_file, &change.secrets).map_err(|e| e.localized(lang))?;
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::{Secret, Secrets};

    fn paths(dir: &std::path::Path) -> Paths {
        Paths {
            config_file: dir.join("cfg/config.toml"),
            secrets_file: dir.join("cfg/secrets.toml"),
            data_dir: dir.into(),
            db_file: dir.join("h.sqlite"),
            log_dir: dir.join("logs"),
        }
    }

    #[test]
    fn step_one_writes_only_the_entered_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        let data = SetupData {
            shop_name: "Hof \"Sonnenwiese\"".into(),
            address: String::new(),
            own_number: "0171 5550100".into(),
        };
        write_setup(&p, &data, Lang::De).unwrap();
        let text = std::fs::read_to_string(&p.config_file).unwrap();
        assert!(!text.contains("address") && !text.contains("[whatsapp]"), "{text}");
        let config = Config::parse(&text, &p.config_file).unwrap();
        assert_eq!(config.shop.name, "Hof \"Sonnenwiese\"");
        assert_eq!(config.shop.own_number, "0171 5550100");
        assert!(!p.secrets_file.exists(), "no secrets in step 1");
    }

    #[test]
    fn settings_put_secrets_only_in_the_secrets_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        let change = SettingsChange {
            edits: vec![Edit::str("whatsapp", "phone_number_id", "106540352242922")],
            secrets: vec![("whatsapp_token", Secret::new("EAAG-geheim")), ("app_id", Secret::new("123456"))],
        };
        let config = write_settings(&p, &change, Lang::De).unwrap();
        assert_eq!(config.whatsapp.phone_number_id, "106540352242922");
        let text = std::fs::read_to_string(&p.config_file).unwrap();
        assert!(!text.contains("EAAG") && !text.contains("123456") && !text.contains("app_id"), "{text}");
        let s = Secrets::load(&p.secrets_file, &|_| None).unwrap();
        assert_eq!(s.whatsapp_token.unwrap().expose(), "EAAG-geheim");
        assert_eq!(s.app_id.unwrap().expose(), "123456");
    }
}
