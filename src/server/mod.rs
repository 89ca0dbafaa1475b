//! Serving: [`run`] puts the pieces together (store, first-start token,
//! metrics listener, API, TLS) and hands them to the accept loop, which
//! serves until the shutdown future resolves.

mod accept;
mod signals;

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::config::Config;
use crate::http::{self, ApiSettings, AppState};
use crate::{metrics, store, tls, tokens};
use accept::ServerOptions;
pub use signals::shutdown_signal;

/// Opens the store (migrating it), issues the first-start admin token if
/// needed, and serves the API on `listener` until `shutdown` resolves and
/// requests in flight have drained.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    // `Config`'s Debug hides the database password.
    tracing::info!(?config, "starting sshkeyd {}", env!("CARGO_PKG_VERSION"));
    let store = store::metered::MeteredStore::wrap(store::open(&config.database, &config.pool).await?);
    tokens::bootstrap_admin_token(store.as_ref(), &config.database).await?;
    let (stop_metrics, metrics_stopped) = oneshot::channel::<()>();
    if let Some(addr) = config.metrics_listen {
        start_metrics(addr, metrics_stopped).await?;
    }
    let limits = http::Limits {
        request_timeout: config.request_timeout,
        max_in_flight: config.max_in_flight,
        rate_limit: config.rate_limit,
    };
    let state = AppState::new(
        store,
        ApiSettings { max_keys_per_project: config.max_keys_per_project, limits, https: config.tls.is_some() },
    );
    let app = http::app(state);
    let tls = match &config.tls {
        Some((cert, key)) => Some(tls::acceptor(cert, key)?),
        None => None,
    };
    let options =
        ServerOptions { header_read_timeout: config.header_read_timeout, drain_timeout: config.drain_timeout, tls };
    tracing::info!(addr = %listener.local_addr()?, tls = options.tls.is_some(), "listening");
    accept::serve(listener, app, options, shutdown).await?;
    let _ = stop_metrics.send(());
    tracing::info!("stopped");
    Ok(())
}

/// Binds the metrics listener and serves `/metrics` until `stop` fires.
async fn start_metrics(addr: SocketAddr, stop: oneshot::Receiver<()>) -> anyhow::Result<()> {
    let handle = metrics::install()?;
    let listener = TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("binding metrics on {addr}: {e}"))?;
    tracing::info!(addr = %listener.local_addr()?, "metrics listening");
    tokio::spawn(async move {
        let stopped = async {
            let _ = stop.await;
        };
        if let Err(e) = metrics::serve(listener, handle, stopped).await {
            tracing::error!(error = %e, "metrics listener failed");
        }
    });
    Ok(())
}
