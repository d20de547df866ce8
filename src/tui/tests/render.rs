//! Render snapshots (insta, `TestBackend`) of every screen and the main states at 80x24 and 120x40, plus checks
//! that hold for any frame: control characters escaped, NO_COLOR without colour, ASCII mode without Unicode
//! glyphs. Times come from the fixed clock, the database path is a fixed fake, so the snapshots are stable.

use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;

use super::*;
use crate::tui::app::{Failure, Op};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(name: &str, state: &State) {
    let text = screen(state);
    assert!(!text.contains('\u{1b}'), "{name}: an escape character reached the screen");
    assert!(!text.contains("erasure_key"), "{name}: a secret reached the screen");
    insta::assert_snapshot!(format!("{name}__{}x{}", state.size.0, state.size.1), text);
}

/// Runs `setup` on a fresh demo state at both sizes and snapshots each.
fn both_sizes(name: &str, tab: Screen, setup: impl Fn(&mut Store, &Launch, &mut State)) {
    for size in SIZES {
        let launch = launch(shop_config(), Lang::De, false);
        let mut store = demo_store();
        let mut state = loaded(&mut store, &launch, size, tab);
        setup(&mut store, &launch, &mut state);
        snap(name, &state);
    }
}

#[test]
fn empty_database() {
    // The snapshot files keep the German screen names.
    for (tab, name) in [(Screen::Customers, "empty_kunden"), (Screen::Consent, "empty_einwilligungen")] {
        for size in SIZES {
            let launch = launch(shop_config(), Lang::De, false);
            let state = loaded(&mut empty_store(), &launch, size, tab);
            snap(name, &state);
        }
    }
}

#[test]
fn the_empty_list_names_no_missing_key_while_searching() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut state = loaded(&mut empty_store(), &launch, (80, 24), Screen::Customers);
    assert!(screen(&state).contains("Drücke a, um den ersten Kunden anzulegen."));
    update(&mut state, ch('/'));
    let text = screen(&state);
    assert!(text.contains("Noch keine Kunden."), "{text}");
    assert!(!text.contains("Drücke ,") && !text.contains("den ersten Kunden anzulegen"), "{text}");
}

#[test]
fn customer_list_with_awkward_names() {
    both_sizes("kunden", Screen::Customers, |_, _, _| {});
    let launch = launch(shop_config(), Lang::De, false);
    let mut state = loaded(&mut demo_store(), &launch, (120, 60), Screen::Customers);
    update(&mut state, ch('G'));
    let text = screen(&state);
    assert!(text.contains("Böse^[[31mFirma"), "control character shown escaped:\n{text}");
    assert!(text.contains("Mu\u{308}ller, Ana"), "NFD name shown as stored:\n{text}");
    assert!(text.contains("Hofcafé 🐄 Sonnenschein"), "{text}");
}

#[test]
fn customer_list_end_of_list() {
    // The last rows: emoji, NFD and the escaped control character are in view.
    both_sizes("kunden_end", Screen::Customers, |_, _, state| {
        update(state, ch('G'));
    });
}

#[test]
fn search_active() {
    both_sizes("kunden_search", Screen::Customers, |_, _, state| {
        update(state, ch('/'));
        for c in "mül".chars() {
            update(state, ch(c));
        }
    });
}

#[test]
fn tag_filter_and_sort_by_change() {
    both_sizes("kunden_tag", Screen::Customers, |_, _, state| {
        update(state, ch('t'));
        update(state, ch('t'));
        update(state, ch('s'));
    });
}

#[test]
fn customer_form_with_an_error() {
    both_sizes("customer_form_error", Screen::Customers, |_, _, state| {
        update(state, ch('a'));
        for c in "Xaver Quast".chars() {
            update(state, ch(c));
        }
        update(state, key(KeyCode::Tab));
        update(state, key(KeyCode::Tab));
        for c in "0171 12".chars() {
            update(state, ch(c));
        }
        update(state, key(KeyCode::Tab));
    });
}

