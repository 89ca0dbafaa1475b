//! The OpenAPI document: the served one is the committed `openapi.json`, it
//! agrees with Gcore's specification of create (vendored in `docs/spec/`, as
//! CI clones only this repository), and it describes the bodies the server
//! really sends.

use std::collections::BTreeSet;
use std::path::PathBuf;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const DOCUMENT: &str = "/cloud/v1/ssh_keys/openapi.json";
const HINT: &str = "If the change is intended, regenerate the committed copy with \
                    `SSHKEYD_UPDATE_OPENAPI=1 cargo test --test api openapi` and commit openapi.json.";

fn repo_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// The served document's text, fetched without a token.
async fn served_text(app: &TestApp) -> String {
    let response = app.raw(Method::GET, DOCUMENT).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the document needs no authentication");
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    response.text().await.unwrap()
}

/// The JSON pointer of the first place where `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        _ if a == b => None,
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let (l, r) = (x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null));
                first_difference(l, r, format!("{at}/{k}")).or_else(|| (x.get(k) != y.get(k)).then(|| at.clone()))
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (l, r))| first_difference(l, r, format!("{at}/{i}")))
        }
        _ => Some(if at.is_empty() { "/".into() } else { at }),
    }
}

#[tokio::test]
async fn the_served_document_is_the_committed_openapi_json() {
    let app = TestApp::spawn().await;
    let text = served_text(&app).await;
    app.stop().await;
    let path = repo_file("openapi.json");
    if std::env::var("SSHKEYD_UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&path, format!("{}\n", text.trim_end())).unwrap();
        return;
    }
    let served: Value = serde_json::from_str(&text).expect("the served document is JSON");
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}. {HINT}", path.display()));
    let committed: Value = serde_json::from_str(&committed).expect("openapi.json is JSON");
    if let Some(at) = first_difference(&committed, &served, String::new()) {
        panic!("openapi.json differs from the served document at {at}. {HINT}");
    }
}

