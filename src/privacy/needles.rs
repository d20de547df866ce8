//! Finding one person in text and JSON: their number in every usual spelling (E.164, digits as in `wa_id`, national
//! `0171 …`, `+49 (0)171 …`, `0049…`), their WhatsApp message ids (wamids, which encode the number), their WhatsApp
//! user id and, for log lines, their name. Used by the export (to pick their parts out of raw webhook bodies) and by
//! the erasure (to delete or mask them). Pure: no IO. Must not match a different number that merely shares digits
//! (0171 1234567 is not 0171 12345678).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::domain::phone::{Phone, Recipient};

/// What identifies one person in stored text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needles {
    /// `+491711234567`; for a person known only by user id, the user id (as `outbox.phone` holds it), and then
    /// `country_code` and `nsn` are empty.
    pub e164: String,
    /// Country calling code, e.g. `49`.
    pub country_code: String,
    /// National significant number, e.g. `1711234567`.
    pub nsn: String,
    pub wamids: BTreeSet<String>,
    pub user_id: Option<String>,
    /// Only used for log lines (a name alone in a database field of someone else is not theirs).
    pub name: Option<String>,
}

/// Replaces a masked value in a kept webhook body.
pub const MASK: &str = "[gelöscht]";

impl Needles {
    /// The person as the store's erasure and export queries match them.
    pub fn person(&self, customer_id: Option<i64>) -> crate::store::erasure::Person<'_> {
        crate::store::erasure::Person {
            customer_id,
            e164: &self.e164,
            digits: self.digits(),
            user_id: self.user_id.as_deref(),
        }
    }

    /// The needles of a recipient: a number in all its spellings, or a business-scoped user id (no digits to match).
    pub fn for_recipient(recipient: &Recipient) -> Needles {
        match recipient {
            Recipient::Phone(p) => Needles::new(p),
            Recipient::UserId(u) => Needles {
                e164: u.clone(),
                country_code: String::new(),
                nsn: String::new(),
                wamids: BTreeSet::new(),
                user_id: Some(u.clone()),
                name: None,
            },
        }
    }

    pub fn new(phone: &Phone) -> Needles {
        let digits = phone.wa_id().to_owned();
        let country_code = phonenumber::parse(None, phone.as_e164())
            .map(|n| n.code().value().to_string())
            .unwrap_or_else(|_| digits.chars().take(2).collect());
        let nsn = digits.strip_prefix(&country_code).unwrap_or(&digits).to_owned();
        Needles {
            e164: phone.as_e164().to_owned(),
            country_code,
            nsn,
            wamids: BTreeSet::new(),
            user_id: None,
            name: None,
        }
    }

    /// Digits as WhatsApp writes `wa_id` (`491711234567`).
    pub fn digits(&self) -> String {
        format!("{}{}", self.country_code, self.nsn)
    }

    /// National form without spaces (`01711234567`).
    pub fn national(&self) -> String {
        format!("0{}", self.nsn)
    }

    /// Whether a run of digits (separators removed) is this number with one of the usual prefixes.
    fn is_number(&self, digits: &str) -> bool {
        if self.nsn.is_empty() {
            return false;
        }
        let Some(prefix) = digits.strip_suffix(self.nsn.as_str()) else { return false };
        let cc = &self.country_code;
        prefix.is_empty()
            || prefix == "0"
            || prefix == cc
            || prefix == format!("00{cc}")
            || prefix == format!("{cc}0")
            || prefix == format!("00{cc}0")
    }

    /// Whether `text` mentions the number (any spelling), one of the wamids or the user id.
    pub fn matches_text(&self, text: &str) -> bool {
        if self.wamids.iter().any(|w| contains_token(text, w)) {
            return true;
        }
        if self.user_id.as_deref().is_some_and(|u| !u.is_empty() && contains_token(text, u)) {
            return true;
        }
        digit_runs(text)
            .iter()
            .any(|groups| (0..groups.len()).any(|i| (i..groups.len()).any(|j| self.is_number(&groups[i..=j].concat()))))
    }

    /// Like [`Needles::matches_text`], and also the name (for log lines).
    pub fn matches_line(&self, line: &str) -> bool {
        self.matches_text(line) || self.name.as_deref().is_some_and(|n| !n.trim().is_empty() && line.contains(n))
    }

    /// Every spelling used to search a raw byte dump in tests and checks: E.164, digits, national.
    pub fn spellings(&self) -> Vec<String> {
        if self.nsn.is_empty() {
            return vec![self.e164.clone()];
        }
        vec![self.e164.clone(), self.digits(), self.national()]
    }
}

/// `needle` occurs in `text` and is not just the start or end of a longer token.
fn contains_token(text: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '=' | '+' | '/' | '_' | '-' | '.');
    text.match_indices(needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric()) && !after.is_some_and(is_token_char)
    })
}

