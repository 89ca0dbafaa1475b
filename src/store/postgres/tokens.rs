//! Users, tokens and their project grants.

use deadpool_postgres::{GenericClient, Transaction};

use super::rows::{projects, timestamp};
use super::sql::{execute, get, query, query_one, query_opt};
use crate::domain::{Timestamp, TokenId, UserId};
use crate::store::{NewToken, StoreError, TokenInfo, TokenRecord};

/// The token with its user and projects, in one indexed read. Projects come
/// sorted, as SQLite's `group_concat` over the primary key returns them.
pub async fn find(c: &impl GenericClient, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
    let sql = "SELECT t.user_id, t.secret_hash, t.expires_at, t.revoked_at IS NOT NULL, \
               ARRAY(SELECT project_id FROM token_projects WHERE token_id = t.id ORDER BY project_id), t.read_only \
               FROM tokens t WHERE t.id = $1";
    let Some(row) = query_opt(c, sql, &[&id.0]).await? else { return Ok(None) };
    let hash: Vec<u8> = get(&row, 1)?;
    let secret_hash = <[u8; 32]>::try_from(hash.as_slice())
        .map_err(|_| StoreError::Internal(anyhow::anyhow!("token {} has a malformed secret hash", id.0)))?;
    Ok(Some(TokenRecord {
        id: id.clone(),
        user: UserId(get(&row, 0)?),
        secret_hash,
        expires_at: timestamp(&row, 2)?,
        revoked: get(&row, 3)?,
        projects: projects(&row, 4)?.into(),
        read_only: get(&row, 5)?,
    }))
}

/// The user's id, inserting the user if new. Reads first, so the common
/// case spends no identity value; `ON CONFLICT DO NOTHING` settles a race
/// with another node inserting the same name, and the final read sees the
/// winner's row because each statement takes a fresh snapshot.
pub async fn ensure_user(c: &impl GenericClient, name: &str, now: Timestamp) -> Result<UserId, StoreError> {
    let select = "SELECT id FROM users WHERE name = $1";
    if let Some(row) = query_opt(c, select, &[&name]).await? {
        return Ok(UserId(get(&row, 0)?));
    }
    let insert = "INSERT INTO users (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
    execute(c, insert, &[&name, &now.0]).await?;
    Ok(UserId(get(&query_one(c, select, &[&name]).await?, 0)?))
}

/// Creates the user and projects if they are new, then the token.
pub async fn create(tx: &Transaction<'_>, t: &NewToken) -> Result<(), StoreError> {
    let UserId(user) = ensure_user(tx, t.user_name.as_str(), t.created_at).await?;
    execute(
        tx,
        "INSERT INTO tokens (id, user_id, secret_hash, created_at, expires_at, read_only) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&t.id.0, &user, &t.secret_hash.as_slice(), &t.created_at.0, &t.expires_at.map(|e| e.0), &t.read_only],
    )
    .await?;
    for project in &t.projects {
        execute(tx, "INSERT INTO projects (id) VALUES ($1) ON CONFLICT DO NOTHING", &[&project.0]).await?;
        execute(
            tx,
            "INSERT INTO token_projects (token_id, project_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&t.id.0, &project.0],
        )
        .await?;
    }
    Ok(())
}

/// Every token, newest first, without secrets.
pub async fn list(c: &impl GenericClient) -> Result<Vec<TokenInfo>, StoreError> {
    let sql = "SELECT t.id, u.name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, \
               ARRAY(SELECT project_id FROM token_projects WHERE token_id = t.id ORDER BY project_id), t.read_only \
               FROM tokens t JOIN users u ON u.id = t.user_id ORDER BY t.created_at DESC, t.id";
    let rows = query(c, sql, &[]).await?;
    rows.iter()
        .map(|r| {
            Ok(TokenInfo {
                id: TokenId(get(r, 0)?),
                user_name: get(r, 1)?,
                created_at: Timestamp(get(r, 2)?),
                expires_at: timestamp(r, 3)?,
                last_used_at: timestamp(r, 4)?,
                revoked_at: timestamp(r, 5)?,
                projects: projects(r, 6)?,
                read_only: get(r, 7)?,
            })
        })
        .collect()
}

/// Marks a token revoked; revoking twice keeps the first time.
pub async fn revoke(c: &impl GenericClient, id: &TokenId, at: Timestamp) -> Result<(), StoreError> {
    let sql = "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1";
    let n = execute(c, sql, &[&id.0, &at.0]).await?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Records a use.
pub async fn touch(c: &impl GenericClient, id: &TokenId, at: Timestamp) -> Result<(), StoreError> {
    execute(c, "UPDATE tokens SET last_used_at = $2 WHERE id = $1", &[&id.0, &at.0]).await.map(|_| ())
}

/// Whether any token was ever issued.
pub async fn any(c: &impl GenericClient) -> Result<bool, StoreError> {
    get(&query_one(c, "SELECT EXISTS (SELECT 1 FROM tokens)", &[]).await?, 0)
}
