//! `hofbote sandbox`: runs the built-in fake of the Cloud API standalone, and `sandbox say` / `sandbox ledger` talk to
//! a running one (a customer writes; which messages were accepted).

use std::net::SocketAddr;

use clap::{Args, Subcommand};

use super::{CliError, Context};
use crate::config::Secret;
use crate::i18n::{Localized, Tr};
use crate::sandbox::{self, SandboxConfig};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SandboxArgs {
    #[command(subcommand)]
    cmd: Option<SandboxCmd>,
    /// Adresse, z. B. 127.0.0.1:8089
    #[arg(long, default_value = sandbox::DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Wohin Status- und Eingangs-Webhooks gehen, z. B. http://127.0.0.1:8080/webhook
    #[arg(long)]
    webhook_url: Option<String>,
    /// Schlüssel zum Signieren der Webhooks (Standard: HOFBOTE_APP_SECRET)
    #[arg(long, env = crate::config::ENV_APP_SECRET, hide_env_values = true)]
    app_secret: Option<String>,
    /// Erwarteter Zugangsschlüssel; ohne Angabe wird jeder nicht leere angenommen
    #[arg(long)]
    token: Option<String>,
    /// Startwert für den Zufall (Wiederholbarkeit)
    #[arg(long)]
    seed: Option<u64>,
    /// Nachrichten pro Sekunde (0 = unbegrenzt)
    #[arg(long)]
    rate: Option<u32>,
}

#[derive(Debug, Subcommand)]
enum SandboxCmd {
    /// Ein Kunde schreibt dem Hofladen
    Say {
        #[arg(long)]
        url: String,
        phone: String,
        text: String,
    },
    /// Alle angenommenen Nachrichten
    Ledger {
        #[arg(long)]
        url: String,
        #[arg(long)]
        json: bool,
    },
}

fn sandbox_err(e: sandbox::SandboxError, ctx: &Context) -> CliError {
    CliError::Message(e.localized(ctx.lang))
}

pub fn run(args: SandboxArgs, ctx: &Context) -> Result<(), CliError> {
    let rt = super::runtime()?;
    match args.cmd {
        Some(SandboxCmd::Say { url, phone, text }) => {
            let ack = rt.block_on(sandbox::say(&url, &phone, &text)).map_err(|e| sandbox_err(e, ctx))?;
            println!("{}", serde_json::to_string(&ack).map_err(|e| CliError::Message(e.to_string()))?);
            Ok(())
        }
        Some(SandboxCmd::Ledger { url, json }) => {
            let entries = rt.block_on(sandbox::ledger(&url)).map_err(|e| sandbox_err(e, ctx))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&entries).map_err(|e| CliError::Message(e.to_string()))?);
            } else {
                println!("{}", super::output::terminal_safe(&sandbox::render_ledger(&entries, ctx.lang)));
            }
            Ok(())
        }
        None => {
            let mut cfg = SandboxConfig::from_settings(&ctx.config.sandbox);
            cfg.listen = args.listen;
            cfg.webhook_url = args.webhook_url;
            cfg.app_secret = args.app_secret.filter(|s| !s.is_empty()).map(Secret::new);
            cfg.token = args.token.filter(|s| !s.is_empty()).map(Secret::new);
            cfg.clock = ctx.clock.clone();
            if let Some(seed) = args.seed {
                cfg.seed = seed;
            }
            if let Some(rate) = args.rate {
                cfg.rate_per_second = (rate > 0).then_some(rate);
            }
            let l = ctx.lang;
            rt.block_on(async move {
                let handle = sandbox::start(cfg).await.map_err(|e| sandbox_err(e, ctx))?;
                eprintln!(
                    "{}",
                    Tr::new(
                        "Sandkasten läuft auf {0} (Startwert {1}). Beenden mit Strg+C.",
                        "Sandbox running at {0} (seed {1}). Stop with Ctrl+C.",
                    )
                    .fill(l, &[&handle.url(), &handle.seed()])
                );
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => handle.shutdown().await,
                    _ = terminate() => {}
                }
                Ok(())
            })
        }
    }
}

async fn terminate() {
    #[cfg(unix)]
    {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await
}
