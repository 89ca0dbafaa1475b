//! terraform-provider-gcore v2.0.0-alpha.11: the `gcore_cloud_ssh_key`
//! resource's create, refresh, update, destroy and import, and the
//! `gcore_cloud_ssh_key(s)` data sources, each request as the provider has
//! gcore-go v0.50.0 send it.

use axum::http::Method;
use serde_json::json;

use super::gcore_go::{assert_go_decodes_a_key, assert_key_fields, go};
use super::json_string;
use crate::helpers::TestApp;
use crate::keygen::{keygen, md5_fingerprint};

#[tokio::test]
async fn the_resource_reads_back_its_public_key_byte_for_byte_through_its_whole_life() {
    let app = TestApp::spawn().await;
    let token = app.token("tf-user", &[1]).await;
    // `file("~/.ssh/id_ed25519.pub")`: with the trailing newline.
    let config = format!("{}\n", keygen("ed25519", None).public);
    let collection = "/cloud/v1/ssh_keys/1";

    // apply: `apijson.MarshalRoot` sorts the keys; the default `true` is sent.
    let body = format!(r#"{{"name":"tf2-key","public_key":{},"shared_in_project":true}}"#, json_string(&config));
    let created = go(&app, &token, Method::POST, collection, Some(&body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_go_decodes_a_key(&created, true);
    assert_eq!(created.body["shared_in_project"], true, "as planned, or 'inconsistent result after apply'");
    assert_eq!(created.str("fingerprint"), md5_fingerprint(&config));
    let item = format!("{collection}/{}", created.str("id"));

    // plan: refresh overwrites every attribute; `public_key` is RequiresReplace.
    let refreshed = go(&app, &token, Method::GET, &item, None).await;
    assert_eq!(refreshed.status, 200);
    assert_go_decodes_a_key(&refreshed, false);
    assert_eq!(refreshed.str("public_key"), config, "no diff, so no replacement");
    assert_eq!(refreshed.str("name"), "tf2-key");
    let state = refreshed.body.clone();

    // update: `MarshalForPatch` drops unchanged fields: `{}` when none changed.
    let audited = app.count_rows("audit_events").await;
    let unchanged = go(&app, &token, Method::PATCH, &item, Some("{}")).await;
    assert_eq!(unchanged.status, 200, "{}", unchanged.body);
    assert_eq!(unchanged.body, state, "an empty PATCH changes nothing");
    assert_eq!(app.count_rows("audit_events").await, audited, "and records nothing");
    let unshared = go(&app, &token, Method::PATCH, &item, Some(r#"{"shared_in_project":false}"#)).await;
    assert_eq!((unshared.status.as_u16(), &unshared.body["shared_in_project"]), (200, &json!(false)));
    let refreshed = go(&app, &token, Method::GET, &item, None).await;
    assert_eq!((refreshed.str("public_key"), &refreshed.body["shared_in_project"]), (config.as_str(), &json!(false)));

    // import `1/<id>`: the same GET.
    assert_eq!(go(&app, &token, Method::GET, &item, None).await.body, refreshed.body);

    // destroy: refresh, then DELETE (any status below 400).
    assert_eq!(go(&app, &token, Method::GET, &item, None).await.status, 200);
    assert_eq!(go(&app, &token, Method::DELETE, &item, None).await.status, 204);
    // The next refresh gets 404 and drops the resource from the state.
    go(&app, &token, Method::GET, &item, None).await.assert_error(404, "NotFoundError");
}

#[tokio::test]
async fn an_empty_patch_is_still_only_for_the_keys_creator() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    let bob = app.token("bob", &[1]).await;
    let shared = app.create_key(&alice, 1, json!({"name": "shared-key"})).await;
    let private = app.create_key(&alice, 1, json!({"name": "private-key", "shared_in_project": false})).await;
    let path = |reply: &crate::helpers::Reply| format!("/cloud/v1/ssh_keys/1/{}", reply.str("id"));
    go(&app, &bob, Method::PATCH, &path(&shared), Some("{}")).await.assert_error(403, "ForbiddenError");
    go(&app, &bob, Method::PATCH, &path(&private), Some("{}")).await.assert_error(404, "NotFoundError");
    go(&app, &alice, Method::PATCH, &path(&shared), Some("[]")).await.assert_error(400, "ValidationError");
}

#[tokio::test]
async fn the_data_sources_find_keys_with_order_by_in_any_case() {
    let app = TestApp::spawn().await;
    let token = app.token("tf-user", &[1]).await;
    let collection = "/cloud/v1/ssh_keys/1";
    for i in (0..12).rev() {
        let body = format!(r#"{{"name":"tf2-ds-{i:02}"}}"#);
        assert_eq!(go(&app, &token, Method::POST, collection, Some(&body)).await.status, 201);
    }
    // `gcore_cloud_ssh_keys`: `List` without limit (10 a page), then
    // `GetNextPage` until a page is empty or `max_items` is reached.
    let mut names = Vec::new();
    let mut query = "name=tf2-ds&order_by=NAME.ASC".to_owned();
    for _ in 0..5 {
        let page = go(&app, &token, Method::GET, &format!("{collection}?{query}"), None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let results = page.body["results"].as_array().unwrap();
        results.iter().for_each(|key| assert_key_fields(key, false));
        names.extend(results.iter().map(|k| k["name"].as_str().unwrap().to_owned()));
        let next = names.len();
        if results.is_empty() || next as u64 >= page.body["count"].as_u64().unwrap() {
            break;
        }
        query = format!("name=tf2-ds&offset={next}&order_by=NAME.ASC");
    }
    let expected: Vec<String> = (0..12).map(|i| format!("tf2-ds-{i:02}")).collect();
    assert_eq!(names, expected, "ascending by name, across two pages");

    // `gcore_cloud_ssh_key` with `find_one_by`: one page, exactly one result,
    // then a GET of its id.
    let found = go(&app, &token, Method::GET, &format!("{collection}?name=tf2-ds-07&order_by=Name.Desc"), None).await;
    let results = found.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{}", found.body);
    let id = results[0]["id"].as_str().unwrap();
    let key = go(&app, &token, Method::GET, &format!("{collection}/{id}"), None).await;
    assert_eq!(key.str("name"), "tf2-ds-07");
}
