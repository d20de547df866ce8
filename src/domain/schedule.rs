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

/// Which way a date without a year or a weekday points: a send time lies ahead, a consent date behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toward {
    Future,
    Past,
}

/// A time as the farmer typed it, read in Europe/Berlin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    pub at: DateTime<Utc>,
    /// A time of day was given (without one, a date means 12:00).
    pub has_time: bool,
}

/// Reads what farmers write, besides the full forms of [`parse_local_datetime`]: a date without the year (`1.12.`,
/// `1.12. 8:00`), a weekday (`Di 8 Uhr`, `Freitag 18:30`), `heute`/`morgen`/`übermorgen`/`gestern` (also English),
/// and a time alone (`8:00`, `8 Uhr`). What has no year or date is the next such day from `now` when `toward` is
/// [`Toward::Future`] (today counts while the time is still ahead), the last one when it is [`Toward::Past`].
pub fn parse_when(s: &str, now: DateTime<Utc>, toward: Toward) -> Option<When> {
    use chrono::{Datelike, Duration, NaiveDate, TimeZone};
    let s = s.trim();
    if let Some(at) = parse_local_datetime(s) {
        return Some(When { at, has_time: s.contains(':') });
    }
    let lower = s.to_lowercase().replace(',', " ");
    let mut words: Vec<&str> = lower.split_whitespace().filter(|w| *w != "um" && *w != "at").collect();
    if words.is_empty() {
        return None;
    }
    // The time of day: `8:00`, `8.30 Uhr`, `8 Uhr`, `8h`, or a bare hour after a day (`Di 8`).
    let mut time = None;
    if words.last() == Some(&"uhr") {
        words.pop();
        time = Some(time_of_day(words.pop()?, true)?);
    } else if (words.len() >= 2 || words[0].contains(':') || words[0].ends_with('h'))
        && let Some(t) = words.last().and_then(|w| time_of_day(w, words.len() >= 2))
    {
        words.pop();
        time = Some(t);
    }
    let local_now = now.with_timezone(&Berlin);
    let today = local_now.date_naive();
    let clock = time.unwrap_or_else(|| NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
    let ahead = |d: NaiveDate| match toward {
        Toward::Future => d.and_time(clock) >= local_now.naive_local(),
        Toward::Past => d.and_time(clock) <= local_now.naive_local(),
    };
    let step: i64 = match toward {
        Toward::Future => 1,
        Toward::Past => -1,
    };
    let date = match words.as_slice() {
        [] => {
            let d = today;
            if ahead(d) { d } else { d + Duration::days(step) }
        }
        [day] => match *day {
            "heute" | "today" => today,
            "morgen" | "tomorrow" => today + Duration::days(1),
            "übermorgen" => today + Duration::days(2),
            "gestern" | "yesterday" => today - Duration::days(1),
            "vorgestern" => today - Duration::days(2),
            word => {
                if let Some(wd) = weekday(word) {
                    let mut d = today;
                    while d.weekday() != wd || !ahead(d) {
                        d += Duration::days(step);
                    }
                    d
                } else {
                    let (dd, mm) = word.trim_end_matches('.').split_once('.')?;
                    let (dd, mm): (u32, u32) = (dd.parse().ok()?, mm.parse().ok()?);
                    let this = NaiveDate::from_ymd_opt(today.year(), mm, dd);
                    let other = NaiveDate::from_ymd_opt(today.year() + step as i32, mm, dd);
                    match this {
                        Some(d) if ahead(d) || d == today => d,
                        _ => other?,
                    }
                }
            }
        },
        _ => return None,
    };
    let at = Berlin.from_local_datetime(&date.and_time(clock)).earliest()?.with_timezone(&Utc);
    Some(When { at, has_time: time.is_some() })
}

/// `8`, `08:00`, `8.30`, `8h` (a bare number or a dot only where it must be a time: after a day or before "Uhr").
fn time_of_day(word: &str, bare_ok: bool) -> Option<NaiveTime> {
    let w = word.trim_end_matches('h');
    let (h, m) = match w.split_once([':', '.']) {
        Some((h, m)) if w.contains(':') || bare_ok => (h, m),
        Some(_) => return None,
        None if bare_ok || word.ends_with('h') => (w, "0"),
        None => return None,
    };
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    NaiveTime::from_hms_opt(h, m, 0)
}

fn weekday(word: &str) -> Option<chrono::Weekday> {
    use chrono::Weekday::*;
    let w = word.trim_end_matches('.');
    Some(match w {
        "mo" | "montag" | "mon" | "monday" => Mon,
        "di" | "dienstag" | "tue" | "tuesday" => Tue,
        "mi" | "mittwoch" | "wed" | "wednesday" => Wed,
        "do" | "donnerstag" | "thu" | "thursday" => Thu,
        "fr" | "freitag" | "fri" | "friday" => Fri,
        "sa" | "samstag" | "sonnabend" | "sat" | "saturday" => Sat,
        "so" | "sonntag" | "sun" | "sunday" => Sun,
        _ => return None,
    })
}

#[cfg(test)]
mod when_tests {
    use super::*;
    use chrono::TimeZone;

    /// Monday 30.11.2026, 10:17 in Berlin.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 9, 17, 0).unwrap()
    }

    fn local(s: &str, toward: Toward) -> Option<String> {
        parse_when(s, now(), toward).map(|w| w.at.with_timezone(&Berlin).format("%a %d.%m.%Y %H:%M").to_string())
    }

    #[test]
    fn the_forms_farmers_write() {
        use Toward::*;
        assert_eq!(local("1.12.", Future).as_deref(), Some("Tue 01.12.2026 12:00"));
        assert_eq!(local("1.12. 8:00", Future).as_deref(), Some("Tue 01.12.2026 08:00"));
        assert_eq!(local("1.12 8 Uhr", Future).as_deref(), Some("Tue 01.12.2026 08:00"));
        assert_eq!(local("Di 8 Uhr", Future).as_deref(), Some("Tue 01.12.2026 08:00"));
        assert_eq!(local("di, 8", Future).as_deref(), Some("Tue 01.12.2026 08:00"));
        assert_eq!(local("Freitag 18:30", Future).as_deref(), Some("Fri 04.12.2026 18:30"));
        assert_eq!(local("morgen 8:00", Future).as_deref(), Some("Tue 01.12.2026 08:00"));
        assert_eq!(local("morgen um 8 Uhr", Future).as_deref(), Some("Tue 01.12.2026 08:00"));
        assert_eq!(local("übermorgen 7.30 Uhr", Future).as_deref(), Some("Wed 02.12.2026 07:30"));
        assert_eq!(local("heute 18 Uhr", Future).as_deref(), Some("Mon 30.11.2026 18:00"));
        // Monday 8:00 has passed at 10:17: the next Monday; a time alone that has passed is tomorrow's.
        assert_eq!(local("Mo 8 Uhr", Future).as_deref(), Some("Mon 07.12.2026 08:00"));
        assert_eq!(local("8:00", Future).as_deref(), Some("Tue 01.12.2026 08:00"));
        assert_eq!(local("18 Uhr", Future).as_deref(), Some("Mon 30.11.2026 18:00"));
        // A past day of this year is next year's when ahead, this year's when behind.
        assert_eq!(local("28.11.", Future).as_deref(), Some("Sun 28.11.2027 12:00"));
        assert_eq!(local("28.11.", Past).as_deref(), Some("Sat 28.11.2026 12:00"));
        assert_eq!(local("1.12.", Past).as_deref(), Some("Mon 01.12.2025 12:00"));
        assert_eq!(local("Sa", Past).as_deref(), Some("Sat 28.11.2026 12:00"));
        assert_eq!(local("gestern 17 Uhr", Past).as_deref(), Some("Sun 29.11.2026 17:00"));
        // Full forms still work and say whether a time was given.
        assert_eq!(parse_when("28.11.26", now(), Past).map(|w| w.has_time), Some(false));
        assert_eq!(parse_when("Di 8 Uhr", now(), Future).map(|w| w.has_time), Some(true));
        for bad in ["", "bald", "31.02.", "Di 25 Uhr", "8", "1.12. 8:61", "morgen früh", "12.13."] {
            assert_eq!(local(bad, Future), None, "{bad:?}");
        }
    }
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
