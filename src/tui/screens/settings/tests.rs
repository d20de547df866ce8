//! The settings screen's rules without IO: only changed fields are written, secrets never into the configuration,
//! errors name their field, and what is missing for sending is said by name.

#![allow(clippy::unwrap_used)]

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn env() -> Env {
    Env::for_tests()
}

fn type_text(v: &mut SettingsView, text: &str) {
    for c in text.chars() {
        type_key(v, &KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

fn clear(v: &mut SettingsView) {
    for _ in 0..80 {
        type_key(v, &KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    }
}

fn saved(outcomes: &[Outcome]) -> Option<SettingsChange> {
    outcomes.iter().find_map(|o| match o {
        Outcome::Effect(Effect::Settings(SettingsEffect::Save(c))) => Some(c.clone()),
        _ => None,
    })
}

#[test]
fn the_shop_form_writes_only_what_changed_and_names_bad_fields() {
    let config = Config::default();
    let mut v = SettingsView::default();
    on_action(&mut v, &env(), &config, Action::Edit);
    type_text(&mut v, "Hof Kühn");
    // Quiet hours: something that is no period.
    for _ in 0..QUIET {
        on_action(&mut v, &env(), &config, Action::NextField);
    }
    clear(&mut v);
    type_text(&mut v, "abends");
    let out = on_action(&mut v, &env(), &config, Action::Save);
    assert!(saved(&out).is_none());
    let e = v.editing.as_ref().unwrap();
    assert_eq!(e.form.focus, QUIET);
    assert!(e.form.fields[QUIET].error.as_deref().unwrap().starts_with("Ruhezeit: "));
    assert!(matches!(&out[0], Outcome::Error(t) if t.contains("Ruhezeit")));
    clear(&mut v);
    type_text(&mut v, "21:00-07:00");
    on_action(&mut v, &env(), &config, Action::NextField);
    clear(&mut v);
    type_text(&mut v, "0,12");
    for _ in PRICE_M..TIER {
        on_action(&mut v, &env(), &config, Action::NextField);
    }
    on_action(&mut v, &env(), &config, Action::ChoiceNext);
    let change = saved(&on_action(&mut v, &env(), &config, Action::Save)).unwrap();
    assert!(change.secrets.is_empty());
    assert_eq!(
        change.edits,
        vec![
            Edit::str("shop", "name", "Hof Kühn"),
            Edit::str("queue", "quiet_hours", "21:00-07:00"),
            Edit { table: "prices", key: "marketing", value: Value::Float(0.12) },
            Edit { table: "whatsapp", key: "messaging_tier", value: Value::Int(2000) },
        ]
    );
    assert!(v.busy);
    assert_eq!(on_msg(&mut v, &env(), SettingsMsg::Saved).len(), 1, "then the app starts again");
}

#[test]
fn secrets_go_to_the_secrets_only_and_an_empty_field_keeps_them() {
    let config = Config::default();
    let mut v = SettingsView { stored: Some(Stored { token: true, ..Stored::default() }), ..Default::default() };
    on_action(&mut v, &env(), &config, Action::Connect);
    assert_eq!(v.editing.as_ref().unwrap().form.fields[TOKEN].hint.as_deref(), Some("gespeichert"));
    type_text(&mut v, "10654x");
    on_action(&mut v, &env(), &config, Action::NextField);
    on_action(&mut v, &env(), &config, Action::NextField);
    type_text(&mut v, "12");
    let out = on_action(&mut v, &env(), &config, Action::Save);
    assert!(saved(&out).is_none());
    assert!(v.editing.as_ref().unwrap().form.fields[DISPLAY].error.as_deref().unwrap().starts_with("Anzeigenummer: "));
    v.editing.as_mut().unwrap().form.focus = DISPLAY;
    type_key(&mut v, &KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    type_key(&mut v, &KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    v.editing.as_mut().unwrap().form.focus = PHONE_ID;
    assert!(
        v.editing.as_ref().unwrap().form.fields[PHONE_ID]
            .error
            .as_deref()
            .unwrap()
            .starts_with("Telefonnummer-ID: nur Ziffern")
    );
    type_key(&mut v, &KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    for _ in 0..APP_SECRET {
        on_action(&mut v, &env(), &config, Action::NextField);
    }
    type_text(&mut v, "geheim123");
    let change = saved(&on_action(&mut v, &env(), &config, Action::Save)).unwrap();
    assert_eq!(change.edits, vec![Edit::str("whatsapp", "phone_number_id", "10654")]);
    assert_eq!(
        change.secrets,
        vec![("app_secret", Secret::new("geheim123"))],
        "the empty token field keeps the stored one"
    );
}

#[test]
fn what_is_missing_for_sending_is_named() {
    let mut config = Config::default();
    let text = not_connected_text(&config, false, Lang::De).unwrap();
    assert!(text.contains("es fehlt Telefonnummer-ID, WABA-ID und Zugangsschlüssel"), "{text}");
    assert!(text.contains("5 Einstellungen"), "{text}");
    config.whatsapp.phone_number_id = "1".into();
    config.whatsapp.waba_id = "2".into();
    assert!(not_connected_text(&config, false, Lang::De).unwrap().contains("es fehlt Zugangsschlüssel."));
    assert_eq!(not_connected_text(&config, true, Lang::De), None);
}

#[test]
fn prices_and_dates_the_german_way() {
    assert_eq!(price_text(0.1131), "0,1131");
    assert_eq!(price_text(0.1), "0,1");
    assert_eq!(price_text(1.0), "1,00");
    assert_eq!(parse_price("0,12 €"), Some(0.12));
    assert_eq!(parse_price("11"), None);
    assert_eq!(date_text("2025-07-01"), "01.07.2025");
    assert_eq!(parse_date("1.7.2025"), NaiveDate::from_ymd_opt(2025, 7, 1));
}

/// The overview and both forms at 80x24 and 120x40: everything fits, the secrets are only "gespeichert"/"fehlt",
/// typed secrets are dots.
#[test]
fn the_screen_at_80x24_and_120x40() {
    use crate::tui::tests::{ch, empty_store, key, launch, loaded, screen, shop_config};
    use crate::tui::{Screen, update};
    for size in [(80u16, 24u16), (120, 40)] {
        let launch = launch(shop_config(), Lang::De, false);
        let mut state = loaded(&mut empty_store(), &launch, size, Screen::Settings);
        on_msg(&mut state.settings, &env(), SettingsMsg::Loaded(Stored { token: true, ..Stored::default() }));
        let text = screen(&state);
        insta::assert_snapshot!(format!("settings_{}x{}", size.0, size.1), text);
        assert!(text.contains("Zugangsschlüssel         gespeichert"), "{text}");
        assert!(text.contains("App-Geheimnis            fehlt"), "{text}");
        update(&mut state, ch('w'));
        for _ in 0..TOKEN {
            update(&mut state, key(KeyCode::Tab));
        }
        for c in "EAAG-geheim".chars() {
            update(&mut state, ch(c));
        }
        let text = screen(&state);
        assert!(!text.contains("EAAG") && text.contains("•••••••••••"), "{text}");
        insta::assert_snapshot!(format!("settings_connect_{}x{}", size.0, size.1), text);
    }
}
