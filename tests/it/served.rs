//! A shop with consenting and non-consenting customers and one queued broadcast, in a temp home whose config points
//! at the in-process sandbox (its database maybe on a small tmpfs that can fill up), and the real `hofbote serve` on
//! it (killed when dropped): shared by the crash tests (`chaos`) and the tests of who sends (`handover`).

use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use hofbote::domain::broadcast::Audience;
use hofbote::domain::consent::{EventKind, NewConsentEvent, Purpose, Source};
use hofbote::domain::customer::CustomerDraft;
use hofbote::domain::phone::{Phone, Region};
use hofbote::domain::template::Params;
use hofbote::sandbox;
use hofbote::store::Store;
use hofbote::store::broadcasts::NewBroadcast;

use crate::support::{TempHome, Tmpfs};

pub const SECRET: &str = "chaos-app-secret";

pub fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

pub struct Shop {
    /// The tmpfs the database lives on, if any (declared first: unmounted before the home is removed).
    pub disk: Option<Tmpfs>,
    pub home: TempHome,
    pub listen: SocketAddr,
    pub consenting: Vec<String>,
    pub broadcast: i64,
}

/// The in-process sandbox on `rt`, posting its signed webhooks to `listen` (where `serve` will listen).
pub fn sandbox_for(rt: &tokio::runtime::Runtime, seed: u64, listen: SocketAddr) -> sandbox::SandboxHandle {
    let mut cfg = sandbox::SandboxConfig::for_tests(seed);
    cfg.webhook_url = Some(format!("http://{listen}/webhook"));
    cfg.app_secret = Some(hofbote::config::Secret::new(SECRET));
    rt.block_on(sandbox::start(cfg)).unwrap()
}

/// The weekly offer to everyone, with `{vorname}`, queued as the farmer queues it. Returns the broadcast's id.
pub fn weekly_offer(db: &std::path::Path) -> i64 {
    let mut store = Store::open(db, hofbote::clock::system()).unwrap();
    let b = NewBroadcast {
        template: "wochenangebot".into(),
        language: "de".into(),
        params: Params::positional(&["{vorname}", "Kürbissuppe 4,50 €"]),
        audience: Audience::All,
        scheduled_at: None,
        created_by: "test".into(),
    };
    store.create_broadcast(&b, "Hallo", false).unwrap().0
}

pub fn prepare(n: usize, sandbox_url: &str, listen: SocketAddr, rate: u32) -> Shop {
    prepare_in(TempHome::new(), None, n, sandbox_url, listen, rate)
}

/// [`prepare`] with the database on a tmpfs of `size` mounted on the home's data dir, so the disk can really fill
/// up; an error when mounting is not permitted here (not root, no CAP_SYS_ADMIN).
pub fn prepare_on_tmpfs(
    size: &str,
    n: usize,
    sandbox_url: &str,
    listen: SocketAddr,
    rate: u32,
) -> Result<Shop, String> {
    let home = TempHome::new();
    let disk = Tmpfs::mount_at(home.db().parent().unwrap(), size)?;
    Ok(prepare_in(home, Some(disk), n, sandbox_url, listen, rate))
}

fn prepare_in(home: TempHome, disk: Option<Tmpfs>, n: usize, sandbox_url: &str, listen: SocketAddr, rate: u32) -> Shop {
    home.write_config(&format!(
        "[shop]\nname = \"Hof Chaos\"\n[whatsapp]\nbase_url = \"{sandbox_url}\"\nphone_number_id = \"106540352242922\"\n\
         waba_id = \"102290129340398\"\nthroughput_per_second = {rate}\nmessaging_tier = 0\nrequest_timeout_seconds = 2\n\
         [queue]\nquiet_hours = \"\"\nunknown_after_seconds = 3\nbatch_size = 20\n"
    ));
    let mut store = Store::open(&home.db(), hofbote::clock::system()).unwrap();
    store.ensure_default_wordings("Hof Chaos", "").unwrap();
    store.replace_templates(&sandbox::demo_templates()).unwrap();
    let mut consenting = Vec::new();
    for i in 0..n {
        let phone = Phone::parse(&format!("0171 {:07}", 5_000_000 + i), Region::DE).unwrap();
        let id = store
            .insert_customer(&CustomerDraft::new(&format!("Kunde {i:03}"), "Kunde", phone.clone(), &[], "").unwrap())
            .unwrap()
            .id;
        if i % 7 != 3 {
            let at = store.now() - chrono::Duration::days(2);
            store
                .record_consent(&NewConsentEvent {
                    customer_id: id,
                    purpose: Purpose::Marketing,
                    kind: EventKind::Granted,
                    source: Source::ShopForm,
                    evidence: format!("F-{i}"),
                    wording_version: None,
                    recorded_by: "chaos".into(),
                    occurred_at: at,
                })
                .unwrap();
            consenting.push(phone.as_e164().to_owned());
        }
    }
    drop(store);
    let broadcast = weekly_offer(&home.db());
    consenting.sort();
    Shop { disk, home, listen, consenting, broadcast }
}

impl Shop {
    pub fn serve(&self, failpoint: Option<&str>) -> Served {
        let log = std::fs::File::create(self.home.path().join("serve.log")).unwrap();
        let mut cmd = self.home.cmd();
        cmd.args(["serve", "--listen", &self.listen.to_string()])
            .env("HOFBOTE_WHATSAPP_TOKEN", "chaos-token")
            .env("HOFBOTE_APP_SECRET", SECRET)
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(f) = failpoint {
            cmd.env("HOFBOTE_FAILPOINT", f);
        }
        Served(cmd.spawn().unwrap())
    }

    pub fn row_states(&self) -> Vec<(String, i64)> {
        let conn = rusqlite::Connection::open(self.home.db()).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        let mut stmt = conn
            .prepare("SELECT state, count(*) FROM outbox WHERE broadcast_id = ?1 GROUP BY state ORDER BY 1")
            .unwrap();
        stmt.query_map([self.broadcast], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    }

    /// What the last started `serve` wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.home.path().join("serve.log")).unwrap_or_default()
    }

    pub fn all_final(&self) -> bool {
        self.row_states().iter().all(|(s, _)| matches!(s.as_str(), "read" | "failed" | "skipped" | "cancelled"))
    }
}

/// A `hofbote serve` child that is killed when the test ends, also when it fails (no orphaned services).
pub struct Served(Child);

impl std::ops::Deref for Served {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Served {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

pub fn wait_exit(child: &mut Child, deadline: Duration) -> Option<std::process::ExitStatus> {
    let end = Instant::now() + deadline;
    while Instant::now() < end {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

pub fn check_ledger(entries: &[sandbox::LedgerEntry], consenting: &[String]) {
    let mut got: Vec<String> = entries.iter().filter(|e| e.kind == "template").map(|e| e.to.clone()).collect();
    got.sort();
    let dupes: Vec<&String> = got.windows(2).filter(|w| w[0] == w[1]).map(|w| &w[0]).collect();
    assert!(dupes.is_empty(), "sent twice: {dupes:?}");
    assert_eq!(got.len(), consenting.len(), "each consenting recipient once");
    assert_eq!(got, consenting, "nobody without consent");
}

pub fn integrity_ok(db: &std::path::Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let r: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(r, "ok");
}
