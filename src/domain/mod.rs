//! The heart of hofbote: pure types and rules — phone numbers, customers, consent and the send decision.
//! Nothing in here performs IO or reads the clock; callers pass `now` in.

pub mod broadcast;
pub mod checks;
pub mod consent;
pub mod customer;
pub mod fold;
pub mod formatting;
pub mod keywords;
pub mod phone;
pub mod schedule;
pub mod sending;
pub mod template;

pub use schedule::{Toward, When, parse_local_datetime, parse_quiet_hours, parse_when};
