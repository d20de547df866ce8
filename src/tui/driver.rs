//! The event loop and the terminal. Keys, resizes, IO results, signals and database changes come in; `update`
//! turns them into effects, a worker performs those on the DB thread (merging repeated loads), and a frame is drawn
//! only when something changed — no fixed tick, nothing drawn and no CPU used while idle. Another process's writes
//! wake the loop through a file watcher on the database ([`DbWatch`]), never a timer (a slow poll only where no
//! watcher can start). Each frame is one write: it is buffered, wrapped in synchronized output, and the bracket is
//! closed by a guard even when drawing fails. The terminal is restored on every way out: quit, error, panic (a hook
//! installed after color-eyre's), SIGHUP, SIGTERM, and when the input stream ends (SSH gone). Must not decide what
//! to show.

use std::future::{Future, poll_fn};
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::Event;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::crossterm::{execute, queue};
use tokio::sync::mpsc;

use super::app::{Effect, Msg, State, update};
use super::perform::Performer;
use super::scroll::ScrollBackend;
use super::view;
pub use crate::store::watch::DbWatch;

/// At most this many waiting input events are handled before the next frame.
const MAX_DRAIN: usize = 256;

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// The terminal's input ended (SSH connection dropped).
    InputClosed,
    /// SIGHUP or SIGTERM (or the test's stop signal).
    Signal,
}

/// Where frames go: the real terminal, or a test backend that counts them.
pub trait Canvas {
    fn draw(&mut self, state: &State) -> io::Result<()>;
    fn size(&self) -> io::Result<(u16, u16)>;
}

/// The real terminal (crossterm on stdout, one write per frame).
pub struct Terminal {
    inner: ratatui::Terminal<ScrollBackend<CrosstermBackend<FrameOut>>>,
    /// Shared with the [`FrameOut`] inside: while set, its flushes are held.
    holding: Arc<AtomicBool>,
}

impl Terminal {
    /// Raw mode and the alternate screen (no mouse capture); installs the panic hook that restores the terminal.
    pub fn enter() -> io::Result<Terminal> {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            hook(info);
        }));
        let holding = Arc::new(AtomicBool::new(false));
        let out = FrameOut { buf: Vec::with_capacity(16 * 1024), holding: holding.clone() };
        let entered = ratatui::crossterm::terminal::enable_raw_mode()
            .and_then(|()| execute!(io::stdout(), ratatui::crossterm::terminal::EnterAlternateScreen))
            .and_then(|()| ratatui::Terminal::new(ScrollBackend::new(CrosstermBackend::new(out))));
        match entered {
            Ok(inner) => Ok(Terminal { inner, holding }),
            Err(e) => {
                // Raw mode may be on already when the alternate screen failed.
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves raw mode and the alternate screen and shows the cursor. Every step is tried even if one fails (after
/// SIGHUP the terminal may be gone).
pub fn restore() {
    let _ = ratatui::crossterm::terminal::disable_raw_mode();
    let _ =
        execute!(io::stdout(), ratatui::crossterm::terminal::LeaveAlternateScreen, ratatui::crossterm::cursor::Show);
}

/// What ratatui writes goes into this buffer; while a frame is being drawn its flushes are held, so the whole
/// frame leaves in one `write` (one SSH packet where it fits) instead of stdout's 1,024-byte pieces.
#[derive(Debug)]
pub struct FrameOut {
    buf: Vec<u8>,
    holding: Arc<AtomicBool>,
}

impl FrameOut {
    /// Writes what is buffered to stdout at once.
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let frame = short_colours(&self.buf);
        let mut out = io::stdout().lock();
        let written = out.write_all(&frame).and_then(|()| out.flush());
        self.buf.clear();
        written
    }
}

impl Write for FrameOut {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.holding.load(Ordering::Relaxed) { Ok(()) } else { self.send() }
    }
}

/// One frame's synchronized-output bracket: opened by [`FrameGuard::begin`], closed — and the frame sent — when the
/// guard ends, also when drawing failed half-way (a terminal left inside the bracket would stop showing anything).
struct FrameGuard<'a> {
    term: &'a mut Terminal,
    closed: bool,
}

