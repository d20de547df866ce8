//! Pure update tests of the composer and the queue screen: keys and loaded data in, state and effects out. The
//! data comes from `send_store` through the real performer (`loaded`, `press`), but every assertion is about what
//! `update` did with it.

use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::domain::broadcast::Audience;
use crate::domain::checks::Warning;
use crate::domain::consent::{ConsentState, Purpose};
use crate::domain::template::{Category, Params};
use crate::tui::app::{BroadcastOp, Effect, Overlay, StatusKind};
use crate::tui::keymap::Ctx;
use crate::tui::screens::composer::Focus;
use crate::tui::screens::queue::Pane;

fn composer(size: (u16, u16)) -> (Store, Launch, State) {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let state = loaded(&mut store, &launch, size, Screen::Composer);
    (store, launch, state)
}

fn select(state: &mut State, name: &str) {
    let pos = state.composer.templates.iter().position(|t| t.name == name).unwrap();
    state.composer.nav.selected = pos;
}

fn typ(state: &mut State, text: &str) {
    for c in text.chars() {
        assert!(update(state, ch(c)).is_empty(), "typing performs no IO");
    }
}

/// Customers of the demo with granted consent for `purpose`.
fn consenting(store: &Store, purpose: Purpose) -> usize {
    store
        .list_customers(&Default::default())
        .unwrap()
        .iter()
        .filter(|r| {
            let s = if purpose == Purpose::Marketing { r.consent.marketing } else { r.consent.service };
            s == ConsentState::Granted
        })
        .count()
}

#[test]
fn only_approved_templates_can_be_chosen() {
    let (_, _, mut state) = composer((80, 24));
    let v = &state.composer;
    assert_eq!(v.selectable, 4, "two of the eight demo templates are not approved, two are hofbote's own");
    assert!(v.templates.iter().all(|t| !crate::domain::template::is_own(&t.name)), "own templates are not listed");
    assert!(v.templates[v.selectable..].iter().all(|t| !t.is_approved()));
    assert_eq!(v.selected().unwrap().name, "wochenangebot", "the template of the latest broadcast is selected");
    update(&mut state, ch('G'));
    assert_eq!(state.composer.nav.selected, 3, "the cursor stops at the last approved template");
    state.composer.nav.selected = 4;
    update(&mut state, key(KeyCode::Enter));
    assert!(state.composer.draft.is_none());
    let status = state.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.contains("Nur genehmigte Vorlagen"), "{}", status.text);
}

#[test]
fn placeholders_are_filled_and_personalised_per_customer() {
    let (store, _, mut state) = composer((120, 40));
    select(&mut state, "wochenangebot");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.fields.iter().map(|f| f.label.as_str()).collect::<Vec<_>>(), ["Anrede", "Wert 2"]);
    assert_eq!(d.focus, Focus::Param(0));
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::Composer]);
    typ(&mut state, "{vorname}");
    update(&mut state, key(KeyCode::Tab));
    typ(&mut state, "Bratwurst q1?");
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.params(), Params::positional(&["{vorname}", "Bratwurst q1?"]));
    assert!(!state.quit && state.tab == Screen::Composer, "q and 1 typed into a field are text");
    // Every consenting customer gets their own first name, or the greeting fallback.
    assert_eq!(d.plan.recipients.len(), consenting(&store, Purpose::Marketing));
    for r in &d.plan.recipients {
        let c = store.customer(r.customer_id).unwrap();
        let expected = if c.first_name.is_empty() { "Liebe Kundin, lieber Kunde".to_owned() } else { c.first_name };
        assert_eq!(r.params.body["1"], expected);
    }
    // The preview follows the recipient; PageDown cycles through them.
    let first = d.sample_customer().unwrap().id;
    update(&mut state, key(KeyCode::PageDown));
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.recipient, 1);
    assert_ne!(d.sample_customer().unwrap().id, first);
    let text = screen(&state);
    assert!(text.contains(&format!("2/{}", d.plan.recipients.len())), "{text}");
    // With the focus on the preview, ← and → cycle too.
    for _ in 0..3 {
        update(&mut state, key(KeyCode::Tab));
    }
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::Preview, Ctx::Composer]);
    update(&mut state, key(KeyCode::Right));
    assert_eq!(state.composer.draft.as_ref().unwrap().recipient, 2);
    update(&mut state, key(KeyCode::Left));
    update(&mut state, key(KeyCode::Left));
    update(&mut state, key(KeyCode::Left));
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.recipient, d.plan.recipients.len() - 1, "wraps around");
}

