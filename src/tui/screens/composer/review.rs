//! The review before anything is queued: recipients, excluded (with reasons on a key), estimated cost at the
//! configured price with the price's date, duration at the configured rate, Meta's daily limit and quiet-hour waits,
//! the schedule, the warnings (`domain::checks`) and the preview for the first recipient. Keys: `y` queue, `t` test
//! to my own number, `e` back to edit, `p` keep as draft, `n` discard. The figures come from the store
//! (`Effect::PrepareReview`); this file only shows them and turns keys into effects. Must not perform IO.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::{Env, Outcome};
use super::draw::bubble_message;
use super::text as compose_text;
use super::{ComposerView, Shop};
use crate::domain::broadcast::{Estimate, Exclusion, format_money};
use crate::domain::checks::Warning;
use crate::domain::consent::Purpose;
use crate::domain::phone::Phone;
use crate::domain::template::{Params, Template};
use crate::i18n::Localized;
use crate::store::broadcasts::NewBroadcast;
use crate::tui::keymap::Action;
use crate::tui::msg::Effect;
use crate::tui::text;
use crate::tui::widgets::bubble;
use crate::tui::widgets::text::{cut, fit, safe, width, wrap};

/// What the store found for the review.
#[derive(Debug, Clone)]
pub struct ReviewData {
    pub new: NewBroadcast,
    pub template: Template,
    pub purpose: Purpose,
    pub recipients: usize,
    pub excluded: Vec<(i64, String, Exclusion)>,
    pub estimate: Estimate,
    /// Price of one message of this category.
    pub unit_price: f64,
    pub rate: u32,
    pub tier: u32,
    pub warnings: Vec<Warning>,
    /// The first recipient's name and values, for the preview.
    pub sample: Option<(String, Params)>,
    pub now: DateTime<Utc>,
}

