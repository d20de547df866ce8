//! `hofbote service install`: sets up `hofbote serve` as a systemd user service (see `crate::service`) and prints
//! the installer's report. Without systemd it says what to do instead and ends with exit code 1.

use clap::Subcommand;

use super::{CliError, Context};

#[derive(Debug, Subcommand)]
pub enum ServiceCmd {
    /// Unit-Dateien schreiben, Dienst einschalten und starten, Weiterlaufen nach dem Abmelden prüfen
    Install,
}

pub fn run(cmd: ServiceCmd, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        ServiceCmd::Install => {
            let report = crate::service::install_here();
            let lines = report.lines(ctx.lang);
            if report.installed() {
                let mut out = lines.join("\n");
                out.push('\n');
                super::write_stdout(out.as_bytes())
            } else {
                Err(CliError::Message(lines.join(" ")))
            }
        }
    }
}
