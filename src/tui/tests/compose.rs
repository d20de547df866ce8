//! Issue 13 §3: messages to one customer or a few, "repeat last" of any kind, drafts, hofbote's own templates, and
//! the review's day. Pure update tests on the demo store through the real performer (as `send.rs`).

use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::domain::broadcast::Audience;
use crate::domain::sending::BroadcastState;
use crate::domain::template::Params;
use crate::store::broadcasts::NewBroadcast;
use crate::tui::app::Effect;
use crate::tui::perform::perform_on;

fn new(template: &str, params: Params, audience: Audience) -> NewBroadcast {
    NewBroadcast {
        template: template.into(),
        language: "de".into(),
        params,
        audience,
        scheduled_at: None,
        created_by: "anna".into(),
    }
}

fn composer_on(mut store: Store) -> (Store, Launch, State) {
    let launch = launch(shop_config(), Lang::De, false);
    let state = loaded(&mut store, &launch, (80, 24), Screen::Composer);
    (store, launch, state)
}

fn typ(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, ch(c));
    }
}

/// Regression (issue 13): after a cancelled Schlachttermin, `l` opened the Schlachttermin — the newest broadcast of
/// any state chose the template, and `l` repeated whatever template the cursor was on. Now `l` offers the latest
/// broadcasts, newest first, and starts on the newest one that was not cancelled.
#[test]
fn repeat_last_after_a_cancelled_schlachttermin_takes_the_weekly_offer() {
    let mut store = send_store();
    let schlacht = new("schlachttermin", Params::positional(&["{vorname}", "4.12.", "5.12."]), Audience::All);
    let (id, _) = store.create_broadcast(&schlacht, "Hallo", false).unwrap();
    store.cancel_broadcast(id).unwrap();
    let (_, _, mut state) = composer_on(store);
    let last = state.composer.last_of("schlachttermin").map(|b| b.id);
    assert_ne!(last, Some(id), "the picker's 'zuletzt … an' is not the cancelled one");
    update(&mut state, ch('l'));
    let text = screen(&state);
    update(&mut state, key(KeyCode::Enter));
    let d = state.composer.draft.as_ref().expect("a draft is open");
    assert_eq!(d.template.name, "wochenangebot", "the weekly offer, not the cancelled Schlachttermin");
    assert_eq!(d.fields[1].hint, "vorher: Weihnachtsgänse vorbestellen");
    // The list showed the latest broadcasts newest first, the cancelled one included (and not chosen).
    assert!(text.contains("Welche wiederholen?"), "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| l.contains('│') && l.contains(" 27.11.2026 ")).collect();
    assert!(lines[0].contains("schlachttermin") && lines[0].contains("abgebrochen"), "{text}");
    assert!(lines[1].contains("> wochenangebot") && lines[1].contains("geplant"), "{text}");
    // The farmer may also choose the older one: Esc, l, up to the Schlachttermin.
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('l'));
    update(&mut state, key(KeyCode::Up));
    update(&mut state, key(KeyCode::Enter));
    assert_eq!(state.composer.draft.as_ref().unwrap().template.name, "schlachttermin");
}

/// Regression (issue 13): `abmeldung_bestaetigt` (the STOP confirmation) could be sent to every customer.
#[test]
fn hofbotes_own_templates_are_not_offered_and_not_stored_as_broadcasts() {
    let (mut store, _, state) = composer_on(send_store());
    let names: Vec<&str> = state.composer.templates.iter().map(|t| t.name.as_str()).collect();
    assert!(!names.contains(&"abmeldung_bestaetigt") && !names.contains(&"anmeldung_bestaetigen"), "{names:?}");
    assert!(!names.is_empty());
    assert!(!screen(&state).contains("abmeldung_bestaetigt"), "{}", screen(&state));
    let stop = new("abmeldung_bestaetigt", Params::positional(&["{vorname}"]), Audience::All);
    let err = store.create_broadcast(&stop, "Hallo", false).unwrap_err();
    assert!(err.to_string().contains("hofbote"), "{err}");
    assert!(store.preview_broadcast(&stop, "Hallo").is_err());
}

