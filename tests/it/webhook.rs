//! Integration tests: webhook.
