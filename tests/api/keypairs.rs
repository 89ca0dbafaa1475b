//! `/cloud/v2/keypairs`: the stable Terraform provider's face over the same
//! keys, tokens, visibility, quota and audit trail as `/cloud/v1/ssh_keys`.

use serde_json::{Value, json};
use sshkeyd::config::Settings;
use sshkeyd::domain::ProjectId;

use crate::fingerprints::query_value;
use crate::helpers::{TestApp, field_names};
use crate::keygen::{keygen, md5_fingerprint, public_from_private, sha256_fingerprint};

/// The fields of a v2 key object, sorted.
pub const KEYPAIR_FIELDS: [&str; 11] = [
    "created_at",
    "fingerprint",
    "fingerprint_sha256",
    "is_owner",
    "private_key",
    "project_id",
    "public_key",
    "shared_in_project",
    "sshkey_id",
    "sshkey_name",
    "state",
];

#[tokio::test]
async fn a_key_created_on_one_face_is_the_same_key_on_the_other() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let public_key = format!("{}\n", keygen("ecdsa", Some(256)).public);
    let body = json!({"sshkey_name": "v2-key", "public_key": public_key, "project_id": 1});
    let created = app.create_keypair(&token, body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(field_names(&created.body), KEYPAIR_FIELDS);
    assert_eq!(created.str("public_key"), public_key, "byte for byte");
    assert_eq!(created.str("fingerprint"), md5_fingerprint(&public_key));
    assert_eq!(created.str("fingerprint_sha256"), sha256_fingerprint(&public_key), "as ssh-keygen -l prints it");
    assert_eq!((created.body["project_id"].clone(), created.body["private_key"].clone()), (json!(1), Value::Null));
    assert_eq!((created.body["shared_in_project"].clone(), created.str("state")), (json!(true), "ACTIVE"));
    assert_eq!(created.headers.get("cache-control").unwrap(), "no-store");
    let id = created.str("sshkey_id");

    let v1 = app.get_key(&token, 1, id).await;
    assert_eq!(
        (v1.str("name"), v1.str("public_key"), v1.str("fingerprint"), v1.str("fingerprint_sha256")),
        ("v2-key", public_key.as_str(), created.str("fingerprint"), created.str("fingerprint_sha256"))
    );
    assert_eq!(v1.str("created_at"), created.str("created_at"));
    let v1_created = app.create_key(&token, 1, json!({"name": "v1-key", "shared_in_project": false})).await;
    let got = app.get_keypair(&token, v1_created.str("id")).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(field_names(&got.body), KEYPAIR_FIELDS);
    assert_eq!((got.str("sshkey_name"), got.body["shared_in_project"].clone()), ("v1-key", json!(false)));
    assert_eq!(got.str("public_key"), v1_created.str("public_key"));
    assert_eq!(got.str("fingerprint_sha256"), v1_created.str("fingerprint_sha256"));
    assert!(got.body["private_key"].is_null(), "the private key is never returned again");

    let dup = app.create_keypair(&token, json!({"sshkey_name": "v1-key", "project_id": 1})).await;
    dup.assert_error(409, "ConflictError");
    assert_eq!(app.delete_keypair(&token, id).await.status, 204);
    app.get_keypair(&token, id).await.assert_error(404, "NotFoundError");
    app.get_key(&token, 1, id).await.assert_error(404, "NotFoundError");
    let actions: Vec<String> =
        app.store.audit_events(Some(ProjectId(1))).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["create", "create", "delete"], "the v2 face's writes are audited");
}

#[tokio::test]
async fn a_create_without_public_key_returns_the_generated_private_key_once() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let body = json!({"sshkey_name": "generated", "project_id": 1, "shared_in_project": false});
    let created = app.create_keypair(&token, body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(public_from_private(created.str("private_key")), created.str("public_key"));
    assert_eq!(created.body["shared_in_project"], false);
    assert!(app.get_keypair(&token, created.str("sshkey_id")).await.body["private_key"].is_null());
}