impl<'a> FrameGuard<'a> {
    fn begin(term: &'a mut Terminal) -> io::Result<FrameGuard<'a>> {
        term.holding.store(true, Ordering::Relaxed);
        let guard = FrameGuard { term, closed: false };
        queue!(guard.term.inner.backend_mut(), BeginSynchronizedUpdate)?;
        Ok(guard)
    }

    /// Closes the bracket and sends the frame.
    fn end(mut self) -> io::Result<()> {
        self.closed = true;
        self.close()
    }

    fn close(&mut self) -> io::Result<()> {
        let backend = self.term.inner.backend_mut();
        let ended = queue!(backend, EndSynchronizedUpdate);
        self.term.holding.store(false, Ordering::Relaxed);
        let sent = backend.flush();
        ended.and(sent)
    }
}

impl Drop for FrameGuard<'_> {
    fn drop(&mut self) {
        if !self.closed {
            let _ = self.close();
        }
    }
}

impl Canvas for Terminal {
    fn draw(&mut self, state: &State) -> io::Result<()> {
        let frame = FrameGuard::begin(self)?;
        frame.term.inner.draw(|f| view::render(f, state))?;
        frame.end()
    }

    fn size(&self) -> io::Result<(u16, u16)> {
        let s = self.inner.size()?;
        Ok((s.width, s.height))
    }
}

/// crossterm writes every colour as a 256-colour code (`ESC[38;5;6m`, `ESC[38;5;2;49m`); the 16 basic colours the
/// theme uses have short codes of their own (`ESC[36m`, `ESC[32;49m`), which every terminal reads the same way.
pub fn short_colours(frame: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame.len());
    let mut i = 0;
    while i < frame.len() {
        if frame[i..].starts_with(b"\x1b[") {
            let params = &frame[i + 2..];
            let len = params.iter().take_while(|b| b.is_ascii_digit() || **b == b';').count();
            if params.get(len) == Some(&b'm') && params[..len].windows(2).any(|w| w == b"8;") {
                out.extend_from_slice(b"\x1b[");
                out.extend_from_slice(&short_sgr(&params[..len]));
                out.push(b'm');
                i += 2 + len + 1;
                continue;
            }
        }
        out.push(frame[i]);
        i += 1;
    }
    out
}

/// The parameters of one SGR sequence with `38;5;N` / `48;5;N` (N < 16) replaced by their short codes.
fn short_sgr(params: &[u8]) -> Vec<u8> {
    let parts: Vec<&[u8]> = params.split(|b| *b == b';').collect();
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(parts.len());
    let mut k = 0;
    while k < parts.len() {
        let base = match parts[k] {
            b"38" => Some(30u8),
            b"48" => Some(40u8),
            _ => None,
        };
        let index = parts.get(k + 2).and_then(|n| std::str::from_utf8(n).ok()).and_then(|n| n.parse::<u8>().ok());
        if let (Some(base), Some(b"5"), Some(n)) = (base, parts.get(k + 1).copied(), index)
            && n < 16
        {
            let code = if n < 8 { base + n } else { base + 60 + (n - 8) };
            out.push(code.to_string().into_bytes());
            k += 3;
            continue;
        }
        out.push(parts[k].to_vec());
        k += 1;
    }
    out.join(&b';')
}

/// SIGHUP or SIGTERM, whichever comes first.
pub fn signals() -> io::Result<impl Future<Output = Exit>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = hup.recv() => Exit::Signal,
            _ = term.recv() => Exit::Signal,
        }
    })
}

/// Performs effects one after another; a batch waiting in the queue is merged: of identical loads only the last
/// runs (writes always run, in order).
async fn worker(performer: Performer, mut effects: mpsc::UnboundedReceiver<Effect>, msgs: mpsc::UnboundedSender<Msg>) {
    while let Some(first) = effects.recv().await {
        let mut batch = vec![first];
        while let Ok(e) = effects.try_recv() {
            batch.push(e);
        }
        for effect in merge_loads(batch) {
            if effect.is_network() {
                // An API call may take seconds: it runs on its own, the loads behind it go on.
                let (p, tx) = (performer.clone(), msgs.clone());
                tokio::spawn(async move {
                    let _ = tx.send(p.perform(effect).await);
                });
                continue;
            }
            if msgs.send(performer.perform(effect).await).is_err() {
                return;
            }
        }
    }
}

/// The next change of who sends; never resolves when this window does not take part in sending (or no longer: the
/// sending side ended, and a closed channel must not wake the loop again and again).
async fn next_role(
    roles: &mut Option<tokio::sync::watch::Receiver<crate::sending::Role>>,
) -> Option<crate::sending::Role> {
    let Some(rx) = roles.as_mut() else { return std::future::pending().await };
    match rx.changed().await {
        Ok(()) => Some(*rx.borrow_and_update()),
        Err(_) => {
            *roles = None;
            None
        }
    }
}

