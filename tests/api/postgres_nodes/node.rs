//! `sshkeyd serve` processes on loopback ports, tokens made with the real
//! CLI, and an HTTP client whose every request has a timeout.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::http_client::{Client, RequestBuilder};
use crate::serve::Serve;

/// Node settings for outage and failover tests: a dead database shows
/// quickly (1 s to wait for or open a connection, 2 s per statement), and
/// the quota is one the load cannot reach.
pub const QUICK_FAILURE_ARGS: [&str; 8] = [
    "--db-acquire-timeout",
    "1s",
    "--db-connect-timeout",
    "1s",
    "--db-statement-timeout",
    "2s",
    "--max-keys-per-project",
    "1000000",
];

/// Every request gives up after this long, so a hang fails the test
/// instead of stalling it.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);

/// Starts a node on a free port, ready once `/readyz` answers (the database
/// is reachable). The database URL goes in through the environment, so it
/// never shows in `ps`.
pub async fn start(database: &str, extra: &[&str], log_dir: &Path) -> Serve {
    let args: Vec<&str> = ["--log-level", "info"].into_iter().chain(extra.iter().copied()).collect();
    let log = log_dir.join(format!("node-{}.log", NEXT_LOG.fetch_add(1, Ordering::Relaxed)));
    Serve::start(&args, &[("SSHKEYD_DATABASE_URL", database)], log, "/readyz").await
}

/// Starts a node again on the address of `old`, which has exited, with the
/// same log file: a restart behind a load balancer.
pub async fn restart(old: &Serve, database: &str, extra: &[&str]) -> Serve {
    let args: Vec<&str> = ["--log-level", "info"].into_iter().chain(extra.iter().copied()).collect();
    Serve::start_at(&old.addr, &args, &[("SSHKEYD_DATABASE_URL", database)], old.log.clone(), "/readyz").await
}

/// Numbers the nodes' log files.
static NEXT_LOG: AtomicUsize = AtomicUsize::new(0);

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
    let public_key = sshkeyd::domain::generate_ed25519().unwrap().public.text().to_owned();
    let body = json!({"name": name, "public_key": public_key});
    send(client.post(format!("{base}/cloud/v1/ssh_keys/{project}")).json(&body), token).await
}

/// `GET` a path with the token.
pub async fn get(client: &Client, base: &str, token: &str, path: &str) -> std::io::Result<Answer> {
    send(client.get(format!("{base}{path}")), token).await
}

/// Sends `request` with the token; its status and body.
pub async fn send(request: RequestBuilder, token: &str) -> std::io::Result<Answer> {
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