#[test]
fn meta_rules_are_checked_as_you_type() {
    let (_, _, mut state) = composer((80, 24));
    select(&mut state, "wochenangebot");
    update(&mut state, key(KeyCode::Enter));
    let d = state.composer.draft.as_ref().unwrap();
    assert!(d.fields.iter().all(|f| f.error.is_none()), "an empty field shows no error before it was left");
    update(&mut state, key(KeyCode::Tab));
    let d = state.composer.draft.as_ref().unwrap();
    assert!(d.fields[0].error.as_deref().unwrap().contains("ist leer"), "left empty: {:?}", d.fields[0].error);
    assert!(d.fields[1].error.is_none());
    typ(&mut state, "a     b");
    let d = state.composer.draft.as_ref().unwrap();
    assert!(d.fields[1].error.as_deref().unwrap().contains("mehr als 4 Leerzeichen"), "{:?}", d.fields[1].error);
    for _ in 0..6 {
        update(&mut state, key(KeyCode::Backspace));
    }
    // Enter with an empty field: no review, the focus goes to the field, its error is shown.
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.focus, Focus::Param(0));
    assert!(d.fields[0].error.as_deref().unwrap().contains("ist leer"), "{:?}", d.fields[0].error);
}

#[test]
fn the_purpose_follows_the_category_and_decides_the_audience() {
    let (store, _, mut state) = composer((80, 24));
    select(&mut state, "schlachttermin");
    update(&mut state, key(KeyCode::Enter));
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!((d.template.category, d.purpose), (Category::Utility, Purpose::Service));
    typ(&mut state, "{vorname}");
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.plan.recipients.len(), consenting(&store, Purpose::Service));
    assert_eq!(d.plan.recipients.len() + d.plan.excluded.len(), d.matched());
    assert!(screen(&state).contains("Zweck: Termine (Service)"), "{}", screen(&state));
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('y')); // "Verwerfen?" — yes
    select(&mut state, "wochenangebot");
    update(&mut state, key(KeyCode::Enter));
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.purpose, Purpose::Marketing);
}

#[test]
fn the_audience_by_tag_changes_the_counts_and_excluded_have_reasons() {
    let (store, _, mut state) = composer((80, 24));
    select(&mut state, "wochenangebot");
    update(&mut state, key(KeyCode::Enter));
    typ(&mut state, "{vorname}");
    update(&mut state, key(KeyCode::Tab));
    typ(&mut state, "Eier");
    update(&mut state, key(KeyCode::Tab)); // Zeitpunkt
    update(&mut state, key(KeyCode::Tab)); // Zielgruppe
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::FormChoice, Ctx::Composer]);
    let all = state.composer.draft.as_ref().unwrap().plan.recipients.len();
    let tag = state.composer.draft.as_ref().unwrap().audiences[1].0.clone();
    update(&mut state, ch(' '));
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.audiences[d.audience].0, tag);
    let Audience::Tags(tags) = &tag else { panic!("{tag:?}") };
    let tagged = store
        .list_customers(&Default::default())
        .unwrap()
        .into_iter()
        .filter(|r| r.customer.tags.contains(&tags[0]) && r.consent.marketing == ConsentState::Granted)
        .count();
    assert_eq!(d.plan.recipients.len(), tagged);
    assert!(tagged < all);
    let n_excluded = d.plan.excluded.len();
    // Everyone in the tag who is left out has a reason.
    update(&mut state, ctrl('x'));
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::Excluded]);
    let rows = crate::tui::screens::composer::excluded_rows(&state.composer, state.lang);
    assert_eq!(rows.len(), n_excluded);
    assert!(rows.iter().all(|(_, why)| why.contains("Einwilligung")), "{rows:?}");
    update(&mut state, key(KeyCode::Esc));
    assert!(state.composer.excluded.is_none());
}

