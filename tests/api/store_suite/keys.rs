//! Creating, reading, changing and deleting keys: visibility, ownership,
//! uniqueness and the quota.

use sshkeyd::domain::{KeyId, KeyOrder, ProjectId, Timestamp};
use sshkeyd::store::StoreError;
use uuid::Uuid;

use super::fixture::{Fixture, MAX_KEYS, audit, new_key};
use crate::helpers::scalar;

pub async fn a_created_key_reads_back_exactly_as_returned(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let created = fx.create(1, alice, "laptop", true).await.unwrap();
    assert_eq!(created.name, "laptop");
    assert_eq!(created.project, ProjectId(1));
    assert_eq!(created.owner, alice);
    let read = fx.store.get_key(ProjectId(1), alice, created.id).await.unwrap();
    assert_eq!(read.as_ref(), Some(&created), "get returns what create returned");
    let listed = fx.list_all(1, alice, KeyOrder::default(), None).await;
    assert_eq!(listed.keys, vec![created.clone()], "list returns it too");
    let other_project = fx.store.get_key(ProjectId(2), alice, created.id).await.unwrap();
    assert_eq!(other_project, None, "a key is not found under another project");
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM ssh_keys").await, 1);
}

pub async fn an_unshared_key_is_visible_only_to_its_owner(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let bob = fx.user("bob", &[1]).await;
    let private = fx.create(1, alice, "private-key", false).await.unwrap();
    let shared = fx.create(1, alice, "shared-key", true).await.unwrap();
    assert!(fx.store.get_key(ProjectId(1), alice, private.id).await.unwrap().is_some(), "owner sees it");
    assert_eq!(fx.store.get_key(ProjectId(1), bob, private.id).await.unwrap(), None, "others do not");
    assert!(fx.store.get_key(ProjectId(1), bob, shared.id).await.unwrap().is_some(), "shared keys are seen");
    let bobs = fx.list_all(1, bob, KeyOrder::NameAsc, None).await;
    assert_eq!(bobs.keys, vec![shared.clone()], "bob's list holds the shared key only");
    assert_eq!(bobs.count, 1, "bob's count leaves the private key out");
    let alices = fx.list_all(1, alice, KeyOrder::NameAsc, None).await;
    assert_eq!(alices.keys, vec![private, shared], "alice's list holds both, by name");
    assert_eq!(alices.count, 2);
}

pub async fn an_unshared_name_is_still_taken_for_everyone_else(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let bob = fx.user("bob", &[1]).await;
    fx.create(1, alice, "deploy", false).await.unwrap();
    let clash = fx.create(1, bob, "deploy", true).await;
    assert!(matches!(clash, Err(StoreError::Conflict)), "got {clash:?}");
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM ssh_keys").await, 1);
}

pub async fn a_duplicate_name_in_one_project_is_a_conflict_but_not_across_projects(fx: &Fixture) {
    let alice = fx.user("alice", &[1, 2]).await;
    fx.create(1, alice, "ci-runner", true).await.unwrap();
    let again = fx.create(1, alice, "ci-runner", false).await;
    assert!(matches!(again, Err(StoreError::Conflict)), "got {again:?}");
    fx.create(2, alice, "ci-runner", true).await.expect("the same name in another project is fine");
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM ssh_keys").await, 2);
    assert_eq!(
        scalar(&fx.database, "SELECT key_count FROM projects WHERE id = 1").await,
        1,
        "the conflict took no slot"
    );
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM audit_events").await, 2, "the conflict left no event");
}

