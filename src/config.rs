//! Configuration (`config.toml`) and secrets (`secrets.toml` or environment). Every key has a default, so hofbote
//! runs without a file. A broken file is refused with `file:line: [table].key: what is wrong`.
//! Secrets are wrapped in [`Secret`], whose `Debug`/`Display` never show the value; this module never logs them.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::phone::Region;
use crate::i18n::{Lang, Localized, Tr};

pub const ENV_CONFIG: &str = "HOFBOTE_CONFIG";
pub const ENV_SECRETS: &str = "HOFBOTE_SECRETS";
pub const ENV_TOKEN: &str = "HOFBOTE_WHATSAPP_TOKEN";
pub const ENV_APP_SECRET: &str = "HOFBOTE_APP_SECRET";
pub const ENV_VERIFY_TOKEN: &str = "HOFBOTE_VERIFY_TOKEN";
pub const ENV_ERASURE_KEY: &str = "HOFBOTE_ERASURE_KEY";

/// The commented example shipped with hofbote; it documents every option.
pub const EXAMPLE: &str = include_str!("../assets/config.example.toml");

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub shop: Shop,
    pub whatsapp: WhatsApp,
    pub prices: Prices,
    pub queue: Queue,
    pub webhook: Webhook,
    pub privacy: Privacy,
    pub backup: Backup,
    pub sandbox: Sandbox,
    pub ui: Ui,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Shop {
    pub name: String,
    pub address: String,
    pub contact: String,
    /// Country for numbers written without a country code (ISO code, e.g. `DE`).
    pub country: String,
    /// UI language; when absent, `LANG` decides, then German.
    pub language: Option<Lang>,
    /// Used for `{vorname}` when a customer has no first name (Meta rejects empty parameters).
    pub salutation_fallback: String,
    /// The farmer's own mobile number, for test sends.
    pub own_number: String,
}

impl Default for Shop {
    fn default() -> Self {
        Shop {
            name: String::new(),
            address: String::new(),
            contact: String::new(),
            country: "DE".into(),
            language: None,
            salutation_fallback: "Liebe Kundin, lieber Kunde".into(),
            own_number: String::new(),
        }
    }
}

