//! WhatsApp message templates as Meta approved them: category, status, parameter format and the components
//! (header, body, footer, buttons). Finds the placeholders of a body (`{{1}}` or `{{first_name}}`), renders a
//! preview with filled-in values and validates parameter values by Meta's rules (not empty, no newline or tab, at
//! most four spaces in a row, body at most 1024 characters after filling).
//! Pure: no IO, no clock. It must not know the wire format of a send request (that is `whatsapp::wire`).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::i18n::{Lang, Localized, Tr};

pub mod archival;
mod params;
pub use params::{MAX_SPACES, ParamError, Params, Placeholder, check_value, fill, placeholders};

/// Meta's limit for the body after the values were filled in.
pub const MAX_BODY: usize = 1024;
/// Meta's limit for a text header.
pub const MAX_HEADER: usize = 60;

/// The templates hofbote sends by itself — the opt-in question and the STOP confirmation. They are never a
/// broadcast: the composer hides them and the store refuses them (issue 13: `abmeldung_bestaetigt` could be sent to
/// every customer).
pub const OWN_TEMPLATES: &[&str] = &["anmeldung_bestaetigen", "abmeldung_bestaetigt"];

/// Whether `name` is one of hofbote's own templates ([`OWN_TEMPLATES`]).
pub fn is_own(name: &str) -> bool {
    OWN_TEMPLATES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// What a template is for; it decides price and which consent is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    Marketing,
    Utility,
    Authentication,
}

impl Category {
    pub fn parse(s: &str) -> Option<Category> {
        match s.trim().to_ascii_uppercase().as_str() {
            "MARKETING" => Some(Category::Marketing),
            "UTILITY" => Some(Category::Utility),
            "AUTHENTICATION" => Some(Category::Authentication),
            _ => None,
        }
    }

    pub fn as_meta(self) -> &'static str {
        match self {
            Category::Marketing => "MARKETING",
            Category::Utility => "UTILITY",
            Category::Authentication => "AUTHENTICATION",
        }
    }

    /// "Werbung" / "Service" — the word the farmer sees.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Category::Marketing => Tr::new("Werbung", "Marketing").get(lang),
            Category::Utility => Tr::new("Service", "Service").get(lang),
            Category::Authentication => Tr::new("Anmeldecode", "Authentication").get(lang),
        }
    }
}

/// Review status of a template. Only `Approved` can be sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum Status {
    Approved,
    Pending,
    Rejected,
    Paused,
    Disabled,
    /// Any other state Meta reports (IN_APPEAL, LIMIT_EXCEEDED, ARCHIVED, …), kept as sent.
    Other(String),
}

impl Status {
    pub fn parse(s: &str) -> Status {
        match s.trim().to_ascii_uppercase().as_str() {
            "APPROVED" => Status::Approved,
            "PENDING" => Status::Pending,
            "REJECTED" => Status::Rejected,
            "PAUSED" => Status::Paused,
            "DISABLED" => Status::Disabled,
            other => Status::Other(other.to_owned()),
        }
    }

    pub fn as_meta(&self) -> &str {
        match self {
            Status::Approved => "APPROVED",
            Status::Pending => "PENDING",
            Status::Rejected => "REJECTED",
            Status::Paused => "PAUSED",
            Status::Disabled => "DISABLED",
            Status::Other(s) => s,
        }
    }

    /// genehmigt / in Prüfung / abgelehnt / pausiert / deaktiviert (other states as Meta names them).
    pub fn label(&self, lang: Lang) -> String {
        let tr = match self {
            Status::Approved => Tr::new("genehmigt", "approved"),
            Status::Pending => Tr::new("in Prüfung", "pending"),
            Status::Rejected => Tr::new("abgelehnt", "rejected"),
            Status::Paused => Tr::new("pausiert", "paused"),
            Status::Disabled => Tr::new("deaktiviert", "disabled"),
            Status::Other(s) => return s.to_ascii_lowercase(),
        };
        tr.get(lang).to_owned()
    }
}

impl From<String> for Status {
    fn from(s: String) -> Status {
        Status::parse(&s)
    }
}

impl From<Status> for String {
    fn from(s: Status) -> String {
        s.as_meta().to_owned()
    }
}

/// How the body's placeholders are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParameterFormat {
    /// `{{1}}`, `{{2}}`, … — values are sent in order.
    #[default]
    Positional,
    /// `{{first_name}}` — values are sent with `parameter_name`.
    Named,
}

impl ParameterFormat {
    pub fn parse(s: &str) -> ParameterFormat {
        if s.trim().eq_ignore_ascii_case("NAMED") { ParameterFormat::Named } else { ParameterFormat::Positional }
    }

