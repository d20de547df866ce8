//! Fuzz target: any template body and values must render and validate without panicking; a body without
//! placeholders renders unchanged.
#![no_main]
use hofbote::domain::template::{fill, placeholders};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (body, value) = text.split_once('\u{0}').unwrap_or((text, "Wert"));
    let found = placeholders(body);
    let rendered = fill(body, |_| Some(value.to_owned()));
    if found.is_empty() {
        assert_eq!(rendered, body);
    }
    for p in &found {
        let _ = hofbote::domain::template::check_value(p, value);
    }
});
