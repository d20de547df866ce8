//! The message bubble of the preview: a framed box like a WhatsApp message — header (text in bold, or a media
//! mark), body with WhatsApp's *bold* _italic_ ~strike~ and ```mono``` shown as text styles
//! (`domain::formatting::runs`), footer and time in dim, then one centred line per button. Word-wraps styled text to
//! the box. Pure drawing from the message it is given: never decides what the message says.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_segmentation::UnicodeSegmentation;

use super::text::{cut, safe, width};
use crate::domain::formatting::{self, Style as Fmt};
use crate::tui::theme::Theme;

/// What the bubble shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// A text header (bold) or a media mark like "[Bild]".
    pub header: Option<String>,
    pub body: String,
    pub footer: Option<String>,
    pub buttons: Vec<String>,
    /// "10:00" in the corner.
    pub time: String,
}

fn style_of(f: Fmt, base: Style) -> Style {
    let mut s = base;
    if f.bold {
        s = s.add_modifier(Modifier::BOLD);
    }
    if f.italic {
        s = s.add_modifier(Modifier::ITALIC);
    }
    if f.strike {
        s = s.add_modifier(Modifier::CROSSED_OUT);
    }
    if f.mono {
        s = s.add_modifier(Modifier::DIM);
    }
    s
}

