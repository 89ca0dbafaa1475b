//! The one error type of the HTTP layer and Gcore's error body.
//!
//! Handlers return [`ApiError`]; its `IntoResponse` only sets the status and
//! attaches an [`ErrorBody`] extension. [`gcore_error_shape`], called by
//! the outermost middleware, renders every error (ours, the router's 404/405,
//! the body limit's 413, load shedding's 503) as
//! `{"exception_class", "message", "request_id"[, "invalid_fields"]}`, so
//! the request id is filled in one place and no error escapes the shape.

use std::collections::BTreeMap;

use axum::{
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::request_id::RequestId;
use crate::store::StoreError;

/// Every way a request can fail, with the status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `ValidationError`; `fields` becomes `invalid_fields`.
    #[error("{message}")]
    Validation {
        /// Summary for `message`.
        message: String,
        /// Field name to what is wrong with it.
        fields: BTreeMap<String, String>,
    },
    /// 401 `AuthenticationError`: missing, malformed, unknown, expired or revoked token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403 `ForbiddenError`: no access to the project, not the owner, or over quota.
    #[error("{0}")]
    Forbidden(String),
    /// 404 `NotFoundError`.
    #[error("{0}")]
    NotFound(String),
    /// 408 `RequestTimeoutError`: the request took longer than the request timeout.
    #[error("the request took longer than the request timeout")]
    RequestTimeout,
    /// 408 `RequestTimeoutError`: the body did not arrive within the body read timeout.
    #[error("the request body did not arrive within the body read timeout")]
    BodyReadTimeout,
    /// 409 `ConflictError`: the name is taken in this project.
    #[error("{0}")]
    Conflict(String),
    /// 413 `PayloadTooLargeError`: the body exceeds 64 KiB.
    #[error("request body is larger than 64 KiB")]
    PayloadTooLarge,
    /// 414 `URITooLongError`: a request target over 8 KiB.
    #[error("the request target (path and query) is longer than 8 KiB")]
    UriTooLong,
    /// 431 `RequestHeaderFieldsTooLargeError`: headers over 16 KiB in total.
    #[error("request headers are larger than 16 KiB in total")]
    HeadersTooLarge,
    /// 415 `UnsupportedMediaTypeError`: the body is not `application/json`.
    #[error("request body must be JSON with Content-Type: application/json")]
    UnsupportedMediaType,
    /// 429 `TooManyRequestsError`, with `Retry-After` seconds.
    #[error("too many requests; retry after {0} s")]
    TooManyRequests(u64),
    /// 503 `ServiceUnavailableError`: overloaded or the database is down.
    #[error("{0}")]
    Unavailable(String),
    /// 500 `InternalServerError`. The cause is logged, never sent.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// A 400 for one field.
    pub fn field(name: &str, problem: impl Into<String>) -> Self {
        let problem = problem.into();
        let message = format!("{name}: {problem}");
        Self::Validation { message, fields: BTreeMap::from([(name.to_owned(), problem)]) }
    }

    /// A 400 without a specific field.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::Validation { message: message.into(), fields: BTreeMap::new() }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Validation { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::RequestTimeout | Self::BodyReadTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::UriTooLong => StatusCode::URI_TOO_LONG,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => Self::Conflict("an SSH key with this name already exists in the project".into()),
            StoreError::QuotaExceeded(max) => {
                Self::Forbidden(format!("quota exceeded: a project may hold at most {max} SSH keys"))
            }
            StoreError::NotFound => Self::NotFound("SSH key not found".into()),
            StoreError::NotOwner => Self::Forbidden("only the key's creator may change or delete it".into()),
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                Self::Unavailable("the database is unavailable; retry later".into())
            }
            StoreError::Internal(e) => Self::Internal(e),
        }
    }
}

