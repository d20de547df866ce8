//! The webhook receiver (under construction).
