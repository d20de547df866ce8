//! Logging with `tracing` to a daily log file in the data directory (never to the terminal while the TUI runs).
//! Secrets never reach a log line: they are wrapped in `config::Secret`, which prints `***`.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Starts file logging; keep the guard alive for the whole run. `also_stderr` adds stderr (for the service's journal).
pub fn init(log_dir: &Path, also_stderr: bool) -> Option<WorkerGuard> {
    if crate::store::create_private_dir(log_dir).is_err() {
        return None;
    }
    let appender = tracing_appender::rolling::daily(log_dir, "hofbote.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("HOFBOTE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let file_layer = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(false);
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let stderr_layer =
        also_stderr.then(|| tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false));
    let _ = tracing_subscriber::registry().with(filter).with(file_layer).with(stderr_layer).try_init();
    Some(guard)
}
