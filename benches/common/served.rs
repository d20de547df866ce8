//! The real `hofbote serve` beside the in-process sandbox, as the serve benches start it (`benches/disk.rs`,
//! `benches/serve.rs`): a shop in a temp home under `target/` (a real file system, not tmpfs), a sandbox that posts
//! every signed status webhook back to `serve`, the bench build of the binary (optionally under strace), a read-only
//! view of the database to see when every row is final, and the process's own figures from `/proc`. Also a CPU hog:
//! a separate process that keeps one core busy while a run goes on.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hofbote::sandbox::{self, SandboxConfig};
use hofbote::store::Store;

/// The app secret the sandbox signs its webhooks with and `serve` checks them against.
pub const SECRET: &str = "bench-app-secret";

pub fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// The file system type of the mount that holds `dir` (longest matching mount point in /proc/mounts).
pub fn fs_type(dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let mut best: Option<(usize, String)> = None;
    for line in mounts.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 3 {
            continue;
        }
        let mp = f[1].replace("\\040", " ");
        if dir.starts_with(&mp) && best.as_ref().is_none_or(|(l, _)| mp.len() > *l) {
            best = Some((mp.len(), f[2].to_owned()));
        }
    }
    best.map(|(_, t)| t).unwrap_or_else(|| "unknown".into())
}

/// The sandbox for a serve bench: status webhooks (sent, delivered, read: 10 + 20 + 20 ms after acceptance, every
/// message read) signed with [`SECRET`] and posted to `listen`. Full speed (`paced` false): no throughput level
/// (Meta's `STANDARD` would cap the sender at 80/s); paced: `STANDARD`.
pub fn sandbox_config(listen: SocketAddr, paced: bool) -> SandboxConfig {
    let mut cfg = SandboxConfig::for_tests(15);
    cfg.webhook_url = Some(format!("http://{listen}/webhook"));
    cfg.app_secret = Some(hofbote::config::Secret::new(SECRET));
    cfg.throughput_level = if paced { "STANDARD".into() } else { "UNLIMITED".into() };
    cfg
}

pub fn start_sandbox(rt: &tokio::runtime::Runtime, listen: SocketAddr, paced: bool) -> sandbox::SandboxHandle {
    rt.block_on(sandbox::start(sandbox_config(listen, paced))).unwrap()
}

/// A temp home under `target/` with a config pointing at the sandbox and a database.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("data").join("hofbote.sqlite")
    }
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }
    /// Bytes of the database file and its WAL.
    pub fn on_disk(&self) -> u64 {
        let wal = PathBuf::from(format!("{}-wal", self.db().display()));
        [self.db(), wal].iter().map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)).sum()
    }
    pub fn log(&self) -> PathBuf {
        self.dir.path().join("serve.log")
    }
}

/// A shop of `n` customers, all with marketing consent, and the weekly offer to all of them queued; `serve` will
/// send at `rate` per second (1,000,000: the limiter off). `prefix` names the temp dir (`bench-disk-…`).
pub fn prepare(prefix: &str, n: usize, sandbox_url: &str, rate: u32) -> Home {
    let base = crate::report::dir().parent().map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&base).unwrap();
    let dir = tempfile::Builder::new().prefix(prefix).tempdir_in(&base).unwrap();
    let home = Home { dir };
    std::fs::create_dir_all(home.db().parent().unwrap()).unwrap();
    std::fs::write(
        home.config(),
        format!(
            "[shop]\nname = \"Hof Bench\"\n[whatsapp]\nbase_url = \"{sandbox_url}\"\nphone_number_id = \"106540352242922\"\n\
             waba_id = \"102290129340398\"\nthroughput_per_second = {rate}\nmessaging_tier = 0\n[queue]\nquiet_hours = \"\"\n"
        ),
    )
    .unwrap();
    let mut store = Store::open(&home.db(), hofbote::clock::system()).unwrap();
    crate::shop::consenting_shop(&mut store, n, 20_000_000);
    drop(store);
    home
}

/// The running `hofbote serve`.
pub struct Serve {
    pub child: Child,
    /// The pid of serve itself (strace's child when traced).
    pub pid: u32,
    /// Just before the spawn.
    pub started: Instant,
    log: PathBuf,
}

