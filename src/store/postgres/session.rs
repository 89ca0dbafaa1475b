//! The connection export and import run on: one of their own, outside the
//! pool, so without the pool's statement and idle-in-transaction timeouts,
//! which a long export writing to a slow pipe, or a large import, would hit.

use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

use super::connect::pg_config;
use super::errors::describe;
use crate::store::archive::schema_is_current;
use crate::store::{DatabaseUrl, PoolOptions};

/// Connects (within the default connect timeout) and checks that the
/// database has this build's schema.
pub async fn connect(raw_url: &str) -> anyhow::Result<Client> {
    let config = pg_config(raw_url, &PoolOptions::default())?;
    let (client, connection) =
        config.connect(NoTls).await.map_err(|e| anyhow::anyhow!("connecting to PostgreSQL: {}", describe(&e)))?;
    // Ends when the client is dropped.
    tokio::spawn(connection);
    let found = match client.query_one("SELECT COALESCE(max(version), 0) FROM schema_migrations", &[]).await {
        Ok(row) => row.get::<_, i64>(0),
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => 0,
        Err(e) => return Err(pg(e)),
    };
    let what = DatabaseUrl::Postgres(raw_url.to_owned()).redacted();
    schema_is_current(found, super::migrate::latest(), &what)?;
    Ok(client)
}

/// A driver error as one line (the server's SQLSTATE and message).
pub fn pg(e: tokio_postgres::Error) -> anyhow::Error {
    anyhow::anyhow!("{}", describe(&e))
}
