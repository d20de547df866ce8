//! The terminal app (under construction).
