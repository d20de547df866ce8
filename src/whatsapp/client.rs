//! The async Cloud API client: one shared `reqwest::Client` (rustls with ring, connect and request timeouts,
//! `User-Agent: hofbote/<version>`), base URL and API version from the config (so it can point at the sandbox),
//! bearer token from the secrets. Sends template and text messages, marks messages read, lists templates (following
//! `paging.next` until it is absent) and reads the phone number's limits.
//! The only place that talks HTTP to Meta. It never logs or returns the token, and never decides what to do about
//! an error (that is the send queue's job, from [`ApiError::class`]).

use std::sync::Once;
use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, Origin};
use super::wire::{self, PhoneNumberInfo, SendResponse, Sent, TemplateMessage, TemplatePage};
use crate::config::{Secret, Secrets, WhatsApp};
use crate::domain::phone::Recipient;
use crate::i18n::{Lang, Localized, Tr};
use crate::whatsapp::codes::ErrorClass;

/// The fields `phone_number_info` asks for.
pub const PHONE_FIELDS: &str =
    "throughput,whatsapp_business_manager_messaging_limit,quality_rating,display_phone_number,verified_name";
/// The fields asked for when listing templates.
pub const TEMPLATE_FIELDS: &str = "name,language,status,category,parameter_format,components,id";
/// Safety stop for paging (100 per page × 1000 pages is far above Meta's 6,000 templates per account).
const MAX_PAGES: usize = 1000;

/// Installs rustls' ring provider for the process, once; a provider installed by someone else is kept.
pub fn ensure_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The client could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("no WhatsApp access token configured")]
    MissingToken,
    #[error("[whatsapp].{0} is empty")]
    MissingSetting(&'static str),
    #[error("[whatsapp].base_url {0:?} is not a usable URL")]
    BadBaseUrl(String),
    #[error("HTTP client: {0}")]
    Build(String),
}

impl Localized for ClientError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            ClientError::MissingToken => Tr::new(
                "Kein WhatsApp-Zugangsschlüssel (Token) eingetragen. Setze HOFBOTE_WHATSAPP_TOKEN oder trag whatsapp_token in secrets.toml ein.",
                "No WhatsApp access token set. Set HOFBOTE_WHATSAPP_TOKEN or whatsapp_token in secrets.toml.",
            )
            .get(lang)
            .to_owned(),
            ClientError::MissingSetting(key) => Tr::new(
                "In der Konfiguration fehlt [whatsapp].{0}. Du findest den Wert im Meta-Entwicklerportal unter WhatsApp > API-Einrichtung.",
                "[whatsapp].{0} is missing in the configuration. You find it in Meta's developer portal under WhatsApp > API Setup.",
            )
            .fill(lang, &[key]),
            ClientError::BadBaseUrl(url) => Tr::new(
                "[whatsapp].base_url {0} ist keine gültige Adresse. Beispiel: https://graph.facebook.com",
                "[whatsapp].base_url {0} is not a valid address. Example: https://graph.facebook.com",
            )
            .fill(lang, &[url]),
            ClientError::Build(e) => {
                Tr::new("HTTP-Client lässt sich nicht starten: {0}", "Cannot start the HTTP client: {0}").fill(lang, &[e])
            }
        }
    }
}

/// Timeouts of the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub request: Duration,
}

impl Timeouts {
    pub fn from_config(cfg: &WhatsApp) -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(cfg.connect_timeout_seconds.max(1)),
            request: Duration::from_secs(cfg.request_timeout_seconds.max(1)),
        }
    }
}

/// The Cloud API client. Cheap to clone (the HTTP connection pool is shared).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    api_version: String,
    phone_number_id: String,
    waba_id: String,
    token: Secret,
}

/// All templates of the account, as Meta sent them.
#[derive(Debug, Clone, Default)]
pub struct TemplateListing {
    pub records: Vec<Value>,
    pub pages: usize,
}

impl Client {
    /// The client for the configured account; the token comes from `secrets`.
    pub fn new(cfg: &WhatsApp, secrets: &Secrets) -> Result<Client, ClientError> {
        let token = secrets.whatsapp_token.clone().ok_or(ClientError::MissingToken)?;
        Client::with_token(cfg, token, Timeouts::from_config(cfg))
    }

