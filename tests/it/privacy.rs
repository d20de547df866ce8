//! Integration tests of the privacy toolkit on real SQLite files with the injectable clock: the export holds exactly
//! one person's data, an erasure leaves no byte of them in the database, its WAL or the logs while the pseudonymised
//! ledger stays until the sweep, suppression blocks a re-added objector, encrypted backups are consistent under a
//! concurrent writer and restore safely. The binary is exercised for the CLI paths and the QR code.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use chrono::{DateTime, Duration, TimeZone, Utc};
use hofbote::clock::{Clock, ManualClock};
use hofbote::config::{Config, Paths};
use hofbote::domain::broadcast::Audience;
use hofbote::domain::consent::{EventKind, NewConsentEvent, Purpose, Source};
use hofbote::domain::customer::CustomerDraft;
use hofbote::domain::phone::{Phone, Region};
use hofbote::domain::template::{Category, Params};
use hofbote::privacy::backup::RestoreTarget;
use hofbote::store::Store;
use hofbote::store::broadcasts::NewBroadcast;
use rusqlite::params;

mod backup;
mod cli;

pub struct Person {
    name: &'static str,
    phone: Phone,
    id: i64,
    wamid_out: String,
    wamid_reply: String,
    wamid_in: String,
    reply_text: &'static str,
    inbound_text: &'static str,
}

impl Person {
    fn digits(&self) -> &str {
        self.phone.wa_id()
    }

    /// Every spelling and text that identifies this person.
    fn needles(&self) -> Vec<String> {
        vec![
            self.phone.as_e164().into(),
            self.digits().into(),
            format!("0{}", &self.digits()[2..]),
            self.name.into(),
            self.wamid_out.clone(),
            self.wamid_reply.clone(),
            self.wamid_in.clone(),
            self.reply_text.into(),
            self.inbound_text.into(),
        ]
    }
}

fn wamid(digits: &str, label: &str) -> String {
    // Like Meta's ids: the recipient's number, base64-encoded, inside the id.
    format!("wamid.HBgM{}FQIAERgS{label}", base64::engine::general_purpose::STANDARD.encode(digits))
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()
}

pub struct Fx {
    dir: tempfile::TempDir,
    paths: Paths,
    config: Config,
    clock: ManualClock,
    store: Store,
    key: Vec<u8>,
    weiss: Person,
    weisser: Person,
}