#[tokio::test]
async fn bad_requests_get_4xx_in_gcores_shape_and_store_nothing() {
    let app = TestApp::spawn_with(Settings { max_keys_per_project: Some(1), ..Settings::default() }).await;
    let token = app.token("alice", &[1, 2]).await;
    assert_eq!(app.create_keypair(&token, json!({"sshkey_name": "the-one", "project_id": 2})).await.status, 201);
    let rows = app.count_rows("ssh_keys").await;
    let cases = [
        (json!({"sshkey_name": "abc"}), 400, "project_id"),
        (json!({"sshkey_name": "abc", "project_id": "1"}), 400, "project_id"),
        (json!({"sshkey_name": "abc", "project_id": 1.5}), 400, "project_id"),
        (json!({"project_id": 1}), 400, "sshkey_name"),
        (json!({"sshkey_name": 7, "project_id": 1}), 400, "sshkey_name"),
        (
            json!({"sshkey_name": "abc", "project_id": 1, "public_key": "ssh-dss AAAAB3NzaC1kc3MAAACBAP"}),
            400,
            "public_key",
        ),
        (json!({"sshkey_name": "abc", "project_id": 3}), 403, ""),
        (json!({"sshkey_name": "abc", "project_id": 2}), 403, "quota"),
        (json!([1, 2]), 400, ""),
    ];
    for (body, status, field) in cases {
        let reply = app.create_keypair(&token, body.clone()).await;
        let class = if status == 400 { "ValidationError" } else { "ForbiddenError" };
        reply.assert_error(status, class);
        if status == 400 && !field.is_empty() {
            assert!(reply.body["invalid_fields"][field].is_string(), "{body}: {}", reply.body);
        }
        if field == "quota" {
            assert!(reply.body["message"].as_str().unwrap().contains("quota"), "{}", reply.body);
        }
    }
    let raw =
        app.raw(axum::http::Method::POST, "/cloud/v2/keypairs").header("Authorization", format!("APIKey {token}"));
    TestApp::reply(raw.header("Content-Type", "text/plain").body("{}").send().await.unwrap())
        .await
        .assert_error(415, "UnsupportedMediaTypeError");
    for (query, status) in [("", 400), ("project_id=x", 400), ("project_id=3", 403), ("project_id=1&limit=0", 400)] {
        let class = if status == 400 { "ValidationError" } else { "ForbiddenError" };
        app.list_keypairs(&token, query).await.assert_error(status, class);
    }
    app.get_keypair(&token, "not-a-uuid").await.assert_error(400, "ValidationError");
    let unauthenticated = app.request(axum::http::Method::GET, "/cloud/v2/keypairs?project_id=1", None, None).await;
    unauthenticated.assert_error(401, "AuthenticationError");
    assert_eq!(app.count_rows("ssh_keys").await, rows, "nothing stored after the rejections");
    assert_eq!(app.count_rows("audit_events").await, 1, "only the first create is audited");
}

#[tokio::test]
async fn by_id_a_key_is_found_only_where_the_token_may_see_it() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1, 2]).await;
    let bob = app.token("bob", &[1]).await;
    let carol = app.token("carol", &[2]).await;
    let create = |name: &str, project: i64, shared: bool| {
        app.create_keypair(&alice, json!({"sshkey_name": name, "project_id": project, "shared_in_project": shared}))
    };
    let shared = create("shared-key", 1, true).await;
    let private = create("private-key", 1, false).await;
    let (shared, private) = (shared.str("sshkey_id"), private.str("sshkey_id"));

    assert_eq!(app.get_keypair(&bob, shared).await.body["is_owner"], false, "bob sees alice's shared key");
    app.delete_keypair(&bob, shared).await.assert_error(403, "ForbiddenError");
    for id in [private, "36a7a97a-0672-4911-8f2b-92cd4e5b0d91"] {
        app.get_keypair(&bob, id).await.assert_error(404, "NotFoundError");
        app.delete_keypair(&bob, id).await.assert_error(404, "NotFoundError");
    }
    app.get_keypair(&carol, shared).await.assert_error(404, "NotFoundError");
    app.delete_keypair(&carol, shared).await.assert_error(404, "NotFoundError");
    assert_eq!(app.count_rows("ssh_keys").await, 2, "nothing deleted by others");
    assert_eq!(app.delete_keypair(&alice, private).await.status, 204);
}

