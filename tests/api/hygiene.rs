//! Secrets hygiene: a full session against the real binary (debug logs on),
//! then a scan of every file the server wrote (the database, its WAL and
//! shared memory, the bootstrap token file) and of everything it logged.
//! None may hold private key material or a token secret.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::http_client::Client;
use crate::keygen::{keygen, keygen_in};
use crate::serve::{Serve, create_token, sqlite_url};

/// `sshkeyd serve` over the SQLite file `db` with debug logs, logging to
/// `server.log` beside it.
async fn start(db: &Path) -> Serve {
    let url = sqlite_url(db);
    let args = ["--database", url.as_str(), "--log-level", "debug"];
    Serve::start(&args, &[("RUST_LOG", "debug")], db.with_file_name("server.log"), "/healthz").await
}

/// SIGTERM, then waits (bounded) for a clean exit.
async fn stop(server: &mut Serve) {
    server.signal("TERM");
    let status = server.exited_within(Duration::from_secs(30)).await;
    let status = status.unwrap_or_else(|| panic!("sshkeyd did not stop within 30 s of SIGTERM"));
    assert!(status.success(), "sshkeyd exits 0 on SIGTERM, got {status}");
}

/// `sshkeyd token create` with debug logs; its stderr goes to `log`.
fn cli_token(db: &Path, user: &str, projects: &[i64], log: &mut Vec<u8>) -> String {
    let (token, stderr) = create_token(&sqlite_url(db), user, projects, &[("RUST_LOG", "debug")]);
    log.extend_from_slice(&stderr);
    token
}

/// The secret part of `skd_<id>_<secret>`.
fn secret_of(token: &str) -> &str {
    token.splitn(3, '_').nth(2).unwrap_or_else(|| panic!("not a token: {token}"))
}

/// What must never be written: the base64 body lines of private keys, the
/// PEM marker, whole tokens, their secret parts, and those secrets' raw
/// bytes (what a store that skipped the hash would keep).
#[derive(Default)]
struct Needles(Vec<(String, Vec<u8>)>);

impl Needles {
    fn private_key(&mut self, what: &str, pem: &str) {
        let body = pem.lines().map(str::trim).filter(|l| !l.starts_with("-----") && l.len() >= 16);
        let lines: Vec<_> = body.map(|l| (format!("a line of {what}"), l.as_bytes().to_vec())).collect();
        assert!(!lines.is_empty(), "{what} has body lines");
        self.0.extend(lines);
    }

    fn token(&mut self, what: &str, token: &str) {
        let secret = secret_of(token);
        let raw = URL_SAFE_NO_PAD.decode(secret).unwrap_or_else(|e| panic!("{what}: secret is not base64url: {e}"));
        self.0.push((format!("the {what} token"), token.as_bytes().to_vec()));
        self.0.push((format!("the secret of the {what} token"), secret.as_bytes().to_vec()));
        self.0.push((format!("the raw secret of the {what} token"), raw));
    }