/// Regression (issue 13 §4): the review said "alle gehen heute raus" for a send tomorrow.
#[test]
fn the_review_of_a_send_tomorrow_names_its_day_not_today() {
    let (mut store, launch, mut state) = composer_on(send_store());
    update(&mut state, ch('l'));
    update(&mut state, key(KeyCode::Enter));
    typ(&mut state, "Grillpaket");
    update(&mut state, key(KeyCode::Tab));
    typ(&mut state, "28.11.2026 08:00");
    let effects = update(&mut state, key(KeyCode::Enter));
    let [Effect::PrepareReview(new)] = &effects[..] else { panic!("{effects:?}") };
    let ctx = PerformCtx::from_launch(&launch);
    let msg = perform_on(&ctx, &mut store, Effect::PrepareReview(new.clone()));
    update(&mut state, msg);
    let text = screen(&state);
    assert!(text.contains("alle gehen am 28.11.2026 raus"), "{text}");
    assert!(!text.contains("heute"), "{text}");
}

/// The customer with this name, selected on the customer list.
fn select_customer(state: &mut State, name: &str) -> i64 {
    let v = &mut state.customers;
    let pos = v.visible.iter().position(|i| v.entries[*i].raw_name() == name).unwrap();
    v.nav.selected = pos;
    v.entries[v.visible[pos]].id()
}

/// Issue 13 §3: Space marks customers on the list (a star, the count in the info line), `m` opens the composer with
/// them as the audience; the review asks the store with that audience and shows just them.
#[test]
fn marked_customers_get_a_message_of_their_own() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Customers);
    let service: Vec<String> = store
        .list_customers(&Default::default())
        .unwrap()
        .into_iter()
        .filter(|r| r.consent.service == crate::domain::consent::ConsentState::Granted)
        .map(|r| r.customer.name)
        .take(2)
        .collect();
    let a = select_customer(&mut state, &service[0]);
    update(&mut state, ch(' '));
    let b = select_customer(&mut state, &service[1]);
    update(&mut state, ch(' '));
    let text = screen(&state);
    assert!(text.contains("2 markiert"), "{text}");
    assert!(text.contains(&format!("* {}", service[0])), "{text}");
    // Space again unmarks.
    select_customer(&mut state, &service[1]);
    update(&mut state, ch(' '));
    assert!(screen(&state).contains("1 markiert"), "{}", screen(&state));
    select_customer(&mut state, &service[1]);
    update(&mut state, ch(' '));
    press(&mut store, &launch, &mut state, ch('m'));
    assert_eq!(state.tab, Screen::Composer);
    assert!(screen(&state).contains("Nachricht an 2 markierte Kunden"), "{}", screen(&state));
    let pos = state.composer.templates.iter().position(|t| t.name == "schlachttermin").unwrap();
    state.composer.nav.selected = pos;
    update(&mut state, key(KeyCode::Enter));
    let d = state.composer.draft.as_ref().unwrap();
    let mut ids = vec![a, b];
    ids.sort();
    assert_eq!(d.effective_audience(), Audience::List(ids.clone()), "the marked customers are chosen");
    typ(&mut state, "{vorname}");
    update(&mut state, key(KeyCode::Tab));
    typ(&mut state, "Sa 5.12.");
    update(&mut state, key(KeyCode::Tab));
    typ(&mut state, "Mo 7.12.");
    assert_eq!(state.composer.draft.as_ref().unwrap().plan.recipients.len(), 2);
    let effects = update(&mut state, key(KeyCode::Enter));
    let [Effect::PrepareReview(new)] = &effects[..] else { panic!("{effects:?}") };
    assert_eq!(new.audience, Audience::List(ids));
    let msg = perform_on(&PerformCtx::from_launch(&launch), &mut store, Effect::PrepareReview(new.clone()));
    update(&mut state, msg);
    let text = screen(&state);
    assert!(text.contains("2 ausgewählte Kunden"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("Empfänger") && l.trim_end().ends_with(" 2")), "{text}");
    // Queued: the marks have done their job.
    let effects = update(&mut state, ch('y'));
    settle(&PerformCtx::from_launch(&launch), &mut store, &mut state, effects);
    assert_eq!(state.tab, Screen::Queue);
    assert!(state.customers.marked.is_empty());
}

