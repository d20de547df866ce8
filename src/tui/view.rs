//! Draws one frame from the state: header (shop, open database), tabs, the current screen, popups, status line and
//! key hints. Pure drawing: reads the state, never changes it, never does IO.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Screen;
use super::app::{Overlay, State, StatusKind};
use super::screens::consent::form as consent_form;
use super::screens::customers::form as customer_form;
use super::screens::{composer, consent, customers, help, import, queue, replies, settings, welcome};
use super::text;
use super::widgets::text::{cut, cut_path, width};
use super::widgets::{confirm, status_line};

/// Errors may take up to this many lines, so they are never cut.
const MAX_STATUS_LINES: u16 = 3;

/// The smallest window hofbote draws its screens in; below it says so instead of showing a broken screen.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Whether the window is below [`MIN_SIZE`] (then only quitting works: the farmer would type blind).
pub fn too_small(size: (u16, u16)) -> bool {
    size.0 < MIN_SIZE.0 || size.1 < MIN_SIZE.1
}

pub fn render(frame: &mut Frame<'_>, state: &State) {
    let area = frame.area();
    if too_small((area.width, area.height)) {
        render_too_small(frame, area, state);
        return;
    }
    let status_h = if state.status.as_ref().is_some_and(|s| s.kind == StatusKind::Error) {
        status_line::status_height(state.status.as_ref(), state.size.0, state.lang, MAX_STATUS_LINES)
    } else {
        1
    };
    let [header, tabs, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(status_h),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(frame, header, state);
    match &state.welcome {
        Some(w) => welcome::render(
            frame,
            Rect { y: tabs.y, height: tabs.height + body.height, ..body },
            w,
            &state.env(),
            (&state.secrets_label, &state.config_label),
        ),
        None => {
            render_tabs(frame, tabs, state);
            match state.tab {
                Screen::Customers => match &state.import {
                    Some(v) => import::render(frame, body, v, &state.env()),
                    None => customers::render(frame, body, &state.customers, &state.env()),
                },
                Screen::Consent => consent::render(frame, body, &state.consent, &state.env()),
                Screen::Composer => {
                    let shop = super::app::composer_shop(&state.config, &state.actor, state.sender);
                    composer::draw::render(frame, body, &state.composer, &state.env(), &shop);
                }
                Screen::Queue => render_queue(frame, body, state),
                Screen::Settings => {
                    let cx = settings::draw::Context {
                        config: &state.config,
                        sender: state.sender,
                        secrets_label: &state.secrets_label,
                    };
                    settings::render(frame, body, &state.settings, &state.env(), &cx);
                }
            }
        }
    }
    if let Some(overlay) = &state.overlay {
        render_overlay(frame, body, overlay, state);
    }
    if let Some(h) = &state.help {
        help::render(frame, body, h, &state.env());
    }
    if status_h > 1 {
        status_line::render_status_wrapped(frame, status, state.status.as_ref(), state.theme, state.lang);
    } else {
        status_line::render_status(frame, status, state.status.as_ref(), state.theme, state.lang);
    }
    status_line::render_hints(frame, hints, &state.chain(), state.theme, state.lang);
    if state.theme.ascii {
        to_ascii(frame.buffer_mut());
    }
}

/// "Fenster zu klein (mind. 80×24)" with the size now and how to go on, wrapped to the window.
fn render_too_small(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let (theme, lang) = (state.theme, state.lang);
    let times = if theme.ascii { "x" } else { "×" };
    let message = text::TOO_SMALL.fill(
        lang,
        &[&format!("{}{times}{}", MIN_SIZE.0, MIN_SIZE.1), &format!("{}{times}{}", area.width, area.height)],
    );
    let lines: Vec<Line<'static>> = super::widgets::text::wrap(&message, (area.width as usize).max(1))
        .into_iter()
        .map(|l| Line::styled(l, theme.title()))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
    if theme.ascii {
        to_ascii(frame.buffer_mut());
    }
}

fn render_overlay(frame: &mut Frame<'_>, body: Rect, overlay: &Overlay, state: &State) {
    match overlay {
        Overlay::CustomerForm(f) => customer_form::render(frame, body, f, &state.env()),
        Overlay::ConsentForm(f) => consent_form::render(frame, body, f, &state.env()),
        Overlay::Confirm(c) if matches!(c.on_yes, confirm::OnYes::DiscardDraft) => {
            let ctx = super::keymap::Ctx::Discard;
            confirm::render_question(frame, body, &c.question, ctx, state.theme, state.lang);
        }
        Overlay::Confirm(c) => confirm::render(frame, body, c, state.theme, state.lang),
        Overlay::Discard { form, then_quit } => {
            if let Some(form) = form {
                render_overlay(frame, body, form, state);
            }
            let question = if *then_quit { text::DISCARD_AND_QUIT } else { text::DISCARD };
            let ctx = super::keymap::Ctx::Discard;
            confirm::render_question(frame, body, question.get(state.lang), ctx, state.theme, state.lang);
        }
    }
}

/// For terminals that cannot show them (`TERM=linux`): our glyphs become ASCII, and symbols from data that such a
/// terminal lacks (emoji, arrows, dashes) become `?`. Letters, also accented ones, stay.
fn to_ascii(buffer: &mut ratatui::buffer::Buffer) {
    for cell in buffer.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let replacement = match symbol {
            "·" => "-",
            "…" => "~",
            "–" | "—" | "‐" | "─" | "━" => "-",
            "»" | "«" | "„" | "“" | "”" => "\"",
            "‚" | "‘" | "’" => "'",
            "│" | "┃" => "|",
            "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" => "+",
            "•" | "●" => "*",
            "▢" => "_",
            "✓" => "y",
            "✗" => "x",
            "↑" => "^",
            "↓" => "v",
            "←" => "<",
            "→" => ">",
            s if s.chars().all(|c| c.is_alphanumeric() || (c as u32) < 0x100 || is_combining(c)) => continue,
            _ => "?",
        };
        cell.set_symbol(replacement);
    }
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F)
}

