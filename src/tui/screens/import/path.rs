//! The file path field's rules, pure: `~` for the home folder, and Tab completion from a folder listing that
//! `perform` reads (this module never touches the file system): one match is taken whole (a folder with its `/`),
//! several are completed as far as they agree and listed.

use std::path::{Path, PathBuf};

/// What Tab found for what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The text the completion was made for (a later key makes it outdated).
    pub typed: String,
    /// The new field value.
    pub completed: String,
    /// The names that match (folders end in `/`), sorted; empty when nothing matched.
    pub matches: Vec<String>,
}

/// One folder entry: its name and whether it is a folder.
pub type Entry = (String, bool);

/// `~` and `~/…` become the home folder; anything else stays as typed (relative to where hofbote was started).
pub fn expand(typed: &str, home: Option<&Path>) -> PathBuf {
    let typed = typed.trim();
    match (typed.strip_prefix('~'), home) {
        (Some(""), Some(h)) => h.to_owned(),
        (Some(rest), Some(h)) if rest.starts_with('/') => h.join(rest.trim_start_matches('/')),
        _ => PathBuf::from(typed),
    }
}

/// The folder to list for `typed` (as typed, before [`expand`]) and the start of the name to complete.
pub fn split(typed: &str) -> (String, String) {
    let typed = if typed.trim() == "~" { "~/" } else { typed.trim_start() };
    match typed.rfind('/') {
        Some(i) => (typed[..=i].to_owned(), typed[i + 1..].to_owned()),
        None => (String::new(), typed.to_owned()),
    }
}

/// Completes `typed` from the entries of its folder. Hidden entries only when the name typed starts with a dot.
pub fn complete(typed: &str, entries: &[Entry]) -> Completion {
    let (dir, prefix) = split(typed);
    let mut matches: Vec<String> = entries
        .iter()
        .filter(|(name, _)| name.starts_with(&prefix) && (prefix.starts_with('.') || !name.starts_with('.')))
        .map(|(name, is_dir)| if *is_dir { format!("{name}/") } else { name.clone() })
        .collect();
    matches.sort_by_key(|m| m.to_lowercase());
    let completed = match matches.as_slice() {
        [] => typed.to_owned(),
        [one] => format!("{dir}{one}"),
        many => format!("{dir}{}", common_prefix(many)),
    };
    // Never shorter than what was typed (a name typed past the common start stays).
    let completed = if completed.chars().count() < typed.chars().count() { typed.to_owned() } else { completed };
    Completion { typed: typed.to_owned(), completed, matches }
}

fn common_prefix(names: &[String]) -> String {
    let Some(first) = names.first() else { return String::new() };
    let mut out = String::new();
    for (i, c) in first.chars().enumerate() {
        if names.iter().all(|n| n.chars().nth(i) == Some(c)) {
            out.push(c);
        } else {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<Entry> {
        vec![
            ("kunden.csv".into(), false),
            ("kunden-alt.csv".into(), false),
            ("Dokumente".into(), true),
            (".bashrc".into(), false),
        ]
    }

    #[test]
    fn tilde_is_the_home_folder() {
        let home = Path::new("/home/anna");
        assert_eq!(expand("~", Some(home)), PathBuf::from("/home/anna"));
        assert_eq!(expand("~/kunden.csv", Some(home)), PathBuf::from("/home/anna/kunden.csv"));
        assert_eq!(expand(" /tmp/k.csv ", Some(home)), PathBuf::from("/tmp/k.csv"));
        assert_eq!(expand("~bob/k.csv", Some(home)), PathBuf::from("~bob/k.csv"));
        assert_eq!(split("~"), ("~/".to_owned(), String::new()));
        assert_eq!(split("~/Dok"), ("~/".to_owned(), "Dok".to_owned()));
        assert_eq!(split("kun"), (String::new(), "kun".to_owned()));
    }

    #[test]
    fn one_match_is_taken_whole_and_folders_get_their_slash() {
        assert_eq!(complete("~/Do", &entries()).completed, "~/Dokumente/");
        assert_eq!(complete("~/kunden.", &entries()).completed, "~/kunden.csv");
        assert_eq!(complete("~", &entries()).matches, ["Dokumente/", "kunden-alt.csv", "kunden.csv"]);
    }

    #[test]
    fn several_matches_complete_as_far_as_they_agree() {
        let c = complete("~/ku", &entries());
        assert_eq!(c.completed, "~/kunden");
        assert_eq!(c.matches, ["kunden-alt.csv", "kunden.csv"]);
        let none = complete("~/xyz", &entries());
        assert_eq!((none.completed.as_str(), none.matches.len()), ("~/xyz", 0));
        assert_eq!(complete("~/.b", &entries()).completed, "~/.bashrc");
    }
}