/// Starts the bench build of `hofbote serve` on `home`, listening on `listen`; under `strace -f -y` (fsync,
/// fdatasync, pwrite64, write, logged to the file) when `strace` is given; writing its transaction counts to
/// `stats_file` at its clean exit when given.
pub fn spawn(home: &Home, listen: SocketAddr, strace: Option<&Path>, stats_file: Option<&Path>) -> Serve {
    let bin = env!("CARGO_BIN_EXE_hofbote");
    let mut cmd = if let Some(out) = strace {
        let mut c = Command::new("strace");
        c.args(["-f", "-y", "-e", "trace=fsync,fdatasync,pwrite64,write", "-o"]).arg(out).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(["serve", "--listen", &listen.to_string()])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.dir.path())
        .env("XDG_CONFIG_HOME", home.dir.path().join("xdg-config"))
        .env("XDG_DATA_HOME", home.dir.path().join("xdg-data"))
        .env("HOFBOTE_CONFIG", home.config())
        .env("HOFBOTE_DB", home.db())
        .env("HOFBOTE_WHATSAPP_TOKEN", "bench-token")
        .env("HOFBOTE_APP_SECRET", SECRET)
        .env("LANG", "de_DE.UTF-8")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(home.log()).unwrap());
    if let Some(f) = stats_file {
        cmd.env(hofbote::store::stats::ENV, f);
    }
    let started = Instant::now();
    let child = cmd.spawn().unwrap();
    let pid = if strace.is_some() { traced_pid(&child) } else { child.id() };
    Serve { child, pid, started, log: home.log() }
}

/// The pid of `hofbote serve` under strace: strace may fork a helper first; the one that runs our binary is serve.
fn traced_pid(child: &Child) -> u32 {
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        let kids = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id())).unwrap_or_default();
        for pid in kids.split_whitespace().filter_map(|p| p.parse::<u32>().ok()) {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            if exe.file_name().is_some_and(|n| n == "hofbote") {
                return pid;
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("strace started no hofbote serve");
}

impl Serve {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether serve has ended (it must not before the bench stops it).
    pub fn ended(&mut self) -> bool {
        self.child.try_wait().unwrap().is_some()
    }

    /// A field of `/proc/<serve>/status` in kB (`VmHWM`: peak resident set, `VmRSS`: now).
    pub fn status_kib(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
    }

    /// `write_bytes` of `/proc/<serve>/io`: what the whole process (all threads) sent to the block layer.
    pub fn write_bytes(&self) -> Option<u64> {
        let io = std::fs::read_to_string(format!("/proc/{}/io", self.pid)).ok()?;
        io.lines().find_map(|l| l.strip_prefix("write_bytes:")).and_then(|v| v.trim().parse().ok())
    }

    /// SIGTERM, then waits up to 30 s for serve (and strace) to end.
    pub fn stop(mut self) {
        let pid = nix::unistd::Pid::from_raw(self.pid as i32);
        if let Err(e) = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM) {
            panic!("serve (pid {}) cannot be stopped: {e}; log:\n{}", self.pid, self.log());
        }
        let end = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < end, "serve did not end within 30 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills serve after a failed run and panics with its log.
    pub fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("{why}; serve's log:\n{}", self.log());
    }
}

/// Where a broadcast stands, read from the database (read-only, the way a second process sees it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Outbox rows not final yet (`read`, `failed`, `skipped`, `cancelled` are final).
    pub open: i64,
    /// Stored webhook bodies not applied yet.
    pub unapplied: i64,
    /// Stored webhook bodies applied.
    pub applied: i64,
}

impl Progress {
    /// Every row final and every stored status applied.
    pub fn done(&self) -> bool {
        self.open == 0 && self.unapplied == 0
    }
}

/// A read-only connection to serve's database, kept open between polls (each poll is two short reads; between them
/// no read transaction is held, so checkpoints are not blocked).
pub struct Watch {
    conn: Option<rusqlite::Connection>,
    db: PathBuf,
}

impl Watch {
    pub fn new(db: &Path) -> Watch {
        Watch { conn: None, db: db.to_owned() }
    }