/// A price per message with its four decimals: "0,1131 €".
pub fn on_action(v: &mut ComposerView, env: &Env, shop: &Shop, action: Action) -> Vec<Outcome> {
    let lang = env.lang;
    let Some(r) = &v.review else { return Vec::new() };
    match action {
        Action::Yes => {
            if v.busy {
                return Vec::new();
            }
            let new = r.new.clone();
            v.busy = true;
            let effect = match v.draft.as_ref().and_then(|d| d.draft_id) {
                Some(id) => Effect::UpdateDraft { id, new, queue: true },
                None => Effect::QueueBroadcast(new),
            };
            vec![Outcome::Info(compose_text::QUEUING.get(lang).to_owned()), Outcome::Effect(effect)]
        }
        Action::TestSend => {
            let own = shop.own_number.trim().to_owned();
            if own.is_empty() {
                return vec![Outcome::Error(compose_text::TEST_NO_OWN.get(lang).to_owned())];
            }
            let phone = match Phone::parse(&own, env.region) {
                Ok(p) => p,
                Err(e) => {
                    return vec![Outcome::Error(compose_text::TEST_BAD_OWN.fill(lang, &[&own, &e.localized(lang)]))];
                }
            };
            let new = r.new.clone();
            vec![
                Outcome::Info(compose_text::TEST_SENDING.fill(lang, &[&phone.display_for(env.region)])),
                Outcome::Effect(Effect::TestSend { new, to: phone }),
            ]
        }
        Action::Edit => {
            v.review = None;
            Vec::new()
        }
        Action::Draft => {
            if v.busy {
                return Vec::new();
            }
            let new = r.new.clone();
            v.busy = true;
            match v.draft.as_ref().and_then(|d| d.draft_id) {
                Some(id) => vec![Outcome::Effect(Effect::UpdateDraft { id, new, queue: false })],
                None => vec![Outcome::Effect(Effect::SaveDraft(new))],
            }
        }
        Action::Discard => {
            v.review = None;
            v.draft = None;
            vec![Outcome::Success(compose_text::DISCARDED.get(lang).to_owned())]
        }
        Action::Excluded => {
            v.excluded = Some(0);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The facts as (label, value, is_warning) rows.
fn facts(r: &ReviewData, env: &Env, shop: &Shop) -> Vec<(String, String, bool)> {
    let lang = env.lang;
    let e = &r.estimate;
    let mut rows = vec![
        (
            text::R_TEMPLATE.get(lang).to_owned(),
            format!("{} · {}", r.template.name, r.template.category.label(lang)),
            false,
        ),
        (compose_text::R_AUDIENCE.get(lang).to_owned(), r.new.audience.describe(lang), false),
        (compose_text::R_RECIPIENTS.get(lang).to_owned(), text::number(r.recipients as i64), false),
        (
            compose_text::R_EXCLUDED.get(lang).to_owned(),
            compose_text::R_EXCLUDED_VALUE
                .fill(lang, &[&text::number(r.excluded.len() as i64), &env.key(Action::Excluded)]),
            false,
        ),
        (
            compose_text::R_COST.get(lang).to_owned(),
            compose_text::R_COST_VALUE.fill(
                lang,
                &[
                    &format_money(e.cost, &e.currency, lang),
                    &text::number(r.recipients as i64),
                    &crate::domain::broadcast::format_unit_price(r.unit_price, &e.currency, lang),
                    &e.price_checked_on,
                ],
            ),
            false,
        ),
    ];
    if crate::domain::broadcast::prices_outdated(&e.price_checked_on, r.now) {
        rows.push((String::new(), compose_text::R_PRICES_OLD.get(lang).to_owned(), true));
    }
    // Since 1 Oct 2026 replies are billed too: what a STOP confirmation or an answer to a recipient costs.
    rows.push((
        compose_text::R_REPLIES.get(lang).to_owned(),
        compose_text::R_REPLIES_VALUE
            .fill(lang, &[&crate::domain::broadcast::format_unit_price(e.reply_price, &e.currency, lang)]),
        false,
    ));
    rows.extend([(
        compose_text::R_DURATION.get(lang).to_owned(),
        compose_text::R_DURATION_VALUE.fill(lang, &[&text::duration(e.duration, lang), &r.rate]),
        false,
    )]);
    let tier = if r.tier == 0 {
        compose_text::R_TIER_UNLIMITED.get(lang).to_owned()
    } else if e.over_tier > 0 {
        compose_text::R_TIER_WAIT.fill(lang, &[&text::number(r.tier as i64), &text::number(e.over_tier as i64)])
    } else {
        // "heute" only when it goes out today (Europe/Berlin); a send tomorrow or later names its day.
        let send_at = r.new.scheduled_at.filter(|at| *at > r.now).unwrap_or(r.now);
        let day = |at: DateTime<Utc>| at.with_timezone(&chrono_tz::Europe::Berlin).date_naive();
        if day(send_at) == day(r.now) {
            compose_text::R_TIER_OK.fill(lang, &[&text::number(r.tier as i64)])
        } else {
            compose_text::R_TIER_OK_ON.fill(lang, &[&text::number(r.tier as i64), &text::date(send_at, lang)])
        }
    };
    rows.push((compose_text::R_TIER.get(lang).to_owned(), tier, e.over_tier > 0));
    let quiet = match e.quiet_until {
        Some(at) => compose_text::R_QUIET_VALUE.fill(lang, &[&text::datetime(at, lang)]),
        None => compose_text::R_QUIET_NONE.get(lang).to_owned(),
    };
    rows.push((compose_text::R_QUIET.get(lang).to_owned(), quiet, e.quiet_until.is_some()));
    let when = match r.new.scheduled_at {
        Some(at) if at > r.now => text::datetime(at, lang),
        _ => compose_text::WHEN_NOW.get(lang).to_owned(),
    };
    rows.push((compose_text::R_WHEN.get(lang).to_owned(), when, false));
    if r.new.scheduled_at.is_some_and(|at| at > r.now) && shop.sender != crate::tui::msg::Sender::Service {
        // Nobody sends at that time unless the app or the service runs then.
        rows.push((String::new(), crate::service::SCHEDULED_NEEDS_RUNNING.get(lang).to_owned(), true));
    }
    rows.push((compose_text::R_SENDER.get(lang).to_owned(), shop.sender.label(lang).to_owned(), false));
    for w in &r.warnings {
        rows.push((compose_text::R_WARNINGS.get(lang).to_owned(), w.localized(lang), true));
    }
    rows
}

pub fn render(frame: &mut Frame<'_>, area: Rect, r: &ReviewData, env: &Env, shop: &Shop) {
    let (theme, lang) = (env.theme, env.lang);
    let ell = theme.ellipsis();
    let wide = area.width >= 96;
    let bubble_w = if wide { (area.width / 2).min(52) } else { 0 };
    let left = Rect { width: area.width - bubble_w, ..area };
    let w = left.width.saturating_sub(1) as usize;
    let mut lines: Vec<Line<'static>> =
        vec![Line::styled(cut(compose_text::REVIEW_TITLE.get(lang), w, ell), theme.title())];
    let rows = facts(r, env, shop);
    let label_w = (rows.iter().map(|(l, _, _)| width(l)).max().unwrap_or(10) + 2).min(w * 2 / 5).max(4);
    for (label, value, warn) in rows {
        let style = if warn { theme.error() } else { theme.base() };
        let parts = wrap(&safe(&value), w.saturating_sub(label_w).max(10));
        for (i, part) in parts.into_iter().enumerate() {
            let head = if i == 0 { format!("{} ", fit(&label, label_w - 1, ell)) } else { " ".repeat(label_w) };
            lines.push(Line::from(vec![Span::styled(head, theme.dim()), Span::styled(part, style)]));
        }
    }
    lines.push(Line::raw(""));
    for part in wrap(compose_text::R_NOTHING_YET.get(lang), w) {
        lines.push(Line::styled(part, theme.dim()));
    }
    let used = lines.len() as u16;
    frame.render_widget(Paragraph::new(lines), left);
    let Some((name, params)) = &r.sample else { return };
    let msg = bubble_message(&r.template, params, r.now, lang);
    let title = safe(name).into_owned();
    if wide {
        let rect = Rect { x: area.x + left.width, width: bubble_w, ..area };
        bubble::render(frame, rect, &msg, &title, theme);
    } else if area.height > used + 3 {
        let rect = Rect { y: area.y + used, height: area.height - used, width: area.width.min(60), ..area };
        bubble::render(frame, rect, &msg, &title, theme);
    }
}
