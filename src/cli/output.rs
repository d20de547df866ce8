//! Plain-text output for people: aligned tables (Unicode widths), German dates in Europe/Berlin, consent symbols.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use unicode_width::UnicodeWidthStr;

use crate::domain::consent::ConsentState;
use crate::domain::customer::display_safe;
use crate::i18n::Lang;

/// Renders rows as an aligned table with a header line.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>, out: &mut String| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            text.push_str(cell);
            if i + 1 < cells.len() {
                text.push_str(&" ".repeat(widths[i].saturating_sub(cell.width()) + 2));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header.iter().map(|h| h.to_string()).collect(), &mut out);
    line(widths.iter().map(|w| "-".repeat(*w)).collect(), &mut out);
    for row in rows {
        line(row.iter().map(|c| display_safe(c).into_owned()).collect(), &mut out);
    }
    out
}

/// ✓ granted, ✗ withdrawn, ? pending, – none (or ASCII: y, x, ?, -).
pub fn consent_symbol(state: ConsentState, ascii: bool) -> &'static str {
    state.glyph(ascii)
}

/// "Fr 27.11.2026 10:00" in Europe/Berlin (German) or "Fri 2026-11-27 10:00" (English).
pub fn datetime(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&Berlin);
    match lang {
        Lang::De => {
            let day = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
                [local.format("%u").to_string().parse::<usize>().unwrap_or(1) - 1];
            format!("{day} {}", local.format("%d.%m.%Y %H:%M"))
        }
        Lang::En => local.format("%a %Y-%m-%d %H:%M").to_string(),
    }
}

/// Whether the terminal can show the consent symbols (`TERM=linux` cannot).
pub fn ascii_terminal() -> bool {
    std::env::var("TERM").map(|t| t == "linux" || t == "dumb").unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn german_date_in_berlin_time() {
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 9, 5, 0).unwrap();
        assert_eq!(datetime(at, Lang::De), "Fr 27.11.2026 10:05");
        assert_eq!(datetime(at, Lang::En), "Fri 2026-11-27 10:05");
    }

    #[test]
    fn table_aligns_by_display_width() {
        let t = table(&["Name", "X"], &[vec!["Jörg".into(), "1".into()], vec!["Ann\u{1b}".into(), "2".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "Name  X");
        assert_eq!(lines[2], "Jörg  1");
        assert_eq!(lines[3], "Ann^[  2");
    }
}
