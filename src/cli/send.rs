//! `hofbote send`: the review (recipients, excluded with reasons, cost, duration, tier and quiet-hour waits, the
//! same-day warning, a preview for the first recipient), then `--yes` queues it; `--test-to` first sends one copy to
//! the farmer's own number; `--wait` also sends it from this process when no service holds the send lock (and hands
//! the rest to a service that starts meanwhile).

use std::sync::Arc;

use clap::Args;

use super::output::datetime;
use super::{CliError, Context};
use crate::domain::broadcast::{Audience, format_money, personalise_params};
use crate::domain::phone::Phone;
use crate::domain::template::{ParameterFormat, Params};
use crate::domain::{Toward, parse_when};
use crate::i18n::{Lang, Localized, Tr};
use crate::store::broadcasts::{NewBroadcast, Preview};
use crate::store::{Db, Store};
use crate::whatsapp::{Client, TemplateMessage};

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Name der Vorlage, z. B. wochenangebot
    #[arg(long)]
    template: String,
    /// Sprache der Vorlage (Meta-Code, z. B. de). Nicht zu verwechseln mit --lang (Sprache der Ausgabe).
    #[arg(long = "language", default_value = "de")]
    template_lang: String,
    /// Wert für den nächsten Platzhalter ({{1}}, {{2}} …) oder name=WERT; {vorname} und {name} werden je Kunde ersetzt
    #[arg(long = "param")]
    params: Vec<String>,
    /// Nur Kunden mit diesem Schlagwort (mehrfach: eines davon)
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Nur an diese Kunden (Telefonnummer, mehrfach)
    #[arg(long = "to")]
    to: Vec<String>,
    /// Zeitpunkt (Europe/Berlin), z. B. "2026-11-28 08:00"
    #[arg(long)]
    at: Option<String>,
    /// Vorher eine Testnachricht an diese Nummer (deine eigene, [shop] own_number)
    #[arg(long)]
    test_to: Option<String>,
    /// Wirklich in die Warteschlange stellen
    #[arg(long)]
    yes: bool,
    /// Als Entwurf speichern
    #[arg(long, conflicts_with = "yes")]
    draft: bool,
    /// Nach dem Einreihen gleich von hier aus senden und warten, bis alles raus ist (wenn kein Dienst läuft)
    #[arg(long, requires = "yes")]
    wait: bool,
}

fn params_from(args: &[String], format: ParameterFormat) -> Params {
    match format {
        ParameterFormat::Named => {
            let pairs: Vec<(String, String)> = args
                .iter()
                .filter_map(|a| a.split_once('=').map(|(k, v)| (k.trim().to_owned(), v.to_owned())))
                .collect();
            Params::named(&pairs)
        }
        ParameterFormat::Positional => Params::positional(args),
    }
}

