//! Unit tests of templates: placeholders, rendering and Meta's parameter rules. Test code only.
use super::*;

fn wochenangebot() -> Template {
    Template::from_meta(&json!({
        "name": "wochenangebot",
        "language": "de",
        "category": "MARKETING",
        "status": "APPROVED",
        "id": 1234567890,
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Hofladen {{1}}"},
            {"type": "BODY", "text": "{{1}}, unser Angebot diese Woche: {{2}}. Bis {{1}}!"},
            {"type": "FOOTER", "text": "Abmelden: STOP"},
            {"type": "BUTTONS", "buttons": [
                {"type": "QUICK_REPLY", "text": "Keine Angebote mehr"},
                {"type": "URL", "text": "Zum Hof", "url": "https://hof.example/{{1}}"}
            ]}
        ]
    }))
    .unwrap()
}

fn named() -> Template {
    Template::from_meta(&json!({
        "name": "abholtermin", "language": "de", "category": "utility", "status": "pending",
        "parameter_format": "NAMED",
        "components": [{"type": "body", "text": "Hallo {{first_name}}, abholbereit am {{date}} um {{time}}. {{first_name}}!"}]
    }))
    .unwrap()
}

#[test]
fn parses_meta_record() {
    let t = wochenangebot();
    assert_eq!(t.meta_id, "1234567890");
    assert_eq!(t.category, Category::Marketing);
    assert_eq!(t.status, Status::Approved);
    assert_eq!(t.parameter_format, ParameterFormat::Positional);
    assert_eq!(t.header, Some(Header::Text { text: "Hofladen {{1}}".into() }));
    assert_eq!(t.footer.as_deref(), Some("Abmelden: STOP"));
    assert_eq!(t.quick_reply_labels(), vec!["Keine Angebote mehr".to_owned()]);
    let n = named();
    assert_eq!(n.category, Category::Utility);
    assert_eq!(n.status, Status::Pending);
    assert_eq!(n.parameter_format, ParameterFormat::Named);
}

#[test]
fn refuses_records_without_name_or_with_unknown_category() {
    assert_eq!(
        Template::from_meta(&json!({"language": "de", "category": "UTILITY", "status": "APPROVED"})),
        Err(TemplateError::Missing("name"))
    );
    assert_eq!(
        Template::from_meta(&json!({"name": "x", "language": "de", "category": "SPAM", "status": "APPROVED"})),
        Err(TemplateError::UnknownCategory("SPAM".into()))
    );
}

#[test]
fn components_round_trip_through_meta_shape() {
    let t = wochenangebot();
    let again = Template::from_meta(&t.to_meta()).unwrap();
    assert_eq!(again, t);
}

#[test]
fn placeholder_detection_positional_and_named() {
    assert_eq!(
        wochenangebot().body_placeholders(),
        vec![Placeholder::Positional(1), Placeholder::Positional(2)],
        "repeats count once"
    );
    assert_eq!(placeholders("{{2}} und {{1}}"), vec![Placeholder::Positional(1), Placeholder::Positional(2)]);
    assert_eq!(
        named().body_placeholders(),
        vec![
            Placeholder::Named("first_name".into()),
            Placeholder::Named("date".into()),
            Placeholder::Named("time".into())
        ]
    );
    assert_eq!(placeholders("{{ 1 }} {{Name}} {{a b}} {{}} {{x"), vec![Placeholder::Positional(1)]);
    assert_eq!(wochenangebot().header_placeholder(), Some(Placeholder::Positional(1)));
    assert_eq!(Placeholder::Named("date".into()).to_string(), "{{date}}");
}

#[test]
fn preview_fills_values_and_keeps_missing_ones_visible() {
    let t = wochenangebot();
    let p = Params::positional(&["Liebe Anna", "Kartoffeln 2,50 €/kg"]).with_header("Müller");
    assert_eq!(
        t.render_preview(&p),
        "Hofladen Müller\n\nLiebe Anna, unser Angebot diese Woche: Kartoffeln 2,50 €/kg. Bis Liebe Anna!\n\n\
         Abmelden: STOP\n[Keine Angebote mehr]\n[Zum Hof]"
    );
    let partial = Params::positional(&["Hallo"]);
    assert_eq!(t.render_body(&partial), "Hallo, unser Angebot diese Woche: {{2}}. Bis Hallo!");
    let n = named();
    let p = Params::named(&[("time", "17 Uhr"), ("date", "Fr 4.12."), ("first_name", "Jörg")]);
    assert_eq!(n.render_preview(&p), "Hallo Jörg, abholbereit am Fr 4.12. um 17 Uhr. Jörg!");
    assert_eq!(fill("{{a b}} {{1}}", |_| Some("x".into())), "{{a b}} x");
}

#[test]
fn validation_follows_metas_rules() {
    let t = named();
    let ok = Params::named(&[("first_name", "Jörg"), ("date", "Fr 4.12."), ("time", "17    Uhr")]);
    assert_eq!(t.validate_params(&ok), Ok(()));
    let bad = Params::named(&[("first_name", "  "), ("date", "Fr\n4.12."), ("time", "17     Uhr")]);
    assert_eq!(
        t.validate_params(&bad),
        Err(vec![
            ParamError::Empty(Placeholder::Named("first_name".into())),
            ParamError::LineBreak(Placeholder::Named("date".into())),
            ParamError::TooManySpaces(Placeholder::Named("time".into())),
        ])
    );
    let missing = Params::named(&[("first_name", "A"), ("date", "B")]);
    assert_eq!(t.validate_params(&missing), Err(vec![ParamError::Missing(Placeholder::Named("time".into()))]));
    let tab = Params::named(&[("first_name", "A\tB"), ("date", "B"), ("time", "C")]);
    assert!(
        matches!(t.validate_params(&tab), Err(e) if e == vec![ParamError::LineBreak(Placeholder::Named("first_name".into()))])
    );
}

