//! The rest of the resource: list, get, update, delete, visibility, quota.

use std::collections::HashSet;

use serde_json::{Value, json};
use sshkeyd::config::Settings;
use time::format_description::well_known::Rfc3339;

use crate::helpers::{KEY_FIELDS, TestApp, field_names};

/// Creates `n` keys with names that do not sort like their creation order.
async fn create_many(app: &TestApp, token: &str, n: usize) -> Vec<Value> {
    let mut keys = Vec::new();
    for i in 0..n {
        let name = format!("{}-key-{i:02}", ["zeta", "Alpha", "mid", "beta"][i % 4]);
        let reply = app.create_key(token, 1, json!({"name": name})).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        keys.push(reply.body);
    }
    keys
}

fn expected_order(keys: &[Value], order: &str) -> Vec<String> {
    let mut sorted: Vec<&Value> = keys.iter().collect();
    let by = |k: &Value, f: &str| k[f].as_str().unwrap().to_owned();
    // As times, not strings: RFC 3339 drops trailing zeros of the fraction,
    // so ".1Z" would sort after ".12Z".
    let at = |k: &Value| time::OffsetDateTime::parse(&by(k, "created_at"), &Rfc3339).unwrap();
    match order {
        "created_at.asc" => sorted.sort_by_key(|k| (at(k), by(k, "id"))),
        "created_at.desc" => sorted.sort_by_key(|k| std::cmp::Reverse((at(k), by(k, "id")))),
        "name.asc" => sorted.sort_by_key(|k| by(k, "name")),
        "name.desc" => sorted.sort_by_key(|k| std::cmp::Reverse(by(k, "name"))),
        _ => unreachable!(),
    }
    sorted.into_iter().map(|k| by(k, "id")).collect()
}

#[tokio::test]
async fn every_page_size_and_order_returns_each_key_exactly_once_in_order() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let keys = create_many(&app, &token, 27).await;
    for order in ["created_at.asc", "created_at.desc", "name.asc", "name.desc"] {
        let expected = expected_order(&keys, order);
        for limit in [1, 4, 10, 27, 1000] {
            let mut seen = Vec::new();
            for page in 0..30 {
                let reply =
                    app.list_keys(&token, 1, &format!("limit={limit}&offset={}&order_by={order}", seen.len())).await;
                assert_eq!(reply.status, 200, "{}", reply.body);
                assert_eq!(reply.body["count"], 27, "count is the total, not the page ({order}, limit {limit})");
                let results = reply.body["results"].as_array().unwrap();
                assert!(results.len() <= limit, "page {page} respects limit {limit}");
                if results.is_empty() {
                    break;
                }
                seen.extend(results.iter().map(|k| k["id"].as_str().unwrap().to_owned()));
            }
            assert_eq!(seen, expected, "order {order}, limit {limit}");
        }
    }
    let default = app.list_keys(&token, 1, "").await;
    assert_eq!(default.body["results"].as_array().unwrap().len(), 10, "default limit is 10");
    let first_ids: Vec<&str> =
        default.body["results"].as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap()).collect();
    assert_eq!(first_ids, expected_order(&keys, "created_at.desc")[..10], "default order is created_at.desc");
}

#[tokio::test]
async fn get_and_list_show_exactly_the_ssh_key_fields() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let created = app.create_key(&token, 1, json!({"name": "fields-key"})).await;
    let got = app.get_key(&token, 1, created.str("id")).await;
    assert_eq!(got.status, 200);
    assert_eq!(field_names(&got.body), KEY_FIELDS, "get never shows private_key");
    let listed = app.list_keys(&token, 1, "").await;
    assert_eq!(field_names(&listed.body["results"][0]), KEY_FIELDS, "list never shows private_key");
    for field in ["id", "name", "public_key", "fingerprint", "created_at"] {
        assert_eq!(got.body[field], created.body[field], "{field} is the same as at creation");
    }
}

#[tokio::test]
async fn the_name_filter_is_a_literal_case_sensitive_substring() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    for name in ["web_01", "webx01", "Web-02", "db-01"] {
        assert_eq!(app.create_key(&token, 1, json!({"name": name})).await.status, 201);
    }
    let cases = [
        ("web", vec!["web_01", "webx01"], "case-sensitive"),
        ("Web", vec!["Web-02"], "case-sensitive the other way"),
        ("b_0", vec!["web_01"], "underscore is literal"),
        ("%25", vec![], "percent is literal"),
        ("%5C", vec![], "backslash is literal"),
        ("01", vec!["db-01", "web_01", "webx01"], "substring anywhere"),
    ];
    for (filter, expected, why) in cases {
        let reply = app.list_keys(&token, 1, &format!("name={filter}&order_by=name.asc")).await;
        let names: Vec<&str> =
            reply.body["results"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
        assert_eq!(names, expected, "{why}");
        assert_eq!(reply.body["count"], expected.len(), "{why}: count matches the filter");
    }
}

#[tokio::test]
async fn bad_list_parameters_get_400_with_invalid_fields() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    for (query, field) in
        [("limit=0", "limit"), ("limit=1001", "limit"), ("offset=-1", "offset"), ("order_by=id", "order_by")]
    {
        let reply = app.list_keys(&token, 1, query).await;
        reply.assert_error(400, "ValidationError");
        assert!(reply.body["invalid_fields"][field].is_string(), "{query}: {}", reply.body);
    }
}

