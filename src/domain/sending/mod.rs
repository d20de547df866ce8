//! The send path's pure rules: where an outbox row is and which event moves it where (`state`), what a failed
//! attempt leads to (`decision`), the timing policies (backoff, pacing, pair limit, tier, quiet hours) and the words
//! the farmer reads for a row's or a broadcast's state (`words`). The store applies them; nothing here does IO.

pub mod decision;
pub mod policy;
pub mod reason;
pub mod state;
pub mod words;

pub use decision::Decision;
pub use reason::Reason;
pub use state::{BroadcastState, RowEvent, RowState, transition};
