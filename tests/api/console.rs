//! The web console's files: served from the binary at `/console/` with the
//! security headers on every answer (404 and 405 included), no token needed,
//! and errors in Gcore's shape like any other route. The browser suite in
//! `tests/browser/` drives the page itself.

use axum::http::{Method, StatusCode};

use crate::helpers::{Reply, TestApp};

const CSP: &str = "default-src 'self'; frame-ancestors 'none'";

async fn get(app: &TestApp, path: &str) -> Reply {
    app.request(Method::GET, path, None, None).await
}

fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no {name} header"))
}

/// The headers every console answer carries; the page itself is
/// `no-store` (it may show a private key), the rest `no-cache`.
fn assert_secured(reply: &Reply, what: &str) {
    assert_eq!(header(reply, "content-security-policy"), CSP, "{what}");
    assert_eq!(header(reply, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(reply, "referrer-policy"), "no-referrer", "{what}");
    let is_page = reply.headers.get("content-type").is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    let cache = if is_page { "no-store" } else { "no-cache" };
    assert_eq!(header(reply, "cache-control"), cache, "{what}");
    assert!(reply.headers.get("access-control-allow-origin").is_none(), "{what}: no CORS");
}

#[tokio::test]
async fn the_console_is_served_without_a_token_with_its_security_headers() {
    let app = TestApp::spawn().await;
    let redirect = get(&app, "/console").await;
    assert_eq!(redirect.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header(&redirect, "location"), "console/", "relative, so it resolves to /console/");
    assert_secured(&redirect, "the redirect");

    let page = get(&app, "/console/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    assert_secured(&page, "the page");
    let html = page.body.as_str().unwrap();
    assert!(html.contains(r#"<script type="module" src="js/main.js"></script>"#));
    assert!(!html.contains("<style") && !html.contains("style="), "no inline style: the CSP forbids it");
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script type=\"module\" src=").count(),
        "no inline script"
    );

    for (path, content_type) in [
        ("/console/console.css", "text/css; charset=utf-8"),
        ("/console/js/main.js", "text/javascript; charset=utf-8"),
        ("/console/favicon.svg", "image/svg+xml"),
    ] {
        let asset = get(&app, path).await;
        assert_eq!(asset.status, StatusCode::OK, "{path}");
        assert_eq!(header(&asset, "content-type"), content_type, "{path}");
        assert_secured(&asset, path);
    }
    app.stop().await;
}

#[tokio::test]
async fn an_unchanged_console_file_is_revalidated_with_a_304() {
    let app = TestApp::spawn().await;
    let first = get(&app, "/console/js/api.js").await;
    let etag = header(&first, "etag").to_owned();
    let again = app.raw(Method::GET, "/console/js/api.js").header("If-None-Match", &etag).send().await.unwrap();
    let again = TestApp::reply(again).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.body, serde_json::Value::Null, "no body");
    assert_secured(&again, "the 304");
    let other = app.raw(Method::GET, "/console/js/api.js").header("If-None-Match", "\"stale\"").send().await.unwrap();
    assert_eq!(other.status(), StatusCode::OK, "another validator gets the file");
    app.stop().await;
}

#[tokio::test]
async fn unknown_console_paths_and_methods_get_gcore_errors_with_the_headers() {
    let app = TestApp::spawn().await;
    for path in ["/console/nope.js", "/console/js/", "/console/../openapi.json", "/console/js/main.js/x"] {
        let missing = get(&app, path).await;
        missing.assert_error(404, "NotFoundError");
        assert_secured(&missing, path);
    }
    let post = app.request(Method::POST, "/console/", None, Some(&serde_json::json!({}))).await;
    post.assert_error(405, "MethodNotAllowedError");
    assert_secured(&post, "a POST");
    app.stop().await;
}
