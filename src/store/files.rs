//! The names of the files hofbote keeps beside the database file `<db>`, one function per file, so the modules that
//! write them and the store's watch ([`super::watch`]) that wakes on them name them the same way: the send lock
//! (`<db>.send.lock`) and the wish of a service waiting for it (`<db>.send.want`), both used by `queue::lock`, and
//! the note of a sender stuck on the database (`<db>.sender-alert`, `queue::health`). The send journal
//! (`<db>.sends`) is [`super::send_journal::path_for`]. Names only: must not open, lock or write a file.

use std::path::{Path, PathBuf};

/// `<db>.send.lock`: held by the one process that sends.
pub fn send_lock(db: &Path) -> PathBuf {
    beside(db, ".send.lock")
}

/// `<db>.send.want`: held by a service while it waits for the send lock.
pub fn send_want(db: &Path) -> PathBuf {
    beside(db, ".send.want")
}

/// `<db>.sender-alert`: written by a sender stuck on a busy or full database (which may take no write).
pub fn sender_alert(db: &Path) -> PathBuf {
    beside(db, ".sender-alert")
}

fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_is_the_database_name_with_its_suffix_in_the_same_folder() {
        let db = Path::new("/var/lib/hofbote/hofbote.sqlite");
        assert_eq!(send_lock(db), Path::new("/var/lib/hofbote/hofbote.sqlite.send.lock"));
        assert_eq!(send_want(db), Path::new("/var/lib/hofbote/hofbote.sqlite.send.want"));
        assert_eq!(sender_alert(db), Path::new("/var/lib/hofbote/hofbote.sqlite.sender-alert"));
        assert_eq!(sender_alert(Path::new("h.sqlite")), Path::new("h.sqlite.sender-alert"));
    }
}
