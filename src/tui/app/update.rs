//! Every message in one exhaustive match: keys and resizes, the loads of each screen, the results of writes
//! (customers, consent, erasure), of the sending side (review, queueing, drafts, test sends, template syncs, the
//! queue's actions, replies) and of the setup, and failures. A new `Msg` is a compile error here until it is
//! handled. Also the one place that decides whether a message draws a frame (`changes_nothing`). Pure: no IO.

use super::keys::{on_key, switch_tab};
use super::{Effect, Msg, Overlay, State, StatusKind};
use crate::i18n::Localized;
use crate::store::StoreError;
use crate::tui::Screen;
use crate::tui::msg::{BroadcastOp, Failure, Op, Sender};
use crate::tui::screens::composer::text as compose_text;
use crate::tui::screens::consent::form as consent_form;
use crate::tui::screens::customers::{detail as customer_detail, form as customer_form};
use crate::tui::screens::queue::detail as queue_detail;
use crate::tui::screens::queue::text as queue_text;
use crate::tui::screens::replies::text as replies_text;
use crate::tui::screens::{composer, consent, customers, import, queue, replies, settings, welcome};
use crate::tui::text;

/// The pure update: applies `msg` to `state` and returns the IO to perform. The one place that raises the redraw
/// flag; a message that changes nothing ([`changes_nothing`]) leaves it as it was, so a frame another message of
/// the same batch asked for is kept.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let draws = !changes_nothing(state, &msg);
    let effects = update_one(state, msg);
    state.redraw |= draws;
    effects
}

/// The one list of messages that leave the screen as it is and so draw no frame, decided before they are applied:
/// the calm check finding no change, badge counts as shown, a reload bringing what is shown (with no "loading …"
/// note to clear), and a key that no view handles (no command in the focused context and no text to type into).
/// Every other key, resize and result draws.
fn changes_nothing(state: &State, msg: &Msg) -> bool {
    let quiet_status = || !state.status.as_ref().is_some_and(|s| s.kind == StatusKind::Info);
    match msg {
        Msg::DataVersion { version, sender_alert, .. } => {
            state.data_version == Some(*version) && state.sender_alert == *sender_alert
        }
        Msg::Badges { unread, open } => state.unread == *unread && state.sending == sends(state, *open > 0),
        Msg::Sender(sender) => state.sender == *sender,
        Msg::Queue(data) => state.queue.data.as_ref() == Some(&**data) && quiet_status(),
        Msg::Rows(data) => queue_detail::shows(state.queue.detail.as_ref(), data),
        Msg::Conversation(data) => replies::shows(&state.replies, data),
        Msg::Key(ev) => !super::keys::handled(state, ev),
        Msg::Resize(..)
        | Msg::Customers(_)
        | Msg::EditCustomer(_)
        | Msg::Consent(_)
        | Msg::Ledger(_)
        | Msg::CustomerSaved(_)
        | Msg::ConsentRecorded { .. }
        | Msg::Erased { .. }
        | Msg::Failed { .. }
        | Msg::Composer(_)
        | Msg::ReviewReady(_)
        | Msg::BroadcastQueued { .. }
        | Msg::DraftSaved(_)
        | Msg::TestSent { .. }
        | Msg::TemplatesSynced(_)
        | Msg::BroadcastChanged { .. }
        | Msg::UnknownDecided { .. }
        | Msg::AlertsResolved(_)
        | Msg::ReplyQueued { .. }
        | Msg::Setup(_)
        | Msg::ImportCompleted(_)
        | Msg::ImportPlanned(_)
        | Msg::ImportApplied(_)
        | Msg::FileWritten { .. }
        | Msg::Settings(_) => false,
    }
}

