//! The real event loop against a test canvas: the first frame comes before any data, no frames while idle (the
//! calm `data_version` check finds nothing), a change by another process is reloaded and drawn, and the loop ends
//! when the input ends or a signal arrives.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

use super::*;
use crate::store::Db;
use crate::tui::driver::{Canvas, DbWatch, Exit, event_loop, merge_loads};
use crate::tui::perform::Performer;
use crate::tui::view;

/// Draws into a test backend and counts frames; the last frame's text is kept.
struct Counting {
    terminal: Terminal<TestBackend>,
    frames: Arc<Mutex<(usize, String)>>,
}

impl Canvas for Counting {
    fn draw(&mut self, state: &State) -> std::io::Result<()> {
        let _ = self.terminal.draw(|f| view::render(f, state));
        let mut f = self.frames.lock().unwrap();
        f.0 += 1;
        f.1 = crate::tui::buffer_text(self.terminal.backend().buffer());
        Ok(())
    }

    fn size(&self) -> std::io::Result<(u16, u16)> {
        Ok((80, 24))
    }
}

type Keys = mpsc::UnboundedSender<std::io::Result<Event>>;

fn key_stream() -> (Keys, impl futures_util::Stream<Item = std::io::Result<Event>> + Unpin) {
    let (tx, rx) = mpsc::unbounded_channel();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) });
    (tx, Box::pin(stream))
}

fn press(c: char) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
}

async fn wait_for(frames: &Arc<Mutex<(usize, String)>>, what: &str) -> bool {
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        if frames.lock().unwrap().1.contains(what) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn idle_means_no_frames_and_outside_changes_are_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hofbote.sqlite");
    let mut store = Store::open(&path, Arc::new(clock())).unwrap();
    crate::demo::seed(&mut store, &shop_config()).unwrap();
    let launch = launch(shop_config(), Lang::De, false);
    let (db, _thread) = Db::spawn(store);
    let performer = Performer::new(db, PerformCtx::from_launch(&launch));
    let frames = Arc::new(Mutex::new((0usize, String::new())));
    let mut canvas = Counting { terminal: Terminal::new(TestBackend::new(80, 24)).unwrap(), frames: frames.clone() };
    let mut state = State::new(&launch);
    let (keys, events) = key_stream();
    // The real file watcher: no timer at all while idle (a fallback poll of an hour would show up as a failure).
    let watch = DbWatch::start(&path, Duration::from_secs(3600));
    assert_eq!(watch.kind(), crate::store::watch::WatchKind::Notify);
    let window = Duration::from_secs(1);
    let never = std::future::pending::<Exit>();

    let run = event_loop(&mut canvas, events, performer, &mut state, never, watch);
    let script = async {
        assert!(wait_for(&frames, "Agnieszka Nowak").await, "the list is drawn");
        {
            let f = frames.lock().unwrap();
            assert!(f.0 >= 2, "a first frame before the data, then the data: {}", f.0);
        }
        // The first rows come before the whole list (issue 15), whose frame may follow under load: idle starts when
        // the frames have stopped for a moment.
        let mut before = frames.lock().unwrap().0;
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let now = frames.lock().unwrap().0;
            if now == before {
                break;
            }
            before = now;
        }
        // Idle: nothing changed, so nothing is drawn (an observation window, not a wait for something).
        tokio::time::sleep(window).await;
        let idle = frames.lock().unwrap().0 - before;
        eprintln!("frames while idle for {window:?}: {idle}");
        assert_eq!(idle, 0, "frames drawn while idle");

        // Another process (another connection) adds a customer: the watcher wakes the loop, which reloads and draws.
        let mut other = Store::open(&path, Arc::new(clock())).unwrap();
        let draft =
            CustomerDraft::new("Aaron Anders", "", Phone::parse("0170 5550000", Region::DE).unwrap(), &[], "").unwrap();
        other.insert_customer(&draft).unwrap();
        let started = Instant::now();
        assert!(wait_for(&frames, "Aaron Anders").await, "a change by another process is shown");
        eprintln!("outside change shown after {:?}", started.elapsed());
        assert!(frames.lock().unwrap().0 > before);
        keys.send(press('q')).unwrap();
    };
    let (exit, ()) = tokio::join!(run, script);
    assert_eq!(exit.unwrap(), Exit::Quit);
}

