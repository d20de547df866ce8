//! User-facing language: German by default, English on request. Every user-facing sentence lives in the submodules
//! here (`errors`, `labels`) as a German/English pair, so translations can be reviewed in one place.
//! This module only picks and formats text; it must not decide behaviour.

pub mod labels;

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