#[test]
fn warnings_for_advertising_in_a_service_message() {
    let (_, _, mut state) = composer((80, 24));
    select(&mut state, "schlachttermin");
    update(&mut state, key(KeyCode::Enter));
    typ(&mut state, "{vorname}");
    update(&mut state, key(KeyCode::Tab));
    typ(&mut state, "Sa 5.12.");
    assert!(state.composer.draft.as_ref().unwrap().warnings.is_empty());
    update(&mut state, key(KeyCode::Tab));
    typ(&mut state, "Mo 7.12., mit 10 % Rabatt auf Wurst");
    let d = state.composer.draft.as_ref().unwrap();
    assert!(
        matches!(&d.warnings[..], [Warning::PromotionalService(w)] if w.contains(&"rabatt".to_owned())),
        "{:?}",
        d.warnings
    );
    assert!(screen(&state).contains("klingt nach Werbung"), "{}", screen(&state));
}

#[test]
fn repeat_last_starts_from_the_old_values_with_the_offer_cleared() {
    let (_, _, mut state) = composer((80, 24));
    let last = state.composer.last_of("wochenangebot").unwrap().clone();
    assert!(update(&mut state, ch('l')).is_empty());
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.repeat_of, Some(last.id));
    assert_eq!(d.fields[0].input.value(), "{vorname}", "the greeting is kept");
    assert_eq!(d.fields[1].input.value(), "", "the offer is cleared");
    assert_eq!(d.fields[1].hint, "vorher: Weihnachtsgänse vorbestellen");
    assert_eq!(d.focus, Focus::Param(1), "the cursor is in the offer field");
    assert_eq!(d.audiences[d.audience].0, last.audience);
}

#[test]
fn review_queue_draft_discard_and_test_send() {
    let (_, _, mut state) = composer((80, 24));
    update(&mut state, ch('l'));
    update(&mut state, key(KeyCode::Enter));
    typ(&mut state, "Grillpaket");
    update(&mut state, key(KeyCode::Tab));
    typ(&mut state, "28.11.2026 08:00");
    let effects = update(&mut state, key(KeyCode::Enter));
    let [Effect::PrepareReview(new)] = &effects[..] else { panic!("{effects:?}") };
    assert_eq!(new.template, "wochenangebot");
    assert_eq!(new.params, Params::positional(&["{vorname}", "Grillpaket"]));
    assert_eq!(new.scheduled_at, Some(Utc.with_ymd_and_hms(2026, 11, 28, 7, 0, 0).unwrap()));
    assert_eq!(new.created_by, "anna");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty(), "a second Enter while waiting does nothing");
    let new = new.clone();
    // The review from the store.
    let mut store = send_store();
    let ctx = PerformCtx::from_launch(&launch(shop_config(), Lang::De, false));
    let msg = crate::tui::perform::perform_on(&ctx, &mut store, Effect::PrepareReview(new.clone()));
    assert!(update(&mut state, msg).is_empty());
    assert!(state.composer.review.is_some());
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::Review, Ctx::Global]);
    // e goes back with the values kept; Enter comes back.
    update(&mut state, ch('e'));
    assert!(state.composer.review.is_none());
    assert_eq!(state.composer.draft.as_ref().unwrap().fields[1].input.value(), "Grillpaket");
    let msg = crate::tui::perform::perform_on(&ctx, &mut store, Effect::PrepareReview(new.clone()));
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, msg);
    // The demo config has an own number: t sends a test there.
    let effects = update(&mut state, ch('t'));
    let [Effect::TestSend { to, .. }] = &effects[..] else { panic!("{effects:?}") };
    assert_eq!(to.as_e164(), "+491715550100");
    // Without one, the farmer is told what to set.
    state.config.shop.own_number.clear();
    assert!(update(&mut state, ch('t')).is_empty());
    assert!(state.status.as_ref().unwrap().text.contains("unter 5 Einstellungen"));
    update(&mut state, ch('x')); // acknowledges the error
    assert_eq!(update(&mut state, ch('y')), vec![Effect::QueueBroadcast(new.clone())]);
    assert!(update(&mut state, ch('y')).is_empty(), "queued once only");
    state.composer.busy = false;
    assert_eq!(update(&mut state, ch('p')), vec![Effect::SaveDraft(new)]);
    state.composer.busy = false;
    update(&mut state, ch('n'));
    assert!(state.composer.review.is_none() && state.composer.draft.is_none());
    assert_eq!(state.status.as_ref().unwrap().text, "Verworfen. Es wurde nichts gespeichert.");
}