/// The OpenAPI block of the vendored Gcore page, parsed.
fn gcore_spec() -> Value {
    let path = repo_file("docs/spec/gcore-cloud-ssh-keys-create.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = text.find("````yaml").expect("the page has a yaml block");
    let block = &text[start..];
    let block = &block[block.find('\n').unwrap() + 1..];
    let end = block.find("\n````").expect("the yaml block is closed");
    serde_norway::from_str(&block[..end]).expect("the yaml block parses")
}

/// The JSON types a property schema admits (`type`, a list of them, or `anyOf`).
fn types(schema: &Value) -> BTreeSet<String> {
    match (&schema["type"], &schema["anyOf"]) {
        (Value::String(t), _) => BTreeSet::from([t.clone()]),
        (Value::Array(ts), _) => ts.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect(),
        (_, Value::Array(options)) => options.iter().flat_map(types).collect(),
        _ => BTreeSet::new(),
    }
}

fn key_set(value: &Value) -> BTreeSet<String> {
    value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

fn string_set(value: &Value) -> BTreeSet<String> {
    value.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

/// Properties sshkeyd adds to Gcore's key schemas (documented in the README).
const EXTENSIONS: [&str; 2] = ["fingerprint_sha256", "is_owner"];

fn without_extensions(mut names: BTreeSet<String>) -> BTreeSet<String> {
    names.retain(|n| !EXTENSIONS.contains(&n.as_str()));
    names
}

/// Field names (besides [`EXTENSIONS`]), required list, and per field the
/// type, `$ref`, pattern, lengths and default must be Gcore's. A `format`
/// Gcore gives must be ours too; where Gcore gives none we may refine
/// (`int64` for an integer).
fn assert_schema_agrees(ours: &Value, gcore: &Value, name: &str) {
    let (ours, gcore) = (&ours["components"]["schemas"][name], &gcore["components"]["schemas"][name]);
    assert!(gcore.is_object(), "the spec has {name}");
    let ours_named = without_extensions(key_set(&ours["properties"]));
    assert_eq!(ours_named, key_set(&gcore["properties"]), "{name}: property names");
    let ours_required = without_extensions(string_set(&ours["required"]));
    assert_eq!(ours_required, string_set(&gcore["required"]), "{name}: required");
    assert_eq!(ours["type"], gcore["type"], "{name}: type");
    for (field, theirs) in gcore["properties"].as_object().unwrap() {
        let mine = &ours["properties"][field];
        assert_eq!(types(mine), types(theirs), "{name}.{field}: types");
        for keyword in ["$ref", "pattern", "minLength", "maxLength", "default"] {
            assert_eq!(mine.get(keyword), theirs.get(keyword), "{name}.{field}: {keyword}");
        }
        if let Some(format) = theirs.get("format") {
            assert_eq!(mine.get("format"), Some(format), "{name}.{field}: format");
        }
    }
}

#[tokio::test]
async fn the_create_operation_agrees_with_gcores_specification() {
    let app = TestApp::spawn().await;
    let ours: Value = serde_json::from_str(&served_text(&app).await).unwrap();
    app.stop().await;
    let gcore = gcore_spec();
    assert_eq!(ours["openapi"], "3.1.0");
    assert_schema_agrees(&ours, &gcore, "CreateSSHKeySerializer");
    assert_schema_agrees(&ours, &gcore, "CreatedSSHKeySerializer");
    let state = |doc: &Value| doc["components"]["schemas"]["KeypairState"].clone();
    assert_eq!(string_set(&state(&ours)["enum"]), string_set(&state(&gcore)["enum"]), "KeypairState");

    let path = "/cloud/v1/ssh_keys/{project_id}";
    let (mine, theirs) = (&ours["paths"][path]["post"], &gcore["paths"][path]["post"]);
    assert_eq!(mine["operationId"], theirs["operationId"]);
    let body = |op: &Value| op["requestBody"]["content"]["application/json"]["schema"]["$ref"].clone();
    assert_eq!(body(mine), body(theirs), "request body schema");
    let created = |op: &Value| op["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].clone();
    assert_eq!(created(mine), created(theirs), "201 schema");
    let project = |op: &Value| op["parameters"][0].clone();
    assert_eq!((project(mine)["name"].clone(), project(mine)["in"].clone()), (json!("project_id"), json!("path")));
    assert_eq!(types(&project(mine)["schema"]), types(&project(theirs)["schema"]), "project_id type");

    let scheme = |doc: &Value| doc["components"]["securitySchemes"]["APIKey"].clone();
    for keyword in ["type", "in", "name"] {
        assert_eq!(scheme(&ours)[keyword], scheme(&gcore)[keyword], "APIKey {keyword}");
    }
    assert_eq!(ours["security"], json!([{"APIKey": []}]), "every operation needs the API key");
}

/// The body has every required property of `schema` and no undocumented one.
fn assert_shape(doc: &Value, schema: &str, body: &Value) {
    let schema_def = &doc["components"]["schemas"][schema];
    let documented = key_set(&schema_def["properties"]);
    let sent = key_set(body);
    assert!(sent.is_subset(&documented), "{schema}: undocumented {:?} in {body}", &sent - &documented);
    let required = string_set(&schema_def["required"]);
    assert!(required.is_subset(&sent), "{schema}: missing {:?} in {body}", &required - &sent);
}

#[tokio::test]
async fn every_response_body_has_the_documented_properties() {
    let app = TestApp::spawn().await;
    let doc: Value = serde_json::from_str(&served_text(&app).await).unwrap();
    let token = app.token("doc-reader", &[1]).await;

    let generated = app.create_key(&token, 1, json!({"name": "doc-generated"})).await;
    assert_eq!(generated.status, StatusCode::CREATED, "{}", generated.body);
    assert_shape(&doc, "CreatedSSHKeySerializer", &generated.body);
    let imported =
        app.create_key(&token, 1, json!({"name": "doc-imported", "public_key": generated.str("public_key")}));
    let imported = imported.await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
    assert_shape(&doc, "CreatedSSHKeySerializer", &imported.body);

    let id = generated.str("id");
    assert_shape(&doc, "SSHKeySerializer", &app.get_key(&token, 1, id).await.body);
    let updated = app.update_key(&token, 1, id, json!({"shared_in_project": false})).await;
    assert_shape(&doc, "SSHKeySerializer", &updated.body);
    let page = app.list_keys(&token, 1, "limit=5").await;
    assert_shape(&doc, "SSHKeyList", &page.body);
    for key in page.body["results"].as_array().unwrap() {
        assert_shape(&doc, "SSHKeySerializer", key);
    }

    let created = app.create_keypair(&token, json!({"sshkey_name": "doc-v2", "project_id": 1})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_shape(&doc, "KeypairV2", &created.body);
    assert_shape(&doc, "KeypairV2", &app.get_keypair(&token, created.str("sshkey_id")).await.body);
    let page = app.list_keypairs(&token, "project_id=1&limit=1").await;
    assert_shape(&doc, "KeypairV2List", &page.body);
    assert_shape(&doc, "KeypairV2", &page.body["results"][0]);
    assert_shape(&doc, "KeypairV2Link", &page.body["links"][0]);

    let invalid = app.create_key(&token, 1, json!({"name": "x"})).await;
    invalid.assert_error(400, "ValidationError");
    assert_shape(&doc, "ErrorResponse", &invalid.body);
    let missing = app.get_key(&token, 1, "36a7a97a-0672-4911-8f2b-92cd4e5b0d91").await;
    missing.assert_error(404, "NotFoundError");
    assert_shape(&doc, "ErrorResponse", &missing.body);
    app.stop().await;
}
