//! What Meta says about the account's limits, kept in the `meta` table (no schema change): the messaging limit
//! (unique recipients per 24 h outside a service window) and the throughput level, as last read from the phone
//! number or announced by an `account_update` webhook, and whether they should be read again. The limit stored
//! here is the one the claim enforces; `[whatsapp] messaging_tier` in the config is the fallback until Meta has
//! answered once. Must not talk HTTP.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store, parse_ts, ts};

const TIER: &str = "account_messaging_tier";
const THROUGHPUT: &str = "account_throughput";
const CHECKED_AT: &str = "account_checked_at";
const CHECK_DUE: &str = "account_check_due";
const RESTRICTED_UNTIL: &str = "account_restricted_until";
/// The alert kind of a messaging restriction from Meta (raised by `webhook::account`).
pub const ALERT_RESTRICTED: &str = "account_restricted";

/// The account's limits as hofbote knows them from Meta.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountLimits {
    /// Unique recipients per 24 h, 0 = unlimited; `None`: Meta has not told us (the config's value applies).
    pub tier: Option<u32>,
    /// `STANDARD` (80/s) or `HIGH` (1,000/s).
    pub throughput: Option<String>,
    /// When they were last read from the API or a webhook.
    pub updated_at: Option<DateTime<Utc>>,
    /// An `account_update` asked for them to be read again.
    pub check_due: bool,
}

fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