    /// The client with an explicit token and timeouts (tests, the sandbox demo).
    pub fn with_token(cfg: &WhatsApp, token: Secret, timeouts: Timeouts) -> Result<Client, ClientError> {
        if token.expose().trim().is_empty() {
            return Err(ClientError::MissingToken);
        }
        if cfg.phone_number_id.trim().is_empty() {
            return Err(ClientError::MissingSetting("phone_number_id"));
        }
        let base = Url::parse(&cfg.base_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some() && !u.cannot_be_a_base())
            .ok_or_else(|| ClientError::BadBaseUrl(cfg.base_url.clone()))?;
        ensure_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("hofbote/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            .pool_max_idle_per_host(64)
            .redirect(reqwest::redirect::Policy::none());
        if is_loopback(&base) {
            // The sandbox on this machine: a system proxy must not intercept it.
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| ClientError::Build(e.without_url().to_string()))?;
        Ok(Client {
            http,
            base,
            api_version: cfg.api_version.clone(),
            phone_number_id: cfg.phone_number_id.trim().to_owned(),
            waba_id: cfg.waba_id.trim().to_owned(),
            token,
        })
    }

    /// `{base}/{version}/{segments…}`; segments are escaped, so an id cannot change the path.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(&self.api_version).extend(segments);
        }
        url
    }

    /// Sends a template message. `callback_data` (our outbox id) comes back in every status webhook.
    pub async fn send_template(
        &self,
        to: impl Into<Recipient>,
        msg: &TemplateMessage,
        callback_data: &str,
    ) -> Result<Sent, ApiError> {
        self.send(&msg.request(to, callback_data)).await
    }

    /// Sends free text; Meta refuses it (131047, [`ErrorClass::WindowClosed`]) outside the 24 h window.
    pub async fn send_text(&self, to: impl Into<Recipient>, body: &str, callback_data: &str) -> Result<Sent, ApiError> {
        self.send(&wire::text_request(to, body, false, callback_data)).await
    }

    async fn send(&self, body: &Value) -> Result<Sent, ApiError> {
        let url = self.url(&[&self.phone_number_id, "messages"]);
        let (status, bytes) = self.execute(self.http.post(url).json(body)).await?;
        let r: SendResponse = serde_json::from_slice(&bytes)
            .map_err(|_| ApiError::bad_answer(status.as_u16(), "send response is not JSON of the expected shape"))?;
        let msg = r
            .messages
            .into_iter()
            .next()
            .filter(|m| !m.id.is_empty())
            .ok_or_else(|| ApiError::bad_answer(status.as_u16(), "send response without messages[0].id"))?;
        tracing::debug!(wamid = %msg.id, "message accepted");
        Ok(Sent {
            wamid: msg.id,
            message_status: msg.message_status,
            wa_id: r.contacts.into_iter().next().and_then(|c| c.wa_id),
        })
    }

    /// Marks an inbound message as read (blue ticks).
    pub async fn mark_read(&self, wamid: &str) -> Result<(), ApiError> {
        let url = self.url(&[&self.phone_number_id, "messages"]);
        let (status, bytes) = self.execute(self.http.post(url).json(&wire::mark_read_request(wamid))).await?;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if v.get("success").and_then(Value::as_bool) == Some(true) {
            Ok(())
        } else {
            Err(ApiError::bad_answer(status.as_u16(), "mark-read answer without success:true"))
        }
    }

    /// All templates, `limit` per page: follows `paging.next` until it is absent (never infers the end from counts).
    pub async fn list_templates_paged(&self, limit: u32) -> Result<TemplateListing, ApiError> {
        if self.waba_id.is_empty() {
            return Err(ApiError::new(ErrorClass::RequestProblem, Origin::Request, "[whatsapp].waba_id is empty"));
        }
        let mut url = self.url(&[&self.waba_id, "message_templates"]);
        url.query_pairs_mut().append_pair("fields", TEMPLATE_FIELDS).append_pair("limit", &limit.max(1).to_string());
        let mut listing = TemplateListing::default();
        let mut seen = std::collections::HashSet::new();
        loop {
            if !seen.insert(url.to_string()) || listing.pages >= MAX_PAGES {
                return Err(ApiError::bad_answer(200, "template paging does not end"));
            }
            let page: TemplatePage = self.get_json(url).await?;
            listing.pages += 1;
            listing.records.extend(page.data);
            match page.paging.and_then(|p| p.next) {
                Some(next) => url = self.next_url(&next)?,
                None => return Ok(listing),
            }
        }
    }

    /// Throughput level, messaging limit tier and quality of the phone number.
    pub async fn phone_number_info(&self) -> Result<PhoneNumberInfo, ApiError> {
        let mut url = self.url(&[&self.phone_number_id]);
        url.query_pairs_mut().append_pair("fields", PHONE_FIELDS);
        self.get_json(url).await
    }

    /// A `paging.next` link may only lead to the configured API host (the bearer token goes with it), and any
    /// `access_token` Meta put into it is dropped: the header carries the token.
    fn next_url(&self, next: &str) -> Result<Url, ApiError> {
        let url = Url::parse(next).map_err(|_| ApiError::bad_answer(200, "paging.next is not a URL"))?;
        if url.scheme() != self.base.scheme()
            || url.host_str() != self.base.host_str()
            || url.port_or_known_default() != self.base.port_or_known_default()
        {
            return Err(ApiError::new(
                ErrorClass::RequestProblem,
                Origin::Request,
                "paging.next points to another host; not followed",
            ));
        }
        let mut clean = url.clone();
        let pairs: Vec<(String, String)> =
            url.query_pairs().filter(|(k, _)| k != "access_token").map(|(k, v)| (k.into(), v.into())).collect();
        clean.query_pairs_mut().clear().extend_pairs(pairs);
        Ok(clean)
    }

    async fn get_json<T: DeserializeOwned>(&self, url: Url) -> Result<T, ApiError> {
        let (status, bytes) = self.execute(self.http.get(url)).await?;
        serde_json::from_slice(&bytes)
            .map_err(|_| ApiError::bad_answer(status.as_u16(), "answer is not the expected JSON"))
    }

    /// Sends with the bearer token; a non-success status becomes an [`ApiError`] classified by Meta's code.
    async fn execute(&self, req: reqwest::RequestBuilder) -> Result<(StatusCode, Vec<u8>), ApiError> {
        let resp = req.bearer_auth(self.token.expose()).send().await.map_err(|e| ApiError::from_transport(&e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(|e| ApiError::from_transport(&e))?;
        if status.is_success() {
            Ok((status, bytes.to_vec()))
        } else {
            let e = ApiError::from_response(status.as_u16(), &headers, &bytes);
            tracing::debug!(code = ?e.code, status = status.as_u16(), class = ?e.class, "Cloud API error");
            Err(e)
        }
    }

    /// Where requests go (the demo's test checks it points at the sandbox).
    #[cfg(test)]
    pub fn base_url(&self) -> &Url {
        &self.base
    }
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        let cfg = WhatsApp {
            base_url: base.into(),
            phone_number_id: "106540352242922".into(),
            waba_id: "102290129340398".into(),
            ..WhatsApp::default()
        };
        Client::with_token(&cfg, Secret::new("tok"), Timeouts::from_config(&cfg)).unwrap()
    }

    #[test]
    fn urls_carry_version_and_escaped_ids() {
        let c = client("https://graph.facebook.com");
        assert_eq!(
            c.url(&["106540352242922", "messages"]).as_str(),
            "https://graph.facebook.com/v25.0/106540352242922/messages"
        );
        assert_eq!(c.url(&["1/../x"]).as_str(), "https://graph.facebook.com/v25.0/1%2F..%2Fx");
        let c = client("http://127.0.0.1:8080/prefix/");
        assert_eq!(c.url(&["1", "messages"]).as_str(), "http://127.0.0.1:8080/prefix/v25.0/1/messages");
    }

    #[test]
    fn paging_links_stay_on_the_api_host_and_lose_the_token() {
        let c = client("https://graph.facebook.com");
        let u = c
            .next_url("https://graph.facebook.com/v25.0/1/message_templates?access_token=SECRET&limit=2&after=QVFI")
            .unwrap();
        assert_eq!(u.as_str(), "https://graph.facebook.com/v25.0/1/message_templates?limit=2&after=QVFI");
        let e = c.next_url("https://evil.example/v25.0/1/message_templates?after=x").unwrap_err();
        assert_eq!(e.class, ErrorClass::RequestProblem);
    }

    #[test]
    fn setup_errors() {
        let cfg = WhatsApp { phone_number_id: "1".into(), ..WhatsApp::default() };
        assert_eq!(Client::new(&cfg, &Secrets::default()).unwrap_err(), ClientError::MissingToken);
        let cfg = WhatsApp::default();
        let t = Timeouts::from_config(&cfg);
        assert_eq!(
            Client::with_token(&cfg, Secret::new("t"), t).unwrap_err(),
            ClientError::MissingSetting("phone_number_id")
        );
        let cfg = WhatsApp { phone_number_id: "1".into(), base_url: "ftp://x".into(), ..WhatsApp::default() };
        assert!(matches!(Client::with_token(&cfg, Secret::new("t"), t), Err(ClientError::BadBaseUrl(_))));
        // The token never shows in Debug output.
        let c = client("https://graph.facebook.com");
        assert!(!format!("{c:?}").contains("tok\""));
    }
}