fn update_one(state: &mut State, msg: Msg) -> Vec<Effect> {
    let lang = state.lang;
    match msg {
        Msg::Key(ev) => on_key(state, ev),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            customers::clamp(&mut state.customers, state.size);
            consent::clamp(&mut state.consent, state.size);
            Vec::new()
        }
        Msg::Customers(data) => {
            state.now = Some(data.now);
            state.data_version = Some(data.data_version);
            clear_info(state);
            let env = state.env();
            // The first rows are here: now the whole list (asked for only now, so the DB thread is idle while this
            // frame is drawn — on a busy Pi the first frame does not wait behind the whole list).
            let page = data.page_of.is_some() && !state.customers.loaded;
            customers::loaded(&mut state.customers, &env, data);
            if let Some(Overlay::ConsentForm(f)) = &mut state.overlay {
                let (customers, lang) = (&mut state.customers, state.lang);
                f.refresh_matches(&mut |q, n| super::find_customers(customers, lang, q, n));
            }
            if page { vec![Effect::LoadCustomers] } else { Vec::new() }
        }
        // The list's `e` (edit): the whole customer was read for the form.
        Msg::EditCustomer(c) => {
            super::apply_outcomes(state, vec![crate::tui::screens::Outcome::CustomerForm(Some(*c))])
        }
        Msg::Consent(data) => {
            state.now = Some(data.now);
            state.data_version = Some(data.data_version);
            clear_info(state);
            let env = state.env();
            consent::loaded(&mut state.consent, &env, data);
            Vec::new()
        }
        Msg::Ledger(data) => {
            customer_detail::loaded(&mut state.customers, data);
            Vec::new()
        }
        Msg::DataVersion { version: v, now, sender_alert } => {
            state.now = Some(now);
            let badges = !state.badges_loaded;
            if state.data_version == Some(v) && state.sender_alert == sender_alert {
                // Nothing changed elsewhere: no reload, no frame.
                return if badges { vec![Effect::LoadBadges] } else { Vec::new() };
            }
            state.data_version = Some(v);
            state.sender_alert = sender_alert;
            mark_stale(state);
            let mut effects = load_tab(state);
            effects.push(Effect::LoadBadges);
            effects
        }
        Msg::CustomerSaved(c) => {
            // The save went through: close the form and select the customer.
            let added = matches!(&state.overlay, Some(Overlay::CustomerForm(f)) if f.id.is_none());
            if matches!(state.overlay, Some(Overlay::CustomerForm(_))) {
                state.overlay = None;
            }
            state.success(customer_form::saved_text(added, &c, lang));
            state.customers.select_after_load = Some(c.id);
            mark_stale(state);
            state.composer.stale = true;
            load_tab(state)
        }
        Msg::ConsentRecorded { customer_id, name, purposes, kind, overruled } => {
            // The events were appended: close the form and say so.
            if matches!(state.overlay, Some(Overlay::ConsentForm(_))) {
                state.overlay = None;
            }
            state.success(consent_form::recorded_text(&name, &purposes, kind, overruled, lang));
            if state.tab == Screen::Customers {
                state.customers.select_after_load = Some(customer_id);
            }
            mark_stale(state);
            state.composer.stale = true;
            load_tab(state)
        }
        Msg::Erased { name, pseudonymised } => {
            state.customers.detail = None;
            state.success(text::ERASED.fill(lang, &[&name, &pseudonymised]));
            mark_stale(state);
            state.composer.stale = true;
            load_tab(state)
        }
        Msg::Failed { op, error } => {
            failed(state, op, error);
            Vec::new()
        }
        Msg::Composer(data) => {
            clear_info(state);
            let env = state.env();
            let shop = super::composer_shop(&state.config, &state.actor, state.sender);
            composer::loaded(&mut state.composer, &env, &shop, *data);
            Vec::new()
        }
        Msg::Queue(data) => {
            clear_info(state);
            state.now = Some(data.now);
            let env = state.env();
            state.unread = data.unread;
            queue::loaded(&mut state.queue, &env, *data);
            let rows = queue::page(&state.queue, state.size) * queue::ENTRY_LINES;
            state.replies.nav.clamp(state.queue.replies().len(), rows);
            set_sending(state, None);
            Vec::new()
        }
        Msg::Rows(data) => {
            let env = state.env();
            queue_detail::loaded(&mut state.queue, &env, data);
            Vec::new()
        }
        Msg::Conversation(data) => {
            replies::loaded(&mut state.replies, data);
            Vec::new()
        }
        Msg::Badges { unread, open } => {
            state.badges_loaded = true;
            state.unread = unread;
            set_sending(state, Some(open));
            Vec::new()
        }
        Msg::Sender(sender) => {
            let was = std::mem::replace(&mut state.sender, sender);
            match sender {
                Sender::HandedOver if was != sender => state.info(queue_text::HANDED_OVER.get(state.lang).to_owned()),
                Sender::InApp if matches!(was, Sender::Service | Sender::HandedOver) => {
                    state.info(queue_text::TOOK_OVER.get(state.lang).to_owned())
                }
                _ => {}
            }
            set_sending(state, None);
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
            if state.composer.to_marked {
                // The message to the marked customers is on its way: the marks have done their job.
                state.customers.marked.clear();
            }
            let c = &mut state.composer;
            c.busy = false;
            c.review = None;
            c.draft = None;
            c.to_marked = false;
            c.stale = true;
            let mut text = match scheduled_at {
                Some(at) => compose_text::QUEUED_SCHEDULED.fill(lang, &[&id, &text::datetime(at, lang), &recipients]),
                None => compose_text::QUEUED.fill(lang, &[&id, &recipients]),
            };
            if !state.connected && state.sender == Sender::Off {
                // Queued, but nobody can send yet: say what to do.
                text = format!("{text} {}", settings::text::QUEUED_NOT_CONNECTED.get(lang));
            }
            state.success(text);
            state.queue.stale = true;
            state.queue.detail = None;
            state.replies.conversation = None;
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
            c.to_marked = false;
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
            let done = if send_again { queue_text::DECIDED_AGAIN } else { queue_text::DECIDED_SENT };
            state.success(done.get(lang).to_owned());
            mark_stale(state);
            load_tab(state)
        }
        Msg::AlertsResolved(n) => {
            state.success(queue_text::ALERTS_RESOLVED.fill(lang, &[&n]));
            mark_stale(state);
            load_tab(state)
        }
        Msg::ReplyQueued { customer_id, name } => {
            replies::queued(&mut state.replies, customer_id);
            state.success(replies_text::REPLY_QUEUED.fill(lang, &[&crate::tui::widgets::text::safe(&name)]));
            mark_stale(state);
            load_tab(state)
        }
        Msg::Setup(m) => {
            let env = state.env();
            let Some(w) = &mut state.welcome else { return Vec::new() };
            let outcomes = welcome::on_msg(w, &env, m);
            super::apply_outcomes(state, outcomes)
        }
        Msg::ImportCompleted(c) => {
            if let Some(v) = &mut state.import {
                import::completed(v, c);
            }
            Vec::new()
        }
        Msg::ImportPlanned(plan) => {
            clear_info(state);
            if let Some(v) = &mut state.import {
                import::planned(v, *plan);
            }
            Vec::new()
        }
        Msg::ImportApplied(summary) => {
            // Written: the view closes, the status line says what happened and the list shows it.
            state.import = None;
            state.success(import::applied_text(&summary, lang));
            mark_stale(state);
            state.composer.stale = true;
            load_tab(state)
        }
        Msg::FileWritten { kind, shown } => {
            state.success(customers::written_text(kind, &shown, lang));
            Vec::new()
        }
        Msg::Settings(m) => {
            if matches!(m, settings::SettingsMsg::Loaded(_)) {
                clear_info(state);
            }
            let env = state.env();
            let outcomes = settings::on_msg(&mut state.settings, &env, m);
            super::apply_outcomes(state, outcomes)
        }
    }
}

