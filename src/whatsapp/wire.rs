//! Cloud API wire types (serde): what hofbote sends to `POST /{phone-number-id}/messages` (template, text, mark
//! read) and what comes back (send response, template pages, phone-number info, Meta's error body).
//! Only shapes and their construction live here; no HTTP, no decisions about errors.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::phone::Recipient;
use crate::domain::template::{Header, ParameterFormat, Params, Template};

/// The media of an image header: a public link or an uploaded media id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Media {
    Link(String),
    Id(String),
}

/// The header parameter of a template send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderParam {
    Text(String),
    Image(Media),
}

/// Body parameters: positional (in placeholder order) or named (any order, each with `parameter_name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyParams {
    Positional(Vec<String>),
    Named(Vec<(String, String)>),
}

/// A button parameter; `index` is the button's position in the template (0–9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ButtonParam {
    /// The payload returned in the `button` webhook when the customer taps the quick reply.
    QuickReply { index: u8, payload: String },
    /// The variable part of a URL button.
    Url { index: u8, text: String },
}

/// Everything needed to send one template message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateMessage {
    pub name: String,
    /// Language code of the approved translation, e.g. `de`.
    pub language: String,
    pub header: Option<HeaderParam>,
    pub body: BodyParams,
    pub buttons: Vec<ButtonParam>,
}

impl TemplateMessage {
    /// The message for `template` with `params`: body values in the template's format, a text header value if the
    /// header has a placeholder, `image` for an image header. Buttons are added by the caller.
    pub fn from_template(template: &Template, params: &Params, image: Option<Media>) -> TemplateMessage {
        let placeholders = template.body_placeholders();
        let value = |p| params.get(p).unwrap_or_default().to_owned();
        let body = match template.parameter_format {
            ParameterFormat::Positional => BodyParams::Positional(placeholders.iter().map(value).collect()),
            ParameterFormat::Named => BodyParams::Named(placeholders.iter().map(|p| (p.key(), value(p))).collect()),
        };
        let header = match &template.header {
            Some(Header::Text { .. }) if template.header_placeholder().is_some() => {
                Some(HeaderParam::Text(params.header.clone().unwrap_or_default()))
            }
            Some(Header::Image) => image.map(HeaderParam::Image),
            _ => None,
        };
        TemplateMessage {
            name: template.name.clone(),
            language: template.language.clone(),
            header,
            body,
            buttons: Vec::new(),
        }
    }

    /// The JSON body of the send request.
    pub fn request(&self, to: impl Into<Recipient>, callback_data: &str) -> Value {
        let mut components = Vec::new();
        if let Some(h) = &self.header {
            let p = match h {
                HeaderParam::Text(text) => WireParam::Text { text: text.clone(), parameter_name: None },
                HeaderParam::Image(media) => WireParam::Image { image: WireMedia::from(media) },
            };
            components.push(WireComponent { kind: "header", sub_type: None, index: None, parameters: vec![p] });
        }
        let body: Vec<WireParam> = match &self.body {
            BodyParams::Positional(values) => {
                values.iter().map(|v| WireParam::Text { text: v.clone(), parameter_name: None }).collect()
            }
            BodyParams::Named(pairs) => pairs
                .iter()
                .map(|(k, v)| WireParam::Text { text: v.clone(), parameter_name: Some(k.clone()) })
                .collect(),
        };
        if !body.is_empty() {
            components.push(WireComponent { kind: "body", sub_type: None, index: None, parameters: body });
        }
        for b in &self.buttons {
            let (sub_type, index, p) = match b {
                ButtonParam::QuickReply { index, payload } => {
                    ("quick_reply", index, WireParam::Payload { payload: payload.clone() })
                }
                ButtonParam::Url { index, text } => {
                    ("url", index, WireParam::Text { text: text.clone(), parameter_name: None })
                }
            };
            components.push(WireComponent {
                kind: "button",
                sub_type: Some(sub_type),
                index: Some(index.to_string()),
                parameters: vec![p],
            });
        }
        let template = WireTemplate {
            name: &self.name,
            language: WireLanguage { code: &self.language },
            components: if components.is_empty() { None } else { Some(components) },
        };
        envelope(&to.into(), callback_data, "template", serde_json::to_value(template).unwrap_or(Value::Null))
    }
}

/// The JSON body of a free-form text message (only inside the 24 h window).
pub fn text_request(to: impl Into<Recipient>, body: &str, preview_url: bool, callback_data: &str) -> Value {
    envelope(&to.into(), callback_data, "text", serde_json::json!({"preview_url": preview_url, "body": body}))
}

