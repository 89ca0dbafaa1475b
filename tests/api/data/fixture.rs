//! A store worth moving: several users and projects, shared and unshared
//! keys sent in different formats and spellings, generated keys, a
//! read-only, an expiring and a revoked token, and an audit trail with
//! every action; and everything its tokens can observe through the API.

use axum::http::Method;
use serde_json::{Value, json};
use sshkeyd::domain::{ProjectId, TokenId};
use sshkeyd::tokens::{Access, TokenLifetime, issue_token_with};

use crate::helpers::{TestApp, user_name};
use crate::keygen::{export_public, keygen};

/// A token and what it was issued for.
pub struct Holder {
    pub label: &'static str,
    pub token: String,
    pub projects: Vec<i64>,
}

/// Issues the tokens and creates, changes and deletes keys through the API.
pub async fn populate(app: &TestApp) -> Vec<Holder> {
    let alice = app.token("alice", &[1, 2]).await;
    let bob = app.token("bob", &[1, 2]).await;
    let carol = app.read_only_token("carol", &[1, 2]).await;
    let ninety_days = TokenLifetime::parse("90d").unwrap();
    let (dave, projects) = (user_name("dave"), [ProjectId(3)]);
    let issued = issue_token_with(app.store.as_ref(), &dave, &projects, Some(ninety_days), Access::ReadWrite).await;
    let dave = issued.unwrap().text.to_string();
    let eve = app.token("eve", &[1]).await;
    app.store.revoke_token(&TokenId(eve[4..20].to_owned())).await.unwrap();

    let ed25519 = keygen("ed25519", None).public;
    let rfc4716 = export_public(&keygen("ecdsa", Some(256)).public, "RFC4716");
    let (key_type, rest) =
        keygen("ed25519", None).public.split_once(' ').map(|(t, r)| (t.to_owned(), r.to_owned())).unwrap();
    let spaced = format!("  {key_type}\t{}  dave@host  (tabs)\r\n", rest.split(' ').next().unwrap());
    let creates = [
        (&alice, 1, json!({"name": "laptop", "public_key": format!("{ed25519}\n")})),
        (&alice, 1, json!({"name": "work key.1"})),
        (
            &alice,
            1,
            json!({"name": "secret-a", "shared_in_project": false, "public_key": keygen("ecdsa", Some(384)).public}),
        ),
        (&bob, 1, json!({"name": "laptop2", "public_key": rfc4716})),
        (&bob, 1, json!({"name": "bob_private", "shared_in_project": false})),
        (&dave, 3, json!({"name": "dave-key", "public_key": spaced})),
    ];
    let mut ids = Vec::new();
    for (token, project, body) in creates {
        ids.push(created(app, token, project, body).await);
    }
    for i in 1..=6 {
        let token = if i % 2 == 0 { &alice } else { &bob };
        let body = json!({"name": format!("k-0{i}"), "shared_in_project": i != 3});
        ids.push(created(app, token, 2, body).await);
    }
    // Every audit action: share changes both ways, and a delete.
    assert_eq!(app.update_key(&bob, 1, &ids[3], json!({"shared_in_project": false})).await.status, 200);
    assert_eq!(app.update_key(&bob, 1, &ids[3], json!({"shared_in_project": true})).await.status, 200);
    assert_eq!(app.update_key(&alice, 2, &ids[7], json!({"shared_in_project": false})).await.status, 200);
    assert_eq!(app.delete_key(&alice, 2, &ids[9]).await.status, 204);
    vec![
        Holder { label: "alice", token: alice, projects: vec![1, 2] },
        Holder { label: "bob", token: bob, projects: vec![1, 2] },
        Holder { label: "carol (read-only)", token: carol, projects: vec![1, 2] },
        Holder { label: "dave (expiring)", token: dave, projects: vec![3] },
        Holder { label: "eve (revoked)", token: eve, projects: vec![1] },
    ]
}

async fn created(app: &TestApp, token: &str, project: i64, body: Value) -> String {
    let reply = app.create_key(token, project, body).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.str("id").to_owned()
}

/// The v1 list queries every holder asks in each of its projects.
const LIST_QUERIES: [&str; 9] = [
    "",
    "order_by=name.asc",
    "order_by=NAME.DESC",
    "order_by=created_at.asc",
    "limit=2",
    "limit=2&offset=2",
    "limit=3&offset=1&order_by=name.desc",
    "name=k-0",
    "name=lap&order_by=name.asc",
];

/// Every answer the holders get: each list page (several orders, limits,
/// offsets, name and user filters, both faces), each key they can see by
/// id on both faces, and `authorized_keys` with and without an owner, as
/// `(who and what, status and body)`; the server's own address is blanked
/// out of the v2 `next` links, and request ids out of errors.
pub async fn observe(app: &TestApp, holders: &[Holder]) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    for holder in holders {
        let mut paths = Vec::new();
        for p in &holder.projects {
            paths.extend(LIST_QUERIES.iter().map(|q| format!("/cloud/v1/ssh_keys/{p}?{q}")));
            for q in ["", "&limit=2&offset=1", "&user_id=bob", "&user_id=alice&limit=1"] {
                paths.push(format!("/cloud/v2/keypairs?project_id={p}{q}"));
            }
            for q in ["", "owner=alice", "owner=bob"] {
                paths.push(format!("/cloud/v1/ssh_keys/{p}/authorized_keys?{q}"));
            }
            let listed = app.list_keys(&holder.token, *p, "limit=1000").await;
            for key in listed.body["results"].as_array().into_iter().flatten() {
                let id = key["id"].as_str().unwrap();
                paths.push(format!("/cloud/v1/ssh_keys/{p}/{id}"));
                paths.push(format!("/cloud/v2/keypairs/{id}"));
            }
        }
        for path in paths {
            let mut reply = app.request(Method::GET, &path, Some(&holder.token), None).await;
            // An error's request id is new on every request.
            reply.body.as_object_mut().map(|error| error.remove("request_id"));
            let body = serde_json::to_string(&reply.body).unwrap().replace(&app.base, "BASE");
            seen.push((format!("{} GET {path}", holder.label), format!("{} {body}", reply.status)));
        }
    }
    seen
}