#[test]
fn body_length_is_checked_after_filling() {
    let t = wochenangebot();
    let base = t.render_body(&Params::positional(&["A", ""])).chars().count();
    let fits = "ä".repeat(MAX_BODY - base);
    assert_eq!(t.validate_params(&Params::positional(&["A", fits.as_str()]).with_header("X")), Ok(()));
    let long = "ä".repeat(MAX_BODY - base + 1);
    assert_eq!(
        t.validate_params(&Params::positional(&["A", long.as_str()]).with_header("X")),
        Err(vec![ParamError::BodyTooLong { len: MAX_BODY + 1, max: MAX_BODY }])
    );
    let header = "x".repeat(MAX_HEADER);
    assert_eq!(
        t.validate_params(&Params::positional(&["A", "B"]).with_header(header)),
        Err(vec![ParamError::HeaderTooLong { len: MAX_HEADER + 9, max: MAX_HEADER }])
    );
    assert_eq!(t.validate_params(&Params::positional(&["A", "B"])), Err(vec![ParamError::HeaderMissing]));
}

#[test]
fn errors_and_labels_are_localized() {
    let e = ParamError::Empty(Placeholder::Positional(1));
    assert!(e.localized(Lang::De).contains("{{1}} ist leer"));
    assert!(e.localized(Lang::En).contains("{{1}} is empty"));
    assert_eq!(Category::Marketing.label(Lang::De), "Werbung");
    assert_eq!(Category::Utility.label(Lang::De), "Service");
    assert_eq!(Status::Pending.label(Lang::De), "in Prüfung");
    assert_eq!(Status::Disabled.label(Lang::De), "deaktiviert");
    assert_eq!(Status::parse("in_appeal").label(Lang::De), "in_appeal");
}

#[test]
fn body_examples_are_read_from_meta_and_kept_through_the_store_shape() {
    let positional = serde_json::json!({
        "name": "wochenangebot", "language": "de", "category": "MARKETING", "status": "APPROVED",
        "components": [{"type": "BODY", "text": "{{1}}, Angebot: {{2}}", "example": {"body_text": [["Jörg", "Kürbis"]]}}]
    });
    let t = Template::from_meta(&positional).unwrap();
    assert_eq!(t.example(&Placeholder::Positional(2)), Some("Kürbis"));
    let mut again = t.clone();
    again.examples.clear();
    again.set_components(&t.components_json());
    assert_eq!(again.examples, t.examples, "the store keeps components_json");
    let named = serde_json::json!({
        "name": "abholung", "language": "de", "category": "UTILITY", "status": "APPROVED", "parameter_format": "NAMED",
        "components": [{"type": "BODY", "text": "Am {{datum}}", "example": {"body_text_named_params": [{"param_name": "datum", "example": "Fr 4.12."}]}}]
    });
    let t = Template::from_meta(&named).unwrap();
    assert_eq!(t.example(&Placeholder::Named("datum".into())), Some("Fr 4.12."));
    let mut again = t.clone();
    again.examples.clear();
    again.set_components(&t.components_json());
    assert_eq!(again.examples, t.examples);
}

#[test]
fn header_examples_are_read_from_meta_and_written_back_as_meta_lists_them() {
    let text = serde_json::json!({
        "name": "hoffest", "language": "de", "category": "MARKETING", "status": "APPROVED",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Hoffest bei {{1}}", "example": {"header_text": ["Familie Huber"]}},
            {"type": "BODY", "text": "Komm vorbei!"}
        ]
    });
    let t = Template::from_meta(&text).unwrap();
    assert_eq!(t.header_example.as_deref(), Some("Familie Huber"));
    assert_eq!(t.components_json()[0]["example"], serde_json::json!({"header_text": ["Familie Huber"]}));
    let named = serde_json::json!({
        "name": "abholung", "language": "de", "category": "UTILITY", "status": "APPROVED", "parameter_format": "NAMED",
        "components": [
            {"type": "header", "format": "text", "text": "Abholung {{tag}}",
             "example": {"header_text_named_params": [{"param_name": "tag", "example": "Freitag"}]}},
            {"type": "BODY", "text": "Bis bald."}
        ]
    });
    let t = Template::from_meta(&named).unwrap();
    assert_eq!(t.header_example.as_deref(), Some("Freitag"));
    assert_eq!(
        t.components_json()[0]["example"],
        serde_json::json!({"header_text_named_params": [{"param_name": "tag", "example": "Freitag"}]})
    );
    let image = serde_json::json!({
        "name": "bild", "language": "de", "category": "MARKETING", "status": "APPROVED",
        "components": [
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["https://scontent.whatsapp.net/v/x.jpg"]}},
            {"type": "BODY", "text": "{{1}}", "example": {"body_text": [["Braten"]]}}
        ]
    });
    let t = Template::from_meta(&image).unwrap();
    assert_eq!(t.header_example.as_deref(), Some("https://scontent.whatsapp.net/v/x.jpg"));
    let mut again = t.clone();
    again.header_example = None;
    again.set_components(&t.components_json());
    assert_eq!(again, t, "the store keeps the header example through components_json");
    let plain = serde_json::json!({
        "name": "kurz", "language": "de", "category": "UTILITY", "status": "APPROVED",
        "components": [{"type": "HEADER", "format": "TEXT", "text": "Hofladen"}, {"type": "BODY", "text": "Hallo"}]
    });
    let t = Template::from_meta(&plain).unwrap();
    assert_eq!(t.header_example, None);
    assert!(t.components_json()[0].get("example").is_none(), "no example where Meta lists none");
}
