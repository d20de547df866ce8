//! The words a farmer met on a first real use (issue 13 §4): a broadcast waiting for the quiet hours says so instead
//! of "noch ca. 1 s", the hint's example times are valid, counts have German grammar.

use super::*;

/// The sending broadcast of `send_store` with its queued rows (and the one in flight, sent meanwhile) waiting for
/// the quiet hours to end at 08:00 tomorrow.
fn waiting_for_quiet_hours() -> Store {
    let store = send_store();
    let tomorrow_8 = Utc.with_ymd_and_hms(2026, 11, 28, 7, 0, 0).unwrap();
    let changed = store
        .conn()
        .execute(
            "UPDATE outbox SET next_attempt_at = ?1, reason = 'quiet_hours' WHERE state = 'queued'
               AND broadcast_id = (SELECT id FROM broadcasts WHERE state = 'sending')",
            [ts(tomorrow_8)],
        )
        .unwrap();
    assert_eq!(changed, 6);
    store.conn().execute("UPDATE outbox SET state = 'accepted' WHERE state = 'inflight'", []).unwrap();
    store
}

#[test]
fn a_broadcast_waiting_for_the_quiet_hours_says_until_when_not_seconds_left() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = waiting_for_quiet_hours();
    let state = loaded(&mut store, &launch, (80, 24), Screen::Queue);
    let text = screen(&state);
    assert!(!text.contains("noch ca."), "{text}");
    assert!(text.contains("wartet"), "{text}");
    assert!(text.contains("warten bis Sa 08:00 (Ruhezeit)"), "{text}");
}

#[test]
fn the_examples_in_the_time_hints_are_valid_times() {
    use crate::domain::{Toward, parse_when};
    use crate::tui::screens::composer::text as compose_text;
    let examples = ["morgen 8:00", "Fr 8 Uhr", "4.12. 8:00", "tomorrow 8:00", "fri 8:00", "2026-12-04 08:00"];
    for lang in [Lang::De, Lang::En] {
        for hint in [compose_text::H_WHEN.get(lang), compose_text::E_WHEN.get(lang)] {
            let named: Vec<_> = examples.iter().filter(|e| hint.contains(*e)).collect();
            assert!(!named.is_empty(), "{hint:?} names none of the examples checked here");
            for example in named {
                let at = parse_when(example, now(), Toward::Future);
                assert!(at.is_some_and(|w| w.at > now()), "{example:?} in {hint:?} is not a valid send time");
            }
        }
    }
}

fn customers_state() -> State {
    let launch = launch(shop_config(), Lang::De, false);
    loaded(&mut demo_store(), &launch, (80, 24), Screen::Customers)
}

fn typed_name(state: &State) -> String {
    match &state.overlay {
        Some(crate::tui::app::Overlay::CustomerForm(f)) => f.form.field(0).to_owned(),
        other => panic!("no customer form: {other:?}"),
    }
}

#[test]
fn esc_on_a_form_with_typed_input_asks_before_throwing_it_away() {
    use crate::tui::app::Overlay;
    let mut state = customers_state();
    // Untouched: Esc closes at once.
    update(&mut state, ch('a'));
    update(&mut state, key(KeyCode::Esc));
    assert!(state.overlay.is_none());
    update(&mut state, ch('a'));
    for c in "Jörg".chars() {
        update(&mut state, ch(c));
    }
    update(&mut state, key(KeyCode::Esc));
    assert!(matches!(state.overlay, Some(Overlay::Discard { then_quit: false, .. })), "{:?}", state.overlay);
    let text = screen(&state);
    assert!(
        text.contains("Verwerfen?") && text.contains("j/y = ja, verwerfen") && text.contains("n/Esc = nein, weiter"),
        "{text}"
    );
    assert!(!text.contains("nein, abbrechen"), "{text}");
    // No: back to the form with what was typed.
    update(&mut state, ch('n'));
    assert_eq!(typed_name(&state), "Jörg");
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('j'));
    assert!(state.overlay.is_none() && !state.quit);
}

