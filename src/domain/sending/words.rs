//! The words the farmer reads for a row's and a broadcast's state — one place for the CLI and the terminal app,
//! German and English: "wartet bis 08:00 (Ruhezeit)", "noch ohne Bestätigung von WhatsApp (bis 08:15)",
//! "unklar nach Wiederherstellung". Pure: times and the reconcile delay come in.

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Europe::Berlin;

use super::reason::Reason;
use super::state::{BroadcastState, RowState};
use crate::i18n::{Lang, Tr};

/// What is known of a row (or of the rows of one state in a broadcast) to say where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowFacts<'a> {
    pub state: RowState,
    /// Why it is there (waits for quiet hours, crashed, …).
    pub reason: &'a Reason,
    /// When a queued row is due.
    pub due: Option<DateTime<Utc>>,
    /// When it last went out.
    pub inflight_at: Option<DateTime<Utc>>,
}

/// How the words are made: the language, now, and how long a row waits for WhatsApp's answer before hofbote decides
/// (`[queue] unknown_after_seconds`).
#[derive(Debug, Clone, Copy)]
pub struct Words {
    pub lang: Lang,
    pub now: DateTime<Utc>,
    pub unknown_after: Duration,
}

impl Words {
    /// `08:15` today, `Di 08:15` on another day (Europe/Berlin).
    fn time(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&Berlin);
        if local.date_naive() == self.now.with_timezone(&Berlin).date_naive() {
            local.format("%H:%M").to_string()
        } else {
            let day = local.weekday().num_days_from_monday() as usize;
            let name = match self.lang {
                Lang::De => ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"][day],
                Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][day],
            };
            format!("{name} {}", local.format("%H:%M"))
        }
    }

    /// Where one row is, in a few words.
    pub fn row(&self, f: &RowFacts<'_>) -> String {
        let l = self.lang;
        match f.state {
            RowState::Queued => match (f.reason, f.due.filter(|d| *d > self.now)) {
                (Reason::QuietHours, Some(at)) => {
                    Tr::new("wartet bis {0} (Ruhezeit)", "waits until {0} (quiet hours)").fill(l, &[&self.time(at)])
                }
                (Reason::TierLimit, Some(at)) => {
                    Tr::new("wartet bis {0} (Tageslimit von Meta)", "waits until {0} (Meta's daily limit)")
                        .fill(l, &[&self.time(at)])
                }
                (_, Some(at)) => Tr::new("wartet bis {0}", "waits until {0}").fill(l, &[&self.time(at)]),
                (_, None) => RowState::Queued.label().get(l).to_owned(),
            },
            RowState::Unknown => match f.inflight_at.map(|t| t + self.unknown_after) {
                Some(until) if until > self.now => Tr::new(
                    "noch ohne Bestätigung von WhatsApp (bis {0})",
                    "no confirmation from WhatsApp yet (until {0})",
                )
                .fill(l, &[&self.time(until)]),
                _ => Tr::new(
                    "ohne Bestätigung von WhatsApp – du entscheidest",
                    "no confirmation from WhatsApp – your decision",
                )
                .get(l)
                .to_owned(),
            },
            RowState::Restored => Tr::new("unklar nach Wiederherstellung", "unclear after restore").get(l).to_owned(),
            RowState::Held => HELD.get(l).to_owned(),
            other => other.label().get(l).to_owned(),
        }
    }

    /// The notes under a broadcast's progress: what waits and why, one line each ("11 warten auf Bestätigung von
    /// WhatsApp (bis 08:15)"). Empty when nothing needs saying.
    pub fn broadcast_notes(&self, b: &BroadcastFacts<'_>) -> Vec<String> {
        let l = self.lang;
        let mut notes = Vec::new();
        if b.unknown > 0 {
            let until = b.unknown_since.map(|t| t + self.unknown_after).filter(|u| *u > self.now);
            notes.push(match until {
                Some(u) => Tr::new(
                    "{0} warten auf Bestätigung von WhatsApp (bis {1})",
                    "{0} wait for WhatsApp's confirmation (until {1})",
                )
                .fill(l, &[&b.unknown, &self.time(u)]),
                None => Tr::new(
                    "{0} ohne Bestätigung von WhatsApp – in der Liste entscheiden: erneut senden oder als gesendet zählen",
                    "{0} without confirmation from WhatsApp – decide in the list: send again or count as sent",
                )
                .fill(l, &[&b.unknown]),
            });
        }
        if b.restored > 0 {
            let when = b.backup_taken_at.map(|t| self.time(t)).unwrap_or_else(|| "?".into());
            notes.push(
                Tr::new(
                    "{0} unklar nach Wiederherstellung (Sicherung von {1}): sie könnten die Nachricht schon haben – trotzdem senden oder als gesendet zählen",
                    "{0} unclear after restore (backup of {1}): they may have the message – send anyway or count as sent",
                )
                .fill(l, &[&b.restored, &when]),
            );
        }
        if b.held > 0 {
            notes.push(
                Tr::new(
                    "{0} {1}: Meta entscheidet, ob sie rausgehen; hofbote sendet sie nicht noch einmal",
                    "{0} {1}: Meta decides whether they go out; hofbote does not send them again",
                )
                .fill(l, &[&b.held, &HELD.get(l)]),
            );
        }
        notes.extend(self.broadcast_wait(b));
        // Why a broadcast was paused when the farmer did not pause it (Meta's review, marketing disabled, …); after
        // what the farmer must decide.
        if b.state == BroadcastState::Paused
            && let Some(reason) = b.reason.filter(|r| !r.is_none() && **r != Reason::PausedByUser)
        {
            notes.push(reason.explain(l));
        }
        notes
    }

    /// "40 warten bis 08:00 (Ruhezeit)": the queued rows of a sending broadcast wait for the quiet hours or Meta's
    /// daily limit to end (so no "noch ca. 1 s" is shown for them).
    pub fn broadcast_wait(&self, b: &BroadcastFacts<'_>) -> Option<String> {
        if b.queued == 0 || !matches!(b.state, BroadcastState::Sending | BroadcastState::Scheduled) {
            return None;
        }
        let (at, reason) = b.next_queued?;
        let why = match reason {
            Reason::QuietHours => Tr::new("{0} warten bis {1} (Ruhezeit)", "{0} wait until {1} (quiet hours)"),
            Reason::TierLimit => {
                Tr::new("{0} warten bis {1} (Tageslimit von Meta)", "{0} wait until {1} (Meta's daily limit)")
            }
            _ => return None,
        };
        (at > self.now).then(|| why.fill(self.lang, &[&b.queued, &self.time(at)]))
    }
}

