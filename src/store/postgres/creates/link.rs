//! A create worker's own connection, outside the pool, with what settling
//! an ambiguous commit needs: the server process behind it.

use std::time::Duration;

use tokio_postgres::{Client, Statement};

use crate::store::StoreError;
use crate::store::postgres::connect::open_connection;
use crate::store::postgres::errors::classify;

/// The batch statement (migration 0003). Autocommit: the statement is its
/// own transaction, committed before its answer's `ReadyForQuery`, which
/// the driver waits for.
const CREATE_KEYS: &str = "SELECT sshkeyd_create_keys($1::UUID[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], \
     $5::TEXT[], $6::TEXT[], $7::BOOLEAN[], $8::BIGINT[], $9::TEXT[], $10::BIGINT[], $11::BIGINT[], \
     $12::BIGINT[], $13::TEXT[])";

/// The server process serving a connection: its pid and start time (in
/// microseconds since the epoch), which together name it even after the
/// pid is reused, or on another server after a failover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backend {
    pub pid: i32,
    pub started_us: i64,
}

/// The query naming this connection's own server process.
pub const OWN_BACKEND: &str = "SELECT pg_backend_pid(), \
     (SELECT (extract(epoch FROM backend_start) * 1000000)::BIGINT FROM pg_stat_activity WHERE pid = pg_backend_pid())";

/// An open connection, its backend and the prepared batch statement.
pub struct Link {
    pub client: Client,
    pub backend: Backend,
    pub create_keys: Statement,
}

impl Link {
    /// Connects (within the connect timeout), applies the session settings
    /// every pooled connection gets, and prepares the statement.
    pub async fn open(config: &tokio_postgres::Config, settings: &str, within: Duration) -> Result<Self, StoreError> {
        let opening = async {
            let client = open_connection(config).await.map_err(classify)?;
            client.batch_execute(settings).await.map_err(classify)?;
            let backend = own_backend(&client).await?;
            let create_keys = client.prepare(CREATE_KEYS).await.map_err(classify)?;
            Ok(Self { client, backend, create_keys })
        };
        tokio::time::timeout(within, opening)
            .await
            .unwrap_or_else(|_| Err(StoreError::Unavailable(format!("no database connection within {within:?}"))))
    }
}

async fn own_backend(client: &Client) -> Result<Backend, StoreError> {
    let row = client.query_one(OWN_BACKEND, &[]).await.map_err(classify)?;
    let started_us: Option<i64> = row.try_get(1).map_err(classify)?;
    Ok(Backend { pid: row.try_get(0).map_err(classify)?, started_us: started_us.unwrap_or_default() })
}