/// In a customer's detail, `m` is a message to just this one.
#[test]
fn m_in_the_detail_is_a_message_to_this_customer() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Customers);
    let first = &state.customers.entries[state.customers.visible[0]];
    let first = store.customer(first.id()).unwrap();
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    assert!(state.customers.detail.is_some());
    press(&mut store, &launch, &mut state, ch('m'));
    assert_eq!(state.tab, Screen::Composer);
    assert!(screen(&state).contains(&format!("Nachricht an {}", first.name)), "{}", screen(&state));
    update(&mut state, key(KeyCode::Enter));
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.effective_audience(), Audience::List(vec![first.id]));
    assert!(screen(&state).contains(&format!("markiert: {}", first.name)), "{}", screen(&state));
}

/// The audience choice offers several tags, any of them or all of them, typed with a check of each word.
#[test]
fn several_tags_any_of_or_all_of() {
    let (_, _, mut state) = composer_on(send_store());
    let pos = state.composer.templates.iter().position(|t| t.name == "wochenangebot").unwrap();
    state.composer.nav.selected = pos;
    update(&mut state, key(KeyCode::Enter));
    typ(&mut state, "{vorname}");
    update(&mut state, key(KeyCode::Tab));
    typ(&mut state, "Eier");
    update(&mut state, key(KeyCode::Tab));
    update(&mut state, key(KeyCode::Tab));
    // Left from "alle" wraps to the last choice: several tags, all of them.
    update(&mut state, key(KeyCode::Left));
    let d = state.composer.draft.as_ref().unwrap();
    assert!(d.wants_tags(), "{:?}", d.audiences[d.audience]);
    assert!(matches!(d.audiences[d.audience].0, Audience::AllTags(_)));
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.composer.draft.as_ref().unwrap().focus, crate::tui::screens::composer::Focus::Tags);
    typ(&mut state, "rind, Kohl");
    assert!(state.composer.draft.as_ref().unwrap().tags_error.as_deref().unwrap().contains("»Kohl«"));
    for _ in 0..4 {
        update(&mut state, key(KeyCode::Backspace));
    }
    typ(&mut state, "eier");
    let d = state.composer.draft.as_ref().unwrap();
    assert!(d.tags_error.is_none(), "{:?}", d.tags_error);
    assert_eq!(d.effective_audience(), Audience::AllTags(vec!["Rind".into(), "Eier".into()]));
    let all = d.matched();
    // Any of them: at least as many.
    update(&mut state, key(KeyCode::BackTab));
    update(&mut state, key(KeyCode::Left));
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.effective_audience(), Audience::Tags(vec!["Rind".into(), "Eier".into()]));
    assert!(d.matched() > all, "{} > {all}", d.matched());
    let effects = update(&mut state, key(KeyCode::Enter));
    let [Effect::PrepareReview(new)] = &effects[..] else { panic!("{effects:?}") };
    assert_eq!(new.audience, Audience::Tags(vec!["Rind".into(), "Eier".into()]));
}

/// Regression (issue 13): a draft could not be reopened — Enter showed "Keine Empfänger (ein Entwurf hat noch
/// keine)". Now Enter on a draft opens it in the composer with its values; changed and sent, it is that broadcast.
#[test]
fn a_draft_is_reopened_changed_and_sent() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Queue);
    let pos = state.queue.broadcasts().iter().position(|b| b.state == BroadcastState::Draft).unwrap();
    let id = state.queue.broadcasts()[pos].id;
    state.queue.nav.selected = pos;
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    assert_eq!(state.tab, Screen::Composer, "{}", screen(&state));
    let d = state.composer.draft.as_ref().expect("the draft is open in the composer");
    assert_eq!(d.draft_id, Some(id));
    assert_eq!(d.template.name, "abholtermin");
    assert_eq!(d.params(), Params::named(&[("name", "{vorname}"), ("date", "Sa 28.11."), ("time", "9 Uhr")]));
    assert_eq!(d.effective_audience(), Audience::Tags(vec!["Eier".into()]));
    // Change the time of day and send.
    update(&mut state, key(KeyCode::Tab));
    update(&mut state, key(KeyCode::Tab));
    for _ in 0..5 {
        update(&mut state, key(KeyCode::Backspace));
    }
    typ(&mut state, "10 Uhr");
    let effects = update(&mut state, key(KeyCode::Enter));
    let [Effect::PrepareReview(new)] = &effects[..] else { panic!("{effects:?}") };
    let ctx = PerformCtx::from_launch(&launch);
    let msg = perform_on(&ctx, &mut store, Effect::PrepareReview(new.clone()));
    update(&mut state, msg);
    let effects = update(&mut state, ch('y'));
    let [Effect::UpdateDraft { id: got, queue: true, .. }] = &effects[..] else { panic!("{effects:?}") };
    assert_eq!(*got, id);
    settle(&ctx, &mut store, &mut state, effects);
    let b = store.broadcast(id).unwrap();
    assert_eq!(b.state, BroadcastState::Sending, "the draft itself went out");
    assert_eq!(b.params.body["time"], "10 Uhr");
    assert!(b.counts.values().sum::<i64>() > 0, "it has recipients now");
    assert_eq!(store.list_broadcasts(100).unwrap().len(), 4, "no second broadcast was written");
}

