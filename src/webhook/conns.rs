//! The receiver's own accept loop (hyper 1, HTTP/1.1): header read timeout, idle timeout and a cap on open
//! connections below the open-file limit. At the cap the connection that has been quiet longest and is not handling
//! a request is closed to make room, so 1,000 half-open "slowloris" connections cannot starve Meta's signed
//! webhooks. Must not look at request contents: routing and the body read timeout are the router's job.

use std::collections::HashMap;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};

/// File descriptors kept free for everything that is not a webhook connection: the database and its WAL, log files,
/// connections to Meta, inotify, stdio.
const FD_RESERVE: usize = 128;
/// Upper bound on connections however high the open-file limit is: a reverse proxy and Meta need a handful.
const MAX_CONNECTIONS: usize = 8192;
/// How long a shutdown waits for connections with a request in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Timeouts and the connection cap of the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From waiting for a request (also between keep-alive requests) until its last header line.
    pub header_read: Duration,
    /// Reading the whole body, once the headers are in.
    pub body_read: Duration,
    /// No byte in either direction and no request being handled: the connection is closed.
    pub idle: Duration,
    /// Open connections at most; at the cap the quietest idle one is closed for a new one.
    pub max_connections: usize,
}

impl Limits {
    /// Production limits; the cap follows this process's open-file limit (`LimitNOFILE` in the unit).
    pub fn for_this_process() -> Limits {
        let nofile = open_file_limit().unwrap_or(1024);
        Limits {
            header_read: Duration::from_secs(20),
            body_read: Duration::from_secs(30),
            idle: Duration::from_secs(60),
            max_connections: cap_for(nofile),
        }
    }
}

/// The connection cap for an open-file limit: below it by a reserve, at least 16.
pub fn cap_for(nofile: u64) -> usize {
    usize::try_from(nofile).unwrap_or(usize::MAX).saturating_sub(FD_RESERVE).clamp(16, MAX_CONNECTIONS)
}

/// The soft open-file limit of this process (Linux: `/proc/self/limits`); `None` where that is unknown.
fn open_file_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_open_file_limit(&text)
}

fn parse_open_file_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line.trim_start_matches("Max open files").split_whitespace().next()?;
    // "unlimited" is not a number: treat as the top of the range.
    Some(soft.parse().unwrap_or(u64::MAX))
}

/// What the tracker knows about one connection.
#[derive(Default)]
struct Activity {
    /// Microseconds since the tracker's start at the last byte read or written (fine enough to order connections).
    last: AtomicU64,
    /// Requests being handled right now.
    in_flight: AtomicUsize,
}

impl Activity {
    fn touch(&self, base: Instant) {
        self.last.store(micros_since(base), Ordering::Relaxed);
    }
}

fn micros_since(base: Instant) -> u64 {
    u64::try_from(base.elapsed().as_micros()).unwrap_or(u64::MAX)
}

struct Entry {
    activity: Arc<Activity>,
    close: oneshot::Sender<()>,
    /// Resolves once the connection's task has ended and its socket is closed.
    gone: oneshot::Receiver<()>,
}

/// A connection let in.
struct Admitted {
    activity: Arc<Activity>,
    /// Fires when the tracker closes this connection for a newer one.
    closed: oneshot::Receiver<()>,
    /// Dropped by the connection's task after its socket is closed.
    gone: oneshot::Sender<()>,
    /// The connection closed to make room, to wait until its file descriptor is free.
    evicted: Option<oneshot::Receiver<()>>,
}

/// All open connections, to find the one to close at the cap.
struct Tracker {
    base: Instant,
    open: Mutex<HashMap<u64, Entry>>,
}