#[tokio::test]
async fn the_loop_ends_when_the_input_ends_or_a_signal_comes() {
    for by_signal in [false, true] {
        let launch = launch(shop_config(), Lang::De, false);
        let (db, _thread) = Db::spawn(empty_store());
        let performer = Performer::new(db, PerformCtx::from_launch(&launch));
        let frames = Arc::new(Mutex::new((0usize, String::new())));
        let mut canvas =
            Counting { terminal: Terminal::new(TestBackend::new(80, 24)).unwrap(), frames: frames.clone() };
        let mut state = State::new(&launch);
        let (keys, events) = key_stream();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let stop = async move {
            match stop_rx.await {
                Ok(()) => Exit::Signal,
                Err(_) => std::future::pending().await,
            }
        };
        let run =
            event_loop(&mut canvas, events, performer, &mut state, stop, DbWatch::every(Duration::from_millis(50)));
        let script = async {
            assert!(wait_for(&frames, "Noch keine Kunden").await);
            if by_signal {
                let _ = stop_tx.send(());
                drop(keys);
            } else {
                // The terminal's input closes (SSH gone): the stream ends.
                drop(keys);
                drop(stop_tx);
            }
        };
        let started = Instant::now();
        let (exit, ()) = tokio::time::timeout(Duration::from_secs(5), async { tokio::join!(run, script) })
            .await
            .expect("the loop must end, not spin");
        let exit = exit.unwrap();
        assert_eq!(exit, if by_signal { Exit::Signal } else { Exit::InputClosed });
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[test]
fn repeated_loads_are_merged_but_writes_never() {
    use crate::tui::app::Effect;
    let save = Effect::SaveCustomer {
        id: None,
        draft: CustomerDraft::new("A", "", Phone::parse("0171 1234567", Region::DE).unwrap(), &[], "").unwrap(),
    };
    let batch = vec![
        Effect::LoadCustomers,
        Effect::CheckDataVersion,
        save.clone(),
        Effect::LoadCustomers,
        Effect::CheckDataVersion,
        save.clone(),
    ];
    assert_eq!(merge_loads(batch), vec![save.clone(), Effect::LoadCustomers, Effect::CheckDataVersion, save]);
}

#[tokio::test]
async fn the_queue_screen_draws_nothing_while_idle_and_shows_statuses_from_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hofbote.sqlite");
    {
        // The send fixture, copied into a file so a second connection (another process) can change it.
        let store = send_store();
        store.conn().execute("VACUUM INTO ?1", [path.to_str().unwrap()]).unwrap();
    }
    let store = Store::open(&path, Arc::new(clock())).unwrap();
    let launch = launch(shop_config(), Lang::De, false);
    let (db, _thread) = Db::spawn(store);
    let performer = Performer::new(db, PerformCtx::from_launch(&launch));
    let frames = Arc::new(Mutex::new((0usize, String::new())));
    let mut canvas = Counting { terminal: Terminal::new(TestBackend::new(80, 24)).unwrap(), frames: frames.clone() };
    let mut state = State::new(&launch);
    state.tab = Screen::Queue;
    let (keys, events) = key_stream();
    let check = Duration::from_millis(100);
    let never = std::future::pending::<Exit>();
    let run = event_loop(&mut canvas, events, performer, &mut state, never, DbWatch::every(check));
    let script = async {
        assert!(wait_for(&frames, "wartet 6 · gesendet 4").await, "the queue is drawn");
        // Let the first check load the unread count, then stay idle.
        tokio::time::sleep(check * 3).await;
        let before = frames.lock().unwrap().0;
        tokio::time::sleep(check * 10).await;
        let idle = frames.lock().unwrap().0 - before;
        eprintln!("queue screen: frames while idle for {:?}: {idle}", check * 10);
        assert_eq!(idle, 0, "frames drawn while idle on the queue screen");
        // A status webhook applied by `hofbote serve` (another connection): the next check redraws.
        let other = Store::open(&path, Arc::new(clock())).unwrap();
        other.conn().execute("UPDATE outbox SET state = 'delivered' WHERE state = 'accepted'", []).unwrap();
        assert!(wait_for(&frames, "wartet 6 · zugestellt 10").await, "{}", frames.lock().unwrap().1);
        keys.send(press('q')).unwrap();
    };
    let (exit, ()) = tokio::join!(run, script);
    assert_eq!(exit.unwrap(), Exit::Quit);
}
