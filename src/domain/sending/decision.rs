//! What happens to a row after a failed attempt. Decided from Meta's error class by `queue::decide`; applied to the
//! row by the store through the one transition ([`super::state::transition`]).

use chrono::{DateTime, Utc};

/// The consequence of one failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Back to the queue, due at `at`.
    Retry { at: DateTime<Utc>, reason: &'static str },
    /// The request may have reached Meta: wait for a status webhook (or the farmer).
    Unknown { reason: &'static str },
    /// Permanently failed.
    Fail { code: Option<i64>, reason: String },
    /// Failed because the person stopped marketing in WhatsApp: also record the withdrawal.
    FailAndWithdraw { code: i64 },
    /// Not this row's fault: back to the queue unchanged (attempt not counted) and stop sending everything.
    StopAll { alert: &'static str, code: Option<i64>, detail: String },
    /// Not this row's fault: back to the queue and pause this broadcast.
    PauseBroadcast { code: Option<i64>, reason: String },
    /// Meta reviews the business portfolio (135000): back to the queue unchanged, this whole broadcast paused, and
    /// all sending stopped by an alert until the farmer (or Meta's notice) ends it.
    HaltForReview { code: Option<i64>, detail: String },
    /// Marketing is disabled for this number (131063): back to the queue unchanged, every marketing broadcast
    /// paused and an alert raised; service messages go on.
    PauseMarketing { code: Option<i64>, detail: String },
}
