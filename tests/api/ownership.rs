//! `is_owner`: every key object says whether the caller created the key, so
//! a client (the console) knows which keys it may share, unshare or delete.

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The `is_owner` of the listed key with `id`.
fn listed_is_owner(page: &Value, id: &str) -> Value {
    let results = page["results"].as_array().unwrap();
    results.iter().find(|k| k["id"] == id).unwrap_or_else(|| panic!("{id} not listed in {page}"))["is_owner"].clone()
}

#[tokio::test]
async fn a_shared_key_is_owned_for_its_creator_and_not_for_another_user() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    let bob = app.token("bob", &[1]).await;
    let created = app.create_key(&alice, 1, json!({"name": "alice-shared", "shared_in_project": true})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["is_owner"], true, "create answers for the creator");
    let id = created.str("id");

    assert_eq!(app.get_key(&alice, 1, id).await.body["is_owner"], true, "get by the creator");
    assert_eq!(app.get_key(&bob, 1, id).await.body["is_owner"], false, "get by another user");
    assert_eq!(listed_is_owner(&app.list_keys(&alice, 1, "").await.body, id), true, "list by the creator");
    assert_eq!(listed_is_owner(&app.list_keys(&bob, 1, "").await.body, id), false, "list by another user");
    let updated = app.update_key(&alice, 1, id, json!({"shared_in_project": true})).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["is_owner"], true, "PATCH by the creator");
    app.stop().await;
}

#[tokio::test]
async fn a_page_marks_only_the_callers_own_keys() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    let bob = app.token("bob", &[1]).await;
    let mine = app.create_key(&bob, 1, json!({"name": "bob-key"})).await;
    let theirs = app.create_key(&alice, 1, json!({"name": "alice-key"})).await;
    let page = app.list_keys(&bob, 1, "").await.body;
    assert_eq!(page["count"], 2);
    assert_eq!(listed_is_owner(&page, mine.str("id")), true);
    assert_eq!(listed_is_owner(&page, theirs.str("id")), false);
    app.stop().await;
}
