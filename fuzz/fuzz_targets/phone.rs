//! Fuzz target: any text to the phone parser must never panic, and a parsed number must round-trip through E.164.
#![no_main]
use hofbote::domain::phone::{Phone, Region};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(phone) = Phone::parse(text, Region::DE) {
            let again = Phone::from_e164(phone.as_e164()).expect("stored form parses again");
            assert_eq!(again, phone);
        }
    }
});