    pub fn as_meta(self) -> &'static str {
        match self {
            ParameterFormat::Positional => "POSITIONAL",
            ParameterFormat::Named => "NAMED",
        }
    }
}

/// The header of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Header {
    /// Text, at most 60 characters, at most one placeholder.
    Text {
        text: String,
    },
    Image,
    Video,
    Document,
    Location,
    /// A format hofbote does not know (e.g. GIF); kept by name.
    Other {
        format: String,
    },
}

/// A button of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Button {
    QuickReply {
        text: String,
    },
    Url {
        text: String,
        url: String,
    },
    PhoneNumber {
        text: String,
        phone_number: String,
    },
    /// Any other button type (COPY_CODE, OTP, …), kept by name.
    Other {
        kind: String,
        text: String,
    },
}

/// A template as Meta approved it (or not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// Meta's template id (may be empty for templates not from Meta).
    #[serde(default)]
    pub meta_id: String,
    pub name: String,
    /// Language code as Meta writes it: `de`, `de_AT`, `en_US`.
    pub language: String,
    pub category: Category,
    pub status: Status,
    pub parameter_format: ParameterFormat,
    pub header: Option<Header>,
    pub body: String,
    pub footer: Option<String>,
    pub buttons: Vec<Button>,
    /// Meta's example values of the body's placeholders, by placeholder key ("1", "2" or the parameter's name):
    /// what the composer shows beside each field, so the farmer sees what belongs there.
    #[serde(default)]
    pub examples: std::collections::BTreeMap<String, String>,
    /// Meta's example of the header: the value of a text header's placeholder (`header_text`) or, for a media
    /// header, the handle of the sample file the template was approved with (`header_handle`).
    #[serde(default)]
    pub header_example: Option<String>,
}

/// A template record Meta sent that hofbote cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template field {0} missing")]
    Missing(&'static str),
    #[error("unknown template category {0:?}")]
    UnknownCategory(String),
}

impl Localized for TemplateError {
    fn localized(&self, lang: Lang) -> String {
        match self {
            TemplateError::Missing(field) => Tr::new(
                "Vorlage von Meta unvollständig: Feld {0} fehlt. Sie wird übersprungen.",
                "Template from Meta is incomplete: field {0} missing. It is skipped.",
            )
            .fill(lang, &[field]),
            TemplateError::UnknownCategory(c) => Tr::new(
                "Vorlage mit unbekannter Kategorie {0}. Sie wird übersprungen.",
                "Template with unknown category {0}. It is skipped.",
            )
            .fill(lang, &[c]),
        }
    }
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The body's example values from Meta's `example` object: `body_text: [["Jörg", "Kürbis"]]` (positional, keys
/// "1", "2", …) or `body_text_named_params: [{"param_name": "angebot", "example": "Kürbis"}]`.
fn body_examples(example: &Value) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    if let Some(first) =
        example.get("body_text").and_then(Value::as_array).and_then(|a| a.first()).and_then(Value::as_array)
    {
        for (i, v) in first.iter().enumerate() {
            if let Some(s) = v.as_str() {
                out.insert((i + 1).to_string(), s.to_owned());
            }
        }
    }
    for named in example.get("body_text_named_params").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
    {
        if let (Some(k), Some(v)) = (str_field(named, "param_name"), str_field(named, "example")) {
            out.insert(k.to_owned(), v.to_owned());
        }
    }
    out
}

/// The header's example from Meta's `example` object: `header_text: ["Jörg"]`,
/// `header_text_named_params: [{"param_name": "…", "example": "…"}]` or `header_handle: ["https://…"]`.
fn header_example(example: &Value) -> Option<String> {
    let first = |key: &str| example.get(key).and_then(Value::as_array).and_then(|a| a.first()).cloned();
    first("header_text")
        .and_then(|v| v.as_str().map(str::to_owned))
        .or_else(|| first("header_text_named_params").and_then(|v| str_field(&v, "example").map(str::to_owned)))
        .or_else(|| first("header_handle").and_then(|v| v.as_str().map(str::to_owned)))
        .filter(|s| !s.trim().is_empty())
}

impl Template {
    /// Builds a template from one record of Meta's `message_templates` list.
    pub fn from_meta(v: &Value) -> Result<Template, TemplateError> {
        let name = str_field(v, "name").filter(|s| !s.is_empty()).ok_or(TemplateError::Missing("name"))?;
        let language = str_field(v, "language").filter(|s| !s.is_empty()).ok_or(TemplateError::Missing("language"))?;
        let category_raw = str_field(v, "category").ok_or(TemplateError::Missing("category"))?;
        let category =
            Category::parse(category_raw).ok_or_else(|| TemplateError::UnknownCategory(category_raw.to_owned()))?;
        let status = Status::parse(str_field(v, "status").ok_or(TemplateError::Missing("status"))?);
        let parameter_format = str_field(v, "parameter_format").map(ParameterFormat::parse).unwrap_or_default();
        let meta_id = match v.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let mut t = Template {
            meta_id,
            name: name.to_owned(),
            language: language.to_owned(),
            category,
            status,
            parameter_format,
            header: None,
            body: String::new(),
            footer: None,
            buttons: Vec::new(),
            examples: Default::default(),
            header_example: None,
        };
        t.set_components(v.get("components").unwrap_or(&Value::Null));
        Ok(t)
    }

