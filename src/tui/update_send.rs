//! The part of the pure update that handles the sending side's results: composer data and review, queued
//! broadcasts and drafts, test sends, template syncs, the queue screen's loads and actions, replies, and the setup.
//! Like `app::update`: no IO, returns effects, sets `redraw` when what is on screen changed.

use super::app::{BroadcastOp, Effect, Msg, Sender, State, load_tab, mark_stale, switch_tab};
use super::screens::{composer, queue, queue_detail, replies, welcome};
use super::text_compose as tc;
use super::text_queue as tq;
use super::{Screen, text as t};

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let lang = state.lang;
    state.redraw = true;
    match msg {
        Msg::Composer(data) => {
            clear_info(state);
            composer::loaded(state, *data);
            Vec::new()
        }
        Msg::Queue(data) => {
            let had_info = clear_info(state);
            queue::loaded(state, *data);
            state.redraw |= had_info;
            set_sending(state, None);
            Vec::new()
        }
        Msg::Rows(data) => {
            queue_detail::loaded(state, data);
            Vec::new()
        }
        Msg::Conversation(data) => {
            replies::loaded(state, data);
            Vec::new()
        }
        Msg::Badges { unread, open } => {
            let before = (state.unread, state.sending);
            state.badges_loaded = true;
            state.unread = unread;
            set_sending(state, Some(open));
            state.redraw = before != (state.unread, state.sending);
            Vec::new()
        }
        Msg::ReviewReady(review) => {
            clear_info(state);
            state.composer.busy = false;
            if state.composer.draft.is_some() {
                state.composer.review = Some(*review);
            }
            Vec::new()
        }
        Msg::BroadcastQueued { id, recipients, scheduled_at } => {
            let c = &mut state.composer;
            c.busy = false;
            c.review = None;
            c.draft = None;
            c.stale = true;
            let text = match scheduled_at {
                Some(at) => tc::QUEUED_SCHEDULED.fill(lang, &[&id, &t::datetime(at, lang), &recipients]),
                None => tc::QUEUED.fill(lang, &[&id, &recipients]),
            };
            state.success(text);
            state.queue.stale = true;
            state.queue.detail = None;
            state.queue.conversation = None;
            state.queue.pane = queue::Pane::Broadcasts;
            state.queue.nav = Default::default();
            let mut effects = switch_tab(state, Screen::Warteschlange);
            effects.push(Effect::LoadBadges);
            effects
        }
        Msg::DraftSaved(id) => {
            let c = &mut state.composer;
            c.busy = false;
            c.review = None;
            c.draft = None;
            c.stale = true;
            state.queue.stale = true;
            state.success(tc::DRAFT_SAVED.fill(lang, &[&id]));
            Vec::new()
        }
        Msg::TestSent { to, sample } => {
            state.success(tc::TEST_SENT.fill(lang, &[&to, &sample]));
            Vec::new()
        }
        Msg::TemplatesSynced(report) => {
            state.composer.syncing = false;
            state.composer.stale = true;
            let d = &report.diff;
            state.success(tc::SYNCED.fill(lang, &[&report.stored, &d.added.len(), &d.changed.len(), &d.removed.len()]));
            load_tab(state)
        }
        Msg::BroadcastChanged { id, op, rows } => {
            let text = match op {
                BroadcastOp::Pause => tq::PAUSED.fill(lang, &[&id]),
                BroadcastOp::Resume => tq::RESUMED.fill(lang, &[&id]),
                BroadcastOp::QueueDraft => tq::DRAFT_QUEUED.fill(lang, &[&id]),
                BroadcastOp::Cancel => tq::CANCELLED.fill(lang, &[&id, &rows]),
                BroadcastOp::Retry if rows == 0 => tq::RETRIED_NONE.get(lang).to_owned(),
                BroadcastOp::Retry => tq::RETRIED.fill(lang, &[&rows]),
            };
            state.success(text);
            mark_stale(state);
            let mut effects = load_tab(state);
            effects.push(Effect::LoadBadges);
            effects
        }
        Msg::UnknownDecided { send_again } => {
            state.success(if send_again { tq::DECIDED_AGAIN } else { tq::DECIDED_SENT }.get(lang).to_owned());
            mark_stale(state);
            load_tab(state)
        }
        Msg::ReplyQueued { customer_id, name } => {
            replies::queued(state, customer_id);
            state.success(tq::REPLY_QUEUED.fill(lang, &[&crate::tui::widgets::text::safe(&name)]));
            mark_stale(state);
            load_tab(state)
        }
        Msg::Setup(m) => welcome::on_msg(state, m),
        _ => {
            state.redraw = false;
            Vec::new()
        }
    }
}

/// A finished load ends the "loading …" note. Returns whether there was one.
fn clear_info(state: &mut State) -> bool {
    if state.status.as_ref().is_some_and(|s| s.kind == super::app::StatusKind::Info) {
        state.status = None;
        return true;
    }
    false
}

/// Quitting asks first while this window sends and rows are still open.
fn set_sending(state: &mut State, open: Option<i64>) {
    let open = match open {
        Some(n) => n > 0,
        None => state.queue.broadcasts().iter().any(|b| b.state == "sending" && b.open() > 0),
    };
    state.sending = state.sender == Sender::InApp && open;
}
