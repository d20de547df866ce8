//! The WhatsApp Cloud API: wire types, the async client, error classification, webhook payload parsing and
//! signatures. The only place that talks HTTP to Meta.

pub mod payload;
pub mod signature;

/// Installs rustls' ring crypto provider once per process (reqwest is built with `rustls-no-provider`, which keeps
/// OpenSSL and aws-lc out of the binary). Safe to call many times.
pub fn ensure_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // An error only means another provider was installed first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
