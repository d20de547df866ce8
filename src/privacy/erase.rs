//! Erasure (Art. 17): deletes a person's data everywhere hofbote keeps it — customer row, tags, consent state,
//! outbox rows, inbound messages, their parts of raw webhook bodies, replay keys containing their wamids, mentions in
//! other text columns, log lines, pre-migration copies of the database — in ONE transaction for the database, then
//! vacuums it and truncates the WAL so the bytes are gone from the files. The ledger rows stay pseudonymised through
//! the sanctioned path [`crate::store::consent::erase_customer_tx`] (see the module docs of [`crate::privacy`] for
//! what is kept and why). Every erasure is appended to the erasure journal (time + keyed hash, never the number), and
//! [`reapply_journal`] erases such people again after a backup is restored. Must not ask questions: the CLI confirms.
//! Decides what goes; the SQL is in [`crate::store::erasure`].

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use serde::{Deserialize, Serialize};

use super::needles::{MASK, Needles, redact_json};
use super::{PrivacyError, hmac_hex, io_err};
use crate::config::{Config, Paths};
use crate::domain::customer::Customer;
use crate::domain::phone::Recipient;
use crate::store::Store;
use crate::store::consent::{ErasureRequest, erase_customer_tx};
use crate::store::erasure as sql;

/// What an erasure did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErasureReport {
    pub subject_hash: String,
    pub had_customer: bool,
    pub pseudonymised_events: usize,
    pub suppressed: bool,
    /// When the pseudonymised ledger rows will be deleted (None: none were kept).
    pub keep_until: Option<DateTime<Utc>>,
    pub outbox_rows: usize,
    pub inbound_messages: usize,
    pub webhook_bodies_redacted: usize,
    pub webhook_bodies_deleted: usize,
    pub effect_keys: usize,
    pub log_files: usize,
    pub log_lines: usize,
    pub migration_copies_deleted: Vec<PathBuf>,
    /// False when another process kept the WAL busy: old pages may remain in it until the next checkpoint.
    pub wal_truncated: bool,
}

/// What would be erased (for the confirmation question).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasePreview {
    pub customer: Option<Customer>,
    pub ledger_rows: i64,
    pub outbox_rows: i64,
    pub inbound_messages: i64,
}

/// One line of the erasure journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub at: DateTime<Utc>,
    pub subject_hash: String,
}

/// The customer with this number or user id (if any) and everything that identifies the person in stored text.
pub fn needles_for(store: &Store, who: &Recipient) -> Result<(Option<Customer>, Needles), PrivacyError> {
    let customer = match who {
        Recipient::Phone(phone) => store.customer_by_phone(phone)?,
        Recipient::UserId(u) => store.customer_by_user_id(u)?,
    };
    let mut needles = Needles::for_recipient(who);
    let conn = store.conn();
    let cid = customer.as_ref().map(|c| c.id);
    if let Some(c) = &customer {
        needles.user_id = c.user_id.clone().filter(|u| !u.is_empty());
        needles.name = Some(c.name.clone());
    }
    let person = needles.person(cid);
    let mut wamids: HashSet<String> = sql::wamids_of(conn, &person)?.into_iter().collect();
    for evidence in sql::ledger_evidence(conn, cid)? {
        for token in evidence.split_whitespace() {
            if token.starts_with("wamid.") {
                wamids.insert(token.trim_end_matches([',', ';', ')']).to_owned());
            }
        }
    }
    needles.wamids = wamids.into_iter().collect();
    Ok((customer, needles))
}

/// Counts for the confirmation question; changes nothing.
pub fn preview(store: &Store, who: impl Into<Recipient>) -> Result<ErasePreview, PrivacyError> {
    let who = &who.into();
    let (customer, needles) = needles_for(store, who)?;
    let person = needles.person(customer.as_ref().map(|c| c.id));
    let (ledger_rows, outbox_rows, inbound_messages) = sql::preview_counts(store.conn(), &person)?;
    Ok(ErasePreview { ledger_rows, outbox_rows, inbound_messages, customer })
}

/// End of the limitation period for rows pseudonymised at `now`: 1 January, `years` + 1 years later, 00:00 in
/// Europe/Berlin (the regular period starts at the end of the year, §199 BGB).
pub fn keep_until(now: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    let year = now.with_timezone(&Berlin).year() + years as i32 + 1;
    Berlin
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now + chrono::Duration::days(366 * (i64::from(years) + 1)))
}

