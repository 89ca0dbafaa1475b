//! The signals that stop the service, and the one it ignores.

/// Resolves on the first SIGINT or SIGTERM. SIGHUP, which would otherwise
/// kill the process at once (in-flight requests cut off, nothing logged),
/// is logged and ignored: there is no configuration reload to run, and a
/// closing terminal or a reflexive `systemctl reload` must not stop the
/// service.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("installing a SIGTERM handler");
    let mut hangup = signal(SignalKind::hangup()).expect("installing a SIGHUP handler");
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return tracing::info!("SIGINT received"),
            _ = term.recv() => return tracing::info!("SIGTERM received"),
            _ = hangup.recv() => tracing::warn!(
                "SIGHUP received and ignored: sshkeyd has no configuration reload; restart it to apply changes"
            ),
        }
    }
}