pub fn run(args: SendArgs, ctx: &Context) -> Result<(), CliError> {
    let mut store = ctx.open_store()?;
    let l = ctx.lang;
    let template = store
        .template(&args.template, &args.template_lang)?
        .ok_or_else(|| crate::domain::broadcast::BroadcastError::UnknownTemplate {
            name: args.template.clone(),
            language: args.template_lang.clone(),
        })
        .map_err(crate::store::StoreError::from)?;
    let params = params_from(&args.params, template.parameter_format);
    let audience = if !args.to.is_empty() {
        let mut ids = Vec::new();
        for p in &args.to {
            let phone = Phone::parse(p, ctx.config.shop.region()).map_err(|e| CliError::phone("--to", e))?;
            let c = store.customer_by_phone(&phone)?.ok_or_else(|| {
                CliError::Message(
                    Tr::new("Kein Kunde mit der Nummer {0}.", "No customer with the number {0}.").fill(l, &[p]),
                )
            })?;
            ids.push(c.id);
        }
        Audience::List(ids)
    } else if !args.tags.is_empty() {
        Audience::Tags(args.tags.clone())
    } else {
        Audience::All
    };
    let scheduled_at = match &args.at {
        None => None,
        Some(s) => Some(parse_when(s, ctx.clock.now(), Toward::Future).map(|w| w.at).ok_or_else(|| {
            CliError::Message(
                Tr::new(
                    "--at {0}: Zeitpunkt nicht erkannt. Beispiele: \"morgen 8:00\", \"Fr 8 Uhr\", \"4.12. 8:00\".",
                    "--at {0}: time not recognised. Examples: \"tomorrow 8:00\", \"fri 8:00\", \"2026-12-04 08:00\".",
                )
                .fill(l, &[s]),
            )
        })?),
    };
    let new = NewBroadcast {
        template: args.template.clone(),
        language: args.template_lang.clone(),
        params: params.clone(),
        audience,
        scheduled_at,
        created_by: ctx.actor(),
    };
    let fallback = ctx.config.shop.salutation_fallback.clone();
    let preview = store.preview_broadcast(&new, &fallback)?;
    print!("{}", super::output::terminal_safe(&review(&store, &new, &preview, ctx)?));
    if let Some(w) = scheduled_at.and_then(|_| crate::queue::clock_sync::warning(l)) {
        eprintln!("{w}");
    }
    if let Some(to) = &args.test_to {
        test_send(&store, ctx, &preview, &params, to)?;
    }
    if args.draft {
        let (id, _) = store.create_broadcast(&new, &fallback, true)?;
        println!("{}", Tr::new("Als Entwurf Nr. {0} gespeichert.", "Saved as draft no. {0}.").fill(l, &[&id]));
        return Ok(());
    }
    if !args.yes {
        println!(
            "{}",
            Tr::new(
                "Nichts gesendet. Zum Einreihen denselben Befehl mit --yes.",
                "Nothing sent. To queue it, run the same command with --yes."
            )
            .get(l)
        );
        return Ok(());
    }
    let (id, p) = store.create_broadcast(&new, &fallback, false)?;
    store.audit(
        &ctx.actor(),
        "broadcast_queued",
        &format!("broadcast {id}: {} recipients", p.plan.recipients.len()),
    )?;
    println!(
        "{}",
        Tr::new("Rundnachricht Nr. {0} eingereiht: {1} Empfänger.", "Broadcast no. {0} queued: {1} recipients.")
            .fill(l, &[&id, &p.plan.recipients.len()])
    );
    let held = crate::queue::lock::is_held(&ctx.paths.db_file);
    if args.wait && !held {
        drop(store);
        send_here(ctx, id)?;
    } else if held {
        println!(
            "{}",
            Tr::new("Der Dienst (hofbote serve) sendet sie.", "The service (hofbote serve) sends it.").get(l)
        );
    } else {
        println!(
            "{}",
            Tr::new(
                "Versand startet, sobald »hofbote serve« oder die Oberfläche (hofbote) läuft. Oder gleich: --wait.",
                "Sending starts once `hofbote serve` or the terminal app (hofbote) runs. Or right away: --wait.",
            )
            .get(l)
        );
    }
    Ok(())
}

