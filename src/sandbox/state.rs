//! The sandbox's memory: the ledger of accepted messages, open 24 h windows, the per-number rate window, the
//! per-recipient pair limiter (GCRA with a burst), the seeded RNG and realistic wamids.
//! Plain data behind one mutex; no HTTP and no waiting here (callers must not hold the lock across `.await`).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use base64::Engine;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;

use super::faults::Faults;
use crate::domain::template::Template;

/// One accepted message, as `GET /_sandbox/ledger` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// E.164 with `+`; for a send by business-scoped user id to a user who shares no number, the user id.
    pub to: String,
    /// `to` (or `recipient`) exactly as the client sent it.
    pub input: String,
    /// The business-scoped user id when the send was addressed by `recipient`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
    pub wamid: String,
    /// `template` or `text`.
    #[serde(rename = "type")]
    pub kind: String,
    pub template: Option<String>,
    pub language: Option<String>,
    /// Body parameters: an array (positional) or an object (named); `null` for text.
    pub params: Value,
    /// The text of a text message.
    #[serde(default)]
    pub text: Option<String>,
    pub biz_opaque_callback_data: Option<String>,
    /// RFC 3339, from the sandbox's clock.
    pub accepted_at: String,
    pub phone_number_id: String,
}

/// Meta's pair rate limit: one message per `interval` to the same recipient, with a burst allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairLimit {
    pub interval: Duration,
    /// Messages that may go out at once before the interval applies (1 = no burst).
    pub burst: u32,
}

impl Default for PairLimit {
    fn default() -> Self {
        PairLimit { interval: Duration::from_secs(6), burst: 45 }
    }
}

/// Mutable sandbox state.
#[derive(Debug)]
pub struct Inner {
    pub seed: u64,
    pub rng: StdRng,
    pub counter: u64,
    pub templates: Vec<Template>,
    pub ledger: Vec<LedgerEntry>,
    /// wa_id (digits) → last inbound message.
    pub windows: HashMap<String, Instant>,
    /// wa_id → last wamid sent to it (for the `context` of a button reply).
    pub last_sent: HashMap<String, String>,
    /// phone-number id → times of accepted messages in the current rate window.
    pub rate: HashMap<String, VecDeque<Instant>>,
    /// wa_id → theoretical arrival time (GCRA).
    pub pair: HashMap<String, Instant>,
    pub faults: Faults,
    /// The phone-number id last used in a send (for inbound webhooks' metadata).
    pub last_phone_number_id: Option<String>,
    /// Business-scoped user ids the sandbox knows → the number (digits) behind it, `None` for a user known by user
    /// id only. A send addressed by `recipient` must name one of these, as Meta only knows its own users.
    pub users: HashMap<String, Option<String>>,
    /// The messaging limit and throughput level an `account_update` set (`POST /_sandbox/event`); `None`: the
    /// configured ones.
    pub messaging_limit: Option<String>,
    pub throughput_level: Option<String>,
}

impl Inner {
    pub fn new(seed: u64, templates: Vec<Template>, faults: Faults) -> Inner {
        Inner {
            seed,
            rng: StdRng::seed_from_u64(seed),
            counter: 0,
            templates,
            ledger: Vec::new(),
            windows: HashMap::new(),
            last_sent: HashMap::new(),
            rate: HashMap::new(),
            pair: HashMap::new(),
            faults,
            last_phone_number_id: None,
            users: HashMap::new(),
            messaging_limit: None,
            throughput_level: None,
        }
    }

    /// Forgets everything but the wamid counter (wamids stay unique for the life of the process).
    pub fn reset(&mut self, templates: Vec<Template>, faults: Faults) {
        let counter = self.counter;
        *self = Inner::new(self.seed, templates, faults);
        self.counter = counter;
    }

    /// A draw in [0, 1) from the seeded RNG.
    pub fn chance(&mut self, share: f64) -> bool {
        share > 0.0 && self.rng.random::<f64>() < share
    }