/// The full erasure (see module docs): database, journal, logs, pre-migration copies, then vacuum and checkpoint.
pub fn erase(
    store: &mut Store,
    paths: &Paths,
    config: &Config,
    key: &[u8],
    who: impl Into<Recipient>,
    actor: &str,
) -> Result<ErasureReport, PrivacyError> {
    let who = &who.into();
    let (_, needles) = needles_for(store, who)?;
    let until = keep_until(store.now(), config.privacy.pseudonymised_ledger_years);
    let mut report = erase_in_db(store, key, who, actor, until)?;
    append_journal(
        &super::journal_path(paths),
        &JournalEntry { at: store.now(), subject_hash: report.subject_hash.clone() },
    )?;
    let (files, lines) = scrub_logs(&paths.log_dir, &needles)?;
    report.log_files = files;
    report.log_lines = lines;
    report.migration_copies_deleted = delete_migration_copies(&paths.db_file)?;
    report.wal_truncated = compact(store)?;
    Ok(report)
}

/// The database part of an erasure, in one transaction (also used when a restored backup is erased again).
/// `until` is when the pseudonymised ledger rows may be deleted (see [`keep_until`]).
pub fn erase_in_db(
    store: &mut Store,
    key: &[u8],
    who: impl Into<Recipient>,
    actor: &str,
    until: DateTime<Utc>,
) -> Result<ErasureReport, PrivacyError> {
    let who = &who.into();
    let (customer, needles) = needles_for(store, who)?;
    let now = store.now();
    let hash = super::recipient_hash(key, who);
    let redact = |evidence: &str| redact_evidence(key, &needles, evidence);
    let mut report =
        ErasureReport { subject_hash: hash.clone(), had_customer: customer.is_some(), ..Default::default() };
    let person = needles.person(customer.as_ref().map(|c| c.id));
    let wamids: Vec<String> = needles.wamids.iter().cloned().collect();
    let tx = store.conn_mut().transaction()?;
    if let Some(c) = &customer {
        (report.outbox_rows, report.inbound_messages) = sql::customer_rows_tx(&tx, c.id)?;
        let request = ErasureRequest {
            customer_id: c.id,
            subject_hash: &hash,
            actor,
            keep_until: Some(until),
            redact_evidence: &redact,
        };
        let outcome = erase_customer_tx(&tx, &request, now)?;
        report.pseudonymised_events = outcome.pseudonymised_events;
        report.suppressed = outcome.suppressed;
        report.keep_until = (outcome.pseudonymised_events > 0).then_some(until);
    } else {
        sql::audit_erased_without_customer_tx(&tx, actor, now)?;
    }
    let (outbox, inbound) = sql::delete_traces_tx(&tx, &person, &wamids)?;
    report.outbox_rows += outbox;
    report.inbound_messages += inbound;
    for sql::StoredBody { id, body, .. } in sql::webhook_bodies(&tx)? {
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(mut value) => {
                if redact_json(&mut value, &needles) {
                    let bytes = serde_json::to_vec(&value).map_err(|e| PrivacyError::Damaged(e.to_string()))?;
                    sql::replace_webhook_body_tx(&tx, id, &bytes)?;
                    report.webhook_bodies_redacted += 1;
                }
            }
            Err(_) if needles.matches_text(&String::from_utf8_lossy(&body)) => {
                sql::delete_webhook_body_tx(&tx, id)?;
                report.webhook_bodies_deleted += 1;
            }
            Err(_) => {}
        }
    }
    let mut keys = wamids;
    keys.extend([needles.e164.clone(), person.digits.clone()]);
    keys.extend(needles.user_id.clone());
    for k in &keys {
        report.effect_keys += sql::delete_effect_keys_tx(&tx, k)?;
    }
    // Mentions in free-text columns of other rows (error details, audit notes).
    let mut spellings = needles.spellings();
    spellings.extend(keys);
    sql::mask_mentions_tx(&tx, &spellings, MASK)?;
    tx.commit()?;
    Ok(report)
}

