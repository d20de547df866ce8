//! What to do with a row after a failed send, from the error class of `whatsapp::codes` (never from the HTTP status).
//! Pure: the worker applies the decision through the store.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use crate::domain::sending::Decision;
use crate::domain::sending::policy::{backoff, pair_backoff};
use crate::whatsapp::{ApiError, ErrorClass};

/// Decides for a row that has now been tried `attempts` times (including this one).
pub fn decide(err: &ApiError, attempts: u32, max_attempts: u32, now: DateTime<Utc>, rng: &mut impl Rng) -> Decision {
    let give_up = |reason: &str| Decision::Fail { code: err.code, reason: format!("{reason}: {}", err.detail) };
    match err.class {
        ErrorClass::RetryLater if attempts >= max_attempts => give_up("too_many_attempts"),
        ErrorClass::RetryLater => {
            Decision::Retry { at: now + backoff(attempts, err.wait_hint(), rng), reason: "retry" }
        }
        ErrorClass::PairLimited if attempts >= max_attempts => give_up("too_many_attempts"),
        ErrorClass::PairLimited => {
            Decision::Retry { at: now + pair_backoff(attempts.saturating_sub(1)), reason: "pair_limit" }
        }
        ErrorClass::PerUserMarketingLimit if attempts < 2 => {
            Decision::Retry { at: now + Duration::hours(24) + Duration::minutes(5), reason: "retry" }
        }
        ErrorClass::OutcomeUnknown => Decision::Unknown { reason: "no_answer" },
        ErrorClass::MarketingStopped => Decision::FailAndWithdraw { code: err.code.unwrap_or(131050) },
        ErrorClass::AuthFailure => Decision::StopAll { alert: "auth", code: err.code, detail: err.detail.clone() },
        ErrorClass::AccountBlocked => {
            Decision::StopAll { alert: "account", code: err.code, detail: err.detail.clone() }
        }
        ErrorClass::PortfolioReview => Decision::HaltForReview { code: err.code, detail: err.detail.clone() },
        ErrorClass::MarketingDisabled => Decision::PauseMarketing { code: err.code, detail: err.detail.clone() },
        ErrorClass::TemplateBlocked => {
            Decision::PauseBroadcast { code: err.code, reason: format!("template_blocked: {}", err.detail) }
        }
        ErrorClass::PerUserMarketingLimit
        | ErrorClass::RecipientProblem
        | ErrorClass::RequestProblem
        | ErrorClass::WindowClosed
        | ErrorClass::Unknown => Decision::Fail { code: err.code, reason: err.detail.clone() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::SeedableRng;

    fn err(class: ErrorClass, code: Option<i64>) -> ApiError {
        ApiError {
            class,
            origin: crate::whatsapp::Origin::Meta,
            code,
            subcode: None,
            http_status: Some(400),
            detail: "d".into(),
            fbtrace_id: None,
            retry_after: None,
            regain_access_after: None,
        }
    }

    #[test]
    fn each_class_has_its_consequence() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        assert!(matches!(
            decide(&err(ErrorClass::RetryLater, Some(130429)), 1, 8, now, &mut rng),
            Decision::Retry { reason: "retry", .. }
        ));
        assert!(matches!(decide(&err(ErrorClass::RetryLater, Some(2)), 8, 8, now, &mut rng), Decision::Fail { .. }));
        assert_eq!(
            decide(&err(ErrorClass::PairLimited, Some(131056)), 3, 8, now, &mut rng),
            Decision::Retry { at: now + Duration::seconds(16), reason: "pair_limit" }
        );
        assert_eq!(
            decide(&err(ErrorClass::OutcomeUnknown, None), 1, 8, now, &mut rng),
            Decision::Unknown { reason: "no_answer" }
        );
        assert_eq!(
            decide(&err(ErrorClass::MarketingStopped, Some(131050)), 1, 8, now, &mut rng),
            Decision::FailAndWithdraw { code: 131050 }
        );
        assert!(matches!(
            decide(&err(ErrorClass::AuthFailure, Some(190)), 1, 8, now, &mut rng),
            Decision::StopAll { alert: "auth", .. }
        ));
        assert!(matches!(
            decide(&err(ErrorClass::AccountBlocked, Some(131042)), 1, 8, now, &mut rng),
            Decision::StopAll { alert: "account", .. }
        ));
        assert_eq!(
            decide(&err(ErrorClass::PortfolioReview, Some(135000)), 1, 8, now, &mut rng),
            Decision::HaltForReview { code: Some(135000), detail: "d".into() },
            "135000 halts the broadcast and all sending, not just the row"
        );
        assert_eq!(
            decide(&err(ErrorClass::MarketingDisabled, Some(131063)), 8, 8, now, &mut rng),
            Decision::PauseMarketing { code: Some(131063), detail: "d".into() },
            "not this row's fault, also on its last attempt"
        );
        assert!(matches!(
            decide(&err(ErrorClass::TemplateBlocked, Some(132015)), 1, 8, now, &mut rng),
            Decision::PauseBroadcast { .. }
        ));
        assert!(matches!(
            decide(&err(ErrorClass::RecipientProblem, Some(131026)), 1, 8, now, &mut rng),
            Decision::Fail { code: Some(131026), .. }
        ));
        assert!(
            matches!(decide(&err(ErrorClass::PerUserMarketingLimit, Some(131049)), 1, 8, now, &mut rng), Decision::Retry { at, .. } if at >= now + Duration::hours(24))
        );
    }
}
