//! Logging with `tracing` to a daily log file in the data directory (never to the terminal while the TUI runs).
//! Secrets never reach a log line: they are wrapped in `config::Secret`, which prints `***`. Log lines name customers'
//! numbers, so the files are 0600 like the database.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Log lines waiting for the writer thread at most; more are dropped (the appender is lossy) rather than blocking the
/// caller. `tracing_appender`'s default of 128,000 is a channel whose slots are allocated and touched up front:
/// 128,000 × 32 bytes = 4 MB resident in `serve` from the first second (measured with heaptrack: the largest single
/// allocation of a sending `serve`), for a program that writes a few lines a minute.
const BUFFERED_LINES: usize = 4096;

/// Starts file logging; keep the guard alive for the whole run. `also_stderr` adds stderr (for the service's journal).
pub fn init(log_dir: &Path, also_stderr: bool) -> Option<WorkerGuard> {
    if crate::store::create_private_dir(log_dir).is_err() {
        return None;
    }
    let appender = PrivateDailyLog { dir: log_dir.to_owned(), day: None, file: None };
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .finish(appender);
    let filter = EnvFilter::try_from_env("HOFBOTE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let file_layer = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(false);
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let stderr_layer =
        also_stderr.then(|| tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false));
    let _ = tracing_subscriber::registry().with(filter).with(file_layer).with(stderr_layer).try_init();
    Some(guard)
}

/// The daily log file `hofbote.log.YYYY-MM-DD` (UTC day, the names `tracing_appender::rolling::daily` used and the
/// retention sweep knows), opened for appending with mode 0600 — also when an older file had a wider mode.
struct PrivateDailyLog {
    dir: std::path::PathBuf,
    day: Option<chrono::NaiveDate>,
    file: Option<std::fs::File>,
}

impl PrivateDailyLog {
    fn file(&mut self) -> std::io::Result<&mut std::fs::File> {
        let today = chrono::Utc::now().date_naive();
        if self.day != Some(today) {
            self.file = None;
        }
        match &mut self.file {
            Some(f) => Ok(f),
            slot => {
                let f = open_private_append(&self.dir.join(format!("hofbote.log.{}", today.format("%Y-%m-%d"))))?;
                self.day = Some(today);
                Ok(slot.insert(f))
            }
        }
    }
}

impl std::io::Write for PrivateDailyLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file()?.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_daily_log_file_is_0600_and_appended() {
        let dir = tempfile::tempdir().unwrap();
        let name = format!("hofbote.log.{}", chrono::Utc::now().format("%Y-%m-%d"));
        let path = dir.path().join(&name);
        // A file from an older version with the default mode.
        std::fs::write(&path, "alt\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut log = PrivateDailyLog { dir: dir.path().to_owned(), day: None, file: None };
        log.write_all(b"neu\n").unwrap();
        log.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "alt\nneu\n");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::remove_file(&path).unwrap();
        let mut fresh = PrivateDailyLog { dir: dir.path().to_owned(), day: None, file: None };
        fresh.write_all(b"x\n").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
