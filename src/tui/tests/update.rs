//! Pure update tests: keys and messages in, state and effects out — no terminal, no IO in `update`.

use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::domain::consent::{EventKind, Purpose, Source};
use crate::store::StoreError;
use crate::tui::app::{ConsentRecord, Effect, Failure, Op, Overlay, StatusKind, Target};
use crate::tui::keymap::{self, Ctx};
use crate::tui::screens::customers::Sort;

fn demo_state(size: (u16, u16)) -> State {
    let launch = launch(shop_config(), Lang::De, false);
    loaded(&mut demo_store(), &launch, size, Screen::Customers)
}

fn selected_name(state: &State) -> String {
    state.customers.selected().map(|e| e.raw_name().to_owned()).unwrap_or_default()
}

fn visible_names(state: &State) -> Vec<String> {
    state.customers.visible.iter().map(|i| state.customers.entries[*i].raw_name().to_owned()).collect()
}

#[test]
fn start_loads_the_first_screen_and_nothing_else() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut state = State::new(&launch);
    // The whole list is asked for when the first rows are in (the next test).
    assert_eq!(state.start(), vec![Effect::LoadCustomerPage(40)]);
    assert_eq!(state.status.as_ref().map(|s| s.kind), Some(StatusKind::Info));
    assert!(state.live());
}

/// Issue 15: the first rows come first (in the list's order, with the whole count); keys that need the whole list
/// wait for it, the others work on the rows there; nothing typed is lost.
#[test]
fn the_first_page_shows_at_once_and_keys_that_need_the_whole_list_wait_for_it() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = demo_store();
    let full = demo_state((80, 24));
    let all = visible_names(&full);
    assert!(all.len() > 10, "{all:?}");

    let mut state = State::new(&launch);
    update(&mut state, Msg::Resize(80, 24));
    let ctx = crate::tui::perform::PerformCtx::from_launch(&launch);
    let effects = state.start();
    assert_eq!(effects.first(), Some(&Effect::LoadCustomerPage(40)));
    let page = crate::tui::perform::perform_on(&ctx, &mut store, Effect::LoadCustomerPage(5));
    assert_eq!(update(&mut state, page), vec![Effect::LoadCustomers], "then the whole list");
    assert_eq!(visible_names(&state), all[..5], "the page is the list's first rows, in its order");
    assert!(!state.customers.loaded);
    let screen = crate::tui::tests::screen(&state);
    assert!(screen.contains(&format!("{} Kunden", all.len())), "the whole count shows:\n{screen}");
    assert!(!screen.contains("Lade Daten"), "{screen}");

    // j moves within the page at once; End needs the last customer and waits.
    update(&mut state, ch('j'));
    assert_eq!(selected_name(&state), all[1]);
    update(&mut state, key(KeyCode::End));
    assert_eq!(selected_name(&state), all[1], "End waits for the whole list");

    let rest = crate::tui::perform::perform_on(&ctx, &mut store, Effect::LoadCustomers);
    update(&mut state, rest);
    assert!(state.customers.loaded);
    assert_eq!(visible_names(&state), all);
    assert_eq!(selected_name(&state), all[all.len() - 1], "End applied once the whole list is in");
}

#[test]
fn q_in_a_list_quits_but_in_a_form_it_is_text() {
    let mut state = demo_state((80, 24));
    update(&mut state, ch('a'));
    assert!(matches!(state.overlay, Some(Overlay::CustomerForm(_))));
    for c in "qj1?/".chars() {
        assert!(update(&mut state, ch(c)).is_empty());
    }
    assert!(!state.quit, "q typed into a field must not quit");
    let Some(Overlay::CustomerForm(f)) = &state.overlay else { panic!() };
    assert_eq!(f.form.field(0), "qj1?/");
    assert_eq!(state.tab, Screen::Customers, "1 typed into a field must not switch tabs");
    update(&mut state, key(KeyCode::Esc));
    assert!(matches!(state.overlay, Some(Overlay::Discard { .. })), "typed input: Esc asks first");
    update(&mut state, ch('j'));
    assert!(state.overlay.is_none());
    update(&mut state, ch('q'));
    assert!(state.quit);
}

#[test]
fn q_typed_into_the_search_is_text() {
    let mut state = demo_state((80, 24));
    update(&mut state, ch('/'));
    update(&mut state, ch('q'));
    assert!(!state.quit);
    assert_eq!(state.customers.filter.value(), "q");
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::Filter]);
}

