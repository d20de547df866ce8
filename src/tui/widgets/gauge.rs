//! The progress gauge of a broadcast: one bar split by row state (read, delivered, sent, queued, failed, skipped),
//! each part with its own glyph as well as colour so it reads without colour too, and the legend with the counts.
//! Pure drawing helpers; never decides what the counts are.

use ratatui::style::{Color, Style};
use ratatui::text::Span;

use crate::domain::sending::state::RowState;
use crate::i18n::Tr;
use crate::store::broadcasts::BroadcastInfo;
use crate::tui::theme::Theme;

/// The legend of the gauge: the state words with counts.
const L_QUEUED: Tr = Tr::new("wartet", "queued");
const L_SENT: Tr = Tr::new("gesendet", "sent");
const L_DELIVERED: Tr = Tr::new("zugestellt", "delivered");
const L_READ: Tr = Tr::new("gelesen", "read");
const L_FAILED: Tr = Tr::new("fehlgeschlagen", "failed");
const L_SKIPPED: Tr = Tr::new("ausgeschlossen", "excluded");
const L_UNKNOWN: Tr = Tr::new("unklar", "unclear");
const L_CANCELLED: Tr = Tr::new("abgebrochen", "cancelled");
const L_HELD: Tr = Tr::new("zurückgehalten", "held");

/// A part of the bar: which states it counts, its glyphs (Unicode, ASCII) and colour.
struct Part {
    states: &'static [RowState],
    glyph: (&'static str, &'static str),
    color: Color,
}

const PARTS: &[Part] = &[
    Part { states: &[RowState::Read], glyph: ("█", "#"), color: Color::Green },
    Part { states: &[RowState::Delivered], glyph: ("▓", "="), color: Color::Green },
    Part { states: &[RowState::Accepted, RowState::Inflight], glyph: ("▒", "-"), color: Color::Cyan },
    Part { states: &[RowState::Held], glyph: ("~", "~"), color: Color::Yellow },
    Part { states: &[RowState::Failed, RowState::Unknown], glyph: ("x", "x"), color: Color::Red },
    Part { states: &[RowState::Queued], glyph: ("░", "."), color: Color::DarkGray },
];

/// The bar, `cells` wide, for the rows that are not skipped or cancelled.
pub fn bar(info: &BroadcastInfo, cells: usize, theme: Theme) -> Vec<Span<'static>> {
    let counts: Vec<i64> = PARTS.iter().map(|p| p.states.iter().map(|s| info.count(*s)).sum()).collect();
    let total: i64 = counts.iter().sum();
    let mut spans = Vec::new();
    if total == 0 || cells == 0 {
        spans.push(Span::styled(".".repeat(cells), theme.dim()));
        return spans;
    }
    // Largest remainder, so the parts always fill the bar exactly and no non-empty part vanishes.
    let exact: Vec<f64> = counts.iter().map(|c| *c as f64 * cells as f64 / total as f64).collect();
    let mut widths: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    for (i, c) in counts.iter().enumerate() {
        if *c > 0 && widths[i] == 0 {
            widths[i] = 1;
        }
    }
    while widths.iter().sum::<usize>() > cells {
        if let Some(i) = (0..widths.len()).filter(|i| widths[*i] > 1).max_by_key(|i| widths[*i]) {
            widths[i] -= 1;
        } else {
            break;
        }
    }
    let mut order: Vec<usize> = (0..widths.len()).collect();
    order.sort_by(|a, b| (exact[*b] - exact[*b].floor()).total_cmp(&(exact[*a] - exact[*a].floor())));
    let mut k = 0;
    while widths.iter().sum::<usize>() < cells && k < order.len() * 4 {
        let i = order[k % order.len()];
        if counts[i] > 0 {
            widths[i] += 1;
        }
        k += 1;
    }
    for (part, w) in PARTS.iter().zip(widths) {
        if w == 0 {
            continue;
        }
        let glyph = if theme.ascii { part.glyph.1 } else { part.glyph.0 };
        let style = if theme.color { Style::default().fg(part.color) } else { Style::default() };
        spans.push(Span::styled(glyph.repeat(w), style));
    }
    spans
}

/// "wartet 3 · gesendet 10 · zugestellt 8 · gelesen 5 · fehlgeschlagen 1 · ausgeschlossen 12" (zeros left out,
/// except when everything is zero).
pub fn legend(info: &BroadcastInfo, lang: crate::i18n::Lang, dot: &str) -> String {
    let items = [
        (L_QUEUED, info.count(RowState::Queued)),
        (L_SENT, info.count(RowState::Accepted) + info.count(RowState::Inflight)),
        (L_DELIVERED, info.count(RowState::Delivered)),
        (L_READ, info.count(RowState::Read)),
        (L_HELD, info.count(RowState::Held)),
        (L_FAILED, info.count(RowState::Failed)),
        (L_UNKNOWN, info.count(RowState::Unknown)),
        (L_CANCELLED, info.count(RowState::Cancelled)),
        (L_SKIPPED, info.count(RowState::Skipped)),
    ];
    let parts: Vec<String> = items
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| format!("{} {}", l.get(lang), crate::tui::text::number(*n)))
        .collect();
    if parts.is_empty() { format!("{} 0", L_QUEUED.get(lang)) } else { parts.join(dot) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeMap;

    fn info(counts: &[(&str, i64)]) -> BroadcastInfo {
        BroadcastInfo {
            id: 1,
            template: "t".into(),
            language: "de".into(),
            params: Default::default(),
            audience: crate::domain::broadcast::Audience::All,
            state: crate::domain::sending::BroadcastState::Sending,
            state_reason: Default::default(),
            scheduled_at: None,
            created_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
            created_by: String::new(),
            counts: counts.iter().map(|(k, v)| (k.parse().unwrap(), *v)).collect::<BTreeMap<_, _>>(),
            unknown_since: None,
            next_queued: None,
            backup_taken_at: None,
        }
    }

    #[test]
    fn the_bar_is_always_exactly_as_wide_and_small_parts_show() {
        let t = Theme::new(false, true);
        for (counts, cells) in [
            (vec![("read", 5), ("delivered", 8), ("accepted", 10), ("queued", 3), ("failed", 1)], 20),
            (vec![("read", 997), ("failed", 1), ("queued", 2)], 10),
            (vec![("queued", 1)], 7),
        ] {
            let spans = bar(&info(&counts), cells, t);
            let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
            assert_eq!(text.chars().count(), cells, "{counts:?} -> {text}");
            if counts.iter().any(|(k, _)| *k == "failed") {
                assert!(text.contains('x'), "a single failure is visible: {text}");
            }
        }
        let l = legend(&info(&[("queued", 3), ("read", 2), ("skipped", 4)]), crate::i18n::Lang::De, " · ");
        assert_eq!(l, "wartet 3 · gelesen 2 · ausgeschlossen 4");
    }
}
