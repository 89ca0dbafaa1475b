//! Read-only tokens: they list, get and read `authorized_keys`, and every
//! write is a 403 that changes nothing.

use serde_json::json;

use crate::authorized_keys::authorized_keys;
use crate::helpers::{Reply, TestApp};
use crate::keygen::keygen;

fn assert_read_only_refusal(reply: &Reply, what: &str) {
    reply.assert_error(403, "ForbiddenError");
    assert_eq!(reply.body["message"], "this API token is read-only", "{what}");
}

#[tokio::test]
async fn a_read_only_token_reads_everything_it_sees_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    let created = app.create_key(&alice, 1, json!({"name": "laptop"})).await;
    let id = created.str("id");
    // The same user as the key's owner: read-only limits the token, not the user.
    let reader = app.read_only_token("alice", &[1]).await;
    assert_eq!(app.list_keys(&reader, 1, "").await.body["count"], 1);
    let got = app.get_key(&reader, 1, id).await;
    assert_eq!((got.status.as_u16(), got.body["is_owner"].clone()), (200, json!(true)));
    assert_eq!(authorized_keys(&app, &reader, 1, "").await.status, 200);
    let (rows, events) = (app.count_rows("ssh_keys").await, app.count_rows("audit_events").await);
    let refusals = [
        (app.create_key(&reader, 1, json!({"name": "new-key"})).await, "create"),
        (app.create_key(&reader, 1, json!({"name": 5})).await, "create with a bad body: 403 before validation"),
        (app.update_key(&reader, 1, id, json!({"shared_in_project": false})).await, "PATCH"),
        (app.delete_key(&reader, 1, id).await, "DELETE"),
    ];
    for (reply, what) in refusals {
        assert_read_only_refusal(&reply, what);
    }
    assert_eq!((app.count_rows("ssh_keys").await, app.count_rows("audit_events").await), (rows, events));
    assert_eq!(app.get_key(&alice, 1, id).await.body["shared_in_project"], true, "still shared");
    let other_project = app.create_key(&reader, 2, json!({"name": "new-key"})).await;
    other_project.assert_error(403, "ForbiddenError");
    assert_ne!(other_project.body["message"], "this API token is read-only", "no access comes first");
}

/// The v2 face enters a project through the same check as v1, so the
/// stable Terraform provider with a host's token can add or delete nothing.
#[tokio::test]
async fn a_read_only_token_reads_the_v2_face_and_writes_nothing_there() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    let created = app.create_keypair(&alice, json!({"sshkey_name": "laptop", "project_id": 1})).await;
    let id = created.str("sshkey_id");
    let private =
        app.create_keypair(&alice, json!({"sshkey_name": "mine", "project_id": 1, "shared_in_project": false}));
    let private = private.await;
    let reader = app.read_only_token("alice", &[1]).await;
    assert_eq!(app.get_keypair(&reader, id).await.body["is_owner"], true);
    assert_eq!(app.list_keypairs(&reader, "project_id=1").await.body["count"], 2);
    let (rows, events) = (app.count_rows("ssh_keys").await, app.count_rows("audit_events").await);
    let public_key = format!("{}\n", keygen("ed25519", None).public);
    let refusals = [
        (app.create_keypair(&reader, json!({"sshkey_name": "new-key", "project_id": 1})).await, "generate"),
        (
            app.create_keypair(&reader, json!({"sshkey_name": "new-key", "project_id": 1, "public_key": public_key}))
                .await,
            "import",
        ),
        (app.delete_keypair(&reader, id).await, "DELETE of a shared key it created"),
        (app.delete_keypair(&reader, private.str("sshkey_id")).await, "DELETE of an unshared key it created"),
    ];
    for (reply, what) in refusals {
        assert_read_only_refusal(&reply, what);
    }
    assert_eq!((app.count_rows("ssh_keys").await, app.count_rows("audit_events").await), (rows, events));
    assert_eq!(app.get_keypair(&alice, id).await.status, 200, "still there");
    let other_project = app.create_keypair(&reader, json!({"sshkey_name": "new-key", "project_id": 2})).await;
    other_project.assert_error(403, "ForbiddenError");
    assert_ne!(other_project.body["message"], "this API token is read-only", "no access comes first");
}