#[test]
fn ctrl_c_quits_even_from_a_form() {
    let mut state = demo_state((80, 24));
    update(&mut state, ch('a'));
    update(&mut state, ctrl('c'));
    assert!(state.quit);
}

#[test]
fn quitting_while_sending_asks_first() {
    let mut state = demo_state((80, 24));
    state.sending = true;
    update(&mut state, ch('q'));
    assert!(!state.quit);
    assert!(matches!(state.overlay, Some(Overlay::Confirm(_))));
    update(&mut state, ch('n'));
    assert!(!state.quit && state.overlay.is_none());
    update(&mut state, ch('q'));
    update(&mut state, ch('y'));
    assert!(state.quit);
}

#[test]
fn tabs_switch_by_number_and_tab_key_and_load_what_they_show() {
    let mut state = demo_state((80, 24));
    assert_eq!(update(&mut state, ch('2')), vec![Effect::LoadConsent]);
    assert_eq!(state.tab, Screen::Consent);
    assert_eq!(update(&mut state, key(KeyCode::Tab)), vec![Effect::LoadComposer]);
    assert_eq!(state.tab, Screen::Composer);
    assert!(state.live(), "every screen shows the unread count, so the calm check runs");
    assert_eq!(update(&mut state, key(KeyCode::Tab)), vec![Effect::LoadQueue]);
    assert_eq!(state.tab, Screen::Queue);
    assert_eq!(
        update(&mut state, key(KeyCode::Tab)),
        vec![Effect::Settings(crate::tui::screens::settings::SettingsEffect::Load)]
    );
    assert_eq!(state.tab, Screen::Settings);
    update(&mut state, key(KeyCode::Tab));
    assert_eq!(state.tab, Screen::Customers);
    update(&mut state, key(KeyCode::BackTab));
    assert_eq!(state.tab, Screen::Settings);
    // The customer list is loaded already: switching back loads nothing.
    assert_eq!(update(&mut state, ch('1')), vec![]);
}

#[test]
fn navigation_moves_pages_and_stays_in_bounds() {
    let mut state = demo_state((80, 24));
    let n = state.customers.visible.len();
    assert_eq!(n, 43);
    update(&mut state, ch('j'));
    update(&mut state, key(KeyCode::Down));
    assert_eq!(state.customers.nav.selected, 2);
    update(&mut state, key(KeyCode::PageDown));
    let page = crate::tui::screens::customers::page(state.size);
    assert_eq!(page, 18);
    assert_eq!(state.customers.nav.selected, 2 + page);
    update(&mut state, ch('G'));
    assert_eq!(state.customers.nav.selected, n - 1);
    assert_eq!(state.customers.nav.offset, n - page);
    update(&mut state, key(KeyCode::Down));
    assert_eq!(state.customers.nav.selected, n - 1);
    update(&mut state, key(KeyCode::Home));
    assert_eq!(state.customers.nav, Default::default());
    // At the top, Up changes nothing; like every key a view takes, it draws (ratatui sends no changed cells).
    state.take_redraw();
    update(&mut state, ch('k'));
    assert_eq!(state.customers.nav, Default::default());
    assert!(state.take_redraw());
    // A key that no view takes asks for no frame.
    update(&mut state, key(KeyCode::F(9)));
    assert!(!state.take_redraw(), "an unbound key must not redraw");
    // A smaller terminal keeps the selection on screen.
    update(&mut state, ch('G'));
    update(&mut state, Msg::Resize(80, 12));
    let nav = state.customers.nav;
    assert!(nav.selected >= nav.offset && nav.selected < nav.offset + 6, "{nav:?}");
}

#[test]
fn search_filters_as_you_type_best_match_first() {
    let mut state = demo_state((80, 24));
    update(&mut state, ch('/'));
    for c in "müller".chars() {
        update(&mut state, ch(c));
    }
    let names = visible_names(&state);
    assert_eq!(names.first().map(String::as_str), Some("Jörg Müller"), "{names:?}");
    assert!(names.iter().any(|n| n == "Mu\u{308}ller, Ana"), "NFD name must be found: {names:?}");
    // Plain letters find umlauts too.
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('/'));
    for c in "jorg".chars() {
        update(&mut state, ch(c));
    }
    assert_eq!(visible_names(&state).first().map(String::as_str), Some("Jörg Müller"));
    // Phone digits as typed, and tags.
    let phone = state.customers.entries.iter().find(|e| e.raw_name() == "Anna Weiß").unwrap();
    let national = phone.phone(Lang::De).replace(' ', "");
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('/'));
    for c in national.chars() {
        update(&mut state, ch(c));
    }
    assert_eq!(visible_names(&state), ["Anna Weiß"]);
    update(&mut state, key(KeyCode::Enter));
    assert!(!state.customers.filter_editing);
    assert_eq!(state.customers.filter.value(), national, "Enter keeps the search");
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.customers.visible.len(), 43, "Esc in the list clears the search");
}

