//! Shared helpers for the integration tests: temp homes, running the real binary, polling with a deadline.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// A temporary HOME with its own config, data dir and database, so tests never touch the user's files.
pub struct TempHome {
    pub dir: tempfile::TempDir,
}

impl TempHome {
    pub fn new() -> TempHome {
        TempHome { dir: tempfile::tempdir().unwrap() }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("data").join("hofbote.sqlite")
    }

    pub fn config(&self) -> PathBuf {
        self.path().join("config").join("config.toml")
    }

    /// Writes a config file with the given TOML text.
    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config().parent().unwrap()).unwrap();
        std::fs::write(self.config(), text).unwrap();
    }

    /// The real `hofbote` binary with HOME, XDG dirs, config and db pointed into this temp home, German output.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hofbote"));
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("xdg-config"))
            .env("XDG_DATA_HOME", self.path().join("xdg-data"))
            .env("HOFBOTE_CONFIG", self.config())
            .env("HOFBOTE_DB", self.db())
            .env("LANG", "de_DE.UTF-8");
        c
    }

    /// Runs the binary with `args`; returns the output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "hofbote {args:?} failed: {}\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// Polls a condition with a deadline (one definition, in the pty harness, which must stand alone for the benches).
pub use crate::pty::wait_until;

/// The real `hofbote serve` on a free loopback port, killed when dropped. WhatsApp's base URL points at a closed
/// loopback port: nothing leaves the machine.
pub struct ServeProcess {
    pub child: std::process::Child,
    pub addr: std::net::SocketAddr,
    pub secret: String,
    log: PathBuf,
}

impl ServeProcess {
    /// Starts it for `home` (writing a minimal config) and waits until it accepts connections. With `nofile`, it runs
    /// under `prlimit --nofile=N:N`.
    pub fn start(home: &TempHome, secret: &str, nofile: Option<u32>) -> ServeProcess {
        home.write_config(
            "[shop]\nname = \"Hof Test\"\n[whatsapp]\nbase_url = \"http://127.0.0.1:9\"\n\
             phone_number_id = \"106540352242922\"\nwaba_id = \"102290129340398\"\n",
        );
        let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let log = home.path().join("serve.log");
        let mut cmd = home.cmd();
        cmd.env("HOFBOTE_APP_SECRET", secret).env("HOFBOTE_WHATSAPP_TOKEN", "t");
        let mut run = match nofile {
            None => {
                let mut c = home.cmd();
                c.env("HOFBOTE_APP_SECRET", secret).env("HOFBOTE_WHATSAPP_TOKEN", "t");
                c
            }
            Some(n) => {
                let mut c = Command::new("prlimit");
                c.arg(format!("--nofile={n}:{n}")).arg(cmd.get_program()).env_clear();
                for (k, v) in cmd.get_envs() {
                    if let Some(v) = v {
                        c.env(k, v);
                    }
                }
                c
            }
        };
        run.args(["serve", "--listen", &addr.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        let mut child = run.spawn().unwrap();
        let up = wait_until(Duration::from_secs(30), || {
            std::net::TcpStream::connect(addr).is_ok() || child.try_wait().unwrap().is_some()
        });
        let mut serve = ServeProcess { child, addr, secret: secret.to_owned(), log };
        assert!(up && serve.running(), "serve did not start: {}", serve.log());
        serve
    }

    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// What it wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The raw HTTP/1.1 request for a body signed with this server's secret.
    pub fn signed_request(&self, body: &[u8]) -> Vec<u8> {
        let sig = hofbote::whatsapp::signature::sign(self.secret.as_bytes(), body);
        let mut req = format!(
            "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{}: {sig}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            hofbote::whatsapp::signature::HEADER,
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        req
    }

    /// Posts a signed body on a new connection; the whole response, or what went wrong.
    pub fn post(&self, body: &[u8], deadline: Duration) -> Result<String, String> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect_timeout(&self.addr, deadline).map_err(|e| format!("connect: {e}"))?;
        s.set_read_timeout(Some(deadline)).unwrap();
        s.set_write_timeout(Some(deadline)).unwrap();
        s.write_all(&self.signed_request(body)).map_err(|e| format!("write: {e}"))?;
        let mut answer = String::new();
        s.read_to_string(&mut answer).map_err(|e| format!("read: {e}"))?;
        Ok(answer)
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fixtures folder of this crate.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(rel)
}

/// A small tmpfs mounted for one test (a disk that can really fill up); unmounted on drop. Mounting needs root or
/// CAP_SYS_ADMIN: a test that cannot mount one says so and skips its full-disk part.
pub struct Tmpfs {
    path: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Tmpfs {
    /// Mounts one on a new temp dir.
    pub fn mount(size: &str) -> Result<Tmpfs, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut fs = Tmpfs::mount_at(dir.path(), size)?;
        fs._dir = Some(dir);
        Ok(fs)
    }

    /// Mounts one on `path` (created if missing), e.g. the data dir of a [`TempHome`] before its database exists.
    pub fn mount_at(path: &Path, size: &str) -> Result<Tmpfs, String> {
        std::fs::create_dir_all(path).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(path)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!("mount -t tmpfs failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(Tmpfs { path: path.to_owned(), _dir: None })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// Fills the file system: 4 KiB chips (at least 1 MiB of them) that can be freed one at a time, and one large file.
pub fn fill(dir: &Path) -> Vec<PathBuf> {
    use std::io::Write;
    let mut chips = Vec::new();
    for i in 0..256 {
        let path = dir.join(format!("chip-a{i}"));
        std::fs::write(&path, [0u8; 4096]).unwrap();
        chips.push(path);
    }
    let mut big = std::fs::File::create(dir.join("filler")).unwrap();
    let block = vec![0u8; 64 * 1024];
    while big.write_all(&block).and_then(|()| big.sync_all()).is_ok() {}
    for i in 0.. {
        let path = dir.join(format!("chip{i}"));
        match std::fs::write(&path, [0u8; 4096]) {
            Ok(()) => chips.push(path),
            Err(_) => {
                let _ = std::fs::remove_file(&path);
                break;
            }
        }
    }
    chips
}

/// Frees what [`fill`] took: the large file and the chips left.
pub fn free(dir: &Path, chips: Vec<PathBuf>) {
    std::fs::remove_file(dir.join("filler")).unwrap();
    for chip in chips {
        std::fs::remove_file(chip).unwrap();
    }
}
