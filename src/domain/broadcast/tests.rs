//! Unit tests of audience planning, personalisation and the review estimate. Test code only.
use chrono::TimeZone;

use super::*;
use crate::domain::consent::ConsentState;
use crate::domain::phone::{Phone, Region};
use crate::domain::template::{ParameterFormat, Status};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()
}

fn customer(id: i64, name: &str, first: &str, phone: &str) -> Customer {
    Customer {
        id,
        name: name.into(),
        first_name: first.into(),
        phone: Some(Phone::parse(phone, Region::DE).unwrap()),
        user_id: None,
        tags: vec!["Rind".into()],
        note: String::new(),
        created_at: now(),
        updated_at: now(),
    }
}

fn consent(marketing: ConsentState) -> CustomerConsent {
    CustomerConsent { service: ConsentState::Granted, marketing, last_inbound_at: None, suppressed: false }
}

fn wochenangebot() -> Template {
    Template {
        meta_id: String::new(),
        name: "wochenangebot".into(),
        language: "de".into(),
        category: Category::Marketing,
        status: Status::Approved,
        parameter_format: ParameterFormat::Positional,
        header: None,
        body: "{{1}}, diese Woche bei uns: {{2}}".into(),
        footer: Some("Abmelden: STOP".into()),
        buttons: vec![],
        examples: Default::default(),
        header_example: None,
    }
}

#[test]
fn placeholders_use_the_first_name_or_the_fallback() {
    let c = customer(1, "Jörg Müller", "Jörg", "0171 1234567");
    assert_eq!(personalise("Hallo {vorname}!", &c, "Liebe Kundin, lieber Kunde"), "Hallo Jörg!");
    let nameless = customer(2, "Familie Brandt", "", "0172 1234567");
    assert_eq!(personalise("{vorname}", &nameless, "Liebe Kundin, lieber Kunde"), "Liebe Kundin, lieber Kunde");
    assert_eq!(personalise("für {name}", &nameless, "x"), "für Familie Brandt");
}

#[test]
fn audience_excludes_with_reasons() {
    let t = wochenangebot();
    let params = Params::positional(&["{vorname}", "Rinderbraten 19,90 €/kg"]);
    let candidates = vec![
        (customer(1, "Jörg Müller", "Jörg", "0171 1234567"), consent(ConsentState::Granted)),
        (customer(2, "Anna Weiß", "Anna", "0172 1234567"), consent(ConsentState::Withdrawn)),
        (customer(3, "Ömer Yılmaz", "", "0173 1234567"), consent(ConsentState::Pending)),
        (customer(4, "Käthe", "Käthe", "0174 1234567"), consent(ConsentState::None)),
        (customer(5, "Doppelt", "D", "0171 1234567"), consent(ConsentState::Granted)),
    ];
    let plan = plan_audience(&t, Purpose::Marketing, &params, &candidates, "Liebe Kundin, lieber Kunde", now());
    assert_eq!(plan.recipients.len(), 1);
    assert_eq!(plan.recipients[0].params.body["1"], "Jörg");
    let keys: Vec<String> = plan.excluded.iter().map(|(_, _, e)| e.key()).collect();
    assert_eq!(keys, ["withdrawn", "consent_pending", "no_consent", "same_phone_twice"]);
}

#[test]
fn invalid_parameters_exclude_with_a_clear_message() {
    let t = wochenangebot();
    let params = Params::positional(&["{vorname}", "Zeile 1\nZeile 2"]);
    let candidates = vec![(customer(1, "Jörg Müller", "Jörg", "0171 1234567"), consent(ConsentState::Granted))];
    let plan = plan_audience(&t, Purpose::Marketing, &params, &candidates, "x", now());
    assert!(plan.recipients.is_empty());
    let Exclusion::InvalidParams { problems } = &plan.excluded[0].2 else { panic!() };
    assert!(problems[0].contains("Zeilenumbruch"), "{problems:?}");
}

#[test]
fn estimate_and_money() {
    let prices = crate::config::Prices::default();
    let e = estimate(212, 37, Category::Marketing, &prices, 80, 250, None);
    assert_eq!(format_money(e.cost, &e.currency, Lang::De), "23,98 €");
    assert_eq!(e.duration, Duration::milliseconds(2650));
    assert_eq!(e.over_tier, 0);
    assert_eq!(estimate(300, 0, Category::Utility, &prices, 20, 250, None).over_tier, 50);
    assert_eq!(format_money(1234.5, "EUR", Lang::De), "1.234,50 €");
    assert_eq!(format_money(1234.5, "EUR", Lang::En), "€1,234.50");
    assert_eq!(purpose_of(Category::Authentication), None);
    assert_eq!(purpose_of(Category::Utility), Some(Purpose::Service));
}

#[test]
fn audiences_of_several_tags_any_or_all_and_of_marked_customers() {
    let mut a = customer(1, "Anna", "Anna", "0171 1111111");
    a.tags = vec!["Rind".into(), "Eier".into()];
    let mut b = customer(2, "Bernd", "Bernd", "0171 2222222");
    b.tags = vec!["rind".into()];
    let mut c = customer(3, "Carla", "Carla", "0171 3333333");
    c.tags = vec!["Honig".into()];
    let any = Audience::Tags(vec!["Rind".into(), "Geflügel".into()]);
    let all = Audience::AllTags(vec!["Rind".into(), "Eier".into()]);
    let list = Audience::List(vec![3]);
    assert_eq!([any.matches(&a), any.matches(&b), any.matches(&c)], [true, true, false]);
    assert_eq!([all.matches(&a), all.matches(&b), all.matches(&c)], [true, false, false]);
    assert!(!Audience::AllTags(vec![]).matches(&a), "no tags: nobody, not everybody");
    assert_eq!([list.matches(&a), list.matches(&c)], [false, true]);
    assert_eq!(all.describe(Lang::De), "Schlagworte: Rind und Eier (alle davon)");
    assert_eq!(any.describe(Lang::De), "Schlagworte: Rind oder Geflügel (eines davon)");
    assert_eq!(list.describe(Lang::De), "1 ausgewählter Kunde");
    // Stored as JSON with the broadcast: the worker, a draft and `l` read it back.
    let json = serde_json::to_string(&all).unwrap();
    assert_eq!(json, r#"{"kind":"all_tags","value":["Rind","Eier"]}"#);
    assert_eq!(serde_json::from_str::<Audience>(&json).unwrap(), all);
}

#[test]
fn prices_older_than_six_months_are_outdated() {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    assert!(prices_outdated("2025-07-01", now));
    assert!(prices_outdated("2026-05-29", now));
    assert!(!prices_outdated("2026-05-30", now));
    assert!(!prices_outdated("2026-10-01", now));
    assert!(prices_outdated("bald", now), "a date nobody can read is no proof");
}
