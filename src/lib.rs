//! hofbote — a farm shop's WhatsApp messages, lawful under the GDPR and the UWG.
//!
//! Module map: `domain` (pure rules: phones, customers, consent, `may_send`), `store` (SQLite + DB thread),
//! `config` (config and secrets), `clock` (the injectable time source), `i18n` (German/English text),
//! `import` (CSV and vCard), `whatsapp` (Cloud API client, signatures), `sandbox` (local fake Cloud API),
//! `webhook` (receiver), `queue` (the send queue's state machine, policies, lock and worker), `sending` (worker,
//! receiver and their tasks wired once for the service, the terminal app and the demo), `privacy` (GDPR export,
//! erasure, retention, backup, QR sign), `tui` (terminal app), `cli` (command line, one module per command),
//! `account_limits` (Meta's messaging limit and throughput, read from the API), `demo` (demo data), `service` (the systemd user service installer), `failpoint` (named crash points for crash tests), `logging`.
#![forbid(unsafe_code)]

pub mod account_limits;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub(crate) mod failpoint;
pub mod i18n;
pub mod import;
pub(crate) mod logging;
pub mod privacy;
pub mod queue;
pub mod sandbox;
pub(crate) mod sending;
pub mod service;
pub mod store;
pub mod template_sync;
pub mod tui;
pub mod webhook;
pub mod whatsapp;
