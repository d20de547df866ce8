//! How a raw webhook body is kept on disk (`webhook_events.body` with `body_format`), and its replay key. Lossless:
//! [`unpack`] gives back the received bytes exactly, so replay, retry, export and erasure see what Meta sent.
//!
//! Format 1 is raw deflate (RFC 1951) primed with [`DICT_V1`]: the compressor first reads the dictionary and flushes
//! to a byte boundary, and only what it writes after that is stored. To read it back, the dictionary is put in front
//! as a *stored* block, which any inflater turns back into the same 32 KiB window, so the stored bytes do not depend
//! on how a particular deflate version encoded the dictionary. A Meta status body (~590 bytes of JSON, most of it the
//! same keys every time) takes ~110 bytes, so a 4 KiB page holds ~30 instead of ~6 — fewer pages per group commit
//! and per apply. Never change `DICT_V1` once shipped: a new dictionary is a new format number.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use sha2::{Digest, Sha256};

/// `body_format` of a body stored as received.
pub const RAW: i64 = 0;
/// `body_format` of a body stored as raw deflate primed with [`DICT_V1`].
pub const DEFLATE_V1: i64 = 1;

/// Larger bodies are refused when reading back (the receiver accepts far less); guards against a corrupt row.
const MAX_BODY: usize = 16 << 20;

/// What WhatsApp webhook bodies are made of: the envelope, statuses (Meta's key order, and the sorted order of the
/// built-in sandbox and of re-serialised fixtures), inbound messages, preference and account changes. The most
/// common shape comes last (nearest matches are cheapest).
pub const DICT_V1: &[u8] = br#"{"object":"whatsapp_business_account","entry":[{"id":"","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"49","phone_number_id":""},"contacts":[{"profile":{"name":""},"wa_id":"49","user_id":"DE."}],"messages":[{"from":"49","from_user_id":"DE.","id":"wamid.HBgM","timestamp":"17","type":"text","text":{"body":"STOP"}},{"context":{"from":"","id":"wamid."},"type":"button","button":{"payload":"","text":"Anmelden"}},{"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"","title":""}}}],"user_preferences":[{"wa_id":"49","user_id":"DE.","detail":"User requested to stop marketing messages","category":"marketing_messages","value":"stop","timestamp":17}]},"field":"user_preferences"},{"value":{"event":"","ban_info":{},"restriction_info":[]},"field":"account_update"}]}]}{"entry":[{"changes":[{"field":"messages","value":{"contacts":[{"user_id":"DE.","wa_id":"49"}],"messaging_product":"whatsapp","metadata":{"display_phone_number":"49","phone_number_id":""},"statuses":[{"biz_opaque_callback_data":"","conversation":{"expiration_timestamp":"17","id":"","origin":{"type":"marketing"}},"errors":[{"code":131050,"error_data":{"details":""},"message":"","title":""}],"id":"wamid.HBgMNDkx","pricing":{"billable":true,"category":"marketing","pricing_model":"PMP","type":"regular"},"recipient_id":"49","recipient_user_id":"DE.","status":"delivered","timestamp":"17"}]}}],"id":""}],"object":"whatsapp_business_account"}{"object":"whatsapp_business_account","entry":[{"id":"","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"49","phone_number_id":""},"contacts":[{"profile":{"name":""},"wa_id":"49","user_id":"DE."}],"statuses":[{"id":"wamid.HBgMNDkx","status":"delivered","timestamp":"17","recipient_id":"49","recipient_user_id":"DE.","biz_opaque_callback_data":"","conversation":{"id":"","expiration_timestamp":"17","origin":{"type":"marketing"}},"pricing":{"billable":true,"pricing_model":"PMP","category":"marketing","type":"regular"}}]},"field":"messages"}]}]}"#;

/// The form a body is stored in: compressed when that is smaller, else as received.
pub fn pack(body: &[u8]) -> (Vec<u8>, i64) {
    match deflate_primed(body) {
        Some(packed) if packed.len() < body.len() => (packed, DEFLATE_V1),
        _ => (body.to_vec(), RAW),
    }
}

/// The body as received, from its stored form; `None` when the stored bytes cannot be read back (a corrupt row).
pub fn unpack(stored: Vec<u8>, format: i64) -> Option<Vec<u8>> {
    match format {
        RAW => Some(stored),
        DEFLATE_V1 => inflate_primed(&stored),
        _ => None,
    }
}

/// The replay key of a body (`webhook_events.body_hash`): Meta's event time as 8 bytes big-endian (so new keys land
/// at the right end of the index), then the first 16 bytes of the body's SHA-256. Equal bodies have equal keys.
pub fn replay_key(body: &[u8], event_time: i64) -> Vec<u8> {
    let mut key = Vec::with_capacity(24);
    key.extend_from_slice(&event_time.max(0).to_be_bytes());
    key.extend_from_slice(&Sha256::digest(body)[..16]);
    key
}

/// The key migration 10 gave a body stored before it (no event time: 8 zero bytes).
pub fn legacy_key(body: &[u8]) -> Vec<u8> {
    replay_key(body, 0)
}

fn deflate_primed(body: &[u8]) -> Option<Vec<u8>> {
    let mut c = Compress::new(Compression::new(6), false);
    let mut primer = Vec::with_capacity(DICT_V1.len() / 2);
    // Sync flush: everything so far is written and the stream is at a byte boundary; the window keeps the dictionary.
    feed(&mut c, DICT_V1, &mut primer, FlushCompress::Sync)?;
    let mut out = Vec::with_capacity(body.len() / 2 + 64);
    feed(&mut c, body, &mut out, FlushCompress::Finish)?;
    Some(out)
}

