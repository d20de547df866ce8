//! The consent screen (Einwilligungen): counts per purpose and state, open double opt-ins with their age, and the
//! latest ledger events across all customers (scrollable, filterable by purpose and source). `a` records a consent
//! from a paper form, `w` a withdrawal (the app opens the consent form, `form`). Owns its state (`ConsentView`); reads
//! the rest from [`Env`] and answers with [`Outcome`]s. Must not perform IO.

pub mod form;

mod draw;

pub use self::draw::render;

use chrono::{DateTime, Utc};

use super::{Env, Outcome};
use crate::domain::consent::{ConsentEvent, EventKind, Purpose, Source};
use crate::store::consent::StateCounts;
use crate::tui::keymap::Action;
use crate::tui::nav::Nav;
use crate::tui::widgets::text::fit;

/// How many ledger events the screen loads.
pub const RECENT: usize = 200;
/// Open confirmations listed by name before "… and n more".
const PENDING_SHOWN: usize = 3;

/// What a load of the consent screen brings.
#[derive(Debug, Clone)]
pub struct ConsentData {
    pub counts: [(Purpose, StateCounts); 2],
    pub events: Vec<EventRow>,
    pub pending: Vec<PendingRow>,
    /// The newest wording version per purpose, if any exists yet.
    pub wordings: Vec<(Purpose, Option<u32>)>,
    pub now: DateTime<Utc>,
    pub data_version: i64,
}

/// A ledger event with the customer's name (`None` once erased).
#[derive(Debug, Clone)]
pub struct EventRow {
    pub event: ConsentEvent,
    pub name: Option<String>,
}

/// A double opt-in waiting for the customer's "JA".
#[derive(Debug, Clone)]
pub struct PendingRow {
    pub customer_id: i64,
    pub name: String,
    pub purpose: Purpose,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct ConsentView {
    pub loaded: bool,
    pub stale: bool,
    pub data: Option<ConsentData>,
    pub purpose: Option<Purpose>,
    pub source: Option<Source>,
    /// Indexes into `data.events` that pass the filters.
    pub visible: Vec<usize>,
    pub nav: Nav,
}

impl ConsentView {
    fn refilter(&mut self) {
        let (purpose, source) = (self.purpose, self.source);
        self.visible = self
            .data
            .as_ref()
            .map(|d| {
                d.events
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| {
                        purpose.is_none_or(|p| r.event.purpose == p) && source.is_none_or(|s| r.event.source == s)
                    })
                    .map(|(i, _)| i)
                    .collect()
            })
            .unwrap_or_default();
    }

    pub fn selected(&self) -> Option<&EventRow> {
        let i = self.visible.get(self.nav.selected)?;
        self.data.as_ref()?.events.get(*i)
    }

    pub fn current_wording(&self, purpose: Purpose) -> Option<u32> {
        self.data.as_ref()?.wordings.iter().find(|(p, _)| *p == purpose).and_then(|(_, v)| *v)
    }
}

fn pending_lines(v: &ConsentView) -> usize {
    let n = v.data.as_ref().map(|d| d.pending.len()).unwrap_or(0);
    1 + n.min(PENDING_SHOWN) + usize::from(n > PENDING_SHOWN)
}

/// Event rows that fit on screen.
pub fn page(v: &ConsentView, size: (u16, u16)) -> usize {
    let body = crate::tui::screens::body_height(size) as usize;
    body.saturating_sub(3 + 1 + pending_lines(v) + 1 + 2)
}

pub fn clamp(v: &mut ConsentView, size: (u16, u16)) {
    let page = page(v, size);
    v.nav.clamp(v.visible.len(), page);
}

pub fn loaded(v: &mut ConsentView, env: &Env, data: ConsentData) {
    let selected_id = v.selected().map(|r| r.event.id);
    v.data = Some(data);
    v.loaded = true;
    v.refilter();
    if let Some(pos) = selected_id.and_then(|id| {
        let d = v.data.as_ref()?;
        v.visible.iter().position(|i| d.events[*i].event.id == id)
    }) {
        v.nav.selected = pos;
    }
    clamp(v, env.size);
}

pub fn on_action(v: &mut ConsentView, env: &Env, action: Action) -> Vec<Outcome> {
    let page = page(v, env.size);
    match action {
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home | Action::End => {
            v.nav.apply(action, v.visible.len(), page);
        }
        Action::PurposeFilter => {
            v.purpose = match v.purpose {
                None => Some(Purpose::Service),
                Some(Purpose::Service) => Some(Purpose::Marketing),
                Some(Purpose::Marketing) => None,
            };
            v.nav = Nav::default();
            v.refilter();
        }
        Action::SourceFilter => {
            v.source = match v.source {
                None => Source::ALL.first().copied(),
                Some(s) => Source::ALL.iter().skip_while(|x| **x != s).nth(1).copied(),
            };
            v.nav = Nav::default();
            v.refilter();
        }
        Action::Back => {
            v.purpose = None;
            v.source = None;
            v.refilter();
            clamp(v, env.size);
        }
        Action::Record => return vec![Outcome::RecordConsent { kind: EventKind::Granted, picked: None }],
        Action::Withdraw => {
            let picked = v.selected().and_then(|r| Some((r.event.customer_id?, r.name.clone()?)));
            return vec![Outcome::RecordConsent { kind: EventKind::Withdrawn, picked }];
        }
        _ => {}
    }
    Vec::new()
}
