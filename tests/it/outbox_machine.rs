//! Issue 12, §3: random sequences of everything that happens to outbox rows — claims, send results, status webhooks
//! (by wamid and by token), withdrawals and new grants, crashes, the reconciler, the farmer's decisions, alerts, a
//! restore — driven through the real store on a real SQLite file. After every step the invariants of the one row
//! transition hold: no terminal state is left (but a failed row by the farmer's retry), nothing is claimed for a
//! person after their withdrawal, a row that went out is never claimed again unless the farmer said so, and a row
//! left unclear by a restore is never claimed before the farmer decided.

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use hofbote::clock::Clock;
use hofbote::domain::broadcast::Audience;
use hofbote::domain::consent::{EventKind, Purpose};
use hofbote::domain::sending::{Decision, RowState};
use hofbote::store::outbox::{Answer, ClaimRules, Claimed};
use hofbote::store::outbox_events::{StatusReport, apply_status_tx, row_for_status_tx};
use hofbote::store::send_journal::JournalView;
use proptest::prelude::*;

use crate::queue::Q;

#[derive(Debug, Clone)]
enum Op {
    Claim,
    /// A send result for one of the claimed rows: 0 accepted, 1 retry, 2 unknown, 3 failed, 4 stop all, 5 held by
    /// Meta (portfolio pacing), 6 Meta's review (135000).
    Result(usize, u8),
    /// A status for a row: 0 sent, 1 delivered, 2 read, 3 failed; found by wamid or by token.
    Status(usize, u8, bool),
    Withdraw(usize),
    Grant(usize),
    Crash,
    Reconcile,
    Decide(usize, bool),
    RetryFailed,
    PauseResume,
    Restore,
    ResolveAlerts,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Claim),
        4 => (0usize..8, 0u8..7).prop_map(|(i, k)| Op::Result(i, k)),
        3 => (0usize..8, 0u8..4, any::<bool>()).prop_map(|(i, k, t)| Op::Status(i, k, t)),
        1 => (0usize..4).prop_map(Op::Withdraw),
        1 => (0usize..4).prop_map(Op::Grant),
        1 => Just(Op::Crash),
        1 => Just(Op::Reconcile),
        1 => (0usize..8, any::<bool>()).prop_map(|(i, s)| Op::Decide(i, s)),
        1 => Just(Op::RetryFailed),
        1 => Just(Op::PauseResume),
        1 => Just(Op::Restore),
        1 => Just(Op::ResolveAlerts),
    ]
}

fn rows(q: &Q, b: i64) -> HashMap<i64, RowState> {
    q.store.broadcast_rows(b).unwrap().into_iter().map(|r| (r.id, r.state)).collect()
}

fn was_held(before: &HashMap<i64, RowState>, id: i64) -> bool {
    before.get(&id) == Some(&RowState::Held)
}

