//! The pty harness: the real `hofbote` binary in a real pseudo-terminal, as a new user runs it — an empty HOME (a
//! temp dir), a cleared environment with only `PATH=/usr/bin:/bin`, `HOME`, `TERM=xterm-256color` and
//! `LANG=de_DE.UTF-8` (plus what a test adds on purpose), 80x24 unless a test asks for another size. The binary reads
//! its keys from crossterm's real `EventStream` on the pty, so a test here sees what a user sees: a key that wakes
//! nobody fails the test (the input freeze on the first start passed every test that fed the loop its own stream).
//!
//! Why `portable-pty` (and not tmux): it is one maintained crate that opens a pty and spawns into it, needs nothing
//! installed, and hands us the raw bytes the binary writes — which the benchmarks count (bytes and frames per key,
//! bytes while idle) and time (key → end of the frame that shows it). tmux re-renders its pane and would hide those.
//! The bytes are parsed with the `vt100` crate into a screen.
//!
//! A reader thread drains the master continuously into the parser, keeps every byte with the time it arrived, and
//! snapshots the screen at the end of each synchronized-output frame (`ESC[?2026l`), so a benchmark can tell which
//! frame first showed a change and when. Waiting is on a condition with a deadline (woken by new output, or
//! polling for things outside the pty), never a fixed sleep; a failed wait shows the screen. Dropping a [`Pty`]
//! hangs up the child's process group (SIGHUP, then SIGKILL after a grace period), so a failing test leaves nothing
//! running.
//!
//! Shared with `benches/tui.rs` through `#[path]`, so this file depends on nothing else of the test crate.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

/// How long a test waits for a screen, an exit or a file before it fails (generous: a shared 2-core machine).
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Start and end of a synchronized-output frame; the app wraps every frame in them.
pub const FRAME_START: &[u8] = b"\x1b[?2026h";
pub const FRAME_END: &[u8] = b"\x1b[?2026l";

/// Named keys, as a terminal sends them (xterm, normal cursor mode).
pub mod key {
    pub const ESC: &str = "\x1b";
    pub const ENTER: &str = "\r";
    pub const TAB: &str = "\t";
    pub const BACKTAB: &str = "\x1b[Z";
    pub const BACKSPACE: &str = "\x7f";
    pub const UP: &str = "\x1b[A";
    pub const DOWN: &str = "\x1b[B";
    pub const RIGHT: &str = "\x1b[C";
    pub const LEFT: &str = "\x1b[D";
    pub const PAGE_UP: &str = "\x1b[5~";
    pub const PAGE_DOWN: &str = "\x1b[6~";
    pub const F1: &str = "\x1bOP";
    /// In the composer: the customer's first name into the field.
    pub const F2: &str = "\x1bOQ";
    pub const CTRL_C: &str = "\x03";
    pub const CTRL_S: &str = "\x13";
    pub const CTRL_X: &str = "\x18";
}

/// The path of the binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hofbote"))
}

/// `p` quoted for `sh`.
pub fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

/// Polls `cond` every 20 ms until it holds or `deadline` passes; returns whether it held. For conditions outside
/// the pty (files, processes); the screen has its own waits that wake on output.
pub fn wait_until(deadline: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + deadline;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The end of one synchronized-output frame: when its last byte arrived, where it ends in the raw output, and the
/// screen as it stood then.
#[derive(Debug, Clone)]
pub struct Frame {
    pub at: Instant,
    pub end: usize,
    pub screen: String,
}

/// A point in the output: bytes and frames so far.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    pub bytes: usize,
    pub frames: usize,
    pub at: Instant,
}

/// Everything the child wrote, as it arrived.
struct Output {
    parser: vt100::Parser,
    cols: u16,
    raw: Vec<u8>,
    /// (arrival, end offset in `raw`) of each read.
    chunks: Vec<(Instant, usize)>,
    frames: Vec<Frame>,
    /// The master returned EOF or an error: every process on the slave side is gone.
    closed: bool,
}

impl Output {
    fn feed(&mut self, bytes: &[u8], at: Instant) {
        let start = self.raw.len();
        self.raw.extend_from_slice(bytes);
        self.chunks.push((at, self.raw.len()));
        // A frame end may straddle two reads: look from a little before this read.
        let mut pos = start.saturating_sub(FRAME_END.len() - 1);
        let mut fed = start;
        while let Some(i) = find(&self.raw[pos..], FRAME_END) {
            let end = pos + i + FRAME_END.len();
            self.parser.process(&self.raw[fed..end]);
            fed = end;
            let screen = screen_text(&self.parser, self.cols);
            self.frames.push(Frame { at, end, screen });
            pos = end;
        }
        self.parser.process(&self.raw[fed..]);
    }

