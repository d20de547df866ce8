//! A small vCard reader for what phones and address books export (2.1, 3.0, 4.0): line unfolding, property groups
//! (`item1.TEL`), parameters in 2.1 and 3.0/4.0 style, quoted-printable with `CHARSET`, text escapes, and the choice
//! of one phone number per card (cell before pref before the rest). It reads only FN, N, TEL, CATEGORIES and NOTE;
//! everything else is listed as ignored. Pure: text in, source records out; it never validates numbers or names.
//!
//! Written for hofbote rather than taken from a crate: the crates found either parse only vCard 4.0 strictly (phones
//! still export 2.1 and 3.0 with quoted-printable) or pull in regex and validators for far more than five properties.

use super::SourceRecord;
use super::decode::decode_charset;

/// What a vCard file holds, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcardContent {
    pub records: Vec<SourceRecord>,
    /// Property names hofbote does not use (e.g. `EMAIL`, `ADR`), each once.
    pub ignored: Vec<String>,
}

/// Why a vCard file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VcardError {
    /// A card that starts on `line` has no `END:VCARD`.
    Unclosed { line: u64 },
    /// No `BEGIN:VCARD` at all.
    NoCards,
}

/// Properties that carry no customer data and are not worth reporting as ignored.
const SILENT: &[&str] = &["VERSION", "PRODID", "UID", "REV", "KIND", "SOURCE", "CLIENTPIDMAP"];

/// A property after unfolding: name, parameters (key upper case, values split at `,`), raw value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Property {
    name: String,
    params: Vec<(String, Vec<String>)>,
    value: String,
}

impl Property {
    fn param(&self, key: &str) -> impl Iterator<Item = &str> {
        self.params.iter().filter(move |(k, _)| k == key).flat_map(|(_, v)| v.iter().map(String::as_str))
    }

    fn has_type(&self, wanted: &str) -> bool {
        self.param("TYPE").any(|t| t.eq_ignore_ascii_case(wanted))
    }

    fn encoding(&self) -> Option<String> {
        self.param("ENCODING").next().map(str::to_ascii_uppercase)
    }

    /// The value as text: quoted-printable decoded with its charset.
    fn text(&self) -> String {
        match self.encoding().as_deref() {
            Some("QUOTED-PRINTABLE") => decode_charset(&quoted_printable(&self.value), self.param("CHARSET").next()),
            _ => self.value.clone(),
        }
    }
}

/// Physical lines joined into logical lines, each with the physical line number where it starts.
fn unfold(text: &str) -> Vec<(u64, String)> {
    let mut out: Vec<(u64, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some((_, current)) = out.last_mut() {
            // Quoted-printable soft line break: `=` at the end continues on the next line.
            if is_quoted_printable(current) && current.ends_with('=') {
                current.pop();
                current.push_str(line.trim_start());
                continue;
            }
            if let Some(rest) = line.strip_prefix([' ', '\t']) {
                current.push_str(rest);
                continue;
            }
        }
        if !line.trim().is_empty() {
            out.push((i as u64 + 1, line.to_owned()));
        }
    }
    out
}

fn is_quoted_printable(line: &str) -> bool {
    let head = line.split(':').next().unwrap_or("");
    head.to_ascii_uppercase().contains("QUOTED-PRINTABLE")
}

/// Splits `s` at `sep` outside double quotes.
fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c == sep && !in_quotes {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

fn parse_property(line: &str) -> Option<Property> {
    let mut in_quotes = false;
    let colon = line.char_indices().find_map(|(i, c)| {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        (c == ':' && !in_quotes).then_some(i)
    })?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = split_outside_quotes(head, ';').into_iter();
    let full_name = parts.next()?.trim();
    // `item1.TEL` (Apple) → `TEL`.
    let name = full_name.rsplit('.').next().unwrap_or(full_name).to_ascii_uppercase();
    let mut params = Vec::new();
    for p in parts {
        let (key, values) = match p.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_uppercase(), v),
            // vCard 2.1 writes bare values: `TEL;CELL;PREF:` or `;QUOTED-PRINTABLE:`.
            None => {
                let bare = p.trim().to_ascii_uppercase();
                let key = match bare.as_str() {
                    "QUOTED-PRINTABLE" | "BASE64" | "B" | "8BIT" | "7BIT" => "ENCODING",
                    _ => "TYPE",
                };
                (key.to_owned(), p)
            }
        };
        // `TYPE="cell,voice"` (4.0) is a list as much as `TYPE=cell,voice` (3.0).
        let values = values
            .trim()
            .trim_matches('"')
            .split(',')
            .map(|v| v.trim().trim_matches('"').to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        params.push((key, values));
    }
    Some(Property { name, params, value: value.to_owned() })
}

