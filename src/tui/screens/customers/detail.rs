//! The detail view of one customer: data, tags, note, consent per purpose, and the consent ledger (what happened,
//! who recorded it, when it happened and when it was recorded, source, evidence, wording version), newest first.
//! From here the customer can be edited, erased, answered, or a consent or withdrawal recorded (as [`Outcome`]s for
//! the app). Part of the customers screen: takes its `CustomersView`. Must not perform IO.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::{Env, Outcome};
use super::CustomersView;
use super::erase_question;
use crate::domain::consent::{ConsentEvent, EventKind, Purpose, fold};
use crate::domain::customer::Customer;
use crate::tui::keymap::Action;
use crate::tui::text;
use crate::tui::widgets::text::{cut, fit, safe, width, wrap};

/// A loaded customer with their ledger.
#[derive(Debug, Clone)]
pub struct LedgerData {
    pub customer: Customer,
    pub events: Vec<ConsentEvent>,
    /// What the customer wrote, oldest first.
    pub replies: Vec<crate::store::inbound::Reply>,
}

/// The open detail view.
#[derive(Debug, Clone)]
pub struct Detail {
    pub customer_id: i64,
    pub data: Option<LedgerData>,
    /// First ledger line shown.
    pub scroll: usize,
}

impl Detail {
    pub fn new(customer_id: i64) -> Detail {
        Detail { customer_id, data: None, scroll: 0 }
    }
}

pub fn loaded(v: &mut CustomersView, data: LedgerData) {
    if let Some(d) = &mut v.detail
        && d.customer_id == data.customer.id
    {
        d.data = Some(data);
    }
}

/// Lines above the ledger.
const HEAD_LINES: usize = 11;

pub fn on_action(v: &mut CustomersView, env: &Env, action: Action) -> Vec<Outcome> {
    let Some(d) = &mut v.detail else { return Vec::new() };
    let page = crate::tui::screens::body_height(env.size) as usize;
    let ledger_lines = d.data.as_ref().map(|x| x.events.len() * 2).unwrap_or(0);
    let room = page.saturating_sub(HEAD_LINES).max(1);
    let max_scroll = ledger_lines.saturating_sub(room);
    match action {
        Action::Back => v.detail = None,
        Action::Up => d.scroll = d.scroll.saturating_sub(2),
        Action::Down => d.scroll = (d.scroll + 2).min(max_scroll),
        Action::PageUp => d.scroll = d.scroll.saturating_sub(room),
        Action::PageDown => d.scroll = (d.scroll + room).min(max_scroll),
        Action::Home => d.scroll = 0,
        Action::End => d.scroll = max_scroll,
        Action::Edit => {
            if let Some(data) = &d.data {
                return vec![Outcome::CustomerForm(Some(data.customer.clone()))];
            }
        }
        Action::Delete => {
            if let Some(data) = &d.data {
                return vec![Outcome::Confirm(erase_question(&data.customer, env.region, env.lang))];
            }
        }
        Action::Answer => return vec![Outcome::OpenConversation(d.customer_id)],
        Action::DataExport | Action::ConsentProof => {
            if let Some(data) = &d.data {
                return super::write_file(data.customer.id, &data.customer.name, action, env.lang);
            }
        }
        Action::MessageTo => return vec![Outcome::Compose(vec![d.customer_id])],
        Action::Record | Action::Withdraw => {
            if let Some(data) = &d.data {
                let kind = if action == Action::Record { EventKind::Granted } else { EventKind::Withdrawn };
                let picked = Some((data.customer.id, data.customer.name.clone()));
                return vec![Outcome::RecordConsent { kind, picked }];
            }
        }
        _ => {}
    }
    Vec::new()
}

