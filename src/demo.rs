//! The demo's data: the demo shop's configuration and about 40 realistic German customers with mixed consent and a
//! ledger history, plus last week's offer as broadcast history. Deterministic (fixed seed), so screenshots and tests
//! are stable. Writes only into the store it is given; running the demo (its own database, the sandbox, the
//! simulated customers) is the command `cli::demo`.

use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::Config;
use crate::domain::consent::{EventKind, NewConsentEvent, Purpose, Source};
use crate::domain::customer::CustomerDraft;
use crate::domain::phone::{Phone, Region};
use crate::store::{Store, StoreError};

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
pub fn seed(store: &mut Store, config: &Config) -> Result<usize, StoreError> {
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
            Err(StoreError::PhoneTaken(_)) => continue,
            Err(e) => return Err(e),
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

/// Last week's offer, already delivered and read, so "repeat last broadcast" has something to start from. Needs
/// the demo templates in the store.
pub fn seed_history(store: &mut Store, config: &Config) -> Result<i64, StoreError> {
    use crate::domain::broadcast::Audience;
    use crate::domain::template::Params;
    let new = crate::store::broadcasts::NewBroadcast {
        template: "wochenangebot".into(),
        language: "de".into(),
        params: Params::positional(&["{vorname}", "Kürbissuppe im Glas und frische Eier von freilaufenden Hühnern"]),
        audience: Audience::All,
        scheduled_at: None,
        created_by: "Demo".into(),
    };
    let (id, _) = store.create_broadcast(&new, &config.shop.salutation_fallback, false)?;
    let week_ago = store.now() - Duration::days(7);
    store.backdate_demo_broadcast(id, week_ago)?;
    Ok(id)
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
