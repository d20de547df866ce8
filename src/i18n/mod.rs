//! User-facing language: German by default, English on request. Every user-facing sentence lives in the submodules
//! here (`errors`, `labels`) as a German/English pair, so translations can be reviewed in one place.
//! This module only picks and formats text; it must not decide behaviour.

pub mod labels;

/// An operating-system error text (`No such file or directory (os error 2)`) in the user's language: the common
/// ones by their number, in German words that say what is wrong; anything else as the system wrote it.
pub fn os_text(message: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return message.to_owned();
    }
    let code = message.rsplit_once("(os error ").and_then(|(_, rest)| rest.trim_end_matches(')').parse::<i32>().ok());
    let german = match code {
        Some(1) => "nicht erlaubt",
        Some(2) => "Datei oder Ordner nicht gefunden",
        Some(5) => "Lesefehler des Datenträgers (SD-Karte oder Platte defekt?)",
        Some(13) => "keine Berechtigung",
        Some(16) => "gerade belegt",
        Some(17) => "gibt es schon",
        Some(20) => "ein Teil des Pfads ist kein Ordner",
        Some(21) => "ist ein Ordner, keine Datei",
        Some(24) => "zu viele offene Dateien",
        Some(28) => "kein Speicherplatz mehr frei",
        Some(30) => "der Datenträger ist nur lesbar eingehängt",
        Some(36) => "Name zu lang",
        Some(39) => "der Ordner ist nicht leer",
        Some(122) => "Speicherkontingent erschöpft",
        _ => return message.to_owned(),
    };
    german.to_owned()
}

#[cfg(test)]
mod os_text_tests {
    use super::*;

    #[test]
    fn os_errors_in_german_words() {
        let e = std::io::Error::from_raw_os_error(2).to_string();
        assert_eq!(os_text(&e, Lang::De), "Datei oder Ordner nicht gefunden");
        assert_eq!(os_text(&e, Lang::En), e);
        let full = std::io::Error::from_raw_os_error(28).to_string();
        assert_eq!(os_text(&full, Lang::De), "kein Speicherplatz mehr frei");
        assert_eq!(os_text("stream did not contain valid UTF-8", Lang::De), "stream did not contain valid UTF-8");
    }
}

use serde::{Deserialize, Serialize};

/// The language of the user interface and of CLI output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    De,
    En,
}

impl Lang {
    /// Language from a POSIX locale value such as `en_US.UTF-8`; German for anything that is not English.
    pub fn from_locale(value: &str) -> Option<Lang> {
        let lower = value.to_ascii_lowercase();
        if lower.starts_with("en") {
            Some(Lang::En)
        } else if lower.starts_with("de") {
            Some(Lang::De)
        } else {
            None
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }
}

/// A German/English text pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    pub de: &'static str,
    pub en: &'static str,
}

impl Tr {
    pub const fn new(de: &'static str, en: &'static str) -> Self {
        Self { de, en }
    }

    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::De => self.de,
            Lang::En => self.en,
        }
    }

    /// Fills `{0}`, `{1}`, … with the given values.
    pub fn fill(self, lang: Lang, args: &[&dyn std::fmt::Display]) -> String {
        fill(self.get(lang), args)
    }
}

/// A sentence with a count in it, in the singular for one ("1 Kunde", "1 Zeile abgelehnt") and the plural otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plural {
    pub one: Tr,
    pub other: Tr,
}

impl Plural {
    pub const fn new(one: Tr, other: Tr) -> Self {
        Self { one, other }
    }

    /// The form for `n`, filled with `args`.
    pub fn fill(self, lang: Lang, n: i64, args: &[&dyn std::fmt::Display]) -> String {
        if n == 1 { self.one.fill(lang, args) } else { self.other.fill(lang, args) }
    }
}

/// Replaces `{0}`, `{1}`, … in `template` with `args`.
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    let mut out = template.to_owned();
    for (i, arg) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), &arg.to_string());
    }
    out
}

/// Anything that can explain itself to the user in either language.
pub trait Localized {
    fn localized(&self, lang: Lang) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_numbered_placeholders() {
        let t = Tr::new("{0} von {1} Kunden", "{0} of {1} customers");
        assert_eq!(t.fill(Lang::De, &[&37, &412]), "37 von 412 Kunden");
        assert_eq!(t.fill(Lang::En, &[&37, &412]), "37 of 412 customers");
    }

    #[test]
    fn locale_detection() {
        assert_eq!(Lang::from_locale("en_GB.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::from_locale("de_DE.UTF-8"), Some(Lang::De));
        assert_eq!(Lang::from_locale("C"), None);
    }
}
