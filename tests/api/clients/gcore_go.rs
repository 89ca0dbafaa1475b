//! gcore-go v0.50.0 (`SSHKeyService`): create with and without a public
//! key, get, list with its auto-pager, update, delete, as the SDK sends them.

use axum::http::Method;
use serde_json::Value;

use super::{assert_rfc3339, header, json_string, send};
use crate::helpers::{Reply, TestApp};
use crate::keygen::{keygen, md5_fingerprint, public_from_private};

/// The headers gcore-go sends (`getDefaultHeaders`, `WithAPIKey`), then the
/// `Accept-Encoding` Go's transport adds. DELETE sends `Accept: */*`; only
/// requests with a body have a `Content-Type`.
pub fn go_headers(token: &str, method: &Method, body: bool) -> Vec<(&'static str, String)> {
    let accept = if *method == Method::DELETE { "*/*" } else { "application/json" };
    let mut headers = vec![("Accept", accept.to_owned()), ("Authorization", format!("APIKey {token}"))];
    if body {
        headers.push(("Content-Type", "application/json".into()));
    }
    headers.extend([
        ("User-Agent", "Gcore/Go 0.50.0".to_owned()),
        ("X-Stainless-Arch", "x64".into()),
        ("X-Stainless-Lang", "go".into()),
        ("X-Stainless-Os", "Linux".into()),
        ("X-Stainless-Package-Version", "0.50.0".into()),
        ("X-Stainless-Retry-Count", "0".into()),
        ("X-Stainless-Runtime", "go".into()),
        ("X-Stainless-Runtime-Version", "go1.24.4".into()),
        ("Accept-Encoding", "gzip".into()),
    ]);
    headers
}

/// One gcore-go call.
pub async fn go(app: &TestApp, token: &str, method: Method, target: &str, body: Option<&str>) -> Reply {
    let headers = go_headers(token, &method, body.is_some());
    send(app, method, target, &headers, body).await
}

/// What gcore-go's decoder needs to fill an `SSHKey` (or `SSHKeyCreated`)
/// without invalid fields: a JSON content type and each field's type.
pub fn assert_go_decodes_a_key(reply: &Reply, created: bool) {
    assert!(header(reply, "content-type").contains("application/json"), "{:?}", reply.headers);
    assert_key_fields(&reply.body, created);
}

/// Each field of a key object has the type gcore-go's `SSHKey` declares.
pub fn assert_key_fields(key: &Value, created: bool) {
    assert!(uuid::Uuid::parse_str(key["id"].as_str().unwrap()).is_ok(), "id: {key}");
    for field in ["fingerprint", "name", "public_key"] {
        assert!(key[field].is_string(), "{field}: {key}");
    }
    assert!(key["project_id"].is_i64() && key["shared_in_project"].is_boolean(), "{key}");
    assert!(["ACTIVE", "DELETING"].contains(&key["state"].as_str().unwrap()), "{key}");
    assert_rfc3339(&key["created_at"]);
    if created {
        assert!(key["private_key"].is_null() || key["private_key"].is_string(), "{key}");
    }
}

#[tokio::test]
async fn gcore_go_creates_gets_auto_pages_updates_and_deletes() {
    let app = TestApp::spawn().await;
    let token = app.token("go-user", &[1]).await;
    let collection = "/cloud/v1/ssh_keys/1";

    // `New` without public_key: only "name" (omitzero leaves the rest out).
    let generated = go(&app, &token, Method::POST, collection, Some(r#"{"name":"go-generated"}"#)).await;
    assert_eq!(generated.status, 201, "{}", generated.body);
    assert_go_decodes_a_key(&generated, true);
    assert_eq!(public_from_private(generated.str("private_key")), generated.str("public_key"));

    // `New` with both optional fields, in struct order.
    let public_key = format!("{}\n", keygen("ed25519", None).public);
    let mut names = vec!["go-generated".to_owned()];
    for name in ["go key 1", "go-key-2", "go-key-3", "go-key-4"] {
        let body = format!(
            r#"{{"name":{},"public_key":{},"shared_in_project":true}}"#,
            json_string(name),
            json_string(&public_key)
        );
        let created = go(&app, &token, Method::POST, collection, Some(&body)).await;
        assert_eq!(created.status, 201, "{}", created.body);
        assert_go_decodes_a_key(&created, true);
        assert_eq!(created.str("public_key"), public_key, "byte for byte");
        assert_eq!(created.str("fingerprint"), md5_fingerprint(&public_key));
        assert!(created.body["private_key"].is_null());
        names.push(name.to_owned());
    }
    let duplicate = format!(r#"{{"name":"go-key-2","public_key":{}}}"#, json_string(&public_key));
    let conflict = go(&app, &token, Method::POST, collection, Some(&duplicate)).await;
    conflict.assert_error(409, "ConflictError");
    assert_eq!(header(&conflict, "x-should-retry"), "false", "gcore-go would otherwise retry a 409");

    // `ListAutoPaging` with `Limit: 2`: offset read back from the previous
    // URL, `query.Set("offset", ...)`, `url.Values.Encode` sorts the keys.
    let (mut query, mut seen, mut sent) = ("limit=2".to_owned(), Vec::new(), Vec::new());
    for _ in 0..10 {
        sent.push(query.clone());
        let page = go(&app, &token, Method::GET, &format!("{collection}?{query}"), None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let results = page.body["results"].as_array().unwrap();
        assert!(header(&page, "content-type").contains("application/json"));
        results.iter().for_each(|key| assert_key_fields(key, false));
        seen.extend(results.iter().map(|k| k["name"].as_str().unwrap().to_owned()));
        let offset: u64 = query.split('&').find_map(|p| p.strip_prefix("offset=")).map_or(0, |o| o.parse().unwrap());
        let next = offset + results.len() as u64;
        if results.is_empty() || next >= page.body["count"].as_u64().unwrap() || next == 0 {
            break;
        }
        query = format!("limit=2&offset={next}");
    }
    assert_eq!(sent, ["limit=2", "limit=2&offset=2", "limit=2&offset=4"]);
    seen.sort();
    names.sort();
    assert_eq!(seen, names, "every key once");
    let by_name = go(&app, &token, Method::GET, &format!("{collection}?name=go+key"), None).await;
    assert_eq!(by_name.body["count"], 1, "`+` is a space: {}", by_name.body);

    // `Get`, `Update` (shared_in_project is always sent), `Delete`.
    let id = generated.str("id");
    let got = go(&app, &token, Method::GET, &format!("{collection}/{id}"), None).await;
    assert_eq!(got.status, 200);
    assert_go_decodes_a_key(&got, false);
    for shared in [false, true] {
        let body = format!(r#"{{"shared_in_project":{shared}}}"#);
        let updated = go(&app, &token, Method::PATCH, &format!("{collection}/{id}"), Some(&body)).await;
        assert_eq!((updated.status.as_u16(), &updated.body["shared_in_project"]), (200, &Value::Bool(shared)));
        assert_go_decodes_a_key(&updated, false);
    }
    let deleted = go(&app, &token, Method::DELETE, &format!("{collection}/{id}"), None).await;
    assert!(deleted.status.as_u16() < 400, "gcore-go takes any status below 400: {}", deleted.status);
    go(&app, &token, Method::GET, &format!("{collection}/{id}"), None).await.assert_error(404, "NotFoundError");
    assert_eq!(app.count_rows("ssh_keys").await, 4);
}