/// Compresses all of `input` into `out` and completes `flush` (Sync: all output written; Finish: the stream ended).
fn feed(c: &mut Compress, input: &[u8], out: &mut Vec<u8>, flush: FlushCompress) -> Option<()> {
    let start = c.total_in();
    loop {
        let done = usize::try_from(c.total_in() - start).ok()?;
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(256));
        }
        let status = c.compress_vec(&input[done..], out, flush).ok()?;
        let consumed = usize::try_from(c.total_in() - start).ok()? == input.len();
        match (flush, status) {
            (FlushCompress::Finish, Status::StreamEnd) => return Some(()),
            // Room was left in `out`: the flush is complete.
            (FlushCompress::Sync, _) if consumed && out.len() < out.capacity() => return Some(()),
            _ => {}
        }
    }
}

fn inflate_primed(stored: &[u8]) -> Option<Vec<u8>> {
    // The dictionary as one stored block (BFINAL 0, BTYPE 00, padded to the byte), then the stored bytes.
    let len = u16::try_from(DICT_V1.len()).ok()?;
    let mut stream = Vec::with_capacity(DICT_V1.len() + 5 + stored.len());
    stream.push(0);
    stream.extend_from_slice(&len.to_le_bytes());
    stream.extend_from_slice(&(!len).to_le_bytes());
    stream.extend_from_slice(DICT_V1);
    stream.extend_from_slice(stored);
    let mut d = Decompress::new(false);
    let mut out = Vec::with_capacity(DICT_V1.len() + stored.len() * 8);
    loop {
        if out.capacity() - out.len() < 256 {
            out.reserve(out.capacity());
        }
        let done = usize::try_from(d.total_in()).ok()?;
        let before = (d.total_in(), d.total_out());
        match d.decompress_vec(&stream[done..], &mut out, FlushDecompress::None).ok()? {
            Status::StreamEnd => break,
            _ if out.len() > MAX_BODY + DICT_V1.len() => return None,
            // No progress with room to spare: the stream is cut short.
            _ if (d.total_in(), d.total_out()) == before && out.len() < out.capacity() => return None,
            _ => {}
        }
    }
    if usize::try_from(d.total_in()).ok()? != stream.len() || !out.starts_with(DICT_V1) {
        return None;
    }
    Some(out.split_off(DICT_V1.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for text in [
            include_str!("../../../tests/fixtures/webhooks/pywa-2026/message_status.json"),
            include_str!("../../../tests/fixtures/webhooks/pywa-2026/message.json"),
            include_str!("../../../tests/fixtures/webhooks/pywa-2026/user_marketing_preferences.json"),
            include_str!("../../../tests/fixtures/webhooks/pywa-2026/account_update.json"),
        ] {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            for (_, body) in v.as_object().unwrap() {
                out.push(serde_json::to_vec(body).unwrap());
            }
        }
        out
    }

    #[test]
    fn every_body_reads_back_byte_for_byte() {
        let mut bodies = fixtures();
        bodies.push(Vec::new());
        bodies.push(b"{not json".to_vec());
        bodies.push((0..=255u8).cycle().take(5000).collect());
        bodies.push(DICT_V1.to_vec());
        bodies.push([DICT_V1, DICT_V1, DICT_V1].concat());
        bodies.push("Grüße vom Hof 🐄 ".repeat(3000).into_bytes());
        for body in bodies {
            let (stored, format) = pack(&body);
            assert!(stored.len() <= body.len());
            assert_eq!(unpack(stored, format).as_deref(), Some(&body[..]), "{}", String::from_utf8_lossy(&body));
        }
    }

    #[test]
    fn a_status_body_is_stored_in_a_fraction_of_its_size() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/fixtures/webhooks/pywa-2026/message_status.json"))
                .unwrap();
        // As Meta sends it (its key order) and as serde writes it (sorted keys).
        let body = fixture["delivered"].to_string().into_bytes();
        let (stored, format) = pack(&body);
        assert_eq!(format, DEFLATE_V1);
        assert!(stored.len() * 3 < body.len(), "{} of {} bytes", stored.len(), body.len());
    }

    #[test]
    fn bytes_that_are_not_such_a_stream_are_refused_not_guessed() {
        assert_eq!(unpack(b"garbage".to_vec(), DEFLATE_V1), None);
        assert_eq!(unpack(b"{}".to_vec(), 7), None);
        let (mut stored, _) = pack(&fixtures()[0]);
        stored.truncate(stored.len() / 2);
        assert_eq!(unpack(stored, DEFLATE_V1), None, "cut short");
    }

    #[test]
    fn replay_keys_are_ordered_by_event_time_and_equal_for_equal_bodies() {
        assert_eq!(replay_key(b"a", 5), replay_key(b"a", 5));
        assert_ne!(replay_key(b"a", 5), replay_key(b"b", 5));
        assert!(replay_key(b"z", 1_700_000_000) < replay_key(b"a", 1_700_000_001));
        assert_eq!(legacy_key(b"a")[..8], [0; 8]);
        assert_eq!(replay_key(b"a", -3), legacy_key(b"a"));
        assert_eq!(replay_key(b"a", 9).len(), 24);
    }
}
