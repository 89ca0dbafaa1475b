//! Per-request observability: the request id, one tracing span per request
//! (request id, method, user id; its completion event adds route, status
//! and latency) and the HTTP metrics, all in the outermost middleware.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::HeaderValue,
    middleware::Next,
    response::{IntoResponse, Response},
};
use tracing::{Instrument, field::Empty};

use super::error::gcore_error_shape;
use super::limits;
use super::request_id::{RequestId, X_REQUEST_ID};
use crate::metrics;

/// Assigns the request id, runs the request inside its span, gives error
/// responses Gcore's shape, then counts the request in the metrics, logs its
/// completion and echoes the id.
///
/// The span carries the request id, method and (once authenticated) the
/// user id, so every event of the request names them; the completion event
/// adds route, status and latency. Those three are event fields rather than
/// span records because recording into a live span costs more than the rest
/// of a `/healthz` request (callgrind: the span was 15.5k of 48.7k
/// instructions with them recorded).
///
/// The completion event is at `debug` (warn for 5xx): an access log line at
/// `info` would cost more than the request itself at tens of thousands of
/// requests per second. Set `--log-level sshkeyd=debug` for an access log.
///
/// A head that [`limits::check_head`] refuses (too large, no `Host`, a
/// declared body over the limit) is answered here, before anything else
/// runs; doing it in this middleware saves a layer (and its boxed future)
/// on every request.
pub async fn observe(mut request: Request, next: Next) -> Response {
    let id = RequestId::from_header(request.headers().get(&X_REQUEST_ID));
    let method = request.method().clone();
    let span = tracing::info_span!("request", request_id = %id.as_str(), method = %method, user_id = Empty);
    let header = HeaderValue::from_str(id.as_str());
    let uri = request.uri().clone();
    request.extensions_mut().insert(id.clone());
    let started = Instant::now();
    let in_flight = metrics::InFlight::start();
    let response = match limits::check_head(&request) {
        Ok(()) => next.run(request).instrument(span.clone()).await,
        Err(refused) => limits::close_connection(refused.into_response()),
    };
    let mut response = span.in_scope(|| gcore_error_shape(response, &id));
    drop(in_flight);
    let latency = started.elapsed();
    // Routes are tagged when the metrics or the access log are on (see
    // `route_tag.rs`); without them only a 5xx is logged, with its path.
    let route = response.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    let status = response.status().as_u16();
    metrics::record_request(method.as_str(), route, status, latency.as_secs_f64());
    let latency_ms = latency.as_secs_f64() * 1e3;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(route, path = uri.path(), status, latency_ms, "request completed");
        } else {
            tracing::debug!(route, status, latency_ms, "request completed");
        }
    });
    // Always Ok: ids are ASCII by construction.
    if let Ok(header) = header {
        response.headers_mut().insert(X_REQUEST_ID.clone(), header);
    }
    response
}

/// Whether the access log (the completion events at `debug`) is on, in
/// which case routes are tagged for it.
pub fn access_log_enabled() -> bool {
    tracing::enabled!(tracing::Level::DEBUG)
}