/// Issue 13: a composed message is kept as a draft when the app is left, and is there after a restart.
#[test]
fn leaving_the_app_keeps_the_message_as_a_draft_for_the_next_start() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Composer);
    let before = store.list_broadcasts(100).unwrap().len();
    update(&mut state, ch('l'));
    update(&mut state, key(KeyCode::Enter));
    typ(&mut state, "Grünkohl");
    let effects = update(&mut state, ctrl('c'));
    assert!(state.quit);
    let [Effect::SaveDraft(new)] = &effects[..] else { panic!("{effects:?}") };
    assert_eq!(new.params.body["2"], "Grünkohl");
    settle(&PerformCtx::from_launch(&launch), &mut store, &mut state, effects);
    let list = store.list_broadcasts(100).unwrap();
    assert_eq!(list.len(), before + 1);
    assert_eq!(list[0].state, BroadcastState::Draft);
    // The next start: the queue lists it, Enter opens it with the text.
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Queue);
    assert!(screen(&state).contains("Entwurf"), "{}", screen(&state));
    state.queue.nav.selected = 0;
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.fields[1].input.value(), "Grünkohl");
    // Left again without a change: nothing new is written.
    assert!(update(&mut state, ctrl('c')).is_empty());
}

/// Issue 13: Esc in the composer with typed values asks first instead of throwing the work away.
#[test]
fn esc_with_typed_work_asks_before_discarding() {
    let (_, _, mut state) = composer_on(send_store());
    update(&mut state, ch('l'));
    update(&mut state, key(KeyCode::Enter));
    typ(&mut state, "Grünkohl");
    update(&mut state, key(KeyCode::Esc));
    assert!(matches!(state.overlay, Some(crate::tui::app::Overlay::Confirm(_))));
    assert!(screen(&state).contains("Verwerfen?"), "{}", screen(&state));
    update(&mut state, ch('n'));
    assert_eq!(state.composer.draft.as_ref().unwrap().fields[1].input.value(), "Grünkohl", "kept");
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('y'));
    assert!(state.composer.draft.is_none());
    // Nothing typed: Esc goes back at once.
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, key(KeyCode::Esc));
    assert!(state.composer.draft.is_none() && state.overlay.is_none());
}

/// Issue 13: the queue shows what a broadcast said — a line in its detail, the whole message on Enter.
#[test]
fn the_queue_shows_the_message_of_a_broadcast() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Queue);
    let pos = state.queue.broadcasts().iter().position(|b| b.state == BroadcastState::Scheduled).unwrap();
    state.queue.nav.selected = pos;
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    let text = screen(&state);
    assert!(text.contains("Text: ‹Vorname›, unser Angebot diese Woche: Weihnachtsgänse vorbestellen."), "{text}");
    update(&mut state, key(KeyCode::Enter));
    let text = screen(&state);
    assert!(text.contains("Nachricht Nr. 4"), "{text}");
    assert!(text.contains("Wir freuen uns auf deinen Besuch im Hofladen!"), "{text}");
    assert!(text.contains("Abmelden: STOP"), "the footer too: {text}");
    update(&mut state, key(KeyCode::Esc));
    assert!(state.queue.detail.as_ref().is_some_and(|d| !d.show_text), "Esc closes the text first");
    update(&mut state, key(KeyCode::Esc));
    assert!(state.queue.detail.is_none());
}

