//! Unit tests of the Cloud API request and response shapes. Test code only.
use serde_json::json;

use super::*;
use crate::domain::phone::{Phone, Region};

fn phone() -> Phone {
    Phone::parse("0171 1234567", Region::DE).unwrap()
}

#[test]
fn named_template_with_image_header_and_buttons() {
    let msg = TemplateMessage {
        name: "abholtermin".into(),
        language: "de".into(),
        header: Some(HeaderParam::Image(Media::Link("https://hof.example/bild.jpg".into()))),
        body: BodyParams::Named(vec![("first_name".into(), "Jörg".into()), ("date".into(), "Fr 4.12.".into())]),
        buttons: vec![
            ButtonParam::QuickReply { index: 0, payload: "stop-marketing".into() },
            ButtonParam::Url { index: 1, text: "A12345".into() },
        ],
    };
    assert_eq!(
        msg.request(&phone(), "42"),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+491711234567",
            "type": "template",
            "biz_opaque_callback_data": "42",
            "template": {
                "name": "abholtermin",
                "language": {"code": "de"},
                "components": [
                    {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://hof.example/bild.jpg"}}]},
                    {"type": "body", "parameters": [
                        {"type": "text", "text": "Jörg", "parameter_name": "first_name"},
                        {"type": "text", "text": "Fr 4.12.", "parameter_name": "date"}
                    ]},
                    {"type": "button", "sub_type": "quick_reply", "index": "0",
                     "parameters": [{"type": "payload", "payload": "stop-marketing"}]},
                    {"type": "button", "sub_type": "url", "index": "1",
                     "parameters": [{"type": "text", "text": "A12345"}]}
                ]
            }
        })
    );
}

#[test]
fn positional_template_with_text_header_and_media_id() {
    let mut msg = TemplateMessage {
        name: "wochenangebot".into(),
        language: "de".into(),
        header: Some(HeaderParam::Text("Müller".into())),
        body: BodyParams::Positional(vec!["Liebe Anna".into(), "Kartoffeln".into()]),
        buttons: vec![],
    };
    let v = msg.request(&phone(), "7");
    assert_eq!(v["to"], "+491711234567");
    assert_eq!(
        v["template"]["components"][0],
        json!({"type": "header", "parameters": [{"type": "text", "text": "Müller"}]})
    );
    assert_eq!(
        v["template"]["components"][1]["parameters"],
        json!([{"type": "text", "text": "Liebe Anna"}, {"type": "text", "text": "Kartoffeln"}])
    );
    msg.header = Some(HeaderParam::Image(Media::Id("123456789012345".into())));
    let v = msg.request(&phone(), "7");
    assert_eq!(
        v["template"]["components"][0]["parameters"][0],
        json!({"type": "image", "image": {"id": "123456789012345"}})
    );
}

#[test]
fn template_without_parameters_has_no_components() {
    let msg = TemplateMessage {
        name: "hallo".into(),
        language: "de".into(),
        header: None,
        body: BodyParams::Positional(vec![]),
        buttons: vec![],
    };
    let v = msg.request(&phone(), "1");
    assert_eq!(v["template"], json!({"name": "hallo", "language": {"code": "de"}}));
}

#[test]
fn from_template_follows_the_parameter_format() {
    let t = Template::from_meta(&json!({
        "name": "abholtermin", "language": "de", "category": "UTILITY", "status": "APPROVED",
        "parameter_format": "NAMED",
        "components": [{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "{{first_name}}: {{date}} {{first_name}}"}]
    }))
    .unwrap();
    let p = Params::named(&[("date", "Fr"), ("first_name", "Anna")]);
    let m = TemplateMessage::from_template(&t, &p, Some(Media::Id("9".into())));
    assert_eq!(m.body, BodyParams::Named(vec![("first_name".into(), "Anna".into()), ("date".into(), "Fr".into())]));
    assert_eq!(m.header, Some(HeaderParam::Image(Media::Id("9".into()))));

    let t = Template::from_meta(&json!({
        "name": "w", "language": "de", "category": "MARKETING", "status": "APPROVED",
        "components": [{"type": "HEADER", "format": "TEXT", "text": "Hof {{1}}"}, {"type": "BODY", "text": "{{2}} {{1}}"}]
    }))
    .unwrap();
    let m = TemplateMessage::from_template(&t, &Params::positional(&["a", "b"]).with_header("H"), None);
    assert_eq!(m.body, BodyParams::Positional(vec!["a".into(), "b".into()]));
    assert_eq!(m.header, Some(HeaderParam::Text("H".into())));
}

#[test]
fn text_and_mark_read_bodies() {
    assert_eq!(
        text_request(&phone(), "Danke!", false, "9"),
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+491711234567",
               "type": "text", "text": {"preview_url": false, "body": "Danke!"}, "biz_opaque_callback_data": "9"})
    );
    assert_eq!(
        mark_read_request("wamid.X"),
        json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"})
    );
}

#[test]
fn parses_responses_and_errors() {
    let r: SendResponse = serde_json::from_value(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": "+491711234567", "wa_id": "491711234567"}],
        "messages": [{"id": "wamid.HBg", "message_status": "accepted"}]
    }))
    .unwrap();
    assert_eq!(r.messages[0].id, "wamid.HBg");
    assert_eq!(r.contacts[0].wa_id.as_deref(), Some("491711234567"));
    let without_status: SendResponse =
        serde_json::from_value(json!({"messages": [{"id": "wamid.Y"}], "contacts": [{"input": "x"}]})).unwrap();
    assert_eq!(without_status.messages[0].message_status, None);
    let e: ErrorBody = serde_json::from_str(
        r#"{"error":{"message":"(#132000) Number of parameters does not match the expected number of params","code":132000,
 "type":"OAuthException","error_data":{"messaging_product":"whatsapp",
 "details":"body: number of localizable_params (1) does not match the expected number of params (3)"},
 "fbtrace_id":"AOnodi98JaYHcSTvVvrOtJs"}}"#,
    )
    .unwrap();
    assert_eq!(e.error.code, 132000);
    assert!(e.error.error_data.unwrap().details.unwrap().contains("(3)"));
}

/// Issue 14 §4: a person known only by business-scoped user id is addressed in `recipient`, never with a `to`
/// (Meta lets `to` win when both are present); template and text sends share the one choice.
#[test]
fn a_user_id_goes_into_recipient_and_a_number_into_to() {
    use crate::domain::phone::Recipient;
    let user = Recipient::UserId("DE.13491208655302741918".into());
    let v = text_request(&user, "Danke!", false, "9");
    assert_eq!(v["recipient"], "DE.13491208655302741918");
    assert!(v.get("to").is_none(), "{v}");
    let msg = TemplateMessage {
        name: "angebot".into(),
        language: "de".into(),
        header: None,
        body: BodyParams::Positional(vec!["A".into()]),
        buttons: vec![],
    };
    let v = msg.request(&user, "7");
    assert_eq!((v["recipient"].as_str(), v.get("to")), (Some("DE.13491208655302741918"), None));
    assert_eq!(recipient_field(&Recipient::Phone(phone())), ("to", "+491711234567"));
    assert!(msg.request(&phone(), "7").get("recipient").is_none());
}