    /// Reads Meta's `components` array (types in any case).
    pub fn set_components(&mut self, components: &Value) {
        for c in components.as_array().map(Vec::as_slice).unwrap_or_default() {
            let kind = str_field(c, "type").unwrap_or("").to_ascii_uppercase();
            match kind.as_str() {
                "HEADER" => {
                    let format = str_field(c, "format").unwrap_or("TEXT").to_ascii_uppercase();
                    self.header = Some(match format.as_str() {
                        "TEXT" => Header::Text { text: str_field(c, "text").unwrap_or("").to_owned() },
                        "IMAGE" => Header::Image,
                        "VIDEO" => Header::Video,
                        "DOCUMENT" => Header::Document,
                        "LOCATION" => Header::Location,
                        _ => Header::Other { format },
                    });
                    self.header_example = header_example(c.get("example").unwrap_or(&Value::Null));
                }
                "BODY" => {
                    self.body = str_field(c, "text").unwrap_or("").to_owned();
                    self.examples = body_examples(c.get("example").unwrap_or(&Value::Null));
                }
                "FOOTER" => self.footer = str_field(c, "text").map(str::to_owned),
                "BUTTONS" => {
                    for b in c.get("buttons").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
                        let text = str_field(b, "text").unwrap_or("").to_owned();
                        let kind = str_field(b, "type").unwrap_or("").to_ascii_uppercase();
                        self.buttons.push(match kind.as_str() {
                            "QUICK_REPLY" => Button::QuickReply { text },
                            "URL" => Button::Url { text, url: str_field(b, "url").unwrap_or("").to_owned() },
                            "PHONE_NUMBER" => Button::PhoneNumber {
                                text,
                                phone_number: str_field(b, "phone_number").unwrap_or("").to_owned(),
                            },
                            _ => Button::Other { kind, text },
                        });
                    }
                }
                _ => {}
            }
        }
    }

    /// The components in Meta's shape (the parts hofbote uses, with the header's and the body's examples).
    pub fn components_json(&self) -> Value {
        let mut out = Vec::new();
        if let Some(header) = self.header_json() {
            out.push(header);
        }
        out.push(self.body_json());
        if let Some(f) = &self.footer {
            out.push(json!({"type": "FOOTER", "text": f}));
        }
        if !self.buttons.is_empty() {
            let buttons: Vec<Value> = self
                .buttons
                .iter()
                .map(|b| match b {
                    Button::QuickReply { text } => json!({"type": "QUICK_REPLY", "text": text}),
                    Button::Url { text, url } => json!({"type": "URL", "text": text, "url": url}),
                    Button::PhoneNumber { text, phone_number } => {
                        json!({"type": "PHONE_NUMBER", "text": text, "phone_number": phone_number})
                    }
                    Button::Other { kind, text } => json!({"type": kind, "text": text}),
                })
                .collect();
            out.push(json!({"type": "BUTTONS", "buttons": buttons}));
        }
        Value::Array(out)
    }

    /// The header component with its example in Meta's shape: `header_text` (or `header_text_named_params`) for a
    /// text header with a placeholder, `header_handle` for a media header.
    fn header_json(&self) -> Option<Value> {
        let (format, text) = match self.header.as_ref()? {
            Header::Text { text } => ("TEXT", Some(text)),
            Header::Image => ("IMAGE", None),
            Header::Video => ("VIDEO", None),
            Header::Document => ("DOCUMENT", None),
            Header::Location => ("LOCATION", None),
            Header::Other { format } => (format.as_str(), None),
        };
        let mut header = json!({"type": "HEADER", "format": format});
        if let Some(text) = text {
            header["text"] = json!(text);
        }
        let example = match (&self.header_example, text) {
            (None, _) => None,
            (Some(e), Some(_)) => match (self.parameter_format, self.header_placeholder()) {
                (ParameterFormat::Named, Some(p)) => {
                    Some(json!({"header_text_named_params": [{"param_name": p.key(), "example": e}]}))
                }
                (_, Some(_)) => Some(json!({"header_text": [e]})),
                (_, None) => None,
            },
            (Some(e), None) if matches!(format, "IMAGE" | "VIDEO" | "DOCUMENT") => Some(json!({"header_handle": [e]})),
            (Some(_), None) => None,
        };
        if let Some(example) = example {
            header["example"] = example;
        }
        Some(header)
    }

