//! The per-token rate limit.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};

use super::ApiError;
use crate::domain::TokenId;

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
