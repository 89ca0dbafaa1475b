//! Logging setup. Every log line comes from `tracing`; nothing here ever
//! formats a token or a private key (see the secrets-hygiene test).

mod fields;

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

/// Installs the global subscriber, writing to stderr. The filter is
/// `level` if given, else `RUST_LOG`, else `info`.
pub fn init(format: LogFormat, level: Option<&str>) {
    let filter = match level {
        Some(level) => EnvFilter::new(level),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        // Colours only on a terminal: escape codes do not belong in a log
        // file or the journal. Fields are written plainly (`fields.rs`).
        LogFormat::Pretty => registry
            .with(
                fmt::layer()
                    .fmt_fields(fields::PlainFields)
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
