//! The send journal: a small append-only text file beside the database (`<database>.sends`, mode 0600) that
//! outlives a restore. Before a claimed row's request is written, its token goes in as an intent (`I`), synced to the
//! disk in the claim's transaction, before the claim commits; when the answer is known, an outcome follows (`A`:
//! Meta accepted it, `N`: it certainly did not go out — a temporary error, a refusal). A restore
//! ([`crate::store::Store::settle_restored`]) reads it to tell, for each row that was still open in the backup,
//! whether it went out since: accepted → counted as sent, certainly not → queued again, an intent without an answer
//! → "unklar nach Wiederherstellung" for the farmer. Rows the journal has never seen were not sent after the backup,
//! provided the journal began before the backup was taken.
//!
//! Only random row tokens and times are written — no numbers, names or Meta's message ids (those encode the
//! number) — so erasure has nothing to do here. A line cut off by a crash is skipped when reading.
//!
//! ```text
//! # hofbote send journal, begun 2026-11-30T07:00:00Z
//! I 2026-11-30T07:01:02.123Z 3f9a…
//! A 2026-11-30T07:01:02.480Z 3f9a…
//! ```

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{io_err, parse_ts, ts};

const HEADER: &str = "# hofbote send journal, begun ";

/// The journal file of a database.
pub fn path_for(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".sends");
    PathBuf::from(p)
}

/// What the journal says about one token, over all its attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// An attempt was about to be written and no answer was recorded for it.
    Intent,
    /// Meta accepted it.
    Accepted,
    /// Every attempt certainly did not go out.
    NotSent,
}

/// The journal as read at a restore.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalView {
    /// When the journal began (its first line); `None` when there is no journal.
    pub begun_at: Option<DateTime<Utc>>,
    pub entries: HashMap<String, Entry>,
    pub unreadable_lines: usize,
}

impl JournalView {
    /// Whether every send since `since` is in the journal.
    pub fn covers(&self, since: DateTime<Utc>) -> bool {
        self.begun_at.is_some_and(|b| b <= since)
    }
}

/// The open journal of a live database.
#[derive(Debug)]
pub struct SendJournal {
    path: PathBuf,
    file: Option<File>,
}

impl SendJournal {
    pub fn new(db: &Path) -> SendJournal {
        SendJournal { path: path_for(db), file: None }
    }

