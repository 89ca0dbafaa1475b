//! Per-request observability: the request id, one tracing span per request
//! (request id, method, route, status, latency, user id) and the HTTP
//! metrics, all in the outermost middleware.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};
use tracing::{Instrument, field::Empty};

use super::request_id::{RequestId, X_REQUEST_ID};
use crate::metrics;

/// Assigns the request id, runs the request inside its span, then records
/// status and latency on the span and in the metrics, and echoes the id.
///
/// The per-request "request completed" event is at `debug` (warn for 5xx):
/// an access log line at `info` would cost more than the request itself at
/// tens of thousands of requests per second. Set `--log-level
/// sshkeyd=debug` for an access log.
pub async fn observe(mut request: Request, next: Next) -> Response {
    let id = RequestId::from_header(request.headers().get(&X_REQUEST_ID));
    let method = request.method().clone();
    let span = tracing::info_span!(
        "request",
        request_id = id.as_str(),
        method = %method,
        route = Empty,
        status = Empty,
        latency_ms = Empty,
        user_id = Empty,
    );
    let header = HeaderValue::from_str(id.as_str());
    request.extensions_mut().insert(id);
    let started = Instant::now();
    let in_flight = metrics::InFlight::start();
    let mut response = next.run(request).instrument(span.clone()).await;
    drop(in_flight);
    let elapsed = started.elapsed();
    let route = response.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    let status = response.status().as_u16();
    metrics::record_request(method.as_str(), route, status, elapsed.as_secs_f64());
    span.record("route", route).record("status", status).record("latency_ms", elapsed.as_secs_f64() * 1e3);
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!("request completed");
        } else {
            tracing::debug!("request completed");
        }
    });
    // Always Ok: ids are ASCII by construction.
    if let Ok(header) = header {
        response.headers_mut().insert(X_REQUEST_ID.clone(), header);
    }
    response
}

/// Copies the matched route template into the response, where the outer
/// [`observe`] middleware (which runs before routing) can read it. Applied
/// with `route_layer`, so only matched routes carry one.
pub async fn tag_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}
