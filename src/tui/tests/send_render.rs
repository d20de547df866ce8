//! Render snapshots of the sending side at 80x24 and 120x40: template picker, form with an error, preview bubble,
//! excluded list, review, queue list with progress, broadcast detail with a failure, replies, conversation and the
//! welcome screen. Built from `send_store` on the fixed clock, so they are stable.

use ratatui::crossterm::event::KeyCode;

use super::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(name: &str, state: &State) {
    let text = screen(state);
    assert!(!text.contains('\u{1b}'), "{name}: an escape character reached the screen");
    insta::assert_snapshot!(format!("{name}__{}x{}", state.size.0, state.size.1), text);
}

fn both_sizes(name: &str, tab: Screen, setup: impl Fn(&mut Store, &Launch, &mut State)) {
    for size in SIZES {
        let launch = launch(shop_config(), Lang::De, false);
        let mut store = send_store();
        let mut state = loaded(&mut store, &launch, size, tab);
        setup(&mut store, &launch, &mut state);
        snap(name, &state);
    }
}

fn typ(store: &mut Store, launch: &Launch, state: &mut State, text: &str) {
    for c in text.chars() {
        press(store, launch, state, ch(c));
    }
}

#[test]
fn template_picker() {
    both_sizes("send_picker", Screen::Composer, |_, _, _| {});
}

#[test]
fn form_with_an_error() {
    both_sizes("send_form_error", Screen::Composer, |store, launch, state| {
        press(store, launch, state, key(KeyCode::Enter));
        typ(store, launch, state, "{vorname}");
        press(store, launch, state, key(KeyCode::Tab));
        typ(store, launch, state, "Bratwurst      Grillzeit");
    });
}

#[test]
fn preview_bubble() {
    both_sizes("send_preview", Screen::Composer, |store, launch, state| {
        press(store, launch, state, ch('l'));
        press(store, launch, state, key(KeyCode::Enter));
        typ(store, launch, state, "*Rinderrouladen* _frisch_ aus eigener Schlachtung, ~12,90~ 10,90 € das Kilo");
        press(store, launch, state, key(KeyCode::PageDown));
    });
}

#[test]
fn excluded_list() {
    both_sizes("send_excluded", Screen::Composer, |store, launch, state| {
        press(store, launch, state, ch('l'));
        press(store, launch, state, key(KeyCode::Enter));
        typ(store, launch, state, "Grillpaket");
        press(store, launch, state, ctrl('x'));
    });
}

#[test]
fn review() {
    both_sizes("send_review", Screen::Composer, |store, launch, state| {
        press(store, launch, state, ch('l'));
        press(store, launch, state, key(KeyCode::Enter));
        typ(store, launch, state, "Grillpaket für 4 Personen");
        press(store, launch, state, key(KeyCode::Enter));
    });
}

#[test]
fn queue_list_with_progress() {
    both_sizes("queue_list", Screen::Queue, |_, _, _| {});
}

#[test]
fn a_sender_stuck_on_the_database_is_shown_on_the_queue_screen_once_the_check_sees_it() {
    use crate::queue::health::SenderAlert;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    let mut store = Store::open(&db, Arc::new(clock())).unwrap();
    let launch = launch(shop_config(), Lang::De, false);
    let mut state = loaded(&mut store, &launch, (80, 24), Screen::Queue);
    let v = store.data_version().unwrap();
    press(&mut store, &launch, &mut state, Msg::DataVersion { version: v, now: now(), sender_alert: false });
    assert!(!screen(&state).contains("Versand steht"));
    // The worker of another process writes the alert file (this test process plays it): no data_version changes,
    // the next check (woken by the file watcher) sees the file and reloads.
    let since = now() - chrono::Duration::minutes(2);
    SenderAlert { since, error: "database is locked".into(), pid: std::process::id() }.write(&db).unwrap();
    press(&mut store, &launch, &mut state, Msg::DataVersion { version: v, now: now(), sender_alert: false });
    assert!(!screen(&state).contains("Versand steht"), "an unchanged check changes nothing");
    let effects = update(&mut state, Msg::DataVersion { version: v, now: now(), sender_alert: true });
    assert!(effects.contains(&crate::tui::Effect::LoadQueue), "{effects:?}");
    settle(&PerformCtx::from_launch(&launch), &mut store, &mut state, effects);
    let text = screen(&state);
    assert!(text.contains("Versand steht seit 2 min"), "{text}");
    assert!(text.contains("(database is") && text.contains("Speicherkarte voll ist."), "wrapped, not cut:\n{text}");
    SenderAlert::clear(&db);
    press(&mut store, &launch, &mut state, Msg::DataVersion { version: v, now: now(), sender_alert: false });
    assert!(!screen(&state).contains("Versand steht"), "taken back");
}