impl Fx {
    fn new() -> Fx {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_file: dir.path().join("config/config.toml"),
            secrets_file: dir.path().join("config/secrets.toml"),
            data_dir: dir.path().join("data"),
            db_file: dir.path().join("data/hofbote.sqlite"),
            log_dir: dir.path().join("data/logs"),
        };
        let mut config = Config::default();
        config.shop.name = "Hof Sonnenwiese".into();
        config.shop.address = "Wiesenweg 3".into();
        let clock = ManualClock::new(start());
        let mut store = Store::open(&paths.db_file, Arc::new(clock.clone())).unwrap();
        store.ensure_default_wordings("Hof Sonnenwiese", "Wiesenweg 3").unwrap();
        let key =
            hofbote::config::ensure_erasure_key(&paths.secrets_file, &|_| None).unwrap().expose().as_bytes().to_vec();
        let mut fx = Fx {
            weiss: Fx::person(
                "Anna Weiß",
                "0171 1234567",
                "A",
                "Lieferung A-111 ist fertig",
                "Ich nehme den Sonntagsbraten",
            ),
            weisser: Fx::person(
                "Anna Weißer",
                "0171 1234568",
                "B",
                "Lieferung B-222 ist fertig",
                "Bitte drei Kilo Rinderhack",
            ),
            dir,
            paths,
            config,
            clock,
            store,
            key,
        };
        let b = fx.broadcast("done");
        for i in 0..2 {
            let p = if i == 0 { &mut fx.weiss } else { &mut fx.weisser };
            let tag = if i == 0 { "Rind" } else { "Eier" };
            p.id = fx
                .store
                .insert_customer(
                    &CustomerDraft::new(p.name, "Anna", p.phone.clone(), &[tag.into()], "Stammkundin").unwrap(),
                )
                .unwrap()
                .id;
        }
        for p in [&fx.weiss, &fx.weisser] {
            Fx::seed(&mut fx.store, &fx.clock, p, b);
        }
        // Weißer objected to marketing by WhatsApp.
        let w = &fx.weisser;
        let at = fx.clock.now() - Duration::days(2);
        fx.store
            .record_consent(&NewConsentEvent {
                customer_id: w.id,
                purpose: Purpose::Marketing,
                kind: EventKind::Withdrawn,
                source: Source::WhatsappKeyword,
                evidence: w.wamid_in.clone(),
                wording_version: None,
                recorded_by: "WhatsApp".into(),
                occurred_at: at,
            })
            .unwrap();
        // A webhook body with both people in one batch (statuses of the broadcast).
        let both = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "4930123456", "phone_number_id": "99"},
        "statuses": [
            {"id": fx.weiss.wamid_out, "status": "delivered", "timestamp": "1764230400", "recipient_id": fx.weiss.digits()},
            {"id": fx.weisser.wamid_out, "status": "delivered", "timestamp": "1764230400", "recipient_id": fx.weisser.digits()}
        ]}}]}]});
        fx.store.store_webhook_bodies(&[serde_json::to_vec(&both).unwrap()]).unwrap();
        // Their effects are in the tables already (seeded above): the bodies count as applied, as after a delivery.
        fx.store.conn().execute("UPDATE webhook_events SET applied_at = received_at", []).unwrap();
        // Log lines in the spellings people and libraries use.
        std::fs::create_dir_all(&fx.paths.log_dir).unwrap();
        let log = format!(
            "2026-11-27T09:00:00Z INFO start\n\
             2026-11-27T09:00:01Z INFO sent to={} wamid={}\n\
             2026-11-27T09:00:02Z INFO sent to={} wamid={}\n\
             2026-11-27T09:00:03Z WARN customer typed 0171 / 123 45 68 by hand\n\
             2026-11-27T09:00:04Z INFO status wamid={} delivered\n\
             2026-11-27T09:00:05Z INFO done\n",
            fx.weiss.phone.as_e164(),
            fx.weiss.wamid_out,
            fx.weisser.phone.as_e164(),
            fx.weisser.wamid_out,
            fx.weisser.wamid_reply,
        );
        std::fs::write(fx.paths.log_dir.join("hofbote.log.2026-11-27"), log).unwrap();
        fx
    }

    fn person(name: &'static str, phone: &str, label: &str, reply: &'static str, inbound: &'static str) -> Person {
        let phone = Phone::parse(phone, Region::DE).unwrap();
        let d = phone.wa_id().to_owned();
        Person {
            name,
            id: 0,
            wamid_out: wamid(&d, &format!("T{label}")),
            wamid_reply: wamid(&d, &format!("R{label}")),
            wamid_in: wamid(&d, &format!("I{label}")),
            phone,
            reply_text: reply,
            inbound_text: inbound,
        }
    }

    fn broadcast(&mut self, state: &str) -> i64 {
        let now = hofbote::store::ts(self.clock.now());
        self.store
            .conn()
            .execute(
                "INSERT INTO broadcasts (template_name, language, params, audience, state, created_at, updated_at)
                 VALUES ('wochenangebot', 'de', '{\"body\":{\"1\":\"{vorname}\",\"2\":\"Kürbis\"}}', '{\"kind\":\"all\"}', ?1, ?2, ?2)",
                params![state, now],
            )
            .unwrap();
        self.store.conn().last_insert_rowid()
    }

    /// Ledger, a delivered broadcast row, a reply, an inbound message with its webhook body, replay keys.
    fn seed(store: &mut Store, clock: &ManualClock, p: &Person, broadcast: i64) {
        let at = clock.now() - Duration::days(10);
        for purpose in Purpose::ALL {
            store
                .record_consent(&NewConsentEvent {
                    customer_id: p.id,
                    purpose: *purpose,
                    kind: EventKind::Granted,
                    source: Source::ShopForm,
                    evidence: format!("F-{}", p.id),
                    wording_version: None,
                    recorded_by: "bauer".into(),
                    occurred_at: at,
                })
                .unwrap();
        }
        let ts = hofbote::store::ts(clock.now() - Duration::days(3));
        let c = store.conn();
        c.execute(
            "INSERT INTO outbox (broadcast_id, customer_id, phone, kind, payload, state, wamid, created_at, updated_at, inflight_at, accepted_at, delivered_at)
             VALUES (?1, ?2, ?3, 'marketing', '{\"params\":{\"body\":{\"1\":\"Anna\",\"2\":\"Kürbis\"}}}', 'delivered', ?4, ?5, ?5, ?5, ?5, ?5)",
            params![broadcast, p.id, p.phone.as_e164(), p.wamid_out, ts],
        )
        .unwrap();
        c.execute(
            "INSERT INTO outbox (customer_id, phone, kind, payload, state, wamid, created_at, updated_at, inflight_at, accepted_at)
             VALUES (?1, ?2, 'reply_in_window', ?3, 'accepted', ?4, ?5, ?5, ?5, ?5)",
            params![p.id, p.phone.as_e164(), serde_json::json!({"text": p.reply_text}).to_string(), p.wamid_reply, ts],
        )
        .unwrap();
        c.execute(
            "INSERT INTO inbound_messages (wamid, customer_id, from_phone, kind, text, received_at) VALUES (?1, ?2, ?3, 'text', ?4, ?5)",
            params![p.wamid_in, p.id, p.phone.as_e164(), p.inbound_text, ts],
        )
        .unwrap();
        for key in [format!("msg:{}", p.wamid_in), format!("st:{}:delivered", p.wamid_out)] {
            c.execute("INSERT INTO applied_effects (key, applied_at) VALUES (?1, ?2)", params![key, ts]).unwrap();
        }
        let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "4930123456", "phone_number_id": "99"},
            "contacts": [{"profile": {"name": p.name}, "wa_id": p.digits()}],
            "messages": [{"from": p.digits(), "id": p.wamid_in, "timestamp": "1764230400", "type": "text", "text": {"body": p.inbound_text}}]
        }}]}]});
        store.store_webhook_bodies(&[serde_json::to_vec(&body).unwrap()]).unwrap();
    }

    fn erase(&mut self, who: &Phone) -> hofbote::privacy::ErasureReport {
        hofbote::privacy::erase(&mut self.store, &self.paths, &self.config, &self.key, who, "test").unwrap()
    }

    /// The raw bytes of the database file and its WAL.
    fn db_bytes(&self) -> Vec<u8> {
        let mut bytes = std::fs::read(&self.paths.db_file).unwrap();
        let mut wal = self.paths.db_file.as_os_str().to_owned();
        wal.push("-wal");
        bytes.extend(std::fs::read(PathBuf::from(wal)).unwrap_or_default());
        bytes
    }

    fn restore_target<'a>(&'a self, journal: &'a Path) -> RestoreTarget<'a> {
        RestoreTarget {
            db: &self.paths.db_file,
            journal,
            erasure_key: &self.key,
            ledger_years: 3,
            actor: "test",
            clock: Arc::new(self.clock.clone()),
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn the_export_holds_every_table_of_one_person_and_nothing_of_the_other() {
    let fx = Fx::new();
    let x = hofbote::privacy::export(&fx.store, &fx.config, Some(&fx.key), &fx.weiss.phone).unwrap();
    assert_eq!(x.customer.as_ref().unwrap().name, "Anna Weiß");
    assert_eq!(x.customer.as_ref().unwrap().tags, ["Rind"]);
    assert_eq!(x.ledger.len(), 2, "two grants");
    assert!(x.ledger.iter().all(|l| l.wording_text.as_deref().is_some_and(|t| t.contains("Hof Sonnenwiese"))));
    assert_eq!(x.wordings.len(), 2);
    assert_eq!(x.messages_sent.len(), 2);
    let broadcast_row =
        x.messages_sent.iter().find(|m| m.wamid.as_deref() == Some(fx.weiss.wamid_out.as_str())).unwrap();
    assert_eq!(broadcast_row.template.as_deref(), Some("wochenangebot"));
    assert_eq!(broadcast_row.state, "delivered");
    assert!(broadcast_row.delivered_at.is_some());
    assert_eq!(x.messages_received.len(), 1);
    assert_eq!(x.messages_received[0].text, fx.weiss.inbound_text);
    // Her contact, her message and her status from the batched body.
    assert_eq!(x.webhook_data.len(), 3, "{:#?}", x.webhook_data);
    assert_eq!(x.suppressed, Some(false));
    let json = serde_json::to_string(&x).unwrap();
    for n in fx.weiss.needles().into_iter().filter(|n| !n.starts_with('0')) {
        assert!(json.contains(&n), "{n} missing from the export");
    }
    for n in fx.weisser.needles() {
        if n != "Anna Weißer" {
            assert!(!json.contains(&n), "{n} of the other customer leaked into the export");
        }
    }
    assert!(!json.contains("Weißer") && !json.contains("Eier"));
    let text = hofbote::privacy::export::render_text(&x, hofbote::i18n::Lang::De);
    assert!(
        text.contains("Auskunft nach Art. 15") && text.contains(fx.weiss.reply_text) && !text.contains("Weißer"),
        "{text}"
    );
}

#[test]
fn an_erasure_leaves_no_byte_in_database_wal_or_logs_and_the_ledger_stays_pseudonymised_until_the_sweep() {
    let mut fx = Fx::new();
    let ledger_rows: i64 = fx
        .store
        .conn()
        .query_row("SELECT count(*) FROM consent_events WHERE customer_id = ?1", [fx.weisser.id], |r| r.get(0))
        .unwrap();
    assert_eq!(ledger_rows, 3);
    for n in fx.weisser.needles() {
        let in_db = contains(&fx.db_bytes(), &n);
        // Wamids and texts are surely in the file before (the check itself must be able to fail).
        assert!(in_db || n.starts_with('0'), "{n} should be in the database before");
    }
    let phone = fx.weisser.phone.clone();
    let r = fx.erase(&phone);
    assert!(r.had_customer && r.suppressed && r.wal_truncated);
    assert_eq!(r.pseudonymised_events, 3);
    assert_eq!((r.outbox_rows, r.inbound_messages), (2, 1));
    assert_eq!((r.log_files, r.log_lines), (1, 3));
    let bytes = fx.db_bytes();
    for n in fx.weisser.needles() {
        assert!(!contains(&bytes, &n), "{n} still in the database file or WAL");
    }
    // The other Anna is untouched.
    for n in fx.weiss.needles() {
        if !n.starts_with('0') {
            assert!(contains(&bytes, &n), "{n} of the other customer was lost");
        }
    }
    let log = std::fs::read_to_string(fx.paths.log_dir.join("hofbote.log.2026-11-27")).unwrap();
    assert_eq!(log.lines().count(), 3, "{log}");
    assert!(log.contains(fx.weiss.phone.as_e164()) && !log.contains("1234568") && !log.contains("123 45 68"), "{log}");
    // The pseudonymised ledger remains, with keyed evidence instead of her wamid.
    let hash = hofbote::privacy::subject_hash(&fx.key, &phone);
    let kept: Vec<String> = {
        let mut stmt = fx
            .store
            .conn()
            .prepare("SELECT evidence FROM consent_events WHERE subject_hash = ?1 AND customer_id IS NULL")
            .unwrap();
        stmt.query_map([&hash], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(kept.len(), 3);
    assert!(kept.iter().any(|e| e.starts_with("wamid-hmac:")), "{kept:?}");
    let journal = std::fs::read_to_string(hofbote::privacy::journal_path(&fx.paths)).unwrap();
    assert!(journal.contains(&hash) && !journal.contains("1234568"), "{journal}");
    let audit = fx.store.audit_entries(5).unwrap();
    assert!(audit.iter().any(|a| a.action == "customer_erased" && !a.detail.contains("Weißer")));
    // Kept until 1 Jan 2030 (Berlin): a sweep just before keeps it, one after deletes it.
    assert_eq!(r.keep_until, Some(Utc.with_ymd_and_hms(2029, 12, 31, 23, 0, 0).unwrap()));
    fx.clock.set(Utc.with_ymd_and_hms(2029, 12, 31, 22, 0, 0).unwrap());
    let early = hofbote::privacy::sweep(&mut fx.store, &fx.config, &fx.paths, false).unwrap();
    assert_eq!(early.pseudonymised_rows, 0);
    fx.clock.set(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap());
    let dry = hofbote::privacy::sweep(&mut fx.store, &fx.config, &fx.paths, true).unwrap();
    assert_eq!((dry.pseudonymised_subjects, dry.pseudonymised_rows), (1, 3));
    let swept = hofbote::privacy::sweep(&mut fx.store, &fx.config, &fx.paths, false).unwrap();
    assert_eq!(swept.pseudonymised_rows, 3);
    let left: i64 = fx
        .store
        .conn()
        .query_row("SELECT count(*) FROM consent_events WHERE subject_hash = ?1", [&hash], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
    // The suppression entry outlives the ledger: the objection still holds.
    assert!(fx.store.is_suppressed(&hash, Purpose::Marketing).unwrap());
}

#[test]
fn a_suppressed_number_added_again_is_excluded_from_marketing() {
    let mut fx = Fx::new();
    let phone = fx.weisser.phone.clone();
    fx.erase(&phone);
    fx.store
        .replace_templates(&[crate::queue::template("wochenangebot", Category::Marketing, "{{1}}, neu: {{2}}")])
        .unwrap();
    // Re-imported with a (new) marketing grant.
    let id = fx
        .store
        .insert_customer(&CustomerDraft::new("Anna Weißer", "Anna", phone.clone(), &[], "").unwrap())
        .unwrap()
        .id;
    fx.store
        .record_consent(&NewConsentEvent {
            customer_id: id,
            purpose: Purpose::Marketing,
            kind: EventKind::Granted,
            source: Source::Import,
            evidence: "Liste 2025".into(),
            wording_version: None,
            recorded_by: "import".into(),
            occurred_at: fx.clock.now(),
        })
        .unwrap();
    assert!(hofbote::privacy::is_suppressed_phone(&fx.store, &fx.key, &phone).unwrap());
    let new = NewBroadcast {
        template: "wochenangebot".into(),
        language: "de".into(),
        params: Params::positional(&["{vorname}".to_owned(), "Spargel".to_owned()]),
        audience: Audience::All,
        scheduled_at: None,
        created_by: "test".into(),
    };
    // Without the key the list cannot be matched; with it she is excluded as suppressed.
    let blind = fx.store.preview_broadcast(&new, "Hallo").unwrap();
    assert!(blind.plan.recipients.iter().any(|r| r.customer_id == id));
    fx.store.set_erasure_key(Some(fx.key.clone()));
    let p = fx.store.preview_broadcast(&new, "Hallo").unwrap();
    assert!(p.plan.recipients.iter().all(|r| r.customer_id != id));
    let why: Vec<String> = p.plan.excluded.iter().filter(|e| e.0 == id).map(|e| e.2.key()).collect();
    assert_eq!(why, ["suppressed"]);
    assert!(p.plan.recipients.iter().any(|r| r.customer_id == fx.weiss.id));
}

#[test]
fn the_sweep_removes_old_messages_bodies_logs_and_unconfirmed_signups() {
    let mut fx = Fx::new();
    // A sign-up that was never confirmed.
    let p = Phone::parse("0151 12345678", Region::DE).unwrap();
    let id = fx.store.insert_customer(&CustomerDraft::new("Unbestätigt", "", p.clone(), &[], "").unwrap()).unwrap().id;
    fx.store
        .record_consent(&NewConsentEvent {
            customer_id: id,
            purpose: Purpose::Marketing,
            kind: EventKind::ConfirmationRequested,
            source: Source::WhatsappKeyword,
            evidence: "wamid.X".into(),
            wording_version: None,
            recorded_by: "WhatsApp".into(),
            occurred_at: fx.clock.now(),
        })
        .unwrap();
    fx.clock.advance(Duration::days(29));
    let soon = hofbote::privacy::sweep(&mut fx.store, &fx.config, &fx.paths, true).unwrap();
    assert_eq!((soon.unconfirmed_signups, soon.webhook_bodies, soon.messages_sent), (0, 0, 0));
    assert_eq!(soon.log_files.len(), 0);
    fx.clock.advance(Duration::days(2));
    let month = hofbote::privacy::sweep(&mut fx.store, &fx.config, &fx.paths, false).unwrap();
    assert_eq!(month.unconfirmed_signups, 1);
    assert_eq!(month.log_files.len(), 1);
    assert!(fx.store.customer_by_phone(&p).unwrap().is_none());
    assert_eq!(fx.store.customer_count().unwrap(), 2);
    fx.clock.advance(Duration::days(60));
    let quarter = hofbote::privacy::sweep(&mut fx.store, &fx.config, &fx.paths, false).unwrap();
    assert_eq!((quarter.webhook_bodies, quarter.effect_keys, quarter.messages_sent), (3, 4, 0));
    fx.clock.advance(Duration::days(300));
    let year = hofbote::privacy::sweep(&mut fx.store, &fx.config, &fx.paths, false).unwrap();
    assert_eq!((year.messages_sent, year.messages_received, year.broadcasts), (4, 2, 1));
    assert_eq!(fx.store.customer_count().unwrap(), 2, "customers themselves stay while they consent");
    let again = hofbote::privacy::sweep(&mut fx.store, &fx.config, &fx.paths, false).unwrap();
    assert!(again.is_empty(), "{again:?}");
}

/// Issue 12: the sweep never deletes a webhook body that is not applied yet, however old — a STOP in it must not be
/// lost, and its people stay blocked from sending until it applies. Applied bodies and those the farmer dismissed go
/// after their period, as before.
#[test]
fn the_sweep_keeps_webhook_bodies_that_are_not_applied_yet_however_old() {
    use hofbote::webhook::{ApplyContext, apply_pending};
    let mut fx = Fx::new();
    let digits = fx.weiss.digits().to_owned();
    let at = fx.clock.now().timestamp().to_string();
    let stop = serde_json::to_vec(&serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1",
        "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"},
            "contacts": [{"profile": {"name": "Anna"}, "wa_id": digits}],
            "messages": [{"from": digits, "id": "wamid.OLD-STOP", "timestamp": at, "type": "text",
                "text": {"body": "STOP"}}]}}]}]}))
    .unwrap();
    let ids = fx.store.store_webhook_bodies(&[stop, b"{\"entry\": [".to_vec(), b"{\"object\": 1".to_vec()]).unwrap();
    let (stop_id, unreadable, dismissed) = (ids[0], ids[1], ids[2]);
    // Applying the STOP fails (say, the disk was full) and is never retried before the sweep; two bodies are
    // unreadable, and the farmer dismissed one of them.
    fx.store.mark_webhook_failed(stop_id, "database or disk is full").unwrap();
    fx.store.mark_webhook_unreadable(unreadable, "EOF while parsing").unwrap();
    fx.store.mark_webhook_unreadable(dismissed, "invalid type").unwrap();
    assert!(fx.store.dismiss_webhook(dismissed).unwrap());
    let bodies = |fx: &Fx| -> Vec<i64> {
        let mut stmt = fx.store.conn().prepare("SELECT id FROM webhook_events ORDER BY id").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let subjects = |fx: &Fx, id: i64| -> i64 {
        fx.store
            .conn()
            .query_row("SELECT count(*) FROM webhook_subjects WHERE event_id = ?1", [id], |r| r.get(0))
            .unwrap()
    };
    let blocking = subjects(&fx, stop_id);
    assert!(blocking > 0, "the STOP's sender is recorded as a subject");

    fx.clock.advance(Duration::days(400));
    let dry = hofbote::privacy::sweep(&mut fx.store, &fx.config, &fx.paths, true).unwrap();
    let swept = hofbote::privacy::sweep(&mut fx.store, &fx.config, &fx.paths, false).unwrap();
    assert_eq!(dry.webhook_bodies, swept.webhook_bodies, "the dry run counts what the sweep deletes");
    let left = bodies(&fx);
    assert!(left.contains(&stop_id) && left.contains(&unreadable), "an unapplied body was deleted: {left:?}");
    assert!(!left.contains(&dismissed), "a dismissed body goes after its period: {left:?}");
    assert_eq!(subjects(&fx, stop_id), blocking, "its people stay blocked from sending");

    // It still applies, 400 days late: the STOP is not lost.
    let ctx = ApplyContext { shop_name: "Hof Sonnenwiese".into(), region: Region::DE, signups_per_hour: 50 };
    apply_pending(&mut fx.store, &ctx).unwrap();
    let marketing = fx.store.customer_consent(fx.weiss.id).unwrap().state(Purpose::Marketing);
    assert_eq!(marketing, hofbote::domain::consent::ConsentState::Withdrawn);
    // Applied now, it goes once its period has passed.
    fx.clock.advance(Duration::days(91));
    hofbote::privacy::sweep(&mut fx.store, &fx.config, &fx.paths, false).unwrap();
    assert_eq!(bodies(&fx), vec![unreadable], "only the unreadable body that nobody dismissed is left");
}