    fn screen(&self) -> String {
        screen_text(&self.parser, self.cols)
    }
}

/// One line per row, trailing blanks trimmed.
fn screen_text(parser: &vt100::Parser, cols: u16) -> String {
    let rows: Vec<String> = parser.screen().rows(0, cols).map(|r| r.trim_end().to_owned()).collect();
    rows.join("\n")
}

/// Where `needle` first occurs in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How often `needle` occurs in `hay`.
pub fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

struct Shared {
    out: Mutex<Output>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Output> {
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How to start the child: the binary with arguments (default) or a `sh -c` script, its extra environment, size.
pub struct Spawn {
    home: PathBuf,
    args: Vec<String>,
    script: Option<String>,
    env: Vec<(String, String)>,
    cols: u16,
    rows: u16,
}

impl Spawn {
    /// The binary without arguments in an 80x24 pty with `home` as HOME.
    pub fn new(home: &Path) -> Spawn {
        Spawn { home: home.to_owned(), args: Vec::new(), script: None, env: Vec::new(), cols: 80, rows: 24 }
    }

    pub fn args(mut self, args: &[&str]) -> Spawn {
        self.args = args.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    /// One more environment variable (a test switch or a fixture path; a new user has none).
    pub fn env(mut self, key: &str, value: &str) -> Spawn {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn size(mut self, cols: u16, rows: u16) -> Spawn {
        self.cols = cols;
        self.rows = rows;
        self
    }

    /// Runs `sh -c script` instead of the binary; `{bin}` in the script stands for the binary's quoted path (so
    /// the child's environment holds nothing else).
    pub fn shell(mut self, script: &str) -> Spawn {
        self.script = Some(script.replace("{bin}", &quote(&bin())));
        self
    }

    pub fn spawn(self) -> Pty {
        let system = native_pty_system();
        let size = PtySize { rows: self.rows, cols: self.cols, pixel_width: 0, pixel_height: 0 };
        let pair = system.openpty(size).expect("open a pty");
        let mut cmd = match &self.script {
            Some(script) => {
                let mut c = CommandBuilder::new("/bin/sh");
                c.args(["-c", script]);
                c
            }
            None => {
                let mut c = CommandBuilder::new(bin());
                c.args(&self.args);
                c
            }
        };
        cmd.env_clear();
        cmd.env("PATH", "/usr/bin:/bin");
        cmd.env("HOME", &self.home);
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "de_DE.UTF-8");
        // portable-pty sets SHELL itself (from SHELL, else the password database): make it the same everywhere.
        cmd.env("SHELL", "/bin/sh");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.cwd(&self.home);
        let child = pair.slave.spawn_command(cmd).expect("spawn the child in the pty");
        // Only the child holds the slave: when it (and its children) end, the master reads EOF.
        drop(pair.slave);
        let pid = child.process_id().expect("the child's pid");
        let master = pair.master;
        let mut reader = master.try_clone_reader().expect("pty reader");
        let writer = master.take_writer().expect("pty writer");
        let rows = std::num::NonZeroU16::new(self.rows).expect("rows > 0");
        let cols = std::num::NonZeroU16::new(self.cols).expect("cols > 0");
        let shared = Arc::new(Shared {
            out: Mutex::new(Output {
                parser: vt100::Parser::new(rows, cols, 0),
                cols: self.cols,
                raw: Vec::new(),
                chunks: Vec::new(),
                frames: Vec::new(),
                closed: false,
            }),
            changed: Condvar::new(),
        });
        let for_reader = shared.clone();
        let reader = std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            let at = Instant::now();
                            for_reader.lock().feed(&buf[..n], at);
                            for_reader.changed.notify_all();
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        // EIO: the slave side is closed.
                        Err(_) => break,
                    }
                }
                for_reader.lock().closed = true;
                for_reader.changed.notify_all();
            })
            .expect("reader thread");
        Pty { shared, writer, child, master, _reader: reader, pid, status: None }
    }
}

/// A child running in a pty, its output parsed as it arrives.
pub struct Pty {
    shared: Arc<Shared>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    _reader: std::thread::JoinHandle<()>,
    pid: u32,
    status: Option<ExitStatus>,
}

impl Pty {
    /// The binary with `args`, HOME = `home`, 80x24.
    pub fn spawn(home: &Path, args: &[&str]) -> Pty {
        Spawn::new(home).args(args).spawn()
    }