pub async fn names_that_differ_only_in_case_are_different_names(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    for name in ["web", "Web", "WEB"] {
        fx.create(1, alice, name, true).await.unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM ssh_keys").await, 3);
}

pub async fn a_full_project_refuses_new_keys_until_one_is_deleted(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let mut first = None;
    for i in 0..3 {
        let key = fx.create_max(1, alice, &format!("key-{i}"), i % 2 == 0, 3).await.unwrap();
        first.get_or_insert(key);
    }
    let over = fx.create_max(1, alice, "key-3", true, 3).await;
    assert!(matches!(over, Err(StoreError::QuotaExceeded(3))), "got {over:?}");
    let duplicate = fx.create_max(1, alice, "key-0", true, 3).await;
    assert!(matches!(duplicate, Err(StoreError::Conflict)), "a taken name is a conflict even when full: {duplicate:?}");
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM ssh_keys").await, 3);
    fx.store.delete_key(ProjectId(1), first.unwrap().id, audit(alice)).await.unwrap();
    fx.create_max(1, alice, "key-3", true, 3).await.expect("a deleted key frees its slot");
    assert_eq!(scalar(&fx.database, "SELECT key_count FROM projects WHERE id = 1").await, 3);
}

pub async fn concurrent_creates_never_exceed_the_quota(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let attempts = (0..20).map(|i| (format!("racer-{i:02}"), i % 3 != 0)).collect();
    let results = fx.create_concurrently(1, alice, attempts, 5).await;
    let created = results.iter().filter(|r| r.is_ok()).count();
    let refused = results.iter().filter(|r| matches!(r, Err(StoreError::QuotaExceeded(5)))).count();
    assert_eq!((created, refused), (5, 15), "results: {results:?}");
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM ssh_keys WHERE project_id = 1").await, 5);
    assert_eq!(scalar(&fx.database, "SELECT key_count FROM projects WHERE id = 1").await, 5);
}

pub async fn concurrent_creates_of_one_name_store_exactly_one_key(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let attempts = (0..12).map(|_| ("contested".to_owned(), true)).collect();
    let results = fx.create_concurrently(1, alice, attempts, MAX_KEYS).await;
    let created = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results.iter().filter(|r| matches!(r, Err(StoreError::Conflict))).count();
    assert_eq!((created, conflicts), (1, 11), "results: {results:?}");
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM ssh_keys").await, 1);
    assert_eq!(scalar(&fx.database, "SELECT key_count FROM projects WHERE id = 1").await, 1);
}

pub async fn changes_by_users_who_cannot_see_the_key_are_not_found(fx: &Fixture) {
    let alice = fx.user("alice", &[1, 2]).await;
    let bob = fx.user("bob", &[1, 2]).await;
    let private = fx.create(1, alice, "alice-only", false).await.unwrap();
    let cases = [
        ("bob and alice's unshared key", ProjectId(1), private.id, bob),
        ("a key id that does not exist", ProjectId(1), KeyId(Uuid::new_v4()), alice),
        ("the key under another project", ProjectId(2), private.id, alice),
    ];
    for (what, project, id, actor) in cases {
        let share = fx.store.set_shared(project, id, true, audit(actor)).await;
        assert!(matches!(share, Err(StoreError::NotFound)), "set_shared for {what}: {share:?}");
        let delete = fx.store.delete_key(project, id, audit(actor)).await;
        assert!(matches!(delete, Err(StoreError::NotFound)), "delete for {what}: {delete:?}");
    }
    let still = fx.store.get_key(ProjectId(1), alice, private.id).await.unwrap();
    assert_eq!(still, Some(private), "nothing changed");
}

pub async fn changes_by_users_who_see_but_did_not_create_the_key_are_not_the_owners(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let bob = fx.user("bob", &[1]).await;
    let shared = fx.create(1, alice, "team-key", true).await.unwrap();
    let unshare = fx.store.set_shared(ProjectId(1), shared.id, false, audit(bob)).await;
    assert!(matches!(unshare, Err(StoreError::NotOwner)), "got {unshare:?}");
    let delete = fx.store.delete_key(ProjectId(1), shared.id, audit(bob)).await;
    assert!(matches!(delete, Err(StoreError::NotOwner)), "got {delete:?}");
    let still = fx.store.get_key(ProjectId(1), bob, shared.id).await.unwrap();
    assert_eq!(still, Some(shared), "the key is unchanged and still shared");
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM audit_events").await, 1, "only the create was recorded");
}

pub async fn a_deleted_key_is_gone_and_its_name_is_free_again(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let key = fx.create(1, alice, "old-laptop", false).await.unwrap();
    fx.store.delete_key(ProjectId(1), key.id, audit(alice)).await.unwrap();
    assert_eq!(fx.store.get_key(ProjectId(1), alice, key.id).await.unwrap(), None);
    let again = fx.store.delete_key(ProjectId(1), key.id, audit(alice)).await;
    assert!(matches!(again, Err(StoreError::NotFound)), "deleting twice: {again:?}");
    fx.create(1, alice, "old-laptop", true).await.expect("the name is free again");
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM ssh_keys").await, 1);
}

pub async fn bulk_insert_stores_every_key_and_counts_it_against_the_quota(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let bob = fx.user("bob", &[1]).await;
    let now = Timestamp::now();
    let keys: Vec<_> = (0..30)
        .map(|i| {
            let (project, owner) = if i < 20 { (1, alice) } else { (7, bob) };
            new_key(project, owner, &format!("bulk-{i:03}"), i % 4 != 0, now, KeyId(Uuid::new_v4()))
        })
        .collect();
    fx.bulk.bulk_insert(keys).await.unwrap();
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM ssh_keys").await, 30);
    assert_eq!(scalar(&fx.database, "SELECT key_count FROM projects WHERE id = 1").await, 20);
    assert_eq!(scalar(&fx.database, "SELECT key_count FROM projects WHERE id = 7").await, 10, "project 7 was created");
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM audit_events").await, 0, "bulk inserts are not audited");
    assert_eq!(fx.list_all(1, alice, KeyOrder::NameAsc, None).await.count, 20, "alice sees all of project 1");
    assert_eq!(fx.list_all(1, bob, KeyOrder::NameAsc, None).await.count, 15, "bob misses alice's 5 private keys");
    let over = fx.create_max(1, alice, "one-more", true, 20).await;
    assert!(matches!(over, Err(StoreError::QuotaExceeded(20))), "bulk keys count toward the quota: {over:?}");
}

pub async fn the_store_answers_pings(fx: &Fixture) {
    fx.store.ping().await.unwrap();
}
