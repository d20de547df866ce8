//! Meta archives a template that was not sent for 12 months and deletes it 28 days later (reference §11); a
//! seasonal template ("Gänse", "Spargel") is the one that falls through. hofbote warns once the last use is more
//! than 10 months ago, so there are two months left to send it once (or to save its text).
//!
//! The last use is what hofbote saw go out. A template never sent from hofbote gets no warning: Meta's template
//! list says nothing about when a template was created or last sent from elsewhere, and a brand-new template
//! would be warned about wrongly; its archival date cannot be known. Pure: no IO.

use chrono::{DateTime, Duration, Months, Utc};

/// After how many months without a send hofbote warns.
pub const WARN_AFTER_MONTHS: u32 = 10;
/// After how many months without a send Meta archives.
pub const ARCHIVED_AFTER_MONTHS: u32 = 12;
/// How long an archived template stays before Meta deletes it.
pub const DELETED_AFTER_ARCHIVED: Duration = Duration::days(28);

/// When Meta will archive a template last sent at `last_used`, if hofbote should warn about it at `now`.
pub fn archive_warning(last_used: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let last = last_used?;
    let warn_from = last.checked_add_months(Months::new(WARN_AFTER_MONTHS))?;
    (now >= warn_from).then(|| last.checked_add_months(Months::new(ARCHIVED_AFTER_MONTHS))).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn warns_after_ten_months_and_names_the_archival_date() {
        let last = Utc.with_ymd_and_hms(2026, 1, 15, 9, 0, 0).unwrap();
        let at = |m, d| Utc.with_ymd_and_hms(2026, m, d, 9, 0, 0).unwrap();
        assert_eq!(archive_warning(Some(last), at(11, 14)), None, "not yet ten months");
        let archived = Utc.with_ymd_and_hms(2027, 1, 15, 9, 0, 0).unwrap();
        assert_eq!(archive_warning(Some(last), at(11, 15)), Some(archived));
        assert_eq!(archive_warning(Some(last), at(12, 31)), Some(archived));
        assert_eq!(archive_warning(None, at(12, 31)), None, "never sent from hofbote: no date to know");
    }
}