#[test]
fn narrowing_search_gives_the_same_result_as_a_fresh_one() {
    let mut typed = demo_state((80, 24));
    update(&mut typed, ch('/'));
    for c in "e r".chars() {
        update(&mut typed, ch(c));
    }
    let mut fresh = demo_state((80, 24));
    update(&mut fresh, ch('/'));
    fresh.customers.filter = tui_input::Input::new("e r".into());
    update(&mut fresh, ch('x'));
    update(&mut fresh, key(KeyCode::Backspace));
    assert_eq!(visible_names(&typed), visible_names(&fresh));
    assert!(!visible_names(&typed).is_empty());
}

#[test]
fn tag_filter_cycles_through_tags_and_shows_the_count() {
    let mut state = demo_state((80, 24));
    let tags: Vec<String> = state.customers.tags.iter().map(|(t, _)| t.clone()).collect();
    assert_eq!(tags, ["Eier", "Geflügel", "Rind", "Schwein"]);
    update(&mut state, ch('t'));
    assert_eq!(state.customers.tag.as_deref(), Some("Eier"));
    let eier = state.customers.tags[0].1 as usize;
    assert_eq!(state.customers.visible.len(), eier);
    assert!(screen(&state).contains(&format!("{eier} von 43 Kunden")), "{}", screen(&state));
    for _ in 0..3 {
        update(&mut state, ch('t'));
    }
    assert_eq!(state.customers.tag.as_deref(), Some("Schwein"));
    update(&mut state, ch('t'));
    assert_eq!(state.customers.tag, None);
    assert_eq!(state.customers.visible.len(), 43);
}

#[test]
fn sort_toggles_between_name_and_last_change() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = demo_store();
    let clock = clock();
    // A later change to one customer moves them to the top when sorted by change.
    let c = store
        .list_customers(&Default::default())
        .unwrap()
        .into_iter()
        .find(|r| r.customer.name == "Luise Engel")
        .unwrap();
    store
        .conn()
        .execute(
            "UPDATE customers SET updated_at = ?1 WHERE id = ?2",
            rusqlite::params![ts(clock.now_plus_days(1)), c.customer.id],
        )
        .unwrap();
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Customers);
    assert_eq!(selected_name(&state), "Agnieszka Nowak");
    update(&mut state, ch('s'));
    assert_eq!(state.customers.sort, Sort::Changed);
    update(&mut state, key(KeyCode::Home));
    assert_eq!(selected_name(&state), "Luise Engel");
    update(&mut state, ch('s'));
    update(&mut state, key(KeyCode::Home));
    assert_eq!(selected_name(&state), "Agnieszka Nowak");
}

trait Later {
    fn now_plus_days(&self, days: i64) -> chrono::DateTime<Utc>;
}

impl Later for ManualClock {
    fn now_plus_days(&self, days: i64) -> chrono::DateTime<Utc> {
        use crate::clock::Clock;
        self.now() + chrono::Duration::days(days)
    }
}

fn form_state() -> State {
    let mut state = demo_state((80, 24));
    update(&mut state, ch('a'));
    state
}

fn customer_form(state: &State) -> &crate::tui::screens::customers::form::CustomerForm {
    match &state.overlay {
        Some(Overlay::CustomerForm(f)) => f,
        other => panic!("no customer form: {other:?}"),
    }
}

fn type_in(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, ch(c));
    }
}