    /// A Meta-looking message id: `wamid.` + base64 of the number, a counter and random bytes, shaped like Meta's.
    pub fn wamid(&mut self, wa_id: &str) -> String {
        self.counter += 1;
        let random: u64 = self.rng.random::<u64>() & 0xFF_FFFF_FFFF;
        let hex = format!("{:08X}{:010X}", self.counter & 0xFFFF_FFFF, random);
        let digits: String = wa_id.chars().filter(char::is_ascii_digit).take(32).collect();
        let mut bytes = vec![0x1c, 0x18, digits.len() as u8];
        bytes.extend_from_slice(digits.as_bytes());
        bytes.extend_from_slice(&[0x15, 0x02, 0x00, 0x11, 0x18, hex.len() as u8]);
        bytes.extend_from_slice(hex.as_bytes());
        bytes.push(0x00);
        format!("wamid.{}", base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// A Graph-looking trace id.
    pub fn fbtrace_id(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        (0..23).map(|_| ALPHABET[self.rng.random_range(0..ALPHABET.len())] as char).collect()
    }

    /// Whether one more message from `pnid` stays within `limit` messages per sliding `window`; when it does not,
    /// `Err` says how long until the oldest message leaves the window.
    pub fn rate_check(&mut self, pnid: &str, limit: u32, window: Duration, now: Instant) -> Result<(), Duration> {
        let times = self.rate.entry(pnid.to_owned()).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
            times.pop_front();
        }
        if times.len() < limit as usize {
            return Ok(());
        }
        let oldest = times.front().copied().unwrap_or(now);
        Err(window.saturating_sub(now.duration_since(oldest)))
    }

    pub fn rate_record(&mut self, pnid: &str, now: Instant) {
        self.rate.entry(pnid.to_owned()).or_default().push_back(now);
    }

    /// GCRA: allowed while the recipient's theoretical arrival time is at most `(burst - 1) × interval` ahead.
    /// Returns false (and changes nothing) when the pair limit is hit.
    pub fn pair_take(&mut self, wa_id: &str, limit: PairLimit, now: Instant) -> bool {
        let tat = self.pair.get(wa_id).copied().unwrap_or(now).max(now);
        let tolerance = limit.interval * limit.burst.saturating_sub(1);
        if tat.duration_since(now) > tolerance {
            return false;
        }
        self.pair.insert(wa_id.to_owned(), tat + limit.interval);
        true
    }

    /// Remembers a simulated user by their key (number digits, or the BSUID of a user known by user id only).
    pub fn know_user(&mut self, key: &str) {
        if super::webhooks::is_user_only(key) {
            self.users.entry(key.to_owned()).or_insert(None);
        } else {
            self.users.insert(super::webhooks::bsuid(key), Some(key.to_owned()));
        }
    }

    /// The key of the user a send by `recipient` (a BSUID) reaches: the number behind it when the sandbox knows one,
    /// else the BSUID itself; `None` for a user id the sandbox never saw.
    pub fn user_key(&self, user_id: &str) -> Option<String> {
        self.users.get(user_id).map(|number| number.clone().unwrap_or_else(|| user_id.to_owned()))
    }

    /// Whether `wa_id` wrote within `window` before `now`.
    pub fn window_open(&self, wa_id: &str, window: Duration, now: Instant) -> bool {
        self.windows.get(wa_id).is_some_and(|t| now.duration_since(*t) < window)
    }
}

/// The key a simulated customer writes under: their number's digits, or — for the seeded share of customers with a
/// WhatsApp username (`share`) — only their business-scoped user id. Stable per number and seed.
pub fn sender_key(seed: u64, share: f64, wa_id: &str) -> String {
    if share > 0.0 && derived_rng(seed, &format!("username:{wa_id}")).random::<f64>() < share {
        super::webhooks::bsuid(wa_id)
    } else {
        wa_id.to_owned()
    }
}

/// A stable 64-bit FNV-1a hash (std's hasher is not guaranteed stable across Rust versions).
pub fn fnv(data: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// An RNG for decisions about one thing (a recipient, a message), derived from the seed, so the decision does not
/// depend on the order in which concurrent requests arrive.
pub fn derived_rng(seed: u64, key: &str) -> StdRng {
    StdRng::seed_from_u64(seed ^ fnv(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wamids_look_like_metas_and_are_unique() {
        let mut a = Inner::new(7, vec![], Faults::default());
        let w1 = a.wamid("491711234567");
        let w2 = a.wamid("491711234567");
        assert_ne!(w1, w2);
        assert!(w1.starts_with("wamid.HBgM"), "{w1}"); // 0x1c 0x18 0x0c: 12 digits
        let raw = base64::engine::general_purpose::STANDARD.decode(&w1["wamid.".len()..]).unwrap();
        assert_eq!(&raw[3..15], b"491711234567");
        // Same seed, same sequence: a failing test can be replayed.
        let mut b = Inner::new(7, vec![], Faults::default());
        assert_eq!(b.wamid("491711234567"), w1);
        assert_eq!(fnv("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn pair_limit_allows_a_burst_then_one_per_interval() {
        let mut s = Inner::new(1, vec![], Faults::default());
        let limit = PairLimit { interval: Duration::from_secs(6), burst: 3 };
        let t0 = Instant::now();
        assert!(s.pair_take("x", limit, t0));
        assert!(s.pair_take("x", limit, t0));
        assert!(s.pair_take("x", limit, t0));
        assert!(!s.pair_take("x", limit, t0), "burst used up");
        assert!(s.pair_take("y", limit, t0), "other recipients are not affected");
        assert!(!s.pair_take("x", limit, t0 + Duration::from_secs(5)));
        assert!(s.pair_take("x", limit, t0 + Duration::from_secs(6)));
        let strict = PairLimit { interval: Duration::from_secs(6), burst: 1 };
        assert!(s.pair_take("z", strict, t0));
        assert!(!s.pair_take("z", strict, t0 + Duration::from_secs(1)));
    }

    #[test]
    fn rate_window_slides() {
        let mut s = Inner::new(1, vec![], Faults::default());
        let t0 = Instant::now();
        let second = Duration::from_secs(1);
        for _ in 0..3 {
            assert_eq!(s.rate_check("p", 3, second, t0), Ok(()));
            s.rate_record("p", t0);
        }
        assert_eq!(s.rate_check("p", 3, second, t0 + Duration::from_millis(999)), Err(Duration::from_millis(1)));
        assert_eq!(s.rate_check("q", 3, second, t0), Ok(()), "per phone-number id");
        assert_eq!(s.rate_check("p", 3, second, t0 + second), Ok(()));
    }

    #[test]
    fn a_seeded_share_of_senders_is_known_by_user_id_only() {
        let keys: Vec<String> = (0..200).map(|n| sender_key(9, 0.25, &format!("4917100{n:05}"))).collect();
        let user_only = keys.iter().filter(|k| crate::sandbox::webhooks::is_user_only(k)).count();
        assert!((30..=70).contains(&user_only), "{user_only} of 200");
        assert_eq!(keys, (0..200).map(|n| sender_key(9, 0.25, &format!("4917100{n:05}"))).collect::<Vec<_>>());
        assert_eq!(sender_key(9, 0.0, "491710000001"), "491710000001");
        let mut s = Inner::new(1, vec![], Faults::default());
        s.know_user("491711234567");
        s.know_user("DE.42");
        let b = crate::sandbox::webhooks::bsuid("491711234567");
        assert_eq!(s.user_key(&b).as_deref(), Some("491711234567"));
        assert_eq!(s.user_key("DE.42").as_deref(), Some("DE.42"));
        assert_eq!(s.user_key("DE.43"), None);
    }
}
