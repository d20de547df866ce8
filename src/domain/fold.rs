//! Folding text the German way — lower case, accents and umlauts removed, ß as ss — for searching and for the order
//! of the customer list ("Ömer" next to "Olaf", NFC and NFD alike). The list's order is stored with each customer
//! (`customers.name_key`, indexed), so whoever writes a customer's name writes [`name_key`] beside it.
//! Pure; no IO.

use unicode_normalization::UnicodeNormalization;

/// Lower case without accents, for searching and for sorting names the German way.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(&mut out, s);
    out
}

/// [`fold`], appended to `out` (no allocation of its own). Folding text piece by piece gives the same as folding
/// the pieces joined by spaces.
pub fn fold_into(out: &mut String, s: &str) {
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        return;
    }
    for c in s.nfd() {
        match c {
            '\u{300}'..='\u{36f}' => {}
            'ß' => out.push_str("ss"),
            'ı' => out.push('i'),
            'æ' | 'Æ' => out.push_str("ae"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
}

/// The customer list's order of a name (ties are broken by id): stored as `customers.name_key`. Changing this
/// function needs a migration that sets every `name_key` to NULL (the store then computes them again).
pub fn name_key(name: &str) -> String {
    fold(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_key_sorts_the_german_way() {
        let mut names =
            vec!["Zoë", "Olaf", "Ömer", "anna", "Ärzte", "Bernd", "Mu\u{308}ller", "Müller", "Weiß", "Weis"];
        names.sort_by_key(|n| name_key(n));
        assert_eq!(names, ["anna", "Ärzte", "Bernd", "Mu\u{308}ller", "Müller", "Olaf", "Ömer", "Weis", "Weiß", "Zoë"]);
        assert_eq!(name_key("Mu\u{308}ller"), name_key("Müller"), "NFD and NFC fold alike");
        assert_eq!(name_key("Weiß"), "weiss");
        assert_eq!(name_key("Łukasz Ærø"), "lukasz aero");
        assert_eq!(name_key("HANS-peter"), "hans-peter");
    }

    #[test]
    fn folding_pieces_is_folding_them_joined() {
        let pieces = ["Jörg Müller", "Mu\u{308}ller", "ÆRØ", "", "DE.7001", "+491711234567", "Geflügel"];
        let mut out = String::new();
        for (i, p) in pieces.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            fold_into(&mut out, p);
        }
        assert_eq!(out, fold(&pieces.join(" ")));
    }
}