#[test]
fn customer_form_explains_a_bad_phone_number_in_german() {
    let mut state = form_state();
    type_in(&mut state, "Xaver Quast");
    update(&mut state, key(KeyCode::Tab));
    update(&mut state, key(KeyCode::Tab));
    type_in(&mut state, "0171 12x");
    // Leaving the field checks it.
    update(&mut state, key(KeyCode::Tab));
    let err = customer_form(&state).form.fields[2].error.clone().unwrap();
    assert!(err.starts_with("Telefonnummer ungültig"), "{err}");
    assert!(err.contains("Beispiel: 0171 1234567"), "{err}");
    // Saving is refused and jumps to the field with the error.
    assert_eq!(update(&mut state, ctrl('s')), vec![]);
    assert_eq!(customer_form(&state).form.focus, 2);
    // Fixing it clears the error as you type.
    update(&mut state, key(KeyCode::Backspace));
    type_in(&mut state, "34567");
    assert_eq!(customer_form(&state).form.fields[2].error, None);
    update(&mut state, key(KeyCode::Tab));
    type_in(&mut state, "rind, Eier");
    let effects = update(&mut state, ctrl('s'));
    let [Effect::SaveCustomer { id: None, draft }] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(draft.name, "Xaver Quast");
    assert_eq!(draft.phone.as_ref().unwrap().as_e164(), "+491711234567");
    assert_eq!(draft.tags, ["Eier", "rind"]);
    // A second Enter while saving does not save twice.
    assert_eq!(update(&mut state, ctrl('s')), vec![]);
}

#[test]
fn customer_form_requires_a_name_and_shows_a_taken_number_under_the_phone() {
    let mut state = form_state();
    assert_eq!(update(&mut state, ctrl('s')), vec![]);
    let f = customer_form(&state);
    assert_eq!(f.form.fields[0].error.as_deref(), Some("Name fehlt. Gib mindestens einen Namen ein."));
    assert!(f.form.fields[2].error.as_deref().unwrap().starts_with("Telefonnummer fehlt"));
    assert_eq!(f.form.focus, 0);
    type_in(&mut state, "Doppelt");
    update(&mut state, key(KeyCode::Tab));
    update(&mut state, key(KeyCode::Tab));
    type_in(&mut state, "0171 1234567");
    assert_eq!(update(&mut state, ctrl('s')).len(), 1);
    let phone = Phone::parse("0171 1234567", Region::DE).unwrap();
    update(&mut state, Msg::Failed { op: Op::SaveCustomer, error: Failure::Store(StoreError::PhoneTaken(phone)) });
    let f = customer_form(&state);
    assert!(f.form.fields[2].error.as_deref().unwrap().contains("gehört schon zu einem anderen Kunden"));
    assert_eq!(f.form.focus, 2);
    assert!(state.status.is_none(), "a field error is not a status line error");
}

#[test]
fn editing_prefills_the_form_with_the_customer() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = demo_store();
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Customers);
    update(&mut state, ch('/'));
    type_in(&mut state, "jörg");
    update(&mut state, key(KeyCode::Enter));
    // The list holds no notes: `e` reads the whole customer first (issue 15), then the form opens.
    let effects = update(&mut state, ch('e'));
    assert!(matches!(effects.as_slice(), [Effect::EditCustomer(_)]), "{effects:?}");
    assert!(state.overlay.is_none());
    settle(&PerformCtx::from_launch(&launch), &mut store, &mut state, effects);
    let f = customer_form(&state);
    assert!(f.id.is_some());
    assert_eq!(f.form.field(0), "Jörg Müller");
    assert_eq!(f.form.field(3), "Rind, Schwein");
    assert_eq!(f.form.field(4), "Bestellt immer ½ Schwein im Herbst");
}

#[test]
fn erase_asks_naming_the_customer_and_only_y_erases() {
    let mut state = demo_state((80, 24));
    update(&mut state, ch('d'));
    let Some(Overlay::Confirm(c)) = &state.overlay else { panic!() };
    assert!(c.question.starts_with("Agnieszka Nowak (0171"), "{}", c.question);
    assert_eq!(update(&mut state, ch('j')), vec![], "j is not yes: it is a movement key elsewhere");
    assert_eq!(update(&mut state, ch('n')), vec![]);
    assert!(state.overlay.is_none());
    update(&mut state, ch('d'));
    let effects = update(&mut state, ch('y'));
    assert!(matches!(effects.as_slice(), [Effect::Erase { name, .. }] if name == "Agnieszka Nowak"), "{effects:?}");
}

