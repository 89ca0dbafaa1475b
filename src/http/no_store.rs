//! Responses that may carry a generated private key.

use axum::{
    body::{Body, Bytes},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use zeroize::Zeroizing;

use super::ApiError;

/// `body` as JSON with `status`, kept by no cache. The JSON is written into
/// zeroizing memory sized up front (so no reallocation leaves copies
/// behind), and that buffer is handed to the response as its owner, so the
/// bytes are wiped when the response body is dropped.
pub fn no_store_json(status: StatusCode, body: &impl Serialize) -> Response {
    let mut buf = Zeroizing::new(Vec::with_capacity(4096));
    if let Err(e) = serde_json::to_writer(&mut *buf, body) {
        return ApiError::Internal(e.into()).into_response();
    }
    let mut response = Response::new(Body::from(Bytes::from_owner(buf)));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // A response with a private key must not be kept by any cache.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