/// Word-wraps styled runs into lines of at most `cells`; words longer than a line are cut hard.
pub fn wrap_runs(runs: &[(String, Style)], cells: usize) -> Vec<Vec<(String, Style)>> {
    let cells = cells.max(1);
    // Split into words and spaces, keeping each piece's style.
    let mut pieces: Vec<(String, Style, bool)> = Vec::new();
    for (text, style) in runs {
        let mut word = String::new();
        for g in text.graphemes(true) {
            if g == " " {
                if !word.is_empty() {
                    pieces.push((std::mem::take(&mut word), *style, false));
                }
                pieces.push((" ".into(), *style, true));
            } else {
                word.push_str(g);
            }
        }
        if !word.is_empty() {
            pieces.push((word, *style, false));
        }
    }
    let mut lines: Vec<Vec<(String, Style)>> = Vec::new();
    let mut line: Vec<(String, Style)> = Vec::new();
    let mut used = 0usize;
    // A word may be split over several runs (e.g. "*Brat*wurst"): glue those pieces as one unit.
    let mut i = 0;
    while i < pieces.len() {
        if pieces[i].2 {
            if used > 0 && used < cells {
                line.push((" ".into(), pieces[i].1));
                used += 1;
            }
            i += 1;
            continue;
        }
        let mut unit: Vec<(String, Style)> = Vec::new();
        while i < pieces.len() && !pieces[i].2 {
            unit.push((pieces[i].0.clone(), pieces[i].1));
            i += 1;
        }
        let unit_w: usize = unit.iter().map(|(t, _)| width(t)).sum();
        if used + unit_w > cells && used > 0 {
            // Drop a trailing space and start a new line.
            if line.last().is_some_and(|(t, _)| t == " ") {
                line.pop();
            }
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        for (text, style) in unit {
            let mut rest = text;
            loop {
                let room = cells - used;
                if width(&rest) <= room {
                    used += width(&rest);
                    line.push((rest, style));
                    break;
                }
                let head = cut(&rest, room, "");
                let head = if head.is_empty() && used == 0 {
                    rest.graphemes(true).next().unwrap_or_default().to_owned()
                } else {
                    head
                };
                if !head.is_empty() {
                    rest = rest[head.len()..].to_owned();
                    line.push((head, style));
                }
                lines.push(std::mem::take(&mut line));
                used = 0;
                if rest.is_empty() {
                    break;
                }
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The lines inside the bubble (without its frame) at `inner` cells.
pub fn lines(msg: &Message, inner: usize, theme: Theme) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = Vec::new();
    let to_line = |parts: Vec<(String, Style)>| {
        Line::from(parts.into_iter().map(|(t, s)| Span::styled(t, s)).collect::<Vec<_>>())
    };
    if let Some(h) = &msg.header {
        let runs = vec![(safe(h).into_owned(), theme.title())];
        out.extend(wrap_runs(&runs, inner).into_iter().map(to_line));
    }
    for raw in msg.body.split('\n') {
        let runs: Vec<(String, Style)> =
            formatting::runs(&safe(raw)).into_iter().map(|(t, f)| (t, style_of(f, theme.base()))).collect();
        out.extend(wrap_runs(&runs, inner).into_iter().map(to_line));
    }
    let mut tail: Vec<Line<'static>> = Vec::new();
    if let Some(f) = &msg.footer {
        let runs = vec![(safe(f).into_owned(), theme.dim())];
        tail.extend(wrap_runs(&runs, inner).into_iter().map(to_line));
    }
    // The time sits at the right end of the last line if there is room, else on its own line.
    let time_w = width(&msg.time);
    let last_w = tail.last().or(out.last()).map(|l| l.width()).unwrap_or(0);
    if !msg.time.is_empty() {
        let target = if tail.is_empty() { &mut out } else { &mut tail };
        if last_w + time_w < inner
            && let Some(last) = target.last_mut()
        {
            last.spans.push(Span::raw(" ".repeat(inner - last_w - time_w)));
            last.spans.push(Span::styled(msg.time.clone(), theme.dim()));
        } else {
            target.push(Line::from(vec![
                Span::raw(" ".repeat(inner.saturating_sub(time_w))),
                Span::styled(msg.time.clone(), theme.dim()),
            ]));
        }
    }
    out.extend(tail);
    if !msg.buttons.is_empty() {
        let rule = if theme.ascii { "-" } else { "─" };
        out.push(Line::styled(rule.repeat(inner), theme.dim()));
        for b in &msg.buttons {
            let label = cut(&safe(b), inner, theme.ellipsis());
            let pad = inner.saturating_sub(width(&label)) / 2;
            out.push(Line::from(vec![Span::raw(" ".repeat(pad)), Span::styled(label, theme.key())]));
        }
    }
    out
}

/// Rows the bubble needs at `w` cells wide (frame included).
pub fn height(msg: &Message, w: u16, theme: Theme) -> u16 {
    lines(msg, (w as usize).saturating_sub(4), theme).len() as u16 + 2
}

/// Draws the bubble into `area` (its width; as tall as needed, cut at the bottom with a mark).
pub fn render(frame: &mut Frame<'_>, area: Rect, msg: &Message, title: &str, theme: Theme) {
    if area.width < 6 || area.height < 3 {
        return;
    }
    let inner_w = (area.width as usize).saturating_sub(4);
    let mut body = lines(msg, inner_w, theme);
    let h = (body.len() as u16 + 2).min(area.height);
    let rect = Rect { height: h, ..area };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(Span::styled(format!(" {} ", cut(title, inner_w, theme.ellipsis())), theme.dim()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let room = inner.height as usize;
    if body.len() > room && room > 0 {
        body.truncate(room);
        if let Some(last) = body.last_mut() {
            *last = Line::styled(theme.ellipsis().to_owned(), theme.dim());
        }
    }
    let padded = Rect { x: inner.x + 1, width: inner.width.saturating_sub(2), ..inner };
    frame.render_widget(Paragraph::new(body), padded);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn plain(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>()).collect()
    }

    #[test]
    fn styled_words_wrap_and_keep_their_style() {
        let theme = Theme::new(true, false);
        let msg = Message { body: "Heute *Bratwurst* und _frische_ ~alte~ Eier".into(), ..Message::default() };
        let l = lines(&msg, 16, theme);
        assert_eq!(plain(&l), ["Heute Bratwurst", "und frische alte", "Eier"]);
        let bold = l[0].spans.iter().find(|s| s.content == "Bratwurst").unwrap();
        assert!(bold.style.add_modifier.contains(Modifier::BOLD));
        let strike = l[1].spans.iter().find(|s| s.content == "alte").unwrap();
        assert!(strike.style.add_modifier.contains(Modifier::CROSSED_OUT));
    }

    #[test]
    fn long_words_are_cut_and_buttons_centred() {
        let theme = Theme::new(false, false);
        let msg = Message {
            header: Some("[Bild]".into()),
            body: "Donaudampfschifffahrt".into(),
            footer: Some("Abmelden: STOP".into()),
            buttons: vec!["Keine Angebote".into()],
            time: "10:00".into(),
        };
        let l = plain(&lines(&msg, 10, theme));
        assert_eq!(l[0], "[Bild]");
        assert_eq!(&l[1..4], ["Donaudampf", "schifffahr", "t"]);
        assert!(l.iter().any(|x| x.ends_with("10:00")));
        assert!(l.last().unwrap().trim() == "Keine Ang…" || l.last().unwrap().contains("Keine"));
    }
}
