//! Secrets never leak: the CLI journeys run with a canary access token and app secret (the sandbox demands exactly
//! that token), including a failing call with a wrong token; afterwards the database and its WAL, the log files,
//! every stdout/stderr capture and every insta snapshot are searched for the canaries: zero hits.

use std::path::Path;
use std::process::Output;

use hofbote::config::Secret;
use hofbote::sandbox::{self, SandboxConfig};

use crate::support::TempHome;

const TOKEN: &str = "EAAGcanaryTOKEN7Q2x9";
const APP_SECRET: &str = "canarySECRETk3v8";

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                files_under(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn the_access_token_and_app_secret_appear_nowhere() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cfg = SandboxConfig {
        token: Some(Secret::new(TOKEN)),
        app_secret: Some(Secret::new(APP_SECRET)),
        ..SandboxConfig::for_tests(77)
    };
    let sb = rt.block_on(sandbox::start(cfg)).unwrap();
    let home = TempHome::new();
    home.write_config(&format!(
        "[shop]\nname = \"Hof Kanarienvogel\"\nown_number = \"0171 9999999\"\n[whatsapp]\nbase_url = \"{}\"\n\
         phone_number_id = \"106540352242922\"\nwaba_id = \"102290129340398\"\n[queue]\nquiet_hours = \"\"\n",
        sb.url()
    ));
    let mut captures: Vec<Output> = Vec::new();
    let run = |args: &[&str], token: &str, captures: &mut Vec<Output>| {
        let out = home
            .cmd()
            .env("HOFBOTE_WHATSAPP_TOKEN", token)
            .env("HOFBOTE_APP_SECRET", APP_SECRET)
            .env("HOFBOTE_BACKUP_PASSPHRASE", "backup-pass")
            .args(args)
            .output()
            .unwrap();
        captures.push(out.clone());
        out
    };
    assert!(run(&["templates", "sync"], TOKEN, &mut captures).status.success());
    run(
        &["customers", "add", "--name", "Jörg Müller", "--first-name", "Jörg", "--phone", "0171 1234567"],
        TOKEN,
        &mut captures,
    );
    run(
        &["consent", "grant", "0171 1234567", "--purpose", "marketing", "--source", "shop_form", "--evidence", "F-1"],
        TOKEN,
        &mut captures,
    );
    let sent = run(
        &["send", "--template", "wochenangebot", "--param", "{vorname}", "--param", "Honig 6,50 €", "--yes", "--wait"],
        TOKEN,
        &mut captures,
    );
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    assert_eq!(sb.ledger().len(), 1, "the message really went through with the canary token");
    // A wrong token: the error explains itself without echoing either token.
    let wrong = run(&["templates", "sync"], "EAAGwrongTOKENcanary0", &mut captures);
    assert!(!wrong.status.success());
    assert!(!contains(&wrong.stderr, "EAAGwrongTOKENcanary0"), "{}", String::from_utf8_lossy(&wrong.stderr));
    for args in [
        vec!["queue", "list"],
        vec!["queue", "show", "1"],
        vec!["db", "check"],
        vec!["privacy", "export", "0171 1234567"],
        vec!["snapshot", "--screen", "kunden"],
        vec!["snapshot", "--screen", "einwilligungen"],
        vec!["snapshot", "--screen", "nachricht"],
        vec!["snapshot", "--screen", "warteschlange"],
    ] {
        run(&args, TOKEN, &mut captures);
    }
    rt.block_on(sb.shutdown());

    let mut files = Vec::new();
    files_under(home.path(), &mut files);
    files_under(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    files.retain(|f| f.extension().is_none_or(|e| e != "rs"));
    assert!(files.iter().any(|f| f.extension().is_some_and(|e| e == "snap")), "snapshots are searched too");
    assert!(files.iter().any(|f| f.to_string_lossy().ends_with("hofbote.sqlite")));
    for needle in [TOKEN, APP_SECRET] {
        for f in &files {
            let bytes = std::fs::read(f).unwrap_or_default();
            assert!(!contains(&bytes, needle), "{needle} found in {}", f.display());
        }
        for (i, out) in captures.iter().enumerate() {
            assert!(!contains(&out.stdout, needle) && !contains(&out.stderr, needle), "{needle} in output {i}");
        }
    }
}
