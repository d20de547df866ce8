//! The WhatsApp Cloud API: wire types, the async client, error classification, webhook signatures.
//! The only place that talks HTTP to Meta.

pub mod signature;
