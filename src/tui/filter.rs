//! Fuzzy search over prepared text (nucleo-matcher): case-insensitive for lower-case input, umlauts found from plain
//! letters ("muller" finds "Müller"), one word per search term, all terms must match. Only fuzzy atoms are used (no
//! special syntax), so adding a character can only narrow the result — the caller may search within the last result.
//! Must not know what is being searched.

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32String};
use unicode_normalization::UnicodeNormalization;

/// A search query, ready to test many haystacks.
pub struct Fuzzy {
    matcher: Matcher,
    atoms: Vec<Atom>,
    query: String,
}

impl std::fmt::Debug for Fuzzy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fuzzy").field("query", &self.query).finish()
    }
}

impl Default for Fuzzy {
    fn default() -> Self {
        Fuzzy { matcher: Matcher::new(Config::DEFAULT), atoms: Vec::new(), query: String::new() }
    }
}

/// Text prepared for searching (NFC first, so a name stored in NFD matches the same as in NFC).
pub fn haystack(text: &str) -> Utf32String {
    Utf32String::from(text.nfc().collect::<String>())
}

impl Fuzzy {
    /// Sets the query; returns whether the new query only narrows the previous one (it extends it).
    pub fn set_query(&mut self, query: &str) -> bool {
        let narrows = !self.query.is_empty() && query.starts_with(self.query.as_str());
        self.query = query.to_owned();
        let normalized: String = query.nfc().collect();
        self.atoms = normalized
            .split_whitespace()
            .map(|w| Atom::new(w, CaseMatching::Smart, Normalization::Smart, AtomKind::Fuzzy, false))
            .collect();
        narrows
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn is_empty(&self) -> bool {
        self.atoms.is_empty()
    }

    /// Whether every term matches.
    pub fn matches(&mut self, hay: &Utf32String) -> bool {
        let slice = hay.slice(..);
        self.atoms.iter().all(|a| a.score(slice, &mut self.matcher).is_some())
    }

    /// A score for ranking (higher is better), or `None` if it does not match.
    pub fn score(&mut self, hay: &Utf32String) -> Option<u32> {
        let slice = hay.slice(..);
        let mut total = 0u32;
        for a in &self.atoms {
            total += u32::from(a.score(slice, &mut self.matcher)?);
        }
        Some(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(query: &str, names: &[&str]) -> Vec<String> {
        let mut f = Fuzzy::default();
        f.set_query(query);
        names.iter().filter(|n| f.matches(&haystack(n))).map(|n| n.to_string()).collect()
    }

    #[test]
    fn finds_umlauts_nfd_and_several_terms() {
        let names = ["Jörg Müller 01711234567 Rind", "Mu\u{308}ller, Ana", "Anna Weiß 0172 Eier", "Hofcafé 🐄"];
        assert_eq!(hits("muller", &names), ["Jörg Müller 01711234567 Rind", "Mu\u{308}ller, Ana"]);
        assert_eq!(hits("müller", &names), ["Jörg Müller 01711234567 Rind", "Mu\u{308}ller, Ana"]);
        assert_eq!(hits("anna eier", &names), ["Anna Weiß 0172 Eier"]);
        assert_eq!(hits("0171", &names), ["Jörg Müller 01711234567 Rind"]);
        assert_eq!(hits("cafe", &names), ["Hofcafé 🐄"]);
        assert_eq!(hits("", &names).len(), 4);
    }

    #[test]
    fn extending_the_query_is_reported_as_narrowing() {
        let mut f = Fuzzy::default();
        assert!(!f.set_query("mü"));
        assert!(f.set_query("mül"));
        assert!(!f.set_query("mu"));
        assert!(f.set_query("mu x"));
    }
}