#[test]
fn errors_stay_until_a_key_which_only_acknowledges() {
    let mut state = demo_state((80, 24));
    let error = Failure::Store(StoreError::Consent(crate::domain::consent::ConsentError::ShopNameMissing));
    update(&mut state, Msg::Failed { op: Op::RecordConsent, error });
    let status = state.status.clone().unwrap();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.contains("der Hofname fehlt"), "{}", status.text);
    // Other messages do not clear it.
    update(&mut state, Msg::DataVersion { version: 999, now: now(), sender_alert: false });
    assert!(state.status.is_some());
    update(&mut state, ch('q'));
    assert!(!state.quit, "the key that dismisses an error does nothing else");
    assert!(state.status.is_none());
}

#[test]
fn data_version_reloads_only_when_it_changed() {
    let mut state = demo_state((80, 24));
    let v = state.data_version.unwrap();
    state.take_redraw();
    // The first check also loads the unread count once; nothing to draw when it is what was shown.
    assert_eq!(
        update(&mut state, Msg::DataVersion { version: v, now: now(), sender_alert: false }),
        vec![Effect::LoadBadges]
    );
    update(&mut state, Msg::Badges { unread: 0, open: 0 });
    assert!(!state.take_redraw(), "badges that did not change must not redraw");
    assert_eq!(update(&mut state, Msg::DataVersion { version: v, now: now(), sender_alert: false }), vec![]);
    assert!(!state.take_redraw(), "a check that finds nothing must not redraw");
    assert_eq!(
        update(&mut state, Msg::DataVersion { version: v + 1, now: now(), sender_alert: false }),
        vec![Effect::LoadCustomers, Effect::LoadBadges]
    );
    assert!(state.consent.stale, "other screens reload when opened");
}

#[test]
fn help_lists_the_keys_of_the_current_view_from_the_keymap() {
    let mut state = demo_state((80, 24));
    update(&mut state, ch('?'));
    let help = state.help.clone().unwrap();
    assert_eq!(help.chain, vec![Ctx::Always, Ctx::Customers, Ctx::Lists, Ctx::Global]);
    let rows = keymap::bindings(&help.chain);
    assert!(rows.iter().any(|b| b.text.de == "neuen Kunden anlegen"));
    assert!(rows.iter().all(|b| b.ctx != Ctx::Form), "form keys are not listed on the list");
    let quits: Vec<_> = rows.iter().filter(|b| b.action == crate::tui::keymap::Action::Quit).collect();
    assert_eq!(quits.len(), 2, "both q and Strg+C are listed");
    update(&mut state, key(KeyCode::Esc));
    assert!(state.help.is_none());
    // In a form, F1 opens the help for the form keys.
    update(&mut state, ch('a'));
    update(&mut state, key(KeyCode::F(1)));
    assert!(state.help.as_ref().unwrap().chain.contains(&Ctx::Form));
}

#[test]
fn enter_opens_the_detail_and_esc_returns() {
    let mut state = demo_state((80, 24));
    let id = state.customers.selected().unwrap().id();
    assert_eq!(update(&mut state, key(KeyCode::Enter)), vec![Effect::LoadLedger(id)]);
    assert_eq!(state.chain()[1], Ctx::Detail);
    update(&mut state, key(KeyCode::Esc));
    assert!(state.customers.detail.is_none());
}

fn consent_form(state: &State) -> &crate::tui::screens::consent::form::ConsentForm {
    match &state.overlay {
        Some(Overlay::ConsentForm(f)) => f,
        other => panic!("no consent form: {other:?}"),
    }
}

