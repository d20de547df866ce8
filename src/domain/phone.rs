//! Phone numbers in E.164 form (`+491711234567`), parsed from the ways Germans write them ("0171 1234567",
//! "0171/1234567", "+49 (0)171 1234567", "0049 171 …", "49171…"). Parsing and validation use libphonenumber's
//! metadata (crate `phonenumber`), never a home-made regex. Pure: no IO.

use std::fmt;
use std::str::FromStr;

use phonenumber::{Mode, PhoneNumber, country};
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Localized};

/// A valid phone number, stored as E.164 with a leading `+`. It may carry its readable forms, computed when the
/// number was written, so lists never load the phone-number metadata (which costs tens of milliseconds per process).
/// Equality, order and hashing use the E.164 form only.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String, #[serde(skip)] Option<std::sync::Arc<Formats>>);

/// The readable forms of a number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Formats {
    /// As written in its own country: `0171 1234567`.
    pub national: String,
    /// `+49 171 1234567`.
    pub international: String,
    /// ISO code of its country: `DE`.
    pub region: String,
}

impl PartialEq for Phone {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Phone {}

impl std::hash::Hash for Phone {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialOrd for Phone {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Phone {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// The region used for numbers written without a country code, e.g. `DE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(country::Id);

impl Region {
    pub const DE: Region = Region(country::Id::DE);

    pub fn id(self) -> country::Id {
        self.0
    }
}

impl Region {
    /// The calling code and trunk prefix, e.g. ("+49", "0"). A small table covers the shop's usual neighbours
    /// without loading the phone-number metadata (which costs tens of milliseconds); others ask the metadata.
    pub fn prefixes(self) -> Option<(String, String)> {
        let known: &[(&str, &str, &str)] = &[
            ("DE", "+49", "0"),
            ("AT", "+43", "0"),
            ("CH", "+41", "0"),
            ("NL", "+31", "0"),
            ("BE", "+32", "0"),
            ("FR", "+33", "0"),
            ("LU", "+352", ""),
            ("DK", "+45", ""),
            ("PL", "+48", ""),
            ("CZ", "+420", ""),
            ("IT", "+39", ""),
        ];
        let id = self.0.as_ref();
        if let Some((_, code, trunk)) = known.iter().find(|(r, _, _)| *r == id) {
            return Some(((*code).to_owned(), (*trunk).to_owned()));
        }
        let meta = phonenumber::metadata::DATABASE.by_id(id)?;
        Some((format!("+{}", meta.country_code()), meta.national_prefix().unwrap_or("").to_owned()))
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::DE
    }
}

impl FromStr for Region {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        country::Id::from_str(&s.trim().to_ascii_uppercase())
            .map(Region)
            .map_err(|_| PhoneError::UnknownRegion(s.to_owned()))
    }
}

/// What kind of line a number is, as far as the metadata can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Mobile,
    Landline,
    /// Mobile or landline cannot be told apart (e.g. North America).
    MobileOrLandline,
    Other,
}

/// Why a text is not a usable phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("empty phone number")]
    Empty,
    #[error("phone number contains letters or symbols: {0:?}")]
    InvalidCharacters(String),
    #[error("too few digits")]
    TooShort,
    #[error("too many digits")]
    TooLong,
    #[error("unknown country code")]
    UnknownCountryCode,
    #[error("not a valid number in its country")]
    NotValid,
    #[error("unknown region {0:?}")]
    UnknownRegion(String),
}

impl Localized for PhoneError {
    fn localized(&self, lang: Lang) -> String {
        use crate::i18n::labels::phone as t;
        match self {
            PhoneError::Empty => t::EMPTY.get(lang).to_owned(),
            PhoneError::InvalidCharacters(c) => t::INVALID_CHARS.fill(lang, &[c]),
            PhoneError::TooShort => t::TOO_SHORT.get(lang).to_owned(),
            PhoneError::TooLong => t::TOO_LONG.get(lang).to_owned(),
            PhoneError::UnknownCountryCode => t::UNKNOWN_CC.get(lang).to_owned(),
            PhoneError::NotValid => t::NOT_VALID.get(lang).to_owned(),
            PhoneError::UnknownRegion(r) => t::UNKNOWN_REGION.fill(lang, &[r]),
        }
    }
}

/// Characters people put between digits; everything else (letters, `*`, `#`, …) is refused.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '/' | '.' | '(' | ')' | '\u{a0}' | '\u{2009}' | '\u{202f}' | '\u{2010}'..='\u{2015}')
}