#[test]
fn a_time_that_is_past_or_unreadable_is_refused() {
    let (_, _, mut state) = composer((80, 24));
    update(&mut state, ch('l'));
    update(&mut state, key(KeyCode::Enter));
    typ(&mut state, "Grillpaket");
    update(&mut state, key(KeyCode::Tab));
    typ(&mut state, "bald");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.focus, Focus::When);
    assert!(d.when_error.as_deref().unwrap().contains("nicht erkannt"));
    for _ in 0..4 {
        update(&mut state, key(KeyCode::Backspace));
    }
    typ(&mut state, "01.01.2020 08:00");
    assert!(update(&mut state, key(KeyCode::Enter)).is_empty());
    assert!(state.composer.draft.as_ref().unwrap().when_error.as_deref().unwrap().contains("Vergangenheit"));
}

fn queue_state() -> (Store, Launch, State) {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let state = loaded(&mut store, &launch, (80, 24), Screen::Queue);
    (store, launch, state)
}

#[test]
fn queue_keys_become_effects_and_cancel_asks_first() {
    let (_, _, mut state) = queue_state();
    use crate::domain::sending::BroadcastState;
    let ids: Vec<(i64, BroadcastState)> = state.queue.broadcasts().iter().map(|b| (b.id, b.state)).collect();
    let sending = ids.iter().position(|(_, s)| *s == BroadcastState::Sending).unwrap();
    let draft = ids.iter().position(|(_, s)| *s == BroadcastState::Draft).unwrap();
    state.queue.nav.selected = sending;
    let id = ids[sending].0;
    assert_eq!(update(&mut state, ch('p')), vec![Effect::Broadcast { id, op: BroadcastOp::Pause }]);
    assert_eq!(update(&mut state, ch('f')), vec![Effect::Broadcast { id, op: BroadcastOp::Retry }]);
    assert!(update(&mut state, ch('c')).is_empty());
    assert!(matches!(state.overlay, Some(Overlay::Confirm(_))));
    assert_eq!(update(&mut state, ch('y')), vec![Effect::Broadcast { id, op: BroadcastOp::Cancel }]);
    state.queue.nav.selected = draft;
    let draft_id = ids[draft].0;
    assert_eq!(update(&mut state, ch('r')), vec![Effect::Broadcast { id: draft_id, op: BroadcastOp::QueueDraft }]);
    state.queue.nav.selected = sending;
    assert_eq!(update(&mut state, key(KeyCode::Enter)), vec![Effect::LoadRows(id)]);
}

#[test]
fn unclear_rows_offer_the_choice_and_others_do_not() {
    let (mut store, launch, mut state) = queue_state();
    use crate::domain::sending::{BroadcastState, RowState};
    let sending = state.queue.broadcasts().iter().position(|b| b.state == BroadcastState::Sending).unwrap();
    state.queue.nav.selected = sending;
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    let d = state.queue.detail.as_ref().unwrap();
    assert_eq!(d.rows[0].state, RowState::Failed, "problems first");
    assert_eq!(d.rows[1].state, RowState::Unknown);
    assert!(screen(&state).contains("Fehler 131026"), "{}", screen(&state));
    assert!(update(&mut state, ch('s')).is_empty(), "a failed row has no choice");
    update(&mut state, ch('j'));
    let row = state.queue.detail.as_ref().unwrap().rows[1].id;
    assert_eq!(update(&mut state, ch('s')), vec![Effect::DecideUnknown { row, send_again: true }]);
    assert_eq!(update(&mut state, ch('m')), vec![Effect::DecideUnknown { row, send_again: false }]);
}

