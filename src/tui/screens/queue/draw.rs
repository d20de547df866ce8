//! Drawing the queue screen: the alerts, the list of broadcasts with their gauges and progress, or the open broadcast.
//! Pure drawing: reads the state, never changes it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::*;
use crate::domain::sending::state::{BroadcastState, RowState};
use crate::domain::sending::words::Words;
use crate::tui::text as app_text;
use crate::tui::widgets::text::{cut, width, wrap};

/// The state words with what the queue screen knows.
pub fn words(env: &Env, sending: &Sending) -> Words {
    Words { lang: env.lang, now: env.now.unwrap_or_else(chrono::Utc::now), unknown_after: sending.unknown_after }
}

/// "noch ca. 12 s" and friends for a broadcast in the list.
fn progress_text(b: &BroadcastInfo, env: &Env, sending: Sending) -> String {
    let lang = env.lang;
    let total: i64 = b.counts.values().sum::<i64>() - b.count(RowState::Skipped);
    let out = total - b.count(RowState::Queued) - b.count(RowState::Inflight) - b.count(RowState::Cancelled);
    let words = words(env, &sending);
    let notes = words.broadcast_notes(&b.facts());
    let dot = env.theme.dot();
    match b.state {
        BroadcastState::Draft => queue_text::DRAFT_HINT.get(lang).to_owned(),
        BroadcastState::Scheduled => queue_text::SCHEDULED_FOR
            .fill(lang, &[&b.scheduled_at.map(|at| app_text::datetime(at, lang)).unwrap_or_default()]),
        BroadcastState::Sending if let Some(wait) = words.broadcast_wait(&b.facts()) => {
            let s = queue_text::DONE_OF.fill(lang, &[&app_text::number(out), &app_text::number(total)]);
            format!("{s}{dot}{wait}")
        }
        BroadcastState::Sending if b.open() > 0 => {
            let rate = sending.rate.max(1) as i64;
            let left = chrono::Duration::milliseconds(b.open() * 1000 / rate);
            let mut s = queue_text::RATE_LEFT.fill(
                lang,
                &[&app_text::number(out), &app_text::number(total), &rate, &app_text::duration(left, lang)],
            );
            if sending.sender == Sender::Off {
                s = format!("{s}{dot}{}", queue_text::NOT_SENDING.get(lang));
            } else if let Some(note) = notes.first() {
                s = format!("{s}{dot}{note}");
            }
            s
        }
        _ => {
            let s = queue_text::DONE_OF.fill(lang, &[&app_text::number(out), &app_text::number(total)]);
            match notes.first() {
                Some(note) => format!("{s}{dot}{note}"),
                None => s,
            }
        }
    }
}

/// Draws the open broadcast or the list of broadcasts (below the alerts, see [`render_alerts`]).
pub fn render(frame: &mut Frame<'_>, area: Rect, v: &QueueView, env: &Env, sending: Sending) {
    match &v.detail {
        Some(d) => detail::render(frame, area, d, v, env, &sending),
        None => render_list(frame, area, v, env, sending),
    }
}

/// Alerts first: while one is open, nothing is sent. Takes their lines off the top of `area`.
pub fn render_alerts(frame: &mut Frame<'_>, area: &mut Rect, v: &QueueView, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let Some(data) = &v.data else { return };
    if data.alerts.is_empty() && data.sender_alert.is_none() {
        return;
    }
    let w = area.width as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(stuck) = &data.sender_alert {
        // Sending waits for the database: what happened and what to do, wrapped, never cut.
        let text = safe(&stuck.text(lang, data.now)).into_owned();
        for part in wrap(&text, w.max(10)).into_iter().take(1 + ALERT_TODO_LINES) {
            lines.push(Line::styled(part, theme.error()));
        }
    }
    for a in &data.alerts {
        // Alerts of stored webhook bodies stop no sending: their own words, not "Versand gestoppt".
        if let Some((what, todo)) = crate::webhook::alert_words(&a.kind, &a.message, lang) {
            lines.push(Line::styled(cut(&what, w, theme.ellipsis()), theme.error()));
            for part in wrap(&queue_text::ALERT_WHAT.fill(lang, &[&todo]), w.max(10)).into_iter().take(ALERT_TODO_LINES)
            {
                lines.push(Line::styled(part, theme.error()));
            }
            continue;
        }
        let (what, todo) = match a.code {
            Some(code) => {
                let info = crate::whatsapp::explain(code);
                let then = super::resolve_words(&a.kind, env);
                (format!("{} [{code}]", info.explanation.get(lang)), format!("{} {then}", info.action.get(lang)))
            }
            None => (safe(&a.message).into_owned(), queue_text::ALERT_RESOLVE.fill(lang, &[&super::resolve_key(env)])),
        };
        if super::halts_broadcasts(&a.kind) {
            // Meta's review or disabled marketing: what it forbids matters as much as what to do, so both are
            // wrapped (two lines and three, within the alert's five).
            let head = if a.kind == crate::store::outbox::ALERT_MARKETING_DISABLED {
                queue_text::ALERT_MARKETING
            } else {
                queue_text::ALERT
            };
            for part in wrap(&head.fill(lang, &[&what]), w.max(10)).into_iter().take(2) {
                lines.push(Line::styled(part, theme.error()));
            }
            let todo = wrap(&queue_text::ALERT_WHAT.fill(lang, &[&todo]), w.max(10));
            for part in todo.into_iter().take(ALERT_TODO_LINES - 1) {
                lines.push(Line::styled(part, theme.error()));
            }
            continue;
        }
        // What to do matters most: it is wrapped, never cut (at most four lines).
        lines.push(Line::styled(cut(&queue_text::ALERT.fill(lang, &[&what]), w, theme.ellipsis()), theme.error()));
        for part in wrap(&queue_text::ALERT_WHAT.fill(lang, &[&todo]), w.max(10)).into_iter().take(ALERT_TODO_LINES) {
            lines.push(Line::styled(part, theme.error()));
        }
    }
    let h = (lines.len() as u16).min(area.height);
    frame.render_widget(Paragraph::new(lines), Rect { height: h, ..*area });
    *area = Rect { y: area.y + h, height: area.height - h, ..*area };
}