impl Phone {
    /// Parses how people write numbers; `region` applies to numbers without a country code.
    pub fn parse(input: &str, region: Region) -> Result<Phone, PhoneError> {
        let trimmed = input.trim().trim_start_matches("tel:").trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let bad: String = trimmed.chars().filter(|c| !(c.is_ascii_digit() || *c == '+' || is_separator(*c))).collect();
        if !bad.is_empty() {
            return Err(PhoneError::InvalidCharacters(bad));
        }
        if trimmed.chars().skip(1).any(|c| c == '+') {
            return Err(PhoneError::InvalidCharacters("+".to_owned()));
        }
        // "+49 (0)171 …": the trunk prefix in brackets must go before parsing, or it becomes part of the number.
        let cleaned = trimmed.replace("(0)", "");
        let digits: String = cleaned.chars().filter(char::is_ascii_digit).collect();
        if digits.len() < 5 {
            return Err(PhoneError::TooShort);
        }
        if digits.len() > 17 {
            return Err(PhoneError::TooLong);
        }
        let first = parse_valid(&cleaned, region);
        if let Ok(number) = first {
            return Ok(number);
        }
        // "49171…" – a country code written without "+" or "00".
        if !cleaned.starts_with('+')
            && !cleaned.starts_with('0')
            && let Ok(number) = parse_valid(&format!("+{digits}"), region)
        {
            return Ok(number);
        }
        first
    }

    /// Reads a stored E.164 value (as written by [`Phone::as_e164`]).
    pub fn from_e164(value: &str) -> Result<Phone, PhoneError> {
        if !value.starts_with('+') {
            return Err(PhoneError::NotValid);
        }
        Phone::parse(value, Region::DE)
    }

