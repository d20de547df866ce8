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

/// Even pacing at `rate` messages per second. Small delays of the sender are caught up (up to [`CATCH_UP`]), but
/// idle time is not saved up, and no second ever holds more than `rate` sends (a sliding-window guard like Meta's,
/// with a small margin for network jitter) — so there are no bursts that Meta would answer with 130429.
#[derive(Debug, Clone)]
pub struct Pacer {
    interval: Duration,
    rate: usize,
    next: Option<DateTime<Utc>>,
    window: std::collections::VecDeque<DateTime<Utc>>,
}

/// How far behind schedule the pacer still catches up instead of starting afresh.
pub const CATCH_UP: Duration = Duration::milliseconds(250);
/// Extra room beyond one second between a send and the send `rate` places later.
pub const WINDOW_MARGIN: Duration = Duration::milliseconds(10);

impl Pacer {
    /// `rate` = 0 means no limit.
    pub fn new(rate: u32) -> Pacer {
        let interval =
            if rate == 0 { Duration::zero() } else { Duration::nanoseconds(1_000_000_000 / i64::from(rate)) };
        Pacer { interval, rate: rate as usize, next: None, window: std::collections::VecDeque::new() }
    }

    pub fn unlimited(&self) -> bool {
        self.interval.is_zero()
    }

    /// When the next message may go, given that it is `now`; reserves that slot.
    pub fn reserve(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        if self.unlimited() {
            return now;
        }
        // The schedule: base, base + interval, …; a send that is late goes now, and the schedule continues from where
        // it should have been, so short delays are caught up.
        let scheduled = match self.next {
            Some(next) if next >= now - CATCH_UP => next,
            _ => now,
        };
        let mut slot = scheduled.max(now);
        if self.window.len() >= self.rate
            && let Some(oldest) = self.window.front()
        {
            slot = slot.max(*oldest + Duration::seconds(1) + WINDOW_MARGIN);
        }
        self.window.push_back(slot);
        while self.window.len() > self.rate {
            self.window.pop_front();
        }
        let held_back = slot > scheduled.max(now);
        self.next = Some(if held_back { slot + self.interval } else { scheduled + self.interval });
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
    fn a_short_delay_is_caught_up_but_no_second_holds_more_than_the_rate() {
        let mut p = Pacer::new(80);
        // The sender is late by 40 ms every tenth message: slots catch up with the schedule instead of losing time.
        let mut now = t(0);
        let mut slots = Vec::new();
        for i in 0..400 {
            let slot = p.reserve(now);
            slots.push(slot);
            now = slot + if i % 10 == 0 { Duration::milliseconds(40) } else { Duration::zero() };
        }
        let span = (*slots.last().unwrap() - slots[0]).num_milliseconds() as f64 / 1000.0;
        let rate = (slots.len() - 1) as f64 / span;
        assert!((rate - 80.0).abs() / 80.0 < 0.03, "rate {rate}");
        for (i, s) in slots.iter().enumerate() {
            let in_second = slots[i..].iter().take_while(|x| **x - *s < Duration::seconds(1)).count();
            assert!(in_second <= 80, "{in_second} sends within one second from slot {i}");
        }
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
