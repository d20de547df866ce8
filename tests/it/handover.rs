//! Issue 12, fault 3: who sends when the terminal app and `hofbote serve` run on the same database, in either order.
//! The real binary twice — the app in a real pty, the service as a child process — against the in-process sandbox,
//! whose status and inbound webhooks go to the service's receiver. Whatever the order, `serve` receives webhooks
//! while it runs, exactly one process sends, and every consenting recipient gets the broadcast once — nobody after
//! their STOP.

use std::process::Command;
use std::time::Duration;

use hofbote::sandbox::{self, SandboxHandle};

use crate::pty::{DEADLINE, Pty, Spawn, context_switches, wait_until};
use crate::served::{Served, Shop, check_ledger, free_port, integrity_ok, prepare, sandbox_for, wait_exit};

/// The terminal app on the shop's database, with the access token (so it can send), 100 columns wide.
pub(crate) fn terminal_app(shop: &Shop) -> Pty {
    Spawn::new(shop.home.path())
        .env("HOFBOTE_CONFIG", &shop.home.config().display().to_string())
        .env("HOFBOTE_DB", &shop.home.db().display().to_string())
        .env("HOFBOTE_WHATSAPP_TOKEN", "chaos-token")
        .size(100, 30)
        .spawn()
}

/// `serve` for the shop, once its receiver accepts connections; fails with its log when it ended instead.
pub(crate) fn serve_up(shop: &Shop) -> Served {
    let mut child = shop.serve(None);
    let up = wait_until(DEADLINE, || {
        std::net::TcpStream::connect(shop.listen).is_ok() || child.try_wait().unwrap().is_some()
    });
    assert!(up, "serve did not come up");
    if let Some(status) = child.try_wait().unwrap() {
        panic!("serve ended ({status}) instead of receiving webhooks:\n{}", serve_log(shop));
    }
    child
}

pub(crate) fn serve_log(shop: &Shop) -> String {
    std::fs::read_to_string(shop.home.path().join("serve.log")).unwrap_or_default()
}

pub(crate) fn stop_serve(shop: &Shop, mut child: Served) {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = wait_exit(&mut child, DEADLINE).expect("SIGTERM ends serve");
    assert!(status.success(), "graceful exit: {status}\n{}", serve_log(shop));
}

fn templates_to(handle: &SandboxHandle, phone: &str) -> usize {
    handle.ledger().iter().filter(|e| e.kind == "template" && e.to == phone).count()
}

/// The app sends first; `serve` starts in the middle of the broadcast. Before, it ended at once ("Ein anderer
/// hofbote sendet bereits…") and took its receiver with it: statuses and STOPs went nowhere. Now it receives at
/// once, the app hands sending over at the next message boundary (and says so in its header), the service finishes
/// the broadcast also after the app quit, and the STOPs are honoured.
#[test]
fn serve_started_while_the_terminal_app_sends_receives_at_once_and_takes_over_sending() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = free_port();
    let handle = sandbox_for(&rt, 31, listen);
    // 60 customers at 4 messages/s: about 13 s of sending, long enough for both processes to take part.
    let shop = prepare(60, &handle.url(), listen, 4);
    let mut app = terminal_app(&shop);
    app.wait_for("Versand: läuft hier");
    assert!(wait_until(DEADLINE, || handle.ledger().len() >= 3), "the app does not send:\n{}", app.screen());

    let serve = serve_up(&shop);
    // Three customers near the end of the list write STOP before their message went out.
    let stoppers: Vec<String> = shop.consenting[shop.consenting.len() - 3..].to_vec();
    for phone in &stoppers {
        assert_eq!(templates_to(&handle, phone), 0, "{phone} was sent to already: the test is too slow");
        rt.block_on(sandbox::say(&handle.url(), phone, "STOP")).unwrap();
    }
    // The receiver applied them while the app is still open.
    let conn = rusqlite::Connection::open(shop.home.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let stops = || -> i64 {
        conn.query_row("SELECT count(*) FROM inbound_messages WHERE text = 'STOP'", [], |r| r.get(0)).unwrap()
    };
    assert!(wait_until(DEADLINE, || stops() == 3), "STOPs not received: {}\n{}", stops(), serve_log(&shop));
    app.wait_for("an Dienst übergeben");
    let said = "übernimmt den Versand, sobald es ihn abgibt";
    assert!(serve_log(&shop).contains(said), "serve says why it does not send yet:\n{}", serve_log(&shop));
    let before_quit = handle.ledger().len();
    assert!(before_quit < shop.consenting.len(), "the broadcast ended before the app quit: the test is too slow");

    app.keys("q");
    let status = app.wait_exit();
    assert!(status.success(), "{status}");
    let done = wait_until(Duration::from_secs(120), || shop.all_final());
    assert!(done, "serve did not finish the broadcast: {:?}\n{}", shop.row_states(), serve_log(&shop));

    let expected: Vec<String> = shop.consenting.iter().filter(|p| !stoppers.contains(p)).cloned().collect();
    check_ledger(&handle.ledger(), &expected);
    for phone in &stoppers {
        assert_eq!(templates_to(&handle, phone), 0, "{phone} got the offer after STOP");
    }
    let states = shop.row_states();
    let read = states.iter().find(|(s, _)| s == "read").map_or(0, |(_, n)| *n);
    assert_eq!(read as usize, expected.len(), "every status applied, also of the app's messages: {states:?}");
    stop_serve(&shop, serve);
    integrity_ok(&shop.home.db());
    rt.block_on(handle.shutdown());
}

