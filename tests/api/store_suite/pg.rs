//! A fresh PostgreSQL database per test, on the server `SSHKEYD_TEST_POSTGRES`
//! names (scripts/test starts a throwaway cluster and sets it).
//!
//! Without the variable a test skips its PostgreSQL part, unless
//! `SSHKEYD_REQUIRE_POSTGRES=1` (set by scripts/test and so by CI), where a
//! silent skip would hide a broken setup and the test fails instead.

use std::time::Duration;

use tokio_postgres::NoTls;
use uuid::Uuid;

/// How long connecting to the test server may take before a test fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The superuser URL of the test server, or `None` (after saying so) when
/// PostgreSQL tests are not configured and not required.
pub fn admin_url(test: &str) -> Option<String> {
    match std::env::var("SSHKEYD_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("SSHKEYD_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!(
                "SSHKEYD_REQUIRE_POSTGRES=1 but SSHKEYD_TEST_POSTGRES is not set; run scripts/test, or eval \"$(scripts/pg start)\" first"
            )
        }
        _ => {
            println!("{test}: PostgreSQL part skipped (SSHKEYD_TEST_POSTGRES is not set; see scripts/pg)");
            None
        }
    }
}

/// `url` with its database name replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (before_query, query) = rest.split_once('?').map_or((rest, None), |(b, q)| (b, Some(q)));
    let authority = before_query.split_once('/').map_or(before_query, |(a, _)| a);
    match query {
        Some(query) => format!("{scheme}://{authority}/{database}?{query}"),
        None => format!("{scheme}://{authority}/{database}"),
    }
}

/// Runs one statement on `url` over a short-lived connection.
pub async fn execute(url: &str, sql: &str) {
    try_execute(url, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn try_execute(url: &str, sql: &str) -> Result<(), String> {
    let connecting = tokio_postgres::connect(url, NoTls);
    let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .expect("connecting to the test PostgreSQL timed out")
        .expect("connecting to the test PostgreSQL");
    let driver = tokio::spawn(connection);
    let result = client.batch_execute(sql).await.map_err(|e| format!("{e:?}"));
    drop(client);
    let _ = driver.await;
    result
}

/// A database with a random name, dropped (with any connections still
/// open to it) when this value is dropped.
pub struct TestDatabase {
    /// URL of the new database, password included; pass it to the store.
    pub url: String,
    admin: String,
    name: String,
}

impl TestDatabase {
    /// Creates the database on the server `admin` names. Its default
    /// collation is ICU's English one where the server has ICU, so that a
    /// missing `COLLATE "C"` shows up as a locale-aware order in the
    /// ordering tests instead of passing by luck on a C-locale cluster.
    pub async fn create(admin: &str) -> Self {
        let name = format!("sshkeyd_test_{}", Uuid::new_v4().simple());
        let icu = format!("CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'");
        if try_execute(admin, &icu).await.is_err() {
            execute(admin, &format!("CREATE DATABASE {name}")).await;
        }
        Self { url: with_database(admin, &name), admin: admin.to_owned(), name }
    }

    /// Its name, for statements about it (`ALTER DATABASE`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The superuser URL of its server.
    pub fn admin(&self) -> &str {
        &self.admin
    }

    /// A database on the configured server, or `None` if PostgreSQL tests
    /// are skipped (see [`admin_url`]).
    pub async fn for_test(test: &str) -> Option<Self> {
        Some(Self::create(&admin_url(test)?).await)
    }
}

impl Drop for TestDatabase {
    /// Dropping needs async I/O, and `Drop` may run inside a runtime, so it
    /// runs on a thread with a runtime of its own. Best effort: the cluster
    /// is thrown away at the end anyway.
    fn drop(&mut self) {
        let (admin, sql) = (self.admin.clone(), format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        let dropping = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let (client, connection) =
                    tokio::time::timeout(CONNECT_TIMEOUT, tokio_postgres::connect(&admin, NoTls)).await.ok()?.ok()?;
                let driver = tokio::spawn(connection);
                let result = client.batch_execute(&sql).await.ok();
                drop(client);
                let _ = driver.await;
                result
            })
        });
        let _ = dropping.join();
    }
}

#[test]
fn database_names_are_swapped_in_urls_keeping_credentials_and_parameters() {
    let cases = [
        ("postgres://u:p@127.0.0.1:5432/postgres", "postgres://u:p@127.0.0.1:5432/x"),
        ("postgres://u@h/postgres?sslmode=disable", "postgres://u@h/x?sslmode=disable"),
        ("postgresql://u@h:1", "postgresql://u@h:1/x"),
    ];
    for (url, expected) in cases {
        assert_eq!(with_database(url, "x"), expected, "{url}");
    }
}