/// The parts of Gcore's error body known before the request id is added.
#[derive(Debug, Clone)]
pub struct ErrorBody {
    exception_class: &'static str,
    message: String,
    invalid_fields: Option<BTreeMap<String, String>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::Internal(cause) = &self {
            // The full chain goes to the log (inside the request's span, so
            // with its request id); the client gets a generic message.
            tracing::error!(error = ?cause, "internal error");
        }
        let retry_after = match self {
            Self::TooManyRequests(secs) => Some(secs),
            _ => None,
        };
        let (message, invalid_fields) = match self {
            Self::Validation { message, fields } if !fields.is_empty() => (message, Some(fields)),
            other => (other.to_string(), None),
        };
        let body = ErrorBody { exception_class: exception_class(status), message, invalid_fields };
        let mut response = (status, axum::Extension(body)).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Gcore's `exception_class` for a status.
fn exception_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "ValidationError",
        401 => "AuthenticationError",
        403 => "ForbiddenError",
        404 => "NotFoundError",
        405 => "MethodNotAllowedError",
        408 => "RequestTimeoutError",
        409 => "ConflictError",
        413 => "PayloadTooLargeError",
        414 => "URITooLongError",
        415 => "UnsupportedMediaTypeError",
        429 => "TooManyRequestsError",
        431 => "RequestHeaderFieldsTooLargeError",
        503 => "ServiceUnavailableError",
        s if s >= 500 => "InternalServerError",
        _ => "BadRequestError",
    }
}

/// Default message for errors raised outside our handlers.
fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "no such resource",
        405 => "method not allowed for this resource",
        408 => "request timed out",
        413 => "request body is larger than 64 KiB",
        503 => "server overloaded; retry later",
        s if s >= 500 => "internal error",
        _ => "bad request",
    }
}

/// Gcore's error body, exactly as every error response carries it. Its
/// derived schema is the OpenAPI document's `ErrorResponse`.
#[derive(Serialize, ToSchema)]
#[schema(title = "Error", description = "Every error response has this shape")]
pub(super) struct ErrorResponse<'a> {
    /// The kind of error, one per status: `ValidationError` (400),
    /// `AuthenticationError` (401), `ForbiddenError` (403), `NotFoundError`
    /// (404), `ConflictError` (409), and so on
    #[schema(examples("ValidationError"))]
    exception_class: &'a str,
    /// What went wrong, for people. It never quotes a submitted value.
    #[schema(examples("name: must be 3 to 63 characters long, got 2"))]
    message: &'a str,
    /// The request's id, as in the `X-Request-ID` response header
    #[schema(examples("0c55df48-7d4e-4a43-9a37-3a4e3b1f6a51"))]
    request_id: &'a str,
    /// Present on some 400s: each invalid field (or query or path parameter)
    /// and what is wrong with it
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = BTreeMap<String, String>, required = false)]
    invalid_fields: Option<&'a BTreeMap<String, String>>,
}

/// Gcore's error body for a request whose head hyper refused, so that it
/// never reached a handler; the connection layer sends it in place of
/// hyper's bare response (`server/bare_errors.rs`).
pub fn connection_error_body(status: StatusCode, message: &str, request_id: &str) -> Vec<u8> {
    let wire = ErrorResponse { exception_class: exception_class(status), message, request_id, invalid_fields: None };
    serde_json::to_vec(&wire).unwrap_or_default()
}

/// Renders an error response in Gcore's shape (see the module docs);
/// other responses pass unchanged. Called by the outermost middleware.
pub fn gcore_error_shape(response: Response, request_id: &RequestId) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let body = match response.extensions().get::<ErrorBody>() {
        Some(body) => body.clone(),
        None if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE => {
            tracing::error!(%status, "error response from outside the handlers");
            generic(status)
        }
        None => generic(status),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    if status.is_client_error() && !matches!(status.as_u16(), 408 | 429) {
        // The Stainless-generated SDKs retry 409s by default; a duplicate
        // name will not go away by retrying.
        parts.headers.insert("x-should-retry", HeaderValue::from_static("false"));
    }
    let wire = ErrorResponse {
        exception_class: body.exception_class,
        message: &body.message,
        request_id: request_id.as_str(),
        invalid_fields: body.invalid_fields.as_ref(),
    };
    let json = serde_json::to_vec(&wire).unwrap_or_default();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Response::from_parts(parts, Body::from(json))
}

fn generic(status: StatusCode) -> ErrorBody {
    ErrorBody {
        exception_class: exception_class(status),
        message: default_message(status).to_owned(),
        invalid_fields: None,
    }
}