#[test]
fn an_unchanged_reload_draws_nothing() {
    let (mut store, launch, mut state) = queue_state();
    let ctx = PerformCtx::from_launch(&launch);
    let msg = crate::tui::perform::perform_on(&ctx, &mut store, Effect::LoadQueue);
    state.take_redraw();
    update(&mut state, msg);
    assert!(!state.take_redraw(), "the same data again: no frame");
    store.conn().execute("UPDATE outbox SET state = 'read' WHERE state = 'queued'", []).unwrap();
    let msg = crate::tui::perform::perform_on(&ctx, &mut store, Effect::LoadQueue);
    update(&mut state, msg);
    assert!(state.take_redraw(), "a status changed: one frame");
}

#[test]
fn replies_open_the_conversation_and_answers_only_inside_the_window() {
    let (mut store, launch, mut state) = queue_state();
    assert_eq!(state.unread, 2);
    update(&mut state, ch('a'));
    assert_eq!(state.queue.pane, Pane::Replies);
    let first = &state.queue.replies()[0];
    assert_eq!(first.text, "Gibt es nächste Woche wieder Bratwürste?", "newest first");
    let id = first.customer_id.unwrap();
    let effects = update(&mut state, key(KeyCode::Enter));
    assert_eq!(effects, vec![Effect::LoadConversation(id)]);
    settle(&PerformCtx::from_launch(&launch), &mut store, &mut state, effects);
    assert_eq!(store.unread_replies().unwrap(), 1, "opening marks that customer's messages read");
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::ReplyInput, Ctx::Conversation]);
    typ(&mut state, "Ja, ab Freitag q");
    assert!(!state.quit);
    assert_eq!(
        update(&mut state, key(KeyCode::Enter)),
        vec![Effect::QueueReply { customer_id: id, text: "Ja, ab Freitag q".into() }]
    );
    // A customer whose last message is older than 24 h: no input, the screen says why.
    update(&mut state, key(KeyCode::Esc));
    state.replies.conversation = None;
    let old = state.queue.replies().iter().position(|r| r.text == "Habt ihr auch Leberwurst?").unwrap();
    let joerg = state.queue.replies()[old].customer_id.unwrap();
    store
        .conn()
        .execute("DELETE FROM inbound_messages WHERE customer_id = ?1 AND wamid = 'wamid.in1'", [joerg])
        .unwrap();
    state.replies.nav.selected = old;
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    assert!(!state.replies.conversation.as_ref().unwrap().can_answer());
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::Conversation, Ctx::Global]);
    assert!(screen(&state).contains("nur eine Vorlage"), "{}", screen(&state));
}

#[test]
fn quitting_while_this_window_sends_asks_first() {
    let (_, _, mut state) = queue_state();
    state.sender = crate::tui::app::Sender::InApp;
    update(&mut state, Msg::Badges { unread: 0, open: 3 });
    assert!(state.sending);
    update(&mut state, ch('q'));
    assert!(!state.quit && matches!(state.overlay, Some(Overlay::Confirm(_))));
    update(&mut state, ch('n'));
    // When the service sends, quitting loses nothing.
    state.sender = crate::tui::app::Sender::Service;
    update(&mut state, Msg::Badges { unread: 0, open: 3 });
    assert!(!state.sending);
    update(&mut state, ch('q'));
    assert!(state.quit);
}

#[test]
fn handing_sending_to_the_service_shows_in_the_header_and_quitting_no_longer_asks() {
    use crate::tui::app::Sender;
    let (_, _, mut state) = queue_state();
    state.sender = Sender::InApp;
    update(&mut state, Msg::Badges { unread: 0, open: 3 });
    assert!(state.sending);
    // A service started and waits: this window hands over at the next message boundary.
    update(&mut state, Msg::Sender(Sender::HandedOver));
    assert!(state.redraw && !state.sending, "the service sends the open rows now");
    let shown = screen(&state);
    assert!(shown.contains("Versand: an Dienst übergeben"), "{shown}");
    assert!(shown.contains("Versand übergeben an den Dienst (hofbote serve)"), "{shown}");
    // The same news again draws nothing.
    state.take_redraw();
    update(&mut state, Msg::Sender(Sender::HandedOver));
    assert!(!state.redraw);
    // The service stopped: this window sends again and says so; quitting asks again.
    update(&mut state, Msg::Sender(Sender::InApp));
    assert!(state.sending);
    assert!(screen(&state).contains("hofbote sendet jetzt selbst"), "{}", screen(&state));
    update(&mut state, Msg::Sender(Sender::HandedOver));
    update(&mut state, ch('q'));
    assert!(state.quit, "nothing is lost when the service sends");
}

