//! Running prepared statements: each helper prepares through the
//! connection's statement cache (one round trip the first time a connection
//! sees a query, none after) and maps errors onto [`StoreError`].

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::errors::classify;
use crate::store::StoreError;

/// Statement parameters, as the driver takes them.
pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Runs a statement; returns the rows it changed.
pub async fn execute(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
    let statement = c.prepare_cached(sql).await.map_err(classify)?;
    c.execute(&statement, params).await.map_err(classify)
}

/// Runs a query; returns every row.
pub async fn query(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
    let statement = c.prepare_cached(sql).await.map_err(classify)?;
    c.query(&statement, params).await.map_err(classify)
}

/// Runs a query that returns at most one row.
pub async fn query_opt(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<Option<Row>, StoreError> {
    let statement = c.prepare_cached(sql).await.map_err(classify)?;
    c.query_opt(&statement, params).await.map_err(classify)
}

/// Runs a query that returns exactly one row.
pub async fn query_one(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<Row, StoreError> {
    let statement = c.prepare_cached(sql).await.map_err(classify)?;
    c.query_one(&statement, params).await.map_err(classify)
}

/// Reads a column, treating a type mismatch as the bug it is.
pub fn get<'a, T: tokio_postgres::types::FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T, StoreError> {
    row.try_get(idx).map_err(classify)
}
