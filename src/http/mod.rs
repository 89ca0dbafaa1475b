//! The HTTP API: the router, its middleware stack and shared state.

mod auth;
mod error;
mod extract;
mod health;
mod request_id;
mod ssh_keys;

use std::sync::Arc;

use axum::{Router, middleware};
use tower_http::limit::RequestBodyLimitLayer;

pub use auth::{Authenticator, Principal};
pub use error::ApiError;
pub use extract::parse_project_id;
pub use request_id::RequestId;
pub use ssh_keys::{CreateKeyInput, MAX_LIMIT};

/// Decodes and validates a create body exactly as the handler does (JSON
/// parsing, then field checks), for fuzzing and property tests.
pub fn decode_create_body(bytes: &[u8]) -> Result<CreateKeyInput, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| ApiError::validation("malformed JSON body"))?;
    CreateKeyInput::from_json(&value)
}

use crate::store::KeyStore;

/// Largest request body accepted; larger gets 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Settings the handlers need.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// Keys a project may hold.
    pub max_keys_per_project: u32,
}

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn KeyStore>,
    /// Token checks, with their cache.
    pub auth: Arc<Authenticator>,
    /// Settings.
    pub settings: Arc<ApiSettings>,
}

impl AppState {
    /// State over `store`.
    pub fn new(store: Arc<dyn KeyStore>, settings: ApiSettings) -> Self {
        let auth = Arc::new(Authenticator::new(store.clone()));
        Self { store, auth, settings: Arc::new(settings) }
    }
}

/// The whole API. Layers run outside-in: request id, error shaping, body
/// limit, then routing.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(health::router())
        .merge(ssh_keys::router())
        .fallback(|| async { ApiError::NotFound("no such resource".into()) })
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn(error::gcore_error_shape))
        .layer(middleware::from_fn(request_id::assign_request_id))
}
