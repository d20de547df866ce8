//! Issue 14 §2: `hofbote queue costs` against a real run — the built-in sandbox sends a broadcast's statuses and the
//! replies' (the double opt-in question after ANMELDEN, the STOP confirmation) to the real `hofbote serve`, through a
//! tap in between that keeps every webhook body. What Meta (here the sandbox) billed is counted from those bodies,
//! each message once, and must be what `queue costs` reports.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hofbote::sandbox::{self, InboundRequest};
use hofbote::whatsapp::signature;
use serde_json::Value;

use crate::pty::{Spawn, key, wait_until};
use crate::served::{free_port, prepare, sandbox_for};

#[derive(Clone)]
struct Tap {
    bodies: Arc<Mutex<Vec<Value>>>,
    to: String,
    http: reqwest::Client,
}

/// Forwards each webhook (body and signature unchanged) to `serve` and answers with its status; keeps the bodies
/// `serve` accepted.
async fn forward(State(tap): State<Tap>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut req = tap.http.post(&tap.to).header("content-type", "application/json").body(body.to_vec());
    if let Some(sig) = headers.get(signature::HEADER).and_then(|v| v.to_str().ok()) {
        req = req.header(signature::HEADER, sig);
    }
    match req.send().await {
        Ok(r) if r.status().is_success() => {
            tap.bodies.lock().unwrap().push(serde_json::from_slice(&body).unwrap_or(Value::Null));
            StatusCode::OK
        }
        Ok(r) => StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
        Err(_) => StatusCode::BAD_GATEWAY,
    }
}

fn start_tap(rt: &tokio::runtime::Runtime, at: SocketAddr, serve: SocketAddr) -> Arc<Mutex<Vec<Value>>> {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let tap = Tap {
        bodies: bodies.clone(),
        to: format!("http://{serve}/webhook"),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
    };
    let app = axum::Router::new().route("/webhook", axum::routing::post(forward)).with_state(tap);
    let listener = rt.block_on(tokio::net::TcpListener::bind(at)).unwrap();
    rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
    bodies
}

