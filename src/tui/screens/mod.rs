//! One file per screen or popup: its state, how its keys change it, and how it is drawn.

pub mod composer;
pub mod composer_draft;
pub mod composer_draw;
pub mod composer_review;
pub mod consent;
pub mod consent_form;
pub mod customer_detail;
pub mod customer_form;
pub mod customers;
pub mod help;
pub mod queue;
pub mod queue_detail;
pub mod replies;
pub mod welcome;
