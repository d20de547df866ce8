//! The error every Cloud API call returns: its [`ErrorClass`] (what the send queue does), Meta's code and details,
//! and the throttling hints (`Retry-After` seconds, `X-Business-Use-Case-Usage` regain-access minutes).
//! Built from an HTTP answer (classified by Meta's `code` via the table in `codes`, never by status alone) or from a
//! transport failure (connect error → retry; timeout/lost connection after the request was written → outcome
//! unknown). Must never contain the access token: transport texts are built without URLs.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;

use super::codes::{self, ErrorClass};
use super::wire::ErrorBody;
use crate::i18n::{Lang, Localized, Tr};

/// Where an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Meta answered with its error body; `code` is set.
    Meta,
    /// An HTTP error status without a Meta error body.
    HttpStatus,
    /// No connection (DNS, refused, connect timeout): the request was not written.
    Connect,
    /// Timeout or connection lost after the request was written.
    NoAnswer,
    /// A success status with a body hofbote cannot read.
    BadAnswer,
    /// hofbote could not build the request (bad URL, paging link to another host).
    Request,
}

/// A failed Cloud API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
pub struct ApiError {
    pub class: ErrorClass,
    pub origin: Origin,
    /// Meta's error code.
    pub code: Option<i64>,
    pub subcode: Option<i64>,
    pub http_status: Option<u16>,
    /// Meta's `error_data.details` (or `message`), or a description of the transport failure.
    pub detail: String,
    pub fbtrace_id: Option<String>,
    /// From `Retry-After`.
    pub retry_after: Option<Duration>,
    /// From `X-Business-Use-Case-Usage` (`estimated_time_to_regain_access`, given in minutes).
    pub regain_access_after: Option<Duration>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.class)?;
        if let Some(code) = self.code {
            write!(f, " (#{code})")?;
        }
        if let Some(status) = self.http_status {
            write!(f, " HTTP {status}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

impl ApiError {
    pub(crate) fn new(class: ErrorClass, origin: Origin, detail: impl Into<String>) -> ApiError {
        ApiError {
            class,
            origin,
            code: None,
            subcode: None,
            http_status: None,
            detail: detail.into(),
            fbtrace_id: None,
            retry_after: None,
            regain_access_after: None,
        }
    }

    /// The longest wait Meta asked for, if any.
    pub fn wait_hint(&self) -> Option<Duration> {
        match (self.retry_after, self.regain_access_after) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Builds the error for a non-success HTTP answer.
    pub fn from_response(status: u16, headers: &HeaderMap, body: &[u8]) -> ApiError {
        let mut e = match serde_json::from_slice::<ErrorBody>(body) {
            Ok(b) => {
                let detail = b
                    .error
                    .error_data
                    .as_ref()
                    .and_then(|d| d.details.clone())
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| b.error.message.clone());
                ApiError {
                    code: Some(b.error.code),
                    subcode: b.error.error_subcode,
                    fbtrace_id: b.error.fbtrace_id,
                    ..ApiError::new(codes::classify(b.error.code), Origin::Meta, detail)
                }
            }
            Err(_) => {
                // No Meta error to classify by: only server errors and 429 are worth retrying.
                let class = if status >= 500 || status == 429 { ErrorClass::RetryLater } else { ErrorClass::Unknown };
                let snippet: String = String::from_utf8_lossy(body).chars().take(200).collect();
                ApiError::new(class, Origin::HttpStatus, snippet)
            }
        };
        e.http_status = Some(status);
        e.retry_after = retry_after(headers);
        e.regain_access_after = regain_access(headers);
        e
    }

    /// Classifies a transport failure. The text never contains the URL.
    pub fn from_transport(err: &reqwest::Error) -> ApiError {
        let detail = describe(err);
        if err.is_builder() {
            ApiError::new(ErrorClass::RequestProblem, Origin::Request, detail)
        } else if err.is_connect() {
            // Connecting failed (also a connect timeout): nothing was written, so a retry cannot send twice.
            ApiError::new(ErrorClass::RetryLater, Origin::Connect, detail)
        } else {
            // Timeout, reset or broken body after the request went out: Meta may have accepted it.
            ApiError::new(ErrorClass::OutcomeUnknown, Origin::NoAnswer, detail)
        }
    }

    /// A 2xx answer hofbote could not read: the request may have taken effect.
    pub fn bad_answer(status: u16, what: &str) -> ApiError {
        ApiError { http_status: Some(status), ..ApiError::new(ErrorClass::OutcomeUnknown, Origin::BadAnswer, what) }
    }
}

/// The reqwest error and its sources, without the URL (paging links may carry an access token).
fn describe(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "connect"
    } else if err.is_body() {
        "body"
    } else if err.is_decode() {
        "decode"
    } else if err.is_request() {
        "request"
    } else {
        "transport"
    };
    let mut parts = vec![kind.to_owned()];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// `X-Business-Use-Case-Usage: {"<business id>": [{"type": "whatsapp", "estimated_time_to_regain_access": 5, …}]}`
/// — the largest `estimated_time_to_regain_access` (minutes) of all entries; 0 counts as none.
fn regain_access(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get("x-business-use-case-usage")?.to_str().ok()?;
    let json: serde_json::Value = serde_json::from_str(v).ok()?;
    let minutes = json
        .as_object()?
        .values()
        .filter_map(|entries| entries.as_array())
        .flatten()
        .filter_map(|e| e.get("estimated_time_to_regain_access")?.as_u64())
        .max()?;
    (minutes > 0).then(|| Duration::from_secs(minutes * 60))
}

impl Localized for ApiError {
    fn localized(&self, lang: Lang) -> String {
        if let (Origin::Meta, Some(code)) = (self.origin, self.code) {
            let info = codes::explain(code);
            return format!("{} (#{code}) {}", info.explanation.get(lang), info.action.get(lang));
        }
        let status = self.http_status.unwrap_or(0);
        match self.origin {
            Origin::Meta | Origin::HttpStatus if self.class == ErrorClass::RetryLater => Tr::new(
                "Meta antwortet mit einem Serverfehler (HTTP {0}). Nichts zu tun: hofbote versucht es später erneut.",
                "Meta answers with a server error (HTTP {0}). Nothing to do: hofbote tries again later.",
            )
            .fill(lang, &[&status]),
            Origin::Meta | Origin::HttpStatus => Tr::new(
                "Unerwartete Antwort von Meta (HTTP {0}). Prüfe base_url und api_version in der Konfiguration.",
                "Unexpected answer from Meta (HTTP {0}). Check base_url and api_version in the configuration.",
            )
            .fill(lang, &[&status]),
            Origin::Connect => Tr::new(
                "hofbote erreicht Meta nicht (keine Verbindung). Prüfe die Internetverbindung; hofbote versucht es später erneut.",
                "hofbote cannot reach Meta (no connection). Check the internet connection; hofbote tries again later.",
            )
            .get(lang)
            .to_owned(),
            Origin::NoAnswer | Origin::BadAnswer => Tr::new(
                "Keine verwertbare Antwort von Meta: Ob die Nachricht angenommen wurde, ist unklar. hofbote sendet sie nicht blind noch einmal, sondern wartet auf die Statusmeldung.",
                "No usable answer from Meta: it is unclear whether the message was accepted. hofbote does not resend it blindly but waits for the status report.",
            )
            .get(lang)
            .to_owned(),
            Origin::Request => Tr::new(
                "hofbote konnte die Anfrage nicht bauen ({0}). Prüfe base_url in der Konfiguration.",
                "hofbote could not build the request ({0}). Check base_url in the configuration.",
            )
            .fill(lang, &[&self.detail]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn meta_body_is_classified_by_code_not_status() {
        let body = br#"{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056,"error_data":{"messaging_product":"whatsapp","details":"pair"},"fbtrace_id":"A1"}}"#;
        for status in [400, 429] {
            let e = ApiError::from_response(status, &HeaderMap::new(), body);
            assert_eq!(e.class, ErrorClass::PairLimited);
            assert_eq!(e.code, Some(131056));
            assert_eq!(e.detail, "pair");
            assert_eq!(e.fbtrace_id.as_deref(), Some("A1"));
        }
        // A 500 carrying a Meta code that says "fix the request" is not retried.
        let body = br#"{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}}"#;
        let e = ApiError::from_response(500, &HeaderMap::new(), body);
        assert_eq!((e.class, e.detail.as_str()), (ErrorClass::RequestProblem, "(#100) Invalid parameter"));
    }

    #[test]
    fn status_without_meta_body() {
        let h = HeaderMap::new();
        assert_eq!(ApiError::from_response(503, &h, b"<html>").class, ErrorClass::RetryLater);
        assert_eq!(ApiError::from_response(502, &h, b"").class, ErrorClass::RetryLater);
        assert_eq!(ApiError::from_response(429, &h, b"").class, ErrorClass::RetryLater);
        assert_eq!(ApiError::from_response(404, &h, b"not found").class, ErrorClass::Unknown);
    }

    #[test]
    fn throttling_headers_are_read() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        h.insert(
            "x-business-use-case-usage",
            HeaderValue::from_static(
                r#"{"102290129340398":[{"type":"whatsapp","call_count":100,"estimated_time_to_regain_access":3},{"type":"x","estimated_time_to_regain_access":0}]}"#,
            ),
        );
        let body = br#"{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429}}"#;
        let e = ApiError::from_response(429, &h, body);
        assert_eq!(e.class, ErrorClass::RetryLater);
        assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
        assert_eq!(e.regain_access_after, Some(Duration::from_secs(180)));
        assert_eq!(e.wait_hint(), Some(Duration::from_secs(180)));
    }

    #[test]
    fn localized_text_explains_then_names_the_code() {
        let body = br#"{"error":{"message":"x","type":"OAuthException","code":190}}"#;
        let e = ApiError::from_response(401, &HeaderMap::new(), body);
        let de = e.localized(Lang::De);
        assert!(de.starts_with("Der Zugangsschlüssel"), "{de}");
        assert!(de.contains("(#190)"));
        assert!(e.localized(Lang::En).contains("access token"));
    }
}
