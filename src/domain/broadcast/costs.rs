//! What messages cost: the estimate (rows sent × the price of their kind) beside what Meta billed (messages Meta
//! reported as charged, per category, × the configured price of that category), per month and per broadcast.
//! Since 1 October 2026 every kind of message is charged: replies in the 24 h window (the double opt-in question,
//! the STOP confirmation, the farmer's answers) at the service price. Pure: no IO; the store fills [`CostLine`]s.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::Prices;
use crate::i18n::{Lang, Tr};

/// One line of the cost view: one broadcast in one month, or the replies (no broadcast) of one month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CostLine {
    /// `2026-11` (Europe/Berlin).
    pub month: String,
    pub broadcast_id: Option<i64>,
    pub template: Option<String>,
    /// The outbox kind (`marketing`, `service`, `reply_in_window`); `None` for billed messages hofbote cannot link
    /// to one of its own (sent before hofbote kept them, or erased rows' messages are still linked).
    pub kind: Option<String>,
    /// Rows sent in this month (accepted, delivered or read).
    pub sent: i64,
    /// Messages Meta reported as charged, per Meta category (`marketing`, `utility`, `service`, …).
    pub billed: BTreeMap<String, i64>,
    /// Messages Meta reported as not charged (`billable: false`, `free_entry_point`, …).
    pub not_charged: i64,
}

impl CostLine {
    /// The estimate: rows sent × the price of their kind (`None` for an unknown kind).
    pub fn estimate(&self, prices: &Prices) -> Option<f64> {
        match self.kind.as_deref() {
            Some(kind) => prices.for_kind(kind).map(|p| p * self.sent as f64),
            None if self.sent == 0 => Some(0.0),
            None => None,
        }
    }

    /// What Meta billed at the configured prices, and the messages of categories without a configured price.
    pub fn billed_amount(&self, prices: &Prices) -> (f64, i64) {
        let mut amount = 0.0;
        let mut unpriced = 0;
        for (category, n) in &self.billed {
            match prices.for_category(category) {
                Some(p) => amount += p * *n as f64,
                None => unpriced += n,
            }
        }
        (amount, unpriced)
    }

    pub fn billed_count(&self) -> i64 {
        self.billed.values().sum()
    }
}

/// The name of a kind of message, as the farmer says it.
pub fn kind_label(kind: Option<&str>, lang: Lang) -> &'static str {
    match kind {
        Some("marketing") => Tr::new("Werbung", "Marketing"),
        Some("service") => Tr::new("Service", "Utility"),
        Some("reply_in_window") => Tr::new("Antworten", "Replies"),
        _ => Tr::new("nicht zuzuordnen", "not linked"),
    }
    .get(lang)
}

/// The name of Meta's billing category.
pub fn category_label(category: &str, lang: Lang) -> String {
    let tr = match category {
        "marketing" => Tr::new("Werbung", "marketing"),
        "utility" => Tr::new("Service", "utility"),
        "service" => Tr::new("Antwort", "service"),
        "authentication" => Tr::new("Anmeldecode", "authentication"),
        other => return other.to_owned(),
    };
    tr.get(lang).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: Option<&str>, sent: i64, billed: &[(&str, i64)]) -> CostLine {
        CostLine {
            month: "2026-11".into(),
            kind: kind.map(str::to_owned),
            sent,
            billed: billed.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect(),
            ..CostLine::default()
        }
    }

    #[test]
    fn every_kind_is_priced_replies_at_the_service_price() {
        let prices = Prices { service: Some(0.05), ..Prices::default() };
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        assert!(close(line(Some("marketing"), 10, &[]).estimate(&prices), 10.0 * prices.marketing));
        assert!(close(line(Some("service"), 10, &[]).estimate(&prices), 10.0 * prices.utility));
        assert!(close(line(Some("reply_in_window"), 3, &[]).estimate(&prices), 0.15));
        assert!(line(Some("reply_in_window"), 3, &[]).estimate(&prices).unwrap() > 0.0, "replies are not free");
        assert_eq!(line(None, 2, &[]).estimate(&prices), None);
    }

    #[test]
    fn billed_is_the_count_per_category_times_its_price() {
        let prices = Prices::default();
        let l = line(Some("marketing"), 5, &[("marketing", 4), ("service", 2), ("referral_conversion", 1)]);
        let (amount, unpriced) = l.billed_amount(&prices);
        assert!((amount - (4.0 * prices.marketing + 2.0 * prices.service_price())).abs() < 1e-9);
        assert_eq!((unpriced, l.billed_count()), (1, 7));
    }
}