/// Issue 13: fields are labelled by meaning (the parameter's name, "Anrede", Meta's example values), F2 puts in the
/// customer's first name, and a fixed name in the greeting is warned about.
#[test]
fn placeholders_by_meaning_first_name_by_key_and_a_fixed_name_warned() {
    let (_, _, mut state) = composer_on(send_store());
    let pos = state.composer.templates.iter().position(|t| t.name == "wochenangebot").unwrap();
    state.composer.nav.selected = pos;
    update(&mut state, key(KeyCode::Enter));
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.fields.iter().map(|f| f.label.as_str()).collect::<Vec<_>>(), ["Anrede", "Wert 2"]);
    assert!(d.fields[1].hint.starts_with("z. B. »Kürbis 2,50 €/kg«"), "{}", d.fields[1].hint);
    let text = screen(&state);
    assert!(!text.contains("{{1}}") && !text.contains("{{2}}"), "{text}");
    // Someone types a name into the greeting: everyone would be greeted so.
    typ(&mut state, "Jörg");
    let d = state.composer.draft.as_ref().unwrap();
    assert!(d.name_warning.as_deref().unwrap().contains("Alle werden mit »Jörg« angesprochen"), "{:?}", d.name_warning);
    assert!(screen(&state).contains("Alle werden mit »Jörg«"), "{}", screen(&state));
    for _ in 0..4 {
        update(&mut state, key(KeyCode::Backspace));
    }
    // F2 instead: each customer's own first name.
    update(&mut state, key(KeyCode::F(2)));
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.fields[0].input.value(), "{vorname}");
    assert!(d.name_warning.is_none());
    let first = d.sample_customer().unwrap().first_name.clone();
    assert_eq!(d.plan.recipients[d.recipient].params.body["1"], first);
    // Named parameters keep their names.
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('y'));
    let pos = state.composer.templates.iter().position(|t| t.name == "abholtermin").unwrap();
    state.composer.nav.selected = pos;
    update(&mut state, key(KeyCode::Enter));
    let d = state.composer.draft.as_ref().unwrap();
    assert_eq!(d.fields.iter().map(|f| f.label.as_str()).collect::<Vec<_>>(), ["Name", "Date", "Time"]);
    assert!(d.fields[0].greeting && !d.fields[1].greeting);
    assert!(d.fields[1].hint.starts_with("z. B. »Fr 4.12.«"), "{}", d.fields[1].hint);
}

/// Issue 14: Meta lists a text header's example (`header_text`); the header field shows it like the body's.
#[test]
fn a_text_headers_example_is_shown_beside_its_field() {
    let record = serde_json::json!({
        "name": "hoffest", "language": "de", "category": "MARKETING", "status": "APPROVED",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Hoffest am {{1}}", "example": {"header_text": ["Sa 20.6."]}},
            {"type": "BODY", "text": "{{1}}, komm vorbei!", "example": {"body_text": [["Jörg"]]}}
        ]
    });
    let template = crate::domain::template::Template::from_meta(&record).unwrap();
    let view = crate::tui::screens::composer::ComposerView::default();
    let d = crate::tui::screens::composer::draft::Draft::new(&template, &view, crate::i18n::Lang::De);
    assert!(d.fields[0].hint.starts_with("z. B. »Sa 20.6.« · Hoffest am"), "{}", d.fields[0].hint);
}

/// Issue 14 §3: Meta archives a template unused for 12 months. The picker warns from the tenth month on, with the
/// day Meta archives it; a template sent recently keeps its "zuletzt … an".
#[test]
fn the_picker_warns_about_a_seasonal_template_meta_will_archive_soon() {
    let mut store = send_store();
    let spargel =
        new("abholtermin", Params::named(&[("name", "{vorname}"), ("date", "2.5."), ("time", "9 Uhr")]), Audience::All);
    let (id, _) = store.create_broadcast(&spargel, "Hallo", false).unwrap();
    // Last spring's asparagus season: eleven months before the store's today (27.11.2026).
    store.conn().execute("UPDATE broadcasts SET created_at = '2025-12-20T08:00:00Z' WHERE id = ?1", [id]).unwrap();
    let (_, _, state) = composer_on(store);
    let text = screen(&state);
    let line = text.lines().find(|l| l.contains("abholtermin")).unwrap_or_default();
    assert!(line.contains("Meta archiviert sie am 20.12.2026!"), "{text}");
    let offer = text.lines().find(|l| l.contains("wochenangebot ")).unwrap_or_default();
    assert!(!offer.contains("archiviert"), "{text}");
}