    pub fn progress(&mut self) -> Progress {
        let unknown = Progress { open: i64::MAX, unapplied: i64::MAX, applied: 0 };
        if self.conn.is_none() {
            let Ok(c) = rusqlite::Connection::open_with_flags(&self.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            else {
                return unknown;
            };
            let _ = c.busy_timeout(Duration::from_secs(5));
            self.conn = Some(c);
        }
        let Some(conn) = &self.conn else { return unknown };
        let read = || -> rusqlite::Result<Progress> {
            let open = conn.query_row(
                "SELECT count(*) FROM outbox WHERE state NOT IN ('read', 'failed', 'skipped', 'cancelled')",
                [],
                |r| r.get(0),
            )?;
            let (applied, unapplied) = conn.query_row(
                "SELECT count(applied_at), count(*) - count(applied_at) FROM webhook_events",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(Progress { open, unapplied, applied })
        };
        match read() {
            Ok(p) => p,
            Err(_) => {
                // Opened before serve had the WAL index, or a passing error: open again at the next poll.
                self.conn = None;
                unknown
            }
        }
    }

    /// A query on the database (read-only), e.g. the first claim's time.
    pub fn text(&mut self, sql: &str) -> Option<String> {
        self.progress();
        self.conn.as_ref()?.query_row(sql, [], |r| r.get(0)).ok()
    }
}

/// Polls every `every` until every row is final and every stored status applied (or `limit` passes, or serve
/// ends: then it panics with serve's log). Returns the progress seen and when it was first seen.
pub fn wait_done(serve: &mut Serve, watch: &mut Watch, every: Duration, limit: Duration) -> (Progress, Instant) {
    let deadline = serve.started + limit;
    loop {
        let p = watch.progress();
        if p.done() {
            return (p, Instant::now());
        }
        if Instant::now() > deadline {
            serve.fail(&format!("not all rows final after {limit:?} ({p:?})"));
        }
        if serve.ended() {
            serve.fail(&format!("serve ended on its own ({p:?})"));
        }
        std::thread::sleep(every);
    }
}

/// A separate process that keeps one core busy (`sh -c 'while :; do :; done'`) until dropped; the Pi is never idle.
pub struct Hog {
    child: Child,
    started: Instant,
}

impl Hog {
    pub fn start() -> Hog {
        let child = Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the CPU hog (sh)");
        Hog { child, started: Instant::now() }
    }

    /// The share of one core the hog got since it started (utime + stime over wall time), the evidence that it
    /// really kept a core busy.
    pub fn share(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name in parentheses: state is field 3, utime 14, stime 15.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = [11, 12].iter().filter_map(|&i| f.get(i)?.parse::<u64>().ok()).sum();
        let hz = 100.0; // USER_HZ on Linux
        ticks as f64 / hz / self.started.elapsed().as_secs_f64()
    }
}

impl Drop for Hog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Samples fields of `/proc/<pid>/status` (kB) every `every` on its own thread until [`Sampler::stop`].
pub struct Sampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<Vec<(f64, Vec<u64>)>>,
}

impl Sampler {
    pub fn start(pid: u32, fields: &'static [&'static str], every: Duration) -> Sampler {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            let mut out = Vec::new();
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { break };
                let get = |field: &str| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                        .and_then(|v| v.split_whitespace().next()?.parse().ok())
                        .unwrap_or(0)
                };
                let mut v: Vec<u64> = fields.iter().map(|f| get(f)).collect();
                // Open sockets (the webhook connections, the client's to the API) beside the fields.
                let sockets = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| {
                    d.flatten()
                        .filter(|e| {
                            std::fs::read_link(e.path()).is_ok_and(|l| l.to_string_lossy().starts_with("socket:"))
                        })
                        .count()
                });
                v.push(sockets as u64);
                out.push((start.elapsed().as_secs_f64(), v));
                std::thread::sleep(every);
            }
            out
        });
        Sampler { stop, thread }
    }

    /// The samples: seconds since the start and the fields' values, in the order given, then the open sockets.
    pub fn stop(self) -> Vec<(f64, Vec<u64>)> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}
