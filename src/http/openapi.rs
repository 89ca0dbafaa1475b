//! The OpenAPI document, generated from the code (being built).

use axum::{Router, routing::get};

use super::AppState;

/// `GET /cloud/v1/ssh_keys/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new().route("/cloud/v1/ssh_keys/openapi.json", get(|| async { "{}" }))
}