#[test]
fn consent_form_finds_the_customer_and_checks_purpose_and_evidence() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = demo_store();
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Consent);
    // The list of customers is needed for the picker and is loaded with the form.
    assert_eq!(update(&mut state, ch('a')), vec![Effect::LoadCustomers]);
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Customers);
    press(&mut store, &launch, &mut state, ch('2'));
    update(&mut state, ch('a'));
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::FormPicker, Ctx::Form]);
    type_in(&mut state, "sonnen");
    let f = consent_form(&state);
    assert_eq!(f.matches.first().map(|m| m.name.as_str()), Some("Hofcafé 🐄 Sonnenschein"));
    assert_eq!(f.form.field(3), "27.11.2026", "the date defaults to today");
    assert_eq!(f.form.field(4), "1", "the wording defaults to the current version");
    update(&mut state, key(KeyCode::Enter));
    assert!(consent_form(&state).pick.is_some());
    assert_eq!(consent_form(&state).form.focus, 1);
    // Saving without a purpose or evidence explains both.
    assert_eq!(update(&mut state, ctrl('s')), vec![]);
    let f = consent_form(&state);
    assert_eq!(f.form.fields[1].error.as_deref(), Some("Kreuze mindestens einen Zweck an (Leertaste)."));
    assert!(f.form.fields[5].error.as_deref().unwrap().starts_with("Nachweis fehlt"));
    assert_eq!(f.form.focus, 1);
    update(&mut state, key(KeyCode::Down));
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::FormCheck, Ctx::Form]);
    update(&mut state, ch(' '));
    assert_eq!(consent_form(&state).form.fields[1].error, None, "ticking a box clears the purpose error");
    update(&mut state, key(KeyCode::Down));
    // A date in the future is refused.
    for _ in 0..10 {
        update(&mut state, key(KeyCode::Backspace));
    }
    type_in(&mut state, "01.12.2026");
    update(&mut state, key(KeyCode::Down));
    assert!(consent_form(&state).form.fields[3].error.as_deref().unwrap().contains("Zukunft"));
    update(&mut state, key(KeyCode::Up));
    for _ in 0..10 {
        update(&mut state, key(KeyCode::Backspace));
    }
    type_in(&mut state, "3.11.2026");
    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Down));
    type_in(&mut state, "F-0815");
    let effects = update(&mut state, key(KeyCode::Enter));
    let [
        Effect::RecordConsent(ConsentRecord {
            target: Target::Existing(_),
            purposes,
            kind,
            source,
            occurred_at,
            wording,
            evidence,
        }),
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(purposes, &[Purpose::Marketing]);
    assert_eq!(*kind, EventKind::Granted);
    assert_eq!(*source, Source::ShopForm);
    assert_eq!(*wording, Some(1));
    assert_eq!(evidence, "F-0815");
    assert_eq!(crate::tui::text::datetime(*occurred_at, Lang::De), "Di 03.11.2026 12:00");
}

#[test]
fn consent_form_can_create_the_customer_and_today_means_now() {
    let mut state = demo_state((80, 24));
    update(&mut state, ch('2'));
    update(&mut state, ch('a'));
    type_in(&mut state, "0160 9876543");
    let f = consent_form(&state);
    assert!(f.matches.is_empty());
    update(&mut state, key(KeyCode::Enter));
    let f = consent_form(&state);
    assert_eq!(f.form.fields[1].label, crate::tui::text::F_NAME);
    assert_eq!(f.form.field(2), "0160 9876543", "a number typed into the search becomes the phone");
    assert_eq!(f.form.focus, 1);
    type_in(&mut state, "Neu Kunde");
    for _ in 0..2 {
        update(&mut state, key(KeyCode::Down));
    }
    update(&mut state, ch(' '));
    for _ in 0..4 {
        update(&mut state, key(KeyCode::Down));
    }
    type_in(&mut state, "F-1");
    let effects = update(&mut state, ctrl('s'));
    let [Effect::RecordConsent(r)] = effects.as_slice() else { panic!("{effects:?}") };
    let Target::New(draft) = &r.target else { panic!() };
    assert_eq!(draft.name, "Neu Kunde");
    assert_eq!(draft.phone.as_ref().unwrap().as_e164(), "+491609876543");
    assert_eq!(r.purposes, [Purpose::Service]);
    // "27.11.2026" without a time, before noon: the consent happened now, not at noon (which lies ahead).
    assert_eq!(r.occurred_at, now());
}

#[test]
fn withdrawal_form_takes_source_and_note() {
    let mut state = demo_state((80, 24));
    update(&mut state, ch('w'));
    let f = consent_form(&state);
    assert_eq!(f.kind, EventKind::Withdrawn);
    assert_eq!(f.form.focus, 1, "the selected customer is preselected");
    update(&mut state, key(KeyCode::Down));
    update(&mut state, ch(' '));
    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Right));
    update(&mut state, key(KeyCode::Right));
    update(&mut state, key(KeyCode::Down));
    update(&mut state, key(KeyCode::Down));
    type_in(&mut state, "STOP im Laden gesagt");
    let effects = update(&mut state, key(KeyCode::Enter));
    let [Effect::RecordConsent(r)] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(r.kind, EventKind::Withdrawn);
    assert_eq!(r.purposes, [Purpose::Marketing]);
    assert_eq!(r.source, Source::WhatsappKeyword);
    assert_eq!(r.evidence, "STOP im Laden gesagt");
    assert_eq!(r.wording, None);
}