/// Messages billed per category as the bodies say it: a status's `pricing` with `billable` and `type: regular`,
/// each message id once.
fn billed_in(bodies: &[Value]) -> BTreeMap<String, i64> {
    let mut seen = HashSet::new();
    let mut out = BTreeMap::new();
    for b in bodies {
        for st in b["entry"][0]["changes"][0]["value"]["statuses"].as_array().into_iter().flatten() {
            let p = &st["pricing"];
            if p["billable"] == true && p["type"] == "regular" && seen.insert(st["id"].as_str().unwrap().to_owned()) {
                *out.entry(p["category"].as_str().unwrap().to_owned()).or_insert(0) += 1;
            }
        }
    }
    out
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn queue_costs_reports_what_the_sandbox_billed_each_message_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (tap_at, listen) = (free_port(), free_port());
    let handle = sandbox_for(&rt, 14, tap_at);
    let bodies = start_tap(&rt, tap_at, listen);
    let shop = prepare(9, &handle.url(), listen, 40);
    let _serve = shop.serve(None);
    let db = shop.home.db();

    // The broadcast goes out; then a stranger signs up and a customer sends STOP: two automatic replies.
    assert!(wait_until(Duration::from_secs(120), || shop.all_final()), "{:?}\n{}", shop.row_states(), shop.log());
    for (from, text) in [("0171 6000001", "ANMELDEN"), (shop.consenting[0].as_str(), "STOP")] {
        let req = InboundRequest {
            from: from.into(),
            text: Some(text.into()),
            button: None,
            name: Some("Kundin".into()),
            phone_number_id: None,
            user_id: None,
        };
        rt.block_on(sandbox::remote::inbound(&handle.url(), &req)).unwrap();
    }
    let replies_read =
        || count(&db, "SELECT count(*) FROM outbox WHERE kind = 'reply_in_window' AND state = 'read'") == 2;
    assert!(wait_until(Duration::from_secs(60), replies_read), "replies not sent and read\n{}", shop.log());
    let settled = || {
        let s = handle.webhook_stats();
        s.pending == 0 && count(&db, "SELECT count(*) FROM webhook_events WHERE applied_at IS NULL") == 0
    };
    assert!(wait_until(Duration::from_secs(60), settled), "{:?}\n{}", handle.webhook_stats(), shop.log());

    let expected = billed_in(&bodies.lock().unwrap());
    let sent_by_sandbox = handle.ledger().len() as i64;
    assert_eq!(expected.values().sum::<i64>(), sent_by_sandbox, "every accepted message is billed once: {expected:?}");
    assert_eq!(expected.get("service"), Some(&2), "the two replies are billed as service: {expected:?}");

    let out = shop.home.ok(&["queue", "costs", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut reported: BTreeMap<String, i64> = BTreeMap::new();
    for line in v["lines"].as_array().unwrap() {
        for (category, n) in line["billed"].as_object().unwrap() {
            *reported.entry(category.clone()).or_insert(0) += n.as_i64().unwrap();
        }
    }
    assert_eq!(reported, expected, "{out}");
    let replies = v["lines"].as_array().unwrap().iter().find(|l| l["kind"] == "reply_in_window").unwrap();
    assert_eq!(replies["sent"], 2);
    assert!(replies["estimate"].as_f64().unwrap() > 0.0, "replies are priced: {replies}");

    // The farmer's view: the month, the broadcast beside its estimate, the replies, and no "kostenlos".
    let month = v["lines"][0]["month"].as_str().unwrap().to_owned();
    let text = shop.home.ok(&["queue", "costs", "--month", &month]);
    eprintln!("{text}");
    let marketing = expected.get("marketing").copied().unwrap_or(0);
    assert!(text.contains(&format!("{marketing} Werbung")), "{text}");
    assert!(text.contains("2 Antwort"), "{text}");
    assert!(text.contains("wochenangebot · Werbung") && text.contains("Antworten"), "{text}");
    assert!(!text.to_lowercase().contains("kostenlos"), "{text}");
    let bad = shop.home.run(&["queue", "costs", "--month", "2026-13"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--month: »2026-13« ist kein Monat wie 2026-11."));

    // In the app at 80x24: the broadcast's detail shows both figures (at the default prices).
    let templates = handle.ledger().iter().filter(|e| e.kind == "template").count() as f64;
    let money = |a: f64| hofbote::domain::broadcast::format_money(a, "EUR", hofbote::i18n::Lang::De);
    let want = format!("Kosten: ca. {} / abgerechnet {}", money(templates * 0.1131), money(marketing as f64 * 0.1131));
    let mut app = Spawn::new(shop.home.path())
        .env("HOFBOTE_CONFIG", &shop.home.config().display().to_string())
        .env("HOFBOTE_DB", &db.display().to_string())
        .size(80, 24)
        .spawn();
    app.wait_for("Versand");
    app.keys("4");
    app.wait_for("wochenangebot");
    app.keys(key::ENTER);
    app.wait_screen(&want, |s| s.contains(&want));
    app.quit_confirming("q");
    rt.block_on(handle.shutdown());
}

/// Files under `dir` (recursively) whose name ends in one of `exts`.
fn files(dir: &std::path::Path, exts: &[&str], out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let p = e.path();
        if p.is_dir() {
            files(&p, exts, out);
        } else if exts.iter().any(|x| p.to_string_lossy().ends_with(x)) {
            out.push(p);
        }
    }
}

/// Since 1 October 2026 nothing hofbote sends is free: no text the farmer reads — the program's strings, the
/// recorded screens, the README, the example configuration — calls a message "kostenlos". Allowed: the word list
/// that flags advertising in a service template (domain/checks.rs) and tests that assert its absence.
#[test]
fn no_user_text_says_kostenlos() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    files(&root.join("src"), &[".rs", ".snap"], &mut all);
    files(&root.join("assets"), &[".toml", ".txt", ".md", ".json"], &mut all);
    all.push(root.join("README.md"));
    let mut found = Vec::new();
    for path in all {
        if path.ends_with("src/domain/checks.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let lower = line.to_lowercase();
            let free = ["kostenlos", "kostenfrei", "gratis", "umsonst"].iter().any(|w| lower.contains(w));
            if free && !lower.contains("contains(\"kostenlos\")") {
                found.push(format!("{}:{}: {line}", path.strip_prefix(root).unwrap().display(), i + 1));
            }
        }
    }
    assert!(found.is_empty(), "messages called free:\n{}", found.join("\n"));
}
