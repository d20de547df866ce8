//! WhatsApp's text formatting for the preview bubble: `*bold*`, `_italic_`, `~strike~` and ```` ```mono``` ````, split
//! into styled runs. Markers only count at word boundaries, like in WhatsApp. Pure.

/// How a run of text is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
    pub mono: bool,
}

/// Splits one line into styled runs.
pub fn runs(line: &str) -> Vec<(String, Style)> {
    let chars: Vec<char> = line.chars().collect();
    let mut out: Vec<(String, Style)> = Vec::new();
    let mut style = Style::default();
    let mut buf = String::new();
    let mut i = 0;
    let push = |buf: &mut String, style: Style, out: &mut Vec<(String, Style)>| {
        if !buf.is_empty() {
            out.push((std::mem::take(buf), style));
        }
    };
    while i < chars.len() {
        if chars[i..].starts_with(&['`', '`', '`']) {
            let closing = (i + 3..chars.len().saturating_sub(2)).find(|&j| chars[j..].starts_with(&['`', '`', '`']));
            if style.mono || closing.is_some() {
                push(&mut buf, style, &mut out);
                style.mono = !style.mono;
                i += 3;
                continue;
            }
        }
        let c = chars[i];
        let marker = match c {
            '*' => Some(0),
            '_' => Some(1),
            '~' => Some(2),
            _ => None,
        };
        if let (Some(m), false) = (marker, style.mono) {
            let on = [style.bold, style.italic, style.strike][m];
            let prev = if i == 0 { None } else { Some(chars[i - 1]) };
            let next = chars.get(i + 1).copied();
            let opens = !on
                && prev.is_none_or(|p| !p.is_alphanumeric())
                && next.is_some_and(|n| !n.is_whitespace())
                && chars[i + 1..].iter().enumerate().any(|(k, x)| {
                    *x == c
                        && k > 0
                        && !chars[i + k].is_whitespace()
                        && chars.get(i + 2 + k).is_none_or(|a| !a.is_alphanumeric())
                });
            let closes = on && prev.is_some_and(|p| !p.is_whitespace()) && next.is_none_or(|n| !n.is_alphanumeric());
            if opens || closes {
                push(&mut buf, style, &mut out);
                match m {
                    0 => style.bold = !style.bold,
                    1 => style.italic = !style.italic,
                    _ => style.strike = !style.strike,
                }
                i += 1;
                continue;
            }
        }
        buf.push(c);
        i += 1;
    }
    push(&mut buf, style, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b() -> Style {
        Style { bold: true, ..Style::default() }
    }

    #[test]
    fn bold_italic_strike() {
        assert_eq!(runs("*Neu:* Honig"), vec![("Neu:".into(), b()), (" Honig".into(), Style::default())]);
        let r = runs("_frisch_ und ~teuer~");
        assert_eq!(r[0], ("frisch".into(), Style { italic: true, ..Style::default() }));
        assert_eq!(r[2], ("teuer".into(), Style { strike: true, ..Style::default() }));
        assert_eq!(runs("```code```")[0], ("code".into(), Style { mono: true, ..Style::default() }));
    }

    #[test]
    fn markers_inside_words_or_alone_stay_text() {
        assert_eq!(runs("3*4 = 12"), vec![("3*4 = 12".into(), Style::default())]);
        assert_eq!(runs("snake_case_name"), vec![("snake_case_name".into(), Style::default())]);
        assert_eq!(runs("* nicht fett *"), vec![("* nicht fett *".into(), Style::default())]);
        assert_eq!(runs("Preis: 5 € *"), vec![("Preis: 5 € *".into(), Style::default())]);
    }
}