    /// Every needle found in `haystack`, described.
    fn found_in(&self, name: &str, haystack: &[u8]) -> Vec<String> {
        let mut found: Vec<String> = self
            .0
            .iter()
            .filter(|(_, needle)| contains(haystack, needle))
            .map(|(what, _)| format!("{name} holds {what}"))
            .collect();
        if contains(haystack, b"PRIVATE KEY") {
            found.push(format!("{name} holds the text PRIVATE KEY"));
        }
        found
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The database, its WAL and shared-memory files, those that exist.
fn database_files(db: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", db.display())))
        .filter(|p| p.exists())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

/// One request with a raw body; the status and the parsed body.
async fn call(client: &Client, method: &str, url: String, auth: &str, body: Option<String>) -> (u16, Value) {
    let mut req = client.request(method.parse().unwrap(), url).header("Authorization", auth);
    if let Some(body) = body {
        req = req.header("Content-Type", "application/json").body(body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, serde_json::from_str(&res.text().await.unwrap()).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_full_session_leaves_no_private_key_or_token_secret_in_the_database_files_or_logs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hygiene.db");
    let mut server = start(&db).await;
    let (client, base) = (Client::new(), format!("{}/cloud/v1/ssh_keys", server.base));
    let token_file = sshkeyd::tokens::admin_token_path(&db);
    let admin = std::fs::read_to_string(&token_file).unwrap().trim().to_owned();
    let mut cli_log = Vec::new();
    let alice = cli_token(&db, "alice", &[1, 2], &mut cli_log);
    let bob = cli_token(&db, "bob", &[1], &mut cli_log);
    let other_dir = tempfile::tempdir().unwrap();
    let foreign = cli_token(&other_dir.path().join("other.db"), "mallory", &[1], &mut cli_log);
    let mut needles = Needles::default();
    for (what, token) in [("admin", &admin), ("alice", &alice), ("bob", &bob), ("foreign", &foreign)] {
        needles.token(what, token);
    }

    // Generated pairs: the private half is returned once and never kept.
    let mut created = Vec::new();
    for (who, token, project) in [("alice", &alice, 1), ("alice", &alice, 2), ("bob", &bob, 1), ("admin", &admin, 1)] {
        let body = json!({"name": format!("{who}-generated-{project}")}).to_string();
        let (status, key) =
            call(&client, "POST", format!("{base}/{project}"), &format!("APIKey {token}"), Some(body)).await;
        assert_eq!(status, 201, "{key}");
        let private = key["private_key"].as_str().expect("a generated key returns its private half");
        assert!(private.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
        needles.private_key(&format!("the private key generated for {who}"), private);
        created.push((project, token.clone(), key));
    }

    // An import: only the public half travels; its private half must not show up either.
    let imported = keygen("ed25519", None);
    needles.private_key("the imported key's private half", &imported.private);
    let body = json!({"name": "bob-imported", "public_key": imported.public}).to_string();
    let (status, key) = call(&client, "POST", format!("{base}/1"), &format!("APIKey {bob}"), Some(body)).await;
    assert_eq!((status, &key["private_key"]), (201, &Value::Null), "{key}");
    created.push((1, bob.clone(), key));

    // Private keys pasted where a public key (or a name, or the whole body) belongs.
    let pasted = [
        ("an OpenSSH Ed25519 private key", keygen("ed25519", None).private),
        ("a PEM RSA private key", keygen_in("rsa", Some(2048), Some("PEM")).private),
        ("a PKCS#8 ECDSA private key", keygen_in("ecdsa", Some(256), Some("PKCS8")).private),
    ];
    for (what, pem) in &pasted {
        needles.private_key(what, pem);
        let armourless: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let bodies = [
            json!({"name": "pasted", "public_key": pem}).to_string(),
            json!({"name": "pasted", "public_key": format!("ssh-ed25519 {}", armourless.join(""))}).to_string(),
            json!({"name": pem, "public_key": pem}).to_string(),
            pem.clone(),
        ];
        for body in bodies {
            let (status, reply) =
                call(&client, "POST", format!("{base}/1"), &format!("APIKey {alice}"), Some(body)).await;
            assert_eq!(status, 400, "{what} is refused: {reply}");
            assert!(needles.found_in("the error body", reply.to_string().as_bytes()).is_empty(), "{reply}");
        }
    }

    // Reads, a sharing change and a delete, so every route writes its logs.
    let (first_project, first_token, first) = &created[0];
    let first_id = first["id"].as_str().unwrap();
    let auth = format!("APIKey {first_token}");
    assert_eq!(call(&client, "GET", format!("{base}/{first_project}?limit=50"), &auth, None).await.0, 200);
    assert_eq!(call(&client, "GET", format!("{base}/{first_project}/{first_id}"), &auth, None).await.0, 200);
    let unshare = Some(json!({"shared_in_project": false}).to_string());
    assert_eq!(call(&client, "PATCH", format!("{base}/{first_project}/{first_id}"), &auth, unshare).await.0, 200);
    let (_, _, gone) = &created[2];
    let gone_id = gone["id"].as_str().unwrap();
    assert_eq!(call(&client, "DELETE", format!("{base}/1/{gone_id}"), &format!("APIKey {bob}"), None).await.0, 204);

    // Failed authentication with real-looking tokens.
    let mut tampered = alice.clone().into_bytes();
    let last = tampered.len() - 1;
    // 'A' and 'E' both leave the unused low bits of the last base64url
    // character zero, so the tampered secret still decodes.
    tampered[last] = if tampered[last] == b'A' { b'E' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    needles.token("tampered", &tampered);
    let failures =
        [format!("APIKey {foreign}"), format!("APIKey {tampered}"), format!("Bearer {alice}"), alice.clone()];
    for auth in &failures {
        for _ in 0..3 {
            assert_eq!(call(&client, "GET", format!("{base}/1"), auth, None).await.0, 401, "{auth:.12}...");
        }
    }
    assert_eq!(call(&client, "GET", format!("{base}/2"), &format!("APIKey {bob}"), None).await.0, 403);

    // The scan, while the WAL is live and again after a clean stop.
    let mut findings = Vec::new();
    for (name, bytes) in database_files(&db) {
        findings.extend(needles.found_in(&format!("{name} (running)"), &bytes));
    }
    stop(&mut server).await;
    let files = database_files(&db);
    for (name, bytes) in &files {
        findings.extend(needles.found_in(&format!("{name} (stopped)"), bytes));
    }
    let log = std::fs::read(&server.log).unwrap();
    findings.extend(needles.found_in("the server log", &log));
    findings.extend(needles.found_in("the CLI log", &cli_log));
    let file_text = std::fs::read_to_string(&token_file).unwrap();
    assert_eq!(file_text, format!("{admin}\n"), "the token file holds its own token alone");
    let mut others = Needles::default();
    for (what, token) in [("alice", &alice), ("bob", &bob), ("foreign", &foreign), ("tampered", &tampered)] {
        others.token(what, token);
    }
    findings.extend(others.found_in("the admin token file", file_text.as_bytes()));
    assert!(findings.is_empty(), "secrets leaked:\n{}", findings.join("\n"));

    // The session really happened, and the scan reads what was written.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let keys: i64 = conn.query_row("SELECT count(*) FROM ssh_keys", [], |r| r.get(0)).unwrap();
    assert_eq!(keys, created.len() as i64 - 1, "every created key but the deleted one is stored");
    let stored: Vec<u8> = files.iter().flat_map(|(_, bytes)| bytes.clone()).collect();
    let imported_blob = imported.public.split(' ').nth(1).unwrap();
    assert!(contains(&stored, imported_blob.as_bytes()), "the scan sees the stored public keys");
    let log = String::from_utf8_lossy(&log);
    assert!(log.contains("ssh key created") && log.contains(first_id), "the log covers the session");
    assert!(log.contains("DEBUG"), "debug logging was on");
}

#[test]
fn the_scan_reports_a_planted_private_key_line_and_token_secret() {
    let pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";
    let token = "skd_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let mut needles = Needles::default();
    needles.private_key("a key", pem);
    needles.token("test", token);
    assert!(needles.found_in("clean", b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 skd_0123456789abcdef").is_empty());
    let planted = format!("x{}y", &pem[36..78]);
    assert_eq!(needles.found_in("log", planted.as_bytes()), ["log holds a line of a key"]);
    let planted = format!("token={}", secret_of(token));
    assert_eq!(needles.found_in("log", planted.as_bytes()), ["log holds the secret of the test token"]);
    let planted = [b"hash=".as_slice(), &[0u8; 32]].concat();
    assert_eq!(needles.found_in("db", &planted), ["db holds the raw secret of the test token"]);
    assert_eq!(needles.found_in("db", pem.as_bytes()).len(), 2, "a line and the PEM marker");
}