/// Evidence of a pseudonymised ledger row: wamids (they encode the number) become `wamid-hmac:<keyed hash>`, so a
/// wamid the person shows later can still be matched; other mentions of the person are masked.
fn redact_evidence(key: &[u8], needles: &Needles, evidence: &str) -> String {
    evidence
        .split(' ')
        .map(|token| {
            if let Some(pos) = token.find("wamid.") {
                let end = token[pos..].find([',', ';', ')']).map(|e| pos + e).unwrap_or(token.len());
                format!("{}wamid-hmac:{}{}", &token[..pos], hmac_hex(key, &token.as_bytes()[pos..end]), &token[end..])
            } else if needles.matches_text(token) {
                MASK.to_owned()
            } else {
                token.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `VACUUM` (temporary data kept in memory) and `wal_checkpoint(TRUNCATE)`: afterwards neither the database file nor
/// its WAL holds deleted bytes. Returns false when another process kept the WAL busy.
pub fn compact(store: &mut Store) -> Result<bool, PrivacyError> {
    if store.path() == Path::new(":memory:") {
        return Ok(true);
    }
    Ok(sql::compact(store.conn_mut())?)
}

/// Rewrites every file in `dir` without the lines that mention the person (in place, so a running service keeps
/// appending to the same file). Returns (files changed, lines removed).
pub fn scrub_logs(dir: &Path, needles: &Needles) -> Result<(usize, usize), PrivacyError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(io_err(dir, e)),
    };
    let (mut files, mut lines) = (0, 0);
    for entry in entries {
        let path = entry.map_err(|e| io_err(dir, e))?.path();
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| io_err(&path, e))?;
        let text = String::from_utf8_lossy(&bytes);
        let mut kept = String::with_capacity(text.len());
        let mut removed = 0;
        for line in text.split_inclusive('\n') {
            if needles.matches_line(line) {
                removed += 1;
            } else {
                kept.push_str(line);
            }
        }
        if removed > 0 {
            let mut f =
                std::fs::OpenOptions::new().write(true).truncate(true).open(&path).map_err(|e| io_err(&path, e))?;
            f.write_all(kept.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| io_err(&path, e))?;
            files += 1;
            lines += removed;
        }
    }
    Ok((files, lines))
}

/// Deletes `<db>.pre-v*` copies made before schema migrations (plain copies that may hold erased people).
pub fn delete_migration_copies(db: &Path) -> Result<Vec<PathBuf>, PrivacyError> {
    let (Some(dir), Some(name)) = (db.parent(), db.file_name().and_then(|n| n.to_str())) else { return Ok(Vec::new()) };
    let prefix = format!("{name}.pre-v");
    let mut deleted = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(deleted) };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix)) {
            std::fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
            deleted.push(path);
        }
    }
    Ok(deleted)
}

/// Appends one line to the erasure journal (created with mode 0600, its folder 0700).
pub fn append_journal(path: &Path, entry: &JournalEntry) -> Result<(), PrivacyError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::store::create_private_dir(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| io_err(path, e))?;
    let line = serde_json::to_string(entry).map_err(|e| PrivacyError::Damaged(e.to_string()))?;
    writeln!(f, "{line}").and_then(|()| f.sync_all()).map_err(|e| io_err(path, e))
}

/// The journal's entries (a missing file is empty; unreadable lines are skipped and counted).
pub fn read_journal(path: &Path) -> Result<(Vec<JournalEntry>, usize), PrivacyError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(io_err(path, e)),
    };
    let mut bad = 0;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str(line) {
            Ok(e) => out.push(e),
            Err(_) => bad += 1,
        }
    }
    Ok((out, bad))
}

/// Erases again every person whose keyed hash is in the journal (after a restore). Looks at the numbers of
/// customers, outbox rows and inbound messages. Returns how many people were erased again.
pub fn reapply_journal(
    store: &mut Store,
    key: &[u8],
    journal: &[JournalEntry],
    actor: &str,
    years: u32,
) -> Result<usize, PrivacyError> {
    // The first erasure's time decides how long the pseudonymised rows are kept, not the time of the restore.
    let mut wanted: std::collections::HashMap<&str, DateTime<Utc>> = std::collections::HashMap::new();
    for e in journal {
        let at = wanted.entry(e.subject_hash.as_str()).or_insert(e.at);
        *at = (*at).min(e.at);
    }
    if wanted.is_empty() {
        return Ok(0);
    }
    let numbers = sql::numbers_on_file(store.conn())?;
    let mut seen = HashSet::new();
    let mut n = 0;
    for raw in numbers {
        // Numbers with or without '+', and business-scoped user ids of people who shared no number.
        let who = Recipient::from_stored(&raw).or_else(|| Recipient::from_stored(&format!("+{raw}")));
        let Some(who) = who else { continue };
        if !seen.insert(who.clone()) {
            continue;
        }
        if let Some(at) = wanted.get(super::recipient_hash(key, &who).as_str()) {
            erase_in_db(store, key, &who, actor, keep_until(*at, years))?;
            n += 1;
        }
    }
    Ok(n)
}

