//! Unit tests of the configuration and secrets (defaults, file:line:field errors, file modes). Test code only.
use std::collections::HashMap;
use std::path::Path;

use super::*;

#[test]
fn the_example_parses_and_equals_the_defaults() {
    let parsed = Config::parse(EXAMPLE, Path::new("config.example.toml")).unwrap();
    assert_eq!(parsed, Config::default(), "the example documents the defaults");
}

#[test]
fn empty_text_gives_defaults() {
    let c = Config::parse("", Path::new("x.toml")).unwrap();
    assert_eq!(c.whatsapp.api_version, "v25.0");
    assert_eq!(c.whatsapp.base_url, "https://graph.facebook.com");
    assert_eq!(c.whatsapp.effective_rate(), 80);
    assert_eq!(c.shop.country, "DE");
}

#[test]
fn coexistence_caps_the_rate_at_20() {
    let c = Config::parse("[whatsapp]\ncoexistence = true\n", Path::new("x.toml")).unwrap();
    assert_eq!(c.whatsapp.effective_rate(), 20);
}

#[test]
fn a_wrong_type_names_file_line_and_field() {
    let text = "[shop]\nname = \"Hof\"\n\n[whatsapp]\nthroughput_per_second = \"schnell\"\n";
    let e = Config::parse(text, Path::new("/etc/h.toml")).unwrap_err();
    assert_eq!(e.line, 5);
    assert_eq!(e.field, "[whatsapp].throughput_per_second");
    assert!(e.to_string().starts_with("/etc/h.toml:5: [whatsapp].throughput_per_second:"), "{e}");
}

#[test]
fn an_unknown_key_names_file_line_and_field() {
    let text = "[shop]\nname = \"Hof\"\nnmae = \"Tippfehler\"\n";
    let e = Config::parse(text, Path::new("c.toml")).unwrap_err();
    assert_eq!(e.line, 3);
    assert_eq!(e.field, "[shop].nmae");
    assert!(e.message.contains("unknown field"), "{}", e.message);
}

#[test]
fn a_syntax_error_names_the_line() {
    let text = "[shop]\nname = \"Hof\n[whatsapp]\n";
    let e = Config::parse(text, Path::new("c.toml")).unwrap_err();
    assert_eq!(e.line, 2);
    assert_eq!(e.field, "[shop].name");
}

#[test]
fn a_bad_value_names_file_line_and_field() {
    let text = "[shop]\ncountry = \"XX\"\n";
    let e = Config::parse(text, Path::new("c.toml")).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (2, "[shop].country"));
    let e = Config::parse("[whatsapp]\n\napi_version = \"25\"\n", Path::new("c.toml")).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (3, "[whatsapp].api_version"));
    let e = Config::parse("[queue]\nquiet_hours = \"abends\"\n", Path::new("c.toml")).unwrap_err();
    assert_eq!((e.line, e.field.as_str()), (2, "[queue].quiet_hours"));
    assert!(e.localized(Lang::De).contains("c.toml:2"));
}

fn write_secrets(dir: &Path, mode: u32, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("secrets.toml");
    std::fs::write(&p, body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

#[test]
fn a_0644_secrets_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_secrets(dir.path(), 0o644, "whatsapp_token = \"EAAG-canary\"\n");
    let e = Secrets::load(&p, &|_| None).unwrap_err();
    assert!(matches!(e, SecretsError::TooOpen { mode: 0o644, .. }));
    assert!(e.localized(Lang::De).contains("chmod 600"));
    assert!(!e.localized(Lang::De).contains("canary"));
}

#[test]
fn secrets_from_file_and_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_secrets(dir.path(), 0o600, "whatsapp_token = \"from-file\"\napp_secret = \"file-secret\"\n");
    let env: HashMap<&str, &str> = [(ENV_TOKEN, "from-env")].into();
    let s = Secrets::load(&p, &|k| env.get(k).map(|v| v.to_string())).unwrap();
    assert_eq!(s.whatsapp_token.as_ref().map(Secret::expose), Some("from-env"));
    assert_eq!(s.app_secret.as_ref().map(Secret::expose), Some("file-secret"));
    assert!(s.verify_token.is_none());
    let shown = format!("{s:?}");
    assert!(!shown.contains("from-env") && !shown.contains("file-secret"), "{shown}");
}

#[test]
fn a_broken_secrets_file_does_not_echo_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_secrets(dir.path(), 0o600, "whatsapp_token = \"EAAG-canary\n");
    let e = Secrets::load(&p, &|_| None).unwrap_err();
    assert!(!e.to_string().contains("canary"), "{e}");
}

#[test]
fn missing_files_mean_defaults() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(Config::load(&dir.path().join("none.toml")).unwrap(), Config::default());
    assert_eq!(Secrets::load(&dir.path().join("none.toml"), &|_| None).unwrap(), Secrets::default());
}

#[test]
fn the_erasure_key_is_generated_once_into_a_private_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cfg").join("secrets.toml");
    let first = ensure_erasure_key(&path, &|_| None).unwrap();
    assert_eq!(first.expose().len(), 64);
    assert!(first.expose().chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(ensure_erasure_key(&path, &|_| None).unwrap(), first, "a second call keeps the key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    }
    // Appending to an existing file without a final newline keeps its other values.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "verify_token = \"abc\"").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let key = ensure_erasure_key(&other, &|_| None).unwrap();
    let s = Secrets::load(&other, &|_| None).unwrap();
    assert_eq!(s.verify_token.unwrap().expose(), "abc");
    assert_eq!(s.erasure_key.unwrap(), key);
    assert_ne!(key, first);
}
