//! Property tests that mirror the fuzz targets in `fuzz/` so CI covers them on stable: the phone parser, the
//! template renderer, the importer and the webhook payload parser never panic on any input, and keep their
//! invariants.

use hofbote::domain::phone::{Phone, Region};
use hofbote::domain::template::{check_value, fill, placeholders};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn phone_parser_never_panics_and_round_trips(text in "[0-9+ ()/.\\-a-z]{0,24}|\\PC{0,24}") {
        if let Ok(phone) = Phone::parse(&text, Region::DE) {
            let again = Phone::from_e164(phone.as_e164()).unwrap();
            prop_assert_eq!(&again, &phone);
            prop_assert!(phone.as_e164().starts_with('+'));
            let cached = Phone::from_stored(phone.as_e164()).unwrap().with_formats(phone.formats());
            prop_assert_eq!(cached.display_for(Region::DE), phone.display_for(Region::DE));
        }
    }

    #[test]
    fn german_mobile_numbers_in_any_common_spelling_parse_to_the_same_number(
        prefix in prop::sample::select(vec!["160", "170", "171", "172", "175", "176", "151"]),
        rest in "[1-9][0-9]{6}",
        style in 0usize..6,
    ) {
        let national = format!("0{prefix}{rest}");
        let written = match style {
            0 => format!("0{prefix} {rest}"),
            1 => format!("0{prefix}/{rest}"),
            2 => format!("+49 {prefix} {rest}"),
            3 => format!("+49 (0){prefix} {rest}"),
            4 => format!("0049 {prefix} {rest}"),
            _ => format!("49{prefix}{rest}"),
        };
        let a = Phone::parse(&national, Region::DE);
        let b = Phone::parse(&written, Region::DE);
        prop_assert_eq!(a.ok(), b.ok(), "{}", written);
    }

    #[test]
    fn template_rendering_never_panics(body in "\\PC{0,80}", value in "\\PC{0,20}") {
        let found = placeholders(&body);
        let rendered = fill(&body, |_| Some(value.clone()));
        if found.is_empty() {
            prop_assert_eq!(rendered, body);
        }
        for p in &found {
            let _ = check_value(p, &value);
        }
    }

    #[test]
    fn the_importer_never_panics_on_arbitrary_files(bytes in proptest::collection::vec(any::<u8>(), 0..600), vcf in any::<bool>()) {
        let name = if vcf { "x.vcf" } else { "x.csv" };
        let _ = hofbote::import::parse_bytes(std::path::Path::new(name), &bytes);
    }

    #[test]
    fn the_importer_never_panics_on_csv_like_text(
        rows in proptest::collection::vec(proptest::collection::vec("[^\\n]{0,12}", 1..6), 1..8),
        sep in prop::sample::select(vec![',', ';']),
    ) {
        let mut text = String::from("Name;Telefon;Tags\n").replace(';', &sep.to_string());
        for r in rows {
            text.push_str(&r.join(&sep.to_string()));
            text.push('\n');
        }
        let _ = hofbote::import::parse_bytes(std::path::Path::new("k.csv"), text.as_bytes());
    }

    #[test]
    fn the_webhook_parser_never_panics_on_envelopes_with_odd_values(
        field in "[a-z_]{0,16}",
        id in "\\PC{0,12}",
        status in "\\PC{0,10}",
        ts in any::<i64>(),
    ) {
        let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"changes": [{"field": field,
            "value": {"statuses": [{"id": id, "status": status, "timestamp": ts}],
                      "messages": [{"id": id, "from": status, "type": "text", "text": {"body": id}}],
                      "user_preferences": [{"value": status, "timestamp": id}]}}]}]});
        let _ = hofbote::whatsapp::payload::parse(body.to_string().as_bytes());
    }
}
