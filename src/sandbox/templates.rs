//! The sandbox's templates: the German demo set (`demo_templates`, also used by `hofbote demo`) and Graph-style
//! listing with filters (`status`, `category`, `language`, `name`), cursor paging (`limit`, `after`, `before`,
//! `paging.cursors`, `paging.next` only when another page follows) and the `summary` object.
//! Pure functions over a template list; no HTTP here.

use std::collections::HashMap;

use base64::Engine;
use serde_json::{Value, json};

use crate::domain::template::{Button, Category, Header, ParameterFormat, Status, Template};

/// Example values as Meta keeps them with a template (key → value).
fn examples(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn demo(id: u64, name: &str, category: Category, status: Status, body: &str) -> Template {
    Template {
        meta_id: format!("{}", 1_081_000_000_000_000u64 + id),
        name: name.into(),
        language: "de".into(),
        category,
        status,
        parameter_format: ParameterFormat::Positional,
        header: None,
        body: body.into(),
        footer: None,
        buttons: Vec::new(),
        examples: Default::default(),
        header_example: None,
    }
}

/// German demo templates: `wochenangebot` (Werbung), `wochenangebot_bild` (Werbung with image header),
/// `abholtermin` (Service, named parameters), `schlachttermin` (Service), `anmeldung_bestaetigen` and
/// `abmeldung_bestaetigt` (Service, for the double opt-in and the opt-out confirmation), one PENDING
/// (`hoffest_einladung`) and one REJECTED (`gewinnspiel`).
pub fn demo_templates() -> Vec<Template> {
    use Category::{Marketing, Utility};
    let footer = Some("Abmelden: STOP".to_owned());
    let stop = vec![Button::QuickReply { text: "Keine Angebote mehr".into() }];
    vec![
        Template {
            footer: footer.clone(),
            buttons: stop.clone(),
            examples: examples(&[("1", "Jörg"), ("2", "Kürbis 2,50 €/kg")]),
            ..demo(
                1,
                "wochenangebot",
                Marketing,
                Status::Approved,
                "{{1}}, unser Angebot diese Woche: {{2}}. Wir freuen uns auf deinen Besuch im Hofladen!",
            )
        },
        Template {
            header: Some(Header::Image),
            // Meta keeps the sample picture the template was approved with as a handle on its CDN.
            header_example: Some(
                "https://scontent.whatsapp.net/v/t61.29466-34/sandbox_wochenangebot_bild.jpg?ccb=1-7&oh=sandbox".into(),
            ),
            examples: examples(&[("1", "Jörg"), ("2", "Rinderbraten 19,50 €/kg")]),
            footer: footer.clone(),
            buttons: stop.clone(),
            ..demo(2, "wochenangebot_bild", Marketing, Status::Approved, "{{1}}, frisch vom Hof: {{2}}")
        },
        Template {
            parameter_format: ParameterFormat::Named,
            examples: examples(&[("name", "Jörg"), ("date", "Fr 4.12."), ("time", "15 Uhr")]),
            ..demo(
                3,
                "abholtermin",
                Utility,
                Status::Approved,
                "Hallo {{name}}, deine Bestellung liegt am {{date}} ab {{time}} zur Abholung bereit.",
            )
        },
        Template {
            examples: examples(&[("1", "Jörg"), ("2", "Mo 7.12."), ("3", "Mi 9.12.")]),
            ..demo(
                4,
                "schlachttermin",
                Utility,
                Status::Approved,
                "Hallo {{1}}, dein Schlachttermin ist am {{2}}. Dein Fleisch kannst du ab {{3}} abholen.",
            )
        },
        Template {
            buttons: vec![Button::QuickReply { text: "Ja, gerne".into() }],
            examples: examples(&[("1", "Jörg"), ("2", "Hofladen Huber")]),
            ..demo(
                5,
                "anmeldung_bestaetigen",
                Utility,
                Status::Approved,
                "Hallo {{1}}, bitte bestätige, dass du Nachrichten von {{2}} per WhatsApp erhalten möchtest: \
                 Tippe auf »Ja, gerne« oder antworte JA.",
            )
        },
        Template {
            examples: examples(&[("1", "Jörg")]),
            ..demo(
                6,
                "abmeldung_bestaetigt",
                Utility,
                Status::Approved,
                "Hallo {{1}}, du bekommst von uns keine Angebote mehr per WhatsApp.",
            )
        },
        Template {
            footer: footer.clone(),
            buttons: stop,
            examples: examples(&[("1", "Jörg"), ("2", "Sa 20.6.")]),
            ..demo(
                7,
                "hoffest_einladung",
                Marketing,
                Status::Pending,
                "{{1}}, am {{2}} feiern wir unser Hoffest – sei dabei!",
            )
        },
        Template {
            footer,
            examples: examples(&[("1", "Jörg")]),
            ..demo(8, "gewinnspiel", Marketing, Status::Rejected, "{{1}}, gewinne jetzt einen Präsentkorb!")
        },
    ]
}

/// A Graph error for the listing (always code 100, HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListError(pub String);

fn cursor(t: &Template) -> String {
    base64::engine::general_purpose::STANDARD.encode(t.meta_id.as_bytes())
}

fn decode_cursor(c: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(c.trim()).ok()?;
    String::from_utf8(bytes).ok()
}

fn matches(t: &Template, q: &HashMap<String, String>) -> bool {
    let eq =
        |key: &str, value: &str| q.get(key).is_none_or(|v| v.split(',').any(|v| v.trim().eq_ignore_ascii_case(value)));
    eq("status", t.status.as_meta())
        && eq("category", t.category.as_meta())
        && eq("language", &t.language)
        && q.get("name").is_none_or(|n| t.name.to_lowercase().contains(&n.to_lowercase()))
}

/// One page of `GET /{waba}/message_templates`. `self_url` is the request URL without query (for `paging.next`).
pub fn list(templates: &[Template], q: &HashMap<String, String>, self_url: &str) -> Result<Value, ListError> {
    let mut all: Vec<&Template> = templates.iter().filter(|t| matches(t, q)).collect();
    all.sort_by(|a, b| (&a.name, &a.language).cmp(&(&b.name, &b.language)));
    let limit = match q.get("limit") {
        Some(l) => {
            l.parse::<usize>().ok().filter(|l| *l > 0).ok_or_else(|| ListError(format!("Invalid limit {l:?}")))?
        }
        None => 25,
    }
    .min(1000);
    let position = |c: &str| -> Result<usize, ListError> {
        let id = decode_cursor(c).ok_or_else(|| ListError("Invalid cursor".into()))?;
        all.iter().position(|t| t.meta_id == id).ok_or_else(|| ListError("Invalid cursor".into()))
    };
    let (start, end) = match (q.get("after"), q.get("before")) {
        (Some(a), _) => {
            let s = position(a)? + 1;
            (s, (s + limit).min(all.len()))
        }
        (None, Some(b)) => {
            let e = position(b)?;
            (e.saturating_sub(limit), e)
        }
        (None, None) => (0, limit.min(all.len())),
    };
    let page = &all[start.min(end)..end];
    let mut body = json!({ "data": page.iter().map(|t| t.to_meta()).collect::<Vec<_>>() });
    if let (Some(first), Some(last)) = (page.first(), page.last()) {
        let mut paging = json!({"cursors": {"before": cursor(first), "after": cursor(last)}});
        let link = |key: &str, value: String| {
            let mut pairs: Vec<(String, String)> = q
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "after" | "before"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            pairs.sort();
            if !q.contains_key("limit") {
                pairs.push(("limit".into(), limit.to_string()));
            }
            pairs.push((key.into(), value));
            let query: String =
                pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
            format!("{self_url}?{query}")
        };
        if end < all.len() {
            paging["next"] = Value::String(link("after", cursor(last)));
        }
        if start > 0 {
            paging["previous"] = Value::String(link("before", cursor(first)));
        }
        body["paging"] = paging;
    }
    if q.contains_key("summary") {
        body["summary"] = json!({
            "total_count": all.len(),
            "message_template_count": templates.len(),
            "message_template_limit": 250,
            "are_translations_complete": true
        });
    }
    Ok(body)
}

/// Percent-encoding for query values (unreserved characters stay).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn query_of(next: &str) -> HashMap<String, String> {
        let url = reqwest::Url::parse(next).unwrap();
        url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }

    #[test]
    fn demo_set_is_as_documented() {
        let t = demo_templates();
        let approved = t.iter().filter(|t| t.is_approved()).count();
        assert_eq!((t.len(), approved), (8, 6));
        let w = &t[0];
        assert_eq!(w.name, "wochenangebot");
        assert_eq!(w.quick_reply_labels(), ["Keine Angebote mehr"]);
        assert_eq!(w.body_placeholders().len(), 2);
        assert_eq!(t[2].parameter_format, ParameterFormat::Named);
        assert!(t.iter().any(|t| t.status == Status::Pending) && t.iter().any(|t| t.status == Status::Rejected));
    }

    #[test]
    fn the_list_has_metas_examples_for_every_placeholder_and_media_header() {
        let templates = demo_templates();
        let page = list(&templates, &q(&[("limit", "100")]), "http://127.0.0.1:1/v25.0/1/message_templates").unwrap();
        let listed = page["data"].as_array().unwrap();
        assert_eq!(listed.len(), templates.len());
        for record in listed {
            let t = templates.iter().find(|t| record["name"] == t.name.as_str()).unwrap();
            let components = record["components"].as_array().unwrap();
            let find = |kind: &str| components.iter().find(|c| c["type"] == kind).cloned();
            let body = find("BODY").unwrap();
            let wanted = t.body_placeholders().len();
            let given = match t.parameter_format {
                ParameterFormat::Named => body["example"]["body_text_named_params"].as_array().map_or(0, Vec::len),
                _ => body["example"]["body_text"][0].as_array().map_or(0, Vec::len),
            };
            assert_eq!(given, wanted, "{}: one example per placeholder, as Meta lists them", t.name);
            if let Some(Header::Image) = t.header {
                let handle = &find("HEADER").unwrap()["example"]["header_handle"][0];
                assert!(handle.as_str().is_some_and(|h| h.starts_with("https://")), "{}: {handle}", t.name);
            }
            assert_eq!(Template::from_meta(record).unwrap(), *t, "hofbote reads back what the sandbox lists");
        }
    }

    #[test]
    fn pages_follow_cursors_until_no_next() {
        let t = demo_templates();
        let base = "http://127.0.0.1:1/v25.0/1/message_templates";
        let mut query = q(&[("limit", "3"), ("summary", "total_count")]);
        let mut names = Vec::new();
        let mut pages = 0;
        loop {
            let page = list(&t, &query, base).unwrap();
            pages += 1;
            assert_eq!(page["summary"]["total_count"], 8);
            names.extend(page["data"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_owned()));
            match page["paging"]["next"].as_str() {
                Some(next) => query = query_of(next),
                None => break,
            }
        }
        assert_eq!(pages, 3);
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names.len(), 8);
        // Going back from the last page's first item gives the page before.
        let last = list(&t, &query, base).unwrap();
        let prev = query_of(last["paging"]["previous"].as_str().unwrap());
        assert_eq!(list(&t, &prev, base).unwrap()["data"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn filters_and_bad_cursors() {
        let t = demo_templates();
        let page = list(&t, &q(&[("status", "APPROVED"), ("category", "UTILITY")]), "x").unwrap();
        assert_eq!(page["data"].as_array().unwrap().len(), 4);
        assert!(page["paging"].get("next").is_none());
        let page = list(&t, &q(&[("name", "WOCHEN")]), "x").unwrap();
        assert_eq!(page["data"].as_array().unwrap().len(), 2);
        let page = list(&t, &q(&[("language", "en_US")]), "x").unwrap();
        assert_eq!(page["data"], json!([]));
        assert!(page.get("paging").is_none());
        assert!(list(&t, &q(&[("after", "bm9wZQ==")]), "x").is_err());
        assert!(list(&t, &q(&[("limit", "0")]), "x").is_err());
    }
}