#[test]
fn customer_detail_with_ledger() {
    both_sizes("detail", Screen::Customers, |store, launch, state| {
        update(state, ch('/'));
        for c in "thießen".chars() {
            update(state, ch(c));
        }
        update(state, key(KeyCode::Enter));
        press(store, launch, state, key(KeyCode::Enter));
    });
    both_sizes("detail_note", Screen::Customers, |store, launch, state| {
        update(state, ch('/'));
        for c in "jörg".chars() {
            update(state, ch(c));
        }
        update(state, key(KeyCode::Enter));
        press(store, launch, state, key(KeyCode::Enter));
    });
}

#[test]
fn consent_screen() {
    both_sizes("einwilligungen", Screen::Consent, |_, _, _| {});
    both_sizes("einwilligungen_filtered", Screen::Consent, |_, _, state| {
        update(state, ch('p'));
        update(state, ch('p'));
        update(state, ch('j'));
    });
}

#[test]
fn consent_form_with_matches() {
    both_sizes("consent_form", Screen::Customers, |store, launch, state| {
        press(store, launch, state, ch('2'));
        press(store, launch, state, ch('a'));
        for c in "mü".chars() {
            update(state, ch(c));
        }
    });
    both_sizes("withdraw_form", Screen::Customers, |store, launch, state| {
        press(store, launch, state, ch('w'));
    });
}

#[test]
fn help_popup() {
    both_sizes("help", Screen::Customers, |_, _, state| {
        update(state, ch('?'));
    });
}

#[test]
fn erase_question() {
    both_sizes("erase_confirm", Screen::Customers, |_, _, state| {
        update(state, ch('d'));
    });
}

#[test]
fn error_in_the_status_line() {
    // A shop without a name cannot record consent: the error says what to do and stays until a key.
    for size in SIZES {
        let launch = launch(Config::default(), Lang::De, false);
        let mut store = empty_store();
        let draft =
            CustomerDraft::new("Anna Weiß", "", Phone::parse("0171 1234567", Region::DE).unwrap(), &[], "").unwrap();
        store.insert_customer(&draft).unwrap();
        let mut state = loaded(&mut store, &launch, size, Screen::Consent);
        press(&mut store, &launch, &mut state, ch('a'));
        for c in "anna".chars() {
            press(&mut store, &launch, &mut state, ch(c));
        }
        press(&mut store, &launch, &mut state, key(KeyCode::Enter));
        press(&mut store, &launch, &mut state, ch(' '));
        for c in "\t\t\t\tF-1".chars() {
            let msg = if c == '\t' { key(KeyCode::Tab) } else { ch(c) };
            press(&mut store, &launch, &mut state, msg);
        }
        press(&mut store, &launch, &mut state, ctrl('s'));
        assert!(state.status.as_ref().is_some_and(|s| s.text.contains("[shop] name")), "{:?}", state.status);
        snap("error_status", &state);
    }
}

#[test]
fn a_load_error_is_shown() {
    for size in SIZES {
        let launch = launch(shop_config(), Lang::De, false);
        let mut state = loaded(&mut demo_store(), &launch, size, Screen::Customers);
        update(&mut state, Msg::Failed { op: Op::Load, error: Failure::Store(crate::store::StoreError::Closed) });
        snap("error_closed", &state);
    }
}

#[test]
fn ascii_mode() {
    for size in SIZES {
        let launch = launch(shop_config(), Lang::De, true);
        let mut store = demo_store();
        let mut state = loaded(&mut store, &launch, size, Screen::Customers);
        update(&mut state, ch('d'));
        let text = screen(&state);
        for glyph in ['✓', '✗', '–', '…', '│', '─', '┌', '↑', '↓', '←', '→', '·'] {
            assert!(!text.contains(glyph), "{glyph} in ASCII mode:\n{text}");
        }
        snap("ascii", &state);
        update(&mut state, ch('n'));
        press(&mut store, &launch, &mut state, ch('2'));
        snap("ascii_consent", &state);
    }
}

