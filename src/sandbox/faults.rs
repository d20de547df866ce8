//! Fault injection for the sandbox: shares of 5xx answers, of timeouts AFTER acceptance, of 130429; business
//! portfolio pacing (hold the first N sends for a quality assessment, then fail the rest with 135000); marketing
//! disabled for the number (131063); webhook
//! duplicates, out-of-order delivery and skipped `delivered`; and gates that hold one recipient's requests until a
//! control call releases them (tests use a gate to keep a request in flight).
//! Only the settings and the gate bookkeeping live here; the server decides when to consult them.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// Current fault settings; every share is a probability in [0, 1].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Answer HTTP 500 with Meta's transient error (code 1, `is_transient`; the message is NOT accepted).
    pub server_error_share: f64,
    /// Accept the message (it is in the ledger and gets webhooks), then hold the answer beyond the client timeout.
    pub timeout_share: f64,
    /// Answer 130429 (HTTP 429, `Retry-After: 1`) regardless of the real rate.
    pub rate_limit_share: f64,
    /// Deliver a status webhook twice.
    pub webhook_duplicate_share: f64,
    /// Deliver `delivered` before `sent`.
    pub webhook_out_of_order_share: f64,
    /// Skip the `delivered` webhook (read implies it, as at Meta).
    pub skip_delivered_share: f64,
    /// Business portfolio pacing: the next this many sends are answered `held_for_quality_assessment` (their
    /// statuses follow later), every send after them fails with Meta's 135000 (portfolio under review). `None`: off.
    pub pacing_hold: Option<u32>,
    /// Sends that met the pacing so far (held and refused); set back to 0 when `pacing_hold` is set.
    pub pacing_seen: u32,
    /// Refuse every marketing template with 131063 (marketing messages disabled for this number on the Cloud API);
    /// utility templates and replies still go.
    pub marketing_disabled: bool,
}

/// What business portfolio pacing does to one send (see [`Faults::pacing_hold`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    Off,
    Hold,
    Refuse,
}

impl Faults {
    /// Counts one send against the pacing and says what happens to it.
    pub fn pace(&mut self) -> Pacing {
        let Some(hold) = self.pacing_hold else { return Pacing::Off };
        let seen = self.pacing_seen;
        self.pacing_seen = seen.saturating_add(1);
        if seen < hold { Pacing::Hold } else { Pacing::Refuse }
    }
}

/// `null` in a patch means "off", an absent field "unchanged".
fn set_or_clear<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    Option::<u32>::deserialize(d).map(Some)
}

/// A partial update of [`Faults`] (`POST /_sandbox/faults`); absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsPatch {
    pub server_error_share: Option<f64>,
    pub timeout_share: Option<f64>,
    pub rate_limit_share: Option<f64>,
    pub webhook_duplicate_share: Option<f64>,
    pub webhook_out_of_order_share: Option<f64>,
    pub skip_delivered_share: Option<f64>,
    /// Hold every send to this phone number (E.164, `+` optional) until released.
    pub gate: Option<String>,
    /// Portfolio pacing: hold the next N sends, then fail the rest with 135000; `null` turns it off.
    #[serde(default, deserialize_with = "set_or_clear")]
    pub pacing_hold: Option<Option<u32>>,
    /// Refuse marketing templates with 131063.
    pub marketing_disabled: Option<bool>,
}

impl FaultsPatch {
    /// Applies the patch; refuses shares outside [0, 1] (nothing changes then).
    pub fn apply(&self, f: &mut Faults) -> Result<(), String> {
        let fields = [
            ("server_error_share", self.server_error_share),
            ("timeout_share", self.timeout_share),
            ("rate_limit_share", self.rate_limit_share),
            ("webhook_duplicate_share", self.webhook_duplicate_share),
            ("webhook_out_of_order_share", self.webhook_out_of_order_share),
            ("skip_delivered_share", self.skip_delivered_share),
        ];
        for (name, v) in fields {
            if let Some(v) = v
                && !(0.0..=1.0).contains(&v)
            {
                return Err(format!("{name} must be between 0 and 1, got {v}"));
            }
        }
        let set = |slot: &mut f64, v: Option<f64>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut f.server_error_share, self.server_error_share);
        set(&mut f.timeout_share, self.timeout_share);
        set(&mut f.rate_limit_share, self.rate_limit_share);
        set(&mut f.webhook_duplicate_share, self.webhook_duplicate_share);
        set(&mut f.webhook_out_of_order_share, self.webhook_out_of_order_share);
        set(&mut f.skip_delivered_share, self.skip_delivered_share);
        if let Some(on) = self.marketing_disabled {
            f.marketing_disabled = on;
        }
        if let Some(hold) = self.pacing_hold {
            f.pacing_hold = hold;
            f.pacing_seen = 0;
        }
        Ok(())
    }
}

