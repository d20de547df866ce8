//! The screens and popups, one folder per screen with its state, how its keys change it, and how it is drawn:
//! `customers/` (list, detail, customer form), `consent/` (overview, consent form), `composer/` (draft, review,
//! drawing, texts), `queue/` (broadcasts, one broadcast's rows, texts), `replies/` (the customers' replies and one
//! conversation), `welcome/` (first start and setup, texts), and the `help` popup. Must not perform IO.

pub mod composer;
pub mod consent;
pub mod customers;
pub mod help;
pub mod queue;
pub mod replies;
pub mod welcome;