/// A row Meta holds for its quality review of the business portfolio (`held_for_quality_assessment`).
pub const HELD: Tr = Tr::new("zurückgehalten (Prüfung durch Meta)", "held for Meta's quality review");

/// What [`Words::broadcast_notes`] needs of a broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BroadcastFacts<'a> {
    pub state: BroadcastState,
    pub queued: i64,
    pub unknown: i64,
    pub unknown_since: Option<DateTime<Utc>>,
    pub restored: i64,
    pub backup_taken_at: Option<DateTime<Utc>>,
    /// Rows Meta holds for its quality review.
    pub held: i64,
    /// Why it is in its state (`broadcasts.state_reason`).
    pub reason: Option<&'a Reason>,
    pub next_queued: Option<(DateTime<Utc>, &'a Reason)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn words(lang: Lang) -> Words {
        // 07:10 in Berlin (winter time, UTC+1).
        Words { lang, now: Utc.with_ymd_and_hms(2026, 11, 30, 6, 10, 0).unwrap(), unknown_after: Duration::minutes(15) }
    }

    #[test]
    fn rows_say_what_they_wait_for_and_until_when() {
        let w = words(Lang::De);
        let at = |h, m| Utc.with_ymd_and_hms(2026, 11, 30, h, m, 0).unwrap();
        let queued =
            RowFacts { state: RowState::Queued, reason: &Reason::QuietHours, due: Some(at(7, 0)), inflight_at: None };
        assert_eq!(w.row(&queued), "wartet bis 08:00 (Ruhezeit)");
        let unknown =
            RowFacts { state: RowState::Unknown, reason: &Reason::Crashed, due: None, inflight_at: Some(at(6, 0)) };
        assert_eq!(w.row(&unknown), "noch ohne Bestätigung von WhatsApp (bis 07:15)");
        let late = RowFacts { inflight_at: Some(at(5, 0)), ..unknown };
        assert_eq!(w.row(&late), "ohne Bestätigung von WhatsApp – du entscheidest");
        let restored =
            RowFacts { state: RowState::Restored, reason: &Reason::RestoredFromBackup, due: None, inflight_at: None };
        assert_eq!(w.row(&restored), "unklar nach Wiederherstellung");
        let held = RowFacts { state: RowState::Held, reason: &Reason::HeldByMeta, due: None, inflight_at: None };
        assert_eq!(w.row(&held), "zurückgehalten (Prüfung durch Meta)");
        assert_eq!(words(Lang::En).row(&held), "held for Meta's quality review");
        assert_eq!(words(Lang::En).row(&queued), "waits until 08:00 (quiet hours)");
        let tomorrow = RowFacts { due: Some(at(7, 0) + Duration::days(1)), ..queued };
        assert_eq!(w.row(&tomorrow), "wartet bis Di 08:00 (Ruhezeit)");
    }

    #[test]
    fn a_broadcast_names_its_unconfirmed_and_unclear_rows() {
        let w = words(Lang::De);
        let b = BroadcastFacts {
            state: BroadcastState::Sending,
            queued: 0,
            unknown: 11,
            unknown_since: Some(Utc.with_ymd_and_hms(2026, 11, 30, 6, 0, 0).unwrap()),
            restored: 3,
            backup_taken_at: Some(Utc.with_ymd_and_hms(2026, 11, 30, 5, 30, 0).unwrap()),
            held: 0,
            reason: None,
            next_queued: None,
        };
        let notes = w.broadcast_notes(&b);
        assert_eq!(notes[0], "11 warten auf Bestätigung von WhatsApp (bis 07:15)");
        assert!(notes[1].starts_with("3 unklar nach Wiederherstellung (Sicherung von 06:30)"), "{notes:?}");
        let quiet = BroadcastFacts {
            unknown: 0,
            restored: 0,
            queued: 40,
            next_queued: Some((Utc.with_ymd_and_hms(2026, 11, 30, 7, 0, 0).unwrap(), &Reason::QuietHours)),
            ..b
        };
        assert_eq!(w.broadcast_notes(&quiet), vec!["40 warten bis 08:00 (Ruhezeit)".to_owned()]);
        let halted = BroadcastFacts { state: BroadcastState::Paused, reason: Some(&Reason::PortfolioReview), ..quiet };
        assert_eq!(w.broadcast_notes(&halted), vec!["angehalten: Meta prüft dein Business-Portfolio (135000)"]);
        let by_hand = BroadcastFacts { reason: Some(&Reason::PausedByUser), ..halted };
        assert!(w.broadcast_notes(&by_hand).is_empty(), "the farmer knows why");
        let held = BroadcastFacts { held: 2, ..quiet };
        assert_eq!(
            w.broadcast_notes(&held)[0],
            "2 zurückgehalten (Prüfung durch Meta): Meta entscheidet, ob sie rausgehen; hofbote sendet sie nicht noch einmal"
        );
    }
}
