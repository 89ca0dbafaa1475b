//! `sshkeyd serve` processes on loopback ports, tokens made with the real
//! CLI, and an HTTP client whose every request has a timeout.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::StatusCode;

use crate::http_client::{Client, RequestBuilder};
use serde_json::{Value, json};

/// Every request gives up after this long, so a hang fails the test
/// instead of stalling it.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);

/// A running `sshkeyd serve`, killed when dropped.
pub struct Node {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its stdout and stderr.
    pub log: PathBuf,
    child: Child,
}

impl Node {
    /// Starts a node on a free port. The database URL goes in through the
    /// environment, so it never shows in `ps`.
    pub async fn start(database: &str, extra: &[&str], log_dir: &Path) -> Node {
        let port = free_port();
        let log = log_dir.join(format!("node-{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_sshkeyd"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--log-level", "info"])
            .args(extra)
            .env("SSHKEYD_DATABASE_URL", database)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("starting sshkeyd serve");
        let mut node = Node { base: format!("http://127.0.0.1:{port}"), log, child };
        node.wait_until_ready().await;
        node
    }

    async fn wait_until_ready(&mut self) {
        let client = client();
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("sshkeyd exited with {status}:\n{}", self.log_text());
            }
            let probe = client.get(format!("{}/readyz", self.base)).send().await;
            if probe.is_ok_and(|r| r.status() == StatusCode::OK) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("sshkeyd did not become ready:\n{}", self.log_text());
    }

    /// Everything the node has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `sshkeyd token create --database URL --user USER --project P...`.
pub fn create_token(database: &str, user: &str, projects: &[i64]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sshkeyd"));
    cmd.args(["token", "create", "--database", database, "--user", user]);
    for p in projects {
        cmd.args(["--project", &p.to_string()]);
    }
    let out = cmd.output().expect("running sshkeyd token create");
    assert!(out.status.success(), "token create failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A client whose every request times out after [`CLIENT_TIMEOUT`].
pub fn client() -> Client {
    Client::with_timeout(CLIENT_TIMEOUT)
}

/// A status and parsed JSON body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The JSON body, or the text as a JSON string if it is not JSON.
    pub body: Value,
}

impl Answer {
    /// Asserts Gcore's error shape for `class`.
    pub fn assert_error(&self, class: &str) {
        assert_eq!(self.body["exception_class"], class, "body: {}", self.body);
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()), "message in {}", self.body);
        assert!(self.body["request_id"].as_str().is_some_and(|m| !m.is_empty()), "request_id in {}", self.body);
    }
}

/// `POST /cloud/v1/ssh_keys/{project}` with a fresh Ed25519 public key.
pub async fn create_key(client: &Client, base: &str, token: &str, project: i64, name: &str) -> std::io::Result<Answer> {
    let public_key = sshkeyd::keys::generate_ed25519().unwrap().public.openssh().to_owned();
    let body = json!({"name": name, "public_key": public_key});
    send(client.post(format!("{base}/cloud/v1/ssh_keys/{project}")).json(&body), token).await
}

/// `GET` a path with the token.
pub async fn get(client: &Client, base: &str, token: &str, path: &str) -> std::io::Result<Answer> {
    send(client.get(format!("{base}{path}")), token).await
}

async fn send(request: RequestBuilder, token: &str) -> std::io::Result<Answer> {
    let response = request.header("Authorization", format!("APIKey {token}")).send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok(Answer { status, body })
}

/// Status of an unauthenticated probe such as `/healthz`.
pub async fn probe(client: &Client, base: &str, path: &str) -> u16 {
    client.get(format!("{base}{path}")).send().await.expect("probes answer").status().as_u16()
}
