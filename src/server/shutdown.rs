//! A graceful stop in two steps, so that a load balancer can take a node
//! out of rotation before it stops accepting connections:
//!
//! 1. When the stop begins, `/readyz` answers 503 and every answer closes
//!    its connection (`Connection: close`), so kept-alive clients and
//!    proxies open their next connection elsewhere; everything is still
//!    served. This lasts `--shutdown-delay`, or until a second request to
//!    stop (a second SIGTERM or Ctrl-C).
//! 2. Then the listener closes and requests in flight drain, within
//!    `--drain-timeout` (`accept.rs`).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::http::Readiness;

type Moment = Pin<Box<dyn Future<Output = ()> + Send>>;

/// When to stop: `begin` starts a graceful stop; `hurry` cuts its delay
/// short.
pub struct Shutdown {
    begin: Moment,
    hurry: Moment,
}

impl Shutdown {
    /// Stops when `begin` resolves; the shutdown delay runs in full.
    pub fn on(begin: impl Future<Output = ()> + Send + 'static) -> Self {
        Self { begin: Box::pin(begin), hurry: Box::pin(std::future::pending()) }
    }

    /// Stops on the first SIGTERM or SIGINT; a second one ends the delay.
    /// (SIGHUP is ignored, see `signals.rs`.) Call it inside the runtime.
    pub fn on_signals() -> Self {
        let count = super::signals::stop_signals();
        let after = |n: u32| {
            let mut count = count.clone();
            async move {
                // An error means the sender is gone: then no signal can come.
                if count.wait_for(|seen| *seen >= n).await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        Self { begin: Box::pin(after(1)), hurry: Box::pin(after(2)) }
    }

    /// Resolves when the listener should close: after the stop began and
    /// the node then reported not ready for `delay` (or was hurried).
    pub async fn stop_accepting(self, readiness: Readiness, delay: Duration) {
        self.begin.await;
        readiness.begin_stopping();
        if delay.is_zero() {
            return;
        }
        tracing::info!(?delay, "stopping: /readyz answers 503 and connections close after each answer; still serving");
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = self.hurry => tracing::info!("asked to stop again: skipping the rest of the shutdown delay"),
        }
    }
}
