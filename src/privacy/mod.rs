//! GDPR duties. So far: the keyed hash that pseudonymises erased customers (HMAC-SHA256 of the E.164 number with
//! the erasure key from the secrets, never stored in the database, so the hash cannot be reversed by guessing numbers
//! from the database alone). Pure.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::domain::phone::Phone;

/// `hmac-sha256:<hex>` of the number under `key`.
pub fn subject_hash(key: &[u8], phone: &Phone) -> String {
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(phone.as_e164().as_bytes());
            format!("hmac-sha256:{}", hex::encode(mac.finalize().into_bytes()))
        }
        // HMAC takes keys of any length; this branch cannot happen.
        Err(_) => String::from("hmac-sha256:invalid-key"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::phone::Region;

    #[test]
    fn keyed_hash_depends_on_key_and_number() {
        let a = Phone::parse("0171 1234567", Region::DE).unwrap();
        let b = Phone::parse("0171 1234568", Region::DE).unwrap();
        assert_eq!(subject_hash(b"k", &a), subject_hash(b"k", &a));
        assert_ne!(subject_hash(b"k", &a), subject_hash(b"k", &b));
        assert_ne!(subject_hash(b"k", &a), subject_hash(b"other", &a));
        assert!(!subject_hash(b"k", &a).contains("171"));
    }
}
