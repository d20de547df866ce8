//! One broadcast in detail: its gauge and every recipient with state and time; failures and unclear rows first,
//! the excluded and cancelled ones last.
//! For the selected row the panel at the bottom says what went wrong in German (Meta's code explained by
//! `whatsapp::explain`, with what to do), and for rows in state `unknown` offers the choice: send again or count as
//! sent. Must not perform IO.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::{Env, Outcome};
use super::QueueView;
use super::text as queue_text;
use crate::domain::sending::state::RowState;
use crate::store::broadcasts::{BroadcastInfo, OutboxRow};
use crate::tui::keymap::Action;
use crate::tui::msg::Effect;
use crate::tui::nav::Nav;
use crate::tui::text;
use crate::tui::widgets::gauge;
use crate::tui::widgets::text::{cut, fit, safe, wrap};

/// A loaded list of recipient rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RowsData {
    pub broadcast_id: i64,
    pub rows: Vec<OutboxRow>,
    /// What the broadcast cost: estimated and billed by Meta (issue 14 §2).
    pub costs: Option<DetailCosts>,
}

/// The broadcast's costs at the configured prices.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailCosts {
    pub estimate: f64,
    pub billed: f64,
    pub currency: String,
}

impl DetailCosts {
    pub fn of(line: &crate::domain::broadcast::costs::CostLine, prices: &crate::config::Prices) -> DetailCosts {
        DetailCosts {
            estimate: line.estimate(prices).unwrap_or(0.0),
            billed: line.billed_amount(prices).0,
            currency: prices.currency.clone(),
        }
    }
}

/// The open detail.
#[derive(Debug, Clone)]
pub struct Detail {
    pub id: i64,
    /// Problems first (failed, unclear), then the others in name order.
    pub rows: Vec<OutboxRow>,
    pub loaded: bool,
    pub nav: Nav,
    /// The whole message is shown on top (Enter).
    pub show_text: bool,
    pub costs: Option<DetailCosts>,
}

impl Detail {
    pub fn new(id: i64) -> Detail {
        Detail { id, rows: Vec::new(), loaded: false, nav: Nav::default(), show_text: false, costs: None }
    }

    pub fn selected(&self) -> Option<&OutboxRow> {
        self.rows.get(self.nav.selected)
    }
}

/// Lines below the table for the selected row's explanation.
const PANEL: usize = 4;
/// Lines above the table: title, gauge, legend, the message's text, column heads.
const HEAD: usize = 5;

fn page(size: (u16, u16)) -> usize {
    (crate::tui::screens::body_height(size) as usize).saturating_sub(HEAD + PANEL).max(1)
}

pub fn loaded(v: &mut QueueView, env: &Env, data: RowsData) {
    let page = page(env.size);
    let Some(d) = &mut v.detail else { return };
    if d.id != data.broadcast_id {
        return;
    }
    let keep = d.selected().map(|r| r.id);
    d.rows = sorted(data.rows);
    d.costs = data.costs;
    d.loaded = true;
    if let Some(pos) = keep.and_then(|id| d.rows.iter().position(|r| r.id == id)) {
        d.nav.selected = pos;
    }
    d.nav.clamp(d.rows.len(), page);
}

/// Failed rows first, then the ones with an unknown outcome, then the rest; skipped and cancelled last.
fn sorted(mut rows: Vec<OutboxRow>) -> Vec<OutboxRow> {
    let rank = |r: &OutboxRow| match r.state.as_str() {
        "failed" => 0,
        "unknown" => 1,
        "skipped" | "cancelled" => 3,
        _ => 2,
    };
    rows.sort_by_key(rank);
    rows
}

/// Whether `data` is what the open detail already shows (a reload that changes nothing).
pub fn shows(d: Option<&Detail>, data: &RowsData) -> bool {
    d.is_some_and(|d| d.id == data.broadcast_id && d.loaded && d.rows == sorted(data.rows.clone()))
}

