//! The send queue: the pure row state machine and policies (backoff, pacing, pair limit, tier, quiet hours) here;
//! the claim with its consent re-check is one store transaction (`store::outbox`); the worker drives both and is the
//! only code that sends. This module itself performs no IO.

pub mod policy;
pub mod state;
