//! Connection settings and the pool.
//!
//! Every wait has a bound, so a request never hangs on the database: the
//! pool waits `acquire_timeout` for a free connection, opening one takes at
//! most `connect_timeout`, the server cancels any statement after
//! `statement_timeout`, and [`operation_deadline`] bounds a whole operation
//! on the client side in case the server stops answering altogether.

use std::time::Duration;

use deadpool_postgres::{
    Hook, HookError, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, tokio_postgres::NoTls,
};

use super::errors::describe;
use crate::store::PoolOptions;

/// Idle time before TCP keepalive probes start, so that a connection to a
/// vanished host (not a stopped server, which closes its sockets) is noticed
/// and replaced within about half a minute rather than the OS default of
/// two hours.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(10);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
const KEEPALIVE_RETRIES: u32 = 3;

/// Parses the URL and applies the pool options to it. The error names what
/// was wrong without echoing the URL, which may hold the password.
pub fn pg_config(raw_url: &str, options: &PoolOptions) -> anyhow::Result<tokio_postgres::Config> {
    let mut config: tokio_postgres::Config = raw_url
        .parse()
        .map_err(|e: tokio_postgres::Error| anyhow::anyhow!("invalid PostgreSQL URL: {}", describe(&e)))?;
    config
        .connect_timeout(options.connect_timeout)
        .keepalives(true)
        .keepalives_idle(KEEPALIVE_IDLE)
        .keepalives_interval(KEEPALIVE_INTERVAL)
        .keepalives_retries(KEEPALIVE_RETRIES);
    if config.get_application_name().is_none() {
        config.application_name("sshkeyd");
    }
    Ok(config)
}

/// The pool. Connections open lazily, so building it never touches the
/// network; a connection that the server closed is dropped when next
/// checked out (`RecyclingMethod::Fast` checks `is_closed`), which is how a
/// node recovers by itself once the database is back.
pub fn pool(config: tokio_postgres::Config, options: &PoolOptions) -> anyhow::Result<Pool> {
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    let setup = session_settings(options);
    Pool::builder(manager)
        .max_size(options.max_connections.max(1) as usize)
        .wait_timeout(Some(options.acquire_timeout))
        .create_timeout(Some(options.connect_timeout))
        .recycle_timeout(Some(options.connect_timeout))
        .runtime(Runtime::Tokio1)
        .post_create(Hook::async_fn(move |client, _| {
            let setup = setup.clone();
            Box::pin(async move { client.batch_execute(&setup).await.map_err(HookError::Backend) })
        }))
        .build()
        .map_err(|e| anyhow::anyhow!("building the PostgreSQL pool: {e}"))
}

/// Run once on each new connection. `SET` rather than the `options` startup
/// parameter, which some PostgreSQL-compatible databases and poolers refuse.
/// A transaction left open by a vanished client is aborted after twice the
/// statement timeout, so it cannot hold a project's row lock for long.
pub fn session_settings(options: &PoolOptions) -> String {
    let statement = options.statement_timeout.as_millis().max(1);
    format!(
        "SET statement_timeout = {statement}; SET idle_in_transaction_session_timeout = {}",
        statement.saturating_mul(2)
    )
}

/// Client-side bound on one operation once it holds a connection: the
/// server cancels each statement at `statement_timeout`, and an operation
/// runs a few short statements, so twice that plus a second means the
/// server has stopped answering rather than being slow.
pub fn operation_deadline(options: &PoolOptions) -> Duration {
    options.statement_timeout.saturating_mul(2) + Duration::from_secs(1)
}
