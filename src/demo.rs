//! The demo: its own database (`demo.sqlite` in the data directory, never the real one) filled with about 40
//! realistic German customers with mixed consent and a ledger history. Deterministic (fixed seed), so screenshots
//! and tests are stable. Must never touch the user's real database or a configured real API.

use std::path::PathBuf;

use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::cli::{CliError, Context};
use crate::config::Config;
use crate::domain::consent::{EventKind, NewConsentEvent, Purpose, Source};
use crate::domain::customer::CustomerDraft;
use crate::domain::phone::{Phone, Region};
use crate::i18n::Tr;
use crate::store::Store;

/// The seed of the demo data.
pub const SEED: u64 = 2026;

/// The demo shop.
pub fn demo_config(base: &Config) -> Config {
    let mut c = base.clone();
    c.shop.name = "Hofladen Sonnenwiese".into();
    c.shop.address = "Wiesenweg 3, 31675 Bückeburg".into();
    c.shop.contact = "hofladen@sonnenwiese.example".into();
    c.shop.own_number = "0171 5550100".into();
    c.whatsapp.display_phone_number = "+49 5722 555010".into();
    c.whatsapp.phone_number_id = "100000000000001".into();
    c.whatsapp.waba_id = "200000000000001".into();
    c
}

/// Where the demo database lives: beside the real one, under its own name.
pub fn demo_db_path(ctx: &Context) -> PathBuf {
    ctx.paths.data_dir.join("demo.sqlite")
}

const PEOPLE: &[(&str, &str, &[&str])] = &[
    ("Jörg", "Müller", &["Rind", "Schwein"]),
    ("Anna", "Weiß", &["Eier"]),
    ("Ömer", "Yılmaz", &["Geflügel"]),
    ("Käthe", "Schröder", &["Eier", "Geflügel"]),
    ("Hans-Peter", "Großmann", &["Rind"]),
    ("Sabine", "Köhler", &["Schwein"]),
    ("Lukas", "Bäcker", &["Rind", "Eier"]),
    ("Marie", "Lüdtke", &[]),
    ("Friedrich", "Hoffmann", &["Schwein"]),
    ("Elif", "Demir", &["Eier"]),
    ("", "Familie Brandt", &["Rind", "Schwein"]),
    ("Günter", "Wöhler", &["Rind"]),
    ("Ursula", "Fuß", &["Eier"]),
    ("Jan", "Krüger", &["Geflügel"]),
    ("Lena", "Schäfer", &["Rind", "Geflügel"]),
    ("Tobias", "Neumann", &[]),
    ("Heike", "Dürr", &["Schwein", "Eier"]),
    ("Björn", "Åberg", &["Rind"]),
    ("Zoë", "Martin", &["Eier"]),
    ("Renate", "Vogel", &["Geflügel"]),
    ("", "Gasthof Zur Linde", &["Rind", "Schwein", "Geflügel"]),
    ("Stefan", "Bauer", &["Schwein"]),
    ("Monika", "Wagner", &["Eier"]),
    ("Paul", "Zimmermann", &["Rind"]),
    ("Greta", "Hübner", &[]),
    ("Karl", "Lorenz", &["Schwein"]),
    ("Ingrid", "Böhm", &["Eier", "Geflügel"]),
    ("Mehmet", "Kaya", &["Rind"]),
    ("Nina", "Jäger", &["Eier"]),
    ("Werner", "Schulze", &["Rind", "Schwein"]),
    ("Frieda", "Kühn", &["Geflügel"]),
    ("Dirk", "Möller", &["Schwein"]),
    ("Agnieszka", "Nowak", &["Eier"]),
    ("Uwe", "Fröhlich", &["Rind"]),
    ("", "Kita Pusteblume", &["Eier"]),
    ("Helga", "Sommer", &["Geflügel", "Eier"]),
    ("Matthias", "Wolf", &["Rind"]),
    ("Svenja", "Peters", &[]),
    ("Bernd", "Thießen", &["Schwein"]),
    ("Luise", "Engel", &["Eier"]),
];