/// `serve` sends first; the app started then does not send and says the service does. When the service stops,
/// the app takes sending over (no broadcast is left half-sent) and its header says so; nobody gets it twice.
#[test]
fn the_terminal_app_started_while_serve_sends_leaves_sending_to_it_and_takes_over_when_it_stops() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = free_port();
    let handle = sandbox_for(&rt, 32, listen);
    let shop = prepare(60, &handle.url(), listen, 4);
    let serve = serve_up(&shop);
    assert!(wait_until(DEADLINE, || handle.ledger().len() >= 3), "serve does not send:\n{}", serve_log(&shop));

    let mut app = terminal_app(&shop);
    app.wait_for("Versand: Dienst");
    // The service goes on sending while the app is open, and the app does not take over.
    let seen = handle.ledger().len();
    assert!(wait_until(DEADLINE, || handle.ledger().len() >= seen + 4), "sending stopped with the app open");
    assert!(app.screen().contains("Versand: Dienst"), "{}", app.screen());

    stop_serve(&shop, serve);
    let sent_by_serve = handle.ledger().len();
    assert!(sent_by_serve < shop.consenting.len(), "the broadcast ended before serve stopped: the test is too slow");
    app.wait_for("Versand: läuft hier");
    let complete = wait_until(Duration::from_secs(120), || handle.ledger().len() >= shop.consenting.len());
    assert!(complete, "the app did not finish the broadcast: {:?}\n{}", shop.row_states(), app.screen());
    app.quit_confirming("q");
    check_ledger(&handle.ledger(), &shop.consenting);
    integrity_ok(&shop.home.db());
    rt.block_on(handle.shutdown());
}

/// Any other holder of the send lock (here the test itself, as `hofbote send --wait` or a second window would be):
/// `serve` receives meanwhile, waits without a timer — its threads sleep until the kernel reports the release — and
/// sends as soon as the lock is free.
#[test]
fn serve_waits_for_another_holder_asleep_and_sends_once_it_lets_go() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listen = free_port();
    let handle = sandbox_for(&rt, 33, listen);
    let shop = prepare(12, &handle.url(), listen, 40);
    let held = hofbote::queue::lock::try_acquire(&shop.home.db()).unwrap().expect("the lock is free");
    let serve = serve_up(&shop);
    let stopper = shop.consenting[0].clone();
    rt.block_on(sandbox::say(&handle.url(), &stopper, "STOP")).unwrap();
    let conn = rusqlite::Connection::open(shop.home.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let stops = || -> i64 {
        conn.query_row("SELECT count(*) FROM inbound_messages WHERE text = 'STOP'", [], |r| r.get(0)).unwrap()
    };
    assert!(wait_until(DEADLINE, || stops() == 1), "STOP not received while waiting:\n{}", serve_log(&shop));
    assert!(wait_until(DEADLINE, || serve_log(&shop).contains("übernimmt den Versand")), "{}", serve_log(&shop));
    // Counted over two seconds of waiting (the window is the measurement, not a wait for something): a timer-driven
    // wait would wake its threads every few milliseconds. The window opens a second after the STOP was applied: the
    // file watches look once more 200 ms after each change they report (a commit is seen before it is visible), and
    // that tail of the STOP's commits is not the waiting.
    std::thread::sleep(Duration::from_secs(1));
    let pid = serve.id();
    let before = context_switches(pid).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let woke = context_switches(pid).unwrap() - before;
    assert!(woke <= 20, "serve woke {woke} times in 2 s while waiting for the send lock");
    assert!(handle.ledger().is_empty(), "serve sent while another process held the send lock");

    drop(held);
    let done = wait_until(Duration::from_secs(120), || shop.all_final());
    assert!(done, "serve did not send after the release: {:?}\n{}", shop.row_states(), serve_log(&shop));
    assert!(serve_log(&shop).contains("Der Dienst sendet jetzt."), "{}", serve_log(&shop));
    let expected: Vec<String> = shop.consenting.iter().filter(|p| **p != stopper).cloned().collect();
    check_ledger(&handle.ledger(), &expected);
    stop_serve(&shop, serve);
    rt.block_on(handle.shutdown());
}
