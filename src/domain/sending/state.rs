//! The outbox row state machine: `queued → inflight → accepted → delivered → read`, plus `held`, `failed`,
//! `unknown`, `restored`, `cancelled`, `skipped`. `held` is Meta's 2026 answer `held_for_quality_assessment`
//! (business portfolio pacing): Meta has the message and decides later; hofbote never sends it again, a later
//! `sent`/`delivered`/`read` status moves it on and a `failed` one fails it. [`transition`] is the only place that says which event moves a row where;
//! the store applies it to every change of a row (claim, result, status webhook, withdrawal, the farmer's decision,
//! restore) through `store::rows::change_rows_tx`. An event leads to the same state from every state it applies in
//! ([`RowEvent::target`]), so the store can apply it as one `UPDATE … WHERE state IN (sources)`.
//!
//! Terminal states (`read`, `cancelled`, `skipped`, `failed`) are never left — except `failed`, by the farmer's
//! explicit "try the failed ones again" ([`RowEvent::RetryFailed`]). Pure.

use std::fmt;
use std::str::FromStr;

/// Where an outbox row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    Queued,
    Inflight,
    Accepted,
    Delivered,
    Read,
    /// Meta took the request but holds it for a quality assessment of the business portfolio (pacing): it may go
    /// out later (a `sent` status) or fail (a `failed` status, e.g. 135000). Never re-sent by hofbote.
    Held,
    Failed,
    /// The request may or may not have reached Meta (a timeout after writing it, a crash while in flight); a status
    /// webhook settles it, or the reconciler re-queues it when webhooks demonstrably work and none came.
    Unknown,
    /// Queued, in flight or unclear when the backup that was restored was taken, and the send journal cannot say
    /// whether it went out since: only the farmer decides (send anyway / count as sent). Never re-sent by itself.
    Restored,
    Cancelled,
    Skipped,
}

impl RowState {
    pub const ALL: [RowState; 11] = [
        RowState::Queued,
        RowState::Inflight,
        RowState::Accepted,
        RowState::Delivered,
        RowState::Read,
        RowState::Held,
        RowState::Failed,
        RowState::Unknown,
        RowState::Restored,
        RowState::Cancelled,
        RowState::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Queued => "queued",
            RowState::Inflight => "inflight",
            RowState::Accepted => "accepted",
            RowState::Delivered => "delivered",
            RowState::Read => "read",
            RowState::Held => "held",
            RowState::Failed => "failed",
            RowState::Unknown => "unknown",
            RowState::Restored => "restored",
            RowState::Cancelled => "cancelled",
            RowState::Skipped => "skipped",
        }
    }

    /// No event moves a row out of these (but see [`RowEvent::RetryFailed`]).
    pub fn is_terminal(self) -> bool {
        matches!(self, RowState::Read | RowState::Failed | RowState::Cancelled | RowState::Skipped)
    }

    /// Done as far as sending goes (the broadcast can finish): terminal, or accepted/delivered/held by Meta.
    pub fn is_settled(self) -> bool {
        self.is_terminal() || matches!(self, RowState::Accepted | RowState::Delivered | RowState::Held)
    }

    /// Still to be sent or settled: the broadcast is not done while it has such rows.
    pub fn is_open(self) -> bool {
        matches!(self, RowState::Queued | RowState::Inflight | RowState::Unknown | RowState::Restored)
    }

    /// The short word for lists and counts; what a row's state means in full is [`super::words`].
    pub fn label(self) -> crate::i18n::Tr {
        use crate::i18n::Tr;
        match self {
            RowState::Queued => Tr::new("wartet", "queued"),
            RowState::Inflight => Tr::new("wird gesendet", "in flight"),
            RowState::Accepted => Tr::new("angenommen", "accepted"),
            RowState::Delivered => Tr::new("zugestellt", "delivered"),
            RowState::Read => Tr::new("gelesen", "read"),
            RowState::Held => Tr::new("zurückgehalten", "held"),
            RowState::Failed => Tr::new("fehlgeschlagen", "failed"),
            RowState::Unknown => Tr::new("unbestätigt", "unconfirmed"),
            RowState::Restored => Tr::new("unklar", "unclear"),
            RowState::Cancelled => Tr::new("abgebrochen", "cancelled"),
            RowState::Skipped => Tr::new("ausgeschlossen", "skipped"),
        }
    }
}

impl fmt::Display for RowState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RowState {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        RowState::ALL.iter().copied().find(|r| r.as_str() == s).ok_or(())
    }
}

/// Where a broadcast is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BroadcastState {
    /// Written, not queued: its rows are made when it is queued.
    Draft,
    /// Queued for a later time.
    Scheduled,
    Sending,
    Paused,
    /// Nothing left to send or settle.
    Done,
    Cancelled,
}

