//! `sshkeyd authorized-keys`, the release binary, against a real server and
//! against canned answers: who gets which keys, failing closed, the token
//! file's checks, and the cache during outages (the OpenSSH suite in
//! tests/openssh/ runs it under a real sshd).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use sshkeyd::domain::TokenId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::helpers::TestApp;
use crate::keygen::{keygen, sha256_fingerprint};

/// What one run printed, and how it ended.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// A host's setup: its token file and cache directory.
struct Host {
    dir: tempfile::TempDir,
    server: String,
}

impl Host {
    fn new(server: &str, token: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let host = Self { dir, server: server.to_owned() };
        host.write_token(token, 0o600);
        host
    }

    fn token_file(&self) -> PathBuf {
        self.dir.path().join("host-token")
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    fn write_token(&self, token: &str, mode: u32) {
        std::fs::write(self.token_file(), format!("{token}\n")).unwrap();
        std::fs::set_permissions(self.token_file(), std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// `sshkeyd authorized-keys` with the host's settings, `extra` flags and `args`.
    async fn run(&self, extra: &[&str], args: &[&str]) -> Run {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_sshkeyd"))
            .args(["authorized-keys", "--server", &self.server, "--project", "1", "--shared-account", "deploy"])
            .arg("--token-file")
            .arg(self.token_file())
            .arg("--cache-dir")
            .arg(self.cache_dir())
            .args(extra)
            .args(args)
            .output()
            .await
            .unwrap();
        let run = Run {
            ok: out.status.success(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        };
        assert!(run.ok || run.stdout.is_empty(), "a failure prints nothing on stdout: {:?}", run.stdout);
        run
    }

    fn cache_files(&self) -> usize {
        std::fs::read_dir(self.cache_dir()).map_or(0, |d| d.count())
    }
}

fn comments(run: &Run) -> Vec<&str> {
    run.stdout.lines().map(|l| l.split_once(" sshkeyd:").unwrap().1).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_get_their_owners_keys_and_shared_accounts_every_visible_key() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.token("alice", &[1]).await, app.token("bob", &[1]).await);
    let host = Host::new(&app.base, &app.read_only_token("host-1", &[1]).await);
    let laptop = keygen("ed25519", None).public;
    app.create_key(&alice, 1, json!({"name": "alice laptop", "public_key": laptop})).await;
    app.create_key(&alice, 1, json!({"name": "alice-private", "shared_in_project": false})).await;
    app.create_key(&bob, 1, json!({"name": "bob-key"})).await;
    let cases: [(&[&str], &[&str]); 6] = [
        (&["alice"], &["1/alice laptop"]),
        (&["bob"], &["1/bob-key"]),
        (&["deploy"], &["1/alice laptop", "1/bob-key"]),
        (&["carol"], &[]),
        (&["alice", &sha256_fingerprint(&laptop)], &["1/alice laptop"]),
        (&["bob", &sha256_fingerprint(&laptop)], &[]),
    ];
    for (args, expected) in cases {
        let run = host.run(&[], args).await;
        assert!(run.ok, "{args:?}: {}", run.stderr);
        assert_eq!(comments(&run), expected, "{args:?}");
    }
    let line = host.run(&[], &["alice"]).await.stdout;
    assert_eq!(line, format!("{} sshkeyd:1/alice laptop\n", laptop.rsplit_once(' ').unwrap().0));
    let odd = host.run(&[], &["not a login"]).await;
    assert!(odd.ok && odd.stdout.is_empty(), "an implausible login gets an empty answer: {}", odd.stderr);
    let bad = host.run(&[], &["alice", "SHA256:nope"]).await;
    assert!(!bad.ok && bad.stderr.contains("FINGERPRINT"), "{}", bad.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loose_or_foreign_token_file_is_refused_without_showing_the_token() {
    let app = TestApp::spawn().await;
    let token = app.read_only_token("host-1", &[1]).await;
    let host = Host::new(&app.base, &token);
    for mode in [0o640, 0o604, 0o644] {
        host.write_token(&token, mode);
        let run = host.run(&[], &["alice"]).await;
        assert!(!run.ok && run.stderr.contains("refusing the token file"), "{mode:o}: {}", run.stderr);
        assert!(!run.stderr.contains(&token[4..]), "the token is never printed");
    }
    host.write_token(&token, 0o600);
    if std::os::unix::fs::chown(host.token_file(), Some(65534), None).is_err() {
        println!("not root: the check of the token file's owner is left to the unit test");
        return;
    }
    let run = host.run(&[], &["alice"]).await;
    assert!(!run.ok && run.stderr.contains("owned by uid 65534"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_refuses_every_key_despite_a_fresh_cache_and_empties_it() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    app.create_key(&alice, 1, json!({"name": "laptop"})).await;
    let token = app.read_only_token("host-1", &[1]).await;
    let host = Host::new(&app.base, &token);
    assert_eq!(comments(&host.run(&[], &["alice"]).await), ["1/laptop"]);
    assert_eq!(host.cache_files(), 1, "the answer was cached");
    let id = sshkeyd::tokens::PresentedToken::parse(&token).unwrap().id;
    app.store.revoke_token(&TokenId(id.0)).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await; // the server's token cache
    let run = host.run(&[], &["alice"]).await;
    assert!(!run.ok && run.stderr.contains("401"), "{}", run.stderr);
    assert_eq!(host.cache_files(), 0, "a refused token's answers are forgotten");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_server_stopped_a_young_cached_answer_is_used_and_an_old_one_is_not() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    let public = keygen("ed25519", None).public;
    app.create_key(&alice, 1, json!({"name": "laptop", "public_key": public})).await;
    let host = Host::new(&app.base, &app.read_only_token("host-1", &[1]).await);
    let fingerprint = sha256_fingerprint(&public);
    let live = host.run(&[], &["alice", &fingerprint]).await;
    assert_eq!(comments(&live), ["1/laptop"]);
    app.stop().await;
    let cached = host.run(&["--cache-max-age", "2s"], &["alice", &fingerprint]).await;
    assert_eq!(comments(&cached), ["1/laptop"], "{}", cached.stderr);
    assert!(cached.stderr.contains("using the answer cached"), "{}", cached.stderr);
    let never_asked = host.run(&[], &["bob"]).await;
    assert!(!never_asked.ok && never_asked.stderr.contains("no cached answer"), "{}", never_asked.stderr);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let stale = host.run(&["--cache-max-age", "2s"], &["alice", &fingerprint]).await;
    assert!(!stale.ok, "too old: {}", stale.stderr);
}

/// A server that gives each connection the next canned answer (`None`:
/// accept and never answer), on 127.0.0.1.
async fn canned_server(answers: Vec<Option<(u16, &'static str, String)>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for answer in answers {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut head = vec![0; 4096];
            let _ = socket.read(&mut head).await;
            let Some((status, content_type, body)) = answer else {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    drop(socket)
                });
                continue;
            };
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_or_silent_server_falls_back_to_the_cache_and_a_wrong_answer_prints_nothing() {
    let key = keygen("ed25519", None).public;
    let line = format!("{} sshkeyd:1/laptop\n", key.rsplit_once(' ').unwrap().0);
    let text = "text/plain; charset=utf-8";
    let answers = vec![
        Some((200, text, line.clone())),
        Some((503, "application/json", "{}".to_owned())),
        None,
        Some((200, text, format!("command=\"/bin/sh\" {line}"))),
        Some((200, "text/html", line.clone())),
        Some((400, "application/json", "{}".to_owned())),
    ];
    let base = canned_server(answers).await;
    let token = sshkeyd::tokens::IssuedToken::generate().text.to_string();
    let host = Host::new(&base, &token);
    assert_eq!(host.run(&[], &["alice"]).await.stdout, line, "200: printed and cached");
    let failing = host.run(&[], &["alice"]).await;
    assert_eq!(failing.stdout, line, "503: the cache answers ({})", failing.stderr);
    let started = Instant::now();
    let silent = host.run(&["--timeout", "500ms"], &["alice"]).await;
    assert!(started.elapsed() < Duration::from_secs(3), "gave up after the timeout: {:?}", started.elapsed());
    assert_eq!(silent.stdout, line, "no answer in time: the cache answers ({})", silent.stderr);
    for what in ["an option in a line", "not text/plain", "a 400"] {
        let run = host.run(&[], &["alice"]).await;
        assert!(!run.ok && run.stdout.is_empty(), "{what}: nothing printed, no cache ({})", run.stderr);
    }
    let unreachable = Host::new("http://127.0.0.1:1", &token);
    let run = unreachable.run(&[], &["alice"]).await;
    assert!(!run.ok && run.stderr.contains("no cached answer"), "{}", run.stderr);
}

/// The cache directory of a host never holds the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_files_are_private_and_hold_no_token() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    app.create_key(&alice, 1, json!({"name": "laptop"})).await;
    let token = app.read_only_token("host-1", &[1]).await;
    let host = Host::new(&app.base, &token);
    assert!(host.run(&[], &["alice"]).await.ok);
    assert!(host.run(&[], &["deploy"]).await.ok);
    let dir: &Path = &host.cache_dir();
    assert_eq!(std::fs::metadata(dir).unwrap().permissions().mode() & 0o777, 0o700);
    let files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 2);
    for file in files {
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(!std::fs::read_to_string(&file).unwrap().contains(&token[4..]), "no token in {}", file.display());
    }
}
