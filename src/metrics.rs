//! Prometheus metrics, served on their own listener (off by default).
//!
//! Labels stay bounded: method, route template (never the raw path),
//! status, operation and reason. Nothing is labelled by key id, name, user
//! or token.

use std::sync::OnceLock;

use axum::{Router, routing::get};
use metrics::Label;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

/// Latency buckets in seconds, from 100 µs (an indexed read) to 10 s.
const BUCKETS: [f64; 14] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 10.0];

static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// Installs the global recorder once (later calls return the same handle,
/// which matters when tests start several servers in one process).
pub fn install() -> anyhow::Result<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
                .and_then(|b| b.install_recorder())
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| anyhow::anyhow!("installing the metrics recorder: {e}"))
}

/// Serves `GET /metrics` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    handle: PrometheusHandle,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new().route("/metrics", get(move || std::future::ready(handle.render())));
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Counts one finished HTTP request. Its labels are owned strings, which
/// the `metrics` macros build even when no recorder is installed, so this
/// returns at once when metrics are off (the default).
pub fn record_request(method: &str, route: &str, status: u16, seconds: f64) {
    if !matches!(HANDLE.get(), Some(Ok(_))) {
        return;
    }
    let mut labels = vec![Label::new("method", method.to_owned()), Label::new("route", route.to_owned())];
    metrics::histogram!("sshkeyd_http_request_duration_seconds", labels.clone()).record(seconds);
    labels.push(Label::new("status", status.to_string()));
    metrics::counter!("sshkeyd_http_requests_total", labels).increment(1);
}

/// Tracks requests in flight: up on creation, down on drop.
pub struct InFlight;

impl InFlight {
    /// Counts a request as started.
    pub fn start() -> Self {
        metrics::gauge!("sshkeyd_http_requests_in_flight").increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("sshkeyd_http_requests_in_flight").decrement(1.0);
    }
}

/// A connection was closed at once: `limit` is `total` or `per_ip`.
pub fn connection_refused(limit: &'static str) {
    metrics::counter!("sshkeyd_connections_refused_total", "limit" => limit).increment(1);
}

/// Tracks open client connections: up on creation, down on drop.
pub struct OpenConnection;

impl OpenConnection {
    pub fn start() -> Self {
        metrics::gauge!("sshkeyd_connections_open").increment(1.0);
        Self
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        metrics::gauge!("sshkeyd_connections_open").decrement(1.0);
    }
}

/// A key was created; `source` is `imported` or `generated`.
pub fn key_created(source: &'static str) {
    metrics::counter!("sshkeyd_keys_created_total", "source" => source).increment(1);
}

pub fn key_deleted() {
    metrics::counter!("sshkeyd_keys_deleted_total").increment(1);
}

/// An authentication failed; `reason` is one of a fixed few.
pub fn auth_failure(reason: &'static str) {
    metrics::counter!("sshkeyd_auth_failures_total", "reason" => reason).increment(1);
}

/// A store operation finished.
pub fn store_operation(operation: &'static str, seconds: f64, ok: bool) {
    metrics::histogram!("sshkeyd_store_operation_duration_seconds", "operation" => operation).record(seconds);
    if !ok {
        metrics::counter!("sshkeyd_store_errors_total", "operation" => operation).increment(1);
    }
}