/// One closed gate: requests wait on `open` and are counted in `waiting`.
#[derive(Debug)]
struct Gate {
    open: watch::Sender<bool>,
    waiting: Arc<AtomicUsize>,
}

/// The gates, by wa_id (digits only).
#[derive(Debug, Default)]
pub struct Gates {
    gates: std::sync::Mutex<HashMap<String, Gate>>,
}

/// What `GET /_sandbox/gates` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateInfo {
    pub phone: String,
    pub waiting: usize,
}

/// A request's ticket at a closed gate.
#[derive(Debug)]
pub struct Ticket {
    open: watch::Receiver<bool>,
    waiting: Arc<AtomicUsize>,
}

impl Ticket {
    /// Waits until the gate opens (or its sender is gone, e.g. on reset).
    pub async fn wait(mut self) {
        let _ = self.open.wait_for(|open| *open).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Gates {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Gate>> {
        self.gates.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Closes the gate for `wa_id`.
    pub fn close(&self, wa_id: &str) {
        let (open, _) = watch::channel(false);
        self.lock().entry(wa_id.to_owned()).or_insert(Gate { open, waiting: Arc::new(AtomicUsize::new(0)) });
    }

    /// A ticket if `wa_id`'s gate is closed (the request is counted as waiting right away).
    pub fn ticket(&self, wa_id: &str) -> Option<Ticket> {
        let gates = self.lock();
        let gate = gates.get(wa_id)?;
        gate.waiting.fetch_add(1, Ordering::SeqCst);
        Some(Ticket { open: gate.open.subscribe(), waiting: gate.waiting.clone() })
    }

    /// Opens and removes one gate (`Some`) or all (`None`); returns how many were opened.
    pub fn release(&self, wa_id: Option<&str>) -> usize {
        let mut gates = self.lock();
        let keys: Vec<String> = match wa_id {
            Some(w) if gates.contains_key(w) => vec![w.to_owned()],
            Some(_) => Vec::new(),
            None => gates.keys().cloned().collect(),
        };
        for k in &keys {
            if let Some(g) = gates.remove(k) {
                let _ = g.open.send(true);
            }
        }
        keys.len()
    }

    pub fn list(&self) -> Vec<GateInfo> {
        let mut out: Vec<GateInfo> = self
            .lock()
            .iter()
            .map(|(k, g)| GateInfo { phone: format!("+{k}"), waiting: g.waiting.load(Ordering::SeqCst) })
            .collect();
        out.sort_by(|a, b| a.phone.cmp(&b.phone));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_changes_only_given_fields_and_checks_ranges() {
        let mut f = Faults { timeout_share: 0.5, ..Faults::default() };
        FaultsPatch { server_error_share: Some(0.25), ..FaultsPatch::default() }.apply(&mut f).unwrap();
        assert_eq!((f.server_error_share, f.timeout_share), (0.25, 0.5));
        let before = f.clone();
        assert!(FaultsPatch { rate_limit_share: Some(1.5), ..FaultsPatch::default() }.apply(&mut f).is_err());
        assert_eq!(f, before);
    }

    #[test]
    fn pacing_holds_the_first_n_then_refuses_and_can_be_turned_off() {
        let mut f = Faults::default();
        assert_eq!(f.pace(), Pacing::Off);
        let patch: FaultsPatch = serde_json::from_str(r#"{"pacing_hold": 2}"#).unwrap();
        patch.apply(&mut f).unwrap();
        let seen: Vec<Pacing> = (0..4).map(|_| f.pace()).collect();
        assert_eq!(seen, vec![Pacing::Hold, Pacing::Hold, Pacing::Refuse, Pacing::Refuse]);
        let unchanged: FaultsPatch = serde_json::from_str(r#"{"timeout_share": 0.0}"#).unwrap();
        unchanged.apply(&mut f).unwrap();
        assert_eq!(f.pace(), Pacing::Refuse, "a patch without the field keeps it");
        let off: FaultsPatch = serde_json::from_str(r#"{"pacing_hold": null}"#).unwrap();
        off.apply(&mut f).unwrap();
        assert_eq!(f.pace(), Pacing::Off);
        let none_held: FaultsPatch = serde_json::from_str(r#"{"pacing_hold": 0}"#).unwrap();
        none_held.apply(&mut f).unwrap();
        assert_eq!(f.pace(), Pacing::Refuse, "0: every send is refused");
    }

    #[tokio::test]
    async fn gate_holds_until_released() {
        let gates = Arc::new(Gates::default());
        assert!(gates.ticket("49171").is_none());
        gates.close("49171");
        let ticket = gates.ticket("49171").unwrap();
        assert_eq!(gates.list(), vec![GateInfo { phone: "+49171".into(), waiting: 1 }]);
        let waiter = tokio::spawn(ticket.wait());
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        assert_eq!(gates.release(Some("49171")), 1);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await.unwrap().unwrap();
        assert!(gates.list().is_empty());
    }
}