fn put(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The messaging limit Meta set, if it ever said (0 = unlimited).
pub fn stored_tier_tx(conn: &Connection) -> Result<Option<u32>> {
    Ok(get(conn, TIER)?.and_then(|v| v.parse().ok()))
}

/// Keeps what Meta said; `None` leaves a value as it was.
pub fn set_limits_tx(conn: &Connection, tier: Option<u32>, throughput: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    if let Some(t) = tier {
        let before = stored_tier_tx(conn)?;
        put(conn, TIER, &t.to_string())?;
        // A higher limit (or none) frees the rows that wait for the rolling day: they are due now and the claim
        // measures them against the new limit.
        if before.is_none_or(|b| b != 0 && (t == 0 || t > b)) {
            conn.execute(
                "UPDATE outbox SET next_attempt_at = ?1 WHERE state = 'queued' AND reason = 'tier_limit' AND next_attempt_at > ?1",
                [ts(now)],
            )?;
        }
    }
    if let Some(level) = throughput.filter(|l| !l.is_empty()) {
        put(conn, THROUGHPUT, level)?;
    }
    put(conn, CHECKED_AT, &ts(now))
}

/// Asks whoever reads the limits from the API (the service, the app) to do it again.
pub fn request_check_tx(conn: &Connection) -> Result<()> {
    put(conn, CHECK_DUE, "1")
}

/// Messages per second Meta allows at a throughput level: `STANDARD` 80, `HIGH` 1,000 (unknown levels: no cap).
pub fn throughput_cap(level: &str) -> Option<u32> {
    match level.trim().to_ascii_uppercase().as_str() {
        "STANDARD" => Some(80),
        "HIGH" => Some(1000),
        _ => None,
    }
}

/// The send rate to use: the configured one, never above what Meta's throughput level allows (0 = no pacing, for
/// benchmarks, stays 0).
pub fn capped_rate(configured: u32, level: Option<&str>) -> u32 {
    match level.and_then(throughput_cap) {
        Some(cap) if configured > 0 => configured.min(cap),
        _ => configured,
    }
}

/// When the messaging restriction Meta announced ends (its latest `expiration`); `None`: no end was announced.
pub fn set_restricted_until_tx(conn: &Connection, until: Option<DateTime<Utc>>) -> Result<()> {
    match until {
        Some(t) => put(conn, RESTRICTED_UNTIL, &ts(t)),
        None => {
            conn.execute("DELETE FROM meta WHERE key = ?1", [RESTRICTED_UNTIL])?;
            Ok(())
        }
    }
}

impl Store {
    /// Ends the restriction alert once the end Meta announced has passed (Meta sends no event when a restriction
    /// simply expires). Writes nothing otherwise. Returns true when it ended one.
    pub fn expire_account_restriction(&mut self) -> Result<bool> {
        let now = self.now();
        let Some(until) = get(&self.conn, RESTRICTED_UNTIL)? else { return Ok(false) };
        if parse_ts(&until)? > now {
            return Ok(false);
        }
        let tx = self.conn.transaction()?;
        let ended = super::alerts::resolve_alert_tx(&tx, ALERT_RESTRICTED, now)?;
        set_restricted_until_tx(&tx, None)?;
        tx.commit()?;
        Ok(ended)
    }

    pub fn account_limits(&self) -> Result<AccountLimits> {
        Ok(AccountLimits {
            tier: stored_tier_tx(&self.conn)?,
            throughput: get(&self.conn, THROUGHPUT)?,
            updated_at: get(&self.conn, CHECKED_AT)?.as_deref().map(parse_ts).transpose()?,
            check_due: get(&self.conn, CHECK_DUE)?.as_deref() == Some("1"),
        })
    }

    /// Stores the limits read from the API and ends a pending request to read them.
    pub fn set_account_limits(&mut self, tier: Option<u32>, throughput: Option<&str>) -> Result<()> {
        let now = self.now();
        let tx = self.conn.transaction()?;
        set_limits_tx(&tx, tier, throughput, now)?;
        put(&tx, CHECK_DUE, "0")?;
        tx.commit()?;
        Ok(())
    }

    /// The configuration with Meta's limits in place of the configured ones (what the review estimates with, so it
    /// says what the claim and the worker will do): the stored messaging limit, the rate capped by the throughput.
    pub fn with_account_limits(&self, config: &crate::config::Config) -> Result<crate::config::Config> {
        let limits = self.account_limits()?;
        let mut c = config.clone();
        c.whatsapp.messaging_tier = limits.tier.unwrap_or(c.whatsapp.messaging_tier);
        c.whatsapp.throughput_per_second = capped_rate(c.whatsapp.throughput_per_second, limits.throughput.as_deref());
        Ok(c)
    }

    /// The messaging limit the claim enforces: Meta's when known, else `configured`.
    pub fn enforced_tier(&self, configured: u32) -> Result<u32> {
        Ok(stored_tier_tx(&self.conn)?.unwrap_or(configured))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metas_limit_wins_over_the_config_once_known() {
        let mut s = Store::open_in_memory(crate::clock::system()).unwrap();
        assert_eq!(s.enforced_tier(250).unwrap(), 250);
        assert_eq!(s.account_limits().unwrap(), AccountLimits::default());
        request_check_tx(&s.conn).unwrap();
        assert!(s.account_limits().unwrap().check_due);
        s.set_account_limits(Some(2000), Some("STANDARD")).unwrap();
        let l = s.account_limits().unwrap();
        assert_eq!((l.tier, l.throughput.as_deref(), l.check_due), (Some(2000), Some("STANDARD"), false));
        assert_eq!(s.enforced_tier(250).unwrap(), 2000);
        s.set_account_limits(Some(0), None).unwrap();
        assert_eq!(s.enforced_tier(250).unwrap(), 0, "unlimited");
        assert_eq!(s.account_limits().unwrap().throughput.as_deref(), Some("STANDARD"), "kept");
        let mut config = crate::config::Config::default();
        config.whatsapp.messaging_tier = 250;
        config.whatsapp.throughput_per_second = 200;
        let c = s.with_account_limits(&config).unwrap();
        assert_eq!((c.whatsapp.messaging_tier, c.whatsapp.throughput_per_second), (0, 80), "the review says Meta's");
    }

    #[test]
    fn a_restriction_ends_by_itself_when_its_announced_end_has_passed() {
        use chrono::TimeZone;
        let clock =
            std::sync::Arc::new(crate::clock::ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()));
        let mut s = Store::open_in_memory(clock.clone()).unwrap();
        s.raise_alert(ALERT_RESTRICTED, None, "bis morgen").unwrap();
        set_restricted_until_tx(&s.conn, Some(s.now() + chrono::Duration::hours(24))).unwrap();
        assert!(!s.expire_account_restriction().unwrap());
        assert_eq!(s.active_alerts().unwrap().len(), 1);
        clock.advance(chrono::Duration::hours(24));
        assert!(s.expire_account_restriction().unwrap());
        assert!(s.active_alerts().unwrap().is_empty());
        assert!(!s.expire_account_restriction().unwrap(), "once");
    }

    #[test]
    fn the_rate_stays_below_metas_throughput_level() {
        assert_eq!(capped_rate(200, Some("STANDARD")), 80);
        assert_eq!(capped_rate(200, Some("HIGH")), 200);
        assert_eq!(capped_rate(2000, Some("high")), 1000);
        assert_eq!(capped_rate(200, None), 200, "not read yet: the config");
        assert_eq!(capped_rate(200, Some("WHATEVER")), 200);
        assert_eq!(capped_rate(0, Some("STANDARD")), 0, "no pacing stays no pacing");
    }
}
