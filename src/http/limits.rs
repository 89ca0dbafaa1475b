//! Protection against overload and abuse, applied around every route:
//! a header-size cap, a whole-request timeout, load shedding and a
//! per-token rate limit. Each rejection keeps Gcore's error shape.

use std::convert::Infallible;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use http_body_util::BodyExt;
use tokio::sync::Semaphore;
use tower::{Service, ServiceBuilder};

use super::ApiError;
use crate::domain::TokenId;

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

/// Wraps the router in one admission middleware (see [`admit`]).
pub fn wrap(
    routes: Router,
    limits: Limits,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + Sync + 'static {
    let admission =
        Admission { slots: Arc::new(Semaphore::new(limits.max_in_flight)), request_timeout: limits.request_timeout };
    ServiceBuilder::new().layer(middleware::from_fn_with_state(admission, admit)).service(routes)
}

/// Shared admission state: the in-flight slots and the timeout.
#[derive(Clone)]
struct Admission {
    slots: Arc<Semaphore>,
    request_timeout: Duration,
}

/// Admits a request, in this order:
/// 1. headers over 16 KiB in total: 431;
/// 2. no free in-flight slot: 503 at once (load shedding, no queue);
/// 3. within the request timeout (else 408): read the whole body (over
///    64 KiB: 413), then route.
///
/// The steps share one middleware because each `from_fn` layer boxes a
/// future per request. Reading the body before routing matters: handlers may
/// answer before reading it (401, 403, 404, 405), and hyper then drops the
/// connection, so a keep-alive client's next request would fail. Whenever
/// body bytes may be left on the wire, the answer says `Connection: close`.
async fn admit(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    let header_bytes: usize = request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return close_connection(ApiError::HeadersTooLarge.into_response());
    }
    let Ok(_slot) = admission.slots.clone().try_acquire_owned() else {
        return shed(request).await;
    };
    match tokio::time::timeout(admission.request_timeout, read_body_then_route(request, next)).await {
        Ok(response) => response,
        Err(_) => close_connection(ApiError::RequestTimeout.into_response()),
    }
}

/// 503 for a request past the in-flight limit. Its body is drained first
/// (at most 64 KiB, 1 s): hyper closes a connection whose body was not read,
/// the kernel turns a close with unread bytes into a reset, and a client
/// still sending its body would see the reset instead of the 503.
async fn shed(request: Request) -> Response {
    let mut body = request.into_body();
    let drain = async {
        let mut seen = 0;
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, |d| d.len());
            if seen > MAX_BODY_BYTES {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
    ApiError::Unavailable("server overloaded; retry later".into()).into_response()
}

async fn read_body_then_route(request: Request, next: Next) -> Response {
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

fn close_connection(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
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
