//! The send queue: the pure row state machine and policies (backoff, pacing, pair limit, tier, quiet hours), the
//! decision per error class, the send lock, and the worker that drives the claim (`store::outbox`, one transaction
//! with the consent re-check) and is the only code that sends, and how it lives through store faults (`health`).

pub mod clock_sync;
pub mod decide;
pub mod health;
pub mod lock;
pub mod worker;