/// The review text.
pub fn review(store: &Store, new: &NewBroadcast, p: &Preview, ctx: &Context) -> Result<String, CliError> {
    let l = ctx.lang;
    let c = &store.with_account_limits(&ctx.config)?;
    let t = |de: &'static str, en: &'static str| Tr::new(de, en).get(l);
    let mut out = String::new();
    let now = store.now();
    let e = p.estimate(c, new.scheduled_at, now);
    out.push_str(&format!(
        "{}: {} ({}) · {}\n",
        t("Vorlage", "Template"),
        p.template.name,
        p.template.language,
        p.template.category.label(l)
    ));
    out.push_str(&format!("{}: {}\n", t("Zielgruppe", "Audience"), new.audience.describe(l)));
    out.push_str(&format!(
        "{}: {} · {}: {}\n",
        t("Empfänger", "Recipients"),
        e.recipients,
        t("ausgeschlossen", "excluded"),
        e.excluded
    ));
    for (_, name, why) in p.plan.excluded.iter().take(50) {
        out.push_str(&format!("  – {name}: {}\n", why.localized(l)));
    }
    if p.plan.excluded.len() > 50 {
        out.push_str(&format!(
            "  … {}\n",
            Tr::new("und {0} weitere", "and {0} more").fill(l, &[&(p.plan.excluded.len() - 50)])
        ));
    }
    out.push_str(&format!(
        "{}: {} ({} {})\n",
        t("Kosten (geschätzt)", "Cost (estimated)"),
        format_money(e.cost, &e.currency, l),
        t("Preise Stand", "prices as of"),
        e.price_checked_on
    ));
    if crate::domain::broadcast::prices_outdated(&e.price_checked_on, now) {
        out.push_str(&format!(
            "{}\n",
            t(
                "Preise älter als 6 Monate: mit Metas Preisliste vergleichen, unter 5 Einstellungen in hofbote.",
                "Prices older than 6 months: compare with Meta's rate card, under 5 Settings in hofbote."
            )
        ));
    }
    out.push_str(&format!(
        "{}\n",
        Tr::new(
            "Antworten darauf: je {0} (z. B. STOP-Bestätigung, deine Antworten; seit 1. Oktober 2026 berechnet).",
            "Replies to it: {0} each (e.g. STOP confirmation, your answers; billed since 1 October 2026).",
        )
        .fill(l, &[&crate::domain::broadcast::format_unit_price(e.reply_price, &e.currency, l)])
    ));
    out.push_str(&format!(
        "{}: {} s {} {} {}\n",
        t("Dauer (geschätzt)", "Duration (estimated)"),
        (e.duration.num_milliseconds() as f64 / 1000.0).ceil(),
        t("bei", "at"),
        c.whatsapp.effective_rate(),
        t("Nachrichten/s", "messages/s")
    ));
    if e.over_tier > 0 {
        out.push_str(&format!(
            "{}\n",
            Tr::new(
                "Tageslimit von Meta ({0} Empfänger je 24 h): {1} warten bis zum nächsten Tag.",
                "Meta's messaging limit ({0} recipients per 24 h): {1} wait until the next day."
            )
            .fill(l, &[&c.whatsapp.messaging_tier, &e.over_tier])
        ));
    }
    if let Some(q) = e.quiet_until {
        out.push_str(&format!(
            "{}\n",
            Tr::new("Ruhezeit: Werbung geht erst ab {0} raus.", "Quiet hours: marketing goes out from {0}.")
                .fill(l, &[&datetime(q, l)])
        ));
    }
    let when = match new.scheduled_at {
        Some(at) if at > now => datetime(at, l),
        _ => t("sofort", "now").to_owned(),
    };
    out.push_str(&format!("{}: {when}\n", t("Zeitpunkt", "When")));
    if store.sent_today(&new.template, &new.params)? {
        out.push_str(&format!(
            "{}\n",
            t(
                "Warnung: Diese Vorlage mit denselben Werten ging heute schon raus.",
                "Warning: this template with the same values already went out today."
            )
        ));
    }
    if let Some(first) = p.plan.recipients.first() {
        let c = store.customer(first.customer_id)?;
        out.push_str(&format!("\n{} ({}):\n", t("Vorschau", "Preview"), c.name));
        for line in p.template.render_preview(&first.params).lines() {
            out.push_str(&format!("  │ {line}\n"));
        }
    }
    Ok(out)
}

