//! Keys: an acknowledged error first, then the keymap with the context chain of what has the focus, then the view
//! that has it (help, welcome, an overlay, the detail or list of the current tab); a key that is no command is text
//! for the focused field. Also the tabs and the quit question. Pure like `update`: returns effects.

use ratatui::crossterm::event::KeyEvent;

use super::{Confirm, Effect, OnYes, Overlay, State, StatusKind, load_tab};
use crate::tui::Screen;
use crate::tui::keymap::{self, Action, Ctx, Key};
use crate::tui::msg::BroadcastOp;
use crate::tui::screens::consent::form as consent_form;
use crate::tui::screens::customers::{detail as customer_detail, form as customer_form};
use crate::tui::screens::import::{self, ImportView};
use crate::tui::screens::queue::detail as queue_detail;
use crate::tui::screens::{composer, consent, customers, help, queue, replies, settings, welcome};
use crate::tui::text;

/// Whether some view takes this key: it acknowledges or ends a status message, is a command in the focused
/// context, or is text for a field or the search. A key nobody takes draws no frame.
pub(super) fn handled(state: &State, ev: &KeyEvent) -> bool {
    let Some(key) = Key::from_event(ev) else { return false };
    if crate::tui::view::too_small(state.size) {
        return key == Key::ctrl('c');
    }
    if state.status.is_some() {
        return true;
    }
    let chain = state.chain();
    keymap::lookup(&chain, key).is_some() || takes_text(state, &chain)
}

/// Whether the focus is on something that takes typed text (see [`type_text`]).
fn takes_text(state: &State, chain: &[Ctx]) -> bool {
    if chain.contains(&Ctx::Filter) || state.welcome.is_some() {
        return true;
    }
    if let Some(v) = import_view(state) {
        return import::takes_text(v);
    }
    if state.tab == Screen::Settings && state.overlay.is_none() && settings::typing(&state.settings) {
        return true;
    }
    match &state.overlay {
        Some(Overlay::CustomerForm(_) | Overlay::ConsentForm(_)) => true,
        Some(Overlay::Confirm(_) | Overlay::Discard { .. }) => false,
        None => chain.contains(&Ctx::Composer) || chain.contains(&Ctx::ReplyInput),
    }
}

pub(super) fn on_key(state: &mut State, ev: KeyEvent) -> Vec<Effect> {
    let Some(key) = Key::from_event(&ev) else { return Vec::new() };
    match state.status.as_ref().map(|s| s.kind) {
        Some(StatusKind::Error) => {
            // The key acknowledges the error and does nothing else (a `q` meant as "ok" must not quit).
            state.status = None;
            return Vec::new();
        }
        Some(_) => state.status = None,
        None => {}
    }
    if crate::tui::view::too_small(state.size) && key != Key::ctrl('c') {
        // The screen only says the window is too small: a key typed blind must not change anything.
        return Vec::new();
    }
    let chain = state.chain();
    match keymap::lookup(&chain, key) {
        Some(action) => apply(state, action),
        None => type_text(state, &ev, &chain),
    }
}

/// A key that is no command: text for the focused field or the search, nothing otherwise.
fn type_text(state: &mut State, ev: &KeyEvent, chain: &[Ctx]) -> Vec<Effect> {
    if chain.contains(&Ctx::Filter) {
        let env = state.env();
        customers::type_filter(&mut state.customers, &env, ev);
        return Vec::new();
    }
    if matches!(state.overlay, Some(Overlay::Discard { .. })) {
        return Vec::new();
    }
    if let Some(w) = &mut state.welcome {
        welcome::type_key(w, ev);
        return Vec::new();
    }
    if state.tab == Screen::Customers
        && state.help.is_none()
        && state.overlay.is_none()
        && let Some(v) = &mut state.import
    {
        import::type_key(v, ev);
        return Vec::new();
    }
    if state.tab == Screen::Settings && state.overlay.is_none() {
        settings::type_key(&mut state.settings, ev);
        return Vec::new();
    }
    let env = state.env();
    match &mut state.overlay {
        Some(Overlay::CustomerForm(f)) => {
            f.type_key(ev, state.region, state.lang);
        }
        Some(Overlay::ConsentForm(f)) => {
            let (customers, lang) = (&mut state.customers, state.lang);
            consent_form::type_key(f, &env, &mut |q, n| super::find_customers(customers, lang, q, n), ev);
        }
        Some(Overlay::Confirm(_) | Overlay::Discard { .. }) => {}
        None if chain.contains(&Ctx::Composer) => {
            let shop = super::composer_shop(&state.config, &state.actor, state.sender);
            composer::type_key(&mut state.composer, &env, &shop, ev);
        }
        None if chain.contains(&Ctx::ReplyInput) => replies::type_key(&mut state.replies, ev),
        None => {}
    }
    Vec::new()
}

fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    if let Some(h) = &mut state.help {
        if !help::on_action(h, action) {
            state.help = None;
        }
        return Vec::new();
    }
    if action == Action::Help {
        state.help = Some(help::Help::new(state.chain()));
        return Vec::new();
    }
    if action == Action::Quit && !matches!(state.overlay, Some(Overlay::Discard { .. })) {
        return quit(state);
    }
    if action == Action::Cancel && state.unsaved() {
        let form = state.overlay.take().map(Box::new);
        state.overlay = Some(Overlay::Discard { form, then_quit: false });
        return Vec::new();
    }
    if matches!(state.overlay, Some(Overlay::Discard { .. }))
        && let Some(Overlay::Discard { form, then_quit }) = state.overlay.take()
    {
        match action {
            Action::Yes if then_quit => return quit(state),
            // A popup form is dropped; the screen's own form gets its Esc now that the farmer said yes.
            Action::Yes if form.is_none() => return cancel_screen_form(state),
            Action::Yes => {}
            Action::No => state.overlay = form.map(|f| *f),
            _ => state.overlay = Some(Overlay::Discard { form, then_quit }),
        }
        return Vec::new();
    }
    if state.welcome.is_some() {
        let env = state.env();
        let Some(w) = &mut state.welcome else { return Vec::new() };
        let outcomes = welcome::on_action(w, &env, action);
        return super::apply_outcomes(state, outcomes);
    }
    match state.overlay.take() {
        Some(Overlay::Confirm(c)) => return confirm(state, c, action),
        Some(Overlay::Discard { .. }) => unreachable!("handled above"),
        Some(Overlay::CustomerForm(f)) => {
            let (form, outcomes) = customer_form::on_action(f, &state.env(), action);
            state.overlay = form.map(Overlay::CustomerForm);
            return super::apply_outcomes(state, outcomes);
        }
        Some(Overlay::ConsentForm(f)) => {
            let (form, outcomes) = consent_form::on_action(f, &state.env(), action);
            state.overlay = form.map(Overlay::ConsentForm);
            return super::apply_outcomes(state, outcomes);
        }
        None => {}
    }
    if state.tab == Screen::Customers
        && let Some(mut v) = state.import.take()
    {
        let (keep, outcomes) = import::on_action(&mut v, &state.env(), action);
        if keep {
            state.import = Some(v);
        }
        return super::apply_outcomes(state, outcomes);
    }
    match action {
        Action::NextTab => switch_tab(state, next_tab(state.tab, 1)),
        Action::PrevTab => switch_tab(state, next_tab(state.tab, -1)),
        Action::Tab(s) => switch_tab(state, s),
        // Bound only while the queue screen shows an alert the farmer can resolve (`QueueView::ctx`).
        Action::ResolveAlerts => vec![Effect::ResolveAlerts],
        _ => match state.tab {
            Screen::Customers => {
                let env = state.env();
                let outcomes = if state.customers.detail.is_some() {
                    customer_detail::on_action(&mut state.customers, &env, action)
                } else {
                    customers::on_action(&mut state.customers, &env, action)
                };
                super::apply_outcomes(state, outcomes)
            }
            Screen::Consent => {
                let env = state.env();
                let outcomes = consent::on_action(&mut state.consent, &env, action);
                super::apply_outcomes(state, outcomes)
            }
            Screen::Composer => {
                let env = state.env();
                let shop = super::composer_shop(&state.config, &state.actor, state.sender);
                let outcomes = composer::on_action(&mut state.composer, &env, &shop, action);
                super::apply_outcomes(state, outcomes)
            }
            Screen::Queue => {
                let env = state.env();
                let outcomes = if state.replies.conversation.is_some() {
                    replies::on_conversation(&mut state.replies, &env, action)
                } else if state.queue.detail.is_some() {
                    queue_detail::on_action(&mut state.queue, &env, action)
                } else if state.queue.pane == queue::Pane::Replies {
                    replies::on_list(&mut state.replies, &env, state.queue.replies(), action)
                } else {
                    queue::on_action(&mut state.queue, &env, action)
                };
                super::apply_outcomes(state, outcomes)
            }
            Screen::Settings => {
                if state.demo && matches!(action, Action::Edit | Action::Connect | Action::InstallService) {
                    // The demo's settings are not the shop's: nothing from the demo is written.
                    state.info(settings::text::DEMO_READ_ONLY.get(state.lang).to_owned());
                    return Vec::new();
                }
                let env = state.env();
                let outcomes = settings::on_action(&mut state.settings, &env, &state.config, action);
                super::apply_outcomes(state, outcomes)
            }
        },
    }
}