/// Drops a load when the same load comes later in the batch.
pub fn merge_loads(batch: Vec<Effect>) -> Vec<Effect> {
    let mut out: Vec<Effect> = Vec::with_capacity(batch.len());
    for (i, e) in batch.iter().enumerate() {
        if e.is_load() && batch[i + 1..].contains(e) {
            continue;
        }
        out.push(e.clone());
    }
    out
}

fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// Runs the app until it quits, the input ends or `stop` resolves. Draws the first frame before any data is
/// loaded, then only when `update` says something changed. `watch` reports database changes by other processes
/// (checked with `PRAGMA data_version` while a live screen is open).
pub async fn event_loop<C, E, S>(
    canvas: &mut C,
    mut events: E,
    performer: Performer,
    state: &mut State,
    stop: S,
    mut watch: DbWatch,
) -> io::Result<Exit>
where
    C: Canvas,
    E: Stream<Item = io::Result<Event>> + Unpin,
    S: Future<Output = Exit>,
{
    let (effect_tx, effect_rx) = mpsc::unbounded_channel();
    let (msg_tx, mut msg_rx) = mpsc::unbounded_channel();
    let mut roles = performer.roles();
    let work = tokio::spawn(worker(performer, effect_rx, msg_tx));
    let send = |effects: Vec<Effect>| {
        for e in effects {
            let _ = effect_tx.send(e);
        }
    };
    let (w, h) = canvas.size()?;
    send(update(state, Msg::Resize(w, h)));
    send(state.start());
    if state.live() {
        // The baseline `data_version` and the badges; after this only changes wake the check.
        send(vec![Effect::CheckDataVersion]);
    }
    state.take_redraw();
    canvas.draw(state)?;

    let mut stop = std::pin::pin!(stop);
    let exit = loop {
        tokio::select! {
            biased;
            reason = &mut stop => break reason,
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    if let Some(msg) = to_msg(ev) {
                        send(update(state, msg));
                    }
                }
                // The terminal is gone: end instead of spinning on a dead input.
                Some(Err(_)) | None => break Exit::InputClosed,
            },
            Some(msg) = msg_rx.recv() => send(update(state, msg)),
            () = watch.changed(), if state.live() => send(vec![Effect::CheckDataVersion]),
            Some(role) = next_role(&mut roles) => send(update(state, Msg::Sender(super::background::sender(role)))),
        }
        // Drain what is already waiting, so a burst of keys or results gives one frame (bounded, so a flood of
        // input cannot keep the loop from seeing a signal or drawing).
        let mut closed = false;
        for _ in 0..MAX_DRAIN {
            if state.quit {
                break;
            }
            // Poll with this task's own waker, never a no-op one (`now_or_never`): crossterm's `EventStream` hands
            // the waker of the first poll that returns `Pending` to its wake thread and keeps it until that thread
            // fires, so a no-op waker there would leave the next key waking nobody.
            let Poll::Ready(next) = poll_fn(|cx| Poll::Ready(events.poll_next_unpin(cx))).await else { break };
            match next {
                Some(Ok(ev)) => {
                    if let Some(msg) = to_msg(ev) {
                        send(update(state, msg));
                    }
                }
                Some(Err(_)) | None => {
                    closed = true;
                    break;
                }
            }
        }
        while let Ok(msg) = msg_rx.try_recv() {
            send(update(state, msg));
        }
        if closed {
            break Exit::InputClosed;
        }
        if state.quit {
            break Exit::Quit;
        }
        if state.take_redraw() {
            canvas.draw(state)?;
        }
    };
    // A hangup or a signal: a message being composed is kept as a draft all the same (`q` asked for it already).
    let keep = if exit == Exit::Quit { Vec::new() } else { super::app::draft_to_keep(state).into_iter().collect() };
    let keeping = !keep.is_empty();
    send(keep);
    drop(effect_tx);
    if exit == Exit::Quit || keeping {
        // Let writes already asked for finish (a save right before `q`), but never hang on them.
        let _ = tokio::time::timeout(Duration::from_secs(5), work).await;
    } else {
        work.abort();
    }
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::short_colours;

    #[test]
    fn basic_colours_get_their_short_codes_and_others_stay() {
        let frame =
            b"\x1b[38;5;6mA\x1b[48;5;11mB\x1b[38;5;196mC\x1b[38;5;0mD\x1b[38;5;mE\x1b[0m\x1b[38;5;2;49mF\x1b[5;38H";
        let short = short_colours(frame);
        let want = b"\x1b[36mA\x1b[103mB\x1b[38;5;196mC\x1b[30mD\x1b[38;5;mE\x1b[0m\x1b[32;49mF\x1b[5;38H";
        assert_eq!(String::from_utf8_lossy(&short), String::from_utf8_lossy(want));
    }
}
