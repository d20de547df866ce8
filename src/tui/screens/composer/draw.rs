//! Drawing the composer: the template list (approved ones to choose, the others greyed with their status), the form
//! with one field per placeholder, audience and counts, warnings, and the live preview bubble beside it (below it on
//! narrow screens); also the excluded list popup. Pure drawing: reads the state, never changes it.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::Env;
use super::text as compose_text;
use super::{ComposerView, Shop};
use super::{Draft, Focus};
use crate::domain::template::{Header, Params, Template, fill};
use crate::i18n::{Lang, Localized};
use crate::tui::keymap::Action;
use crate::tui::text;
use crate::tui::widgets::bubble::{self, Message};
use crate::tui::widgets::popup;
use crate::tui::widgets::text::{cut, fit, safe, skip_cells, width, wrap};

/// The bubble for a template filled with one customer's values.
pub fn bubble_message(template: &Template, params: &Params, now: DateTime<Utc>, lang: Lang) -> Message {
    let header = match &template.header {
        Some(Header::Text { text }) => Some(fill(text, |_| params.header.clone())),
        Some(Header::Image) => Some(compose_text::MEDIA_IMAGE.get(lang).to_owned()),
        Some(Header::Video) => Some(compose_text::MEDIA_VIDEO.get(lang).to_owned()),
        Some(Header::Document) => Some(compose_text::MEDIA_DOCUMENT.get(lang).to_owned()),
        Some(Header::Location) => Some(compose_text::MEDIA_LOCATION.get(lang).to_owned()),
        Some(Header::Other { format }) => Some(format!("[{format}]")),
        None => None,
    };
    let buttons = template
        .buttons
        .iter()
        .map(|b| {
            use crate::domain::template::Button as B;
            match b {
                B::QuickReply { text } | B::Url { text, .. } | B::PhoneNumber { text, .. } | B::Other { text, .. } => {
                    text.clone()
                }
            }
        })
        .collect();
    let time = now.with_timezone(&chrono_tz::Europe::Berlin).format("%H:%M").to_string();
    Message { header, body: template.render_body(params), footer: template.footer.clone(), buttons, time }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, v: &ComposerView, env: &Env, shop: &Shop) {
    if let Some(r) = &v.review {
        super::review::render(frame, area, r, env, shop);
    } else if let Some(d) = &v.draft {
        render_edit(frame, area, d, v, env, shop);
    } else {
        render_picker(frame, area, v, env);
    }
    if v.excluded.is_some() {
        render_excluded(frame, area, v, env);
    }
    if let Some(nav) = &v.recent_pick {
        render_recent(frame, area, v, *nav, env);
    }
}