/// Decodes `=XX` sequences; malformed ones are kept as they are.
fn quoted_printable(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(&[hi, lo]) = bytes.get(i + 1..i + 3)
            && let (Some(hi), Some(lo)) = (hex(hi), hex(lo))
        {
            out.push(hi << 4 | lo);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Resolves `\,` `\;` `\:` `\\` and `\n`/`\N`.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Splits at `sep` not preceded by a backslash, keeping the escapes.
fn split_raw(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Splits at `sep` not preceded by a backslash, then unescapes each part.
pub fn split_unescaped(s: &str, sep: char) -> Vec<String> {
    split_raw(s, sep).into_iter().map(unescape).collect()
}

/// A phone number from a TEL value: `tel:` URIs lose the scheme and URI parameters (`;ext=…`).
fn tel_value(p: &Property) -> String {
    let v = unescape(p.text().trim());
    match v.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => v[4..].split(';').next().unwrap_or("").to_owned(),
        _ => v,
    }
}

/// Builds one card from its properties.
#[derive(Default)]
struct Card {
    rec: SourceRecord,
    /// (not cell, not pref, order) → number; the smallest key wins.
    phones: Vec<((bool, bool, usize), String)>,
}

impl Card {
    fn add(&mut self, p: &Property, ignored: &mut Vec<String>) {
        if matches!(p.encoding().as_deref(), Some("B" | "BASE64")) {
            note_ignored(&p.name, ignored);
            return;
        }
        match p.name.as_str() {
            "FN" => self.rec.name = unescape(p.text().trim()),
            "N" => {
                // Family;Given;Additional;Prefix;Suffix — each may be a `,` list ("Hans,Peter").
                let text = p.text();
                let parts: Vec<String> = split_raw(&text, ';')
                    .into_iter()
                    .map(|part| {
                        let names = split_unescaped(part, ',');
                        names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()).collect::<Vec<_>>().join(" ")
                    })
                    .collect();
                self.rec.last_name = parts.first().cloned().unwrap_or_default();
                self.rec.first_name = parts.get(1).cloned().unwrap_or_default();
            }
            "TEL" => {
                let number = tel_value(p);
                if !number.is_empty() {
                    let cell = p.has_type("cell") || p.has_type("mobile");
                    let pref = p.has_type("pref") || p.param("PREF").next().is_some();
                    self.phones.push(((!cell, !pref, self.phones.len()), number));
                }
            }
            "CATEGORIES" => {
                self.rec.tags.extend(split_unescaped(&p.text(), ',').into_iter().map(|t| t.trim().to_owned()))
            }
            "NOTE" => {
                let note = unescape(&p.text());
                if !self.rec.note.is_empty() {
                    self.rec.note.push('\n');
                }
                self.rec.note.push_str(note.trim());
            }
            other => note_ignored(other, ignored),
        }
    }

    fn finish(mut self) -> SourceRecord {
        self.phones.sort_by_key(|(key, _)| *key);
        self.rec.phone = self.phones.into_iter().next().map(|(_, n)| n);
        self.rec
    }
}

fn note_ignored(name: &str, ignored: &mut Vec<String>) {
    if !SILENT.contains(&name) && !name.starts_with("X-") && !ignored.iter().any(|i| i == name) {
        ignored.push(name.to_owned());
    }
}

pub fn parse(text: &str) -> Result<VcardContent, VcardError> {
    let mut records = Vec::new();
    let mut ignored = Vec::new();
    let mut current: Option<Card> = None;
    for (line, logical) in unfold(text) {
        let Some(p) = parse_property(&logical) else { continue };
        match p.name.as_str() {
            "BEGIN" if p.value.trim().eq_ignore_ascii_case("VCARD") => {
                if let Some(open) = &current {
                    return Err(VcardError::Unclosed { line: open.rec.line });
                }
                current = Some(Card { rec: SourceRecord { line, ..SourceRecord::default() }, phones: Vec::new() });
            }
            "END" if p.value.trim().eq_ignore_ascii_case("VCARD") => {
                if let Some(card) = current.take() {
                    records.push(card.finish());
                }
            }
            _ => {
                if let Some(card) = current.as_mut() {
                    card.add(&p, &mut ignored);
                }
            }
        }
    }
    if let Some(open) = current {
        return Err(VcardError::Unclosed { line: open.rec.line });
    }
    if records.is_empty() {
        return Err(VcardError::NoCards);
    }
    Ok(VcardContent { records, ignored })
}

#[cfg(test)]
mod tests;