#[test]
fn english() {
    for size in SIZES {
        let launch = launch(shop_config(), Lang::En, false);
        let state = loaded(&mut demo_store(), &launch, size, Screen::Customers);
        snap("kunden_en", &state);
    }
}

#[test]
fn no_color_means_no_colour_anywhere_but_the_selection_still_shows() {
    let cells_with_colour = |no_color: bool| {
        let mut launch = launch(shop_config(), Lang::De, false);
        launch.no_color = no_color;
        let mut state = loaded(&mut demo_store(), &launch, (80, 24), Screen::Customers);
        update(&mut state, ch('a'));
        update(&mut state, key(KeyCode::Tab));
        update(&mut state, key(KeyCode::Tab));
        update(&mut state, ch('x'));
        update(&mut state, key(KeyCode::Tab));
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
        terminal.draw(|f| crate::tui::view::render(f, &state)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let coloured = buffer.content.iter().filter(|c| c.fg != Color::Reset || c.bg != Color::Reset).count();
        let reversed =
            buffer.content.iter().filter(|c| c.modifier.contains(ratatui::style::Modifier::REVERSED)).count();
        (coloured, reversed)
    };
    let (coloured, _) = cells_with_colour(false);
    assert!(coloured > 0);
    let (coloured, reversed) = cells_with_colour(true);
    assert_eq!(coloured, 0, "NO_COLOR: no cell may carry a colour");
    assert!(reversed > 0, "the selection is shown by reverse video");
}

#[test]
fn narrow_terminal_collapses_columns_and_marks_cuts() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut state = loaded(&mut demo_store(), &launch, (80, 24), Screen::Customers);
    let text = screen(&state);
    assert!(text.contains("Schlagworte") && text.contains('…'), "cut text is marked:\n{text}");
    snap("narrow", &state);
    // Below 80x24 the screen says so (issue 13: at 60x20 the tab names and "c abbrechen" vanished), and a key typed
    // blind changes nothing; Ctrl-C still quits.
    update(&mut state, Msg::Resize(60, 20));
    let text = screen(&state);
    assert!(text.contains("Fenster zu klein (mind. 80×24, jetzt 60×20)"), "{text}");
    assert!(!text.contains("Kunden"), "{text}");
    for c in ['a', 'd', '2', 'q'] {
        assert!(update(&mut state, ch(c)).is_empty());
    }
    assert!(state.overlay.is_none() && state.tab == Screen::Customers && !state.quit);
    update(&mut state, Msg::Resize(80, 24));
    update(&mut state, ch('a'));
    assert!(state.overlay.is_some(), "at 80x24 the keys work again");
    update(&mut state, Msg::Resize(60, 20));
    update(&mut state, ctrl('c'));
    assert!(state.quit, "Ctrl-C quits also in a small window");
}

#[test]
fn tiny_terminals_never_panic() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = demo_store();
    let mut states: Vec<State> = Vec::new();
    for tab in [Screen::Customers, Screen::Consent, Screen::Composer, Screen::Queue] {
        states.push(loaded(&mut store, &launch, (80, 24), tab));
    }
    let mut detail = loaded(&mut store, &launch, (80, 24), Screen::Customers);
    press(&mut store, &launch, &mut detail, key(KeyCode::Enter));
    states.push(detail);
    for open in ['a', 'd', '?', 'w'] {
        let mut s = loaded(&mut store, &launch, (80, 24), Screen::Customers);
        press(&mut store, &launch, &mut s, ch(open));
        states.push(s);
    }
    let mut consent = loaded(&mut store, &launch, (80, 24), Screen::Customers);
    press(&mut store, &launch, &mut consent, ch('2'));
    press(&mut store, &launch, &mut consent, ch('a'));
    press(&mut store, &launch, &mut consent, ch('m'));
    states.push(consent);
    for state in &mut states {
        for (w, h) in [(1, 1), (5, 2), (10, 3), (20, 5), (30, 8), (40, 10)] {
            update(state, Msg::Resize(w, h));
            let _ = crate::tui::render_text(state, w, h);
        }
    }
}