#[test]
fn webhook_alerts_on_the_queue_screen_say_what_they_stop() {
    let launch = launch(shop_config(), Lang::De, false);
    let mut store = send_store();
    store.raise_alert(crate::store::webhooks::ALERT_UNREADABLE, None, "body 7: expected value").unwrap();
    let state = loaded(&mut store, &launch, (80, 24), Screen::Queue);
    let text = screen(&state);
    assert!(text.contains("Eine Nachricht von WhatsApp ist unlesbar"), "{text}");
    assert!(text.contains("dismiss-webhook"), "{text}");
    assert!(!text.contains("Versand gestoppt"), "{text}");
}

#[test]
fn broadcast_detail_with_a_failure() {
    both_sizes("queue_detail", Screen::Queue, |store, launch, state| {
        press(store, launch, state, ch('j'));
        press(store, launch, state, ch('j'));
        press(store, launch, state, key(KeyCode::Enter));
    });
}

#[test]
fn replies_list() {
    both_sizes("replies", Screen::Queue, |store, launch, state| {
        press(store, launch, state, ch('a'));
    });
}

#[test]
fn conversation_with_the_window_open() {
    both_sizes("conversation", Screen::Queue, |store, launch, state| {
        press(store, launch, state, ch('a'));
        press(store, launch, state, key(KeyCode::Enter));
        typ(store, launch, state, "Ja, ab Freitag!");
    });
}

#[test]
fn welcome_screen() {
    for size in SIZES {
        let mut config_less = launch(Config::default(), Lang::De, false);
        config_less.paths.config_file = "/nonexistent/hofbote/config.toml".into();
        let mut state = State::new(&config_less);
        update(&mut state, Msg::Resize(size.0, size.1));
        state.welcome = Some(crate::tui::screens::welcome::Welcome::new());
        snap("welcome", &state);
        update(&mut state, ch('s'));
        for c in "Hof Test".chars() {
            update(&mut state, ch(c));
        }
        for _ in 0..2 {
            update(&mut state, key(KeyCode::Tab));
        }
        for c in "0171 5550100".chars() {
            update(&mut state, ch(c));
        }
        let text = screen(&state);
        assert!(!text.contains("Telefonnummer-ID"), "no Meta values in step 1:\n{text}");
        snap("welcome_setup", &state);
    }
}

#[test]
fn every_sending_view_survives_tiny_terminals_and_ascii() {
    let launch_ascii = launch(shop_config(), Lang::De, true);
    let mut store = send_store();
    let mut states: Vec<State> = Vec::new();
    let open = |store: &mut Store, keys: &[Msg], tab: Screen| {
        let mut s = loaded(store, &launch_ascii, (100, 30), tab);
        for k in keys {
            let effects = update(
                &mut s,
                match k {
                    Msg::Key(ev) => Msg::Key(*ev),
                    _ => unreachable!(),
                },
            );
            settle(&PerformCtx::from_launch(&launch_ascii), store, &mut s, effects);
        }
        s
    };
    states.push(open(&mut store, &[ch('l'), key(KeyCode::Enter)], Screen::Composer));
    states.push(open(&mut store, &[ch('l'), key(KeyCode::Enter), ch('x'), key(KeyCode::Enter)], Screen::Composer));
    states.push(open(&mut store, &[ch('l'), key(KeyCode::Enter), ctrl('x')], Screen::Composer));
    states.push(open(&mut store, &[ch('j'), ch('j'), key(KeyCode::Enter)], Screen::Queue));
    states.push(open(&mut store, &[ch('a'), key(KeyCode::Enter)], Screen::Queue));
    let mut welcome = State::new(&launch_ascii);
    welcome.welcome = Some(crate::tui::screens::welcome::Welcome::new());
    update(&mut welcome, ch('s'));
    update(&mut welcome, ch('x'));
    states.push(welcome);
    for state in &mut states {
        update(state, Msg::Resize(100, 30));
        let text = screen(state);
        for glyph in ['✓', '✗', '…', '│', '─', '┌', '█', '▓', '▒', '░', '●', '▢', '•', '←', '→']
        {
            assert!(!text.contains(glyph), "{glyph} in ASCII mode:\n{text}");
        }
        for (w, h) in [(1, 1), (5, 2), (10, 3), (20, 5), (30, 8), (40, 10), (60, 12)] {
            update(state, Msg::Resize(w, h));
            let _ = crate::tui::render_text(state, w, h);
        }
    }
}
