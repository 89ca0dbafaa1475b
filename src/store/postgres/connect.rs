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
use tokio_postgres::Client;
use tokio_postgres::config::TargetSessionAttrs;

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
    if hosts(&config) > 1 && config.get_target_session_attrs() != TargetSessionAttrs::ReadWrite {
        // Without it the first host that answers is used, a standby
        // included, and every write would get 503 until it is promoted.
        tracing::warn!(
            "the database URL names several hosts without target_session_attrs=read-write: \
             a standby may be chosen; add ?target_session_attrs=read-write to follow the primary"
        );
    }
    Ok(config)
}

/// The hosts the driver tries, in order, for each new connection.
fn hosts(config: &tokio_postgres::Config) -> usize {
    config.get_hosts().len().max(config.get_hostaddrs().len()).max(1)
}

/// A connection of its own, outside the pool, on whichever host the URL's
/// rules pick now (with `target_session_attrs=read-write`, the primary).
/// It closes when the client is dropped.
pub async fn open_connection(config: &tokio_postgres::Config) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// The pool. Connections open lazily, so building it never touches the
/// network; a connection that the server closed is dropped when next
/// checked out (`RecyclingMethod::Fast` checks `is_closed`), and one whose
/// operation failed with a "not now" error is not returned to it (see
/// `PostgresStore::settle`), which is how a node recovers by itself once the
/// database is back, or finds the new primary after a failover.
///
/// Opening a connection may try each host in turn, each within the connect
/// timeout, so the pool allows that timeout once per host.
pub fn pool(config: tokio_postgres::Config, options: &PoolOptions) -> anyhow::Result<Pool> {
    let create_timeout = options.connect_timeout.saturating_mul(hosts(&config) as u32);
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    let setup = session_settings(options);
    Pool::builder(manager)
        .max_size(options.max_connections.max(1) as usize)
        .wait_timeout(Some(options.acquire_timeout))
        .create_timeout(Some(create_timeout))
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
///
/// Generic plans: every statement sshkeyd prepares is an equality or range
/// lookup on an index whose best plan does not depend on the values, yet
/// with a `LIMIT $3` PostgreSQL kept planning each list afresh. A generic
/// plan took a list's database CPU from 70 to 41 us (bench/README.md).
pub fn session_settings(options: &PoolOptions) -> String {
    let statement = options.statement_timeout.as_millis().max(1);
    format!(
        "SET statement_timeout = {statement}; SET idle_in_transaction_session_timeout = {}; \
         SET plan_cache_mode = force_generic_plan",
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

#[cfg(test)]
mod tests {
    use tokio_postgres::config::Host;

    use super::*;

    #[test]
    fn a_url_with_several_hosts_gives_each_host_its_port_and_keeps_the_read_write_rule() {
        let url = "postgres://u:secret@db1:5432,db2:5433,[::1]:5434/sshkeyd?target_session_attrs=read-write";
        let config = pg_config(url, &PoolOptions::default()).unwrap();
        let name = |h: &Host| match h {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => path.display().to_string(),
        };
        let hosts: Vec<String> = config.get_hosts().iter().map(name).collect();
        assert_eq!(hosts, ["db1", "db2", "::1"]);
        assert_eq!(config.get_ports(), [5432, 5433, 5434]);
        assert_eq!(config.get_target_session_attrs(), TargetSessionAttrs::ReadWrite);
        assert_eq!(config.get_dbname(), Some("sshkeyd"));
        assert_eq!(super::hosts(&config), 3);
    }

    #[test]
    fn a_bad_url_is_refused_without_echoing_its_password() {
        let err = pg_config("postgres://u:hunter2@db1:5432,db2:x/k", &PoolOptions::default()).unwrap_err();
        assert!(err.to_string().starts_with("invalid PostgreSQL URL"), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
