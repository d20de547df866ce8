//! Placeholders and parameter values of a template: finding `{{1}}` / `{{first_name}}` in a text, filling them in,
//! and Meta's rules for one value (not empty, no newline or tab, at most four spaces in a row).
//! Pure: no IO. Part of `domain::template`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Localized, Tr};

/// More consecutive spaces than this are refused in a parameter value.
pub const MAX_SPACES: usize = 4;

/// A placeholder in a body or text header.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Placeholder {
    Positional(u32),
    Named(String),
}

impl Placeholder {
    /// The key used in [`Params`]: `"1"` or `"first_name"`.
    pub fn key(&self) -> String {
        match self {
            Placeholder::Positional(n) => n.to_string(),
            Placeholder::Named(s) => s.clone(),
        }
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}", self.key())
    }
}

/// Values for a template's placeholders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// Body values by placeholder key: `"1"`, `"2"` (positional) or `"first_name"` (named).
    pub body: BTreeMap<String, String>,
    /// The value of a text header's one placeholder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

impl Params {
    /// Positional values: the first is `{{1}}`.
    pub fn positional<S: AsRef<str>>(values: &[S]) -> Params {
        let body = values.iter().enumerate().map(|(i, v)| ((i + 1).to_string(), v.as_ref().to_owned())).collect();
        Params { body, header: None }
    }

    /// Named values.
    pub fn named<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Params {
        let body = pairs.iter().map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned())).collect();
        Params { body, header: None }
    }

    pub fn with_header(mut self, value: impl Into<String>) -> Params {
        self.header = Some(value.into());
        self
    }

    pub fn get(&self, p: &Placeholder) -> Option<&str> {
        self.body.get(&p.key()).map(String::as_str)
    }
}

/// A parameter value Meta would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("no value for {0}")]
    Missing(Placeholder),
    #[error("value for {0} is empty")]
    Empty(Placeholder),
    #[error("value for {0} contains a line break or tab")]
    LineBreak(Placeholder),
    #[error("value for {0} contains more than 4 spaces in a row")]
    TooManySpaces(Placeholder),
    #[error("value for the header is missing")]
    HeaderMissing,
    #[error("header too long after filling: {len} of at most {max} characters")]
    HeaderTooLong { len: usize, max: usize },
    #[error("text too long after filling: {len} of at most {max} characters")]
    BodyTooLong { len: usize, max: usize },
}

impl Localized for ParamError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            ParamError::Missing(p) => Tr::new(
                "Für den Platzhalter {0} fehlt ein Wert. Trag einen Text ein.",
                "The placeholder {0} has no value. Enter a text.",
            )
            .fill(lang, &[p]),
            ParamError::Empty(p) => Tr::new(
                "Der Platzhalter {0} ist leer. Meta lehnt leere Werte ab; trag einen Text ein.",
                "The placeholder {0} is empty. Meta refuses empty values; enter a text.",
            )
            .fill(lang, &[p]),
            ParamError::LineBreak(p) => Tr::new(
                "Der Wert für {0} enthält einen Zeilenumbruch oder Tabulator. Meta erlaubt das nicht; schreib ihn in eine Zeile.",
                "The value for {0} contains a line break or tab. Meta does not allow that; write it on one line.",
            )
            .fill(lang, &[p]),
            ParamError::TooManySpaces(p) => Tr::new(
                "Der Wert für {0} enthält mehr als 4 Leerzeichen hintereinander. Entferne die überzähligen Leerzeichen.",
                "The value for {0} contains more than 4 spaces in a row. Remove the extra spaces.",
            )
            .fill(lang, &[p]),
            ParamError::HeaderMissing => Tr::new(
                "Für die Überschrift fehlt ein Wert. Trag einen Text ein.",
                "The header has no value. Enter a text.",
            )
            .get(lang)
            .to_owned(),
            ParamError::HeaderTooLong { len, max } => Tr::new(
                "Die Überschrift ist mit den eingesetzten Werten zu lang ({0} von höchstens {1} Zeichen). Kürze den Wert.",
                "The header is too long with the values filled in ({0} of at most {1} characters). Shorten the value.",
            )
            .fill(lang, &[len, max]),
            ParamError::BodyTooLong { len, max } => Tr::new(
                "Der Text ist mit den eingesetzten Werten zu lang ({0} von höchstens {1} Zeichen). Kürze die Werte.",
                "The text is too long with the values filled in ({0} of at most {1} characters). Shorten the values.",
            )
            .fill(lang, &[len, max]),
        }
    }
}