/// The list of recent broadcasts to repeat: number, template, date, state, values; newest first.
fn render_recent(frame: &mut Frame<'_>, area: Rect, v: &ComposerView, nav: crate::tui::nav::Nav, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    let w = area.width.saturating_sub(4).min(76);
    let h = area.height.saturating_sub(2).min(v.recent.len() as u16 + 3).max(5);
    let rect = popup::centered(area, w, h);
    let inner = popup::open(frame, rect, compose_text::RECENT_TITLE.get(lang), theme);
    let iw = inner.width as usize;
    let room = inner.height.saturating_sub(1) as usize;
    let window = nav.window(v.recent.len(), room);
    let name_w = v.recent.iter().map(|b| width(&b.template)).max().unwrap_or(10).min(iw / 3);
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (i, b) in v.recent.iter().enumerate().skip(window.start).take(room) {
        let selected = i == nav.selected;
        let mark = if selected { theme.pointer() } else { " " };
        let values: Vec<&str> = b.params.body.values().map(String::as_str).filter(|s| !s.contains('{')).collect();
        let row = format!(
            "{mark} {} {} {}{}{}",
            fit(&safe(&b.template), name_w, ell),
            text::date(b.created_at, lang),
            b.state.label().get(lang),
            theme.dot(),
            safe(&values.join(", ")),
        );
        let style = if selected { theme.selected() } else { theme.base() };
        lines.push(Line::styled(fit(&row, iw, ell), style));
    }
    lines.push(Line::styled(cut(compose_text::RECENT_FOOTER.get(lang), iw, ell), theme.dim()));
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_picker(frame: &mut Frame<'_>, area: Rect, v: &ComposerView, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    let w = area.width as usize;
    let mut lines: Vec<Line<'static>> =
        vec![Line::styled(cut(compose_text::PICK_TITLE.get(lang), w, ell), theme.title())];
    match super::to_hint(v, lang) {
        // Opened with `m` for marked customers: who it is for, instead of the general hint.
        Some(to) => {
            for part in wrap(&safe(&to), w.max(10)).into_iter().take(2) {
                lines.push(Line::styled(part, theme.title()));
            }
        }
        None => {
            for part in wrap(compose_text::PICK_HINT.get(lang), w.max(10)).into_iter().take(2) {
                lines.push(Line::styled(part, theme.dim()));
            }
        }
    }
    if !v.loaded {
        lines.push(Line::raw(text::LOADING.get(lang).to_owned()));
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    if v.templates.is_empty() {
        lines.push(Line::raw(""));
        for part in wrap(&compose_text::NO_TEMPLATES.fill(lang, &[&env.key(Action::Sync)]), w.max(10)) {
            lines.push(Line::raw(part));
        }
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let name_w = v.templates.iter().map(|t| width(&t.name)).max().unwrap_or(10).min(w / 3).max(8);
    let cat_w = 9;
    let status_w = 12;
    let rest = w.saturating_sub(2 + name_w + 1 + cat_w + 1 + status_w + 1);
    let page = (area.height as usize).saturating_sub(lines.len());
    let window = v.nav.window(v.templates.len(), page);
    for (i, tpl) in v.templates.iter().enumerate().skip(window.start).take(page) {
        let selectable = i < v.selectable;
        let selected = selectable && i == v.nav.selected;
        let mark = if selected { theme.pointer() } else { " " };
        let mut note_warns = false;
        let note = if !selectable {
            if tpl.is_approved() {
                compose_text::AUTH_TEMPLATE.get(lang).to_owned()
            } else {
                compose_text::NOT_SELECTABLE.get(lang).to_owned()
            }
        } else {
            let now = v.now.or(env.now).unwrap_or(DateTime::<Utc>::MIN_UTC);
            let archived = v
                .last_of(&tpl.name)
                .and_then(|b| crate::domain::template::archival::archive_warning(Some(b.created_at), now));
            note_warns = archived.is_some();
            match v.last_of(&tpl.name) {
                // Meta archives a template unused for 12 months: say so from the tenth (a seasonal one).
                Some(_) if archived.is_some() => {
                    compose_text::ARCHIVE_SOON.fill(lang, &[&archived.map(|a| text::date(a, lang)).unwrap_or_default()])
                }
                Some(b) => compose_text::LAST_SENT.fill(
                    lang,
                    &[
                        &text::date(b.created_at, lang),
                        &text::number(
                            b.counts.values().sum::<i64>() - b.count(crate::domain::sending::state::RowState::Skipped),
                        ),
                    ],
                ),
                None => compose_text::NEVER_SENT.get(lang).to_owned(),
            }
        };
        let text = format!(
            "{mark} {} {} {} {}",
            fit(&safe(&tpl.name), name_w, ell),
            fit(tpl.category.label(lang), cat_w, ell),
            fit(&tpl.status.label(lang), status_w, ell),
            cut(&note, rest, ell)
        );
        let style = if !selectable {
            theme.dim()
        } else if selected {
            theme.selected()
        } else if note_warns {
            theme.error()
        } else {
            theme.base()
        };
        let text = if selected { fit(&text, w, ell) } else { text };
        lines.push(Line::styled(text, style));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Width of the preview column beside the form (0: the preview goes below).
fn preview_width(area: Rect) -> u16 {
    if area.width >= 72 { (area.width * 45 / 100).min(52) } else { 0 }
}

fn render_edit(frame: &mut Frame<'_>, area: Rect, d: &Draft, v: &ComposerView, env: &Env, shop: &Shop) {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    let pw = preview_width(area);
    let left = Rect { width: area.width - pw, ..area };
    let w = left.width.saturating_sub(1) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut cursor: Option<Position> = None;
    let title = compose_text::EDIT_TITLE.fill(lang, &[&d.template.name, &d.template.category.label(lang)]);
    let title = match d.repeat_of {
        Some(id) => format!("{title} · {}", compose_text::REPEAT_TITLE.fill(lang, &[&id])),
        None => title,
    };
    lines.push(Line::styled(cut(&title, w, ell), theme.title()));
    lines.push(Line::styled(
        cut(&compose_text::PURPOSE_LINE.fill(lang, &[&d.purpose.label().get(lang)]), w, ell),
        theme.dim(),
    ));
    let label_w = d
        .fields
        .iter()
        .map(|f| width(&f.label))
        .chain([width(compose_text::F_WHEN.get(lang)), width(compose_text::F_AUDIENCE.get(lang))])
        .max()
        .unwrap_or(8)
        + 3;
    let value_w = w.saturating_sub(label_w).max(4);
    let field_line = |label: &str, focused: bool| {
        let marker = if focused { theme.pointer() } else { " " };
        let style = if focused { theme.title() } else { theme.base() };
        vec![Span::raw(format!("{marker} ")), Span::styled(fit(label, label_w - 2, ell), style)]
    };
    let mut input_line = |lines: &mut Vec<Line<'static>>,
                          label: &str,
                          input: &tui_input::Input,
                          hint: &str,
                          error: Option<&String>,
                          focused: bool| {
        let mut spans = field_line(label, focused);
        let inner = value_w.saturating_sub(1).max(1);
        let scroll = input.visual_scroll(inner);
        let shown: String = skip_cells(input.value(), scroll);
        let style = if focused { theme.focus() } else { theme.input() };
        spans.push(Span::styled(fit(&safe(&shown), inner, ""), style));
        if focused {
            let x = area.x as usize + label_w + input.visual_cursor().saturating_sub(scroll);
            cursor = Some(Position::new(x.min(u16::MAX as usize) as u16, area.y + lines.len() as u16));
        }
        lines.push(Line::from(spans));
        let mut below = format!("{}{}", " ".repeat(label_w), cut(hint, value_w, ell));
        if input.value().is_empty() && hint.is_empty() {
            below.clear();
        }
        if !below.is_empty() {
            lines.push(Line::styled(below, theme.dim()));
        }
        if let Some(e) = error {
            for part in wrap(e, value_w.max(10)) {
                lines.push(Line::from(vec![Span::raw(" ".repeat(label_w)), Span::styled(part, theme.error())]));
            }
        }
    };
    for (i, f) in d.fields.iter().enumerate() {
        let count = compose_text::CHARS.fill(lang, &[&f.input.value().chars().count()]);
        let hint = if f.hint.is_empty() { count } else { format!("{} · {count}", f.hint) };
        input_line(&mut lines, &f.label, &f.input, &hint, f.error.as_ref(), d.focus == Focus::Param(i));
    }
    input_line(
        &mut lines,
        compose_text::F_WHEN.get(lang),
        &d.when,
        compose_text::H_WHEN.get(lang),
        d.when_error.as_ref(),
        d.focus == Focus::When,
    );
    // The audience: a choice.
    let focused = d.focus == Focus::Audience;
    let mut spans = field_line(compose_text::F_AUDIENCE.get(lang), focused);
    let (l, r) = theme.left_right();
    let current = d.audiences.get(d.audience).map(|(_, s)| safe(s).into_owned()).unwrap_or_default();
    let text = if focused { format!("{l} {current} {r}") } else { current };
    spans.push(Span::styled(cut(&text, value_w, ell), if focused { theme.focus() } else { theme.base() }));
    lines.push(Line::from(spans));
    if d.wants_tags() {
        let hint = compose_text::H_TAGS.fill(lang, &[&d.known_tags.join(", ")]);
        input_line(
            &mut lines,
            compose_text::F_TAGS.get(lang),
            &d.tags,
            &safe(&hint),
            d.tags_error.as_ref(),
            d.focus == Focus::Tags,
        );
    }
    let counts = compose_text::COUNTS
        .fill(lang, &[&text::number(d.plan.recipients.len() as i64), &text::number(d.plan.excluded.len() as i64)]);
    let key = env.key(Action::Excluded);
    let rest = value_w.saturating_sub(width(&counts));
    lines.push(Line::from(vec![
        Span::raw(" ".repeat(label_w)),
        Span::styled(cut(&counts, value_w, ell), theme.title()),
        Span::styled(cut(&format!(" {}", compose_text::COUNTS_KEY.fill(lang, &[&key])), rest, ell), theme.dim()),
    ]));
    let body_len = d.template.render_body(&d.sample_params(shop.fallback)).chars().count();
    lines.push(Line::styled(
        cut(
            &format!(
                "{}{}{}",
                compose_text::BODY_LEN.fill(lang, &[&body_len, &crate::domain::template::MAX_BODY]),
                theme.dot(),
                compose_text::PERSONAL_HINT.get(lang)
            ),
            w,
            ell,
        ),
        theme.dim(),
    ));
    if let Some(warning) = &d.name_warning {
        for part in wrap(&format!("! {}", safe(warning)), w.max(10)) {
            lines.push(Line::styled(part, theme.error()));
        }
    }
    for warning in &d.warnings {
        for part in wrap(&format!("! {}", warning.localized(lang)), w.max(10)) {
            lines.push(Line::styled(part, theme.error()));
        }
    }
    let used = lines.len() as u16;
    frame.render_widget(Paragraph::new(lines), left);
    if let Some(pos) = cursor.filter(|p| p.y < area.y + area.height) {
        frame.set_cursor_position(pos);
    }
    // The preview.
    let rect = if pw > 0 {
        Rect { x: area.x + left.width, width: pw, ..area }
    } else if area.height > used + 3 {
        Rect { y: area.y + used, height: area.height - used, width: area.width.min(60), ..area }
    } else {
        return;
    };
    render_preview(frame, rect, d, v, env, shop);
}

fn render_preview(frame: &mut Frame<'_>, rect: Rect, d: &Draft, v: &ComposerView, env: &Env, shop: &Shop) {
    let (theme, lang) = (env.theme, env.lang);
    let fallback = shop.fallback;
    let params = d.sample_params(fallback);
    let now = v.now.or(env.now).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let msg = bubble_message(&d.template, &params, now, lang);
    let (title, note) = match d.sample_customer() {
        Some(c) => {
            let title =
                compose_text::PREVIEW_TITLE.fill(lang, &[&safe(&c.name), &(d.recipient + 1), &d.plan.recipients.len()]);
            let note = if c.first_name.trim().is_empty() {
                Some(compose_text::FALLBACK_USED.fill(lang, &[&safe(fallback)]))
            } else {
                None
            };
            (title, note)
        }
        None => (compose_text::PREVIEW_NOBODY.get(lang).to_owned(), None),
    };
    let focused = d.focus == Focus::Preview;
    let keys = compose_text::PREVIEW_KEYS.fill(
        lang,
        &[
            &if focused { theme.left_right().0.to_owned() } else { env.key(Action::PrevRecipient) },
            &if focused { theme.left_right().1.to_owned() } else { env.key(Action::NextRecipient) },
        ],
    );
    let mut info: Vec<Line<'static>> = vec![Line::styled(
        cut(&keys, rect.width as usize, theme.ellipsis()),
        if focused { theme.focus() } else { theme.dim() },
    )];
    if let Some(n) = note {
        info.push(Line::styled(cut(&n, rect.width as usize, theme.ellipsis()), theme.dim()));
    }
    let info_h = info.len() as u16;
    let bubble_area = Rect { height: rect.height.saturating_sub(info_h), ..rect };
    bubble::render(frame, bubble_area, &msg, &title, theme);
    let used = bubble::height(&msg, rect.width, theme).min(bubble_area.height);
    if rect.height > used + info_h {
        frame.render_widget(Paragraph::new(info), Rect { y: rect.y + used, height: info_h, ..rect });
    }
}

fn render_excluded(frame: &mut Frame<'_>, area: Rect, v: &ComposerView, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let rows = super::excluded_rows(v, lang);
    let w = area.width.saturating_sub(4).min(90);
    let h = area.height.saturating_sub(2).min(rows.len() as u16 + 4).max(5);
    let rect = popup::centered(area, w, h);
    let inner = popup::open(frame, rect, &compose_text::EXCLUDED_TITLE.fill(lang, &[&rows.len()]), theme);
    let iw = inner.width as usize;
    let name_w = rows.iter().map(|(n, _)| width(n)).max().unwrap_or(10).min(iw / 3) + 1;
    let room = inner.height.saturating_sub(1) as usize;
    let max_scroll = rows.len().saturating_sub(room);
    let scroll = v.excluded.unwrap_or(0).min(max_scroll);
    let mut lines: Vec<Line<'static>> = rows
        .iter()
        .skip(scroll)
        .take(room)
        .map(|(name, why)| {
            Line::from(vec![
                Span::raw(fit(&safe(name), name_w, theme.ellipsis())),
                Span::styled(cut(why, iw.saturating_sub(name_w), theme.ellipsis()), theme.dim()),
            ])
        })
        .collect();
    if rows.is_empty() {
        lines.push(Line::raw(compose_text::EXCLUDED_NONE.get(lang).to_owned()));
    }
    let (up, down) = theme.up_down();
    lines.push(Line::styled(
        cut(&compose_text::EXCLUDED_FOOTER.fill(lang, &[&up, &down]), iw, theme.ellipsis()),
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}
