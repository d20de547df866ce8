//! The outbox row state machine: `queued → inflight → accepted → delivered → read`, plus `failed`, `unknown`,
//! `cancelled`, `skipped`. One function says which event moves a row where; the store applies it. Terminal states
//! (`read`, `failed`, `cancelled`, `skipped`) are never left. Pure.

use std::fmt;
use std::str::FromStr;

/// Where an outbox row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowState {
    Queued,
    Inflight,
    Accepted,
    Delivered,
    Read,
    Failed,
    Unknown,
    Cancelled,
    Skipped,
}

impl RowState {
    pub const ALL: [RowState; 9] = [
        RowState::Queued,
        RowState::Inflight,
        RowState::Accepted,
        RowState::Delivered,
        RowState::Read,
        RowState::Failed,
        RowState::Unknown,
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
            RowState::Failed => "failed",
            RowState::Unknown => "unknown",
            RowState::Cancelled => "cancelled",
            RowState::Skipped => "skipped",
        }
    }

    /// No event moves a row out of these.
    pub fn is_terminal(self) -> bool {
        matches!(self, RowState::Read | RowState::Failed | RowState::Cancelled | RowState::Skipped)
    }

    /// Done as far as sending goes (the broadcast can finish): terminal, or accepted/delivered by Meta.
    pub fn is_settled(self) -> bool {
        self.is_terminal() || matches!(self, RowState::Accepted | RowState::Delivered)
    }

    pub fn label(self) -> crate::i18n::Tr {
        use crate::i18n::Tr;
        match self {
            RowState::Queued => Tr::new("wartet", "queued"),
            RowState::Inflight => Tr::new("wird gesendet", "in flight"),
            RowState::Accepted => Tr::new("angenommen", "accepted"),
            RowState::Delivered => Tr::new("zugestellt", "delivered"),
            RowState::Read => Tr::new("gelesen", "read"),
            RowState::Failed => Tr::new("fehlgeschlagen", "failed"),
            RowState::Unknown => Tr::new("unklar", "unknown"),
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

/// Things that happen to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowEvent {
    /// The worker claims it (consent re-checked, about to write the request).
    Claim,
    /// The claim's consent re-check refused it, or the person withdrew, or the farmer cancelled.
    Cancel,
    /// Meta accepted the request (send response or `sent` status).
    Accepted,
    Delivered,
    Read,
    /// A permanent error (synchronous or a `failed` status before delivery).
    Fail,
    /// A temporary error: try again later.
    Retry,
    /// The request may or may not have reached Meta (timeout after writing, or a crash while in flight).
    OutcomeUnknown,
    /// The farmer (or the reconciler, when webhooks work and none came) decides to send it again.
    Resend,
    /// The farmer says it was sent.
    MarkSent,
}

/// The state after `event`, or `None` when the event does not apply in `state` (nothing changes).
pub fn transition(state: RowState, event: RowEvent) -> Option<RowState> {
    use RowEvent as E;
    use RowState as S;
    if state.is_terminal() {
        return None;
    }
    let next = match (state, event) {
        (S::Queued, E::Claim) => S::Inflight,
        (S::Queued | S::Unknown, E::Cancel) => S::Cancelled,
        (S::Inflight | S::Unknown | S::Queued, E::Accepted) => S::Accepted,
        (S::Inflight | S::Unknown | S::Queued | S::Accepted, E::Delivered) => S::Delivered,
        (S::Inflight | S::Unknown | S::Queued | S::Accepted | S::Delivered, E::Read) => S::Read,
        (S::Inflight | S::Unknown | S::Accepted, E::Fail) => S::Failed,
        (S::Inflight, E::Retry) => S::Queued,
        (S::Inflight, E::OutcomeUnknown) => S::Unknown,
        (S::Unknown, E::Resend) => S::Queued,
        (S::Unknown, E::MarkSent) => S::Accepted,
        _ => return None,
    };
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EVENTS: [RowEvent; 11] = [
        RowEvent::Claim,
        RowEvent::Cancel,
        RowEvent::Accepted,
        RowEvent::Delivered,
        RowEvent::Read,
        RowEvent::Fail,
        RowEvent::Retry,
        RowEvent::OutcomeUnknown,
        RowEvent::Resend,
        RowEvent::MarkSent,
        RowEvent::Delivered,
    ];

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

    proptest! {
        #[test]
        fn terminal_states_are_never_left_and_a_row_is_claimed_only_from_queued(
            events in proptest::collection::vec(0usize..EVENTS.len(), 0..40)
        ) {
            let mut state = RowState::Queued;
            let mut claims_without_requeue = 0;
            for i in events {
                let event = EVENTS[i];
                if let Some(next) = transition(state, event) {
                    prop_assert!(!state.is_terminal(), "left terminal {state} via {event:?}");
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
