//! The HTTP API: the router and its middleware stack. One module per
//! resource or API face (`ssh_keys/`, `authorized_keys.rs` for sshd's
//! `AuthorizedKeysCommand`, and `keypairs/` for the stable Terraform
//! provider's `/cloud/v2/keypairs`), one error type in Gcore's shape
//! (`error.rs`), the auth and scope extractors, admission limits,
//! the hand-over of writes (`handover.rs`) and observability.

mod auth;
mod authorized_keys;
mod console;
mod error;
mod extract;
mod handover;
mod health;
mod json;
mod keypairs;
mod limits;
mod no_store;
mod observe;
mod openapi;
mod params;
mod rate_limit;
mod reply;
mod request_id;
mod route_tag;
mod ssh_keys;
mod state;

use std::convert::Infallible;

use axum::{
    Router,
    extract::Request,
    middleware,
    response::{IntoResponse, Response},
};
use tower::{Service, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;

pub use error::ApiError;
pub(crate) use error::connection_error_body;
pub(crate) use observe::access_log_enabled;
pub use ssh_keys::CreateKeyInput;
pub(crate) use state::{ApiSettings, AppState, Limits, Readiness};

/// Decodes and validates a create body exactly as the handler does (JSON
/// parsing, then field checks), for the fuzz targets.
pub fn decode_create_body(bytes: &[u8]) -> Result<CreateKeyInput, ApiError> {
    CreateKeyInput::from_json(&json::parse_json(bytes)?)
}

/// The whole API as one service. Layers run outside-in: observation
/// (request id, span, metrics, the request head's limits) and error
/// shaping, then routing. Public routes (health, readiness, the OpenAPI
/// document, the console) are matched first and served at once; every
/// other request (each API face, and unknown paths) goes through
/// admission (`limits.rs`: token, body, slot, timeout) before its router.
///
/// The layers wrap finished routers once, instead of `Router::layer`,
/// which wraps every route and clones that whole boxed stack per request
/// (23% of a `/healthz` request's instructions, measured with callgrind).
pub(crate) fn app(
    state: AppState,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + Sync + 'static {
    let tag = |router: Router<AppState>| match state.settings.route_labels {
        true => router.route_layer(route_tag::TagRouteLayer),
        false => router,
    };
    let api = tag(Router::new().merge(ssh_keys::router()).merge(keypairs::router()).merge(authorized_keys::router()))
        .fallback(|| async { ApiError::NotFound("no such resource".into()) })
        .with_state(state.clone());
    let routes = tag(Router::new().merge(health::router()).merge(openapi::router()).merge(console::router()))
        .with_state(state.clone())
        .fallback_service(limits::admit_api(api, state));
    ServiceBuilder::new()
        .layer(middleware::from_fn(observe::observe))
        // A panic is a bug; this turns it into a logged, shaped 500 instead
        // of a dropped connection.
        .layer(CatchPanicLayer::custom(panic_response))
        .service(routes)
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::Internal(anyhow::anyhow!("a handler panicked")).into_response()
}
