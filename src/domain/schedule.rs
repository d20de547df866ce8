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
