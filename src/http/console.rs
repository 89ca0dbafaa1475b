//! The web console: a handful of static files (one HTML page, one
//! stylesheet, a few ES modules) embedded in the binary and served at
//! `/console/`, so it works on an isolated network with nothing else to
//! install. The page calls the public API like any other client (same
//! origin, `Authorization: APIKey`), so these routes need no token and no
//! CORS. The sources live, readable, in `console/` at the repository root.
//!
//! `include_str!` rather than rust-embed: eight small files do not need a
//! dependency, a build script or a directory walk.

use std::sync::LazyLock;

use axum::{
    Router,
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use sha2::{Digest, Sha256};

use super::{ApiError, AppState};

/// One embedded file.
struct Asset {
    /// Path under `/console/`.
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

macro_rules! asset {
    ($path:literal, $content_type:expr) => {
        Asset { path: $path, content_type: $content_type, body: include_str!(concat!("../../console/", $path)) }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

const ASSETS: [Asset; 8] = [
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("console.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("js/main.js", JS),
    asset!("js/api.js", JS),
    asset!("js/keys.js", JS),
    asset!("js/add-key.js", JS),
    asset!("js/ui.js", JS),
];

/// A strong validator per asset (a prefix of its SHA-256), so a browser
/// revalidates with `If-None-Match` and gets a bodiless 304 after an upgrade
/// changed nothing, and the new file at once when something did.
static ETAGS: LazyLock<Vec<HeaderValue>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let digest = Sha256::digest(asset.body.as_bytes());
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex is a valid header value")
        })
        .collect()
});

/// The page allows only its own origin for everything (no inline script or
/// style, no other host), may not be framed, and sends no referrer.
const SECURITY_HEADERS: [(header::HeaderName, &str); 3] = [
    (header::CONTENT_SECURITY_POLICY, "default-src 'self'; frame-ancestors 'none'"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
];

/// `/console` redirects to `/console/`, which is the page; other files are
/// under it. Every answer, 404 and 405 included, carries the security
/// headers. (`Router::layer` here wraps only these three routes.)
pub fn router() -> Router<AppState> {
    Router::new()
        // Relative, so the redirect stays right behind a proxy's path prefix.
        .route("/console", get(|| async { (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, "console/")]) }))
        .route("/console/", get(|headers: HeaderMap| async move { serve("index.html", &headers) }))
        .route(
            "/console/{*path}",
            get(|Path(path): Path<String>, headers: HeaderMap| async move { serve(&path, &headers) }),
        )
        .layer(middleware::map_response(with_security_headers))
}

fn serve(path: &str, request: &HeaderMap) -> Response {
    let Some(index) = ASSETS.iter().position(|asset| asset.path == path) else {
        return ApiError::NotFound("no such resource".into()).into_response();
    };
    let (asset, etag) = (&ASSETS[index], ETAGS[index].clone());
    let unchanged = request.get(header::IF_NONE_MATCH).is_some_and(|tags| matches_etag(tags, &etag));
    let mut response = if unchanged { StatusCode::NOT_MODIFIED.into_response() } else { asset.body.into_response() };
    let headers = response.headers_mut();
    if !unchanged {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    }
    if asset.path == "index.html" {
        // The page may show a generated private key: a page stored by the
        // browser (its cache, the back/forward cache, a restored session)
        // must not bring it back.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(header::ETAG, etag);
    response
}

/// Whether an `If-None-Match` list names `etag` (or is `*`).
fn matches_etag(tags: &HeaderValue, etag: &HeaderValue) -> bool {
    let (Ok(tags), Ok(etag)) = (tags.to_str(), etag.to_str()) else { return false };
    tags.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

async fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // Revalidate every time (cheap with the ETag): a new binary's console
    // must never run against stale modules from the browser cache.
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-cache"));
    response
}
