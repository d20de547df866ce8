//! Customers, their tags and the text rules for names (Unicode NFC, no control characters). Pure: no IO.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::domain::consent::ConsentState;
use crate::domain::phone::{Phone, Recipient, Region};
use crate::i18n::{Lang, Localized, Tr};

/// A customer as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    /// For the salutation; may be empty (then the configured fallback is used).
    pub first_name: String,
    /// `None` for a person who reached the shop by WhatsApp username only (then `user_id` is set).
    pub phone: Option<Phone>,
    /// WhatsApp business-scoped user id, when known.
    pub user_id: Option<String>,
    pub tags: Vec<String>,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How a customer without a number is shown where the number would be.
pub const NO_NUMBER: Tr = Tr::new("WhatsApp-Nutzer (ohne Nummer)", "WhatsApp user (no number)");

impl Customer {
    /// Whom messages to this customer go to: the number when known, else the business-scoped user id.
    pub fn recipient(&self) -> Option<Recipient> {
        Recipient::of(self.phone.as_ref(), self.user_id.as_deref())
    }

    /// The number as shown, or "WhatsApp-Nutzer (ohne Nummer)" for a person known only by user id.
    pub fn phone_label(&self, lang: Lang) -> String {
        match &self.phone {
            Some(p) => p.display(),
            None => NO_NUMBER.get(lang).to_owned(),
        }
    }

    /// Like [`Customer::phone_label`], the number written as is usual in `region`.
    pub fn phone_label_for(&self, region: Region, lang: Lang) -> String {
        match &self.phone {
            Some(p) => p.display_for(region),
            None => NO_NUMBER.get(lang).to_owned(),
        }
    }
}

/// A customer with both consent states, as lists show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    #[serde(flatten)]
    pub customer: Customer,
    pub consent: ConsentPair,
}

/// Consent state per purpose, serialised with English keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConsentPair {
    pub service: ConsentState,
    pub marketing: ConsentState,
}

/// The data to create or update a customer, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDraft {
    pub name: String,
    pub first_name: String,
    /// `None` only when editing a customer known by WhatsApp user id alone (who shared no number).
    pub phone: Option<Phone>,
    pub tags: Vec<String>,
    pub note: String,
}

/// Invalid customer data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerError {
    #[error("name is empty")]
    NameEmpty,
    #[error("{field} is too long (max {max} characters)")]
    TooLong { field: &'static str, max: usize },
    #[error("phone number missing")]
    PhoneMissing,
}

impl Localized for CustomerError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            CustomerError::NameEmpty => {
                Tr::new("Name fehlt. Gib mindestens einen Namen ein.", "Name missing.").get(lang).into()
            }
            CustomerError::PhoneMissing => Tr::new(
                "Telefonnummer fehlt. Gib die Nummer ein, z. B. 0171 1234567.",
                "Phone number missing. Enter the number, e.g. 0171 1234567.",
            )
            .get(lang)
            .into(),
            CustomerError::TooLong { field, max } => {
                Tr::new("{0} ist zu lang (höchstens {1} Zeichen).", "{0} is too long (at most {1} characters).")
                    .fill(lang, &[field, max])
            }
        }
    }
}

pub const MAX_NAME: usize = 200;
pub const MAX_NOTE: usize = 2000;
pub const MAX_TAG: usize = 40;

/// NFC-normalises, trims and collapses runs of whitespace; control characters become spaces.
pub fn clean_text(s: &str) -> String {
    let nfc: String = s.nfc().map(|c| if c.is_control() { ' ' } else { c }).collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Like [`clean_text`] but keeps line breaks (for notes).
pub fn clean_note(s: &str) -> String {
    s.nfc()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect::<String>()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// A valid display name.
pub fn validate_name(s: &str) -> Result<String, CustomerError> {
    let name = clean_text(s);
    if name.is_empty() {
        return Err(CustomerError::NameEmpty);
    }
    if name.chars().count() > MAX_NAME {
        return Err(CustomerError::TooLong { field: "Name", max: MAX_NAME });
    }
    Ok(name)
}

/// Tags: cleaned, empty ones dropped, duplicates (ignoring case) removed, sorted for a stable order.
pub fn normalize_tags<I, S>(tags: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        for part in tag.as_ref().split([',', ';']) {
            let t: String = clean_text(part).chars().take(MAX_TAG).collect();
            if !t.is_empty() && !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
                out.push(t);
            }
        }
    }
    out.sort_by_key(|t| t.to_lowercase());
    out
}

impl CustomerDraft {
    pub fn new(
        name: &str,
        first_name: &str,
        phone: impl Into<Option<Phone>>,
        tags: &[String],
        note: &str,
    ) -> Result<CustomerDraft, CustomerError> {
        let phone = phone.into();
        let note = clean_note(note);
        if note.chars().count() > MAX_NOTE {
            return Err(CustomerError::TooLong { field: "Notiz", max: MAX_NOTE });
        }
        let first_name = clean_text(first_name);
        if first_name.chars().count() > MAX_NAME {
            return Err(CustomerError::TooLong { field: "Vorname", max: MAX_NAME });
        }
        Ok(CustomerDraft { name: validate_name(name)?, first_name, phone, tags: normalize_tags(tags), note })
    }
}

/// Text from data made safe for a terminal: control characters shown escaped (`^@`, `\u{1b}`), never emitted.
pub fn display_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\0'..='\u{1f}' => {
                out.push('^');
                out.push(char::from(b'@' + c as u8));
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_nfc_and_trimmed() {
        assert_eq!(validate_name("  Mu\u{308}ller,   Jörg ").unwrap(), "Müller, Jörg");
        assert_eq!(validate_name("\t"), Err(CustomerError::NameEmpty));
        assert_eq!(validate_name("A\u{7}B").unwrap(), "A B");
    }

    #[test]
    fn tags_are_cleaned_deduplicated_and_sorted() {
        let tags = normalize_tags(["Schwein", " rind ", "Rind", "Eier, Geflügel", ""]);
        assert_eq!(tags, vec!["Eier", "Geflügel", "rind", "Schwein"]);
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(display_safe("Weiß"), "Weiß");
        assert_eq!(display_safe("a\u{1b}[2Jb"), "a^[[2Jb");
        assert_eq!(display_safe("x\0y"), "x^@y");
        assert_eq!(display_safe("x\u{9b}y"), "x\\u{9b}y");
    }

    #[test]
    fn draft_validates_lengths() {
        let phone = Phone::parse("0171 1234567", Region::DE).unwrap();
        let long = "x".repeat(MAX_NAME + 1);
        assert!(matches!(CustomerDraft::new(&long, "", phone.clone(), &[], ""), Err(CustomerError::TooLong { .. })));
        let d = CustomerDraft::new("Weiß", " Anna ", phone, &["Eier".into()], "Zeile 1  \nZeile 2\u{7}").unwrap();
        assert_eq!(d.first_name, "Anna");
        assert_eq!(d.note, "Zeile 1\nZeile 2");
    }
}
