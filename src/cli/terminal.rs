//! `hofbote` without a subcommand and `hofbote snapshot`: builds the terminal app's launch data from the command
//! line's context (paths, configuration, language, ASCII and colours from the terminal, `$USER`) and turns the app's
//! errors into the command line's. The one place where the command line meets the terminal app; must not draw.

use super::{CliError, Context};
use crate::i18n::{Lang, Localized, Tr};
use crate::tui::{Launch, Next, Screen, TuiError};

/// The launch data from the command line's context: ASCII from the config or the terminal (`TERM=linux`), colours
/// off when `NO_COLOR` is set, `$USER` as the one who records.
pub fn launch(ctx: &Context, demo: bool) -> Launch {
    Launch {
        paths: ctx.paths.clone(),
        config: ctx.config.clone(),
        lang: ctx.lang,
        ascii: ctx.config.ui.ascii || super::ascii_terminal(),
        clock: ctx.clock.clone(),
        demo,
        no_color: crate::tui::theme::no_color(std::env::var_os("NO_COLOR").as_deref()),
        actor: ctx.actor(),
        home: std::env::var_os("HOME").map(std::path::PathBuf::from),
    }
}

/// The terminal app's error as an error of the command line (exit code and one-line message).
pub fn error(e: TuiError, lang: Lang) -> CliError {
    match e {
        TuiError::Store(e) => CliError::Store(e),
        TuiError::Size(_) => CliError::Usage(Tr::new(
            "Größe nicht erkannt. Schreibe BREITExHÖHE, z. B. --size 80x24 (mindestens 20x8).",
            "Size not recognised. Write WIDTHxHEIGHT, e.g. --size 80x24 (at least 20x8).",
        )),
        other => CliError::Message(other.localized(lang)),
    }
}

/// `hofbote`: the terminal app; the demo when its welcome screen asks for it.
pub fn run(ctx: &Context) -> Result<(), CliError> {
    match crate::tui::run(&launch(ctx, false)).map_err(|e| error(e, ctx.lang))? {
        Next::Demo => super::demo::run(ctx, false),
        Next::Done | Next::Restart | Next::Reload => Ok(()),
    }
}

/// `hofbote snapshot`: one frame of a screen as plain text.
pub fn snapshot(ctx: &Context, screen: Screen, size: &str) -> Result<(), CliError> {
    let text = crate::tui::snapshot(&launch(ctx, false), screen, size).map_err(|e| error(e, ctx.lang))?;
    print!("{text}");
    Ok(())
}
