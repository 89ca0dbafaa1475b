//! `fingerprint_sha256` on every key object, checked against `ssh-keygen`,
//! and the list operation's `fingerprint` filter in either form.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::keygen::{keygen, md5_fingerprint, sha256_fingerprint};

/// A fingerprint as a query value: `+` and `/` percent-encoded.
pub fn query_value(fingerprint: &str) -> String {
    fingerprint.replace('+', "%2B").replace('/', "%2F").replace(':', "%3A")
}

fn ids(page: &Value) -> Vec<&str> {
    page["results"].as_array().unwrap().iter().map(|k| k["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn every_key_object_carries_the_sha256_fingerprint_ssh_keygen_prints() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let generated = app.create_key(&token, 1, json!({"name": "generated"})).await;
    assert_eq!(generated.status, 201, "{}", generated.body);
    let fingerprint = generated.str("fingerprint_sha256").to_owned();
    assert_eq!(fingerprint, sha256_fingerprint(generated.str("public_key")), "create, generated");
    let id = generated.str("id");
    assert_eq!(app.get_key(&token, 1, id).await.str("fingerprint_sha256"), fingerprint, "get");
    let listed = app.list_keys(&token, 1, "").await;
    assert_eq!(listed.body["results"][0]["fingerprint_sha256"], fingerprint.as_str(), "list");
    let patched = app.update_key(&token, 1, id, json!({"shared_in_project": false})).await;
    assert_eq!(patched.str("fingerprint_sha256"), fingerprint, "PATCH");
    for (i, (kind, bits)) in [("ed25519", None), ("ecdsa", Some(521)), ("rsa", Some(2048))].into_iter().enumerate() {
        let public = keygen(kind, bits).public;
        let imported = app.create_key(&token, 1, json!({"name": format!("imported-{i}"), "public_key": public})).await;
        assert_eq!(imported.status, 201, "{}", imported.body);
        assert_eq!(imported.str("fingerprint_sha256"), sha256_fingerprint(&public), "create, imported {kind}");
    }
}

#[tokio::test]
async fn the_list_finds_keys_by_either_fingerprint_exactly_and_only_visible_ones() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.token("alice", &[1]).await, app.token("bob", &[1]).await);
    let public = keygen("ed25519", None).public;
    let (sha, md5) = (sha256_fingerprint(&public), md5_fingerprint(&public));
    let mut wanted = Vec::new();
    for name in ["laptop", "again"] {
        let reply = app.create_key(&alice, 1, json!({"name": name, "public_key": public})).await;
        wanted.push((name, reply.str("id").to_owned()));
    }
    let hidden =
        app.create_key(&bob, 1, json!({"name": "bobs", "public_key": public, "shared_in_project": false})).await;
    app.create_key(&alice, 1, json!({"name": "other"})).await;
    wanted.sort();
    let expected: Vec<&str> = wanted.iter().map(|(_, id)| id.as_str()).collect();
    let spellings =
        [query_value(&sha), sha.replace('/', "%2F"), query_value(&md5), format!("MD5%3A{}", md5.to_ascii_uppercase())];
    for spelling in spellings {
        let page = app.list_keys(&alice, 1, &format!("fingerprint={spelling}&order_by=name.asc")).await;
        assert_eq!(page.status, 200, "{spelling}: {}", page.body);
        assert_eq!(page.body["count"], 2, "{spelling}: bob's unshared copy is not counted");
        assert_eq!(ids(&page.body), expected, "{spelling}");
    }
    let filtered = app.list_keys(&alice, 1, &format!("fingerprint={}&name=lap", query_value(&sha))).await;
    assert_eq!((filtered.body["count"].clone(), ids(&filtered.body)), (json!(1), vec![wanted[1].1.as_str()]));
    let paged = app.list_keys(&alice, 1, &format!("fingerprint={}&limit=1&offset=1&order_by=name.desc", &md5)).await;
    assert_eq!((paged.body["count"].clone(), ids(&paged.body)), (json!(2), vec![wanted[0].1.as_str()]));
    let by_bob = app.list_keys(&bob, 1, &format!("fingerprint={}", query_value(&sha))).await;
    assert_eq!(by_bob.body["count"], 3, "bob sees alice's shared copies and his own");
    assert!(ids(&by_bob.body).contains(&hidden.str("id")));
    let unknown = sha256_fingerprint(&keygen("ed25519", None).public);
    let none = app.list_keys(&alice, 1, &format!("fingerprint={}", query_value(&unknown))).await;
    assert_eq!((none.status.as_u16(), none.body["count"].clone()), (200, json!(0)));
}

#[tokio::test]
async fn malformed_fingerprints_are_a_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let token = app.token("alice", &[1]).await;
    let sha = sha256_fingerprint(&keygen("ed25519", None).public);
    let bad = [
        String::new(),
        "SHA256%3Aabc".into(),
        query_value(&sha.to_lowercase()),
        query_value(&format!("{sha}=")),
        "d4%3A1d".into(),
        format!("{}&fingerprint={}", query_value(&sha), query_value(&sha)),
    ];
    for value in bad {
        let reply = app.list_keys(&token, 1, &format!("fingerprint={value}")).await;
        reply.assert_error(400, "ValidationError");
        assert!(reply.body["invalid_fields"]["fingerprint"].is_string(), "{value}: {}", reply.body);
    }
}
