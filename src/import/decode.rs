//! Bytes of an import file to text: a byte-order mark decides first (UTF-8, UTF-16), then valid UTF-8 is taken as
//! UTF-8 and anything else as Windows-1252, which is what German Excel writes. Also decides the CSV delimiter.
//! Pure: no IO, no knowledge of columns or customers.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// The character encoding a file was read with, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl TextEncoding {
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (BOM)",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// Decodes `bytes`; the byte-order mark is removed. Never fails: Windows-1252 maps every byte.
pub fn decode(bytes: &[u8]) -> (String, TextEncoding) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let rest = &bytes[bom_len..];
        let kind = if encoding == UTF_8 {
            TextEncoding::Utf8Bom
        } else if encoding == encoding_rs::UTF_16LE {
            TextEncoding::Utf16Le
        } else {
            TextEncoding::Utf16Be
        };
        let (text, _had_errors) = encoding.decode_without_bom_handling(rest);
        return (text.into_owned(), kind);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), TextEncoding::Utf8),
        Err(_) => {
            let (text, _had_errors) = WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), TextEncoding::Windows1252)
        }
    }
}

/// Decodes bytes that a vCard declared with `CHARSET=…` (quoted-printable values); unknown labels fall back to
/// UTF-8 if valid, else Windows-1252.
pub fn decode_charset(bytes: &[u8], charset: Option<&str>) -> String {
    if let Some(encoding) = charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())) {
        return encoding.decode_without_bom_handling(bytes).0.into_owned();
    }
    decode(bytes).0
}

/// Delimiters we try, in the order that wins a tie (German Excel writes `;`).
const CANDIDATES: [u8; 3] = [b';', b',', b'\t'];

/// How many records are looked at to decide the delimiter.
const SAMPLE: usize = 50;

/// Picks the CSV delimiter: the candidate that gives the header more than one column and the most following rows
/// with the same number of fields (then the most columns). A first line `sep=;` (Excel) decides by itself and is
/// reported so the caller can skip it.
pub fn detect_delimiter(text: &str) -> Delimiter {
    let first_line = text.lines().next().unwrap_or("").trim();
    if let Some(rest) = first_line.strip_prefix("sep=").or_else(|| first_line.strip_prefix("SEP="))
        && let Some(&d) = rest.as_bytes().first()
    {
        return Delimiter { byte: d, sep_line: true };
    }
    let mut best: Option<((usize, usize), u8)> = None;
    for &candidate in &CANDIDATES {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(candidate)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut records = reader.records().take(SAMPLE + 1).map_while(Result::ok);
        let Some(header) = records.next() else { continue };
        let columns = header.len();
        if columns < 2 {
            continue;
        }
        let consistent = records.filter(|r| r.len() == columns).count();
        let score = (consistent, columns);
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    Delimiter { byte: best.map_or(b',', |(_, d)| d), sep_line: false }
}

/// The delimiter and whether the file starts with an Excel `sep=` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiter {
    pub byte: u8,
    pub sep_line: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode("Müller".as_bytes()), ("Müller".to_owned(), TextEncoding::Utf8));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("Weiß".as_bytes());
        assert_eq!(decode(&bom), ("Weiß".to_owned(), TextEncoding::Utf8Bom));
    }

    #[test]
    fn windows_1252_as_german_excel_writes_it() {
        // "Müller;Jörg;Weiß;€" in cp1252.
        let bytes = b"M\xfcller;J\xf6rg;Wei\xdf;\x80";
        assert_eq!(decode(bytes), ("Müller;Jörg;Weiß;€".to_owned(), TextEncoding::Windows1252));
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "Jörg".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode(&bytes), ("Jörg".to_owned(), TextEncoding::Utf16Le));
    }

    #[test]
    fn charset_of_a_vcard_value() {
        assert_eq!(decode_charset(b"M\xfcller", Some("ISO-8859-1")), "Müller");
        assert_eq!(decode_charset("Müller".as_bytes(), Some("UTF-8")), "Müller");
        assert_eq!(decode_charset(b"M\xfcller", Some("x-unknown")), "Müller");
        assert_eq!(decode_charset("Müller".as_bytes(), None), "Müller");
    }

    #[test]
    fn delimiter_semicolon_comma_and_tab() {
        assert_eq!(detect_delimiter("Name;Telefon\nMüller;0171 1234567\n").byte, b';');
        assert_eq!(detect_delimiter("Name,Telefon\nMüller,0171 1234567\n").byte, b',');
        assert_eq!(detect_delimiter("Name\tTelefon\nMüller\t0171 1234567\n").byte, b'\t');
    }

    #[test]
    fn delimiter_inside_quotes_does_not_count() {
        // The header has one `;` and two commas inside quotes: semicolon wins.
        let text = "\"Name, Vorname\";\"Telefon, mobil\"\n\"Müller, Jörg\";0171 1234567\n";
        assert_eq!(detect_delimiter(text).byte, b';');
    }

    #[test]
    fn delimiter_by_consistent_rows_when_the_header_is_ambiguous() {
        // Header splits into 2 both ways; only `;` splits the rows consistently.
        let text = "Name;Telefon, privat\nMüller;0171 1234567\nWeiß;0172 1234567\n";
        assert_eq!(detect_delimiter(text).byte, b';');
        let text = "Name,Notiz; kurz\nMüller,Rind\nWeiß,Eier\n";
        assert_eq!(detect_delimiter(text).byte, b',');
    }

    #[test]
    fn excel_sep_line_decides() {
        assert_eq!(detect_delimiter("sep=;\nName,Telefon;x\n"), Delimiter { byte: b';', sep_line: true });
    }
}
