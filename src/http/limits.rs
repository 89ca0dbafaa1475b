//! Admission: who gets the server's capacity, and when.
//!
//! Capacity (an in-flight slot, the request timeout, the store) goes only
//! to work worth doing: a request takes a slot once it is authenticated and
//! its body has been read whole. Until then it holds only its connection,
//! which the accept loop bounds in total and per client address, and every
//! step has a deadline (the header read timeout, then the body read
//! timeout). A stalled or slow client, with or without a token, costs a
//! connection, never a slot; an unauthenticated one is answered 401 without
//! its body ever being kept.
//!
//! In order, each rejection in Gcore's shape:
//! 1. [`check_head`], for every request (run by `observe`): headers over
//!    16 KiB (431), a target over 8 KiB (414), HTTP/1.1 without exactly one
//!    `Host` (400), a declared body over 64 KiB (413, before the body is
//!    touched, so no `100 Continue` invites it).
//! 2. Public routes (health, readiness, the OpenAPI document, the console)
//!    are served at once: they are cheap, need no token and are never shed.
//! 3. [`admit`], for the API: the token (401, 429), the body within the
//!    body read timeout (408, 413), a free slot (503 at once, no queue),
//!    then the handler within the request timeout (408), which stops
//!    counting once a write is handed to the store (`handover.rs`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Version, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use http_body_util::BodyExt;
use hyper::body::Body as _;
use tokio::sync::Semaphore;
use tower::{Service, ServiceBuilder};

use super::handover::within_deadline;
use super::{ApiError, AppState};

/// Largest request body accepted; larger gets 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Largest total size of the request headers; larger gets 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Longest request target (path and query); longer gets 414.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;

/// Checks what the request head alone decides. Synchronous and cheap: it
/// runs for every request, `/healthz` included.
pub fn check_head(request: &Request) -> Result<(), ApiError> {
    let headers = request.headers();
    let header_bytes: usize = headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(ApiError::HeadersTooLarge);
    }
    if request.uri().path_and_query().is_some_and(|target| target.as_str().len() > MAX_TARGET_BYTES) {
        return Err(ApiError::UriTooLong);
    }
    // RFC 9112, section 3.2: exactly one Host in HTTP/1.1, at most one before.
    let hosts = headers.get_all(header::HOST).iter().count();
    if hosts > 1 || (hosts == 0 && request.version() == Version::HTTP_11) {
        return Err(ApiError::validation("an HTTP/1.1 request needs exactly one Host header"));
    }
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    Ok(())
}

/// The API behind [`admit`].
pub fn admit_api(
    api: Router,
    state: AppState,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + Sync + 'static {
    let slots = Arc::new(Semaphore::new(state.settings.limits.max_in_flight));
    ServiceBuilder::new().layer(middleware::from_fn_with_state(Admission { slots, state }, admit)).service(api)
}

/// What admission shares between requests.
#[derive(Clone)]
struct Admission {
    slots: Arc<Semaphore>,
    state: AppState,
}

/// Admits an API request (see the module docs, step 3).
async fn admit(State(admission): State<Admission>, mut request: Request, next: Next) -> Response {
    let limits = &admission.state.settings.limits;
    let principal = match admission.state.authorize(request.headers()).await {
        Ok(principal) => principal,
        Err(refused) => return refuse_unread(request, refused, limits.body_read_timeout).await,
    };
    tracing::Span::current().record("user_id", principal.user.0);
    request.extensions_mut().insert(principal);
    let request = match read_body(request, limits.body_read_timeout).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let Ok(_slot) = admission.slots.clone().try_acquire_owned() else {
        return ApiError::Unavailable("server overloaded; retry later".into()).into_response();
    };
    match within_deadline(limits.request_timeout, next.run(request)).await {
        Some(response) => response,
        None => close_connection(ApiError::RequestTimeout.into_response()),
    }
}

/// Reads the whole body within `limit`, at most [`MAX_BODY_BYTES`]. Before
/// routing, because a handler may answer without reading it (403, 404,
/// 405), and hyper would then close the connection under a keep-alive
/// client's next request.
async fn read_body(request: Request, limit: Duration) -> Result<Request, Response> {
    if request.body().is_end_stream() {
        // No body (a GET): no timer to set.
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let error = match tokio::time::timeout(limit, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => return Ok(Request::from_parts(parts, Body::from(bytes))),
        Ok(Err(e)) if std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>()) => {
            ApiError::PayloadTooLarge
        }
        Ok(Err(_)) => ApiError::validation("could not read the request body"),
        Err(_) => ApiError::BodyReadTimeout,
    };
    Err(close_connection(error.into_response()))
}

/// Answers `error` to a request whose body is unread. The body is read and
/// dropped first (at most 64 KiB, within the body read timeout): hyper
/// closes a connection whose body was left unread, the kernel turns that
/// close into a reset, and a client still sending would see the reset
/// rather than the answer; and a keep-alive client can send its next
/// request on the same connection. Past either bound, or when the client
/// waits for `100 Continue` (which reading would send), the answer closes
/// the connection instead.
async fn refuse_unread(request: Request, error: ApiError, limit: Duration) -> Response {
    let response = error.into_response();
    if request.body().is_end_stream() {
        return response;
    }
    if expects_continue(request.headers()) {
        return close_connection(response);
    }
    let mut body = request.into_body();
    let drain = async {
        let mut seen = 0;
        loop {
            match body.frame().await {
                None => return true,
                Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |d| d.len()),
                Some(Err(_)) => return false,
            }
            if seen > MAX_BODY_BYTES {
                return false;
            }
        }
    };
    match tokio::time::timeout(limit, drain).await {
        Ok(true) => response,
        _ => close_connection(response),
    }
}

fn expects_continue(headers: &HeaderMap) -> bool {
    headers.get(header::EXPECT).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

/// Marks `response` as the connection's last: body bytes may be left on
/// the wire, and the next request could not be told from them.
pub fn close_connection(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