fn test_send(store: &Store, ctx: &Context, p: &Preview, params: &Params, to: &str) -> Result<(), CliError> {
    let l = ctx.lang;
    let region = ctx.config.shop.region();
    let phone = Phone::parse(to, region).map_err(|e| CliError::phone("--test-to", e))?;
    let own = Phone::parse(&ctx.config.shop.own_number, region).ok();
    if own.as_ref() != Some(&phone) {
        return Err(CliError::Message(
            Tr::new(
                "Testnachrichten gehen nur an deine eigene Nummer. Trag sie in der Konfiguration ein: [shop] own_number = \"…\".",
                "Test messages go only to your own number. Set it in the configuration: [shop] own_number = \"…\".",
            )
            .get(l)
            .into(),
        ));
    }
    let sample = match p.plan.recipients.first() {
        Some(r) => store.customer(r.customer_id)?,
        None => {
            return Err(CliError::Message(
                Tr::new("Keine Empfänger für eine Testnachricht.", "No recipients for a test message.").get(l).into(),
            ));
        }
    };
    let filled = personalise_params(params, &sample, &ctx.config.shop.salutation_fallback);
    let client = Client::new(&ctx.config.whatsapp, &ctx.secrets()?)?;
    let msg = TemplateMessage::from_template(&p.template, &filled, None);
    let sent = super::runtime()?.block_on(client.send_template(&phone, &msg, "test"))?;
    println!("{}", Tr::new("Testnachricht gesendet ({0}).", "Test message sent ({0}).").fill(l, &[&sent.wamid]));
    Ok(())
}

/// Sends from this process until the broadcast has nothing left to send now.
fn send_here(ctx: &Context, id: i64) -> Result<(), CliError> {
    let Some(_lock) = crate::queue::lock::try_acquire(&ctx.paths.db_file)? else { return Ok(()) };
    let secrets = ctx.secrets()?;
    let client = Arc::new(Client::new(&ctx.config.whatsapp, &secrets)?);
    let (db, _t) = Db::spawn(ctx.open_store()?);
    let config = crate::queue::worker::config_from(&ctx.config, &secrets);
    let clock = ctx.clock.clone();
    let l = ctx.lang;
    let db_file = ctx.paths.db_file.clone();
    let unknown_after = chrono::Duration::seconds(ctx.config.queue.unknown_after_seconds as i64);
    super::runtime()?.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let (_h, task) = crate::queue::worker::spawn(db.clone(), client, clock.clone(), config, stop_rx);
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let info = db.call(move |s| s.broadcast(id)).await?;
            let due_now =
                db.call(|s| s.next_due()).await?.is_some_and(|t| t <= clock.now() + chrono::Duration::seconds(2));
            if info.open() == 0 || (!due_now && info.count(crate::domain::sending::state::RowState::Inflight) == 0) {
                println!("{}", summary(&info, l));
                let words = crate::domain::sending::words::Words { lang: l, now: clock.now(), unknown_after };
                for note in words.broadcast_notes(&info.facts()) {
                    println!("{note}");
                }
                break;
            }
            // A service started meanwhile and waits for the send lock: it sends the rest.
            if crate::queue::lock::someone_waits(&db_file) {
                println!(
                    "{}",
                    Tr::new(
                        "Der Dienst (hofbote serve) übernimmt den Rest des Versands.",
                        "The service (hofbote serve) takes over the rest of the sending."
                    )
                    .get(l)
                );
                break;
            }
        }
        let _ = stop_tx.send(true);
        let _ = task.await;
        Ok::<(), CliError>(())
    })
}

fn summary(info: &crate::store::broadcasts::BroadcastInfo, l: Lang) -> String {
    use crate::domain::sending::state::RowState as S;
    Tr::new(
        "Gesendet: {0} angenommen, {1} zugestellt, {2} gelesen, {3} fehlgeschlagen, {4} offen.",
        "Sent: {0} accepted, {1} delivered, {2} read, {3} failed, {4} open.",
    )
    .fill(
        l,
        &[
            &info.count(S::Accepted),
            &info.count(S::Delivered),
            &info.count(S::Read),
            &info.count(S::Failed),
            &info.open(),
        ],
    )
}