impl Tracker {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a connection unless the cap is reached and every open one is handling a request; at the cap the
    /// idle connection with the oldest activity is closed first.
    fn admit(&self, id: u64, max: usize) -> Option<Admitted> {
        let mut open = self.lock();
        let mut evicted = None;
        if open.len() >= max {
            let oldest = open
                .iter()
                .filter(|(_, e)| e.activity.in_flight.load(Ordering::Relaxed) == 0)
                .min_by_key(|(_, e)| e.activity.last.load(Ordering::Relaxed))
                .map(|(id, _)| *id);
            let Some(oldest) = oldest else {
                tracing::warn!(open = open.len(), "webhook receiver full: every connection is busy, new one refused");
                return None;
            };
            if let Some(e) = open.remove(&oldest) {
                let _ = e.close.send(());
                evicted = Some(e.gone);
            }
        }
        let activity = Arc::new(Activity::default());
        activity.touch(self.base);
        let (close, closed) = oneshot::channel();
        let (gone, gone_rx) = oneshot::channel();
        open.insert(id, Entry { activity: activity.clone(), close, gone: gone_rx });
        Some(Admitted { activity, closed, gone, evicted })
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Accepts connections on `listener` and serves `router` on each until `shutdown` resolves; then lets requests in
/// flight finish (at most [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let tracker = Arc::new(Tracker { base: Instant::now(), open: Mutex::new(HashMap::new()) });
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a sender; `recv` returns `None` once all of them ended.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let mut shutdown = pin!(shutdown);
    let mut next_id: u64 = 0;
    let mut warned_at_cap = false;
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // EMFILE/ENFILE and aborted handshakes: the listener stays, try again shortly.
                tracing::warn!(error = %e, "accepting a webhook connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        next_id += 1;
        let at_cap = tracker.len() >= limits.max_connections;
        if at_cap && !warned_at_cap {
            tracing::warn!(
                max = limits.max_connections,
                "webhook receiver at its connection cap: closing the longest-idle connections"
            );
        }
        warned_at_cap = at_cap;
        let Some(admitted) = tracker.admit(next_id, limits.max_connections) else {
            drop(stream);
            continue;
        };
        let Admitted { activity, closed, gone, evicted } = admitted;
        tokio::spawn(serve_connection(
            stream,
            router.clone(),
            limits,
            ConnHandles { id: next_id, tracker: tracker.clone(), activity, closed, gone, stop: stop_rx.clone() },
            alive_tx.clone(),
        ));
        if let Some(evicted) = evicted {
            // Accept the next one only when the closed connection's file descriptor is free again: a flood must not
            // outrun the closing and reach the open-file limit.
            let _ = tokio::time::timeout(Duration::from_millis(200), evicted).await;
        }
    }
    let _ = stop_tx.send(true);
    drop(alive_tx);
    drop(listener);
    let _ = alive_rx.recv().await;
    Ok(())
}

struct ConnHandles {
    id: u64,
    tracker: Arc<Tracker>,
    activity: Arc<Activity>,
    closed: oneshot::Receiver<()>,
    gone: oneshot::Sender<()>,
    stop: watch::Receiver<bool>,
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    handles: ConnHandles,
    _alive: mpsc::Sender<()>,
) {
    let ConnHandles { id, tracker, activity, closed, gone, mut stop } = handles;
    let base = tracker.base;
    serve_until_closed(stream, router, limits, activity, closed, &mut stop, base).await;
    // The socket is closed now (everything that held it was dropped with the function above).
    tracker.remove(id);
    drop(gone);
}

async fn serve_until_closed(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    activity: Arc<Activity>,
    closed: oneshot::Receiver<()>,
    stop: &mut watch::Receiver<bool>,
    base: Instant,
) {
    let _ = stream.set_nodelay(true);
    let io = TokioIo::new(Tracked { inner: stream, activity: activity.clone(), base });
    let inner = TowerToHyperService::new(router);
    let in_flight = activity.clone();
    let service = service_fn(move |req: hyper::Request<Incoming>| {
        let guard = InFlight::begin(in_flight.clone());
        let fut = hyper::service::Service::call(&inner, req);
        async move {
            let response = fut.await;
            drop(guard);
            response
        }
    });
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read).keep_alive(true);
    let mut conn = pin!(builder.serve_connection(io, service));
    let idle = idle_watch(activity.clone(), base, limits.idle);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "webhook connection ended with an error");
            }
        }
        _ = closed => tracing::debug!("webhook connection closed to make room for a new one"),
        () = idle => tracing::debug!("webhook connection closed after being idle"),
        () = async { let _ = stop.wait_for(|s| *s).await; } => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, conn.as_mut()).await;
        }
    }
}

/// Resolves once the connection had no traffic and no request in flight for `idle`.
async fn idle_watch(activity: Arc<Activity>, base: Instant, idle: Duration) {
    let idle_us = u64::try_from(idle.as_micros()).unwrap_or(u64::MAX);
    loop {
        let quiet = micros_since(base).saturating_sub(activity.last.load(Ordering::Relaxed));
        if quiet >= idle_us && activity.in_flight.load(Ordering::Relaxed) == 0 {
            return;
        }
        // Check again when the quiet period could end at the earliest.
        let wait = idle_us.saturating_sub(quiet).max(50_000);
        tokio::time::sleep(Duration::from_micros(wait)).await;
    }
}

/// Counts a request as in flight while it lives; its end counts as activity.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn begin(activity: Arc<Activity>) -> InFlight {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A TCP stream that records when bytes last moved.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
    base: Instant,
}

impl AsyncRead for Tracked {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = std::pin::Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch(this.base);
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = std::pin::Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch(this.base);
        }
        r
    }

    fn poll_flush(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = std::pin::Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch(this.base);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_open_file_limit() {
        assert_eq!(cap_for(1024), 896);
        assert_eq!(cap_for(4096), 3968);
        assert_eq!(cap_for(100), 16);
        assert_eq!(cap_for(u64::MAX), MAX_CONNECTIONS);
    }

    #[test]
    fn the_soft_open_file_limit_is_read_from_proc() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \n\
                    Max cpu time              unlimited            unlimited            seconds   \n\
                    Max open files            1024                 524288               files     \n";
        assert_eq!(parse_open_file_limit(text), Some(1024));
        assert_eq!(parse_open_file_limit("Max open files  unlimited unlimited files"), Some(u64::MAX));
        assert_eq!(parse_open_file_limit(""), None);
        assert!(open_file_limit().is_some(), "this is Linux: /proc/self/limits names the limit");
    }

    #[test]
    fn at_the_cap_the_oldest_idle_connection_is_closed_and_busy_ones_are_kept() {
        let tracker = Tracker { base: Instant::now(), open: Mutex::new(HashMap::new()) };
        let Admitted { activity: a, closed: mut a_closed, .. } = tracker.admit(1, 2).unwrap();
        let Admitted { activity: b, closed: mut b_closed, gone: b_gone, .. } = tracker.admit(2, 2).unwrap();
        // a is older but busy; b is idle.
        a.last.store(0, Ordering::Relaxed);
        b.last.store(10, Ordering::Relaxed);
        let _busy = InFlight::begin(a.clone());
        let mut c = tracker.admit(3, 2).unwrap();
        assert!(b_closed.try_recv().is_ok(), "the idle one made room");
        let mut evicted = c.evicted.take().expect("the new one can wait for the closed one");
        assert!(evicted.try_recv().is_err(), "its task has not ended yet");
        drop(b_gone);
        assert!(evicted.try_recv().is_err_and(|e| e == oneshot::error::TryRecvError::Closed), "ended");
        assert!(a_closed.try_recv().is_err(), "the busy one stays");
        assert_eq!(tracker.len(), 2);
        drop(b);
    }
}
