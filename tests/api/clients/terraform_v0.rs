//! terraform-provider-gcore v0.34.3's `gcore_keypair` and gcorelabscloud-go
//! v0.29.5's `gcore/keypair/v2/keypairs`: create, the read right after it,
//! the plan-time re-read, destroy, the read that finds it gone; and the
//! list that gcorelabscloud-go pages by `links`.

use axum::http::Method;
use serde_json::{Value, json};
use sshkeyd::config::Settings;

use super::{header, json_string, send};
use crate::helpers::{Reply, TestApp};
use crate::keygen::{keygen, md5_fingerprint};

/// The headers of every gcorelabscloud-go request (`doRequest` with
/// `req.Close`, which is the `Connection: close` the test client sends),
/// then Go's `Accept-Encoding`; `Content-Type` only with a body.
fn glc_headers(token: &str, body: bool) -> Vec<(&'static str, String)> {
    let mut headers = vec![("Accept", "application/json".to_owned())];
    if body {
        headers.push(("Content-Type", "application/json".into()));
    }
    headers.extend([
        ("User-Agent", "terraform-provider/0.34.3 cloud-api-go-sdk/0.29.5".to_owned()),
        ("Authorization", format!("APIKey {token}")),
        ("Accept-Encoding", "gzip".into()),
    ]);
    headers
}

async fn glc(app: &TestApp, token: &str, method: Method, target: &str, body: Option<&str>) -> Reply {
    send(app, method, target, &glc_headers(token, body.is_some()), body).await
}

/// The fields `KeyPair` decodes, with their Go types.
fn assert_glc_decodes(key: &Value) {
    assert!(key["sshkey_id"].as_str().is_some_and(|id| !id.is_empty()), "sshkey_id: {key}");
    for field in ["sshkey_name", "fingerprint", "public_key"] {
        assert!(key[field].is_string(), "{field}: {key}");
    }
    assert!(key["private_key"].is_null() || key["private_key"].is_string(), "{key}");
    assert!(key["project_id"].is_i64(), "{key}");
}

#[tokio::test]
async fn gcore_keypair_create_read_plan_destroy_and_gone() {
    let app = TestApp::spawn().await;
    let token = app.token("tf-user", &[1]).await;
    let config = format!("{}\n", keygen("rsa", Some(3072)).public);

    // Create: `BuildRequestBody` makes a map, so `encoding/json` sorts the keys.
    let body = format!(r#"{{"project_id":1,"public_key":{},"sshkey_name":"keypair"}}"#, json_string(&config));
    let created = glc(&app, &token, Method::POST, "/cloud/v2/keypairs", Some(&body)).await;
    assert!([200, 201, 202].contains(&created.status.as_u16()), "{} {}", created.status, created.body);
    assert_glc_decodes(&created.body);
    let item = format!("/cloud/v2/keypairs/{}", created.str("sshkey_id"));

    // The read right after create (`resourceKeypairRead`), then the read of
    // the next `terraform plan`: both must match the configuration exactly.
    let read = glc(&app, &token, Method::GET, &item, None).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_glc_decodes(&read.body);
    let attributes = |key: &Value| {
        [&key["sshkey_name"], &key["public_key"], &key["project_id"], &key["sshkey_id"], &key["fingerprint"]]
            .map(Value::clone)
    };
    let expected =
        [json!("keypair"), json!(config), json!(1), created.body["sshkey_id"].clone(), json!(md5_fingerprint(&config))];
    assert_eq!(attributes(&read.body), expected, "no ForceNew attribute differs");
    let planned = glc(&app, &token, Method::GET, &item, None).await;
    assert_eq!(planned.body, read.body, "the plan-time re-read is identical");

    // Destroy: DELETE accepts 200, 202 or 204 and ignores the body.
    let deleted = glc(&app, &token, Method::DELETE, &item, None).await;
    assert!([200, 202, 204].contains(&deleted.status.as_u16()), "{}", deleted.status);
    // The next read gets exactly 404 (`ErrDefault404`): the resource is dropped.
    let gone = glc(&app, &token, Method::GET, &item, None).await;
    gone.assert_error(404, "NotFoundError");
    assert_eq!(app.count_rows("ssh_keys").await, 0);
}

#[tokio::test]
async fn gcorelabscloud_go_lists_every_page_by_following_the_next_links() {
    let settings = Settings { max_keys_per_project: Some(1000), ..Settings::default() };
    let app = TestApp::spawn_with(settings).await;
    let alice = app.token("alice", &[1]).await;
    let bob = app.token("bob", &[1]).await;
    // More than a default page (100) of alice's, and some of bob's.
    for i in 0..130 {
        let (token, owner) = if i % 5 == 0 { (&bob, "bob") } else { (&alice, "alice") };
        let body = json!({"sshkey_name": format!("{owner}-{i:03}"), "project_id": 1});
        assert_eq!(app.create_keypair(token, body).await.status, 201);
    }
    // `ListOpts{ProjectID: 1, UserID: "alice"}`: `url.Values.Encode` order.
    let mut target = "/cloud/v2/keypairs?project_id=1&user_id=alice".to_owned();
    let (mut names, mut pages) = (Vec::new(), 0);
    for _ in 0..10 {
        let page = glc(&app, &alice, Method::GET, &target, None).await;
        pages += 1;
        assert!([200, 204, 300].contains(&page.status.as_u16()), "{}", page.body);
        assert!(header(&page, "content-type").starts_with("application/json"), "PageResultFrom needs it");
        let results = page.body["results"].as_array().unwrap();
        results.iter().for_each(assert_glc_decodes);
        names.extend(results.iter().map(|k| k["sshkey_name"].as_str().unwrap().to_owned()));
        // `ExtractNextURL`: the last `rel == "next"` href, used verbatim.
        let links = page.body["links"].as_array().unwrap();
        let next = links.iter().rev().find(|l| l["rel"] == "next").and_then(|l| l["href"].as_str());
        let Some(next) = next.filter(|_| !results.is_empty()) else { break };
        target =
            next.strip_prefix(&app.base).unwrap_or_else(|| panic!("an absolute URL on this server: {next}")).into();
    }
    assert_eq!(pages, 2);
    names.sort();
    let expected: Vec<String> = (0..130).filter(|i| i % 5 != 0).map(|i| format!("alice-{i:03}")).collect();
    assert_eq!(names, expected, "every key of alice's, once");
}
