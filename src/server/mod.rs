//! Serving: [`run`] puts the pieces together (store, first-start token,
//! metrics listener, API, TLS) and hands them to the accept loop, which
//! serves until the shutdown future resolves.

mod accept;
mod bare_errors;
mod connections;
mod shutdown;
mod signals;

use std::net::SocketAddr;
use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::config::Config;
use crate::http::{self, ApiSettings, AppState, Readiness};
use crate::store::{self, KeyStore};
use crate::{metrics, tls, tokens};
use accept::ServerOptions;
use connections::ConnectionLimits;
pub use shutdown::Shutdown;

/// Opens the store (migrating it), issues the first-start admin token if
/// needed, and serves the API on `listener` until `shutdown` begins a stop,
/// the shutdown delay has passed (`shutdown.rs`) and requests in flight
/// have drained.
///
/// Every step that can fail (the TLS files, the metrics address; the
/// caller has bound `listener`) comes before the database is opened, so a
/// start that fails leaves no new database or admin token behind.
pub async fn run(config: Config, listener: TcpListener, shutdown: Shutdown) -> anyhow::Result<()> {
    // `Config`'s Debug hides the database password.
    tracing::info!(?config, "starting sshkeyd {}", env!("CARGO_PKG_VERSION"));
    let prepared = Prepared::new(&config).await?;
    let store = store::open(&config.database, &config.pool).await?;
    tokens::bootstrap_admin_token(store.as_ref(), &config.database).await?;
    prepared.serve(store, config, listener, shutdown).await
}

/// [`run`] over a store the caller opened (no first-start token), for
/// tests that wrap a real store, e.g. to make commits slow.
pub async fn serve_store(
    store: Arc<dyn KeyStore>,
    config: Config,
    listener: TcpListener,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    Prepared::new(&config).await?.serve(store, config, listener, shutdown).await
}

/// What start-up needs besides the store, made before the store is opened.
struct Prepared {
    tls: Option<TlsAcceptor>,
    metrics: Option<(TcpListener, PrometheusHandle)>,
}

impl Prepared {
    async fn new(config: &Config) -> anyhow::Result<Self> {
        let tls = match &config.tls {
            Some((cert, key)) => Some(tls::acceptor(cert, key)?),
            None => None,
        };
        let metrics = match config.metrics_listen {
            Some(addr) => Some(bind_metrics(addr).await?),
            None => None,
        };
        connections::ensure_file_descriptors(config.max_connections);
        Ok(Self { tls, metrics })
    }

    async fn serve(
        self,
        store: Arc<dyn KeyStore>,
        config: Config,
        listener: TcpListener,
        shutdown: Shutdown,
    ) -> anyhow::Result<()> {
        let (stop_metrics, metrics_stopped) = oneshot::channel::<()>();
        let metrics_on = self.metrics.is_some();
        if let Some((metrics_listener, handle)) = self.metrics {
            serve_metrics(metrics_listener, handle, metrics_stopped);
        }
        let limits = http::Limits {
            request_timeout: config.request_timeout,
            body_read_timeout: config.body_read_timeout,
            max_in_flight: config.max_in_flight,
            rate_limit: config.rate_limit,
        };
        let settings = ApiSettings {
            max_keys_per_project: config.max_keys_per_project,
            limits,
            https: config.tls.is_some(),
            route_labels: metrics_on || http::access_log_enabled(),
        };
        let readiness = Readiness::default();
        let state = AppState::new(store::metered::MeteredStore::wrap(store), settings, readiness.clone());
        let app = http::app(state);
        let stop_accepting = shutdown.stop_accepting(readiness.clone(), config.shutdown_delay);
        let options = ServerOptions {
            readiness,
            header_read_timeout: config.header_read_timeout,
            drain_timeout: config.drain_timeout,
            tls: self.tls,
            connections: ConnectionLimits::new(config.max_connections, config.max_connections_per_ip),
        };
        tracing::info!(addr = %listener.local_addr()?, tls = options.tls.is_some(), "listening");
        accept::serve(listener, app, options, stop_accepting).await?;
        let _ = stop_metrics.send(());
        tracing::info!("stopped");
        Ok(())
    }
}

/// Installs the metrics recorder and binds its listener.
async fn bind_metrics(addr: SocketAddr) -> anyhow::Result<(TcpListener, PrometheusHandle)> {
    let handle = metrics::install()?;
    let listener = TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("binding metrics on {addr}: {e}"))?;
    tracing::info!(addr = %listener.local_addr()?, "metrics listening");
    Ok((listener, handle))
}

/// Serves `/metrics` until `stop` fires.
fn serve_metrics(listener: TcpListener, handle: PrometheusHandle, stop: oneshot::Receiver<()>) {
    tokio::spawn(async move {
        let stopped = async {
            let _ = stop.await;
        };
        if let Err(e) = metrics::serve(listener, handle, stopped).await {
            tracing::error!(error = %e, "metrics listener failed");
        }
    });
}