/// A finished load ends the "loading …" note.
fn clear_info(state: &mut State) {
    if state.status.as_ref().is_some_and(|s| s.kind == StatusKind::Info) {
        state.status = None;
    }
}

/// Quitting asks first while this window sends and rows are still open.
fn set_sending(state: &mut State, open: Option<i64>) {
    let open = match open {
        Some(n) => n > 0,
        None => state
            .queue
            .broadcasts()
            .iter()
            .any(|b| b.state == crate::domain::sending::BroadcastState::Sending && b.open() > 0),
    };
    state.sending = sends(state, open);
}

/// Whether this window is sending while rows are `open`.
fn sends(state: &State, open: bool) -> bool {
    state.sender == Sender::InApp && open
}

fn failed(state: &mut State, op: Op, error: Failure) {
    if op == Op::Import
        && let Some(v) = &mut state.import
    {
        // The file's problem is shown under the path field; a failed apply goes back to the dry run and says why.
        let text = error.localized(state.lang);
        if import::failed(v, text.clone()) {
            state.status = None;
        } else {
            state.error(text);
        }
        return;
    }
    // A failed save is shown at its field while its form is open.
    let handled = match &mut state.overlay {
        Some(Overlay::CustomerForm(f)) if op == Op::SaveCustomer => f.show_failure(&error, state.lang),
        Some(Overlay::ConsentForm(f)) if op == Op::RecordConsent => f.show_failure(&error, state.lang),
        Some(Overlay::CustomerForm(_) | Overlay::ConsentForm(_) | Overlay::Confirm(_) | Overlay::Discard { .. })
        | None => false,
    };
    match op {
        Op::Compose => state.composer.busy = false,
        Op::Sync => state.composer.syncing = false,
        Op::Reply => {
            if let Some(c) = &mut state.replies.conversation {
                c.sending = false;
            }
        }
        Op::Setup => {
            if let Some(w) = &mut state.welcome {
                w.failed();
            }
        }
        Op::Settings => {
            let text = settings::failed(&mut state.settings, &error.localized(state.lang), state.lang);
            state.error(text);
            return;
        }
        Op::Load
        | Op::SaveCustomer
        | Op::RecordConsent
        | Op::Erase
        | Op::TestSend
        | Op::Broadcast
        | Op::Import
        | Op::Export => {}
    }
    if handled {
        // The "saving …" note is over; the error is shown at its field.
        state.status = None;
    } else {
        if op == Op::Load
            && matches!(error, Failure::Store(StoreError::NotFound(_)))
            && state.customers.detail.is_some()
        {
            // The customer was erased elsewhere while their detail was open.
            state.customers.detail = None;
        }
        let mut text = error.localized(state.lang);
        if op == Op::Setup {
            text = welcome::failure_text(&text, state.lang);
        }
        state.error(text);
    }
}

