//! The printable consent proof of one customer (current state per purpose, every ledger entry newest first with
//! source, evidence, wording version, who recorded it and when, then the exact wordings used) — what
//! `hofbote consent show` prints and the app writes with `p` — and [`write_files`], which puts an Auskunft or a proof
//! beside each other in one folder the farmer can find (`~/hofbote/`), readable only by the user. Reads the store,
//! writes only those files.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{PrivacyError, datetime, io_err};
use crate::domain::consent::Purpose;
use crate::domain::customer::Customer;
use crate::domain::phone::Region;
use crate::i18n::{Lang, Tr};
use crate::store::Store;

/// The consent proof of `c` as plain text.
pub fn consent_proof(store: &Store, c: &Customer, region: Region, lang: Lang) -> Result<String, PrivacyError> {
    let state = store.customer_consent(c.id)?;
    let events = store.ledger(c.id)?;
    let mut out = String::new();
    let t = |de: &'static str, en: &'static str| Tr::new(de, en).get(lang);
    out.push_str(&format!("{}: {} ({})\n", t("Kunde", "Customer"), c.name, c.phone_label_for(region, lang)));
    for p in Purpose::ALL {
        out.push_str(&format!("  {}: {}\n", p.label().get(lang), state.state(*p).label().get(lang)));
    }
    out.push_str(&format!("\n{}\n", t("Nachweise (neueste zuerst):", "Ledger (newest first):")));
    if events.is_empty() {
        out.push_str(&format!("  {}\n", t("keine Einträge", "no entries")));
    }
    let mut versions = Vec::new();
    for e in &events {
        out.push_str(&format!(
            "  {}  {} – {}\n    {}: {}  {}: {}  {}: {}\n    {}: {}  {}: {}\n",
            datetime(e.occurred_at, lang),
            e.purpose.label().get(lang),
            e.kind.label().get(lang),
            t("Quelle", "Source"),
            e.source.label().get(lang),
            t("Nachweis", "Evidence"),
            if e.evidence.is_empty() { "–" } else { &e.evidence },
            t("Text", "Wording"),
            e.wording_version.map(|v| format!("v{v}")).unwrap_or_else(|| "–".into()),
            t("erfasst von", "recorded by"),
            e.recorded_by,
            t("erfasst am", "recorded at"),
            datetime(e.recorded_at, lang),
        ));
        if let Some(v) = e.wording_version
            && !versions.contains(&(e.purpose, v))
        {
            versions.push((e.purpose, v));
        }
    }
    let wordings = store.wordings()?;
    if !versions.is_empty() {
        out.push_str(&format!("\n{}\n", t("Einwilligungstexte:", "Consent wordings:")));
        for w in wordings.iter().filter(|w| versions.contains(&(w.purpose, w.version))) {
            out.push_str(&format!("  {} v{}: „{}“\n", w.purpose.label().get(lang), w.version, w.text));
        }
    }
    Ok(out)
}

/// The folder the app writes Auskunft and proofs to: `~/hofbote` (the data folder when there is no home).
pub fn files_dir(home: Option<&Path>, data_dir: &Path) -> PathBuf {
    match home.filter(|h| !h.as_os_str().is_empty() && *h != Path::new("/")) {
        Some(h) => h.join("hofbote"),
        None => data_dir.to_owned(),
    }
}

/// A file name part from a customer's name: lower case ASCII, umlauts spelled out, words joined by `-`
/// ("Jörg Müller" → "joerg-mueller"); "kunde" when nothing is left.
pub fn file_slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let spelled = match c {
            'ä' => "ae",
            'ö' => "oe",
            'ü' => "ue",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => "-",
        };
        if spelled == "-" {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push_str(spelled);
        }
    }
    // Short enough that "Auskunft gespeichert: ~/hofbote/auskunft-<name>-<date>.txt" fits 80 columns.
    let out: String = out.trim_end_matches('-').chars().take(24).collect();
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() { "kunde".to_owned() } else { out }
}

/// `<kind>-<slug>-<YYYY-MM-DD>` in local time, e.g. `auskunft-joerg-mueller-2026-11-30`.
pub fn file_stem(kind: &str, name: &str, at: DateTime<Utc>) -> String {
    let day = at.with_timezone(&chrono_tz::Europe::Berlin).format("%Y-%m-%d");
    format!("{kind}-{}-{day}", file_slug(name))
}

/// Writes `files` (name, content) into `dir` (made 0700 if new), each 0600; returns their paths in order.
pub fn write_files(dir: &Path, files: &[(String, &[u8])]) -> Result<Vec<PathBuf>, PrivacyError> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(|e| io_err(dir, e))?;
    }
    let mut out = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        write_private(&path, bytes).map_err(|e| io_err(&path, e))?;
        out.push(path);
    }
    Ok(out)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    #[cfg(unix)]
    {
        // `mode` applies only when the file is created; an older file keeps its mode otherwise.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_plain_ascii_and_never_empty() {
        assert_eq!(file_slug("Jörg Müller"), "joerg-mueller");
        assert_eq!(file_slug("  Weiß, Anna  "), "weiss-anna");
        assert_eq!(file_slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(file_slug("🐄"), "kunde");
        assert_eq!(file_slug(&"a".repeat(100)).len(), 24);
    }

    #[test]
    fn files_are_private_in_a_private_folder() {
        let dir = tempfile::tempdir().unwrap();
        let target = files_dir(Some(dir.path()), Path::new("/nonexistent"));
        assert_eq!(target, dir.path().join("hofbote"));
        let paths = write_files(&target, &[("a.txt".into(), b"x".as_slice())]).unwrap();
        assert_eq!(std::fs::read(&paths[0]).unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&paths[0]), 0o600);
            assert_eq!(mode(&target), 0o700);
        }
    }
}