/// The JSON body that marks an inbound message as read.
pub fn mark_read_request(wamid: &str) -> Value {
    serde_json::json!({"messaging_product": "whatsapp", "status": "read", "message_id": wamid})
}

/// The one choice of how a message is addressed. A number goes into `to`, always E.164 with '+' (without it Meta
/// would prepend the business number's country code). A person who shares no number (a WhatsApp username, since
/// 2026) is addressed by business-scoped user id in `recipient` — Meta's Messages API takes it since July 2026 and
/// lets `to` win when both are present, so only one is ever sent. Meta answers 131062 for message kinds it cannot
/// send by user id (one-tap / zero-tap / copy-code authentication templates, which hofbote never sends).
pub fn recipient_field(to: &Recipient) -> (&'static str, &str) {
    match to {
        Recipient::Phone(p) => ("to", p.as_e164()),
        Recipient::UserId(u) => ("recipient", u),
    }
}

fn envelope(to: &Recipient, callback_data: &str, kind: &str, content: Value) -> Value {
    let mut v = serde_json::json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "type": kind,
        "biz_opaque_callback_data": callback_data,
    });
    if let Value::Object(map) = &mut v {
        let (field, value) = recipient_field(to);
        map.insert(field.to_owned(), Value::String(value.to_owned()));
        map.insert(kind.to_owned(), content);
    }
    v
}

#[derive(Serialize)]
struct WireTemplate<'a> {
    name: &'a str,
    language: WireLanguage<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    components: Option<Vec<WireComponent>>,
}

#[derive(Serialize)]
struct WireLanguage<'a> {
    code: &'a str,
}

#[derive(Serialize)]
struct WireComponent {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<String>,
    parameters: Vec<WireParam>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireParam {
    Text {
        text: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        parameter_name: Option<String>,
    },
    Image {
        image: WireMedia,
    },
    Payload {
        payload: String,
    },
}

#[derive(Serialize)]
struct WireMedia {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<String>,
}

impl From<&Media> for WireMedia {
    fn from(m: &Media) -> WireMedia {
        match m {
            Media::Link(l) => WireMedia { id: None, link: Some(l.clone()) },
            Media::Id(i) => WireMedia { id: Some(i.clone()), link: None },
        }
    }
}

/// Meta's answer to an accepted send.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SendResponse {
    #[serde(default)]
    pub messaging_product: String,
    #[serde(default)]
    pub contacts: Vec<ResponseContact>,
    #[serde(default)]
    pub messages: Vec<ResponseMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ResponseContact {
    #[serde(default)]
    pub input: String,
    /// May be absent for sends to a business-scoped user id.
    #[serde(default)]
    pub wa_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ResponseMessage {
    pub id: String,
    /// `accepted` or `held_for_quality_assessment`; optional.
    #[serde(default)]
    pub message_status: Option<String>,
}

/// A send Meta accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    pub wamid: String,
    pub message_status: Option<String>,
    pub wa_id: Option<String>,
}

/// One page of `GET /{waba-id}/message_templates`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TemplatePage {
    #[serde(default)]
    pub data: Vec<Value>,
    #[serde(default)]
    pub paging: Option<Paging>,
    #[serde(default)]
    pub summary: Option<Value>,
}

/// Graph cursor paging. The last page has no `next`; pages may be shorter than `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Paging {
    #[serde(default)]
    pub cursors: Option<Cursors>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub previous: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Cursors {
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
}

/// `GET /{phone-number-id}?fields=…`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct PhoneNumberInfo {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub display_phone_number: Option<String>,
    #[serde(default)]
    pub verified_name: Option<String>,
    /// GREEN, YELLOW, RED, UNKNOWN.
    #[serde(default)]
    pub quality_rating: Option<String>,
    #[serde(default)]
    pub throughput: Option<Throughput>,
    /// e.g. `TIER_250`, `TIER_2K`, `TIER_UNLIMITED`.
    #[serde(default)]
    pub whatsapp_business_manager_messaging_limit: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Throughput {
    /// STANDARD (80/s) or HIGH (1000/s).
    #[serde(default)]
    pub level: String,
}

/// Meta's error body: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ErrorBody {
    pub error: MetaError,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct MetaError {
    #[serde(default)]
    pub message: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    pub code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_subcode: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_data: Option<ErrorData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbtrace_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ErrorData {
    #[serde(default)]
    pub messaging_product: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
}

#[cfg(test)]
mod tests;
