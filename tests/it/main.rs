//! The one integration-test crate (so the crate is linked once): real SQLite files, the real binary, the real HTTP
//! client against the sandbox. Each module covers one area.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod account;
mod canary;
mod chaos;
mod cli;
mod compact_bodies;
mod composer_journeys;
mod costs;
mod disk_stats;
mod first_rows;
mod first_week;
mod flood;
mod group_commit;
mod halt;
mod handover;
mod hostile;
mod import;
mod import_journeys;
mod journey;
mod name_order;
mod outbox_machine;
mod privacy;
mod properties;
mod pty;
mod queue;
mod replay;
mod restore;
mod sandbox;
mod serve_memory;
mod served;
mod settings;
mod slowloris;
mod support;
mod tui;
mod user_ids;
mod webhook;
mod webhook_retry;
mod whatsapp;
mod worker;
