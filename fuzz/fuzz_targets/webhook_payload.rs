//! Fuzz target: arbitrary bytes to the webhook payload parser must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hofbote::whatsapp::payload::parse(data);
});
