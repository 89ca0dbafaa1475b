//! Copies the matched route template into the response, where the outer
//! `observe` middleware (which runs before routing) reads it for metrics
//! and logs. Applied with `route_layer`, so only matched routes carry one.
//!
//! A plain tower service rather than `middleware::from_fn`, which boxes
//! every request's future and clones the boxed route it wraps: that cost
//! about 3,000 instructions a request, 11% of a `/healthz` (callgrind,
//! bench/README.md).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use tower::{Layer, Service};

/// The layer for `Router::route_layer`.
#[derive(Debug, Clone, Copy)]
pub struct TagRouteLayer;

impl<S> Layer<S> for TagRouteLayer {
    type Service = TagRoute<S>;

    fn layer(&self, inner: S) -> TagRoute<S> {
        TagRoute { inner }
    }
}

#[derive(Debug, Clone)]
pub struct TagRoute<S> {
    inner: S,
}

impl<S> Service<Request> for TagRoute<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Tagged<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route = request.extensions().get::<MatchedPath>().cloned();
        Tagged { inner: self.inner.call(request), route }
    }
}

/// The route's response, with the template added.
pub struct Tagged<F> {
    inner: F,
    route: Option<MatchedPath>,
}

impl<F: Future<Output = Result<Response, Infallible>> + Unpin> Future for Tagged<F> {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Ok(mut response) = ready!(Pin::new(&mut self.inner).poll(cx));
        if let Some(route) = self.route.take() {
            response.extensions_mut().insert(route);
        }
        Poll::Ready(Ok(response))
    }
}
