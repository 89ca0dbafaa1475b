//! The counter columns behind O(1) list totals and the quota must always
//! equal what counting the rows gives.

use sshkeyd::domain::{KeyOrder, ProjectId, UserId};

use super::fixture::{Fixture, audit};
use crate::helpers::scalar;

/// Compares every counter of project 1 with a count of its rows, and each
/// viewer's list total with the keys they can actually see.
async fn assert_counters_match_rows(fx: &Fixture, owners: &[(&str, UserId)], step: &str) {
    let rows = scalar(&fx.database, "SELECT count(*) FROM ssh_keys WHERE project_id = 1").await;
    let shared_rows = scalar(&fx.database, "SELECT count(*) FROM ssh_keys WHERE project_id = 1 AND shared").await;
    assert_eq!(
        scalar(&fx.database, "SELECT key_count FROM projects WHERE id = 1").await,
        rows,
        "key_count after {step}"
    );
    assert_eq!(
        scalar(&fx.database, "SELECT shared_count FROM projects WHERE id = 1").await,
        shared_rows,
        "shared_count after {step}"
    );
    for (who, owner) in owners {
        let private_rows = scalar(
            &fx.database,
            &format!("SELECT count(*) FROM ssh_keys WHERE project_id = 1 AND owner_id = {} AND NOT shared", owner.0),
        )
        .await;
        let counter = scalar(
            &fx.database,
            &format!(
                "SELECT COALESCE((SELECT n FROM private_key_counts WHERE project_id = 1 AND owner_id = {}), 0)",
                owner.0
            ),
        )
        .await;
        assert_eq!(counter, private_rows, "{who}'s private count after {step}");
        let listed = fx.list_all(1, *owner, KeyOrder::default(), None).await;
        assert_eq!(listed.count, listed.keys.len() as u64, "{who}'s list total after {step}");
        assert_eq!(listed.count as i64, shared_rows + private_rows, "{who}'s visible keys after {step}");
    }
}

pub async fn counters_match_the_rows_after_creates_shares_unshares_and_deletes(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let bob = fx.user("bob", &[1]).await;
    let owners = [("alice", alice), ("bob", bob)];
    let p = ProjectId(1);
    let a = fx.create(1, alice, "key-a", true).await.unwrap();
    let b = fx.create(1, alice, "key-b", false).await.unwrap();
    let c = fx.create(1, bob, "key-c", false).await.unwrap();
    assert_counters_match_rows(fx, &owners, "three creates").await;
    fx.store.set_shared(p, a.id, false, audit(alice)).await.unwrap();
    assert_counters_match_rows(fx, &owners, "unsharing a").await;
    fx.store.set_shared(p, b.id, true, audit(alice)).await.unwrap();
    assert_counters_match_rows(fx, &owners, "sharing b").await;
    fx.store.set_shared(p, b.id, true, audit(alice)).await.unwrap();
    assert_counters_match_rows(fx, &owners, "sharing b again").await;
    fx.store.delete_key(p, c.id, audit(bob)).await.unwrap();
    assert_counters_match_rows(fx, &owners, "deleting bob's private c").await;
    fx.store.delete_key(p, a.id, audit(alice)).await.unwrap();
    assert_counters_match_rows(fx, &owners, "deleting alice's private a").await;
    fx.create(1, bob, "key-d", false).await.unwrap();
    assert_counters_match_rows(fx, &owners, "bob creating d").await;
    assert_eq!(scalar(&fx.database, "SELECT key_count FROM projects WHERE id = 1").await, 2, "b and d are left");
}

pub async fn concurrent_shares_and_unshares_of_one_key_keep_the_counters_right(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let key = fx.create(1, alice, "flapping", true).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..24 {
        let store = fx.store.clone();
        tasks.spawn(async move { store.set_shared(ProjectId(1), key.id, i % 2 == 0, audit(alice)).await });
    }
    for result in tasks.join_all().await {
        result.expect("every change succeeds");
    }
    assert_counters_match_rows(fx, &[("alice", alice)], "24 concurrent share changes").await;
    // Only real changes are recorded, so the events alternate, starting
    // from shared, and the last one is the key's state now.
    let events = fx.store.audit_events(Some(ProjectId(1))).await.unwrap();
    let changes: Vec<&str> = events.iter().map(|e| e.action.as_str()).filter(|a| *a != "create").collect();
    assert!((1..=24).contains(&changes.len()), "one event per real change: {changes:?}");
    for (i, action) in changes.iter().enumerate() {
        let expected = if i % 2 == 0 { "unshare" } else { "share" };
        assert_eq!(*action, expected, "event {i} alternates: {changes:?}");
    }
    let now = fx.store.get_key(ProjectId(1), alice, key.id).await.unwrap().expect("the key").shared;
    assert_eq!(now, changes.last() == Some(&"share"), "the last event is the state now: {changes:?}");
}