impl BroadcastState {
    pub const ALL: [BroadcastState; 6] = [
        BroadcastState::Draft,
        BroadcastState::Scheduled,
        BroadcastState::Sending,
        BroadcastState::Paused,
        BroadcastState::Done,
        BroadcastState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BroadcastState::Draft => "draft",
            BroadcastState::Scheduled => "scheduled",
            BroadcastState::Sending => "sending",
            BroadcastState::Paused => "paused",
            BroadcastState::Done => "done",
            BroadcastState::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> crate::i18n::Tr {
        use crate::i18n::Tr;
        match self {
            BroadcastState::Draft => Tr::new("Entwurf", "draft"),
            BroadcastState::Scheduled => Tr::new("geplant", "scheduled"),
            BroadcastState::Sending => Tr::new("wird gesendet", "sending"),
            BroadcastState::Paused => Tr::new("angehalten", "paused"),
            BroadcastState::Done => Tr::new("fertig", "done"),
            BroadcastState::Cancelled => Tr::new("abgebrochen", "cancelled"),
        }
    }
}

impl fmt::Display for BroadcastState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BroadcastState {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        BroadcastState::ALL.iter().copied().find(|b| b.as_str() == s).ok_or(())
    }
}

/// Things that happen to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowEvent {
    /// The worker claims it (consent re-checked, about to write the request).
    Claim,
    /// The claim's consent re-check refused it, or the person withdrew, or the farmer cancelled.
    Cancel,
    /// Meta accepted the request (send response, `sent` status, or the send journal after a restore).
    Accepted,
    Delivered,
    Read,
    /// Meta answered the send with `held_for_quality_assessment` (business portfolio pacing).
    Held,
    /// A permanent error (synchronous or a `failed` status).
    Fail,
    /// A temporary error, or a stop that is not this row's fault: try again later.
    Retry,
    /// The request may or may not have reached Meta (timeout after writing, or a crash while in flight).
    OutcomeUnknown,
    /// The farmer (or, for `unknown` rows only, the reconciler when webhooks work and none came) sends it again.
    Resend,
    /// The farmer says it was sent.
    MarkSent,
    /// A backup was restored and nothing proves whether the row went out since.
    Restore,
    /// The farmer tries the failed rows of a broadcast again.
    RetryFailed,
}

impl RowEvent {
    pub const ALL: [RowEvent; 13] = [
        RowEvent::Claim,
        RowEvent::Cancel,
        RowEvent::Accepted,
        RowEvent::Delivered,
        RowEvent::Read,
        RowEvent::Held,
        RowEvent::Fail,
        RowEvent::Retry,
        RowEvent::OutcomeUnknown,
        RowEvent::Resend,
        RowEvent::MarkSent,
        RowEvent::Restore,
        RowEvent::RetryFailed,
    ];

    /// Where the event leads — from every state it applies in.
    pub fn target(self) -> RowState {
        use RowEvent as E;
        use RowState as S;
        match self {
            E::Claim => S::Inflight,
            E::Cancel => S::Cancelled,
            E::Accepted | E::MarkSent => S::Accepted,
            E::Delivered => S::Delivered,
            E::Read => S::Read,
            E::Held => S::Held,
            E::Fail => S::Failed,
            E::Retry | E::Resend | E::RetryFailed => S::Queued,
            E::OutcomeUnknown => S::Unknown,
            E::Restore => S::Restored,
        }
    }

    /// Whether the event moves a row in `state`.
    pub fn applies_in(self, state: RowState) -> bool {
        use RowEvent as E;
        use RowState as S;
        match self {
            E::RetryFailed => state == S::Failed,
            _ if state.is_terminal() => false,
            E::Claim => state == S::Queued,
            E::Cancel => matches!(state, S::Queued | S::Unknown | S::Restored),
            E::Accepted => matches!(state, S::Queued | S::Inflight | S::Unknown | S::Restored | S::Held),
            E::Delivered => {
                matches!(state, S::Queued | S::Inflight | S::Unknown | S::Restored | S::Accepted | S::Held)
            }
            E::Read => matches!(
                state,
                S::Queued | S::Inflight | S::Unknown | S::Restored | S::Accepted | S::Delivered | S::Held
            ),
            // Only the answer to the request this worker wrote (or a late one for a row left unclear).
            E::Held => matches!(state, S::Inflight | S::Unknown),
            E::Fail => matches!(state, S::Inflight | S::Unknown | S::Restored | S::Accepted | S::Held),
            E::Retry | E::OutcomeUnknown => state == S::Inflight,
            E::Resend | E::MarkSent => matches!(state, S::Unknown | S::Restored),
            E::Restore => matches!(state, S::Queued | S::Inflight | S::Unknown),
        }
    }

    /// The states the event applies in (what the store puts into `WHERE state IN (…)`).
    pub fn sources(self) -> Vec<RowState> {
        RowState::ALL.into_iter().filter(|s| self.applies_in(*s)).collect()
    }
}