#[tokio::test]
async fn the_list_pages_by_absolute_next_links_and_filters_by_user_name() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    let bob = app.token("bob", &[1]).await;
    for i in 0..5 {
        let token = if i < 3 { &alice } else { &bob };
        app.create_keypair(token, json!({"sshkey_name": format!("paged-{i}"), "project_id": 1})).await;
    }
    app.create_keypair(&bob, json!({"sshkey_name": "bob-private", "project_id": 1, "shared_in_project": false})).await;

    let mut url = format!("{}/cloud/v2/keypairs?project_id=1&limit=2", app.base);
    let mut names = Vec::new();
    for _ in 0..10 {
        let page = TestApp::reply(
            app.raw(axum::http::Method::GET, &url[app.base.len()..])
                .header("Authorization", format!("APIKey {alice}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.body["count"], 5, "alice does not see bob's private key");
        names.extend(
            page.body["results"].as_array().unwrap().iter().map(|k| k["sshkey_name"].as_str().unwrap().to_owned()),
        );
        let links = page.body["links"].as_array().unwrap();
        let Some(next) = links.iter().find(|l| l["rel"] == "next") else { break };
        url = next["href"].as_str().unwrap().to_owned();
        assert!(url.starts_with(&format!("{}/cloud/v2/keypairs?", app.base)), "absolute: {url}");
    }
    assert_eq!(names, ["paged-4", "paged-3", "paged-2", "paged-1", "paged-0"], "newest first, each once");

    let bobs = app.list_keypairs(&bob, "project_id=1&user_id=bob").await;
    assert_eq!(bobs.body["count"], 3, "{}", bobs.body);
    assert_eq!(bobs.body["links"], json!([]), "one page: no next link");
    assert_eq!(app.list_keypairs(&alice, "project_id=1&user_id=bob").await.body["count"], 2, "not bob's private key");
    assert_eq!(app.list_keypairs(&alice, "project_id=1&user_id=nobody").await.body["count"], 0);
}

#[tokio::test]
async fn the_list_filters_by_fingerprint_in_either_form_with_the_user_filter_and_the_next_links() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.token("alice", &[1]).await, app.token("bob", &[1]).await);
    let public_key = keygen("ed25519", None).public;
    let (sha, md5) = (sha256_fingerprint(&public_key), md5_fingerprint(&public_key));
    for (token, name, shared) in [(&alice, "a-copy", true), (&bob, "b-copy", true), (&bob, "b-hidden", false)] {
        let body = json!({"sshkey_name": name, "project_id": 1, "public_key": public_key, "shared_in_project": shared});
        assert_eq!(app.create_keypair(token, body).await.status, 201);
    }
    app.create_keypair(&alice, json!({"sshkey_name": "other", "project_id": 1})).await;
    let names = |reply: &crate::helpers::Reply| -> Vec<String> {
        assert_eq!(reply.status, 200, "{}", reply.body);
        let results = reply.body["results"].as_array().unwrap();
        assert_eq!(reply.body["count"], results.len(), "one page");
        let mut names: Vec<String> = results.iter().map(|k| k["sshkey_name"].as_str().unwrap().to_owned()).collect();
        names.sort();
        names
    };
    let cases = [
        (&alice, format!("fingerprint={}", query_value(&sha)), vec!["a-copy", "b-copy"]),
        (&alice, format!("fingerprint=MD5:{}", md5.to_uppercase()), vec!["a-copy", "b-copy"]),
        (&alice, format!("fingerprint={md5}&user_id=bob"), vec!["b-copy"]),
        (&bob, format!("fingerprint={md5}&user_id=bob"), vec!["b-copy", "b-hidden"]),
        (&alice, format!("fingerprint={}", query_value(&sha256_fingerprint(&keygen("ed25519", None).public))), vec![]),
    ];
    for (token, query, expected) in cases {
        assert_eq!(names(&app.list_keypairs(token, &format!("project_id=1&{query}")).await), expected, "{query}");
    }
    let first = app.list_keypairs(&alice, &format!("project_id=1&limit=1&fingerprint={}", query_value(&sha))).await;
    assert_eq!(first.body["count"], 2);
    let next = first.body["links"][0]["href"].as_str().unwrap();
    assert!(next.contains(&format!("fingerprint={}", query_value(&sha))), "the next page keeps the filter: {next}");
    let bad = app.list_keypairs(&alice, "project_id=1&fingerprint=SHA256:abc").await;
    bad.assert_error(400, "ValidationError");
    assert!(bad.body["invalid_fields"]["fingerprint"].is_string(), "{}", bad.body);
}