    /// The body component with its examples in Meta's shape (`body_text` positional, `body_text_named_params`).
    fn body_json(&self) -> Value {
        if self.examples.is_empty() {
            return json!({"type": "BODY", "text": self.body});
        }
        let example = match self.parameter_format {
            ParameterFormat::Named => {
                let named: Vec<Value> =
                    self.examples.iter().map(|(k, v)| json!({"param_name": k, "example": v})).collect();
                json!({ "body_text_named_params": named })
            }
            _ => {
                let mut keyed: Vec<(usize, &String)> =
                    self.examples.iter().filter_map(|(k, v)| k.parse().ok().map(|n| (n, v))).collect();
                keyed.sort();
                let values: Vec<&String> = keyed.into_iter().map(|(_, v)| v).collect();
                json!({ "body_text": [values] })
            }
        };
        json!({"type": "BODY", "text": self.body, "example": example})
    }

    /// The example value of a placeholder, if Meta has one.
    pub fn example(&self, p: &Placeholder) -> Option<&str> {
        self.examples.get(&p.key()).map(String::as_str).filter(|s| !s.trim().is_empty())
    }

    /// The whole record in Meta's list shape (what the sandbox serves).
    pub fn to_meta(&self) -> Value {
        json!({
            "name": self.name,
            "parameter_format": self.parameter_format.as_meta(),
            "components": self.components_json(),
            "language": self.language,
            "status": self.status.as_meta(),
            "category": self.category.as_meta(),
            "id": self.meta_id,
        })
    }

    pub fn is_approved(&self) -> bool {
        self.status == Status::Approved
    }

    /// Placeholders of the body (positional sorted by number, named in order of appearance).
    pub fn body_placeholders(&self) -> Vec<Placeholder> {
        placeholders(&self.body)
    }

    /// The placeholder of a text header, if it has one.
    pub fn header_placeholder(&self) -> Option<Placeholder> {
        match &self.header {
            Some(Header::Text { text }) => placeholders(text).into_iter().next(),
            _ => None,
        }
    }

    /// Labels of the quick-reply buttons, in order.
    pub fn quick_reply_labels(&self) -> Vec<String> {
        self.buttons
            .iter()
            .filter_map(|b| match b {
                Button::QuickReply { text } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// The body with the values filled in (missing values stay visible as `{{…}}`).
    pub fn render_body(&self, params: &Params) -> String {
        let params = params.tidied(&self.body);
        fill(&self.body, |p| params.get(p).map(str::to_owned))
    }

    /// The message as the customer would read it: text header, body, footer, then one `[label]` line per button.
    /// Media headers are not rendered here (the preview widget shows them from [`Template::header`]).
    pub fn render_preview(&self, params: &Params) -> String {
        let mut parts = Vec::new();
        if let Some(Header::Text { text }) = &self.header {
            parts.push(fill(text, |_| params.header.clone()));
        }
        parts.push(self.render_body(params));
        if let Some(f) = &self.footer {
            parts.push(f.clone());
        }
        let mut out = parts.join("\n\n");
        for b in &self.buttons {
            let label = match b {
                Button::QuickReply { text }
                | Button::Url { text, .. }
                | Button::PhoneNumber { text, .. }
                | Button::Other { text, .. } => text,
            };
            out.push_str(&format!("\n[{label}]"));
        }
        out
    }

    /// Checks values by Meta's rules; returns every problem found (empty list = fine).
    pub fn validate_params(&self, params: &Params) -> Result<(), Vec<ParamError>> {
        let mut errors = Vec::new();
        if let Some(p) = self.header_placeholder() {
            match params.header.as_deref() {
                None => errors.push(ParamError::HeaderMissing),
                Some(v) => {
                    if let Err(e) = check_value(&p, v) {
                        errors.push(e);
                    } else if let Some(Header::Text { text }) = &self.header {
                        let len = fill(text, |_| Some(v.to_owned())).chars().count();
                        if len > MAX_HEADER {
                            errors.push(ParamError::HeaderTooLong { len, max: MAX_HEADER });
                        }
                    }
                }
            }
        }
        for p in self.body_placeholders() {
            match params.get(&p) {
                None => errors.push(ParamError::Missing(p)),
                Some(v) => {
                    if let Err(e) = check_value(&p, v) {
                        errors.push(e);
                    }
                }
            }
        }
        let len = self.render_body(params).chars().count();
        if len > MAX_BODY {
            errors.push(ParamError::BodyTooLong { len, max: MAX_BODY });
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests;
