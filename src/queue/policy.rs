//! The send queue's policies as pure functions of time: exponential backoff with jitter, the pair-limit backoff,
//! even pacing at a rate without bursts, quiet hours, and the messaging-tier window. No IO, no clock reads: `now` is
//! passed in; randomness comes from the caller's seeded generator.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Berlin;
use rand::Rng;

use crate::domain::schedule::QuietHours;

/// Delay before retry number `attempt` (1 = first retry): 2^attempt seconds capped at 15 min, ±20 % jitter, and never
/// shorter than what Meta asked for (`Retry-After`, regain-access time).
pub fn backoff(attempt: u32, meta_hint: Option<std::time::Duration>, rng: &mut impl Rng) -> Duration {
    let base = 2f64.powi(attempt.min(10) as i32).min(900.0);
    let jitter = rng.random_range(0.8..1.2);
    let ours = Duration::milliseconds((base * jitter * 1000.0) as i64);
    let hint = meta_hint.and_then(|h| Duration::from_std(h).ok()).unwrap_or_else(Duration::zero);
    ours.max(hint)
}

/// Meta's rule for 131056: wait 4^n seconds (n = 0, 1, 2, …) before the next message to that recipient.
pub fn pair_backoff(n: u32) -> Duration {
    Duration::seconds(4i64.saturating_pow(n.min(8)))
}

/// At most one message per recipient per this interval (Meta's pair rate limit, 1 per 6 s).
pub const PAIR_INTERVAL: Duration = Duration::seconds(6);

/// Even pacing at `rate` messages per second: each send gets the next slot; idle time is not saved up, so there are
/// no bursts after a pause.
#[derive(Debug, Clone)]
pub struct Pacer {
    interval: Duration,
    next: Option<DateTime<Utc>>,
}

impl Pacer {
    /// `rate` = 0 means no limit.
    pub fn new(rate: u32) -> Pacer {
        let interval =
            if rate == 0 { Duration::zero() } else { Duration::nanoseconds(1_000_000_000 / i64::from(rate)) };
        Pacer { interval, next: None }
    }

    pub fn unlimited(&self) -> bool {
        self.interval.is_zero()
    }

    /// When the next message may go, given that it is `now`; reserves that slot.
    pub fn reserve(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        let slot = match self.next {
            Some(next) if next > now => next,
            _ => now,
        };
        self.next = Some(slot + self.interval);
        slot
    }

    /// How many slots fall into `[now, now + horizon)` without reserving them.
    pub fn due_within(&self, now: DateTime<Utc>, horizon: Duration) -> usize {
        if self.unlimited() {
            return usize::MAX;
        }
        let start = self.next.filter(|n| *n > now).unwrap_or(now);
        let end = now + horizon;
        if start >= end {
            return 0;
        }
        let span = (end - start).num_nanoseconds().unwrap_or(i64::MAX);
        let step = self.interval.num_nanoseconds().unwrap_or(1).max(1);
        ((span + step - 1) / step) as usize
    }
}

/// When quiet hours end, if `now` is inside them.
pub fn quiet_until(quiet: &QuietHours, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    if !quiet.contains(now) {
        return None;
    }
    let local = now.with_timezone(&Berlin);
    let mut day = local.date_naive();
    if local.time() >= quiet.end {
        day = day.succ_opt()?;
    }
    let end = day.and_time(quiet.end);
    Berlin.from_local_datetime(&end).earliest().map(|t| t.with_timezone(&Utc))
}

/// Meta's messaging limit: unique recipients outside a service window per rolling 24 h.
pub const TIER_WINDOW: Duration = Duration::hours(24);

/// Decides whether one more unique recipient fits the tier. `sent_at` are the first-contact times of the unique
/// recipients in the last 24 h (oldest first). Returns `None` when it fits, else when the oldest leaves the window.
pub fn tier_wait(tier: u32, sent_at: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if tier == 0 {
        return None;
    }
    let in_window: Vec<&DateTime<Utc>> = sent_at.iter().filter(|t| now - **t < TIER_WINDOW).collect();
    if (in_window.len() as u64) < u64::from(tier) {
        return None;
    }
    let overflow = in_window.len() + 1 - tier as usize;
    in_window.get(overflow - 1).map(|t| **t + TIER_WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parse_quiet_hours;
    use chrono::TimeZone;
    use rand::SeedableRng;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap() + Duration::milliseconds(s)
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_meta() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let d1 = backoff(1, None, &mut rng);
        assert!(d1 >= Duration::milliseconds(1600) && d1 <= Duration::milliseconds(2400), "{d1}");
        let d5 = backoff(5, None, &mut rng);
        assert!(d5 >= Duration::milliseconds(25_600) && d5 <= Duration::milliseconds(38_400), "{d5}");
        let big = backoff(30, None, &mut rng);
        assert!(big <= Duration::seconds(1080), "capped: {big}");
        let hinted = backoff(1, Some(std::time::Duration::from_secs(120)), &mut rng);
        assert_eq!(hinted, Duration::seconds(120));
    }

    #[test]
    fn pair_backoff_is_four_to_the_n() {
        assert_eq!(pair_backoff(0), Duration::seconds(1));
        assert_eq!(pair_backoff(1), Duration::seconds(4));
        assert_eq!(pair_backoff(3), Duration::seconds(64));
    }

    #[test]
    fn pacer_spaces_evenly_and_saves_no_credit() {
        let mut p = Pacer::new(80);
        let slots: Vec<DateTime<Utc>> = (0..4).map(|_| p.reserve(t(0))).collect();
        assert_eq!(slots, vec![t(0), t(12) + Duration::microseconds(500), t(25), t(37) + Duration::microseconds(500)]);
        // After a long pause the next slot is "now", not a burst of saved-up slots.
        assert_eq!(p.reserve(t(10_000)), t(10_000));
        assert_eq!(p.reserve(t(10_000)), t(10_012) + Duration::microseconds(500));
        let p = Pacer::new(20);
        assert_eq!(p.due_within(t(0), Duration::seconds(1)), 20);
        assert!(Pacer::new(0).unlimited());
    }

    #[test]
    fn quiet_hours_end_in_the_morning_berlin_time() {
        let q = parse_quiet_hours("20:00-08:00").unwrap();
        // 21:00 Berlin (20:00 UTC) → 08:00 Berlin next day (07:00 UTC).
        let evening = Utc.with_ymd_and_hms(2026, 11, 27, 20, 0, 0).unwrap();
        assert_eq!(quiet_until(&q, evening), Some(Utc.with_ymd_and_hms(2026, 11, 28, 7, 0, 0).unwrap()));
        let early = Utc.with_ymd_and_hms(2026, 11, 27, 5, 0, 0).unwrap();
        assert_eq!(quiet_until(&q, early), Some(Utc.with_ymd_and_hms(2026, 11, 27, 7, 0, 0).unwrap()));
        assert_eq!(quiet_until(&q, Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()), None);
    }

    #[test]
    fn tier_counts_unique_recipients_in_a_rolling_day() {
        let sent: Vec<DateTime<Utc>> = (0..3).map(|i| t(i * 3_600_000)).collect();
        assert_eq!(tier_wait(4, &sent, t(4 * 3_600_000)), None);
        assert_eq!(tier_wait(3, &sent, t(4 * 3_600_000)), Some(t(0) + TIER_WINDOW));
        assert_eq!(tier_wait(3, &sent, t(25 * 3_600_000)), None, "the oldest left the window");
        assert_eq!(tier_wait(0, &sent, t(0)), None, "unlimited");
    }
}