/// The state after `event`, or `None` when the event does not apply in `state` (nothing changes).
pub fn transition(state: RowState, event: RowEvent) -> Option<RowState> {
    event.applies_in(state).then(|| event.target())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path_and_crash_recovery() {
        let mut s = RowState::Queued;
        for e in [RowEvent::Claim, RowEvent::Accepted, RowEvent::Delivered, RowEvent::Read] {
            s = transition(s, e).unwrap();
        }
        assert_eq!(s, RowState::Read);
        let unknown = transition(RowState::Inflight, RowEvent::OutcomeUnknown).unwrap();
        assert_eq!(transition(unknown, RowEvent::Accepted), Some(RowState::Accepted), "a late status settles it");
        assert_eq!(transition(unknown, RowEvent::Resend), Some(RowState::Queued));
        assert_eq!(transition(RowState::Accepted, RowEvent::Claim), None, "never claimed again once sent");
        assert_eq!(transition(RowState::Delivered, RowEvent::Fail), None, "a failure after delivery changes nothing");
    }

    #[test]
    fn a_restored_row_waits_for_the_farmer() {
        for from in [RowState::Queued, RowState::Inflight, RowState::Unknown] {
            assert_eq!(transition(from, RowEvent::Restore), Some(RowState::Restored));
        }
        assert_eq!(transition(RowState::Accepted, RowEvent::Restore), None, "what was sent stays sent");
        assert_eq!(transition(RowState::Restored, RowEvent::Claim), None, "never claimed as it is");
        assert_eq!(transition(RowState::Restored, RowEvent::Resend), Some(RowState::Queued));
        assert_eq!(transition(RowState::Restored, RowEvent::MarkSent), Some(RowState::Accepted));
        assert_eq!(transition(RowState::Restored, RowEvent::Delivered), Some(RowState::Delivered), "a late status");
    }

    #[test]
    fn a_held_row_waits_for_meta_and_is_never_sent_again() {
        let held = transition(RowState::Inflight, RowEvent::Held).unwrap();
        assert_eq!(held, RowState::Held);
        assert!(!held.is_open() && held.is_settled() && !held.is_terminal(), "Meta has it; the broadcast can finish");
        for e in [RowEvent::Claim, RowEvent::Resend, RowEvent::Retry, RowEvent::Restore, RowEvent::Cancel] {
            assert_eq!(transition(held, e), None, "{e:?} must not touch a held row");
        }
        assert_eq!(transition(held, RowEvent::Accepted), Some(RowState::Accepted), "Meta released it");
        assert_eq!(transition(held, RowEvent::Delivered), Some(RowState::Delivered));
        assert_eq!(transition(held, RowEvent::Read), Some(RowState::Read));
        assert_eq!(transition(held, RowEvent::Fail), Some(RowState::Failed), "Meta dropped it (e.g. 135000)");
        assert_eq!(transition(RowState::Accepted, RowEvent::Held), None, "a `sent` status overtook the answer");
        assert_eq!(transition(RowState::Queued, RowEvent::Held), None, "only an answer to a written request");
        assert_eq!("held".parse::<RowState>(), Ok(RowState::Held));
    }

    #[test]
    fn every_event_has_one_target_and_its_sources_match_the_transition() {
        for e in RowEvent::ALL {
            for s in RowState::ALL {
                assert_eq!(transition(s, e).is_some(), e.sources().contains(&s), "{e:?} in {s}");
                if let Some(t) = transition(s, e) {
                    assert_eq!(t, e.target());
                }
            }
            assert!(!e.sources().is_empty(), "{e:?} applies nowhere");
        }
    }

    proptest! {
        #[test]
        fn terminal_states_are_never_left_and_a_row_is_claimed_only_from_queued(
            events in proptest::collection::vec(0usize..RowEvent::ALL.len(), 0..40)
        ) {
            let mut state = RowState::Queued;
            let mut claims_without_requeue = 0;
            for i in events {
                let event = RowEvent::ALL[i];
                if let Some(next) = transition(state, event) {
                    prop_assert!(!state.is_terminal() || event == RowEvent::RetryFailed, "left terminal {state} via {event:?}");
                    prop_assert!(
                        state != RowState::Held || !matches!(next, RowState::Queued | RowState::Inflight | RowState::Restored),
                        "a held row went back to sending via {event:?}"
                    );
                    if event == RowEvent::Claim {
                        prop_assert_eq!(state, RowState::Queued);
                        claims_without_requeue += 1;
                        prop_assert!(claims_without_requeue <= 1, "claimed twice without going back to queued");
                    }
                    if next == RowState::Queued {
                        claims_without_requeue = 0;
                    }
                    state = next;
                }
            }
        }
    }
}
