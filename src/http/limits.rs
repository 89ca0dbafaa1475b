//! Protection against overload and abuse, applied around every route:
//! a header-size cap, a whole-request timeout, load shedding and a
//! per-token rate limit. Each rejection keeps Gcore's error shape.

use std::convert::Infallible;
use std::num::NonZeroU32;
use std::time::Duration;

use axum::{
    BoxError, Router,
    body::Body,
    error_handling::HandleErrorLayer,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use tower::{Service, ServiceBuilder};
use tower_http::timeout::TimeoutLayer;

use super::ApiError;
use crate::store::TokenId;

/// Largest request body accepted; larger gets 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Largest total size of the request headers; larger gets 431. (hyper's own
/// buffer limit only bounds memory: a head that arrives in one read may
/// exceed it, so the exact rule is checked here.)
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Limits from the configuration.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Whole-request timeout, body included; past it, 408.
    pub request_timeout: Duration,
    /// Requests in flight; past it, 503 at once instead of queueing.
    pub max_in_flight: usize,
    /// Per-token requests per second and burst; `None` is off.
    pub rate_limit: Option<(u32, u32)>,
}

impl Default for Limits {
    fn default() -> Self {
        Self { request_timeout: Duration::from_secs(30), max_in_flight: 1024, rate_limit: None }
    }
}

/// Wraps the router in the limits. Shedding sits outside the timeout so a
/// shed request costs nothing; the body is read inside the timeout, so a
/// client trickling it gets 408.
pub fn wrap(
    routes: Router,
    limits: Limits,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + Sync + 'static {
    ServiceBuilder::new()
        .layer(middleware::from_fn(limit_header_size))
        .layer(HandleErrorLayer::new(shed))
        .load_shed()
        .concurrency_limit(limits.max_in_flight)
        .layer(middleware::map_response(close_after_timeout))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request_timeout))
        .layer(middleware::from_fn(buffer_body))
        .service(routes)
}

async fn shed(_: BoxError) -> Response {
    ApiError::Unavailable("server overloaded; retry later".into()).into_response()
}

/// Reads the whole body (at most [`MAX_BODY_BYTES`]) before routing.
///
/// Handlers may answer before reading a body (401, 403, 404, 405); hyper
/// then cannot reuse the connection and drops it, and a keep-alive client's
/// next request fails. Reading first keeps every connection reusable. When
/// the body is too large or unreadable, the answer says `Connection: close`
/// because the rest of it is still on the wire.
async fn buffer_body(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(e) => {
            let too_large =
                std::error::Error::source(&e).is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            let error = if too_large {
                ApiError::PayloadTooLarge
            } else {
                ApiError::validation("could not read the request body")
            };
            close_connection(error.into_response())
        }
    }
}

/// A timed-out request may have left body bytes unread on the connection.
async fn close_after_timeout(response: Response) -> Response {
    if response.status() == StatusCode::REQUEST_TIMEOUT { close_connection(response) } else { response }
}

fn close_connection(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

async fn limit_header_size(request: Request, next: Next) -> Response {
    let size: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if size > MAX_HEADER_BYTES {
        return ApiError::HeadersTooLarge.into_response();
    }
    next.run(request).await
}

/// Per-token rate limiting with a keyed GCRA limiter (`governor`). Only
/// authenticated tokens are keys, so the state is bounded by the number of
/// valid tokens; unauthenticated floods meet load shedding instead.
pub struct TokenRateLimiter {
    limiter: DefaultKeyedRateLimiter<TokenId>,
}

impl TokenRateLimiter {
    /// `per_second` sustained, `burst` at once.
    pub fn new(per_second: u32, burst: u32) -> Option<Self> {
        let quota = Quota::per_second(NonZeroU32::new(per_second)?).allow_burst(NonZeroU32::new(burst)?);
        Some(Self { limiter: RateLimiter::keyed(quota) })
    }

    /// `Ok` if `token` may make a request now, else 429 with `Retry-After`.
    pub fn check(&self, token: &TokenId) -> Result<(), ApiError> {
        self.limiter.check_key(token).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            ApiError::TooManyRequests(wait.as_secs_f64().ceil().max(1.0) as u64)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_over_its_burst_is_told_when_to_retry() {
        let limiter = TokenRateLimiter::new(1, 2).unwrap();
        let (a, b) = (TokenId("a".into()), TokenId("b".into()));
        assert!(limiter.check(&a).is_ok() && limiter.check(&a).is_ok(), "the burst is allowed");
        assert!(matches!(limiter.check(&a), Err(ApiError::TooManyRequests(1))), "the third waits a second");
        assert!(limiter.check(&b).is_ok(), "other tokens are not affected");
        assert!(TokenRateLimiter::new(0, 1).is_none(), "a rate of 0 means no limiter");
    }
}
