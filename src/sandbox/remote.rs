//! Calls to a running sandbox for the CLI: `hofbote sandbox say --url URL PHONE TEXT` (a customer writes) and
//! `hofbote sandbox ledger --url URL` (what was accepted), plus the text rendering of the ledger.
//! HTTP to loopback only; no sandbox logic here.

use std::time::Duration;

use serde::de::DeserializeOwned;
use unicode_width::UnicodeWidthStr;

use super::SandboxError;
use super::control::{InboundAck, InboundRequest};
use super::state::LedgerEntry;
use crate::i18n::{Lang, Tr};

fn client() -> Result<reqwest::Client, SandboxError> {
    crate::whatsapp::ensure_crypto_provider();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| SandboxError::Http(e.without_url().to_string()))
}

fn endpoint(url: &str, path: &str) -> String {
    format!("{}/_sandbox/{path}", url.trim_end_matches('/'))
}

async fn answer<T: DeserializeOwned>(
    url: &str,
    r: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, SandboxError> {
    let resp =
        r.map_err(|e| SandboxError::Unreachable { url: url.to_owned(), message: e.without_url().to_string() })?;
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| SandboxError::Unreachable { url: url.to_owned(), message: e.without_url().to_string() })?;
    if !status.is_success() {
        return Err(SandboxError::Refused {
            status: status.as_u16(),
            message: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
        });
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| SandboxError::Refused { status: status.as_u16(), message: format!("unexpected answer: {e}") })
}

/// A customer (`phone`, any common form) writes `text` to the shop: the sandbox sends the signed inbound webhook
/// and opens that number's 24 h window.
pub async fn say(url: &str, phone: &str, text: &str) -> Result<InboundAck, SandboxError> {
    inbound(
        url,
        &InboundRequest {
            from: phone.into(),
            user_id: None,
            text: Some(text.into()),
            button: None,
            name: None,
            phone_number_id: None,
        },
    )
    .await
}

/// The full inbound request (button taps, profile name).
pub async fn inbound(url: &str, req: &InboundRequest) -> Result<InboundAck, SandboxError> {
    let r = client()?.post(endpoint(url, "inbound")).json(req).send().await;
    answer(url, r).await
}

/// Every message the sandbox accepted.
pub async fn ledger(url: &str) -> Result<Vec<LedgerEntry>, SandboxError> {
    let r = client()?.get(endpoint(url, "ledger")).send().await;
    answer(url, r).await
}

/// The ledger as a table: time, recipient, template (or "Text"), values, callback data.
pub fn render_ledger(entries: &[LedgerEntry], lang: Lang) -> String {
    if entries.is_empty() {
        return Tr::new(
            "Der Sandkasten hat noch keine Nachricht angenommen.",
            "The sandbox has not accepted any message yet.",
        )
        .get(lang)
        .to_owned();
    }
    let head = [
        Tr::new("angenommen", "accepted").get(lang).to_owned(),
        Tr::new("an", "to").get(lang).to_owned(),
        Tr::new("Vorlage", "template").get(lang).to_owned(),
        Tr::new("Werte", "values").get(lang).to_owned(),
        Tr::new("Bezug", "callback").get(lang).to_owned(),
    ];
    let rows: Vec<[String; 5]> = entries
        .iter()
        .map(|e| {
            let what = match (&e.template, &e.language) {
                (Some(t), Some(l)) => format!("{t} ({l})"),
                _ => Tr::new("Text", "text").get(lang).to_owned(),
            };
            let values = match &e.params {
                serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(" | "),
                serde_json::Value::Object(o) => {
                    o.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect::<Vec<_>>().join(" | ")
                }
                _ => e.text.clone().unwrap_or_default(),
            };
            let values = crate::domain::customer::display_safe(&values).into_owned();
            [e.accepted_at.clone(), e.to.clone(), what, values, e.biz_opaque_callback_data.clone().unwrap_or_default()]
        })
        .collect();
    let mut widths = head.clone().map(|h| h.width());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    let line = |cells: &[String; 5]| {
        let mut s = String::new();
        for (c, w) in cells.iter().zip(widths) {
            s.push_str(c);
            s.push_str(&" ".repeat(w.saturating_sub(c.width()) + 2));
        }
        s.trim_end().to_owned()
    };
    let mut out = vec![line(&head)];
    out.extend(rows.iter().map(line));
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ledger_table() {
        let e = LedgerEntry {
            to: "+491711234567".into(),
            input: "+491711234567".into(),
            recipient: None,
            wamid: "wamid.X".into(),
            kind: "template".into(),
            template: Some("abholtermin".into()),
            language: Some("de".into()),
            params: json!({"name": "Jörg", "date": "Fr"}),
            text: None,
            biz_opaque_callback_data: Some("42".into()),
            accepted_at: "2026-11-27T08:00:00.000000Z".into(),
            phone_number_id: "1".into(),
        };
        let t = render_ledger(&[e], Lang::De);
        assert!(t.lines().nth(1).unwrap().contains("+491711234567  abholtermin (de)  date=Fr | name=Jörg  42"), "{t}");
        assert!(render_ledger(&[], Lang::En).contains("not accepted"));
    }
}
