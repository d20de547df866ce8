//! Fuzz target: any bytes as a CSV or vCard file must never panic the importer's reader.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (kind, rest) = data.split_first().map(|(k, r)| (*k, r)).unwrap_or((0, data));
    let name = if kind % 2 == 0 { "kunden.csv" } else { "kontakte.vcf" };
    let _ = hofbote::import::parse_bytes(std::path::Path::new(name), rest);
});
