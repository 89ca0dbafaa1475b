//! `POST /cloud/v1/ssh_keys/{project_id}`: import and generate.

use serde_json::json;
use uuid::Uuid;

use crate::helpers::{KEY_FIELDS, TestApp, field_names};
use crate::keygen::{keygen, md5_fingerprint, public_from_private};

#[tokio::test]
async fn generating_a_key_returns_a_private_key_that_ssh_keygen_loads() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let reply = app.create_key(&token, 1, json!({"name": "generated-1"})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let mut expected = KEY_FIELDS.to_vec();
    expected.push("private_key");
    expected.sort_unstable();
    assert_eq!(field_names(&reply.body), expected, "exactly CreatedSSHKeySerializer's fields");
    let private = reply.str("private_key");
    assert!(private.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    assert_eq!(public_from_private(private), reply.str("public_key"), "ssh-keygen -y derives the public key");
    assert_eq!(reply.str("fingerprint"), md5_fingerprint(reply.str("public_key")));
    assert_eq!(reply.body["state"], "ACTIVE");
    assert_eq!(reply.body["project_id"], 1);
    assert_eq!(reply.body["shared_in_project"], true, "shared by default");
    assert_eq!(Uuid::parse_str(reply.str("id")).unwrap().get_version_num(), 4);
    let created = time::OffsetDateTime::parse(reply.str("created_at"), &time::format_description::well_known::Rfc3339);
    assert!(created.is_ok(), "created_at is RFC 3339");
    assert!(reply.str("created_at").ends_with('Z'), "created_at is UTC");
    assert_eq!(reply.headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(app.count_rows("ssh_keys").await, 1);
}

#[tokio::test]
async fn importing_each_accepted_key_type_stores_it_with_ssh_keygens_fingerprint() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let kinds = [
        ("ed25519", None),
        ("ecdsa", Some(256)),
        ("ecdsa", Some(384)),
        ("ecdsa", Some(521)),
        ("rsa", Some(2048)),
        ("rsa", Some(3072)),
    ];
    for (i, (kind, bits)) in kinds.into_iter().enumerate() {
        let pair = keygen(kind, bits);
        let reply =
            app.create_key(&token, 1, json!({"name": format!("imported-{i}"), "public_key": pair.public})).await;
        assert_eq!(reply.status, 201, "{kind} {bits:?}: {}", reply.body);
        assert_eq!(reply.str("public_key"), pair.public, "{kind} {bits:?} stored as sent");
        assert_eq!(reply.str("fingerprint"), md5_fingerprint(&pair.public), "{kind} {bits:?} fingerprint");
        assert!(reply.body["private_key"].is_null(), "no private key for an import");
        assert!(reply.body.as_object().unwrap().contains_key("private_key"), "private_key is present as null");
    }
    assert_eq!(app.count_rows("ssh_keys").await, 6);
}

#[tokio::test]
async fn bad_public_keys_get_400_and_store_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let ed = keygen("ed25519", None);
    let data = ed.public.split(' ').nth(1).unwrap().to_owned();
    let cases = [
        ("ssh-dss AAAAB3NzaC1kc3MAAACBAP".to_owned(), "DSA"),
        (keygen("rsa", Some(1024)).public, "RSA 1024"),
        (format!("ssh-rsa {data}"), "label does not match the blob"),
        ("ssh-ed25519 %%%notbase64%%%".to_owned(), "garbage base64"),
        (format!("ssh-ed25519 {}", &data[..40]), "truncated base64"),
        (format!("{}\n{}", ed.public, ed.public), "two keys"),
        (ed.private.clone(), "private key pasted"),
        ("not a key".to_owned(), "free text"),
    ];
    for (public_key, why) in cases {
        let reply = app.create_key(&token, 1, json!({"name": "bad-key", "public_key": public_key})).await;
        reply.assert_error(400, "ValidationError");
        assert!(reply.body["invalid_fields"]["public_key"].is_string(), "{why}: {}", reply.body);
        let body = reply.body.to_string();
        assert!(!body.contains(&data) && !body.contains("b3BlbnNzaC1rZXktdjE"), "{why}: input echoed in {body}");
    }
    assert_eq!(app.count_rows("ssh_keys").await, 0, "nothing stored after rejections");
    assert_eq!(app.count_rows("audit_events").await, 0, "nothing audited after rejections");
}

#[tokio::test]
async fn names_outside_the_pattern_get_400_and_store_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let too_long = "a".repeat(64);
    let cases = [json!("ab"), json!(too_long), json!("-abc"), json!("abc-"), json!("a/bc"), json!(5), json!(null)];
    for name in cases {
        let reply = app.create_key(&token, 1, json!({"name": name})).await;
        reply.assert_error(400, "ValidationError");
        assert!(reply.body["invalid_fields"]["name"].is_string(), "name {name}: {}", reply.body);
    }
    assert_eq!(app.count_rows("ssh_keys").await, 0);
}

#[tokio::test]
async fn a_second_key_with_the_same_name_gets_409_but_another_project_is_fine() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1, 2]).await;
    assert_eq!(app.create_key(&token, 1, json!({"name": "dup-name"})).await.status, 201);
    let again = app.create_key(&token, 1, json!({"name": "dup-name"})).await;
    again.assert_error(409, "ConflictError");
    assert_eq!(again.headers.get("x-should-retry").unwrap(), "false", "SDKs must not retry a conflict");
    assert_eq!(app.create_key(&token, 2, json!({"name": "dup-name"})).await.status, 201);
    assert_eq!(app.count_rows("ssh_keys").await, 2);
}

#[tokio::test]
async fn concurrent_creates_of_one_name_give_exactly_one_201() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let token = app.token("alice", &[1]).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (app, token) = (app.clone(), token.clone());
            tokio::spawn(async move { app.create_key(&token, 1, json!({"name": "race-name"})).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "{statuses:?}");
    assert_eq!(app.count_rows("ssh_keys").await, 1);
}

#[tokio::test]
async fn shared_in_project_false_is_stored_and_returned() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let reply = app.create_key(&token, 1, json!({"name": "private-one", "shared_in_project": false})).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body["shared_in_project"], false);
    let id = reply.str("id");
    assert_eq!(app.get_key(&token, 1, id).await.body["shared_in_project"], false);
}
