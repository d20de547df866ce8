//! Plain-text output for people: aligned tables (Unicode widths), German dates in Europe/Berlin, consent symbols.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use unicode_width::UnicodeWidthStr;

use crate::domain::consent::ConsentState;
use crate::domain::customer::display_safe;
use crate::i18n::Lang;

/// A report for the terminal with every control character from data shown escaped (`^[`, `^@`, `\u{9b}`); only the
/// line breaks stay. Every CLI text that carries names, message texts, file cells or paths goes through here (or
/// through [`table`]), so a cell like `ESC ]0;… BEL ESC [2J` cannot retitle or clear the user's terminal.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.split('\n').map(display_safe).collect::<Vec<_>>().join("\n"))
}

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

/// Writes a file only the user can read (it holds personal data): mode 0600, also when the file existed before with
/// a wider mode. Every file hofbote writes with personal data on the user's command goes through here.
pub(crate) fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), super::CliError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let io = |e: std::io::Error| super::CliError::Io { path: path.display().to_string(), message: e.to_string() };
    let mut f = opts.open(path).map_err(io)?;
    #[cfg(unix)]
    {
        // `mode` applies only when the file is created; an older export keeps its 0644 otherwise.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn terminal_safe_keeps_line_breaks_and_escapes_the_rest() {
        assert_eq!(terminal_safe("Müller\nWeiß\n"), "Müller\nWeiß\n");
        assert_eq!(terminal_safe("a\u{1b}]0;x\u{7}\u{1b}[2J\nb\0\r\u{9b}"), "a^[]0;x^G^[[2J\nb^@^M\\u{9b}");
    }

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
