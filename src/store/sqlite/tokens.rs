//! Users, tokens and their project grants.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::classify;
use super::rows::projects_from_csv;
use crate::domain::{Timestamp, TokenId, UserId};
use crate::store::{NewToken, StoreError, TokenInfo, TokenRecord};

/// The token with its user and projects, in one indexed read.
pub fn find(c: &Connection, id: &TokenId) -> Result<Option<TokenRecord>, StoreError> {
    let sql = "SELECT t.user_id, t.secret_hash, t.expires_at, t.revoked_at IS NOT NULL, \
               (SELECT group_concat(project_id) FROM token_projects WHERE token_id = t.id), t.read_only \
               FROM tokens t WHERE t.id = ?1";
    let mut stmt = c.prepare_cached(sql).map_err(classify)?;
    stmt.query_row(params![id.0], |r| {
        let hash: [u8; 32] = r.get(1)?;
        Ok(TokenRecord {
            id: id.clone(),
            user: UserId(r.get(0)?),
            secret_hash: hash,
            expires_at: r.get::<_, Option<i64>>(2)?.map(Timestamp),
            revoked: r.get(3)?,
            projects: projects_from_csv(r.get(4)?).into(),
            read_only: r.get(5)?,
        })
    })
    .optional()
    .map_err(classify)
}

/// The user's id, inserting the user if new.
pub fn ensure_user(c: &Connection, name: &str, now: Timestamp) -> Result<UserId, StoreError> {
    c.prepare_cached("INSERT INTO users (name, created_at) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING")
        .and_then(|mut s| s.execute(params![name, now.0]))
        .map_err(classify)?;
    c.prepare_cached("SELECT id FROM users WHERE name = ?1")
        .and_then(|mut s| s.query_row(params![name], |r| r.get(0)))
        .map(UserId)
        .map_err(classify)
}

/// Creates the user and projects if they are new, then the token.
pub fn create(c: &Connection, t: &NewToken) -> Result<(), StoreError> {
    let run =
        |sql: &str, p: &[&dyn rusqlite::ToSql]| c.prepare_cached(sql).and_then(|mut s| s.execute(p)).map_err(classify);
    let UserId(user) = ensure_user(c, t.user_name.as_str(), t.created_at)?;
    run(
        "INSERT INTO tokens (id, user_id, secret_hash, created_at, expires_at, read_only) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![t.id.0, user, t.secret_hash, t.created_at.0, t.expires_at.map(|e| e.0), t.read_only],
    )?;
    for project in &t.projects {
        run("INSERT INTO projects (id) VALUES (?1) ON CONFLICT DO NOTHING", params![project.0])?;
        run(
            "INSERT INTO token_projects (token_id, project_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![t.id.0, project.0],
        )?;
    }
    Ok(())
}

/// Every token, newest first, without secrets.
pub fn list(c: &Connection) -> Result<Vec<TokenInfo>, StoreError> {
    let sql = "SELECT t.id, u.name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, \
               (SELECT group_concat(project_id) FROM token_projects WHERE token_id = t.id), t.read_only \
               FROM tokens t JOIN users u ON u.id = t.user_id ORDER BY t.created_at DESC, t.id";
    let mut stmt = c.prepare_cached(sql).map_err(classify)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(TokenInfo {
                id: TokenId(r.get(0)?),
                user_name: r.get(1)?,
                created_at: Timestamp(r.get(2)?),
                expires_at: r.get::<_, Option<i64>>(3)?.map(Timestamp),
                last_used_at: r.get::<_, Option<i64>>(4)?.map(Timestamp),
                revoked_at: r.get::<_, Option<i64>>(5)?.map(Timestamp),
                projects: projects_from_csv(r.get(6)?),
                read_only: r.get(7)?,
            })
        })
        .map_err(classify)?;
    rows.collect::<Result<_, _>>().map_err(classify)
}

/// Marks a token revoked; revoking twice keeps the first time.
pub fn revoke(c: &Connection, id: &TokenId, at: Timestamp) -> Result<(), StoreError> {
    let n = c
        .execute("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1", params![id.0, at.0])
        .map_err(classify)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Records a use.
pub fn touch(c: &Connection, id: &TokenId, at: Timestamp) -> Result<(), StoreError> {
    c.prepare_cached("UPDATE tokens SET last_used_at = ?2 WHERE id = ?1")
        .and_then(|mut s| s.execute(params![id.0, at.0]))
        .map(|_| ())
        .map_err(classify)
}

/// Whether any token was ever issued.
pub fn any(c: &Connection) -> Result<bool, StoreError> {
    c.query_row("SELECT EXISTS (SELECT 1 FROM tokens)", [], |r| r.get(0)).map_err(classify)
}
