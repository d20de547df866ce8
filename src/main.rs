//! hofbote binary
fn main() {}
