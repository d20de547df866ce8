//! Webhook signatures: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>`. The one place that
//! computes and checks them; the receiver and the sandbox both use it. Always over the raw bytes received, never over
//! re-serialised JSON (Meta escapes non-ASCII as `\uXXXX` in what it signs).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header name Meta uses.
pub const HEADER: &str = "X-Hub-Signature-256";

/// Why a signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature header missing")]
    Missing,
    #[error("signature header malformed")]
    Malformed,
    #[error("signature does not match")]
    Mismatch,
}

fn mac(secret: &[u8], body: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail; an empty key still yields a (useless) MAC.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => <Hmac<Sha256> as KeyInit>::new_from_slice(&[0u8]).unwrap_or_else(|_| unreachable_mac()),
    };
    mac.update(body);
    mac
}

#[allow(clippy::panic)]
fn unreachable_mac() -> Hmac<Sha256> {
    panic!("HMAC-SHA256 accepts keys of any length")
}

/// The header value for `body`: `sha256=<hex>`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(secret, body).finalize().into_bytes()))
}

/// Checks a header value against `body` in constant time.
pub fn verify(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_part = header.trim().strip_prefix("sha256=").ok_or(SignatureError::Malformed)?;
    let expected = hex::decode(hex_part).map_err(|_| SignatureError::Malformed)?;
    if expected.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    mac(secret, body).verify_slice(&expected).map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_test_vector() {
        assert_eq!(sign(b"secret", b"test"), "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914");
        assert_eq!(
            verify(b"secret", b"test", Some("sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914")),
            Ok(())
        );
    }

    #[test]
    fn raw_bytes_with_unicode_escapes_are_signed_as_received() {
        let escaped = br#"{"name":"J\u00f6rg M\u00fcller"}"#;
        let sig = sign(b"k", escaped);
        assert_eq!(verify(b"k", escaped, Some(&sig)), Ok(()));
        // The same JSON re-serialised with real umlauts is different bytes and must not verify.
        let reserialised = r#"{"name":"Jörg Müller"}"#.as_bytes();
        assert_eq!(verify(b"k", reserialised, Some(&sig)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn wrong_missing_or_malformed_headers_are_refused() {
        let sig = sign(b"k", b"body");
        assert_eq!(verify(b"other", b"body", Some(&sig)), Err(SignatureError::Mismatch));
        assert_eq!(verify(b"k", b"body", None), Err(SignatureError::Missing));
        assert_eq!(verify(b"k", b"body", Some("sha1=abc")), Err(SignatureError::Malformed));
        assert_eq!(verify(b"k", b"body", Some("sha256=zz")), Err(SignatureError::Malformed));
        assert_eq!(verify(b"k", b"body", Some("sha256=abcd")), Err(SignatureError::Malformed));
    }
}