#[test]
fn ctrl_c_on_a_form_with_typed_input_asks_then_quits() {
    use crate::tui::app::Overlay;
    let mut state = customers_state();
    update(&mut state, ch('a'));
    update(&mut state, ch('X'));
    update(&mut state, ctrl('c'));
    assert!(matches!(state.overlay, Some(Overlay::Discard { then_quit: true, .. })), "{:?}", state.overlay);
    assert!(!state.quit);
    assert!(screen(&state).contains("hofbote beenden?"), "{}", screen(&state));
    update(&mut state, key(KeyCode::Esc));
    assert_eq!(typed_name(&state), "X");
    update(&mut state, ctrl('c'));
    update(&mut state, ch('j'));
    assert!(state.quit);
}

#[test]
fn the_help_on_the_customer_list_explains_the_consent_signs() {
    let mut state = customers_state();
    update(&mut state, ch('?'));
    let text = screen(&state);
    assert!(text.contains("✓ erteilt · ✗ widerrufen · ? Bestätigung"), "{text}");
    assert!(text.contains("– nichts erfasst"), "{text}");
}

#[test]
fn keys_named_on_a_screen_stay_readable_under_a_popup() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Queue);
    assert!(screen(&state).contains("ungelesen (a)"), "{}", screen(&state));
    update(&mut state, ch('?'));
    let text = screen(&state);
    assert!(text.contains(" (a)") && !text.contains("()"), "the key vanished under the help:\n{text}");
}

#[test]
fn page_keys_in_ascii_mode_are_pgup_and_pgdn() {
    use crate::tui::keymap::Key;
    use crate::tui::theme::Theme;
    let ascii = Theme::new(false, true);
    assert_eq!(Key::plain(KeyCode::PageUp).label(Lang::De, ascii), "PgUp");
    assert_eq!(Key::plain(KeyCode::PageDown).label(Lang::De, ascii), "PgDn");
    assert_eq!(Key::plain(KeyCode::PageUp).label(Lang::De, Theme::new(true, false)), "Bild↑");
}

#[test]
fn space_says_tick_only_on_a_checkbox() {
    use crate::tui::keymap::{self, Ctx};
    let hint = |ctx: Ctx| {
        keymap::bindings(&[ctx]).iter().find(|b| b.action == keymap::Action::Toggle).map(|b| b.text.get(Lang::De))
    };
    assert!(hint(Ctx::FormCheck).is_some_and(|t| t.contains("ankreuzen")));
    assert!(hint(Ctx::FormChoice).is_some_and(|t| !t.contains("ankreuzen")));
}

#[test]
fn an_answer_in_the_window_is_priced_not_free() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    let mut state = loaded(&mut store, &launch, (100, 30), Screen::Queue);
    press(&mut store, &launch, &mut state, ch('a'));
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    let text = screen(&state);
    assert!(text.contains("eine Antwort kostet 0,0456 €"), "{text}");
    assert!(!text.contains("kostenlos"), "{text}");
}

#[test]
fn esc_on_the_setup_form_with_typed_input_asks_first() {
    use crate::tui::app::Overlay;
    use crate::tui::screens::welcome::{Step, Welcome};
    let launch = launch(Default::default(), Lang::De, false);
    let mut state = State::new(&launch);
    state.welcome = Some(Welcome::new());
    update(&mut state, ch('s'));
    assert_eq!(state.welcome.as_ref().unwrap().step, Step::Form);
    for c in "Hof".chars() {
        update(&mut state, ch(c));
    }
    update(&mut state, key(KeyCode::Esc));
    assert!(matches!(state.overlay, Some(Overlay::Discard { form: None, .. })), "{:?}", state.overlay);
    assert!(screen(&state).contains("Verwerfen?"));
    // Typing while asked changes nothing; n goes back with the text kept.
    update(&mut state, ch('x'));
    update(&mut state, ch('n'));
    let w = state.welcome.as_ref().unwrap();
    assert_eq!((w.step.clone(), w.form.field(0)), (Step::Form, "Hof"));
    update(&mut state, key(KeyCode::Esc));
    update(&mut state, ch('j'));
    assert_eq!(state.welcome.as_ref().unwrap().step, Step::Choose);
    assert!(state.overlay.is_none());
}

#[test]
fn the_demo_header_at_80_columns_says_who_sends_in_full_and_no_stub_of_the_path() {
    let mut state = customers_state();
    state.demo = true;
    state.sender = crate::tui::app::Sender::InApp;
    let text = screen(&state);
    let header = text.lines().next().unwrap().trim_end();
    assert!(header.ends_with("Versand: läuft hier"), "{header}");
    assert!(!header.contains(" DB") && !header.contains("Daten:"), "{header}");
}