/// Everything shown may be outdated: reload the current screen now and the others when they are opened.
pub fn mark_stale(state: &mut State) {
    state.customers.stale = true;
    state.consent.stale = true;
    state.queue.stale = true;
}

/// Loads for the current tab what is not loaded or outdated.
pub fn load_tab(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    match state.tab {
        Screen::Customers => {
            if state.customers.stale || !state.customers.loaded {
                state.customers.stale = false;
                // The first start: the rows on screen first, the whole list when they are in (issue 15).
                match customers::first_page(&state.customers, state.size) {
                    Some(n) => effects.push(Effect::LoadCustomerPage(n)),
                    None => effects.push(Effect::LoadCustomers),
                }
            }
            if let Some(d) = &state.customers.detail {
                effects.push(Effect::LoadLedger(d.customer_id));
            }
        }
        Screen::Consent => {
            if state.consent.stale || !state.consent.loaded {
                state.consent.stale = false;
                effects.push(Effect::LoadConsent);
            }
        }
        Screen::Composer => {
            if (state.composer.stale || !state.composer.loaded) && state.composer.draft.is_none() {
                state.composer.stale = false;
                effects.push(Effect::LoadComposer);
            }
        }
        Screen::Queue => {
            if state.queue.stale || !state.queue.loaded {
                state.queue.stale = false;
                effects.push(Effect::LoadQueue);
            }
            if let Some(d) = &state.queue.detail {
                effects.push(Effect::LoadRows(d.id));
            }
            if let Some(c) = &state.replies.conversation {
                effects.push(Effect::LoadConversation(c.customer_id));
            }
        }
        Screen::Settings => {
            if state.settings.stale || !state.settings.loaded {
                state.settings.stale = false;
                effects.push(Effect::Settings(crate::tui::screens::settings::SettingsEffect::Load));
            }
        }
    }
    if state.welcome.is_some() {
        effects.clear();
    }
    if let Some(e) = customers_for_form(state)
        && !effects.contains(&e)
    {
        effects.push(e);
    }
    effects
}

/// The consent form picks customers from the customer list: load it when it is missing or outdated.
pub fn customers_for_form(state: &mut State) -> Option<Effect> {
    if matches!(state.overlay, Some(Overlay::ConsentForm(_))) && (!state.customers.loaded || state.customers.stale) {
        state.customers.stale = false;
        return Some(Effect::LoadCustomers);
    }
    None
}
