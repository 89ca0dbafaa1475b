//! `GET /cloud/v1/ssh_keys/{project_id}/authorized_keys`: the visible keys
//! as `authorized_keys` lines, filtered by owner and fingerprint.

use axum::http::Method;
use serde_json::json;

use crate::fingerprints::query_value;
use crate::helpers::{Reply, TestApp};
use crate::keygen::{export_public, keygen, md5_fingerprint, sha256_fingerprint};

/// `GET .../authorized_keys?{query}` with `token`.
pub async fn authorized_keys(app: &TestApp, token: &str, project: i64, query: &str) -> Reply {
    let path = format!("/cloud/v1/ssh_keys/{project}/authorized_keys?{query}");
    app.request(Method::GET, &path, Some(token), None).await
}

/// The body's lines; asserts a 200 with `text/plain; charset=utf-8`.
fn lines(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.headers["content-type"], "text/plain; charset=utf-8");
    let text = reply.body.as_str().unwrap_or("");
    assert!(text.is_empty() || text.ends_with('\n'), "every line ends in a newline: {text:?}");
    text.lines().map(str::to_owned).collect()
}

/// The line the endpoint gives a key: its type and base64, then its name.
fn line_of(public_key: &str, project: i64, name: &str) -> String {
    let fields: Vec<&str> = public_key.split_whitespace().collect();
    format!("{} {} sshkeyd:{project}/{name}", fields[0], fields[1])
}

#[tokio::test]
async fn each_visible_key_is_one_line_in_name_order_with_a_comment_naming_it() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.token("alice", &[1, 2]).await, app.token("bob", &[1]).await);
    let host = app.read_only_token("host-1", &[1]).await;
    let mut keys = Vec::new();
    for (token, name, shared) in
        [(&alice, "zz laptop", true), (&alice, "private", false), (&bob, "bobs-key", true), (&bob, "bobs-own", false)]
    {
        let public = format!("{} client-comment@somewhere", keygen("ed25519", None).public);
        let reply =
            app.create_key(token, 1, json!({"name": name, "public_key": public, "shared_in_project": shared})).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        keys.push(line_of(&public, 1, name));
    }
    app.create_key(&alice, 2, json!({"name": "elsewhere"})).await;
    let [zz, private, bobs_key, _bobs_own] = keys.clone().try_into().unwrap();
    assert_eq!(lines(&authorized_keys(&app, &alice, 1, "").await), [bobs_key.clone(), private, zz.clone()]);
    assert_eq!(lines(&authorized_keys(&app, &host, 1, "").await), [bobs_key, zz], "a host sees shared keys only");
    let text = authorized_keys(&app, &alice, 1, "").await.body.as_str().unwrap().to_owned();
    assert!(!text.contains("client-comment"), "the client's comment never reaches a line");
    let empty = authorized_keys(&app, &app.token("carol", &[3]).await, 3, "").await;
    assert_eq!((lines(&empty), empty.body.as_str()), (vec![], None), "no keys: 200 with an empty body");
}

/// `public_key` reads back as sent (blanks, a final newline) or as the
/// line an RFC 4716 or PEM block became; a line gets the key alone.
#[tokio::test]
async fn keys_sent_in_any_spelling_or_format_give_clean_lines_that_ssh_keygen_reads() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    let (ed25519, ecdsa, rsa) =
        (keygen("ed25519", None).public, keygen("ecdsa", Some(384)).public, keygen("rsa", Some(2048)).public);
    let loose = ed25519.replacen(' ', " \t  ", 1);
    let sent = [
        ("a-newline", format!("{ecdsa}\n"), &ecdsa),
        ("b-crlf-and-blanks", format!("  {loose}   me@laptop (work) \r\n"), &ed25519),
        ("c-rfc4716", export_public(&ed25519, "RFC4716"), &ed25519),
        ("d-spki", export_public(&ecdsa, "PKCS8"), &ecdsa),
        ("e-pkcs1", export_public(&rsa, "PEM"), &rsa),
    ];
    for (name, public_key, _) in &sent {
        let reply = app.create_key(&alice, 1, json!({"name": name, "public_key": public_key})).await;
        assert_eq!(reply.status, 201, "{name}: {}", reply.body);
    }
    let served = lines(&authorized_keys(&app, &alice, 1, "").await);
    assert_eq!(served.len(), sent.len());
    for (line, (name, _, original)) in served.iter().zip(&sent) {
        assert_eq!(*line, line_of(original, 1, name), "{name}: the canonical key, one space, the key's name");
        assert_eq!(sha256_fingerprint(line), sha256_fingerprint(original), "{name}: ssh-keygen reads the line");
    }
}

