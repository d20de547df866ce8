//! The import view through the pure update and the real performer on an in-memory store: `i`, the path with Tab
//! completion, the dry run on screen, `y`, the reloaded list; failures under the field; `x` and `p` on a customer.

use std::path::Path;

use ratatui::crossterm::event::KeyCode;

use crate::i18n::Lang;
use crate::tui::Screen;
use crate::tui::app::State;
use crate::tui::keymap::Ctx;
use crate::tui::screens::import::Stage;
use crate::tui::tests::{ch, empty_store, key, launch, loaded, press, screen, shop_config};

/// `Name;Vorname;Telefon;Schlagworte;E-Mail` in Windows-1252 with `;`; line 4 has no number.
fn write_list(dir: &Path) {
    let text = "Name;Vorname;Telefon;Schlagworte;E-Mail\r\nM\u{fc}ller;J\u{f6}rg;0171 1234567;Rind, Eier;j@x.de\r\nWei\u{df};Anna;0172 1234567;Eier;\r\nKr\u{e4}mer;Paul;;Rind;\r\n";
    let bytes: Vec<u8> = text.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
    std::fs::write(dir.join("kunden.csv"), bytes).unwrap();
    std::fs::create_dir(dir.join("Dokumente")).unwrap();
}

fn setup(home: &Path) -> (crate::store::Store, crate::tui::Launch, State) {
    let mut launch = launch(shop_config(), Lang::De, false);
    launch.home = Some(home.to_owned());
    let mut store = empty_store();
    let state = loaded(&mut store, &launch, (80, 24), Screen::Customers);
    (store, launch, state)
}

fn type_text(store: &mut crate::store::Store, launch: &crate::tui::Launch, state: &mut State, text: &str) {
    for c in text.chars() {
        press(store, launch, state, ch(c));
    }
}

#[test]
fn import_from_the_app_shows_the_dry_run_and_applies_it() {
    let home = tempfile::tempdir().unwrap();
    write_list(home.path());
    let (mut store, launch, mut state) = setup(home.path());
    press(&mut store, &launch, &mut state, ch('i'));
    assert_eq!(state.chain(), [Ctx::Always, Ctx::ImportPath]);
    assert!(screen(&state).contains("Kunden importieren"), "{}", screen(&state));

    // `~/` and Tab: the folder is listed, one name that starts with "ku" is taken whole.
    type_text(&mut store, &launch, &mut state, "~/ku");
    press(&mut store, &launch, &mut state, key(KeyCode::Tab));
    assert_eq!(state.import.as_ref().unwrap().path(), "~/kunden.csv");

    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    assert!(matches!(state.import.as_ref().unwrap().stage, Stage::Preview(_)));
    let s = screen(&state);
    for want in [
        "Noch ist nichts gespeichert",
        "Spalte ‚Name‘ → Nachname",
        "Spalte ‚Vorname‘ → Vorname",
        "Spalte ‚Schlagworte‘ → Schlagworte",
        "Spalte ‚E-Mail‘ wird nicht verwendet",
        "Jörg Müller",
        "+49 171 1234567",
        "Eier, Rind",
        "Zeile 4: Telefonnummer fehlt",
        "2 neu · 0 geändert · 0 unverändert · 1 Zeile abgelehnt",
        "y = ja",
    ] {
        assert!(s.contains(want), "{want:?} missing:\n{s}");
    }
    assert_eq!(store.customer_count().unwrap(), 0, "the dry run stores nothing");
    insta::assert_snapshot!("import_preview__80x24", s);
    // Any size draws without panicking; at 80x24 and more the counts and the question stay on screen.
    for (w, h) in [(120, 40), (50, 12), (20, 8)] {
        crate::tui::app::update(&mut state, crate::tui::app::Msg::Resize(w, h));
        let s = screen(&state);
        assert!(h < 24 || (s.contains("2 neu") && s.contains("y = ja")), "{w}x{h}:\n{s}");
    }
    crate::tui::app::update(&mut state, crate::tui::app::Msg::Resize(80, 24));

    press(&mut store, &launch, &mut state, ch('y'));
    assert!(state.import.is_none());
    let s = screen(&state);
    assert!(s.contains("Import gespeichert: 2 Kunden neu, 0 geändert, 1 Zeile abgelehnt."), "{s}");
    assert!(s.contains("Jörg Müller") && s.contains("Eier, Rind"), "the list reloaded:\n{s}");
    assert_eq!(store.customer_count().unwrap(), 2);
}

#[test]
fn a_missing_file_is_said_under_the_field_and_esc_closes_the_view() {
    let home = tempfile::tempdir().unwrap();
    let (mut store, launch, mut state) = setup(home.path());
    press(&mut store, &launch, &mut state, ch('i'));
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    assert!(screen(&state).contains("Gib zuerst den Pfad der Datei ein"), "{}", screen(&state));
    type_text(&mut store, &launch, &mut state, "~/fehlt.csv");
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    let v = state.import.as_ref().unwrap();
    assert_eq!(v.stage, Stage::Path);
    let s = screen(&state);
    assert!(s.contains("fehlt.csv") && s.contains("gibt es nicht"), "{s}");
    // Letters are text here: `q` does not quit.
    press(&mut store, &launch, &mut state, ch('q'));
    assert!(!state.quit);
    press(&mut store, &launch, &mut state, key(KeyCode::Esc));
    assert!(state.import.is_none());
    assert_eq!(state.chain()[1], Ctx::Customers);
}