/// Fills an empty store with the demo customers and their ledger; returns how many customers were added.
pub fn seed(store: &mut Store, config: &Config) -> Result<usize, CliError> {
    store.ensure_default_wordings(&config.shop.name, &config.shop.address)?;
    let mut rng = StdRng::seed_from_u64(SEED);
    let now = store.now();
    let mut added = 0;
    for (i, (first, last, tags)) in PEOPLE.iter().enumerate() {
        let name = if first.is_empty() { (*last).to_owned() } else { format!("{first} {last}") };
        let prefix = ["0151", "0160", "0171", "0172", "0175", "0176"][i % 6];
        let digits = if prefix == "0151" || prefix == "0176" { 8 } else { 7 };
        let number: String = (0..digits).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect();
        let Ok(phone) = Phone::parse(&format!("{prefix} {number}"), Region::DE) else { continue };
        let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
        let note = match i {
            0 => "Bestellt immer ½ Schwein im Herbst",
            4 => "Abholung nur samstags",
            20 => "Ansprechpartner: Herr Lindner, Küche",
            _ => "",
        };
        let draft = CustomerDraft::new(&name, first, phone, &tags, note)?;
        let customer = match store.insert_customer(&draft) {
            Ok(c) => c,
            Err(crate::store::StoreError::PhoneTaken(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        added += 1;
        let days_ago = rng.random_range(20..400);
        let signed = now - Duration::days(days_ago) - Duration::minutes(rng.random_range(0..600));
        let form = format!("Formular F-{:04}", 100 + i);
        let event = |purpose, kind, source, evidence: &str, at| NewConsentEvent {
            customer_id: customer.id,
            purpose,
            kind,
            source,
            evidence: evidence.to_owned(),
            wording_version: None,
            recorded_by: "Demo".into(),
            occurred_at: at,
        };
        // A mix: most agreed to dates, about two thirds to offers; some withdrew, some are pending, some have none.
        let profile = i % 10;
        if profile != 9 {
            store.record_consent(&event(Purpose::Service, EventKind::Granted, Source::ShopForm, &form, signed))?;
        }
        match profile {
            0..=5 => {
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::Granted,
                    Source::ShopForm,
                    &form,
                    signed,
                ))?;
            }
            6 => {
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::Granted,
                    Source::ShopForm,
                    &form,
                    signed,
                ))?;
                let stop = signed + Duration::days(rng.random_range(5..15));
                let wamid = format!("wamid.DEMO{:06}", 1000 + i);
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::Withdrawn,
                    Source::WhatsappKeyword,
                    &wamid,
                    stop,
                ))?;
            }
            7 => {
                let asked = now - Duration::hours(rng.random_range(1..20));
                let wamid = format!("wamid.DEMO{:06}", 2000 + i);
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::ConfirmationRequested,
                    Source::WhatsappKeyword,
                    &wamid,
                    asked,
                ))?;
            }
            8 => {
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::Granted,
                    Source::ShopForm,
                    &form,
                    signed,
                ))?;
                let stop = signed + Duration::days(3);
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::Withdrawn,
                    Source::MetaUserPreferences,
                    "",
                    stop,
                ))?;
                store.record_consent(&event(
                    Purpose::Marketing,
                    EventKind::PlatformResume,
                    Source::MetaUserPreferences,
                    "",
                    stop + Duration::days(4),
                ))?;
            }
            _ => {}
        }
    }
    store.audit("Demo", "demo_seeded", &format!("{added} customers"))?;
    Ok(added)
}

/// `hofbote demo [--reset]`: creates (or reuses) the demo database and shows the customer list.
pub fn run(ctx: &Context, reset: bool) -> Result<(), CliError> {
    let path = demo_db_path(ctx);
    if reset {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            match std::fs::remove_file(PathBuf::from(&p)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(CliError::Io { path: path.display().to_string(), message: e.to_string() }),
            }
        }
    }
    let config = demo_config(&ctx.config);
    let mut store = Store::open(&path, ctx.clock.clone())?;
    if store.customer_count()? == 0 {
        seed(&mut store, &config)?;
    }
    let demo_ctx = Context { paths: ctx.paths.clone(), config, lang: ctx.lang, clock: ctx.clock.clone() };
    let rows = store.list_customers(&Default::default())?;
    println!("{}", Tr::new("DEMO — es wird nichts wirklich verschickt", "DEMO — nothing is really sent").get(ctx.lang));
    println!("{}: {}\n", Tr::new("Demo-Datenbank", "Demo database").get(ctx.lang), path.display());
    let ascii = ctx.config.ui.ascii || crate::cli::ascii_terminal();
    print!("{}", crate::cli::render_customer_table(&rows, &demo_ctx, ascii));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::domain::consent::ConsentState;
    use chrono::TimeZone;
    use std::sync::Arc;

    #[test]
    fn demo_data_is_realistic_and_mixed() {
        let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap());
        let mut store = Store::open_in_memory(Arc::new(clock)).unwrap();
        let n = seed(&mut store, &demo_config(&Config::default())).unwrap();
        assert!(n >= 38, "{n}");
        let rows = store.list_customers(&Default::default()).unwrap();
        let count = |f: &dyn Fn(&crate::domain::customer::CustomerRow) -> bool| rows.iter().filter(|r| f(r)).count();
        assert!(count(&|r| r.consent.marketing == ConsentState::Granted) >= 20);
        assert!(count(&|r| r.consent.marketing == ConsentState::Withdrawn) >= 4);
        assert!(count(&|r| r.consent.marketing == ConsentState::Pending) >= 3);
        assert!(count(&|r| r.consent.service == ConsentState::None) >= 3);
        assert!(count(&|r| r.customer.first_name.is_empty()) >= 3);
        assert!(rows.iter().any(|r| r.customer.name == "Jörg Müller"));
    }
}
