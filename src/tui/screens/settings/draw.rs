//! Drawing the settings screen: the overview (secrets only as "gespeichert"/"fehlt"), an open form with the
//! explanation of the focused field (secrets masked as typed), or the result of a connection test or the service
//! installer. Pure drawing: reads the state, never changes it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::*;
use crate::tui::msg::Sender;
use crate::tui::widgets::form;
use crate::tui::widgets::text::{cut, fit, safe, wrap};

/// What the overview needs besides the view: the configuration, who sends, and the secrets file's name.
pub struct Context<'a> {
    pub config: &'a Config,
    pub sender: Sender,
    pub secrets_label: &'a str,
}

pub fn render(frame: &mut Frame<'_>, area: Rect, v: &SettingsView, env: &Env, cx: &Context<'_>) {
    let area = Rect { x: area.x + 1, width: area.width.saturating_sub(2), ..area };
    if let Some(e) = &v.editing {
        render_form(frame, area, e, env, cx);
    } else if let Some(r) = &v.result {
        render_result(frame, area, r, env);
    } else {
        render_overview(frame, area, v, env, cx);
    }
}

fn render_form(frame: &mut Frame<'_>, area: Rect, e: &Editing, env: &Env, cx: &Context<'_>) {
    let (theme, lang) = (env.theme, env.lang);
    let w = area.width as usize;
    let title = match e.part {
        Part::Shop => t::EDIT_SHOP,
        Part::WhatsApp => t::CONNECT,
    };
    frame.render_widget(Paragraph::new(Line::styled(title.get(lang).to_owned(), theme.title())), area);
    // Secrets are never drawn: each typed character is a dot.
    let mut shown = e.form.clone();
    for (i, f) in shown.fields.iter_mut().enumerate() {
        if e.is_secret(i) {
            let masked = "•".repeat(f.value().chars().count());
            f.set_value(&masked);
        }
    }
    let height = form::height(&shown, &Vec::new(), area.width, lang);
    let rect = Rect { y: area.y + 2, height: height.min(area.height.saturating_sub(2)), ..area };
    form::render(frame, rect, &shown, &Vec::new(), theme, lang);
    let mut lines = vec![Line::styled(t::WHERE.get(lang).to_owned(), theme.key())];
    for part in wrap(explanation(e.part, e.form.focus).get(lang), w) {
        lines.push(Line::raw(part));
    }
    if e.part == Part::WhatsApp {
        for part in wrap(&t::SECRETS_NOTE.fill(lang, &[&cx.secrets_label]), w) {
            lines.push(Line::styled(part, theme.dim()));
        }
    }
    let top = rect.y + rect.height + 1;
    let below = Rect { y: top, height: (area.y + area.height).saturating_sub(top), ..area };
    frame.render_widget(Paragraph::new(lines), below);
}

fn render_result(frame: &mut Frame<'_>, area: Rect, r: &Shown, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let w = area.width as usize;
    let style = if r.ok { theme.success() } else { theme.error() };
    let mut lines = vec![Line::styled(r.title.clone(), style), Line::raw("")];
    for l in &r.lines {
        for part in wrap(&safe(l), w) {
            lines.push(Line::raw(part));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(t::CLOSE_RESULT.get(lang).to_owned(), theme.dim()));
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_overview(frame: &mut Frame<'_>, area: Rect, v: &SettingsView, env: &Env, cx: &Context<'_>) {
    let (theme, lang) = (env.theme, env.lang);
    let (c, w) = (cx.config, area.width as usize);
    let ell = theme.ellipsis();
    let or_empty = |s: &str| if s.trim().is_empty() { t::EMPTY.get(lang).to_owned() } else { safe(s).into_owned() };
    let secret = |has: Option<bool>| match has {
        None => t::LOADING.get(lang).to_owned(),
        Some(true) => t::STORED.get(lang).to_owned(),
        Some(false) => t::MISSING.get(lang).to_owned(),
    };
    let stored = v.stored;
    let quiet = if c.queue.quiet_hours.trim().is_empty() {
        t::NO_QUIET.get(lang).to_owned()
    } else {
        t::QUIET_VALUE.fill(lang, &[&c.queue.quiet_hours])
    };
    // Replies (the question after ANMELDEN, the STOP confirmation, answers) are billed since 1 Oct 2026.
    let (m, u) = (price_text(c.prices.marketing), price_text(c.prices.utility));
    let prices = match c.prices.service {
        Some(s) if s != c.prices.utility => t::PRICES_VALUE_OWN_REPLIES.fill(lang, &[&m, &u, &price_text(s)]),
        _ => t::PRICES_VALUE_REPLIES.fill(lang, &[&m, &u]),
    };
    let shop_rows = [
        (t::F_NAME, or_empty(&c.shop.name)),
        (t::F_ADDRESS, or_empty(&c.shop.address)),
        (t::F_CONTACT, or_empty(&c.shop.contact)),
        (t::F_OWN, or_empty(&c.shop.own_number)),
        (t::F_QUIET, quiet),
        (Tr::new("Preise", "Prices"), prices),
        (t::F_CHECKED, date_text(&c.prices.checked_on)),
        (t::F_TIER, t::TIER_VALUE.fill(lang, &[&tier_label(c.whatsapp.messaging_tier, lang)])),
    ];
    let base = safe(&c.whatsapp.base_url).into_owned();
    let wa_rows = [
        (t::F_PHONE_ID, or_empty(&c.whatsapp.phone_number_id)),
        (t::F_WABA, or_empty(&c.whatsapp.waba_id)),
        (t::F_DISPLAY, or_empty(&c.whatsapp.display_phone_number)),
        (t::F_APP_ID, secret(stored.map(|s| s.app_id))),
        (t::F_TOKEN, secret(stored.map(|s| s.token))),
        (t::F_APP_SECRET, secret(stored.map(|s| s.app_secret))),
        (t::F_VERIFY, secret(stored.map(|s| s.verify_token))),
        (t::F_BASE_URL, base),
    ];
    let label_w = 27.min(w / 2);
    let row = |label: Tr, value: &str| {
        Line::from(vec![
            Span::styled(format!("  {} ", fit(label.get(lang), label_w.saturating_sub(3), ell)), theme.dim()),
            Span::raw(cut(value, w.saturating_sub(label_w), ell)),
        ])
    };
    let heading = |title: Tr, keys: String| {
        let title = title.get(lang);
        let room = w.saturating_sub(crate::tui::widgets::text::width(title) + 1);
        Line::from(vec![
            Span::styled(title.to_owned(), theme.title()),
            Span::raw(" "),
            Span::styled(crate::tui::widgets::text::fit_right(&keys, room, ell), theme.key()),
        ])
    };
    let mut lines = vec![heading(t::SHOP, t::KEYS_SHOP.fill(lang, &[&env.key(Action::Edit)]))];
    lines.extend(shop_rows.iter().map(|(l, v)| row(*l, v)));
    lines.push(heading(
        t::CONNECT,
        t::KEYS_CONNECT.fill(lang, &[&env.key(Action::Connect), &env.key(Action::ConnectionTest)]),
    ));
    lines.extend(wa_rows.iter().map(|(l, v)| row(*l, v)));
    lines.push(heading(t::SERVICE, t::KEYS_SERVICE.fill(lang, &[&env.key(Action::InstallService)])));
    let service = if cx.sender == Sender::Service { t::SERVICE_RUNS } else { t::SERVICE_HOW }.get(lang).to_owned();
    for part in wrap(&service, w.saturating_sub(2)) {
        lines.push(Line::raw(format!("  {part}")));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
