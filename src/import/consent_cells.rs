//! Reading the consent cells of an import row: yes/no values, the date of the form (Europe/Berlin), the wording
//! version. Pure: it never decides whether consent is recorded — that takes the caller's source and evidence (see
//! [`super::plan`]).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;

/// What a consent cell says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentValue {
    Granted,
    /// No, or empty: nothing is recorded (an import never records a withdrawal it cannot prove).
    Nothing,
}

/// `ja`/`yes`/`x`/`1`/`true` grant; `nein`/`no`/`0`/`false`/empty record nothing; anything else is refused.
pub fn consent_value(cell: &str) -> Option<ConsentValue> {
    match cell.trim().to_lowercase().as_str() {
        "ja" | "j" | "yes" | "y" | "x" | "1" | "true" | "wahr" => Some(ConsentValue::Granted),
        "" | "nein" | "n" | "no" | "0" | "false" | "falsch" | "-" => Some(ConsentValue::Nothing),
        _ => None,
    }
}

/// Date formats accepted for the consent date, with time.
const DATE_TIME_FORMATS: &[&str] = &[
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y, %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
];

/// Date formats without time (taken as 00:00 Berlin time).
const DATE_FORMATS: &[&str] = &["%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"];

/// Parses `27.11.2026`, `2026-11-27`, `27.11.2026 14:30` (and a few Excel variants) as Europe/Berlin time; an
/// explicit offset (`2026-11-27T14:30:00+01:00`) is honoured. Times that do not exist (the hour skipped when summer
/// time starts) are refused rather than guessed.
pub fn consent_date(cell: &str) -> Option<DateTime<Utc>> {
    let s = cell.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    // `%Y` also reads "26" as the year 26; such years fall through to the two-digit format.
    let plausible = |d: &NaiveDateTime| d.year() >= 1900;
    let naive = DATE_TIME_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok().filter(plausible))
        .or_else(|| {
            DATE_FORMATS.iter().find_map(|f| {
                NaiveDate::parse_from_str(s, f).ok().map(|d| d.and_time(NaiveTime::MIN)).filter(plausible)
            })
        })?;
    Berlin.from_local_datetime(&naive).earliest().map(|d| d.with_timezone(&Utc))
}

/// A wording version: a whole number from 1.
pub fn wording_version(cell: &str) -> Option<u32> {
    let s = cell.trim();
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    s.parse::<u32>().ok().filter(|v| *v >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn yes_and_no() {
        for yes in ["ja", "JA", " Ja ", "yes", "x", "X", "1", "true", "TRUE"] {
            assert_eq!(consent_value(yes), Some(ConsentValue::Granted), "{yes:?}");
        }
        for no in ["", "  ", "nein", "Nein", "no", "0", "false"] {
            assert_eq!(consent_value(no), Some(ConsentValue::Nothing), "{no:?}");
        }
        assert_eq!(consent_value("vielleicht"), None);
        assert_eq!(consent_value("2"), None);
    }

    #[test]
    fn dates_are_berlin_time() {
        // Winter: UTC+1.
        assert_eq!(consent_date("27.11.2026"), Some(utc(2026, 11, 26, 23, 0)));
        assert_eq!(consent_date("2026-11-27"), Some(utc(2026, 11, 26, 23, 0)));
        assert_eq!(consent_date("27.11.2026 14:30"), Some(utc(2026, 11, 27, 13, 30)));
        assert_eq!(consent_date("2026-11-27 14:30"), Some(utc(2026, 11, 27, 13, 30)));
        // Summer: UTC+2.
        assert_eq!(consent_date("1.7.2026 08:00"), Some(utc(2026, 7, 1, 6, 0)));
        assert_eq!(consent_date("01.07.26"), Some(utc(2026, 6, 30, 22, 0)));
        assert_eq!(consent_date("2026-11-27T14:30:00+01:00"), Some(utc(2026, 11, 27, 13, 30)));
    }

    #[test]
    fn bad_dates_are_refused() {
        assert_eq!(consent_date(""), None);
        assert_eq!(consent_date("31.02.2026"), None);
        assert_eq!(consent_date("gestern"), None);
        assert_eq!(consent_date("11/27/2026"), None);
        // 02:30 does not exist on 29 March 2026 in Berlin.
        assert_eq!(consent_date("29.03.2026 02:30"), None);
    }

    #[test]
    fn versions() {
        assert_eq!(wording_version("1"), Some(1));
        assert_eq!(wording_version(" 2 "), Some(2));
        assert_eq!(wording_version("v3"), Some(3));
        assert_eq!(wording_version("0"), None);
        assert_eq!(wording_version("1.5"), None);
        assert_eq!(wording_version(""), None);
    }
}
