//! Integration tests: whatsapp.