#[test]
fn x_writes_the_auskunft_and_p_the_consent_proof_and_the_status_names_the_file() {
    let home = tempfile::tempdir().unwrap();
    let (mut store, launch, mut state) = setup(home.path());
    let draft = crate::domain::customer::CustomerDraft::new(
        "Jörg Müller",
        "Jörg",
        crate::domain::phone::Phone::parse("0171 1234567", crate::domain::phone::Region::DE).unwrap(),
        &["Rind".into()],
        "",
    )
    .unwrap();
    store.insert_customer(&draft).unwrap();
    state.customers.stale = true;
    let effects = crate::tui::app::load_tab(&mut state);
    crate::tui::settle(&crate::tui::perform::PerformCtx::from_launch(&launch), &mut store, &mut state, effects);

    press(&mut store, &launch, &mut state, ch('x'));
    let s = screen(&state);
    assert!(s.contains("Auskunft gespeichert: ~/hofbote/auskunft-joerg-mueller-2026-11-27.txt"), "{s}");
    let dir = home.path().join("hofbote");
    let text = std::fs::read_to_string(dir.join("auskunft-joerg-mueller-2026-11-27.txt")).unwrap();
    assert!(text.contains("Jörg Müller") && !text.contains("##") && !text.contains("()"), "{text}");
    let json = std::fs::read_to_string(dir.join("auskunft-joerg-mueller-2026-11-27.json")).unwrap();
    assert!(json.contains("+491711234567"), "{json}");

    // From the detail too.
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    press(&mut store, &launch, &mut state, ch('p'));
    let s = screen(&state);
    assert!(s.contains("Nachweis gespeichert: ~/hofbote/nachweis-joerg-mueller-2026-11-27.txt"), "{s}");
    let proof = std::fs::read_to_string(dir.join("nachweis-joerg-mueller-2026-11-27.txt")).unwrap();
    assert!(proof.contains("Kunde: Jörg Müller"), "{proof}");
}

/// A list with consent columns: the dry run says they are not taken; `e` asks where the forms are kept, the dry
/// run then shows the consents each row records, and `y` records them (on a fresh database: the default wordings
/// are made as everywhere else).
#[test]
fn consent_columns_are_taken_only_with_the_evidence_of_the_forms() {
    use crate::domain::consent::{ConsentState, Purpose};
    let home = tempfile::tempdir().unwrap();
    let text = "Name;Telefon;Einwilligung Werbung;Einwilligung Datum;Einwilligung Version\nJörg Müller;0171 1234567;ja;01.11.2026;1\n";
    std::fs::write(home.path().join("formulare.csv"), text).unwrap();
    let (mut store, launch, mut state) = setup(home.path());
    press(&mut store, &launch, &mut state, ch('i'));
    type_text(&mut store, &launch, &mut state, "~/formulare.csv");
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    let s = screen(&state);
    assert!(s.contains("werden hier nicht übernommen") && s.contains("Dann e:"), "{s}");
    assert!(s.contains("e Einwilligungen"), "{s}");

    press(&mut store, &launch, &mut state, ch('e'));
    assert_eq!(state.chain(), [Ctx::Always, Ctx::ImportEvidence]);
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    assert!(screen(&state).contains("Gib an, wo die Formulare liegen"), "{}", screen(&state));
    type_text(&mut store, &launch, &mut state, "Formulare 2026, Ordner 3");
    press(&mut store, &launch, &mut state, key(KeyCode::Enter));
    let s = screen(&state);
    assert!(s.contains("Einwilligungen: 1 werden erfasst") && s.contains("Ordner 3 (Zeile N)"), "{s}");
    assert!(!s.contains("e Einwilligungen"), "e is offered only while the consents are not taken:\n{s}");
    assert!(s.lines().any(|l| l.starts_with("2 ") && l.trim_end().ends_with("Angebote")), "{s}");

    press(&mut store, &launch, &mut state, ch('y'));
    assert!(state.import.is_none(), "{}", screen(&state));
    let s = screen(&state);
    assert!(s.contains("Import gespeichert: 1 Kunde neu, 0 geändert, 1 Einwilligung erfasst."), "{s}");
    let id = store.list_customers(&Default::default()).unwrap()[0].customer.id;
    assert_eq!(store.customer_consent(id).unwrap().state(Purpose::Marketing), ConsentState::Granted);
    let ledger = store.ledger(id).unwrap();
    assert_eq!(ledger[0].evidence, "Formulare 2026, Ordner 3 (Zeile 2)");
}
