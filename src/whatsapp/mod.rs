//! The WhatsApp Cloud API: wire types, the async client, error classification (a table of Meta's codes), template
//! sync and the `templates list` output, webhook signatures. The only place that talks HTTP to Meta.
//! It does not parse incoming webhooks (that is `payload`/`webhook`) and never decides queue policy.

pub mod client;
pub mod codes;
pub mod error;
pub mod signature;
pub mod templates;
pub mod wire;

pub use client::{Client, ClientError, Timeouts, ensure_crypto_provider};
pub use codes::{CodeInfo, ErrorClass, explain, pair_backoff};
pub use error::{ApiError, Origin};
pub use templates::{SyncError, SyncReport, sync_templates};
pub use wire::{BodyParams, ButtonParam, HeaderParam, Media, PhoneNumberInfo, Sent, TemplateMessage};
