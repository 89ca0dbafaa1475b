//! The signals that stop the service, and the one it ignores.

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;

/// Counts SIGINT and SIGTERM as they arrive (the first begins a graceful
/// stop, the second cuts its delay short). SIGHUP, which would otherwise
/// kill the process at once (in-flight requests cut off, nothing logged),
/// is logged and ignored: there is no configuration reload to run, and a
/// closing terminal or a reflexive `systemctl reload` must not stop the
/// service.
///
/// The handlers are installed before this returns, so no signal that
/// arrives later takes the default action.
pub fn stop_signals() -> watch::Receiver<u32> {
    let mut term = install(SignalKind::terminate(), "SIGTERM");
    let mut interrupt = install(SignalKind::interrupt(), "SIGINT");
    let mut hangup = install(SignalKind::hangup(), "SIGHUP");
    let (count, counted) = watch::channel(0);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received"),
                _ = interrupt.recv() => tracing::info!("SIGINT received"),
                _ = hangup.recv() => {
                    tracing::warn!(
                        "SIGHUP received and ignored: sshkeyd has no configuration reload; restart it to apply changes"
                    );
                    continue;
                }
            }
            count.send_modify(|n| *n += 1);
        }
    });
    counted
}

fn install(kind: SignalKind, name: &str) -> Signal {
    signal(kind).unwrap_or_else(|e| panic!("installing a {name} handler: {e}"))
}