/// The import view, when it has the focus (it lies over the customer list).
fn import_view(state: &State) -> Option<&ImportView> {
    state.import.as_ref().filter(|_| state.tab == Screen::Customers && state.overlay.is_none() && state.help.is_none())
}

/// Esc for the setup or the settings form after the farmer agreed to throw its input away.
fn cancel_screen_form(state: &mut State) -> Vec<Effect> {
    let env = state.env();
    if let Some(w) = &mut state.welcome {
        let outcomes = welcome::on_action(w, &env, Action::Cancel);
        return super::apply_outcomes(state, outcomes);
    }
    let outcomes = settings::on_action(&mut state.settings, &env, &state.config, Action::Cancel);
    super::apply_outcomes(state, outcomes)
}

fn quit(state: &mut State) -> Vec<Effect> {
    if state.unsaved() {
        let form = state.overlay.take().map(Box::new);
        state.overlay = Some(Overlay::Discard { form, then_quit: true });
        Vec::new()
    } else if state.sending {
        state.overlay = Some(Overlay::Confirm(Confirm {
            question: text::QUIT_WHILE_SENDING.get(state.lang).to_owned(),
            on_yes: OnYes::Quit,
        }));
        Vec::new()
    } else {
        leave(state)
    }
}

/// Ends the app; a message being composed is kept as a draft (the driver lets that write finish).
fn leave(state: &mut State) -> Vec<Effect> {
    state.quit = true;
    super::draft_to_keep(state).into_iter().collect()
}

fn confirm(state: &mut State, c: Confirm, action: Action) -> Vec<Effect> {
    match action {
        Action::Yes => match c.on_yes {
            OnYes::Quit => leave(state),
            OnYes::DiscardDraft => {
                let outcome = composer::discard(&mut state.composer, state.lang);
                super::apply_outcomes(state, vec![outcome])
            }
            OnYes::Erase { id, phone, name } => {
                state.info(text::ERASING.fill(state.lang, &[&name]));
                vec![Effect::Erase { id, phone, name }]
            }
            OnYes::CancelBroadcast(id) => vec![Effect::Broadcast { id, op: BroadcastOp::Cancel }],
            OnYes::DecideRestored { broadcast, send_again } => vec![Effect::DecideRestored { broadcast, send_again }],
        },
        Action::No => Vec::new(),
        _ => {
            state.overlay = Some(Overlay::Confirm(c));
            Vec::new()
        }
    }
}

const TABS: [Screen; 5] = [Screen::Customers, Screen::Consent, Screen::Composer, Screen::Queue, Screen::Settings];

fn next_tab(current: Screen, by: isize) -> Screen {
    let i = TABS.iter().position(|s| *s == current).unwrap_or(0) as isize;
    TABS[(i + by).rem_euclid(TABS.len() as isize) as usize]
}

pub fn switch_tab(state: &mut State, to: Screen) -> Vec<Effect> {
    if to == Screen::Composer && !state.composer.to_marked {
        super::sync_marked(state);
    }
    if to == Screen::Composer && state.tab != to && state.composer.draft.is_none() {
        // Templates, consent and the last broadcasts may have changed while the farmer was elsewhere.
        state.composer.stale = true;
    }
    state.tab = to;
    load_tab(state)
}
