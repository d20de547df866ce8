//! Fuzzy search over prepared text. Haystacks and queries are folded the same way (lower case, accents and umlauts
//! removed, ß as ss: "muller" and "müller" both find "Müller", in NFC or NFD), so almost every haystack is plain
//! ASCII. Matching is a fast subsequence test per search word (all words must match) — the same condition as
//! nucleo-matcher's fuzzy match — and only when few rows match are they ranked by nucleo's score. Adding a
//! character can only narrow the result, so the caller may search within the last result.
//! Must not know what is being searched.

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// Above this many hits the result keeps the list order: ranking tens of thousands of one-letter matches helps
/// nobody and would cost a frame.
pub const RANK_LIMIT: usize = 2_000;

pub use crate::domain::fold::fold;

/// Text prepared for searching (folded). Kept as plain text: almost always ASCII after folding, so it is matched
/// byte by byte and needs no copy as UTF-32 (issue 15: the customer list's memory).
pub fn haystack(text: &str) -> String {
    fold(text)
}

/// A search query, ready to test many haystacks.
pub struct Fuzzy {
    matcher: Matcher,
    words: Vec<String>,
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
        Fuzzy { matcher: Matcher::new(Config::DEFAULT), words: Vec::new(), atoms: Vec::new(), query: String::new() }
    }
}

fn is_subsequence<T: PartialEq>(needle: &[T], hay: &[T]) -> bool {
    let mut it = hay.iter();
    needle.iter().all(|n| it.any(|h| h == n))
}

impl Fuzzy {
    /// Sets the query; returns whether the new query only narrows the previous one (it extends it).
    pub fn set_query(&mut self, query: &str) -> bool {
        let narrows = !self.query.is_empty() && query.starts_with(self.query.as_str());
        self.query = query.to_owned();
        self.words = fold(query).split_whitespace().map(str::to_owned).collect();
        self.atoms = self
            .words
            .iter()
            .map(|w| Atom::new(w, CaseMatching::Respect, Normalization::Never, AtomKind::Fuzzy, false))
            .collect();
        narrows
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether every search word is a subsequence of the haystack (a [`haystack`]).
    pub fn matches(&self, hay: &str) -> bool {
        if hay.is_ascii() {
            self.words.iter().all(|w| is_subsequence(w.as_bytes(), hay.as_bytes()))
        } else {
            self.words.iter().all(|w| {
                let mut it = hay.chars();
                w.chars().all(|n| it.any(|h| h == n))
            })
        }
    }

    /// nucleo's score for ranking (higher is better); `None` if it does not match.
    pub fn score(&mut self, hay: &str) -> Option<u32> {
        let mut buf = Vec::new();
        let slice = Utf32Str::new(hay, &mut buf);
        let mut total = 0u32;
        for a in &self.atoms {
            total += u32::from(a.score(slice, &mut self.matcher)?);
        }
        Some(total)
    }

    /// Filters `candidates` (in list order) and, if few match, ranks them best first; ties keep list order.
    pub fn filter<'a>(&mut self, candidates: impl Iterator<Item = (usize, &'a str)>) -> Vec<usize> {
        let hits: Vec<(usize, &str)> = candidates.filter(|(_, h)| self.matches(h)).collect();
        if hits.len() > RANK_LIMIT {
            return hits.into_iter().map(|(i, _)| i).collect();
        }
        let mut scored: Vec<(u32, usize, usize)> =
            hits.into_iter().enumerate().map(|(pos, (i, h))| (self.score(h).unwrap_or(0), pos, i)).collect();
        scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, _, i)| i).collect()
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
        assert_eq!(hits("Müller", &names), ["Jörg Müller 01711234567 Rind", "Mu\u{308}ller, Ana"]);
        assert_eq!(hits("anna eier", &names), ["Anna Weiß 0172 Eier"]);
        assert_eq!(hits("weiss", &names), ["Anna Weiß 0172 Eier"]);
        assert_eq!(hits("0171", &names), ["Jörg Müller 01711234567 Rind"]);
        assert_eq!(hits("cafe", &names), ["Hofcafé 🐄"]);
        assert_eq!(hits("", &names).len(), 4);
    }

    #[test]
    fn subsequence_test_agrees_with_nucleo() {
        let names = ["jörg müller", "helga sommer eier geflügel", "björn åberg", "ömer yılmaz", "Зоя Петрова"];
        for query in ["mül", "jorg", "er", "zz", "gel", "ya", "пет", "ö m"] {
            let mut f = Fuzzy::default();
            f.set_query(query);
            for n in names {
                let h = haystack(n);
                assert_eq!(f.matches(&h), f.score(&h).is_some(), "{query:?} in {n:?}");
            }
        }
    }

    #[test]
    fn few_hits_are_ranked_many_keep_list_order() {
        let mut f = Fuzzy::default();
        f.set_query("mül");
        let hays: Vec<String> =
            ["helga sommer geflügel", "jörg müller", "ingrid böhm mül"].iter().map(|s| haystack(s)).collect();
        assert_eq!(f.filter(hays.iter().map(String::as_str).enumerate()), [1, 2, 0]);
        let many: Vec<String> = (0..RANK_LIMIT + 1).map(|i| haystack(&format!("x{i} müller"))).collect();
        let result = f.filter(many.iter().map(String::as_str).enumerate());
        assert_eq!(result.len(), RANK_LIMIT + 1);
        assert!(result.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn extending_the_query_is_reported_as_narrowing() {
        let mut f = Fuzzy::default();
        assert!(!f.set_query("mü"));
        assert!(f.set_query("mül"));
        assert!(!f.set_query("mu"));
        assert!(f.set_query("mu x"));
    }

    #[test]
    fn folding_is_the_german_list_order() {
        let mut names = ["Zoë Martin", "Ömer Yılmaz", "olaf", "Müller", "Mu\u{308}ller", "Muller", "Åberg", "Weiß"];
        names.sort_by_key(|n| fold(n));
        assert_eq!(names, ["Åberg", "Müller", "Mu\u{308}ller", "Muller", "olaf", "Ömer Yılmaz", "Weiß", "Zoë Martin"]);
        assert_eq!(fold("Weiß"), "weiss");
    }
}
