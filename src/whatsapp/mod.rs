//! The WhatsApp Cloud API: wire types, the async client, error classification (a table of Meta's codes), template
//! sync and the `templates list` output, incoming webhook payload parsing, webhook signatures. The only place that
//! talks HTTP to Meta. It never decides queue policy and never applies webhook effects (that is `webhook`).

pub mod client;
pub mod codes;
pub mod error;
pub mod payload;
pub mod signature;
pub mod templates;
pub mod wire;

pub use client::{Client, ClientError, Timeouts, ensure_crypto_provider};
pub use codes::{CodeInfo, ErrorClass, explain};
pub use error::{ApiError, Origin};

pub use wire::{BodyParams, ButtonParam, HeaderParam, Media, PhoneNumberInfo, Sent, TemplateMessage};
