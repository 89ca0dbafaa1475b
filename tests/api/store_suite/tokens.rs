//! Users and tokens.

use sshkeyd::domain::{ProjectId, Timestamp, TokenId};
use sshkeyd::store::{NewToken, StoreError};

use super::fixture::Fixture;
use crate::helpers::{scalar, user_name};

fn token(id: &str, user: &str, projects: &[i64], created_at: Timestamp) -> NewToken {
    NewToken {
        id: TokenId(id.to_owned()),
        user_name: user_name(user),
        projects: projects.iter().copied().map(ProjectId).collect(),
        secret_hash: [id.len() as u8; 32],
        created_at,
        expires_at: Some(created_at.plus(std::time::Duration::from_secs(3600))),
        read_only: false,
    }
}

pub async fn a_created_token_is_found_with_its_user_and_sorted_projects(fx: &Fixture) {
    let now = Timestamp::now();
    fx.store.create_token(token("tok-alice", "alice", &[30, 1, 2], now)).await.unwrap();
    let found = fx.store.find_token(&TokenId("tok-alice".into())).await.unwrap().expect("the token is found");
    assert_eq!(found.user, fx.store.ensure_user(&user_name("alice")).await.unwrap(), "it belongs to alice");
    assert_eq!(*found.projects, [1, 2, 30].map(ProjectId), "projects in ascending order");
    assert_eq!(found.secret_hash, [9; 32], "the stored hash");
    assert_eq!(found.expires_at, Some(now.plus(std::time::Duration::from_secs(3600))));
    assert!(!found.revoked);
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM projects").await, 3, "its projects were created");
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM token_projects").await, 3);
}

pub async fn unknown_tokens_are_not_found_and_cannot_be_revoked(fx: &Fixture) {
    let missing = TokenId("tok-missing".into());
    assert!(fx.store.find_token(&missing).await.unwrap().is_none());
    let revoke = fx.store.revoke_token(&missing).await;
    assert!(matches!(revoke, Err(StoreError::NotFound)), "got {revoke:?}");
}

pub async fn revoking_twice_keeps_the_first_revocation_time(fx: &Fixture) {
    let id = TokenId("tok-revoked".into());
    fx.store.create_token(token(&id.0, "alice", &[1], Timestamp::now())).await.unwrap();
    fx.store.revoke_token(&id).await.unwrap();
    let first = fx.store.list_tokens().await.unwrap()[0].revoked_at.expect("revoked_at is set");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    fx.store.revoke_token(&id).await.unwrap();
    let second = fx.store.list_tokens().await.unwrap()[0].revoked_at;
    assert_eq!(second, Some(first), "the first revocation time stays");
    assert!(fx.store.find_token(&id).await.unwrap().unwrap().revoked);
}

pub async fn touching_a_token_records_its_last_use(fx: &Fixture) {
    let id = TokenId("tok-used".into());
    fx.store.create_token(token(&id.0, "alice", &[1], Timestamp::now())).await.unwrap();
    assert_eq!(fx.store.list_tokens().await.unwrap()[0].last_used_at, None, "never used yet");
    let at = Timestamp(1_750_000_000_123_456);
    fx.store.touch_token(&id, at).await.unwrap();
    assert_eq!(fx.store.list_tokens().await.unwrap()[0].last_used_at, Some(at));
}

pub async fn tokens_are_listed_newest_first_with_ties_broken_by_id(fx: &Fixture) {
    let t = Timestamp(1_750_000_000_000_000);
    let later = Timestamp(t.0 + 1);
    for (id, created) in [("tok-b", t), ("tok-c", later), ("tok-a", t)] {
        fx.store.create_token(token(id, "alice", &[1, 2], created)).await.unwrap();
    }
    let listed = fx.store.list_tokens().await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|t| t.id.0.as_str()).collect();
    assert_eq!(ids, ["tok-c", "tok-a", "tok-b"]);
    assert!(listed.iter().all(|t| t.user_name == "alice" && t.projects == [ProjectId(1), ProjectId(2)]));
}

pub async fn has_tokens_is_false_until_the_first_token(fx: &Fixture) {
    assert!(!fx.store.has_tokens().await.unwrap(), "a new database has none");
    fx.store.create_token(token("tok-first", "admin", &[1], Timestamp::now())).await.unwrap();
    assert!(fx.store.has_tokens().await.unwrap());
}

pub async fn ensure_user_gives_one_id_per_name_even_when_racing(fx: &Fixture) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let store = fx.store.clone();
        tasks.spawn(async move { store.ensure_user(&user_name("racer")).await.unwrap() });
    }
    let ids = tasks.join_all().await;
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "one id for one name: {ids:?}");
    let other = fx.store.ensure_user(&user_name("Racer")).await.unwrap();
    assert_ne!(other, ids[0], "names are case-sensitive");
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM users").await, 2);
}