#[tokio::test]
async fn owner_and_fingerprint_filters_narrow_the_answer_exactly() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.token("alice", &[1]).await, app.token("bob", &[1]).await);
    let host = app.read_only_token("host-1", &[1]).await;
    let public = keygen("ecdsa", Some(256)).public;
    let (sha, md5) = (sha256_fingerprint(&public), md5_fingerprint(&public));
    app.create_key(&alice, 1, json!({"name": "alice-1", "public_key": public})).await;
    app.create_key(&bob, 1, json!({"name": "bob-copy", "public_key": public})).await;
    app.create_key(&bob, 1, json!({"name": "bob-hidden", "public_key": public, "shared_in_project": false})).await;
    app.create_key(&alice, 1, json!({"name": "alice-2"})).await;
    let names = |reply: &Reply| -> Vec<String> {
        lines(reply).iter().map(|l| l.rsplit_once('/').unwrap().1.to_owned()).collect()
    };
    let cases = [
        (&host, "owner=alice".to_owned(), vec!["alice-1", "alice-2"]),
        (&host, format!("fingerprint={}", query_value(&sha)), vec!["alice-1", "bob-copy"]),
        (&host, format!("fingerprint={md5}"), vec!["alice-1", "bob-copy"]),
        (&host, format!("fingerprint=MD5:{}", md5.to_uppercase()), vec!["alice-1", "bob-copy"]),
        (&host, format!("owner=bob&fingerprint={}", query_value(&sha)), vec!["bob-copy"]),
        (&bob, format!("owner=bob&fingerprint={}", query_value(&sha)), vec!["bob-copy", "bob-hidden"]),
        (&alice, "owner=bob".to_owned(), vec!["bob-copy"]),
        (&host, "owner=nobody".to_owned(), vec![]),
        (&host, format!("fingerprint={}", query_value(&sha256_fingerprint(&keygen("ed25519", None).public))), vec![]),
    ];
    for (token, query, expected) in cases {
        assert_eq!(names(&authorized_keys(&app, token, 1, &query).await), expected, "{query}");
    }
}

#[tokio::test]
async fn bad_queries_and_callers_get_gcores_error_shape() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    let bad = [
        ("owner=a&owner=b", "owner"),
        ("owner=", "owner"),
        ("owner=%0Aroot", "owner"),
        ("fingerprint=SHA256:abc", "fingerprint"),
        ("fingerprint=", "fingerprint"),
        ("limit=10", "limit"),
        ("name=laptop", "name"),
    ];
    for (query, field) in bad {
        let reply = authorized_keys(&app, &alice, 1, query).await;
        reply.assert_error(400, "ValidationError");
        assert!(reply.body["invalid_fields"][field].is_string(), "{query}: {}", reply.body);
    }
    authorized_keys(&app, &alice, 2, "").await.assert_error(403, "ForbiddenError");
    authorized_keys(&app, &alice, 0, "").await.assert_error(400, "ValidationError");
    let anonymous = app.request(Method::GET, "/cloud/v1/ssh_keys/1/authorized_keys", None, None).await;
    anonymous.assert_error(401, "AuthenticationError");
}

#[tokio::test]
async fn the_authorized_keys_segment_is_never_read_as_a_key_id() {
    let app = TestApp::spawn().await;
    let alice = app.token("alice", &[1]).await;
    let created = app.create_key(&alice, 1, json!({"name": "laptop"})).await;
    for method in [Method::PATCH, Method::DELETE, Method::POST, Method::PUT] {
        let body = json!({"shared_in_project": false});
        let reply =
            app.request(method.clone(), "/cloud/v1/ssh_keys/1/authorized_keys", Some(&alice), Some(&body)).await;
        reply.assert_error(405, "MethodNotAllowedError");
    }
    assert_eq!(app.get_key(&alice, 1, created.str("id")).await.status, 200, "key ids still route to the key");
    assert_eq!(app.get_key(&alice, 1, "authorized_key").await.status, 400, "a near miss is a bad key id");
    assert_eq!(app.count_rows("ssh_keys").await, 1);
}
