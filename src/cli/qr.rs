//! `hofbote qr`: the counter sign — a QR code that opens WhatsApp with the sign-up keyword, shown in the terminal
//! (black on white, so a phone camera reads it on any terminal theme) with the link, the consent wording and the
//! short privacy notice; `--svg` writes a printable A4 sign, `--png` the code alone.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::privacy::{privacy_error, wordings};
use super::{CliError, Context};
use crate::i18n::Tr;
use crate::privacy::notice;
use crate::privacy::qr::{SignPurpose, qr_png, qr_svg_sign, qr_terminal, signup_url};

#[derive(Debug, Args)]
pub struct QrArgs {
    /// Wofür sich Kunden anmelden: marketing (Angebote), service (Termine) oder both (beides)
    #[arg(long, value_enum, default_value_t = SignPurpose::Both)]
    pub purpose: SignPurpose,
    /// Aushang als SVG (A4, mit Einwilligungstext und Datenschutzhinweis) schreiben
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Nur den QR-Code als PNG schreiben
    #[arg(long, value_name = "FILE")]
    pub png: Option<PathBuf>,
}

pub fn run(args: QrArgs, ctx: &Context) -> Result<(), CliError> {
    let l = ctx.lang;
    let url = signup_url(&ctx.config, args.purpose).map_err(|e| privacy_error(e, l))?;
    let all = wordings(ctx)?;
    let current = notice::current_wordings(&all);
    let texts: Vec<String> = current
        .iter()
        .filter(|w| args.purpose.purposes().contains(&w.purpose))
        .map(|w| format!("{} (Version {}): „{}“", w.purpose.label().get(l), w.version, w.text))
        .collect();
    let instruction = Tr::new(
        "Mit der Handykamera scannen und die vorbereitete Nachricht „{0}“ senden. Du bekommst eine Rückfrage – antworte JA.",
        "Scan with your phone camera and send the prepared message \"{0}\". You will get a question – answer JA.",
    )
    .fill(l, &[&args.purpose.keyword()]);
    let notice_text = notice::short_notice(&ctx.config, l);
    let code = qr_terminal(&url).map_err(|e| privacy_error(e, l))?;
    let colour = std::io::stdout().is_terminal();
    for line in code.lines() {
        if colour {
            // Black on bright white whatever the terminal's theme.
            println!("\x1b[30;107m{line}\x1b[0m");
        } else {
            println!("{line}");
        }
    }
    println!("{url}\n\n{instruction}\n");
    for t in &texts {
        println!("{t}\n");
    }
    println!("{notice_text}");
    if let Some(path) = &args.png {
        let bytes = qr_png(&url, 12).map_err(|e| privacy_error(e, l))?;
        std::fs::write(path, bytes)
            .map_err(|e| CliError::Io { path: path.display().to_string(), message: e.to_string() })?;
        println!("{}", Tr::new("QR-Code geschrieben: {0}", "QR code written: {0}").fill(l, &[&path.display()]));
    }
    if let Some(path) = &args.svg {
        let title =
            Tr::new("{0} – Nachrichten per WhatsApp", "{0} – messages by WhatsApp").fill(l, &[&ctx.config.shop.name]);
        let mut paragraphs = texts.clone();
        paragraphs.push(notice_text.clone());
        let svg = qr_svg_sign(&url, &title, &instruction, &paragraphs).map_err(|e| privacy_error(e, l))?;
        std::fs::write(path, svg)
            .map_err(|e| CliError::Io { path: path.display().to_string(), message: e.to_string() })?;
        println!("{}", Tr::new("Aushang geschrieben: {0}", "Sign written: {0}").fill(l, &[&path.display()]));
    }
    Ok(())
}