#[test]
fn the_customer_detail_shows_replies_and_r_opens_the_conversation() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let mut state = loaded(&mut store, &launch, (100, 30), Screen::Customers);
    update(&mut state, ch('/'));
    typ(&mut state, "jörg");
    update(&mut state, key(KeyCode::Enter));
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    let text = screen(&state);
    assert!(text.contains("Antworten           2 · zuletzt 27.11.2026 09:48: »Gibt es nächste Woche"), "{text}");
    let id = state.customers.detail.as_ref().unwrap().customer_id;
    let effects = update(&mut state, ch('r'));
    assert!(effects.contains(&Effect::LoadConversation(id)), "{effects:?}");
    assert_eq!(state.tab, Screen::Queue);
    assert_eq!(state.queue.pane, Pane::Replies);
}

#[test]
fn alerts_are_shown_on_top_until_resolved() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    store.raise_alert("auth", Some(190), "token expired").unwrap();
    let mut state = loaded(&mut store, &launch, (120, 40), Screen::Queue);
    let text = screen(&state);
    let first_body_line = text.lines().nth(2).unwrap();
    assert!(first_body_line.starts_with("Versand gestoppt: "), "{text}");
    assert!(text.contains("[190]"), "Meta's code in brackets after the explanation:\n{text}");
    insta::assert_snapshot!("queue_alert__120x40", text);
    // A restart no longer clears it: the farmer fixes the cause and presses the key named in the text and the hints.
    assert!(text.contains("drücke w"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("w Warnung erledigt"), "{text}");
    assert_eq!(update(&mut state, ch('w')), vec![Effect::ResolveAlerts]);
    press(&mut store, &launch, &mut state, ch('w'));
    let text = screen(&state);
    assert!(!text.contains("Versand gestoppt"), "{text}");
    assert!(text.contains("1 Warnungen erledigt"), "{text}");
    assert!(store.active_alerts().unwrap().is_empty());
    // Nothing left to resolve: the key is gone from the hints and does nothing.
    assert!(!text.contains("Warnung erledigt  "), "{text}");
    assert_eq!(update(&mut state, ch('w')), vec![]);
}

/// Meta's 131063 pauses marketing only: the alert says so (not "Versand gestoppt"), in full at 80 columns, with
/// what goes on and the keys to go on (issue 14 §3).
#[test]
fn marketing_disabled_says_that_service_messages_go_on() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    store.raise_alert(crate::store::outbox::ALERT_MARKETING_DISABLED, Some(131063), "disabled").unwrap();
    let state = loaded(&mut store, &launch, (80, 24), Screen::Queue);
    let text = screen(&state);
    assert!(text.lines().nth(2).unwrap().starts_with("Werbung angehalten: Meta hat Werbenachrichten"), "{text}");
    assert!(!text.contains("Versand gestoppt"), "{text}");
    for needle in ["[131063]", "Termine (Service)", "w drücken, dann mit r fortsetzen."] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
}

#[test]
fn the_key_leaves_the_alerts_that_follow_a_webhook_body_and_resolves_held_signups() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    store.raise_alert(crate::store::webhooks::ALERT_UNREADABLE, None, "Webhook #1 ist nicht lesbar").unwrap();
    let mut state = loaded(&mut store, &launch, (120, 40), Screen::Queue);
    // Only a body that applies or is dismissed ends this one: no key for it.
    assert!(!screen(&state).contains("Warnung erledigt"), "{}", screen(&state));
    assert_eq!(update(&mut state, ch('w')), vec![]);
    store.raise_alert(crate::store::webhooks::ALERT_SIGNUPS_HELD, None, "60 > 50/h").unwrap();
    press(&mut store, &launch, &mut state, Msg::DataVersion { version: -1, now: now(), sender_alert: false });
    assert!(screen(&state).contains("w Warnung erledigt"), "{}", screen(&state));
    press(&mut store, &launch, &mut state, ch('w'));
    let kinds: Vec<String> = store.active_alerts().unwrap().into_iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [crate::store::webhooks::ALERT_UNREADABLE]);
}

