//! `TestApp`: a real sshkeyd on 127.0.0.1:0 over a temporary database, with
//! one method per endpoint, and `ssh-keygen` helpers to check results.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::Value;
use sshkeyd::config::{Config, Settings};
use sshkeyd::store::{self, DatabaseUrl, KeyStore, PoolOptions};
use sshkeyd::tokens::issue_token;
use tokio::sync::oneshot;

use crate::http_client::{Client, RequestBuilder, Response};

/// A response: status, parsed JSON body (or `Null`), and headers.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: axum::http::HeaderMap,
}

impl Reply {
    /// The body's string field, or a panic naming it.
    pub fn str(&self, field: &str) -> &str {
        self.body[field].as_str().unwrap_or_else(|| panic!("no string {field} in {}", self.body))
    }

    /// Asserts the status and Gcore's error shape.
    pub fn assert_error(&self, status: u16, exception_class: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.body["exception_class"], exception_class, "body: {}", self.body);
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()), "message in {}", self.body);
        let header_id = self.headers.get("x-request-id").and_then(|v| v.to_str().ok());
        assert_eq!(self.body["request_id"].as_str(), header_id, "request_id matches X-Request-ID");
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub base: String,
    pub database: DatabaseUrl,
    pub store: Arc<dyn KeyStore>,
    client: Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestApp {
    /// A server on a fresh SQLite file with default settings.
    pub async fn spawn() -> Self {
        Self::spawn_with(Settings::default()).await
    }

    /// A server with these settings; without a database, a fresh SQLite file.
    pub async fn spawn_with(mut settings: Settings) -> Self {
        let dir = settings.database.is_none().then(|| tempfile::tempdir().unwrap());
        if let Some(dir) = &dir {
            settings.database = Some(DatabaseUrl::Sqlite(dir.path().join("test.db")));
        }
        let config: Config = settings.resolve();
        let database = config.database.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(sshkeyd::run(config, listener, async {
            let _ = stopped.await;
        }));
        let store =
            store::open(&database, &PoolOptions { max_connections: 2, ..PoolOptions::default() }).await.unwrap();
        let app =
            Self { base, database, store, client: Client::new(), stop: Some(stop), server: Some(server), _dir: dir };
        app.wait_until_healthy().await;
        app
    }

    async fn wait_until_healthy(&self) {
        for _ in 0..200 {
            let probe = self.client.get(format!("{}/healthz", self.base)).send().await;
            if probe.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("server did not become healthy");
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }

    /// Issues a token for `user` on `projects`.
    pub async fn token(&self, user: &str, projects: &[i64]) -> String {
        issue_token(self.store.as_ref(), user, projects, None).await.unwrap().text.to_string()
    }

    /// Any request; `body` is sent as JSON when given.
    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.header("Authorization", format!("APIKey {token}"));
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        Self::reply(req.send().await.unwrap()).await
    }

    /// Sends a prepared request builder made with [`TestApp::raw`].
    pub async fn reply(response: Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Reply { status, body, headers }
    }

    /// A request builder for odd requests (raw bodies, headers).
    pub fn raw(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    /// `POST /cloud/v1/ssh_keys/{project}`.
    pub async fn create_key(&self, token: &str, project: i64, body: Value) -> Reply {
        self.request(Method::POST, &format!("/cloud/v1/ssh_keys/{project}"), Some(token), Some(&body)).await
    }

    /// `GET /cloud/v1/ssh_keys/{project}?{query}`.
    pub async fn list_keys(&self, token: &str, project: i64, query: &str) -> Reply {
        self.request(Method::GET, &format!("/cloud/v1/ssh_keys/{project}?{query}"), Some(token), None).await
    }

    /// `GET /cloud/v1/ssh_keys/{project}/{id}`.
    pub async fn get_key(&self, token: &str, project: i64, id: &str) -> Reply {
        self.request(Method::GET, &format!("/cloud/v1/ssh_keys/{project}/{id}"), Some(token), None).await
    }

    /// `PATCH /cloud/v1/ssh_keys/{project}/{id}`.
    pub async fn update_key(&self, token: &str, project: i64, id: &str, body: Value) -> Reply {
        self.request(Method::PATCH, &format!("/cloud/v1/ssh_keys/{project}/{id}"), Some(token), Some(&body)).await
    }

    /// `DELETE /cloud/v1/ssh_keys/{project}/{id}`.
    pub async fn delete_key(&self, token: &str, project: i64, id: &str) -> Reply {
        self.request(Method::DELETE, &format!("/cloud/v1/ssh_keys/{project}/{id}"), Some(token), None).await
    }

    /// Rows in `table`, read straight from the database.
    pub async fn count_rows(&self, table: &str) -> i64 {
        count_rows(&self.database, table).await
    }
}

/// Rows in `table`, on either backend.
pub async fn count_rows(database: &DatabaseUrl, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    match database {
        DatabaseUrl::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.query_row(&sql, [], |r| r.get(0)).unwrap()
        }
        DatabaseUrl::Postgres(url) => {
            let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(conn);
            client.query_one(&sql, &[]).await.unwrap().get(0)
        }
    }
}

/// A key pair made by `ssh-keygen` in a temporary directory.
pub struct Keygen {
    pub public: String,
    pub private: String,
    dir: tempfile::TempDir,
}

/// `ssh-keygen -t kind [-b bits]`.
pub fn keygen(kind: &str, bits: Option<u32>) -> Keygen {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    let mut cmd = std::process::Command::new("ssh-keygen");
    cmd.args(["-q", "-N", "", "-C", "it@test", "-t", kind, "-f"]).arg(&path);
    if let Some(bits) = bits {
        cmd.args(["-b", &bits.to_string()]);
    }
    assert!(cmd.status().unwrap().success(), "ssh-keygen -t {kind}");
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap().trim_end().to_owned();
    let private = std::fs::read_to_string(&path).unwrap();
    Keygen { public, private, dir }
}

/// `ssh-keygen -l -E md5` of a public key line, without `MD5:`.
pub fn md5_fingerprint(public_line: &str) -> String {
    let path = write_temp("key.pub", &format!("{public_line}\n"), 0o644);
    let out = std::process::Command::new("ssh-keygen").args(["-l", "-E", "md5", "-f"]).arg(&path.1).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace().nth(1).unwrap().trim_start_matches("MD5:").to_owned()
}

/// `ssh-keygen -y -f` on a private key: the public line it derives.
pub fn public_from_private(private: &str) -> String {
    let path = write_temp("key", private, 0o600);
    let out = std::process::Command::new("ssh-keygen").arg("-y").arg("-f").arg(&path.1).output().unwrap();
    assert!(out.status.success(), "ssh-keygen -y: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

fn write_temp(name: &str, contents: &str, mode: u32) -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    (dir, path)
}
