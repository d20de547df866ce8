//! The event loop and the terminal. Keys, resizes, IO results, signals and a calm `data_version` check come in;
//! `update` turns them into effects, a worker performs those on the DB thread (merging repeated loads), and a frame
//! is drawn only when something changed — no fixed tick, nothing drawn while idle. Each frame is wrapped in
//! synchronized output. The terminal is restored on every way out: quit, error, panic (ratatui's hook, installed
//! after color-eyre's), SIGHUP, SIGTERM, and when the input stream ends (SSH gone). Must not decide what to show.

use std::future::Future;
use std::io;
use std::time::Duration;

use futures_util::{FutureExt, Stream, StreamExt};
use ratatui::crossterm::event::Event;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::crossterm::{execute, queue};
use tokio::sync::mpsc;

use super::app::{Effect, Msg, State, update};
use super::perform::Performer;
use super::view;

/// How often `PRAGMA data_version` is checked while a live screen is open.
pub const CHECK_EVERY: Duration = Duration::from_millis(500);

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

/// The real terminal (crossterm on stdout).
pub struct Terminal {
    inner: ratatui::DefaultTerminal,
}

impl Terminal {
    /// Raw mode and the alternate screen (no mouse capture); installs the panic hook that restores the terminal.
    pub fn enter() -> io::Result<Terminal> {
        match ratatui::try_init() {
            Ok(inner) => Ok(Terminal { inner }),
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

impl Canvas for Terminal {
    fn draw(&mut self, state: &State) -> io::Result<()> {
        queue!(self.inner.backend_mut(), BeginSynchronizedUpdate)?;
        self.inner.draw(|f| view::render(f, state))?;
        execute!(self.inner.backend_mut(), EndSynchronizedUpdate)
    }

    fn size(&self) -> io::Result<(u16, u16)> {
        let s = self.inner.size()?;
        Ok((s.width, s.height))
    }
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
/// loaded, then only when `update` says something changed.
pub async fn event_loop<C, E, S>(
    canvas: &mut C,
    mut events: E,
    performer: Performer,
    state: &mut State,
    stop: S,
    check_every: Duration,
) -> io::Result<Exit>
where
    C: Canvas,
    E: Stream<Item = io::Result<Event>> + Unpin,
    S: Future<Output = Exit>,
{
    let (effect_tx, effect_rx) = mpsc::unbounded_channel();
    let (msg_tx, mut msg_rx) = mpsc::unbounded_channel();
    let work = tokio::spawn(worker(performer, effect_rx, msg_tx));
    let send = |effects: Vec<Effect>| {
        for e in effects {
            let _ = effect_tx.send(e);
        }
    };
    let (w, h) = canvas.size()?;
    send(update(state, Msg::Resize(w, h)));
    send(state.start());
    state.take_redraw();
    canvas.draw(state)?;

    let mut check = tokio::time::interval(check_every);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    check.reset();
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
            _ = check.tick(), if state.live() => send(vec![Effect::CheckDataVersion]),
        }
        // Drain what is already waiting, so a burst of keys or results gives one frame (bounded, so a flood of
        // input cannot keep the loop from seeing a signal or drawing).
        let mut closed = false;
        for _ in 0..MAX_DRAIN {
            if state.quit {
                break;
            }
            let Some(next) = events.next().now_or_never() else { break };
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
    drop(effect_tx);
    if exit == Exit::Quit {
        // Let writes already asked for finish (a save right before `q`), but never hang on them.
        let _ = tokio::time::timeout(Duration::from_secs(5), work).await;
    } else {
        work.abort();
    }
    Ok(exit)
}
