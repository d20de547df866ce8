//! The `hofbote` binary: installs color-eyre (so panics restore the terminal and explain themselves), then hands over
//! to the command line in `hofbote::cli`. Nothing else lives here.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    // A broken hook installation must not stop the program; the default panic output remains.
    let _ = color_eyre::install();
    quiet_on_closed_pipe();
    hofbote::cli::main_entry()
}

/// `hofbote customers list | head` closes stdout early; Rust then panics in `println!`. Like other command-line
/// tools, end quietly instead (exit code 141 = SIGPIPE), and leave every other panic to color-eyre.
fn quiet_on_closed_pipe() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        previous(info);
    }));
}