fn render_list(frame: &mut Frame<'_>, area: Rect, v: &QueueView, env: &Env, sending: Sending) {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    let w = area.width as usize;
    let list = v.broadcasts();
    let replies_key = env.key(Action::Replies);
    let link = if sending.unread > 0 {
        queue_text::REPLIES_LINK.fill(lang, &[&sending.unread, &replies_key])
    } else {
        queue_text::REPLIES_LINK_NONE.fill(lang, &[&replies_key])
    };
    let title = queue_text::LIST_TITLE.fill(lang, &[&list.len()]);
    let pad = w.saturating_sub(width(&title) + width(&link)).max(1);
    let link_style = if sending.unread > 0 { theme.key() } else { theme.dim() };
    let mut lines: Vec<Line<'static>> = vec![Line::from(vec![
        Span::styled(title, theme.title()),
        Span::raw(" ".repeat(pad)),
        Span::styled(cut(&link, w.saturating_sub(2), ell), link_style),
    ])];
    if !v.loaded {
        lines.push(Line::raw(app_text::LOADING.get(lang).to_owned()));
    } else if list.is_empty() {
        lines.push(Line::raw(""));
        for part in wrap(queue_text::EMPTY.get(lang), w.max(10)) {
            lines.push(Line::raw(part));
        }
    }
    let page = ((area.height as usize).saturating_sub(1) / ENTRY_LINES).max(1);
    let window = v.nav.window(list.len(), page);
    for (i, b) in list.iter().enumerate().skip(window.start).take(page) {
        let selected = i == v.nav.selected;
        let mark = if selected { theme.pointer() } else { " " };
        // Nothing in flight and the rest waiting for the quiet hours or Meta's limit: "wartet", not "wird gesendet".
        let waits = b.count(RowState::Inflight) == 0 && words(env, &sending).broadcast_wait(&b.facts()).is_some();
        let state_word =
            if waits { queue_text::WAITING.get(lang) } else { queue_text::broadcast_state(b.state).get(lang) };
        let when = match (b.state, b.scheduled_at) {
            (BroadcastState::Scheduled, Some(at)) => app_text::datetime(at, lang),
            _ => app_text::datetime(b.created_at, lang),
        };
        let head = format!(
            "{mark} {}  {} ({})  {}{}{}{}{}",
            queue_text::NUMBER.fill(lang, &[&b.id]),
            safe(&b.template),
            category_of(v, lang, &b.template),
            state_word,
            theme.dot(),
            when,
            theme.dot(),
            b.audience.describe(lang)
        );
        let style = if selected { theme.selected() } else { theme.title() };
        let head = if selected { fit(&head, w, ell) } else { cut(&head, w, ell) };
        lines.push(Line::styled(head, style));
        let bar_w = (w / 3).clamp(10, 40);
        let mut spans = vec![Span::raw("  [")];
        spans.extend(gauge::bar(b, bar_w, theme));
        spans.push(Span::raw("] "));
        spans.push(Span::raw(cut(&progress_text(b, env, sending), w.saturating_sub(bar_w + 5), ell)));
        lines.push(Line::from(spans));
        let legend = if b.state == BroadcastState::Draft { String::new() } else { gauge::legend(b, lang, theme.dot()) };
        lines.push(Line::styled(cut(&format!("  {legend}"), w, ell), theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// "Werbung" / "Service" of a template as the composer knows it ("" when unknown).
fn category_of(v: &QueueView, lang: crate::i18n::Lang, name: &str) -> String {
    v.data
        .as_ref()
        .and_then(|d| d.categories.iter().find(|(n, _)| n == name))
        .map(|(_, c)| c.label(lang).to_owned())
        .unwrap_or_else(|| app_text::R_TEMPLATE.get(lang).to_owned())
}