/// A sign-up held back by the hourly cap shows in the replies as such: no customer was made, the farmer checks it.
#[test]
fn a_held_sign_up_says_so_in_the_replies() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let now = store.now();
    let tx = store.conn_mut().transaction().unwrap();
    let held = crate::store::inbound::NewInbound {
        wamid: "wamid.HELD1",
        customer_id: None,
        from_phone: Some("+491709990001"),
        user_id: None,
        kind: "text",
        text: "ANMELDEN",
        received_at: now,
        flagged_stop: false,
        is_keyword: false,
        signup: Some(crate::store::inbound::Signup::Held),
    };
    crate::store::inbound::insert_inbound_tx(&tx, &held, now).unwrap();
    tx.commit().unwrap();
    let mut state = loaded(&mut store, &launch, (120, 40), Screen::Queue);
    press(&mut store, &launch, &mut state, ch('a'));
    let s = screen(&state);
    assert!(
        s.lines().any(|l| l.contains("unbekannte Nummer") && l.contains("ANMELDEN  ! Anmeldung zurückgehalten")),
        "{s}"
    );
}

#[test]
fn a_send_time_without_the_service_says_it_needs_the_app_or_the_service() {
    let (mut store, launch, mut state) = composer((120, 40));
    let ctx = PerformCtx::from_launch(&launch);
    update(&mut state, ch('l'));
    update(&mut state, key(KeyCode::Enter));
    typ(&mut state, "Grillpaket");
    update(&mut state, key(KeyCode::Tab));
    typ(&mut state, "24.12.2030 08:00");
    let effects = update(&mut state, key(KeyCode::Enter));
    settle(&ctx, &mut store, &mut state, effects);
    assert!(state.composer.review.is_some(), "{}", screen(&state));
    let text = screen(&state);
    assert!(text.contains("Geht nur raus, wenn dann hofbote serve oder"), "{text}");
    // With the service sending, the note is not needed.
    state.sender = crate::tui::app::Sender::Service;
    assert!(!screen(&state).contains("Geht nur raus, wenn dann"));
}

/// Issue 14 §3: Meta's account restriction and a template made marketing show on the queue screen at 80x24, in
/// plain German with what to do, and the farmer's key resolves them.
#[test]
fn account_alerts_from_meta_are_said_in_plain_german_on_the_queue_screen() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let restricted = crate::webhook::account::ALERT_RESTRICTED;
    store.raise_alert(restricted, None, "RESTRICTED_BIZ_INITIATED_MESSAGING bis 02.12.2026").unwrap();
    store.raise_alert(crate::webhook::account::ALERT_CATEGORY, None, "abholtermin|30.11.2026|4|2").unwrap();
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Queue);
    state.sender = crate::tui::app::Sender::InApp;
    let text = screen(&state);
    assert!(text.contains("Versand gestoppt: Meta hat das WhatsApp-Konto eingeschränkt"), "{text}");
    let header = text.lines().next().unwrap();
    assert!(header.contains("Versand: gestoppt (hier; siehe 4)"), "the header says it too, not 'läuft hier': {header}");
    assert!(text.contains("Rundnachricht Nr 2: 4 Kunden bekommen sie nicht – Vorlage »abholtermin«"), "{text}");
    assert!(text.contains("Ihnen fehlt die Einwilligung für Angebote (Werbung)"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("w Warnung erledigt"), "{text}");
    press(&mut store, &launch, &mut state, ch('w'));
    assert!(store.active_alerts().unwrap().is_empty());
    let header = screen(&state).lines().next().unwrap().to_owned();
    assert!(header.contains("Versand: läuft hier"), "{header}");
}
