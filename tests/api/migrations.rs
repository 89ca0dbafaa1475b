//! Migration 0002 on a database left at schema 1 with keys and a token in
//! it: every existing key gets the SHA-256 fingerprint `ssh-keygen -l`
//! prints, the lookup indexes exist, and the old token stays read-write.

use sha2::{Digest, Sha256};
use sshkeyd::domain::{KeyId, ProjectId, TokenId, UserId};
use sshkeyd::store::{self, DatabaseUrl, KeyStore, PoolOptions};
use uuid::Uuid;

use crate::helpers::migration_count;
use crate::keygen::{keygen, sha256_fingerprint};
use crate::store_suite::pg::{TestDatabase, admin_url};

const SQLITE_0001: &str = include_str!("../../migrations/sqlite/0001_init.sql");
const POSTGRES_0001: &str = include_str!("../../migrations/postgres/0001_init.sql");

/// Keys as schema 1 stored them: normalised, plus ones stored as a client
/// sent them (tabs, extra spaces, a comment and a final CRLF, as schema 1
/// holds them since issue 12), which the backfill must read too.
fn old_keys() -> Vec<(Uuid, String)> {
    let mut lines: Vec<String> = [("ed25519", None), ("ecdsa", Some(256)), ("ecdsa", Some(384)), ("rsa", Some(2048))]
        .into_iter()
        .map(|(kind, bits)| keygen(kind, bits).public)
        .collect();
    let loose = keygen("ecdsa", Some(521)).public.replacen(' ', "\t  ", 1);
    lines.push(format!(" {loose} "));
    lines.push(format!("{}  me@laptop (work)\r\n", keygen("ed25519", None).public.replacen(' ', "\t", 1)));
    lines.into_iter().map(|line| (Uuid::new_v4(), line)).collect()
}

/// Opens the database with this build, which migrates it, and checks what
/// the migration did through the store.
async fn check_migrated(database: &DatabaseUrl, keys: &[(Uuid, String)]) -> std::sync::Arc<dyn KeyStore> {
    let store = store::open(database, &PoolOptions { max_connections: 2, ..PoolOptions::default() }).await.unwrap();
    for (id, line) in keys {
        let key = store.get_key(ProjectId(1), UserId(1), KeyId(*id)).await.unwrap().expect("the key is still there");
        assert_eq!(key.fingerprint_sha256, sha256_fingerprint(line.trim()), "backfilled like ssh-keygen -l: {line}");
    }
    let token = store.find_token(&TokenId("tok-old".into())).await.unwrap().expect("the old token");
    assert!(!token.read_only, "tokens issued before read-only ones existed may write");
    let listed = store.list_tokens().await.unwrap();
    assert!(listed.iter().all(|t| !t.read_only));
    store
}

#[tokio::test]
async fn sqlite_migration_backfills_sha256_fingerprints_of_existing_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema1.db");
    let keys = old_keys();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(SQLITE_0001).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, name, created_at) VALUES (1, 'alice', 0); \
             INSERT INTO projects (id, key_count, shared_count) VALUES (1, 6, 6); \
             INSERT INTO tokens (id, user_id, secret_hash, created_at) VALUES ('tok-old', 1, zeroblob(32), 0);",
        )
        .unwrap();
        for (i, (id, line)) in keys.iter().enumerate() {
            conn.execute(
                "INSERT INTO ssh_keys (id, project_id, owner_id, name, public_key, fingerprint, shared, created_at) \
                 VALUES (?1, 1, 1, ?2, ?3, 'md5', 1, ?4)",
                rusqlite::params![id.as_bytes(), format!("old-{i}"), line, i as i64],
            )
            .unwrap();
        }
    }
    let store = check_migrated(&DatabaseUrl::Sqlite(path.clone()), &keys).await;
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, 2);
    for index in ["ssh_keys_project_fingerprint_sha256", "ssh_keys_project_fingerprint"] {
        let n: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1", [index], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "{index}");
    }
}

#[tokio::test]
async fn postgres_migration_backfills_sha256_fingerprints_of_existing_keys_in_sql() {
    let Some(admin) = admin_url("postgres_migration_backfills_sha256_fingerprints_of_existing_keys_in_sql") else {
        return;
    };
    let db = TestDatabase::create(&admin).await;
    let keys = old_keys();
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    let driver = tokio::spawn(connection);
    client.batch_execute(POSTGRES_0001).await.unwrap_or_else(|e| panic!("0001: {e:?}"));
    let checksum: String = Sha256::digest(POSTGRES_0001.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    client
        .batch_execute(&format!(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
             checksum TEXT NOT NULL, applied_at BIGINT NOT NULL); \
             INSERT INTO schema_migrations VALUES (1, 'init', '{checksum}', 0); \
             INSERT INTO users (id, name, created_at) VALUES (1, 'alice', 0); \
             INSERT INTO projects (id, key_count, shared_count) VALUES (1, 6, 6); \
             INSERT INTO tokens (id, user_id, secret_hash, created_at) VALUES ('tok-old', 1, '\\x{}', 0);",
            "00".repeat(32)
        ))
        .await
        .unwrap();
    for (i, (id, line)) in keys.iter().enumerate() {
        client
            .execute(
                "INSERT INTO ssh_keys (id, project_id, owner_id, name, public_key, fingerprint, shared, created_at) \
                 VALUES ($1, 1, 1, $2, $3, 'md5', true, $4)",
                &[id, &format!("old-{i}"), line, &(i as i64)],
            )
            .await
            .unwrap();
    }
    let store = check_migrated(&DatabaseUrl::parse(&db.url).unwrap(), &keys).await;
    drop(store);
    let indexes = client
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'ssh_keys' \
             AND indexname IN ('ssh_keys_project_fingerprint_sha256', 'ssh_keys_project_fingerprint')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(indexes.get::<_, i64>(0), 2);
    let version = client.query_one("SELECT max(version) FROM schema_migrations", &[]).await.unwrap();
    assert_eq!(version.get::<_, Option<i64>>(0), Some(migration_count("postgres")));
    drop(client);
    let _ = driver.await;
}