    /// The child's pid (the binary's, or the shell's for a script).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Writes raw bytes to the terminal, as typing them would.
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }

    /// Types `text` (letters, or one of [`key`]'s sequences). A lone Esc must not be followed by another key in the
    /// same write, or the terminal reads it as Alt+key: wait for the screen between them.
    pub fn keys(&mut self, text: &str) {
        self.send(text.as_bytes());
    }

    /// The screen now: one line per row, trailing blanks trimmed.
    pub fn screen(&self) -> String {
        self.shared.lock().screen()
    }

    /// Resizes the terminal (the child gets SIGWINCH), as when the window is dragged.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        {
            // The parser first: the child redraws only after the resize, and nothing else writes meanwhile.
            let mut out = self.shared.lock();
            let r = std::num::NonZeroU16::new(rows).expect("rows > 0");
            let c = std::num::NonZeroU16::new(cols).expect("cols > 0");
            out.parser.screen_mut().set_size(r, c);
            out.cols = cols;
        }
        let size = PtySize { rows, cols, pixel_width: 0, pixel_height: 0 };
        self.master.resize(size).expect("resize the pty");
    }

    /// Whether the alternate screen is on.
    pub fn alternate_screen(&self) -> bool {
        self.shared.lock().parser.screen().alternate_screen()
    }

    /// Waits (until `deadline`) for `f` to give a value; it is asked again after every read from the pty. `None`
    /// when the deadline passed.
    fn wait_output<T>(&self, deadline: Duration, mut f: impl FnMut(&Output) -> Option<T>) -> Option<T> {
        let end = Instant::now() + deadline;
        let mut out = self.shared.lock();
        loop {
            if let Some(t) = f(&out) {
                return Some(t);
            }
            let now = Instant::now();
            if now >= end {
                return None;
            }
            out = self.shared.changed.wait_timeout(out, end - now).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// Waits until the screen satisfies `cond`; returns that screen, or `None` after `deadline`.
    pub fn try_wait_screen(&self, deadline: Duration, mut cond: impl FnMut(&str) -> bool) -> Option<String> {
        self.wait_output(deadline, |out| {
            let screen = out.screen();
            cond(&screen).then_some(screen)
        })
    }

    /// Waits until the screen satisfies `cond` (described by `what` for the failure message); returns the screen.
    pub fn wait_screen(&self, what: &str, cond: impl FnMut(&str) -> bool) -> String {
        match self.try_wait_screen(DEADLINE, cond) {
            Some(screen) => screen,
            None => panic!("waited {DEADLINE:?} for {what}; the screen shows:\n{}", self.screen()),
        }
    }

    /// Waits until the screen shows `text`; returns the screen. Fails with the screen after [`DEADLINE`].
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_screen(&format!("{text:?}"), |s| s.contains(text))
    }

    /// Waits until the screen no longer shows `text`.
    pub fn wait_gone(&self, text: &str) -> String {
        self.wait_screen(&format!("{text:?} to go"), |s| !s.contains(text))
    }

    /// Quits with `how` (`q`, or Ctrl-C in a text field), saying yes if the app asks because something is still being
    /// sent; fails with the screen when the app has not ended after [`DEADLINE`].
    pub fn quit_confirming(&mut self, how: &str) {
        self.keys(how);
        let ended = wait_until(DEADLINE, || {
            if self.screen().contains("Bitte bestätigen") {
                self.keys("y");
            }
            self.exited().is_some()
        });
        assert!(
            ended,
            "the app did not end; screen:
{}",
            self.screen()
        );
    }

    /// The output so far: bytes, frames, now.
    pub fn mark(&self) -> Mark {
        let out = self.shared.lock();
        Mark { bytes: out.raw.len(), frames: out.frames.len(), at: Instant::now() }
    }

    /// The raw bytes written since `mark`.
    pub fn bytes_since(&self, mark: Mark) -> Vec<u8> {
        self.shared.lock().raw[mark.bytes..].to_vec()
    }

    /// All raw bytes so far.
    pub fn raw(&self) -> Vec<u8> {
        self.shared.lock().raw.clone()
    }

    /// The frames that ended since `mark`.
    pub fn frames_since(&self, mark: Mark) -> Vec<Frame> {
        self.shared.lock().frames[mark.frames..].to_vec()
    }

    /// The first frame after `mark` whose screen satisfies `cond`, or `None` after `deadline`.
    pub fn wait_frame(&self, mark: Mark, deadline: Duration, mut cond: impl FnMut(&str) -> bool) -> Option<Frame> {
        let mut seen = mark.frames;
        self.wait_output(deadline, |out| {
            let found = out.frames[seen..].iter().find(|f| cond(&f.screen)).cloned();
            seen = out.frames.len();
            found
        })
    }

    /// When the last byte arrived (`None` before any).
    pub fn last_output(&self) -> Option<Instant> {
        self.shared.lock().chunks.last().map(|c| c.0)
    }

    /// Waits until nothing arrived for `quiet` (at most `deadline`); whether it got quiet.
    pub fn wait_quiet(&self, quiet: Duration, deadline: Duration) -> bool {
        let end = Instant::now() + deadline;
        let mut out = self.shared.lock();
        loop {
            let now = Instant::now();
            let since = out.chunks.last().map(|c| now.duration_since(c.0)).unwrap_or(quiet);
            if since >= quiet {
                return true;
            }
            if now >= end {
                return false;
            }
            let wait = (quiet - since).min(end - now);
            out = self.shared.changed.wait_timeout(out, wait).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// Whether the child has ended (without waiting).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status.clone()
    }

    /// Waits for the child to end and for its last output to be read; fails with the screen after [`DEADLINE`].
    pub fn wait_exit(&mut self) -> ExitStatus {
        let ended = wait_until(DEADLINE, || self.exited().is_some());
        assert!(ended, "the child did not end within {DEADLINE:?}; the screen shows:\n{}", self.screen());
        // The master reads EOF once nothing holds the slave any more; everything written before is read by then.
        let drained = self.wait_output(DEADLINE, |out| out.closed.then_some(()));
        assert!(drained.is_some(), "the pty stayed open after the child ended (a process left behind?)");
        self.status.clone().expect("exit status")
    }

    /// Sends `signal` to the child's process group (the child leads its own session).
    pub fn signal_group(&self, signal: nix::sys::signal::Signal) {
        let pgid = nix::unistd::Pid::from_raw(self.pid as i32);
        let _ = nix::sys::signal::killpg(pgid, signal);
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if self.exited().is_some() {
            return;
        }
        // A hangup first, as when the terminal closes; a kill if that was not enough.
        self.signal_group(nix::sys::signal::Signal::SIGHUP);
        if !wait_until(Duration::from_secs(5), || self.exited().is_some()) {
            self.signal_group(nix::sys::signal::Signal::SIGKILL);
            let _ = self.child.wait();
        }
        // The reader thread ends by itself when the last process on the slave side is gone.
    }
}

/// CPU time (utime + stime, in clock ticks) of process `pid`, from `/proc/PID/stat`.
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid …": the comm may hold spaces, so split after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Context switches (voluntary + involuntary) of all threads of process `pid`, from `/proc/PID/task/*/status`: every
/// wake-up of any thread counts, however short (CPU ticks only see the ones a timer interrupt happens to catch).
pub fn context_switches(pid: u32) -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else { continue };
        for line in status.lines() {
            if let Some(n) =
                line.strip_prefix("voluntary_ctxt_switches:").or(line.strip_prefix("nonvoluntary_ctxt_switches:"))
            {
                total += n.trim().parse::<u64>().ok()?;
            }
        }
    }
    Some(total)
}

