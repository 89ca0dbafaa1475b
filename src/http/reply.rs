//! JSON success responses.

use axum::{
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use super::ApiError;

/// `body` as JSON with `status`. Serialized into a `Vec` sized for a page
/// of keys: `axum::Json` writes through a `BytesMut` writer, whose small
/// writes cost a list response about 15% more instructions (callgrind,
/// bench/README.md).
pub fn json(status: StatusCode, body: &impl Serialize) -> Response {
    let mut buf = Vec::with_capacity(2048);
    if let Err(e) = serde_json::to_writer(&mut buf, body) {
        return ApiError::Internal(e.into()).into_response();
    }
    let mut response = Response::new(Body::from(buf));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
