//! The terminal app. (Entry point contract; the screens are being built.)

use crate::clock::SharedClock;
use crate::config::{Config, Paths};
use crate::i18n::Lang;

/// Everything the terminal app needs to start.
#[derive(Debug, Clone)]
pub struct Launch {
    pub paths: Paths,
    pub config: Config,
    pub lang: Lang,
    /// Plain ASCII glyphs (config switch or TERM=linux).
    pub ascii: bool,
    pub clock: SharedClock,
    /// Running on the demo database (shows the demo banner).
    pub demo: bool,
}

/// The screens `hofbote snapshot` can render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Screen {
    Kunden,
    Einwilligungen,
    Nachricht,
    Warteschlange,
}