    /// Reads an E.164 value that hofbote itself stored (the `customers.phone` column, written only from a parsed
    /// [`Phone`]). Checks the shape only (`+`, then 7 to 15 digits, no leading 0) instead of running the full
    /// libphonenumber validation again, which would dominate listing 10,000 customers. Anything else is refused, so
    /// a hand-edited database still cannot smuggle letters or separators in.
    pub fn from_stored(value: &str) -> Result<Phone, PhoneError> {
        let Some(digits) = value.strip_prefix('+') else {
            return Err(PhoneError::NotValid);
        };
        let well_formed =
            (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
        if well_formed { Ok(Phone(value.to_owned(), None)) } else { Err(PhoneError::NotValid) }
    }

    /// `+491711234567`
    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// The digits without `+`, as WhatsApp writes `wa_id`.
    pub fn wa_id(&self) -> &str {
        self.0.trim_start_matches('+')
    }

    /// Readable international form, e.g. `+49 171 1234567`.
    pub fn display(&self) -> String {
        if let Some(f) = self.1.as_deref().filter(|f| !f.international.is_empty()) {
            return f.international.clone();
        }
        match phonenumber::parse(None, &self.0) {
            Ok(n) => n.format().mode(Mode::International).to_string(),
            Err(_) => self.0.clone(),
        }
    }

    /// Readable national form for numbers of `region` (`0171 1234567`), international otherwise.
    pub fn display_for(&self, region: Region) -> String {
        if let Some(f) = self.1.as_deref().filter(|f| !f.national.is_empty() && !f.international.is_empty()) {
            let same = f.region == region.id().as_ref();
            return if same { f.national.clone() } else { f.international.clone() };
        }
        match phonenumber::parse(None, &self.0) {
            Ok(n) if n.country().id() == Some(region.id()) => n.format().mode(Mode::National).to_string(),
            Ok(n) => n.format().mode(Mode::International).to_string(),
            Err(_) => self.0.clone(),
        }
    }

    /// The readable forms, computed with the phone-number metadata (for storing beside the number).
    pub fn formats(&self) -> Formats {
        match phonenumber::parse(None, &self.0) {
            Ok(n) => Formats {
                national: n.format().mode(Mode::National).to_string(),
                international: n.format().mode(Mode::International).to_string(),
                region: n.country().id().map(|id| id.as_ref().to_owned()).unwrap_or_default(),
            },
            Err(_) => Formats::default(),
        }
    }

    /// The number with its stored readable forms attached (empty forms are ignored).
    pub fn with_formats(mut self, formats: Formats) -> Phone {
        if !formats.national.is_empty() && !formats.international.is_empty() {
            self.1 = Some(std::sync::Arc::new(formats));
        }
        self
    }

    pub fn line_kind(&self) -> LineKind {
        match phonenumber::parse(None, &self.0) {
            Ok(n) => match n.number_type(&phonenumber::metadata::DATABASE) {
                phonenumber::Type::Mobile => LineKind::Mobile,
                phonenumber::Type::FixedLine => LineKind::Landline,
                phonenumber::Type::FixedLineOrMobile => LineKind::MobileOrLandline,
                _ => LineKind::Other,
            },
            Err(_) => LineKind::Other,
        }
    }
}

fn parse_valid(text: &str, region: Region) -> Result<Phone, PhoneError> {
    let number: PhoneNumber = phonenumber::parse(Some(region.id()), text).map_err(|e| match e {
        phonenumber::ParseError::InvalidCountryCode => PhoneError::UnknownCountryCode,
        phonenumber::ParseError::TooShortAfterIdd | phonenumber::ParseError::TooShortNsn => PhoneError::TooShort,
        phonenumber::ParseError::TooLong => PhoneError::TooLong,
        _ => PhoneError::NotValid,
    })?;
    if number.country().id().is_none() && phonenumber::metadata::DATABASE.by_code(&number.code().value()).is_none() {
        return Err(PhoneError::UnknownCountryCode);
    }
    if !number.is_valid() {
        return Err(PhoneError::NotValid);
    }
    Ok(Phone(number.format().mode(Mode::E164).to_string(), None))
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Phone::from_e164(&value)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

/// Whether `s` has the shape of a WhatsApp business-scoped user id (BSUID): an ISO 3166 country code, a dot, then up
/// to 128 letters and digits (`US.13491208655302741918`); a parent id has `ENT.` after the country
/// (`US.ENT.11815799212886844830`). Never starts with '+', so it cannot be mistaken for a stored number.
pub fn is_user_id(s: &str) -> bool {
    let mut parts = s.splitn(2, '.');
    let (Some(country), Some(rest)) = (parts.next(), parts.next()) else { return false };
    let rest = rest.strip_prefix("ENT.").unwrap_or(rest);
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && !rest.is_empty()
        && rest.len() <= 128
        && rest.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whom a message goes to: a number, or — for a person who shares no number with the shop — their business-scoped
/// user id. Stored in one text column (`outbox.phone`): E.164 with '+', else the user id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recipient {
    Phone(Phone),
    UserId(String),
}

impl Recipient {
    /// The recipient as stored; `None` for text that is neither an E.164 number nor a user id.
    pub fn from_stored(value: &str) -> Option<Recipient> {
        if value.starts_with('+') {
            Phone::from_e164(value).ok().map(Recipient::Phone)
        } else if is_user_id(value) {
            Some(Recipient::UserId(value.to_owned()))
        } else {
            None
        }
    }

    /// The customer's recipient: the number when known (Meta recommends it), else the user id.
    pub fn of(phone: Option<&Phone>, user_id: Option<&str>) -> Option<Recipient> {
        match (phone, user_id) {
            (Some(p), _) => Some(Recipient::Phone(p.clone())),
            (None, Some(u)) => Some(Recipient::UserId(u.to_owned())),
            (None, None) => None,
        }
    }

    /// The text stored in `outbox.phone` and compared for the pair limit and tier.
    pub fn as_stored(&self) -> &str {
        match self {
            Recipient::Phone(p) => p.as_e164(),
            Recipient::UserId(u) => u,
        }
    }
}

impl From<&Phone> for Recipient {
    fn from(p: &Phone) -> Recipient {
        Recipient::Phone(p.clone())
    }
}

impl From<&Recipient> for Recipient {
    fn from(r: &Recipient) -> Recipient {
        r.clone()
    }
}

impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_stored())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de(s: &str) -> Result<String, PhoneError> {
        Phone::parse(s, Region::DE).map(|p| p.as_e164().to_owned())
    }