impl Shop {
    pub fn region(&self) -> Region {
        self.country.parse().unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WhatsApp {
    pub phone_number_id: String,
    pub waba_id: String,
    pub display_phone_number: String,
    pub api_version: String,
    pub base_url: String,
    pub throughput_per_second: u32,
    /// Number also used in the WhatsApp Business app: Meta fixes throughput at 20/s.
    pub coexistence: bool,
    /// Unique recipients outside a service window per rolling 24 h (250, 2000, 10000, 100000, or 0 = unlimited).
    pub messaging_tier: u32,
    pub connect_timeout_seconds: u64,
    pub request_timeout_seconds: u64,
}

impl Default for WhatsApp {
    fn default() -> Self {
        WhatsApp {
            phone_number_id: String::new(),
            waba_id: String::new(),
            display_phone_number: String::new(),
            api_version: "v25.0".into(),
            base_url: "https://graph.facebook.com".into(),
            throughput_per_second: 80,
            coexistence: false,
            messaging_tier: 250,
            connect_timeout_seconds: 10,
            request_timeout_seconds: 30,
        }
    }
}

impl WhatsApp {
    /// Messages per second actually allowed.
    pub fn effective_rate(&self) -> u32 {
        if self.coexistence { self.throughput_per_second.min(20) } else { self.throughput_per_second }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Prices {
    pub currency: String,
    pub marketing: f64,
    pub utility: f64,
    pub authentication: f64,
    /// Free-form replies and utility templates inside the 24 h window: billed since 1 Oct 2026, at the utility rate
    /// unless set (`None` = the utility price).
    pub service: Option<f64>,
    /// When the prices were last checked against Meta's rate card (shown with every estimate).
    pub checked_on: String,
}

impl Prices {
    /// What one reply inside the 24 h window costs (since 1 October 2026 no longer free).
    pub fn service_price(&self) -> f64 {
        self.service.unwrap_or(self.utility)
    }

    /// The price of one message Meta billed in `category` (`marketing`, `utility`, `service`, `authentication`, and
    /// their variants such as `marketing_lite`); `None` for a category without a configured price.
    pub fn for_category(&self, category: &str) -> Option<f64> {
        let c = category.to_ascii_lowercase();
        if c.starts_with("marketing") {
            Some(self.marketing)
        } else if c.starts_with("authentication") {
            Some(self.authentication)
        } else if c == "utility" {
            Some(self.utility)
        } else if c == "service" {
            Some(self.service_price())
        } else {
            None
        }
    }

    /// The price of one outbox row of `kind` (`marketing`, `service` = a utility template, `reply_in_window` = a
    /// reply in the 24 h window: the double opt-in question, the STOP confirmation, the farmer's answers).
    pub fn for_kind(&self, kind: &str) -> Option<f64> {
        match kind {
            "marketing" => Some(self.marketing),
            "service" => Some(self.utility),
            "reply_in_window" => Some(self.service_price()),
            _ => None,
        }
    }
}

impl Default for Prices {
    /// Germany, EUR. Figures of Meta's rate card of 1 Jul 2025 (as hello-charles.com quotes it: marketing 0.1131,
    /// utility and authentication 0.0456); Meta's quarterly rate changes up to the card of 1 Oct 2026 did not touch
    /// Germany (project reference, whatsapp-cloud-api.md §11; formbeep.pages.dev's summary of the 1 Apr 2026 changes
    /// names Saudi Arabia, India, Pakistan and Turkey). Checked 2026-11-30 without Meta's EUR CSV at hand, so dated
    /// by the card they stand for: 2026-10-01. Service (replies, since 1 Oct 2026 billed) = the utility rate.
    fn default() -> Self {
        Prices {
            currency: "EUR".into(),
            marketing: 0.1131,
            utility: 0.0456,
            authentication: 0.0456,
            service: None,
            checked_on: "2026-10-01".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Queue {
    /// No marketing in this period (Europe/Berlin), e.g. "20:00-08:00"; empty = none.
    pub quiet_hours: String,
    pub unknown_after_seconds: u64,
    pub batch_size: u32,
    pub max_attempts: u32,
}

impl Default for Queue {
    fn default() -> Self {
        Queue { quiet_hours: "20:00-08:00".into(), unknown_after_seconds: 900, batch_size: 64, max_attempts: 8 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Webhook {
    /// Most sign-ups (ANMELDEN) from unknown numbers per rolling hour; more are kept for review. 0 = no limit.
    pub signups_per_hour: u32,
}

impl Default for Webhook {
    fn default() -> Self {
        Webhook { signups_per_hour: 50 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Privacy {
    pub message_retention_days: u32,
    pub webhook_retention_days: u32,
    pub unconfirmed_signup_days: u32,
    pub log_retention_days: u32,
    pub pseudonymised_ledger_years: u32,
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy {
            message_retention_days: 365,
            webhook_retention_days: 90,
            unconfirmed_signup_days: 30,
            log_retention_days: 30,
            pseudonymised_ledger_years: 3,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backup {
    /// age recipient (public key) for unattended backups; empty = ask for a passphrase.
    pub recipient: String,
    pub directory: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sandbox {
    pub seed: u64,
    pub rate_per_second: u32,
    pub fail_share: f64,
    pub stop_share: f64,
    /// Share of simulated customers with a WhatsApp username who write without their number (user id only).
    pub username_share: f64,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox { seed: 7, rate_per_second: 80, fail_share: 0.03, stop_share: 0.02, username_share: 0.0 }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ui {
    /// Plain ASCII instead of ✓ ✗ – (also automatic for TERM=linux).
    pub ascii: bool,
}

/// A configuration problem, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {field}: {message}", file.display())]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl Localized for ConfigError {
    fn localized(&self, lang: Lang) -> String {
        Tr::new(
            "Konfiguration fehlerhaft: {0}:{1}, Feld {2}: {3}. Korrigiere die Datei oder benenne sie um, dann gelten die Standardwerte.",
            "Configuration error: {0}:{1}, field {2}: {3}. Fix the file or rename it to use the defaults.",
        )
        .fill(lang, &[&self.file.display(), &self.line, &self.field, &self.message])
    }
}

/// Secret problems (file mode, syntax). Never contains a secret value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    #[error("{}: mode {mode:o} is too open; run: chmod 600 {}", path.display(), path.display())]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
}

impl Localized for SecretsError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            SecretsError::TooOpen { path, mode } => Tr::new(
                "Die Datei {0} ist für andere lesbar (Rechte {1}). Sie enthält Zugangsschlüssel. Führe aus: chmod 600 {0}",
                "The file {0} is readable by others (mode {1}). It holds access keys. Run: chmod 600 {0}",
            )
            .fill(lang, &[&path.display(), &format!("{mode:o}")]),
            SecretsError::Invalid { path, message } | SecretsError::Io { path, message } => {
                Tr::new("Geheimnis-Datei {0} fehlerhaft: {1}", "Secrets file {0} is broken: {1}")
                    .fill(lang, &[&path.display(), message])
            }
        }
    }
}

impl Config {
    /// Parses config text; `file` is only used in error messages.
    pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let (line, field) = locate_offset(text, offset);
            let message = e.message().replace('\n', " ");
            let field = field.or_else(|| unknown_field_name(&message)).unwrap_or_else(|| "-".into());
            ConfigError { file: file.to_owned(), line, field, message }
        })?;
        config.validate(text, file)?;
        Ok(config)
    }

    /// Loads the file if it exists; a missing file means all defaults.
    pub fn load(file: &Path) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(file) {
            Ok(text) => Config::parse(&text, file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(ConfigError { file: file.to_owned(), line: 0, field: "-".into(), message: e.to_string() }),
        }
    }

    fn validate(&self, text: &str, file: &Path) -> Result<(), ConfigError> {
        let err = |table: &str, key: &str, message: String| ConfigError {
            file: file.to_owned(),
            line: find_key_line(text, table, key),
            field: format!("[{table}].{key}"),
            message,
        };
        if self.shop.country.parse::<Region>().is_err() {
            return Err(err("shop", "country", format!("unknown country code {:?}; e.g. \"DE\"", self.shop.country)));
        }
        let v = self.whatsapp.api_version.strip_prefix('v').unwrap_or("");
        let ok = v.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.chars().all(|c| c.is_ascii_digit())
                && b.chars().all(|c| c.is_ascii_digit())
        });
        if !ok {
            return Err(err(
                "whatsapp",
                "api_version",
                format!("{:?} is not like \"v25.0\"", self.whatsapp.api_version),
            ));
        }
        let url = &self.whatsapp.base_url;
        if !(url.starts_with("https://") || url.starts_with("http://")) || reqwest::Url::parse(url).is_err() {
            return Err(err("whatsapp", "base_url", format!("{url:?} is not an http(s) URL")));
        }
        if self.whatsapp.throughput_per_second == 0 {
            return Err(err("whatsapp", "throughput_per_second", "must be at least 1".into()));
        }
        if !self.queue.quiet_hours.trim().is_empty()
            && crate::domain::parse_quiet_hours(&self.queue.quiet_hours).is_none()
        {
            return Err(err(
                "queue",
                "quiet_hours",
                format!("{:?} is not like \"20:00-08:00\"", self.queue.quiet_hours),
            ));
        }
        for (key, price) in [
            ("marketing", self.prices.marketing),
            ("utility", self.prices.utility),
            ("authentication", self.prices.authentication),
            ("service", self.prices.service_price()),
        ] {
            if !(0.0..=10.0).contains(&price) {
                return Err(err("prices", key, format!("{price} is not a plausible price per message")));
            }
        }
        Ok(())
    }

    /// The UI language: config, then `LANG`, then German.
    pub fn language(&self) -> Lang {
        self.shop
            .language
            .or_else(|| std::env::var("LANG").ok().and_then(|l| Lang::from_locale(&l)))
            .unwrap_or_default()
    }
}

/// Line number (1-based) of `offset` and the `[table].key` written on that line, if any.
fn locate_offset(text: &str, offset: usize) -> (usize, Option<String>) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line_no = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let table = text
        .lines()
        .take(line_no)
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix('[').and_then(|r| r.strip_suffix(']')).map(|t| t.trim().to_owned())
        })
        .last();
    let key = line.split_once('=').map(|(k, _)| k.trim().trim_matches('"').to_owned()).filter(|k| !k.is_empty());
    let field = match (table, key) {
        (Some(t), Some(k)) => Some(format!("[{t}].{k}")),
        (None, Some(k)) => Some(k),
        (Some(t), None) => Some(format!("[{t}]")),
        (None, None) => None,
    };
    (line_no, field)
}

fn unknown_field_name(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    Some(rest.split('`').next()?.to_owned())
}

/// Line (1-based) where `key` is set inside `[table]`, or 0 when it is not written (a default).
fn find_key_line(text: &str, table: &str, key: &str) -> usize {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if let Some(t) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = t.trim().to_owned();
        } else if current == table && l.split_once('=').is_some_and(|(k, _)| k.trim() == key) {
            return i + 1;
        }
    }
    0
}

/// A secret value. Printing it shows `***`; read it only where it is sent.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that uses it (HTTP header, HMAC key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The secrets hofbote needs. The environment wins over the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Secrets {
    pub whatsapp_token: Option<Secret>,
    pub app_secret: Option<Secret>,
    pub verify_token: Option<Secret>,
    /// Meta app id (picture uploads for templates need it); kept with the secrets, never in `config.toml`.
    pub app_id: Option<Secret>,
    /// Key of the keyed hash that pseudonymises erased customers.
    pub erasure_key: Option<Secret>,
}

impl Secrets {
    /// Reads `path` (must be mode 0600 or stricter if it exists) and overlays the environment.
    pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Secrets, SecretsError> {
        let mut secrets = match std::fs::read_to_string(path) {
            Ok(text) => {
                check_private(path)?;
                toml::from_str::<Secrets>(&text).map_err(|e| {
                    // Never echo the file's content: only the position and the message.
                    let line = e.span().map(|s| locate_offset(&text, s.start).0).unwrap_or(0);
                    let msg = e.message().lines().next().unwrap_or("").to_owned();
                    SecretsError::Invalid { path: path.to_owned(), message: format!("line {line}: {msg}") }
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Secrets::default(),
            Err(e) => return Err(SecretsError::Io { path: path.to_owned(), message: e.to_string() }),
        };
        let pick = |name: &str| env(name).filter(|v| !v.is_empty()).map(Secret);
        if let Some(v) = pick(ENV_TOKEN) {
            secrets.whatsapp_token = Some(v);
        }
        if let Some(v) = pick(ENV_APP_SECRET) {
            secrets.app_secret = Some(v);
        }
        if let Some(v) = pick(ENV_VERIFY_TOKEN) {
            secrets.verify_token = Some(v);
        }
        if let Some(v) = pick(ENV_ERASURE_KEY) {
            secrets.erasure_key = Some(v);
        }
        Ok(secrets)
    }

    /// The process environment as a lookup function.
    pub fn process_env(name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// The erasure key (for the keyed hash of erased customers): from the environment or the secrets file, or — the
/// first time a customer is erased — a new random 32-byte hex key appended to the secrets file as
/// `erasure_key = "…"` (file created with mode 0600, its directory 0700). The key never changes once written,
/// because suppressed hashes must stay recognisable.
pub fn ensure_erasure_key(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Secret, SecretsError> {
    use std::io::Write;
    if let Some(key) = Secrets::load(path, env)?.erasure_key {
        return Ok(key);
    }
    let io = |e: std::io::Error| SecretsError::Io { path: path.to_owned(), message: e.to_string() };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::store::create_private_dir(dir)
            .map_err(|e| SecretsError::Io { path: dir.to_owned(), message: e.to_string() })?;
    }
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let key = hex::encode(bytes);
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    check_private(path)?;
    let separator = if existing.is_empty() || existing.ends_with('\n') { "" } else { "\n" };
    writeln!(file, "{separator}erasure_key = \"{key}\"").map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(Secret::new(key))
}

/// Refuses a file that group or others may read or write.
pub fn check_private(path: &Path) -> Result<(), SecretsError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta =
            std::fs::metadata(path).map_err(|e| SecretsError::Io { path: path.to_owned(), message: e.to_string() })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(SecretsError::TooOpen { path: path.to_owned(), mode });
        }
    }
    Ok(())
}

/// Where hofbote keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_file: PathBuf,
    pub secrets_file: PathBuf,
    pub data_dir: PathBuf,
    pub db_file: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    /// XDG defaults (`~/.config/hofbote`, `~/.local/share/hofbote`), overridden by the given paths.
    pub fn resolve(config: Option<PathBuf>, db: Option<PathBuf>) -> Paths {
        let dirs = directories::ProjectDirs::from("", "", "hofbote");
        let config_dir = dirs.as_ref().map(|d| d.config_dir().to_owned()).unwrap_or_else(|| PathBuf::from(".hofbote"));
        let data_dir = dirs.as_ref().map(|d| d.data_dir().to_owned()).unwrap_or_else(|| PathBuf::from(".hofbote"));
        let config_file = config.unwrap_or_else(|| config_dir.join("config.toml"));
        let secrets_file = std::env::var_os(ENV_SECRETS).map(PathBuf::from).unwrap_or_else(|| {
            config_file.parent().map(|p| p.join("secrets.toml")).unwrap_or_else(|| config_dir.join("secrets.toml"))
        });
        let db_file = db.unwrap_or_else(|| data_dir.join("hofbote.sqlite"));
        let data_dir = db_file.parent().map(Path::to_path_buf).unwrap_or(data_dir);
        let log_dir = data_dir.join("logs");
        Paths { config_file, secrets_file, data_dir, db_file, log_dir }
    }
}

pub mod write;

#[cfg(test)]
mod tests;
