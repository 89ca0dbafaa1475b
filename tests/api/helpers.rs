//! `TestApp`: a real sshkeyd on 127.0.0.1:0 over a temporary database, with
//! one method per endpoint; and reading the database straight, bypassing
//! the store. (`ssh-keygen` helpers: `tests/support/keygen.rs`.)

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::Value;
use sshkeyd::Shutdown;
use sshkeyd::config::{Config, Settings, Wait};
use sshkeyd::domain::{ProjectId, UserName};
use sshkeyd::store::{self, DatabaseUrl, KeyStore, PoolOptions};
use sshkeyd::tokens::{Access, issue_token_with};
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
        let header_id = self.headers.get("x-request-id").and_then(|v| v.to_str().ok());
        assert_gcore_error((self.status.as_u16(), &self.body, header_id), status, exception_class);
    }
}

/// Asserts that a reply (status, body, `X-Request-ID` header) has `status`
/// and Gcore's error shape with `exception_class`.
pub fn assert_gcore_error(reply: (u16, &Value, Option<&str>), status: u16, exception_class: &str) {
    let (got, body, header_id) = reply;
    assert_eq!(got, status, "body: {body}");
    assert_eq!(body["exception_class"], exception_class, "body: {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "message in {body}");
    assert_eq!(body["request_id"].as_str(), header_id, "request_id matches X-Request-ID");
}

/// Turns the real store into the one the server uses.
type Wrap = Box<dyn FnOnce(Arc<dyn KeyStore>) -> Arc<dyn KeyStore>>;

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
    pub async fn spawn_with(settings: Settings) -> Self {
        Self::start(settings, None).await
    }

    /// A server on a fresh SQLite file whose store is `wrap` of the real
    /// one (`TestApp::store` stays the real one), e.g. one that makes
    /// commits slow. No first-start token is issued.
    pub async fn spawn_wrapped(
        settings: Settings,
        wrap: impl FnOnce(Arc<dyn KeyStore>) -> Arc<dyn KeyStore> + 'static,
    ) -> Self {
        Self::start(settings, Some(Box::new(wrap))).await
    }

    async fn start(mut settings: Settings, wrap: Option<Wrap>) -> Self {
        let dir = settings.database.is_none().then(|| tempfile::tempdir().unwrap());
        if let Some(dir) = &dir {
            settings.database = Some(DatabaseUrl::Sqlite(dir.path().join("test.db")));
        }
        // `stop` needs no time for a load balancer to notice.
        settings.shutdown_delay.get_or_insert(Wait(Duration::ZERO));
        let config: Config = settings.resolve().unwrap();
        let database = config.database.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let stopped = Shutdown::on(async {
            let _ = stopped.await;
        });
        let pool = PoolOptions { max_connections: 2, ..PoolOptions::default() };
        // The test's store first, so the file is migrated before the server
        // opens it: two first opens of one new file race on the migration.
        let store = store::open(&database, &pool).await.unwrap();
        let server = match wrap {
            Some(wrap) => tokio::spawn(sshkeyd::serve_store(wrap(store.clone()), config, listener, stopped)),
            None => tokio::spawn(sshkeyd::run(config, listener, stopped)),
        };
        let mut app =
            Self { base, database, store, client: Client::new(), stop: Some(stop), server: Some(server), _dir: dir };
        app.wait_until_healthy().await;
        app
    }

    async fn wait_until_healthy(&mut self) {
        for _ in 0..200 {
            let probe = self.client.get(format!("{}/healthz", self.base)).send().await;
            if probe.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // Say why when the server stopped on its own (a failed start).
        let stopped = match self.server.take() {
            Some(server) if server.is_finished() => format!(": it stopped with {:?}", server.await),
            _ => String::new(),
        };
        panic!("server did not become healthy{stopped}");
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
        self.token_with(user, projects, Access::ReadWrite).await
    }

    /// A read-only token for `user`, as a host has.
    pub async fn read_only_token(&self, user: &str, projects: &[i64]) -> String {
        self.token_with(user, projects, Access::ReadOnly).await
    }

    async fn token_with(&self, user: &str, projects: &[i64], access: Access) -> String {
        let projects: Vec<ProjectId> = projects.iter().copied().map(ProjectId).collect();
        let issued = issue_token_with(self.store.as_ref(), &user_name(user), &projects, None, access).await;
        issued.unwrap().text.to_string()
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

    /// `POST /cloud/v2/keypairs`.
    pub async fn create_keypair(&self, token: &str, body: Value) -> Reply {
        self.request(Method::POST, "/cloud/v2/keypairs", Some(token), Some(&body)).await
    }

    /// `GET /cloud/v2/keypairs?{query}`.
    pub async fn list_keypairs(&self, token: &str, query: &str) -> Reply {
        self.request(Method::GET, &format!("/cloud/v2/keypairs?{query}"), Some(token), None).await
    }

    /// `GET /cloud/v2/keypairs/{id}`.
    pub async fn get_keypair(&self, token: &str, id: &str) -> Reply {
        self.request(Method::GET, &format!("/cloud/v2/keypairs/{id}"), Some(token), None).await
    }

    /// `DELETE /cloud/v2/keypairs/{id}`.
    pub async fn delete_keypair(&self, token: &str, id: &str) -> Reply {
        self.request(Method::DELETE, &format!("/cloud/v2/keypairs/{id}"), Some(token), None).await
    }

    /// Rows in `table`, read straight from the database.
    pub async fn count_rows(&self, table: &str) -> i64 {
        scalar(&self.database, &format!("SELECT count(*) FROM {table}")).await
    }
}

/// The fields of Gcore's `SSHKeySerializer` plus `is_owner`, sorted: what get, list and
/// update return, and create without `private_key`.
pub const KEY_FIELDS: [&str; 10] = [
    "created_at",
    "fingerprint",
    "fingerprint_sha256",
    "id",
    "is_owner",
    "name",
    "project_id",
    "public_key",
    "shared_in_project",
    "state",
];

/// The field names of a JSON object, sorted.
pub fn field_names(object: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = object.as_object().expect("a JSON object").keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

/// A user name the test knows to be valid.
pub fn user_name(name: &str) -> UserName {
    UserName::parse(name).unwrap_or_else(|e| panic!("{name:?}: {e}"))
}

/// How many migrations a backend has (`migrations/<backend>/*.sql`): the
/// schema version a fresh database ends at.
pub fn migration_count(backend: &str) -> i64 {
    let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    let files = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
    files.filter(|f| f.as_ref().is_ok_and(|f| f.path().extension().is_some_and(|e| e == "sql"))).count() as i64
}

/// One integer read straight from the database (`count(*)`, a counter
/// column), on either backend, bypassing the store.
pub async fn scalar(database: &DatabaseUrl, sql: &str) -> i64 {
    match database {
        DatabaseUrl::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
        }
        DatabaseUrl::Postgres(url) => {
            let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
            let driver = tokio::spawn(conn);
            let row = client.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e:?}"));
            drop(client);
            let _ = driver.await;
            row.get(0)
        }
    }
}
