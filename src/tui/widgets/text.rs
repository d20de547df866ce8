//! Fitting text into terminal cells: display widths (Unicode, wide emoji, combining marks), cutting with a visible
//! ellipsis so nothing is cut silently, and making data text safe to print. Must not style or lay out.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::domain::customer::display_safe;

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    s.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// Text from data made printable: control characters escaped, line breaks shown as spaces.
pub fn safe(s: &str) -> Cow<'_, str> {
    if s.contains(['\n', '\r', '\t']) {
        let flat: String = s.chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect();
        Cow::Owned(display_safe(&flat).into_owned())
    } else {
        display_safe(s)
    }
}

/// Cuts `s` to at most `max` cells; a cut is marked with `ellipsis` (which counts into `max`).
pub fn cut(s: &str, max: usize, ellipsis: &str) -> String {
    if width(s) <= max {
        return s.to_owned();
    }
    let room = max.saturating_sub(width(ellipsis));
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = UnicodeWidthStr::width(g);
        if used + w > room {
            break;
        }
        out.push_str(g);
        used += w;
    }
    if max >= width(ellipsis) {
        out.push_str(ellipsis);
    }
    out
}

/// Cuts from the left (for paths: the file name matters most).
pub fn cut_left(s: &str, max: usize, ellipsis: &str) -> String {
    if width(s) <= max {
        return s.to_owned();
    }
    let room = max.saturating_sub(width(ellipsis));
    let mut tail: Vec<&str> = Vec::new();
    let mut used = 0;
    for g in s.graphemes(true).rev() {
        let w = UnicodeWidthStr::width(g);
        if used + w > room {
            break;
        }
        tail.push(g);
        used += w;
    }
    tail.reverse();
    format!("{ellipsis}{}", tail.concat())
}

/// A path cut at a separator from the left (`…/hofbote/hofbote.sqlite`), so no directory name is half shown.
pub fn cut_path(path: &str, max: usize, ellipsis: &str) -> String {
    if width(path) <= max {
        return path.to_owned();
    }
    let parts: Vec<&str> = path.split('/').collect();
    for start in 1..parts.len() {
        let tail = format!("{ellipsis}/{}", parts[start..].join("/"));
        if width(&tail) <= max {
            return tail;
        }
    }
    cut_left(path, max, ellipsis)
}

/// Exactly `cells` wide: cut with an ellipsis or padded with spaces.
pub fn fit(s: &str, cells: usize, ellipsis: &str) -> String {
    let mut out = cut(s, cells, ellipsis);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

/// Right-aligned in `cells`.
pub fn fit_right(s: &str, cells: usize, ellipsis: &str) -> String {
    let cut = cut(s, cells, ellipsis);
    let pad = cells.saturating_sub(width(&cut));
    format!("{}{cut}", " ".repeat(pad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_count_cells_not_bytes() {
        assert_eq!(width("Müller"), 6);
        assert_eq!(width("Mu\u{308}ller"), 6);
        assert_eq!(width("Hofcafé 🐄"), 10);
    }

    #[test]
    fn cutting_marks_the_cut_and_never_splits_a_grapheme() {
        assert_eq!(cut("Hans-Peter Großmann", 10, "…"), "Hans-Pete…");
        assert_eq!(cut("kurz", 10, "…"), "kurz");
        assert_eq!(cut("🐄🐄🐄", 4, "…"), "🐄…");
        assert_eq!(cut("Mu\u{308}ller", 3, "~"), "Mu\u{308}~");
        assert_eq!(fit("ab", 4, "…"), "ab  ");
        assert_eq!(fit_right("7", 3, "…"), "  7");
        assert_eq!(cut_left("/home/bauer/daten/hofbote.sqlite", 16, "…"), "…/hofbote.sqlite");
        assert_eq!(cut_path("/home/bauer/daten/hofbote.sqlite", 24, "…"), "…/daten/hofbote.sqlite");
        assert_eq!(cut_path("/home/bauer/daten/hofbote.sqlite", 29, "..."), ".../daten/hofbote.sqlite");
        assert_eq!(cut_path("/a/hofbote.sqlite", 5, "…"), "…lite");
    }

    #[test]
    fn data_text_cannot_reach_the_terminal_raw() {
        assert_eq!(safe("Zeile 1\nZeile\t2"), "Zeile 1 Zeile 2");
        assert_eq!(safe("Böse\u{1b}[2J"), "Böse^[[2J");
    }
}

/// `s` without its first `cells` display cells (what a scrolled text field shows).
pub fn skip_cells(s: &str, cells: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for g in s.graphemes(true) {
        if used >= cells {
            out.push_str(g);
        }
        used += width(g);
    }
    out
}

/// Word-wraps `s` into lines of at most `cells` (long words are cut hard).
pub fn wrap(s: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        let candidate_width = if line.is_empty() { width(word) } else { width(&line) + 1 + width(word) };
        if candidate_width <= cells {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word.to_owned();
        while width(&rest) > cells {
            let mut head = cut(&rest, cells, "");
            if head.is_empty() {
                // A grapheme wider than the line: it goes on a line of its own.
                head = rest.graphemes(true).next().unwrap_or_default().to_owned();
            }
            rest = rest[head.len()..].to_owned();
            lines.push(head);
        }
        line = rest;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod wrap_tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_cuts_long_words() {
        assert_eq!(
            wrap("Telefonnummer ungültig: zu wenige Ziffern.", 16),
            ["Telefonnummer", "ungültig: zu", "wenige Ziffern."]
        );
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("", 5), [""]);
    }
}