    #[test]
    fn german_ways_of_writing_a_mobile_number() {
        for input in [
            "0171 1234567",
            "0171/1234567",
            "0171-123 45 67",
            "01711234567",
            "+49 171 1234567",
            "+49 (0)171 1234567",
            "+49(0)1711234567",
            "0049 171 1234567",
            "00491711234567",
            "491711234567",
            "+491711234567",
            "  0171 1234567  ",
            "0171.123.45.67",
            "(0171) 1234567",
            "tel:+49-171-1234567",
            "0171\u{a0}1234567",
        ] {
            assert_eq!(de(input), Ok("+491711234567".to_owned()), "input {input:?}");
        }
    }

    #[test]
    fn other_german_numbers() {
        assert_eq!(de("0151 23456789"), Ok("+4915123456789".to_owned()));
        assert_eq!(de("0160 1234567"), Ok("+491601234567".to_owned()));
        assert_eq!(de("030 12345678"), Ok("+493012345678".to_owned()));
        assert_eq!(de("089 1234567"), Ok("+49891234567".to_owned()));
        assert_eq!(de("05021 12345"), Ok("+49502112345".to_owned()));
    }

    #[test]
    fn foreign_numbers() {
        assert_eq!(de("+43 664 1234567"), Ok("+436641234567".to_owned()));
        assert_eq!(de("0043 664 1234567"), Ok("+436641234567".to_owned()));
        assert_eq!(de("+41 79 123 45 67"), Ok("+41791234567".to_owned()));
        assert_eq!(de("+31 6 12345678"), Ok("+31612345678".to_owned()));
        assert_eq!(de("+1 650 555 1234"), Ok("+16505551234".to_owned()));
        assert_eq!(de("+44 7911 123456"), Ok("+447911123456".to_owned()));
        let at: Region = "at".parse().unwrap();
        assert_eq!(Phone::parse("0664 1234567", at).unwrap().as_e164(), "+436641234567");
    }

    #[test]
    fn invalid_numbers_are_refused_with_a_reason() {
        assert_eq!(de(""), Err(PhoneError::Empty));
        assert_eq!(de("   "), Err(PhoneError::Empty));
        assert_eq!(de("0171"), Err(PhoneError::TooShort));
        assert_eq!(de("123"), Err(PhoneError::TooShort));
        assert!(matches!(de("0171 123456x"), Err(PhoneError::InvalidCharacters(c)) if c == "x"));
        assert!(matches!(de("Hans Müller"), Err(PhoneError::InvalidCharacters(_))));
        assert!(matches!(de("0171*1234567"), Err(PhoneError::InvalidCharacters(_))));
        assert!(matches!(de("0171+1234567"), Err(PhoneError::InvalidCharacters(_))));
        assert_eq!(de("0171 12345678901234567"), Err(PhoneError::TooLong));
        assert!(de("+999 1234567").is_err());
        assert!(de("0000 000000").is_err());
        assert!(de("+49 171 12").is_err());
        assert!(de("+49 99 1").is_err());
    }