/// The erasure date recorded for a hash in the database, if its ledger rows are still kept.
pub fn kept_until(store: &Store, hash: &str) -> Result<Option<DateTime<Utc>>, PrivacyError> {
    Ok(sql::kept_until(store.conn(), hash)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::phone::Region;

    #[test]
    fn the_ledger_is_kept_until_new_year_after_the_period() {
        let erased = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        assert_eq!(keep_until(erased, 3), Utc.with_ymd_and_hms(2029, 12, 31, 23, 0, 0).unwrap());
        // 31 Dec 23:30 UTC is already 1 Jan in Berlin: the period starts a year later.
        let late = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(keep_until(late, 3), Utc.with_ymd_and_hms(2030, 12, 31, 23, 0, 0).unwrap());
    }

    #[test]
    fn evidence_keeps_a_keyed_wamid_and_loses_the_number() {
        let mut n = Needles::new(&crate::domain::phone::Phone::parse("0171 1234567", Region::DE).unwrap());
        n.wamids.insert("wamid.ABC=".into());
        let out = redact_evidence(b"k", &n, "wamid.ABC= + wamid.XYZ (131050) von 0171-1234567");
        assert!(!out.contains("wamid.ABC") && !out.contains("wamid.XYZ") && !out.contains("1234567"), "{out}");
        assert!(out.starts_with(&format!("wamid-hmac:{} + wamid-hmac:", hmac_hex(b"k", b"wamid.ABC="))), "{out}");
        assert!(out.contains("(131050)"), "{out}");
        assert_eq!(redact_evidence(b"k", &n, "Formular F-12"), "Formular F-12");
    }

    #[test]
    fn the_journal_round_trips_and_skips_broken_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c").join("erasures.journal");
        let e = JournalEntry {
            at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            subject_hash: "hmac-sha256:ab".into(),
        };
        append_journal(&path, &e).unwrap();
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{broken\n").unwrap();
        append_journal(&path, &e).unwrap();
        let (entries, bad) = read_journal(&path).unwrap();
        assert_eq!((entries, bad), (vec![e.clone(), e], 1));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(!std::fs::read_to_string(&path).unwrap().contains("171"));
    }

    /// Issue 14 §4: a person known only by user id is found, exported and erased by it like anyone by their number —
    /// customer, outbox rows addressed to the user id, inbound messages, their part of a stored webhook body; the
    /// ledger stays pseudonymised under the keyed hash of the user id, and no empty "number" masks anything else.
    #[test]
    fn a_person_known_only_by_user_id_is_exported_and_erased_by_it() {
        use crate::domain::phone::Recipient;
        use crate::webhook::apply::{ApplyContext, apply_events};
        use crate::whatsapp::payload::parse;
        let clock =
            std::sync::Arc::new(crate::clock::ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap()));
        let mut store = Store::open_in_memory(clock).unwrap();
        store.ensure_default_wordings("Hof", "").unwrap();
        let body = |wamid: &str, user: &str, text: &str| {
            format!(
                r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{
                "contacts":[{{"profile":{{"name":"Kim Sommer"}},"user_id":"{user}"}}],
                "messages":[{{"from_user_id":"{user}","id":"{wamid}","timestamp":"1","type":"text","text":{{"body":"{text}"}}}}]}}}}]}}]}}"#
            )
        };
        let ctx = ApplyContext { shop_name: "Hof".into(), region: Region::DE, signups_per_hour: 0 };
        let bodies = [body("wamid.K1", "DE.7001", "ANMELDEN"), body("wamid.O1", "DE.7002", "ANMELDEN")];
        store.store_webhook_bodies(&bodies.iter().map(|b| b.clone().into_bytes()).collect::<Vec<_>>()).unwrap();
        for b in &bodies {
            let now = store.now();
            let tx = store.conn_mut().transaction().unwrap();
            apply_events(&tx, &parse(b.as_bytes()).unwrap(), &ctx, now).unwrap();
            tx.commit().unwrap();
        }
        let kim = Recipient::UserId("DE.7001".into());
        let x = crate::privacy::export(&store, &crate::config::Config::default(), Some(b"k"), &kim).unwrap();
        assert_eq!((x.phone.as_str(), x.customer.as_ref().map(|c| c.name.as_str())), ("DE.7001", Some("Kim Sommer")));
        assert_eq!((x.messages_received.len(), x.messages_sent.len(), x.webhook_data.len()), (1, 1, 2), "{x:#?}");
        let p = preview(&store, &kim).unwrap();
        assert_eq!((p.outbox_rows, p.inbound_messages), (1, 1));
        let until = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
        let r = erase_in_db(&mut store, b"k", &kim, "t", until).unwrap();
        assert!(r.had_customer && r.pseudonymised_events >= 1, "{r:?}");
        assert_eq!(r.subject_hash, crate::privacy::recipient_hash(b"k", &kim));
        assert!(store.customer_by_user_id("DE.7001").unwrap().is_none());
        let count = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM outbox WHERE phone = 'DE.7001'"), 0);
        assert_eq!(count("SELECT count(*) FROM inbound_messages WHERE user_id = 'DE.7001'"), 0);
        assert_eq!(count("SELECT count(*) FROM webhook_events WHERE instr(CAST(body AS TEXT), 'DE.7001') > 0"), 0);
        // The other person, also without a number, keeps everything.
        assert!(store.customer_by_user_id("DE.7002").unwrap().is_some());
        assert_eq!(count("SELECT count(*) FROM outbox WHERE phone = 'DE.7002'"), 1);
        assert_eq!(count("SELECT count(*) FROM applied_effects WHERE key LIKE 'msg:wamid.O1'"), 1);
    }
}