fn render_header(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let (theme, lang) = (state.theme, state.lang);
    let w = area.width as usize;
    let shop = if state.shop_name.trim().is_empty() {
        text::NO_SHOP_NAME.get(lang).to_owned()
    } else {
        super::widgets::text::safe(&state.shop_name).into_owned()
    };
    let mut spans = vec![Span::styled(text::APP, theme.header()), Span::raw(theme.dot())];
    let left_w = width(text::APP) + width(theme.dot());
    let demo = if state.demo { text::DEMO.get(lang) } else { "" };
    // Who sends (nothing when nobody can: the queue screen says so where it matters).
    let sender = match state.sender {
        super::app::Sender::Off if !state.connected && !state.demo => {
            format!("{}{}", settings::text::NOT_CONNECTED.get(lang), theme.dot())
        }
        super::app::Sender::Off => String::new(),
        s => {
            // An open stop (Meta's review, a restriction, the token) is said where the farmer always looks.
            let stopped = state
                .queue
                .data
                .as_ref()
                .is_some_and(|d| d.alerts.iter().any(|a| crate::store::alerts::stops_all_sending(&a.kind)));
            let label = if stopped {
                let who = match s {
                    super::app::Sender::InApp => super::screens::queue::text::SENDER_HERE.get(lang),
                    other => other.label(lang),
                };
                super::screens::queue::text::SENDER_STOPPED.fill(lang, &[&who])
            } else {
                s.label(lang).to_owned()
            };
            format!("{}{}{}", super::screens::queue::text::SENDER.get(lang), label, theme.dot())
        }
    };
    // The database path matters most: it gets the room it needs, the shop name what is left (at least a bit), and
    // on narrow screens the label gets short and the path is cut at a directory.
    let room = w.saturating_sub(left_w + width(demo) + 1 + width(&sender));
    let path_w = width(&state.db_label);
    let full_label = text::DB.get(lang);
    let db_label = if path_w + width(full_label) + 14 <= room { full_label } else { text::DB_SHORT.get(lang) };
    let shop_room = room.saturating_sub(path_w + width(db_label) + 2).max(12.min(room / 3));
    let shop = cut(&shop, shop_room, theme.ellipsis());
    let path_room = room.saturating_sub(width(&shop) + 2 + width(db_label));
    let path = cut_path(&state.db_label, path_room, if theme.ascii { "..." } else { "…" });
    spans.push(Span::styled(shop.clone(), theme.title()));
    if state.demo {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(demo.to_owned(), theme.demo_banner()));
    }
    let used: usize = spans.iter().map(|s| width(&s.content)).sum();
    // A path cut to a stub ("DB", "Daten: …") says nothing: then only who sends is shown, never cut.
    let right = if path_room < 12 {
        sender.trim_end_matches(theme.dot()).to_owned()
    } else {
        format!("{sender}{db_label}{path}")
    };
    spans.push(Span::raw(" ".repeat(w.saturating_sub(used + width(&right)).max(1))));
    spans.push(Span::styled(right, theme.dim()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_tabs(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let (theme, lang) = (state.theme, state.lang);
    // The unread replies stay on the queue tab at every width: "(1 Antwort)".
    let badge = match state.unread {
        0 => String::new(),
        1 => format!(" {}", text::TAB_ONE_REPLY.get(lang)),
        n => format!(" {}", text::TAB_REPLIES.fill(lang, &[&n])),
    };
    let tabs = [
        (Screen::Customers, "1", text::TAB_KUNDEN, text::TAB_KUNDEN_SHORT),
        (Screen::Consent, "2", text::TAB_CONSENT, text::TAB_CONSENT_SHORT),
        (Screen::Composer, "3", text::TAB_MESSAGE, text::TAB_MESSAGE_SHORT),
        (Screen::Queue, "4", text::TAB_QUEUE, text::TAB_QUEUE_SHORT),
        (Screen::Settings, "5", settings::text::TITLE, text::TAB_SETTINGS_SHORT),
    ];
    // What fits, in this order: the names with wide separators, with narrow ones, the other tabs' short names, their
    // numbers only (never cut off silently).
    let narrow = if theme.ascii { "|" } else { "│" };
    let label = |i: usize, level: usize| {
        let (screen, key, full, short) = tabs[i];
        let name = match level {
            _ if screen == state.tab => full.get(lang),
            0 | 1 => full.get(lang),
            2 => short.get(lang),
            _ => "",
        };
        let badge = if screen == Screen::Queue { badge.as_str() } else { "" };
        let name = if name.is_empty() { badge.trim_start().to_owned() } else { format!("{name}{badge}") };
        if name.is_empty() { format!(" {key} ") } else { format!(" {key} {name} ") }
    };
    let line_width = |level: usize| {
        let sep = if level == 0 { theme.separator() } else { narrow };
        (0..tabs.len()).map(|i| width(&label(i, level))).sum::<usize>() + (tabs.len() - 1) * width(sep)
    };
    let level = (0..3).find(|l| line_width(*l) <= area.width as usize).unwrap_or(3);
    let sep = if level == 0 { theme.separator() } else { narrow };
    let mut spans = Vec::new();
    for (i, (screen, ..)) in tabs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(sep, theme.dim()));
        }
        let style = if *screen == state.tab { theme.tab_active() } else { theme.tab() };
        spans.push(Span::styled(label(i, level), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The queue tab: the alerts on top, then the open conversation, the open broadcast, the replies or the list.
fn render_queue(frame: &mut Frame<'_>, body: Rect, state: &State) {
    let env = state.env();
    let mut area = body;
    queue::render_alerts(frame, &mut area, &state.queue, &env);
    let sending = queue::Sending {
        sender: state.sender,
        rate: state.config.whatsapp.effective_rate(),
        unread: state.unread,
        unknown_after: chrono::Duration::seconds(state.config.queue.unknown_after_seconds as i64),
    };
    if let Some(c) = &state.replies.conversation {
        replies::render_conversation(frame, area, c, &state.replies.reply_price, &env);
    } else if state.queue.detail.is_none() && state.queue.pane == queue::Pane::Replies {
        replies::render_list(frame, area, &state.replies, state.queue.replies(), state.unread, &env);
    } else {
        queue::render(frame, area, &state.queue, &env, sending);
    }
}