    #[test]
    fn errors_explain_themselves_in_both_languages() {
        let e = de("0171").unwrap_err();
        assert!(e.localized(Lang::De).contains("zu wenige Ziffern"), "{}", e.localized(Lang::De));
        assert!(e.localized(Lang::De).contains("0171 1234567"));
        assert!(e.localized(Lang::En).contains("too few digits"));
    }

    #[test]
    fn line_kind_and_display() {
        let mobile = Phone::parse("0171 1234567", Region::DE).unwrap();
        assert_eq!(mobile.line_kind(), LineKind::Mobile);
        assert_eq!(mobile.display(), "+49 171 1234567");
        assert!(mobile.display_for(Region::DE).starts_with("0171"));
        assert_eq!(mobile.wa_id(), "491711234567");
        let landline = Phone::parse("030 12345678", Region::DE).unwrap();
        assert_eq!(landline.line_kind(), LineKind::Landline);
    }

    #[test]
    fn stored_forms_are_used_and_equal_the_computed_ones() {
        for input in ["0171 1234567", "01511 2345678", "030 12345678", "+43 664 1234567", "+1 650 555 1234"] {
            let p = Phone::parse(input, Region::DE).unwrap();
            let cached = Phone::from_stored(p.as_e164()).unwrap().with_formats(p.formats());
            assert_eq!(cached.display_for(Region::DE), p.display_for(Region::DE), "{input}");
            assert_eq!(cached.display(), p.display(), "{input}");
            assert_eq!(cached, p, "equality ignores the cached forms");
        }
        let at: Region = "AT".parse().unwrap();
        let p = Phone::parse("0171 1234567", Region::DE).unwrap();
        assert_eq!(p.clone().with_formats(p.formats()).display_for(at), "+49 171 1234567");
    }

    #[test]
    fn region_prefixes_match_the_metadata() {
        for r in ["DE", "AT", "CH", "NL", "BE", "FR", "LU", "DK", "PL", "CZ", "IT", "SE"] {
            let region: Region = r.parse().unwrap();
            let meta = phonenumber::metadata::DATABASE.by_id(r).unwrap();
            let expected = (format!("+{}", meta.country_code()), meta.national_prefix().unwrap_or("").to_owned());
            assert_eq!(region.prefixes(), Some(expected), "{r}");
        }
    }

    #[test]
    fn serde_round_trip_and_stored_form() {
        let p = Phone::parse("0171 1234567", Region::DE).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"+491711234567\"");
        let back: Phone = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        assert!(Phone::from_e164("01711234567").is_err());
    }

    #[test]
    fn stored_values_are_checked_for_shape_only() {
        let p = Phone::parse("0171 1234567", Region::DE).unwrap();
        assert_eq!(Phone::from_stored(p.as_e164()), Ok(p));
        for bad in ["", "+", "491711234567", "+49 171 1234567", "+0171234567", "+12345", "+1234567890123456", "+49171x"]
        {
            assert_eq!(Phone::from_stored(bad), Err(PhoneError::NotValid), "{bad:?}");
        }
    }

    #[test]
    fn user_ids_and_recipients() {
        assert!(is_user_id("US.13491208655302741918"));
        assert!(is_user_id("DE.ENT.11815799212886844830"));
        for bad in [
            "",
            "US.",
            "us.123",
            "USA.1",
            "+491711234567",
            "US.12-3",
            "491711234567",
            &format!("DE.{}", "1".repeat(129)),
        ] {
            assert!(!is_user_id(bad), "{bad}");
        }
        let phone = Phone::parse("0171 1234567", Region::DE).unwrap();
        assert_eq!(Recipient::from_stored("+491711234567"), Some(Recipient::Phone(phone.clone())));
        assert_eq!(Recipient::from_stored("DE.77"), Some(Recipient::UserId("DE.77".into())));
        assert_eq!(Recipient::from_stored("4917"), None);
        assert_eq!(Recipient::of(Some(&phone), Some("DE.77")), Some(Recipient::Phone(phone)));
        assert_eq!(Recipient::of(None, Some("DE.77")).unwrap().as_stored(), "DE.77");
        assert_eq!(Recipient::of(None, None), None);
    }
}