pub fn on_action(v: &mut QueueView, env: &Env, action: Action) -> Vec<Outcome> {
    let page = page(env.size);
    let lang = env.lang;
    let Some(d) = &mut v.detail else { return Vec::new() };
    match action {
        Action::Back | Action::Open if d.show_text => {
            d.show_text = false;
            Vec::new()
        }
        Action::Open => {
            d.show_text = true;
            Vec::new()
        }
        Action::Back => {
            v.detail = None;
            Vec::new()
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home | Action::End => {
            d.nav.apply(action, d.rows.len(), page);
            Vec::new()
        }
        Action::SendAgain | Action::MarkSent => match d.selected() {
            // Unclear after a restore: decided for all of the broadcast's unclear rows at once, after asking.
            Some(r) if r.state == RowState::Restored => {
                let id = d.id;
                let n = d.rows.iter().filter(|r| r.state == RowState::Restored).count();
                let send_again = action == Action::SendAgain;
                let when = v
                    .broadcasts()
                    .iter()
                    .find(|b| b.id == id)
                    .and_then(|b| b.backup_taken_at)
                    .map(|t| crate::tui::text::datetime(t, lang))
                    .unwrap_or_else(|| "?".into());
                let question = if send_again { queue_text::RESTORED_SEND } else { queue_text::RESTORED_MARK };
                vec![Outcome::Confirm(crate::tui::widgets::confirm::Confirm {
                    question: question.fill(lang, &[&n, &when]),
                    on_yes: crate::tui::widgets::confirm::OnYes::DecideRestored { broadcast: id, send_again },
                })]
            }
            Some(r) if r.state == RowState::Unknown => {
                vec![Outcome::Effect(Effect::DecideUnknown { row: r.id, send_again: action == Action::SendAgain })]
            }
            _ => vec![Outcome::Info(queue_text::NOT_UNKNOWN.get(lang).to_owned())],
        },
        Action::Pause | Action::Resume | Action::CancelBroadcast | Action::RetryFailed => {
            let id = d.id;
            let Some(b) = v.broadcasts().iter().find(|b| b.id == id) else { return Vec::new() };
            super::broadcast_action(env, id, &b.template, b.state, action)
        }
        _ => Vec::new(),
    }
}

/// The explanation panel of a row: what happened and what to do.
fn panel(r: &OutboxRow, env: &Env) -> Vec<(String, bool)> {
    let lang = env.lang;
    match (r.state, r.error_code) {
        (RowState::Failed, Some(code)) => {
            let info = crate::whatsapp::explain(code);
            vec![
                (queue_text::FAILURE.fill(lang, &[&code, &info.explanation.get(lang)]), true),
                (queue_text::FAILURE_DO.fill(lang, &[&info.action.get(lang)]), false),
            ]
        }
        (RowState::Restored, _) => vec![(
            queue_text::RESTORED_CHOICE.fill(lang, &[&env.key(Action::SendAgain), &env.key(Action::MarkSent)]),
            true,
        )],
        (RowState::Unknown, _) => vec![(
            queue_text::UNKNOWN_CHOICE.fill(lang, &[&env.key(Action::SendAgain), &env.key(Action::MarkSent)]),
            true,
        )],
        _ if !r.reason.is_none() => vec![(r.reason.explain(lang), false)],
        _ => Vec::new(),
    }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, d: &Detail, v: &QueueView, env: &Env, sending: &super::Sending) {
    let words = super::draw::words(env, sending);
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    let w = area.width as usize;
    let info: Option<&BroadcastInfo> = v.broadcasts().iter().find(|b| b.id == d.id);
    let mut lines: Vec<Line<'static>> = Vec::new();
    match info {
        Some(b) => {
            let mut title = queue_text::DETAIL_TITLE
                .fill(lang, &[&b.id, &safe(&b.template), &queue_text::broadcast_state(b.state).get(lang)]);
            if let Some(c) = &d.costs {
                let money = |a: f64| crate::domain::broadcast::format_money(a, &c.currency, lang);
                title.push_str(&queue_text::DETAIL_COSTS.fill(lang, &[&money(c.estimate), &money(c.billed)]));
            }
            lines.push(Line::styled(cut(&title, w, ell), theme.title()));
            let bar_w = w.saturating_sub(4).min(60);
            let mut spans = vec![Span::raw("[")];
            spans.extend(gauge::bar(b, bar_w, theme));
            spans.push(Span::raw("]"));
            lines.push(Line::from(spans));
            let mut legend = gauge::legend(b, lang, theme.dot());
            for note in words.broadcast_notes(&b.facts()) {
                legend = format!("{legend}{}{note}", theme.dot());
            }
            lines.push(Line::styled(cut(&legend, w, ell), theme.dim()));
            lines.push(Line::styled(cut(&safe(&text_line(b, v, lang)), w, ell), theme.base()));
        }
        None => {
            lines.push(Line::styled(queue_text::NUMBER.fill(lang, &[&d.id]), theme.title()));
            lines.push(Line::raw(""));
            lines.push(Line::raw(""));
            lines.push(Line::raw(""));
        }
    }
    let name_w = (w / 3).clamp(10, 30);
    let state_w = 15;
    let time_w = 17;
    let note_w = w.saturating_sub(1 + name_w + 1 + state_w + 1 + time_w + 1);
    let head = format!(
        " {} {} {} {}",
        fit(queue_text::COL_NAME.get(lang), name_w, ell),
        fit(queue_text::COL_STATE.get(lang), state_w, ell),
        fit(queue_text::COL_TIME.get(lang), time_w, ell),
        queue_text::COL_NOTE.get(lang)
    );
    lines.push(Line::styled(fit(&head, w, ell), theme.column_title()));
    if !d.loaded {
        lines.push(Line::raw(text::LOADING.get(lang).to_owned()));
    } else if d.rows.is_empty() {
        lines.push(Line::raw(queue_text::ROWS_EMPTY.get(lang).to_owned()));
    }
    let page = (area.height as usize).saturating_sub(HEAD + PANEL).max(1);
    let window = d.nav.window(d.rows.len(), page);
    for (i, r) in d.rows.iter().enumerate().skip(window.start).take(page) {
        let selected = i == d.nav.selected;
        let name = if r.name.is_empty() { queue_text::ERASED.get(lang).to_owned() } else { safe(&r.name).into_owned() };
        let word = r.state.label().get(lang);
        let note = match (r.state, r.error_code) {
            (RowState::Failed, Some(code)) => format!("[{code}] {}", crate::whatsapp::explain(code).class.label(lang)),
            (RowState::Held, _) => queue_text::HELD_NOTE.get(lang).to_owned(),
            (RowState::Queued | RowState::Unknown | RowState::Restored, _) if words.row(&r.facts()) != word => {
                words.row(&r.facts())
            }
            _ if !r.reason.is_none() => r.reason.explain(lang),
            _ => String::new(),
        };
        let text = format!(
            "{}{} {} {} {}",
            if selected { theme.pointer() } else { " " },
            fit(&name, name_w, ell),
            fit(word, state_w, ell),
            fit(&text::datetime_short(r.updated_at, lang), time_w, ell),
            cut(&note, note_w, ell)
        );
        let style = match (selected, r.state) {
            (true, _) => theme.selected(),
            (false, RowState::Failed | RowState::Unknown | RowState::Restored) => theme.error(),
            (false, RowState::Skipped | RowState::Cancelled) => theme.dim(),
            _ => theme.base(),
        };
        lines.push(Line::styled(if selected { fit(&text, w, ell) } else { text }, style));
    }
    // The panel for the selected row, at the bottom.
    let body = Paragraph::new(lines);
    frame.render_widget(body, Rect { height: area.height.saturating_sub(PANEL as u16), ..area });
    if d.show_text
        && let Some(b) = info
    {
        render_message(frame, area, b, v, env);
        return;
    }
    let Some(r) = d.selected() else { return };
    let mut panel_lines: Vec<Line<'static>> = Vec::new();
    for (text, strong) in panel(r, env) {
        for part in wrap(&text, w.max(10)) {
            panel_lines.push(Line::styled(part, if strong { theme.error() } else { theme.base() }));
        }
    }
    panel_lines.truncate(PANEL);
    if area.height as usize > PANEL + HEAD {
        let y = area.y + area.height - PANEL as u16;
        frame.render_widget(Paragraph::new(panel_lines), Rect { y, height: PANEL as u16, ..area });
    }
}

/// The one line of the message's text in the head of the detail.
fn text_line(b: &BroadcastInfo, v: &QueueView, lang: crate::i18n::Lang) -> String {
    let templates = v.data.as_ref().map(|d| d.templates.as_slice()).unwrap_or_default();
    match super::message_text(b, templates, lang) {
        Some(t) => queue_text::TEXT_LINE.fill(lang, &[&t.replace('\n', " ")]),
        None => {
            let values: Vec<&str> = b.params.body.values().map(String::as_str).collect();
            queue_text::TEXT_UNKNOWN.fill(lang, &[&b.template, &values.join(", ")])
        }
    }
}

/// The whole message in a window (Enter in the detail).
fn render_message(frame: &mut Frame<'_>, area: Rect, b: &BroadcastInfo, v: &QueueView, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let templates = v.data.as_ref().map(|d| d.templates.as_slice()).unwrap_or_default();
    let text = super::message_text(b, templates, lang).unwrap_or_else(|| text_line(b, v, lang));
    let w = area.width.saturating_sub(4).min(70);
    let inner_w = w.saturating_sub(4) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for para in text.split('\n') {
        lines.extend(wrap(&safe(para), inner_w.max(10)).into_iter().map(Line::raw));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(queue_text::MESSAGE_FOOTER.get(lang).to_owned(), theme.dim()));
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = crate::tui::widgets::popup::centered(area, w, h);
    let title = format!("{} · {}", queue_text::MESSAGE_TITLE.fill(lang, &[&b.id]), safe(&b.template));
    let inner = crate::tui::widgets::popup::open(frame, rect, &title, theme);
    frame.render_widget(Paragraph::new(lines), inner);
}