/// Groups of digits that are written together as one number: digits separated by at most three of ` -/.()` (and
/// no-break spaces). A `+` starts a new number.
fn digit_runs(text: &str) -> Vec<Vec<String>> {
    let mut runs: Vec<Vec<String>> = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut separators = 0;
    let close = |groups: &mut Vec<String>, current: &mut String| {
        if !current.is_empty() {
            groups.push(std::mem::take(current));
        }
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            current.push(c);
            separators = 0;
        } else if matches!(c, ' ' | '-' | '/' | '.' | '(' | ')' | '\u{a0}' | '\u{202f}') && separators < 3 {
            close(&mut groups, &mut current);
            separators += 1;
        } else {
            close(&mut groups, &mut current);
            if !groups.is_empty() {
                runs.push(std::mem::take(&mut groups));
            }
            separators = 0;
        }
    }
    close(&mut groups, &mut current);
    if !groups.is_empty() {
        runs.push(groups);
    }
    runs
}

/// Whether an object's own (not nested) values mention the person.
fn concerns_directly(map: &serde_json::Map<String, Value>, needles: &Needles) -> bool {
    map.values().any(|v| match v {
        Value::String(s) => needles.matches_text(s),
        Value::Number(n) => needles.matches_text(&n.to_string()),
        _ => false,
    })
}

/// Removes from a webhook body every array element that directly concerns the person (their message, status or
/// contact entry) and masks any other string that mentions them. Returns whether anything changed.
pub fn redact_json(value: &mut Value, needles: &Needles) -> bool {
    match value {
        Value::Array(items) => {
            let before = items.len();
            items.retain(|it| !it.as_object().is_some_and(|m| concerns_directly(m, needles)));
            let mut changed = items.len() != before;
            for it in items.iter_mut() {
                changed |= redact_json(it, needles);
            }
            changed
        }
        Value::Object(map) => {
            let mut changed = false;
            for v in map.values_mut() {
                changed |= redact_json(v, needles);
            }
            changed
        }
        Value::String(s) if needles.matches_text(s) => {
            *s = MASK.to_owned();
            true
        }
        _ => false,
    }
}

/// The parts of a webhook body that concern the person (for the export): the array elements [`redact_json`] would
/// remove.
pub fn extract_json(value: &Value, needles: &Needles, out: &mut Vec<Value>) {
    match value {
        Value::Array(items) => {
            for it in items {
                if it.as_object().is_some_and(|m| concerns_directly(m, needles)) {
                    out.push(it.clone());
                } else {
                    extract_json(it, needles, out);
                }
            }
        }
        Value::Object(map) => map.values().for_each(|v| extract_json(v, needles, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::phone::Region;

    fn anna() -> Needles {
        let mut n = Needles::new(&Phone::parse("0171 1234567", Region::DE).unwrap());
        n.wamids.insert("wamid.HBgMNDkxNzExMjM0NTY3FQIAERgSQUJD".into());
        n.name = Some("Anna Weiß".into());
        n
    }

    #[test]
    fn every_usual_spelling_of_the_number_matches() {
        let n = anna();
        assert_eq!((n.country_code.as_str(), n.nsn.as_str()), ("49", "1711234567"));
        for text in [
            "from=+491711234567",
            "wa_id 491711234567",
            "Tel. 0171 1234567!",
            "0171/123 45 67",
            "+49 (0)171 1234567",
            "0049 171 1234567",
            "rows 3 0171-1234567",
            "id wamid.HBgMNDkxNzExMjM0NTY3FQIAERgSQUJD done",
        ] {
            assert!(n.matches_text(text), "{text}");
        }
    }

    #[test]
    fn a_neighbouring_or_longer_number_does_not_match() {
        let n = anna();
        for text in [
            "+491711234568",
            "0171 1234568",
            "017112345678",
            "2026-11-27T09:00:00.171123Z",
            "wamid.HBgMNDkxNzExMjM0NTY3FQIAERgSQUJDX",
            "Anna Weiß",
        ] {
            assert!(!n.matches_text(text), "{text}");
        }
        assert!(n.matches_line("customer Anna Weiß added"));
    }

    #[test]
    fn redaction_removes_only_the_persons_entries() {
        let n = anna();
        let mut body = serde_json::json!({"entry": [{"changes": [{"value": {
            "contacts": [{"wa_id": "491711234567", "profile": {"name": "Anna"}},
                         {"wa_id": "491711234568", "profile": {"name": "Anna W."}}],
            "messages": [{"from": "491711234567", "id": "wamid.A", "text": {"body": "Hallo"}},
                         {"from": "491711234568", "id": "wamid.B", "text": {"body": "Anrufen: 0171 1234567"}}]
        }}]}]});
        let mut found = Vec::new();
        extract_json(&body, &n, &mut found);
        assert_eq!(found.len(), 2);
        assert!(redact_json(&mut body, &n));
        let text = body.to_string();
        assert!(!text.contains("491711234567") && !text.contains("Hallo") && !text.contains("\"Anna\""), "{text}");
        assert!(text.contains("491711234568") && text.contains(MASK), "{text}");
        assert!(!redact_json(&mut body, &n), "a second pass changes nothing");
    }
}
