//! The `hofbote` binary: installs color-eyre (so panics restore the terminal and explain themselves), then hands over
//! to the command line in `hofbote::cli`. Nothing else lives here.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    // A broken hook installation must not stop the program; the default panic output remains.
    let _ = color_eyre::install();
    hofbote::cli::main_entry()
}