#[test]
fn consent_screen_filters_by_purpose_and_source() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut state = loaded(&mut demo_store(), &launch, (80, 24), Screen::Consent);
    let all = state.consent.visible.len();
    assert!(all > 50);
    update(&mut state, ch('p'));
    assert_eq!(state.consent.purpose, Some(Purpose::Service));
    let data = state.consent.data.as_ref().unwrap();
    assert!(state.consent.visible.iter().all(|i| data.events[*i].event.purpose == Purpose::Service));
    update(&mut state, ch('s'));
    assert_eq!(state.consent.source, Some(Source::ShopForm));
    update(&mut state, ch('s'));
    assert_eq!(state.consent.source, Some(Source::WhatsappKeyword));
    assert!(state.consent.visible.is_empty(), "service consent never came by keyword in the demo");
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(state.consent.visible.len(), all);
    update(&mut state, ch('G'));
    assert_eq!(state.consent.nav.selected, all - 1);
}

#[test]
fn the_welcome_screen_only_without_configuration_and_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut launch = launch(shop_config(), Lang::De, false);
    launch.paths.config_file = dir.path().join("config.toml");
    assert!(crate::tui::first_start(&launch.paths, &empty_store()).unwrap());
    assert!(!crate::tui::first_start(&launch.paths, &demo_store()).unwrap(), "data but no config: Kunden");
    std::fs::write(&launch.paths.config_file, "[shop]\nname = \"Hof\"\n").unwrap();
    assert!(!crate::tui::first_start(&launch.paths, &empty_store()).unwrap(), "a config but no data: Kunden");
    // The welcome screen takes d, s and q; the app then ends asking for the demo.
    let mut state = State::new(&launch);
    state.welcome = Some(crate::tui::screens::welcome::Welcome::new());
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::Welcome]);
    assert!(!state.live());
    update(&mut state, ch('d'));
    assert!(state.quit);
    assert_eq!(state.next, crate::tui::app::Next::Demo);
}

#[test]
fn queued_without_a_connection_says_the_messages_wait_for_the_settings() {
    let mut state = demo_state((80, 24));
    state.connected = false;
    state.sender = crate::tui::app::Sender::Off;
    update(&mut state, Msg::BroadcastQueued { id: 3, recipients: 5, scheduled_at: None });
    let text = state.status.as_ref().unwrap().text.clone();
    assert!(text.contains("noch nicht verbunden") && text.contains("5 Einstellungen"), "{text}");
    state.connected = true;
    update(&mut state, Msg::BroadcastQueued { id: 4, recipients: 5, scheduled_at: None });
    assert!(!state.status.as_ref().unwrap().text.contains("verbunden"));
}

#[test]
fn settings_keys_open_the_forms_and_the_digit_five_opens_the_tab() {
    let mut state = demo_state((80, 24));
    update(&mut state, ch('5'));
    assert_eq!(state.tab, Screen::Settings);
    assert_eq!(state.chain(), vec![Ctx::Always, Ctx::Settings, Ctx::Global]);
    update(&mut state, ch('w'));
    assert!(state.settings.editing.is_some());
    // In the form, letters and digits are text, not tabs or quit.
    update(&mut state, ch('1'));
    update(&mut state, ch('q'));
    assert_eq!(state.tab, Screen::Settings);
    assert!(!state.quit);
    let form = &state.settings.editing.as_ref().unwrap().form;
    assert_eq!(form.field(0), format!("{}1", state.config.whatsapp.phone_number_id).as_str().to_owned() + "q");
    // Esc with typed input asks first (issue 13 §4); n keeps the form, j throws the input away.
    update(&mut state, key(KeyCode::Esc));
    assert!(matches!(state.overlay, Some(Overlay::Discard { form: None, .. })));
    update(&mut state, ch('n'));
    assert!(state.settings.editing.is_some() && state.overlay.is_none());
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('j'));
    assert!(state.settings.editing.is_none());
}

#[test]
fn the_demo_shows_the_settings_but_writes_none() {
    let mut state = demo_state((80, 24));
    state.demo = true;
    update(&mut state, ch('5'));
    for k in ['w', 'e', 'i'] {
        assert!(update(&mut state, ch(k)).is_empty());
        assert!(state.settings.editing.is_none() && !state.settings.busy);
        assert!(state.status.as_ref().unwrap().text.contains("nur ansehen"));
    }
}