pub fn render(frame: &mut Frame<'_>, area: Rect, v: &CustomersView, env: &Env) {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    let w = area.width as usize;
    let Some(d) = &v.detail else { return };
    let Some(data) = &d.data else {
        frame.render_widget(Paragraph::new(text::LOADING.get(lang)), area);
        return;
    };
    let c = &data.customer;
    // One fact per line, so nothing is pushed off a narrow screen.
    let label_w = 20.min(w / 3);
    let value_w = w.saturating_sub(label_w);
    let label = |tr: crate::i18n::Tr| Span::styled(fit(tr.get(lang), label_w, ell), theme.dim());
    let none = theme.consent_glyph(crate::domain::consent::ConsentState::None);
    let or_none = |s: &str| if s.is_empty() { none.to_owned() } else { safe(s).into_owned() };
    let mut lines: Vec<Line<'static>> = vec![Line::styled(cut(&safe(&c.name), w, ell), theme.title())];
    let fact = |tr: crate::i18n::Tr, value: &str| Line::from(vec![label(tr), Span::raw(cut(value, value_w, ell))]);
    // Without a number, the user id beside the label (the head keeps its fixed height): for Auskunft and erasure.
    let phone = match (&c.phone, &c.user_id) {
        (None, Some(u)) => text::NO_NUMBER_WITH_ID.fill(lang, &[&c.phone_label_for(env.region, lang), &safe(u)]),
        _ => c.phone_label_for(env.region, lang),
    };
    lines.push(fact(text::F_PHONE, &phone));
    lines.push(fact(text::F_FIRST_NAME, &or_none(&c.first_name)));
    lines.push(fact(text::F_TAGS, &or_none(&c.tags.join(", "))));
    // The note may be long: up to two lines, and a visible mark if there is more.
    let note_lines = wrap(&or_none(&c.note), value_w.max(10));
    for (i, l) in note_lines.iter().take(2).enumerate() {
        let shown = if i == 1 && note_lines.len() > 2 { cut(&format!("{l} {ell}"), value_w, ell) } else { l.clone() };
        let head = if i == 0 { label(text::F_NOTE) } else { Span::raw(" ".repeat(label_w)) };
        lines.push(Line::from(vec![head, Span::raw(shown)]));
    }
    if note_lines.len() < 2 {
        lines.push(Line::raw(""));
    }
    for p in Purpose::ALL {
        let f = fold(&data.events, *p);
        let since = f.since.map(|s| text::SINCE.fill(lang, &[&text::datetime(s, lang)])).unwrap_or_default();
        lines.push(Line::from(vec![
            label(p.label()),
            Span::styled(format!("{} ", theme.consent_glyph(f.state)), theme.consent(f.state)),
            Span::raw(cut(&format!("{} {since}", f.state.label().get(lang)), value_w.saturating_sub(2), ell)),
        ]));
    }
    let dates = text::CREATED_CHANGED.fill(lang, &[&text::date(c.created_at, lang), &text::date(c.updated_at, lang)]);
    lines.push(fact(text::CREATED, &dates));
    let replies = match data.replies.last() {
        Some(r) => text::DETAIL_REPLIES_VALUE.fill(
            lang,
            &[
                &data.replies.len(),
                &text::datetime_short(r.received_at, lang),
                &safe(&r.text),
                &env.key(Action::Answer),
            ],
        ),
        None => text::DETAIL_REPLIES_NONE.get(lang).to_owned(),
    };
    lines.push(fact(text::DETAIL_REPLIES, &replies));
    let title = text::LEDGER_TITLE.fill(lang, &[&data.events.len()]);
    lines.push(Line::styled(fit(&title, w, ell), theme.column_title()));
    debug_assert_eq!(lines.len(), HEAD_LINES);

    let mut ledger: Vec<Line<'static>> = Vec::new();
    if data.events.is_empty() {
        let key = env.key(Action::Record);
        ledger.push(Line::raw(text::LEDGER_EMPTY.fill(lang, &[&key])));
    }
    for e in &data.events {
        let line = |what: &str| {
            let (when, purpose, source) =
                (text::datetime(e.occurred_at, lang), e.purpose.label().get(lang), e.source.label().get(lang));
            format!("{when}  {purpose}  {what}{}{source}", theme.dot())
        };
        // The full wording if it fits, else the short one, so the source is never cut away.
        let long = line(e.kind.label().get(lang));
        let first = if width(&long) <= w { long } else { line(text::kind_short(e.kind).get(lang)) };
        let style = match e.kind {
            EventKind::Granted => theme.consent(crate::domain::consent::ConsentState::Granted),
            EventKind::Withdrawn => theme.consent(crate::domain::consent::ConsentState::Withdrawn),
            _ => theme.base(),
        };
        ledger.push(Line::styled(cut(&first, w, ell), style));
        let evidence = if e.evidence.is_empty() { "–".to_owned() } else { safe(&e.evidence).into_owned() };
        let wording = e.wording_version.map(|v| format!("v{v}")).unwrap_or_else(|| "–".into());
        let second = text::LEDGER_SECOND
            .fill(lang, &[&text::datetime(e.recorded_at, lang), &safe(&e.recorded_by), &evidence, &wording]);
        ledger.push(Line::styled(cut(&format!("   {second}"), w, ell), theme.dim()));
    }
    let room = (area.height as usize).saturating_sub(HEAD_LINES);
    let start = d.scroll.min(ledger.len().saturating_sub(1));
    let more_below = ledger.len() > start + room;
    lines.extend(ledger.into_iter().skip(start).take(room));
    if more_below
        && room > 0
        && let Some(last) = lines.last_mut()
    {
        // Say that there is more instead of cutting silently.
        let (_, down) = theme.up_down();
        *last = Line::styled(fit(&text::MORE_BELOW.fill(lang, &[&down]), w, ell), theme.dim());
    }
    frame.render_widget(Paragraph::new(lines), area);
}