/// A free TCP port on 127.0.0.1 (bound and released; good enough for one test at a time per port).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output() -> Output {
        let n = |v| std::num::NonZeroU16::new(v).unwrap();
        Output {
            parser: vt100::Parser::new(n(3), n(10), 0),
            cols: 10,
            raw: Vec::new(),
            chunks: Vec::new(),
            frames: Vec::new(),
            closed: false,
        }
    }

    /// A frame's end split over two reads is found once, with the screen as it stood at that end.
    #[test]
    fn a_frame_end_split_over_two_reads_is_one_frame() {
        let mut out = output();
        let at = Instant::now();
        out.feed(b"\x1b[?2026hab\x1b[?20", at);
        assert!(out.frames.is_empty());
        out.feed(b"26lcd\x1b[?2026h\x1b[?2026l", at);
        assert_eq!(out.frames.len(), 2);
        assert_eq!(out.frames[0].screen.lines().next(), Some("ab"), "before the bytes after the end");
        assert_eq!(out.frames[0].end, 18);
        assert_eq!(out.frames[1].screen.lines().next(), Some("abcd"));
        assert_eq!(count(&out.raw, FRAME_START), 2);
    }

    /// The counters the idle figures read exist and count: this test process has run and switched.
    #[test]
    fn proc_counters_read_this_process() {
        let pid = std::process::id();
        assert!(context_switches(pid).is_some_and(|n| n > 0));
        assert!(cpu_ticks(pid).is_some());
        assert!(context_switches(u32::MAX).is_none(), "no such process");
    }
}
