//! The accept loop: connection limits, hyper with the limits axum's
//! `serve` does not expose (header size and header read timeout), optional
//! TLS, and a graceful shutdown that drains requests in flight.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, header::CONNECTION};
use axum::{body::Body, extract::Request, response::Response};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::{Service, ServiceExt};

use super::bare_errors::ShapeBareErrors;
use super::connections::ConnectionLimits;
use crate::http::Readiness;

/// hyper's read buffer: bounds the memory a request head may take. Large
/// enough that a head within twice the documented limits (16 KiB of
/// headers, an 8 KiB target) reaches `http::limits`, which answers it
/// exactly (431, 414); past it, hyper's own 431 is reshaped
/// (`bare_errors.rs`).
const READ_BUFFER_BYTES: usize = 64 * 1024;
/// The most header fields hyper parses (its default is 100; more get a
/// 431, reshaped by `bare_errors.rs`). hyper fills a table of this many
/// entries for every request, so the count has a price (callgrind, Ir per
/// `/healthz`): 29.5k at hyper's default, 31.3k at 128, 32.6k at 256, 39.9k
/// at 1024, and 61.3k at 3,277, the count past which the 16 KiB rule alone
/// would refuse every head. 256 fields is more than any client or proxy
/// sends, and is documented beside the 16 KiB.
const MAX_HEADER_FIELDS: usize = 256;

#[derive(Clone)]
pub struct ServerOptions {
    /// Time a client has to send the request head; cuts off slowloris.
    pub header_read_timeout: Duration,
    /// Time requests in flight get to finish after shutdown starts.
    pub drain_timeout: Duration,
    /// Serve HTTPS with this acceptor.
    pub tls: Option<TlsAcceptor>,
    /// Open connections, in total and per client address.
    pub connections: Arc<ConnectionLimits>,
    /// Once stopping, every answer closes its connection.
    pub readiness: Readiness,
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops
/// accepting, lets requests in flight finish (up to the drain timeout) and
/// returns.
pub async fn serve<S>(
    listener: TcpListener,
    app: S,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send,
{
    let builder = Arc::new(connection_builder(&options));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // EMFILE and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Over a limit the connection is closed at once: answering would
        // mean reading its request, which is what the limit saves.
        let slot = match options.connections.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(refused) => {
                crate::metrics::connection_refused(refused.label());
                tracing::debug!(%peer, limit = refused.label(), "connection refused: limit reached");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        // hyper hands over `Incoming` bodies; the app takes axum's `Body`.
        let readiness = options.readiness.clone();
        let service = app
            .clone()
            .map_request(|r: hyper::Request<Incoming>| r.map(Body::new))
            .map_response(move |response| close_if_stopping(response, &readiness));
        let service = TowerToHyperService::new(service);
        let (builder, tls) = (builder.clone(), options.tls.clone());
        let watcher = graceful.watcher();
        let limit = options.header_read_timeout;
        tokio::spawn(async move {
            let _slot = slot;
            let result = match tls {
                None => {
                    if !sniffable_within(&stream, limit).await {
                        return tracing::debug!(%peer, "no request within the header read timeout");
                    }
                    let stream = TokioIo::new(ShapeBareErrors::new(stream));
                    watcher.watch(builder.serve_connection(stream, service)).await
                }
                Some(tls) => match tokio::time::timeout(limit, tls.accept(stream)).await {
                    Ok(Ok(stream)) => {
                        let stream = TokioIo::new(ShapeBareErrors::new(stream));
                        watcher.watch(builder.serve_connection(stream, service)).await
                    }
                    Ok(Err(e)) => return tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => return tracing::debug!(%peer, "TLS handshake timed out"),
                },
            };
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: draining requests in flight");
    match tokio::time::timeout(options.drain_timeout, graceful.shutdown()).await {
        Ok(()) => tracing::info!("all connections closed"),
        Err(_) => tracing::warn!("drain timeout reached; closing the remaining connections"),
    }
    Ok(())
}

/// While a stop is pending, `Connection: close` on every answer, so that a
/// kept-alive client (or proxy) opens its next connection elsewhere; hyper
/// then closes the connection after this answer. (HTTP/2 has no such
/// header, and hyper leaves it out there; its connections end with the
/// drain's GOAWAY.)
fn close_if_stopping(mut response: Response, readiness: &Readiness) -> Response {
    if readiness.is_stopping() {
        response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

fn connection_builder(options: &ServerOptions) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .max_headers(MAX_HEADER_FIELDS)
        .max_buf_size(READ_BUFFER_BYTES);
    builder.http2().timer(TokioTimer::new()).max_header_list_size(READ_BUFFER_BYTES as u32).max_concurrent_streams(256);
    builder
}

/// hyper-util's auto builder reads up to 24 bytes to tell HTTP/1 from the
/// HTTP/2 preface, with no timeout of its own (hyper's header read timeout
/// starts after it). Waits, at most `limit`, until those bytes are there or
/// what came already differs from the preface; false if the client sent
/// nothing usable in time (or closed).
async fn sniffable_within(stream: &TcpStream, limit: Duration) -> bool {
    const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let mut buf = [0u8; 24];
    let wait = async {
        loop {
            match stream.peek(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) if n == PREFACE.len() || buf[..n] != PREFACE[..n] => return true,
                // A prefix of the preface: peek would return at once again.
                Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    };
    tokio::time::timeout(limit, wait).await.unwrap_or(false)
}
