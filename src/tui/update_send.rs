//! The part of the pure update that handles the sending side's results: composer data and review, queued
//! broadcasts and drafts, test sends, template syncs, the queue screen's loads and actions, replies, and the setup.
//! Like `app::update`: no IO, returns effects, sets `redraw` when what is on screen changed.

use super::app::{BroadcastOp, Effect, Msg, Sender, State, load_tab, mark_stale, switch_tab};
use super::screens::composer::text as compose_text;
use super::screens::queue::detail as queue_detail;
use super::screens::queue::text as queue_text;
use super::screens::{composer, queue, replies, welcome};
use super::{Screen, text};

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
                Some(at) => compose_text::QUEUED_SCHEDULED.fill(lang, &[&id, &text::datetime(at, lang), &recipients]),
                None => compose_text::QUEUED.fill(lang, &[&id, &recipients]),
            };
            state.success(text);
            state.queue.stale = true;
            state.queue.detail = None;
            state.queue.conversation = None;
            state.queue.pane = queue::Pane::Broadcasts;
            state.queue.nav = Default::default();
            let mut effects = switch_tab(state, Screen::Queue);
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
            state.success(compose_text::DRAFT_SAVED.fill(lang, &[&id]));
            Vec::new()
        }
        Msg::TestSent { to, sample } => {
            state.success(compose_text::TEST_SENT.fill(lang, &[&to, &sample]));
            Vec::new()
        }
        Msg::TemplatesSynced(report) => {
            state.composer.syncing = false;
            state.composer.stale = true;
            let d = &report.diff;
            state.success(
                compose_text::SYNCED.fill(lang, &[&report.stored, &d.added.len(), &d.changed.len(), &d.removed.len()]),
            );
            load_tab(state)
        }
        Msg::BroadcastChanged { id, op, rows } => {
            let text = match op {
                BroadcastOp::Pause => queue_text::PAUSED.fill(lang, &[&id]),
                BroadcastOp::Resume => queue_text::RESUMED.fill(lang, &[&id]),
                BroadcastOp::QueueDraft => queue_text::DRAFT_QUEUED.fill(lang, &[&id]),
                BroadcastOp::Cancel => queue_text::CANCELLED.fill(lang, &[&id, &rows]),
                BroadcastOp::Retry if rows == 0 => queue_text::RETRIED_NONE.get(lang).to_owned(),
                BroadcastOp::Retry => queue_text::RETRIED.fill(lang, &[&rows]),
            };
            state.success(text);
            mark_stale(state);
            let mut effects = load_tab(state);
            effects.push(Effect::LoadBadges);
            effects
        }
        Msg::UnknownDecided { send_again } => {
            state.success(
                if send_again { queue_text::DECIDED_AGAIN } else { queue_text::DECIDED_SENT }.get(lang).to_owned(),
            );
            mark_stale(state);
            load_tab(state)
        }
        Msg::ReplyQueued { customer_id, name } => {
            replies::queued(state, customer_id);
            state.success(queue_text::REPLY_QUEUED.fill(lang, &[&crate::tui::widgets::text::safe(&name)]));
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
