//! Time rules that do not touch a clock: quiet hours in Europe/Berlin. Pure.

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Europe::Berlin;

/// A daily period (local Berlin time) in which no marketing is sent; may wrap midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// Parses "20:00-08:00" (also with "–" or spaces).
pub fn parse_quiet_hours(s: &str) -> Option<QuietHours> {
    let s = s.replace(['–', '—'], "-");
    let (a, b) = s.split_once('-')?;
    let start = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
    let end = NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?;
    (start != end).then_some(QuietHours { start, end })
}

impl QuietHours {
    /// Whether `at` falls into the quiet period.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&Berlin).time();
        if self.start < self.end {
            local >= self.start && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn wraps_midnight_in_berlin_time() {
        let q = parse_quiet_hours("20:00-08:00").unwrap();
        // 19:30 UTC in November = 20:30 in Berlin.
        assert!(q.contains(Utc.with_ymd_and_hms(2026, 11, 27, 19, 30, 0).unwrap()));
        assert!(!q.contains(Utc.with_ymd_and_hms(2026, 11, 27, 7, 30, 0).unwrap()));
        assert!(q.contains(Utc.with_ymd_and_hms(2026, 11, 27, 6, 30, 0).unwrap()));
        assert!(parse_quiet_hours("abends").is_none());
        assert!(parse_quiet_hours("08:00-08:00").is_none());
    }
}

/// Parses a local date or date-time as Germans and ISO write it, in Europe/Berlin: `27.11.2026`, `27.11.2026 14:30`,
/// `2026-11-27`, `2026-11-27 14:30`, `2026-11-27T14:30`, and with a two-digit year (`27.11.26`, read as 2026). A date
/// alone means 12:00 (noon), so it stays on that day in every time zone. Returns UTC.
pub fn parse_local_datetime(s: &str) -> Option<DateTime<Utc>> {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone};
    let s = s.trim();
    // `%Y` also reads "26" as the year 26: such a parse is passed over, so the two-digit formats (`%y`, 20xx) get it.
    let four_digits = |d: &NaiveDate| d.year() >= 1000;
    let with_time = [
        "%d.%m.%Y %H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%d.%m.%y %H:%M",
    ];
    let naive = with_time
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok().filter(|d| four_digits(&d.date())))
        .or_else(|| {
            ["%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"]
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(s, f).ok().filter(four_digits))
                .and_then(|d| d.and_hms_opt(12, 0, 0))
        })?;
    Berlin.from_local_datetime(&naive).earliest().map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod parse_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn german_and_iso_local_times() {
        let expect = Utc.with_ymd_and_hms(2026, 11, 27, 13, 30, 0).unwrap();
        assert_eq!(parse_local_datetime("27.11.2026 14:30"), Some(expect));
        assert_eq!(parse_local_datetime("2026-11-27 14:30"), Some(expect));
        assert_eq!(parse_local_datetime("2026-11-27T14:30"), Some(expect));
        assert_eq!(parse_local_datetime("27.11.2026"), Some(Utc.with_ymd_and_hms(2026, 11, 27, 11, 0, 0).unwrap()));
        // Summer time: UTC+2.
        assert_eq!(parse_local_datetime("2026-07-01 10:00"), Some(Utc.with_ymd_and_hms(2026, 7, 1, 8, 0, 0).unwrap()));
        assert_eq!(parse_local_datetime("gestern"), None);
        assert_eq!(parse_local_datetime("31.02.2026"), None);
        // Two-digit years are this century (issue 13: "28.11.26" was the year 26).
        assert_eq!(parse_local_datetime("28.11.26"), parse_local_datetime("28.11.2026"));
        assert_eq!(parse_local_datetime("28.11.26 14:30"), parse_local_datetime("28.11.2026 14:30"));
    }
}
