//! Authentication and project access.

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::http::Method;
use serde_json::json;
use sha2::{Digest, Sha256};
use sshkeyd::config::Settings;
use sshkeyd::domain::{ProjectId, TokenId};
use sshkeyd::store::{self, DatabaseUrl, PoolOptions};
use sshkeyd::tokens::{TokenLifetime, admin_token_path, bootstrap_admin_token, issue_token};

use crate::helpers::{TestApp, scalar, user_name};
use crate::slow_store::SlowCommits;

#[tokio::test]
async fn requests_without_a_valid_token_get_401() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    // The real token with its last character changed (to one it is not).
    let last = if token.ends_with('A') { 'B' } else { 'A' };
    let forged = format!("{}{last}", &token[..token.len() - 1]);
    let headers = [
        None,
        Some("APIKey".to_owned()),
        Some(format!("Bearer {token}")),
        Some("APIKey not-a-token".to_owned()),
        Some("APIKey skd_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned()),
        Some(format!("APIKey {forged}")),
    ];
    for header in headers {
        let mut req = app.raw(Method::GET, "/cloud/v1/ssh_keys/1");
        if let Some(h) = &header {
            req = req.header("Authorization", h);
        }
        let reply = TestApp::reply(req.send().await.unwrap()).await;
        reply.assert_error(401, "AuthenticationError");
        let body = reply.body.to_string();
        assert!(!body.contains(&token[21..]), "the token never comes back: {header:?}");
    }
}

#[tokio::test]
async fn the_scheme_word_is_case_insensitive() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    for scheme in ["APIKey", "apikey", "APIKEY", "ApiKey"] {
        let req = app.raw(Method::GET, "/cloud/v1/ssh_keys/1").header("Authorization", format!("{scheme} {token}"));
        assert_eq!(req.send().await.unwrap().status(), 200, "{scheme}");
    }
}

#[tokio::test]
async fn a_token_without_the_project_gets_403_on_every_endpoint() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    let carol = app.token("carol", &[2]).await;
    let id = app.create_key(&alice, 1, json!({"name": "alice-key"})).await.str("id").to_owned();
    app.create_key(&carol, 1, json!({"name": "carol-key"})).await.assert_error(403, "ForbiddenError");
    app.list_keys(&carol, 1, "").await.assert_error(403, "ForbiddenError");
    app.get_key(&carol, 1, &id).await.assert_error(403, "ForbiddenError");
    app.get_key(&carol, 1, "not-even-a-uuid").await.assert_error(403, "ForbiddenError");
    app.update_key(&carol, 1, &id, json!({"shared_in_project": false})).await.assert_error(403, "ForbiddenError");
    app.delete_key(&carol, 1, &id).await.assert_error(403, "ForbiddenError");
    assert_eq!(app.count_rows("ssh_keys").await, 1, "carol changed nothing");
    assert_eq!(app.get_key(&alice, 1, &id).await.status, 200);
}

#[tokio::test]
async fn a_revoked_token_is_refused_within_a_second() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    assert_eq!(app.list_keys(&token, 1, "").await.status, 200);
    let id = TokenId(token[4..20].to_owned());
    app.store.revoke_token(&id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    app.list_keys(&token, 1, "").await.assert_error(401, "AuthenticationError");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_arriving_as_a_token_expires_from_the_cache_share_one_lookup() {
    let wrapper: Arc<OnceLock<Arc<SlowCommits>>> = Arc::default();
    let slot = wrapper.clone();
    let app = TestApp::spawn_wrapped(Settings::default(), move |store| {
        let slow = SlowCommits::slow_token_lookups(store, Duration::from_millis(300));
        slot.set(slow.clone()).ok();
        slow
    })
    .await;
    let lookups = || wrapper.get().expect("the store is wrapped").token_lookups.load(Ordering::SeqCst);
    let token = app.token("alice", &[1]).await;
    assert_eq!(app.list_keys(&token, 1, "").await.status, 200);
    assert_eq!(lookups(), 1);
    tokio::time::sleep(Duration::from_millis(1000)).await;

    let requests = (0..32).map(|_| app.list_keys(&token, 1, ""));
    for reply in futures_util::future::join_all(requests).await {
        assert_eq!(reply.status, 200);
    }
    assert_eq!(lookups(), 2, "one lookup for the 32 requests after the entry expired");
    app.stop().await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = TestApp::spawn().await;
    let lifetime = TokenLifetime::new(Duration::from_secs(1)).unwrap();
    let issued = issue_token(app.store.as_ref(), &user_name("temp"), &[ProjectId(1)], Some(lifetime)).await.unwrap();
    let token = issued.text.to_string();
    assert_eq!(app.list_keys(&token, 1, "").await.status, 200, "valid before expiry");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.list_keys(&token, 1, "").await.assert_error(401, "AuthenticationError");
}

#[tokio::test]
async fn a_bootstrap_token_whose_file_cannot_be_written_is_not_stored_and_the_next_start_makes_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(dir.path().join("boot.db"));
    let store = store::open(&url, &PoolOptions::default()).await.unwrap();
    let DatabaseUrl::Sqlite(db) = &url else { unreachable!() };
    let token_path = admin_token_path(db);
    // A directory where the file should go makes the write fail.
    std::fs::create_dir(&token_path).unwrap();
    assert!(bootstrap_admin_token(store.as_ref(), &url).await.is_err(), "the write fails");
    assert!(!store.has_tokens().await.unwrap(), "no token is stored without its file");
    assert_eq!(scalar(&url, "SELECT count(*) FROM tokens").await, 0);

    std::fs::remove_dir(&token_path).unwrap();
    bootstrap_admin_token(store.as_ref(), &url).await.unwrap();
    let text = std::fs::read_to_string(&token_path).unwrap();
    assert_eq!(scalar(&url, "SELECT count(*) FROM tokens").await, 1);
    let (id, secret) = text.trim().strip_prefix("skd_").unwrap().split_once('_').unwrap();
    let stored = store.find_token(&TokenId(id.to_owned())).await.unwrap().expect("the file's token is stored");
    let sha256: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    assert_eq!(stored.secret_hash, sha256, "only the SHA-256 of the secret is stored");
}
