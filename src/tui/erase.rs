//! The keyed hash that replaces an erased customer's link in the consent ledger: HMAC-SHA256 of the E.164 number,
//! keyed with the erasure key from the secrets. The same number always gives the same hash (so a suppressed
//! objector is recognised on re-import), but without the key the number cannot be recovered. Must never log or
//! show the key.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::config::Secret;
use crate::domain::phone::Phone;

/// Hex HMAC-SHA256(key, "+491711234567").
pub fn subject_hash(key: &Secret, phone: &Phone) -> String {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail; the fallback only satisfies the types.
    let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.expose().as_bytes())
        .or_else(|_| <Hmac<Sha256> as KeyInit>::new_from_slice(&[0u8]));
    match mac {
        Ok(mut mac) => {
            mac.update(phone.as_e164().as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ensure_erasure_key;
    use crate::domain::phone::Region;

    #[test]
    fn hash_is_keyed_and_stable() {
        let phone = Phone::parse("0171 1234567", Region::DE).unwrap();
        let a = subject_hash(&Secret::new("k1"), &phone);
        assert_eq!(a.len(), 64);
        assert_eq!(a, subject_hash(&Secret::new("k1"), &phone));
        assert_ne!(a, subject_hash(&Secret::new("k2"), &phone));
        // RFC 4231-style check against an independent computation of the same construction.
        assert_eq!(
            subject_hash(&Secret::new("key"), &Phone::parse("+491711234567", Region::DE).unwrap()),
            crate::whatsapp::signature::sign(b"key", b"+491711234567").trim_start_matches("sha256=")
        );
    }

    #[test]
    fn erasure_key_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf").join("secrets.toml");
        let no_env = |_: &str| None;
        let first = ensure_erasure_key(&path, &no_env).unwrap();
        assert_eq!(first.expose().len(), 64);
        assert!(first.expose().chars().all(|c| c.is_ascii_hexdigit()));
        let second = ensure_erasure_key(&path, &no_env).unwrap();
        assert_eq!(first, second, "the key must not change once written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(format!("{first:?}"), "Secret(***)");
    }

    #[test]
    fn erasure_key_is_appended_to_existing_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.toml");
        std::fs::write(&path, "whatsapp_token = \"abc\"").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let key = ensure_erasure_key(&path, &|_| None).unwrap();
        let s = crate::config::Secrets::load(&path, &|_| None).unwrap();
        assert_eq!(s.whatsapp_token.unwrap().expose(), "abc");
        assert_eq!(s.erasure_key.unwrap(), key);
        // The environment wins and nothing is written then.
        let env_key = ensure_erasure_key(&path, &|n| (n == crate::config::ENV_ERASURE_KEY).then(|| "envkey".into()));
        assert_eq!(env_key.unwrap().expose(), "envkey");
    }
}
