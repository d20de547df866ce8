//! Integration tests: the real Cloud API client against the in-process sandbox on 127.0.0.1 — sends land in the
//! ledger exactly once, every error class the sandbox can provoke is classified right, template paging and sync
//! into a real SQLite file.

use std::sync::Arc;
use std::time::Duration;

use hofbote::config::Secret;
use hofbote::domain::template::{Params, Status};
use hofbote::sandbox::{self, PairLimit, SandboxConfig};
use hofbote::store::{Db, Store};
use hofbote::template_sync::{sync_templates, sync_templates_paged};
use hofbote::whatsapp::{ErrorClass, Media, Origin, TemplateMessage};
use serde_json::json;

use crate::sandbox::{client, client_with, offer, phone, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_send_is_in_the_ledger_exactly_once() {
    let sb = start(SandboxConfig::for_tests(21)).await;
    let c = client(&sb);
    let sent = c.send_template(&phone("0171 1234567"), &offer("Liebe Anna"), "17").await.unwrap();
    assert!(sent.wamid.starts_with("wamid."), "{}", sent.wamid);
    assert_eq!(sent.message_status.as_deref(), Some("accepted"));
    assert_eq!(sent.wa_id.as_deref(), Some("491711234567"));
    let ledger = sandbox::ledger(&sb.url()).await.unwrap();
    assert_eq!(ledger.len(), 1);
    let e = &ledger[0];
    assert_eq!((e.to.as_str(), e.input.as_str()), ("+491711234567", "+491711234567"), "sent as E.164 with +");
    assert_eq!((e.template.as_deref(), e.language.as_deref()), (Some("wochenangebot"), Some("de")));
    assert_eq!(e.params, json!(["Liebe Anna", "Kartoffeln 2,50 €/kg"]));
    assert_eq!(e.biz_opaque_callback_data.as_deref(), Some("17"));
    assert_eq!(e.wamid, sent.wamid);

    // Named parameters and an image header.
    let abhol = sandbox::demo_templates().into_iter().find(|t| t.name == "abholtermin").unwrap();
    let p = Params::named(&[("time", "17 Uhr"), ("name", "Jörg"), ("date", "Fr 4.12.")]);
    c.send_template(&phone("0171 1234567"), &TemplateMessage::from_template(&abhol, &p, None), "18").await.unwrap();
    let bild = sandbox::demo_templates().into_iter().find(|t| t.name == "wochenangebot_bild").unwrap();
    let p = Params::positional(&["Hallo", "Spargel"]);
    let no_image = TemplateMessage::from_template(&bild, &p, None);
    let e = c.send_template(&phone("0171 1234567"), &no_image, "19").await.unwrap_err();
    assert_eq!((e.class, e.code), (ErrorClass::RequestProblem, Some(131008)));
    let with_image = TemplateMessage::from_template(&bild, &p, Some(Media::Link("https://hof.example/s.jpg".into())));
    c.send_template(&phone("0171 1234567"), &with_image, "19").await.unwrap();
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 3);
    assert_eq!(ledger[1].params, json!({"name": "Jörg", "date": "Fr 4.12.", "time": "17 Uhr"}));
    c.mark_read(&ledger[0].wamid).await.unwrap();
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_outside_the_window_is_refused() {
    let sb = start(SandboxConfig::for_tests(22)).await;
    let c = client(&sb);
    let e = c.send_text(&phone("0171 5555555"), "Hallo", "1").await.unwrap_err();
    assert_eq!((e.class, e.code, e.http_status), (ErrorClass::WindowClosed, Some(131047), Some(400)));
    assert!(sb.ledger().is_empty());
    sandbox::say(&sb.url(), "+49 171 5555555", "Hallo Hof").await.unwrap();
    c.send_text(&phone("0171 5555555"), "Hallo zurück", "2").await.unwrap();
    assert_eq!(sb.ledger().len(), 1);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_provokable_error_class() {
    let cfg = SandboxConfig { token: Some(Secret::new("right")), ..SandboxConfig::for_tests(23) };
    let sb = start(cfg).await;
    let to = phone("0171 6666666");

    let e = client_with(&sb, "wrong", Duration::from_secs(5)).send_template(&to, &offer("A"), "1").await.unwrap_err();
    assert_eq!((e.class, e.code, e.http_status), (ErrorClass::AuthFailure, Some(190), Some(401)));
    assert!(!e.to_string().contains("wrong") && !format!("{e:?}").contains("wrong"), "token leaked: {e:?}");

    let c = client_with(&sb, "right", Duration::from_secs(5));
    let mut unknown = offer("A");
    unknown.name = "gibt_es_nicht".into();
    let e = c.send_template(&to, &unknown, "1").await.unwrap_err();
    assert_eq!((e.class, e.code), (ErrorClass::RequestProblem, Some(132001)));
    let mut wrong_lang = offer("A");
    wrong_lang.language = "en_US".into();
    assert_eq!(c.send_template(&to, &wrong_lang, "1").await.unwrap_err().code, Some(132001));
    let pending = sandbox::demo_templates().into_iter().find(|t| t.status == Status::Pending).unwrap();
    let msg = TemplateMessage::from_template(&pending, &Params::positional(&["A", "B"]), None);
    assert_eq!(c.send_template(&to, &msg, "1").await.unwrap_err().code, Some(132001));
    let mut short = offer("A");
    short.body = hofbote::whatsapp::BodyParams::Positional(vec!["nur einer".into()]);
    let e = c.send_template(&to, &short, "1").await.unwrap_err();
    assert_eq!((e.class, e.code), (ErrorClass::RequestProblem, Some(132000)));
    assert!(e.detail.contains("(1) does not match the expected number of params (2)"), "{}", e.detail);

    // 5xx with Meta's transient error (code 1, is_transient): retry later, nothing accepted.
    let http = reqwest::Client::new();
    let faults = |v: serde_json::Value| http.post(format!("{}/_sandbox/faults", sb.url())).json(&v).send();
    faults(json!({"server_error_share": 1.0})).await.unwrap();
    let e = c.send_template(&to, &offer("A"), "1").await.unwrap_err();
    assert_eq!((e.class, e.code, e.http_status), (ErrorClass::RetryLater, Some(1), Some(500)));
    faults(json!({"server_error_share": 0.0, "rate_limit_share": 1.0})).await.unwrap();
    let e = c.send_template(&to, &offer("A"), "1").await.unwrap_err();
    assert_eq!((e.class, e.code, e.retry_after), (ErrorClass::RetryLater, Some(130429), Some(Duration::from_secs(1))));
    faults(json!({"rate_limit_share": 0.0})).await.unwrap();
    assert!(sb.ledger().is_empty());

    // No sandbox at all: nothing was written, so retrying is safe.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cfg = hofbote::config::WhatsApp {
        base_url: format!("http://127.0.0.1:{port}"),
        phone_number_id: "1".into(),
        ..Default::default()
    };
    let timeouts = hofbote::whatsapp::Timeouts { connect: Duration::from_secs(2), request: Duration::from_secs(5) };
    let nowhere = hofbote::whatsapp::Client::with_token(&cfg, Secret::new("t"), timeouts).unwrap();
    let e = nowhere.send_template(&to, &offer("A"), "1").await.unwrap_err();
    assert_eq!((e.class, e.origin), (ErrorClass::RetryLater, Origin::Connect));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_and_pair_limit() {
    // 3 per minute instead of 80 per second: the same sliding window, but no test machine is too slow for it.
    let cfg = SandboxConfig {
        rate_per_second: Some(3),
        rate_window: Duration::from_secs(60),
        ..SandboxConfig::for_tests(24)
    };
    let sb = start(cfg).await;
    let c = client(&sb);
    let mut results = Vec::new();
    for n in 0..5 {
        results.push(c.send_template(&phone(&format!("0171 700000{n}")), &offer("A"), "r").await);
    }
    assert!(results[..3].iter().all(Result::is_ok));
    for r in &results[3..] {
        let e = r.as_ref().unwrap_err();
        assert_eq!((e.class, e.code, e.http_status), (ErrorClass::RetryLater, Some(130429), Some(429)));
        let wait = e.retry_after.unwrap();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{wait:?}");
    }
    sb.shutdown().await;

    let cfg = SandboxConfig {
        pair_limit: Some(PairLimit { interval: Duration::from_secs(600), burst: 1 }),
        ..SandboxConfig::for_tests(25)
    };
    let sb = start(cfg).await;
    let c = client(&sb);
    c.send_template(&phone("0171 8000000"), &offer("A"), "p1").await.unwrap();
    let e = c.send_template(&phone("0171 8000000"), &offer("A"), "p2").await.unwrap_err();
    assert_eq!((e.class, e.code), (ErrorClass::PairLimited, Some(131056)));
    c.send_template(&phone("0171 8000001"), &offer("A"), "p3").await.unwrap();
    assert_eq!(sb.ledger().len(), 2);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_after_acceptance_is_outcome_unknown_and_the_ledger_has_it() {
    let cfg = SandboxConfig {
        faults: sandbox::Faults { timeout_share: 1.0, ..Default::default() },
        timeout_fault_delay: Duration::from_secs(20),
        ..SandboxConfig::for_tests(26)
    };
    let sb = start(cfg).await;
    let c = client_with(&sb, "t", Duration::from_millis(400));
    let e = c.send_template(&phone("0171 9000000"), &offer("A"), "outbox-55").await.unwrap_err();
    assert_eq!((e.class, e.origin), (ErrorClass::OutcomeUnknown, Origin::NoAnswer), "{e:?}");
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].biz_opaque_callback_data.as_deref(), Some("outbox-55"));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_paging_and_sync_into_sqlite() {
    let sb = start(SandboxConfig::for_tests(27)).await;
    let c = client(&sb);
    let listing = c.list_templates_paged(3).await.unwrap();
    assert_eq!((listing.pages, listing.records.len()), (3, 8));
    let info = c.phone_number_info().await.unwrap();
    assert_eq!(info.throughput.unwrap().level, "STANDARD");
    assert_eq!(info.whatsapp_business_manager_messaging_limit.as_deref(), Some("TIER_UNLIMITED"), "a test account");
    assert_eq!(info.id, "106540352242922");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hofbote.sqlite");
    let (db, _thread) = Db::spawn(Store::open(&path, hofbote::clock::system()).unwrap());
    let report = sync_templates_paged(&c, &db, 2).await.unwrap();
    assert_eq!((report.pages, report.stored, report.diff.added.len()), (4, 8, 8));
    sb.shutdown().await;

    // Meta now lists fewer templates, one with another status: the sync mirrors that.
    let mut fewer = sandbox::demo_templates();
    fewer.retain(|t| t.name != "gewinnspiel");
    fewer.iter_mut().find(|t| t.name == "hoffest_einladung").unwrap().status = Status::Approved;
    let sb = start(SandboxConfig { templates: fewer, ..SandboxConfig::for_tests(28) }).await;
    let report = sync_templates(&client(&sb), &db).await.unwrap();
    assert_eq!(report.diff.removed.len(), 1);
    assert_eq!(report.diff.removed[0].name, "gewinnspiel");
    assert_eq!(report.diff.changed.len(), 1);
    assert_eq!(report.diff.unchanged, 6);
    let text = hofbote::cli::templates::render_sync_report(&report, hofbote::i18n::Lang::De);
    assert!(text.contains("hoffest_einladung (de): in Prüfung → genehmigt"), "{text}");
    sb.shutdown().await;
    drop(db);

    // A fresh connection to the same file sees the synced set.
    let store = Store::open(&path, Arc::new(hofbote::clock::SystemClock)).unwrap();
    assert_eq!(store.templates().unwrap().len(), 7);
    assert_eq!(store.approved_templates().unwrap().len(), 7);
    let w = store.template("wochenangebot", "de").unwrap().unwrap();
    assert_eq!(w.quick_reply_labels(), ["Keine Angebote mehr"]);
    let list = hofbote::cli::templates::render_list(&store.templates().unwrap(), hofbote::i18n::Lang::De);
    assert!(list.contains("wochenangebot") && list.contains("Werbung") && list.contains("Service"), "{list}");
}