#[tokio::test]
async fn an_unshared_key_exists_only_for_its_creator() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.token("alice", &[1]).await, app.token("bob", &[1]).await);
    let hidden = app.create_key(&alice, 1, json!({"name": "alice-only", "shared_in_project": false})).await;
    let shared = app.create_key(&alice, 1, json!({"name": "alice-shared"})).await;
    let id = hidden.str("id");
    app.get_key(&bob, 1, id).await.assert_error(404, "NotFoundError");
    app.update_key(&bob, 1, id, json!({"shared_in_project": true})).await.assert_error(404, "NotFoundError");
    app.delete_key(&bob, 1, id).await.assert_error(404, "NotFoundError");
    let bobs_view = app.list_keys(&bob, 1, "").await;
    assert_eq!(bobs_view.body["count"], 1, "bob counts only the shared key");
    assert_eq!(bobs_view.body["results"][0]["id"], shared.body["id"]);
    app.create_key(&bob, 1, json!({"name": "alice-only"})).await.assert_error(409, "ConflictError");
    assert_eq!(app.list_keys(&alice, 1, "").await.body["count"], 2, "alice sees both");
    assert_eq!(app.get_key(&alice, 1, id).await.status, 200);
}

#[tokio::test]
async fn only_the_creator_may_change_or_delete_a_shared_key() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.token("alice", &[1]).await, app.token("bob", &[1]).await);
    let id = app.create_key(&alice, 1, json!({"name": "team-key"})).await.str("id").to_owned();
    assert_eq!(app.get_key(&bob, 1, &id).await.status, 200, "bob can see it");
    app.update_key(&bob, 1, &id, json!({"shared_in_project": false})).await.assert_error(403, "ForbiddenError");
    app.delete_key(&bob, 1, &id).await.assert_error(403, "ForbiddenError");
    assert_eq!(app.count_rows("ssh_keys").await, 1);
}

#[tokio::test]
async fn patch_changes_sharing_and_keeps_counts_right() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.token("alice", &[1]).await, app.token("bob", &[1]).await);
    let id = app.create_key(&alice, 1, json!({"name": "toggle-key"})).await.str("id").to_owned();
    let reply = app.update_key(&alice, 1, &id, json!({"shared_in_project": false})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["shared_in_project"], false);
    assert_eq!(field_names(&reply.body), KEY_FIELDS);
    assert_eq!(app.list_keys(&bob, 1, "").await.body["count"], 0, "unshared: bob counts nothing");
    app.get_key(&bob, 1, &id).await.assert_error(404, "NotFoundError");
    app.update_key(&alice, 1, &id, json!({"shared_in_project": "no"})).await.assert_error(400, "ValidationError");
    let unchanged = app.update_key(&alice, 1, &id, json!({})).await;
    assert_eq!(
        (unchanged.status.as_u16(), &unchanged.body["shared_in_project"]),
        (200, &json!(false)),
        "{{}} changes nothing"
    );
    assert_eq!(app.update_key(&alice, 1, &id, json!({"shared_in_project": true})).await.status, 200);
    assert_eq!(app.list_keys(&bob, 1, "").await.body["count"], 1, "shared again");
    assert_eq!(app.count_rows("audit_events").await, 3, "create, unshare, share are audited");
}

#[tokio::test]
async fn delete_removes_the_key_at_once_and_frees_the_name() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let id = app.create_key(&token, 1, json!({"name": "short-lived"})).await.str("id").to_owned();
    let reply = app.delete_key(&token, 1, &id).await;
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_null(), "204 has no body");
    app.get_key(&token, 1, &id).await.assert_error(404, "NotFoundError");
    app.delete_key(&token, 1, &id).await.assert_error(404, "NotFoundError");
    assert_eq!(app.list_keys(&token, 1, "").await.body["count"], 0);
    assert_eq!(app.create_key(&token, 1, json!({"name": "short-lived"})).await.status, 201, "the name is free again");
}

#[tokio::test]
async fn the_quota_is_enforced_with_a_message_naming_the_limit() {
    let app = TestApp::spawn_with(Settings { max_keys_per_project: Some(3), ..Settings::default() }).await;
    let (alice, bob) = (app.token("alice", &[1]).await, app.token("bob", &[1]).await);
    let mut ids = HashSet::new();
    for i in 0..3 {
        let token = if i == 0 { &bob } else { &alice };
        ids.insert(
            app.create_key(token, 1, json!({"name": format!("quota-{i}"), "shared_in_project": i != 0}))
                .await
                .str("id")
                .to_owned(),
        );
    }
    let over = app.create_key(&alice, 1, json!({"name": "quota-3"})).await;
    over.assert_error(403, "ForbiddenError");
    assert!(over.str("message").contains("at most 3 SSH keys"), "names the limit: {}", over.body);
    assert_eq!(app.count_rows("ssh_keys").await, 3);
    let first = app.list_keys(&alice, 1, "").await.body["results"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.delete_key(&alice, 1, &first).await.status, 204);
    assert_eq!(app.create_key(&alice, 1, json!({"name": "quota-3"})).await.status, 201, "a delete frees a slot");
}
