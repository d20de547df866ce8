//! The receiver under connections that never finish (issue 12, fault 5): the header, body and idle timeouts close
//! them, a connection cap below the open-file limit closes the longest-idle one for a new one, and the real
//! `hofbote serve` under `prlimit --nofile=1024` still answers signed webhooks 200 while 1,100 half-open
//! connections are held — and stores them. All traffic stays on 127.0.0.1.

use std::io::Write;
use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::time::{Duration, Instant};

use hofbote::config::Secret;
use hofbote::domain::phone::Region;
use hofbote::store::{Db, Store};
use hofbote::webhook::{ApplyContext, Limits, Receiver, ReceiverConfig};
use hofbote::whatsapp::signature;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{ServeProcess, TempHome};

const SECRET: &str = "slowloris-secret";
/// The start of a request whose header never ends.
const PARTIAL: &[u8] = b"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";

fn status_body(i: usize) -> Vec<u8> {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"phone_number_id":"1"}},"statuses":[{{"id":"wamid.S{i}","status":"delivered","timestamp":"1764234000","recipient_id":"491711234567"}}]}}}}]}}]}}"#
    )
    .into_bytes()
}

fn signed_request(body: &[u8]) -> Vec<u8> {
    let sig = signature::sign(SECRET.as_bytes(), body);
    let mut req = format!(
        "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{}: {sig}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        signature::HEADER,
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

struct Running {
    addr: SocketAddr,
    db: Db,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn start(limits: Limits) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("h.sqlite"), hofbote::clock::system()).unwrap();
    let (db, _) = Db::spawn(store);
    let receiver = Receiver::start_with_limits(
        db.clone(),
        ReceiverConfig {
            app_secret: Some(Secret::new(SECRET)),
            verify_token: None,
            apply: ApplyContext { shop_name: "Hof".into(), region: Region::DE, signups_per_hour: 50 },
        },
        limits,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(receiver.serve(listener, async move {
        let _ = rx.await;
    }));
    Running { addr, db, _dir: dir, _shutdown: tx }
}

fn limits(header: u64, body: u64, idle: u64, max: usize) -> Limits {
    Limits {
        header_read: Duration::from_millis(header),
        body_read: Duration::from_millis(body),
        idle: Duration::from_millis(idle),
        max_connections: max,
    }
}

/// Reads until the server closes; returns what it sent, or `None` if it was still open at the deadline.
async fn closed_within(stream: &mut TcpStream, deadline: Duration) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(deadline, async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| String::from_utf8_lossy(&got).into_owned())
}

async fn stored(db: &Db) -> i64 {
    db.call(|s| Ok(s.conn().query_row("SELECT count(*) FROM webhook_events", [], |r| r.get::<_, i64>(0))?))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_that_never_ends_is_closed_after_the_header_timeout() {
    let r = start(limits(300, 60_000, 60_000, 100)).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    s.write_all(PARTIAL).await.unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(10)).await.is_some(), "still open after the header timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_ends_gets_408_and_nothing_is_stored() {
    let r = start(limits(60_000, 300, 60_000, 100)).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    let body = status_body(1);
    let req = signed_request(&body);
    // Everything but the last 10 bytes of the body.
    s.write_all(&req[..req.len() - 10]).await.unwrap();
    let answer = closed_within(&mut s, Duration::from_secs(10)).await.expect("answered and closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(stored(&r.db).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let r = start(limits(60_000, 60_000, 300, 100)).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(10)).await.is_some(), "still open after the idle timeout");
}

/// Sends a complete request and reads its answer's head: afterwards the server has accepted the connection and
/// answered on it, so connections opened one after the other have strictly ordered last activity.
async fn answered_keep_alive(addr: SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0, "closed before answering");
        head.extend_from_slice(&buf[..n]);
    }
    assert!(head.starts_with(b"HTTP/1.1 403"), "{}", String::from_utf8_lossy(&head));
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_the_oldest_idle_connections_make_room_for_a_signed_webhook() {
    let r = start(limits(60_000, 60_000, 60_000, 4)).await;
    let mut held = Vec::new();
    for _ in 0..6 {
        held.push(answered_keep_alive(r.addr).await);
    }
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    s.write_all(&signed_request(&status_body(1))).await.unwrap();
    let answer = closed_within(&mut s, Duration::from_secs(10)).await.expect("answered");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(stored(&r.db).await, 1);
    // The three oldest were closed for the newer ones and the webhook; the three newest are still open.
    for (i, s) in held.iter_mut().enumerate() {
        let closed = closed_within(s, Duration::from_millis(if i < 3 { 5_000 } else { 200 })).await.is_some();
        assert_eq!(closed, i < 3, "connection {i}");
    }
}

/// The test itself holds 1,100 sockets: where its soft limit is the usual 1,024, raise it towards the hard limit
/// (allowed without privileges) with `prlimit --pid`.
fn raise_own_file_limit(want: u64) {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap();
    let fields: Vec<&str> = line.trim_start_matches("Max open files").split_whitespace().collect();
    let soft: u64 = fields[0].parse().unwrap_or(u64::MAX);
    if soft >= want {
        return;
    }
    let hard: u64 = fields[1].parse().unwrap_or(u64::MAX);
    assert!(hard >= want, "this test needs {want} open files; the hard limit is {hard}");
    let ok = std::process::Command::new("prlimit")
        .args(["--pid", &std::process::id().to_string(), &format!("--nofile={want}:")])
        .status()
        .unwrap();
    assert!(ok.success(), "prlimit could not raise the test's own open-file limit");
}

#[test]
fn serve_under_a_1024_file_limit_answers_signed_webhooks_while_1100_connections_hang() {
    raise_own_file_limit(1500);
    let home = TempHome::new();
    // prlimit runs the real binary with the usual soft and hard limit of 1,024 open files.
    let serve = ServeProcess::start(&home, SECRET, Some(1024));
    let started = Instant::now();
    let mut held = Vec::with_capacity(1100);
    for i in 0..1100 {
        let mut s = StdTcpStream::connect_timeout(&serve.addr, Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("connection {i}: {e}"));
        s.write_all(PARTIAL).unwrap();
        held.push(s);
    }
    let flooded = started.elapsed();
    for i in 0..5 {
        let answer = serve
            .post(&status_body(i), Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("signed webhook {i} with 1,100 hanging connections: {e}\n{}", serve.log()));
        assert!(answer.starts_with("HTTP/1.1 200"), "webhook {i}: {answer}");
    }
    // The header timeout (20 s) had not freed anything yet: the cap did.
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?} (flood {flooded:?})", started.elapsed());
    drop(held);
    let conn = rusqlite::Connection::open(home.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM webhook_events", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 5, "every signed webhook stored");
}

#[test]
fn the_systemd_unit_raises_the_open_file_limit() {
    let unit = include_str!("../../assets/hofbote.service");
    let line = unit.lines().find(|l| l.starts_with("LimitNOFILE=")).expect("LimitNOFILE= in hofbote.service");
    let n: u64 = line.trim_start_matches("LimitNOFILE=").parse().unwrap();
    assert!(n >= 4096, "{line}");
}