/// The placeholder written inside `{{` `}}` (trimmed), if it is one: digits, or lowercase letters, digits and `_`.
fn parse_placeholder(inner: &str) -> Option<Placeholder> {
    let inner = inner.trim();
    let first = inner.chars().next()?;
    if inner.chars().all(|c| c.is_ascii_digit()) {
        inner.parse::<u32>().ok().map(Placeholder::Positional)
    } else if (first.is_ascii_lowercase() || first == '_')
        && inner.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        Some(Placeholder::Named(inner.to_owned()))
    } else {
        None
    }
}

/// Walks `text`, calling `on_text` for literal parts and `on_placeholder` for each `{{…}}` that is a placeholder
/// (with its raw source text).
fn walk(text: &str, mut on_text: impl FnMut(&str), mut on_placeholder: impl FnMut(Placeholder, &str)) {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        match parse_placeholder(&after[..end]) {
            Some(p) => {
                on_text(&rest[..start]);
                on_placeholder(p, &rest[start..start + end + 4]);
                rest = &after[end + 2..];
            }
            // Not a placeholder (e.g. "{{ a b }}"): keep the braces as text and look further.
            None => {
                on_text(&rest[..start + 2]);
                rest = after;
            }
        }
    }
    on_text(rest);
}

/// All placeholders in `text`, without repeats: positional ones sorted by number, named ones in order of appearance.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found: Vec<Placeholder> = Vec::new();
    walk(
        text,
        |_| {},
        |p, _| {
            if !found.contains(&p) {
                found.push(p);
            }
        },
    );
    if found.iter().all(|p| matches!(p, Placeholder::Positional(_))) {
        found.sort();
    }
    found
}

/// The placeholders of `text` that a full stop follows (`am {{2}}.`): a value ending in one ("1.12.") would read
/// "am 1.12.." — see [`Params::tidied`].
pub fn followed_by_stop(text: &str) -> Vec<Placeholder> {
    let last = std::cell::RefCell::new(None::<Placeholder>);
    let found = std::cell::RefCell::new(Vec::new());
    walk(
        text,
        |t| {
            if let Some(p) = last.borrow_mut().take()
                && t.starts_with('.')
            {
                found.borrow_mut().push(p);
            }
        },
        |p, _| *last.borrow_mut() = Some(p),
    );
    found.into_inner()
}

impl Params {
    /// The values with the full stop taken off where the template writes one right after the value ("1.12." in
    /// "am {{2}}." reads "am 1.12."), so what Meta sends and the preview shows have no "..".
    pub fn tidied(&self, body: &str) -> Params {
        let mut out = self.clone();
        for p in followed_by_stop(body) {
            if let Some(v) = out.body.get_mut(&p.key()) {
                let kept = v.trim_end().trim_end_matches('.');
                if !kept.is_empty() {
                    *v = kept.to_owned();
                }
            }
        }
        out
    }
}

/// Replaces every placeholder in `text` that has a value; others stay visible as `{{…}}`.
pub fn fill(text: &str, value: impl Fn(&Placeholder) -> Option<String>) -> String {
    let out = std::cell::RefCell::new(String::with_capacity(text.len()));
    walk(
        text,
        |t| out.borrow_mut().push_str(t),
        |p, raw| match value(&p) {
            Some(v) => out.borrow_mut().push_str(&v),
            None => out.borrow_mut().push_str(raw),
        },
    );
    out.into_inner()
}

/// Meta's rules for one value.
pub fn check_value(p: &Placeholder, value: &str) -> Result<(), ParamError> {
    if value.trim().is_empty() {
        return Err(ParamError::Empty(p.clone()));
    }
    if value.contains(['\n', '\r', '\t']) {
        return Err(ParamError::LineBreak(p.clone()));
    }
    let mut run = 0usize;
    for c in value.chars() {
        run = if c == ' ' { run + 1 } else { 0 };
        if run > MAX_SPACES {
            return Err(ParamError::TooManySpaces(p.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod stop_tests {
    use super::*;

    #[test]
    fn a_date_ending_in_a_stop_before_the_templates_stop_is_not_doubled() {
        let body = "Hallo {{1}}, Abholung am {{2}}. Bis {{3}}!";
        let p = Params::positional(&["Jörg", "1.12.", "Sa."]);
        let t = p.tidied(body);
        assert_eq!(t.body["2"], "1.12");
        assert_eq!(t.body["3"], "Sa.", "no stop follows: kept");
        assert_eq!(fill(body, |x| t.get(x).map(str::to_owned)), "Hallo Jörg, Abholung am 1.12. Bis Sa.!");
        // A value that is only a stop stays (Meta refuses empty values; the check says so).
        assert_eq!(Params::positional(&["a", ".", "b"]).tidied(body).body["2"], ".");
    }
}