    fn file(&mut self, now: DateTime<Utc>) -> std::io::Result<&mut File> {
        if self.file.is_none() {
            let mut opts = OpenOptions::new();
            opts.append(true).create(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut file = opts.open(&self.path)?;
            if file.metadata()?.len() == 0 {
                file.write_all(format!("{HEADER}{}\n", ts(now)).as_bytes())?;
                file.sync_all()?;
            }
            self.file = Some(file);
        }
        // Just set when it was empty.
        self.file.as_mut().ok_or_else(|| std::io::Error::other("send journal not open"))
    }

    /// Starts the journal (its first line is its beginning) if it does not exist yet; costs one `stat` when it does
    /// (every command opens the store, few of them send).
    pub fn begin(&mut self, now: DateTime<Utc>) -> super::Result<()> {
        if self.file.is_some() || self.path.exists() {
            return Ok(());
        }
        let path = self.path.clone();
        self.file(now).map(|_| ()).map_err(|e| io_err(&path, e))
    }

    fn append(&mut self, kind: char, tokens: &[&str], now: DateTime<Utc>, sync: bool) -> super::Result<()> {
        if tokens.is_empty() {
            return Ok(());
        }
        let at = ts(now);
        let mut text = String::with_capacity(tokens.len() * (at.len() + 36));
        for t in tokens {
            text.push(kind);
            text.push(' ');
            text.push_str(&at);
            text.push(' ');
            text.push_str(t);
            text.push('\n');
        }
        let path = self.path.clone();
        let result = (|| {
            let file = self.file(now)?;
            file.write_all(text.as_bytes())?;
            if sync { file.sync_data() } else { Ok(()) }
        })();
        if result.is_err() {
            // Reopened next time (the file may have been replaced or the disk remounted).
            self.file = None;
        }
        result.map_err(|e| io_err(&path, e))?;
        super::stats::commit(
            if sync { super::stats::Kind::JournalIntent } else { super::stats::Kind::JournalOutcome },
            tokens.len(),
        );
        Ok(())
    }

    /// Rows about to be written to Meta; on the disk before this returns.
    pub fn intents(&mut self, tokens: &[&str], now: DateTime<Utc>) -> super::Result<()> {
        self.append('I', tokens, now, true)
    }

    /// Outcomes: accepted by Meta, or certainly not sent. Not synced: a lost outcome leaves an intent, which a
    /// restore treats as unclear — the safe side.
    pub fn outcomes(&mut self, accepted: &[&str], not_sent: &[&str], now: DateTime<Utc>) -> super::Result<()> {
        self.append('A', accepted, now, false)?;
        self.append('N', not_sent, now, false)
    }
}

#[derive(Default)]
struct Tally {
    intents: u32,
    not_sent: u32,
    accepted: bool,
}

/// Reads the journal at `path` (missing: empty, `begun_at` None).
pub fn read(path: &Path) -> super::Result<JournalView> {
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(JournalView::default()),
        Err(e) => return Err(io_err(path, e)),
    };
    let text = String::from_utf8_lossy(&text);
    let mut view = JournalView::default();
    let mut tally: HashMap<String, Tally> = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        if n == 0 {
            match line.strip_prefix(HEADER).map(parse_ts) {
                Some(Ok(at)) => view.begun_at = Some(at),
                _ => view.unreadable_lines += 1,
            }
            continue;
        }
        let mut parts = line.split(' ');
        let (Some(kind), Some(at), Some(token), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            view.unreadable_lines += 1;
            continue;
        };
        if !matches!(kind, "I" | "A" | "N") || parse_ts(at).is_err() || token.is_empty() {
            view.unreadable_lines += 1;
            continue;
        }
        let t = tally.entry(token.to_owned()).or_default();
        match kind {
            "I" => t.intents += 1,
            "A" => t.accepted = true,
            _ => t.not_sent += 1,
        }
    }
    // Accepted once is sent; an attempt without an answer (more intents than "not sent" answers) is unclear even
    // when a later attempt failed for certain.
    view.entries = tally
        .into_iter()
        .map(|(token, t)| {
            let entry = if t.accepted {
                Entry::Accepted
            } else if t.intents > t.not_sent {
                Entry::Intent
            } else {
                Entry::NotSent
            };
            (token, entry)
        })
        .collect();
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_796_000_000 + s, 0).unwrap_or_default()
    }

    #[test]
    fn intents_and_outcomes_round_trip_and_a_torn_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("h.sqlite");
        let mut j = SendJournal::new(&db);
        j.intents(&["a1", "b2", "c3", "d4"], at(1)).unwrap();
        j.outcomes(&["a1"], &["b2"], at(2)).unwrap();
        j.intents(&["a1", "d4"], at(3)).unwrap();
        j.outcomes(&[], &["d4"], at(4)).unwrap();
        std::fs::OpenOptions::new().append(true).open(path_for(&db)).unwrap().write_all(b"A 2026-11-3").unwrap();
        let view = read(&path_for(&db)).unwrap();
        assert_eq!(view.begun_at, Some(at(1)));
        assert_eq!(view.entries.get("a1"), Some(&Entry::Accepted), "accepted stays accepted");
        assert_eq!(view.entries.get("b2"), Some(&Entry::NotSent));
        assert_eq!(view.entries.get("c3"), Some(&Entry::Intent));
        assert_eq!(view.entries.get("d4"), Some(&Entry::Intent), "the first attempt has no answer");
        assert_eq!(view.unreadable_lines, 1);
        assert!(view.covers(at(1)) && !view.covers(at(0)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path_for(&db)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn no_journal_covers_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let view = read(&dir.path().join("none.sends")).unwrap();
        assert_eq!(view.begun_at, None);
        assert!(!view.covers(at(0)));
    }
}
