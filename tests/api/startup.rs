//! Start-up against the real binary: a start that fails leaves no new
//! database or admin token behind, a database URL or path that does not say
//! what it seems to is refused, and a limit of 0 is refused by name.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::serve::{sqlite_url, sshkeyd};

/// `sshkeyd serve --database sqlite://DB ARGS`, expected to fail at once;
/// one still running after 10 s (a check that no longer refuses) is killed
/// and fails the test instead of hanging it.
fn serve_fails(db: &Path, args: &[&str]) -> String {
    let url = sqlite_url(db);
    let mut all = vec!["serve", "--database", url.as_str()];
    all.extend_from_slice(args);
    let mut child = sshkeyd(&all).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            child.kill().ok();
            child.wait().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.is_some_and(|s| !s.success()), "serve {args:?} started: {stderr}");
    stderr
}

/// The files of `dir`, by name.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn a_start_that_fails_on_tls_files_or_a_port_in_use_leaves_no_database_or_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sshkeyd.db");
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let cases: [(&str, Vec<&str>, &str); 3] = [
        ("unreadable TLS files", vec!["--listen", &free, "--tls-cert", missing, "--tls-key", missing], "missing.pem"),
        ("the API port in use", vec!["--listen", &taken], &taken),
        ("the metrics port in use", vec!["--listen", &free, "--metrics-listen", &taken], &taken),
    ];
    for (what, args, named) in cases {
        let stderr = serve_fails(&db, &args);
        assert!(stderr.contains(named), "{what}: the error names {named}: {stderr}");
        assert!(files(dir.path()).is_empty(), "{what}: wrote {:?}: {stderr}", files(dir.path()));
    }
}

#[test]
fn a_sqlite_url_with_parameters_or_a_missing_directory_is_refused_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/q.db?mode=ro", dir.path().display());
    let out = sshkeyd(&["token", "create", "--database", &url, "--user", "alice", "--project", "1"]).output().unwrap();
    assert!(!out.status.success(), "a sqlite URL with ?mode=ro was taken");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no parameters"), "{}", String::from_utf8_lossy(&out.stderr));
    let typo = dir.path().join("no-such-dir").join("sshkeyd.db");
    let stderr = serve_fails(&typo, &[]);
    assert!(stderr.contains("no-such-dir") && stderr.contains("does not exist"), "{stderr}");
    let url = sqlite_url(&typo);
    let out = sshkeyd(&["token", "create", "--database", &url, "--user", "alice", "--project", "1"]).output().unwrap();
    assert!(!out.status.success(), "token create made a missing directory");
    assert!(files(dir.path()).is_empty(), "nothing created: {:?}", files(dir.path()));
}

#[test]
fn a_limit_of_zero_is_refused_with_its_name_before_anything_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zero.db");
    let cases = [
        (["--max-in-flight", "0"], "--max-in-flight"),
        (["--request-timeout", "0s"], "--request-timeout"),
        (["--body-read-timeout", "0ms"], "--body-read-timeout"),
        (["--max-connections-per-ip", "0"], "--max-connections-per-ip"),
        (["--drain-timeout", "0s"], "--drain-timeout"),
    ];
    for (args, named) in cases {
        let stderr = serve_fails(&db, &args);
        assert!(stderr.contains(named), "{args:?}: {stderr}");
        assert!(stderr.contains("at least 1") || stderr.contains("longer than 0"), "{args:?}: {stderr}");
    }
    assert!(files(dir.path()).is_empty(), "nothing created: {:?}", files(dir.path()));
}