fn token_of(q: &Q, id: i64) -> String {
    q.store.conn().query_row("SELECT token FROM outbox WHERE id = ?1", [id], |r| r.get(0)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn every_change_of_an_outbox_row_keeps_the_state_machine(ops in proptest::collection::vec(op(), 1..45)) {
        let mut q = Q::new();
        let customers: Vec<i64> = (0..4)
            .map(|i| q.customer(&format!("Kunde {i}"), &format!("0171 70000{i:02}"), &[], true, true))
            .collect();
        let b = q.broadcast("wochenangebot", Audience::All, None);
        let rules = ClaimRules { quiet_hours: None, tier: 0, subject_hash: None, erasure_key: None };
        let row_ids: Vec<i64> = rows(&q, b).keys().copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        let customer_of: HashMap<i64, i64> = q
            .store
            .broadcast_rows(b)
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.customer_id.unwrap()))
            .collect();
        let mut withdrawn: HashSet<i64> = HashSet::new();
        let mut sent: HashSet<i64> = HashSet::new();
        // Unclear after a restore: only the farmer's decision lets such a row go out again.
        let mut unclear: HashSet<i64> = HashSet::new();
        let mut claimed: Vec<Claimed> = Vec::new();
        let mut before = rows(&q, b);
        let mut wamids = 0;
        for op in ops {
            // Past the 6 s per recipient and any retry delay.
            q.clock.advance(Duration::seconds(30));
            let mut farmer_retried_failed = false;
            let mut farmer_decided: HashSet<i64> = HashSet::new();
            match &op {
                Op::Claim => {
                    for c in q.store.claim_due(8, &rules).unwrap() {
                        let cid = customer_of[&c.id];
                        prop_assert!(!withdrawn.contains(&cid), "claimed row {} after its withdrawal", c.id);
                        prop_assert!(!sent.contains(&c.id), "row {} claimed again after it went out", c.id);
                        prop_assert!(!unclear.contains(&c.id), "row {} unclear after a restore was claimed", c.id);
                        claimed.push(c);
                    }
                }
                Op::Result(i, kind) if !claimed.is_empty() => {
                    let c = claimed.remove(i % claimed.len());
                    let now = q.clock.now();
                    let outcome = match kind {
                        0 | 5 => {
                            wamids += 1;
                            let wamid = format!("wamid.P{wamids}");
                            Ok(if *kind == 5 { Answer::held(&wamid) } else { Answer::accepted(&wamid) })
                        }
                        1 => Err(Decision::Retry { at: now, reason: "retry" }),
                        2 => Err(Decision::Unknown { reason: "no_answer" }),
                        3 => Err(Decision::Fail { code: Some(131026), reason: "x".into() }),
                        6 => Err(Decision::HaltForReview { code: Some(135000), detail: "review".into() }),
                        _ => Err(Decision::StopAll { alert: "auth", code: Some(190), detail: "t".into() }),
                    };
                    q.store.record_results(&[(c, outcome)]).unwrap();
                }
                Op::Result(..) => {}
                Op::Status(i, kind, by_token) => {
                    let id = row_ids[i % row_ids.len()];
                    let wamid: Option<String> =
                        q.store.conn().query_row("SELECT wamid FROM outbox WHERE id = ?1", [id], |r| r.get(0)).unwrap();
                    let token = token_of(&q, id);
                    let (wamid, callback) = match (wamid, by_token) {
                        (Some(w), false) => (w, None),
                        (w, _) => (w.unwrap_or_else(|| format!("wamid.S{id}")), Some(token)),
                    };
                    let event = match kind {
                        0 => hofbote::domain::sending::RowEvent::Accepted,
                        1 => hofbote::domain::sending::RowEvent::Delivered,
                        2 => hofbote::domain::sending::RowEvent::Read,
                        _ => hofbote::domain::sending::RowEvent::Fail,
                    };
                    let now = q.clock.now();
                    let tx = q.store.conn_mut().transaction().unwrap();
                    if let Some(row) = row_for_status_tx(&tx, &wamid, callback.as_deref()).unwrap() {
                        let report = StatusReport {
                            wamid: &wamid,
                            pricing_category: None,
                            event: Some(event),
                            at: now,
                            error_code: (kind == &3).then_some(131026),
                            reason: "failed",
                        };
                        apply_status_tx(&tx, &row, &report, now).unwrap();
                    }
                    tx.commit().unwrap();
                }
                Op::Withdraw(i) => {
                    let cid = customers[i % customers.len()];
                    q.consent(cid, Purpose::Marketing, EventKind::Withdrawn);
                    withdrawn.insert(cid);
                }
                Op::Grant(i) => {
                    let cid = customers[i % customers.len()];
                    q.consent(cid, Purpose::Marketing, EventKind::Granted);
                    withdrawn.remove(&cid);
                }
                Op::Crash => {
                    claimed.clear();
                    q.store.recover_inflight().unwrap();
                }
                Op::Reconcile => {
                    // Webhooks demonstrably work: one arrived just now (what the reconciler waits for).
                    let now = hofbote::store::ts(q.clock.now());
                    q.store
                        .conn()
                        .execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_webhook_at', ?1)", [now])
                        .unwrap();
                    q.clock.advance(Duration::seconds(1));
                    q.store.reconcile_unknown(Duration::seconds(1)).unwrap();
                }
                Op::Decide(i, send_again) => {
                    let id = row_ids[i % row_ids.len()];
                    if q.store.decide_unknown(id, *send_again).is_ok() {
                        farmer_decided.insert(id);
                    }
                }
                Op::RetryFailed => {
                    farmer_retried_failed = q.store.retry_failed(b).unwrap() > 0;
                }
                Op::PauseResume => {
                    if q.store.pause_broadcast(b).is_err() {
                        let _ = q.store.resume_broadcast(b);
                    }
                }
                Op::Restore => {
                    claimed.clear();
                    q.store.settle_restored(&JournalView::default()).unwrap();
                    let _ = q.store.resume_broadcast(b);
                }
                Op::ResolveAlerts => {
                    q.store.resolve_alerts().unwrap();
                }
            }
            let after = rows(&q, b);
            for (id, now_state) in &after {
                let was = before[id];
                if was != *now_state && was.is_terminal() {
                    let allowed = was == RowState::Failed && *now_state == RowState::Queued && farmer_retried_failed;
                    prop_assert!(allowed, "row {id} left terminal {was} for {now_state} by {op:?}");
                }
                if *now_state == RowState::Restored {
                    unclear.insert(*id);
                }
                if farmer_decided.contains(id) || now_state.is_settled() {
                    unclear.remove(id);
                }
                if matches!(now_state, RowState::Accepted | RowState::Delivered | RowState::Read | RowState::Held) {
                    sent.insert(*id);
                }
                // Meta holds it: nothing but Meta's statuses moves it (never back to sending).
                if was_held(&before, *id) {
                    prop_assert!(
                        matches!(now_state, RowState::Held | RowState::Accepted | RowState::Delivered | RowState::Read | RowState::Failed),
                        "held row {id} became {now_state} by {op:?}"
                    );
                }
                // Only the farmer sends a row again that went out (a failed one retried, an unclear one resent).
                if *now_state == RowState::Queued && (farmer_retried_failed || farmer_decided.contains(id)) {
                    sent.remove(id);
                }
            }
            before = after;
        }
    }
}
