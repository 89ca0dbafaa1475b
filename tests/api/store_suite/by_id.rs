//! What the v2 face needs of the store: a key found by id alone, among the
//! projects a token grants, and a list filtered by the creator's name.

use sshkeyd::domain::{KeyId, KeyOrder, ProjectId, UserId};
use sshkeyd::store::ListQuery;
use uuid::Uuid;

use super::fixture::Fixture;

pub async fn a_key_is_found_by_id_only_when_visible_and_in_a_granted_project(fx: &Fixture) {
    let alice = fx.user("alice", &[1, 2]).await;
    let bob = fx.user("bob", &[1]).await;
    let shared = fx.create(1, alice, "shared-one", true).await.unwrap();
    let unshared = fx.create(1, alice, "unshared-one", false).await.unwrap();
    let elsewhere = fx.create(2, alice, "elsewhere", true).await.unwrap();
    let find = |viewer: UserId, id: KeyId, projects: &'static [ProjectId]| fx.store.get_key_by_id(viewer, id, projects);
    const BOTH: &[ProjectId] = &[ProjectId(1), ProjectId(2)];
    const FIRST: &[ProjectId] = &[ProjectId(1)];
    assert_eq!(find(alice, shared.id, BOTH).await.unwrap(), Some(shared.clone()), "the creator, shared");
    assert_eq!(find(alice, unshared.id, FIRST).await.unwrap(), Some(unshared.clone()), "the creator, unshared");
    assert_eq!(find(alice, elsewhere.id, BOTH).await.unwrap(), Some(elsewhere.clone()), "another granted project");
    assert_eq!(find(bob, shared.id, FIRST).await.unwrap(), Some(shared), "another user, shared");
    assert_eq!(find(bob, unshared.id, FIRST).await.unwrap(), None, "another user's unshared key");
    assert_eq!(find(alice, elsewhere.id, FIRST).await.unwrap(), None, "a project the token does not grant");
    assert_eq!(find(alice, KeyId(Uuid::new_v4()), BOTH).await.unwrap(), None, "no such key");
    assert_eq!(find(alice, unshared.id, &[]).await.unwrap(), None, "no project at all");
}

pub async fn the_owner_filter_lists_and_counts_that_users_keys_the_viewer_may_see(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let bob = fx.user("bob", &[1]).await;
    for (owner, name, shared) in
        [(alice, "a-shared", true), (alice, "a-private", false), (bob, "b-shared", true), (bob, "b-private", false)]
    {
        fx.create(1, owner, name, shared).await.unwrap();
    }
    let list = |viewer: UserId, owner: Option<&str>, name: Option<&str>, limit: u32| {
        let query = ListQuery {
            project: ProjectId(1),
            viewer,
            limit,
            offset: 0,
            name_contains: name.map(str::to_owned),
            owner_name: owner.map(str::to_owned),
            order: KeyOrder::NameAsc,
            fingerprint: None,
        };
        async move {
            let page = fx.store.list_keys(&query).await.unwrap();
            (page.count, page.keys.into_iter().map(|k| k.name).collect::<Vec<_>>())
        }
    };
    assert_eq!(list(alice, Some("alice"), None, 10).await, (2, vec!["a-private".into(), "a-shared".into()]));
    assert_eq!(list(alice, Some("bob"), None, 10).await, (1, vec!["b-shared".into()]), "not bob's unshared key");
    assert_eq!(list(bob, Some("bob"), Some("priv"), 10).await, (1, vec!["b-private".into()]), "with the name filter");
    assert_eq!(list(alice, Some("alice"), None, 1).await, (2, vec!["a-private".into()]), "count is the total");
    assert_eq!(list(alice, Some("nobody"), None, 10).await, (0, vec![]), "an unknown user has no keys");
    assert_eq!(list(alice, Some("ALICE"), None, 10).await, (0, vec![]), "user names are case-sensitive");
    assert_eq!(list(alice, None, None, 10).await.0, 3, "no filter: everything alice sees");
}
