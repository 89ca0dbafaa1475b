//! sshkeyd: a self-hostable SSH key service that speaks the Gcore Cloud API
//! "SSH Keys" resource, so the clients people already use (the official
//! `gcore` SDKs) work against it unchanged.
//!
//! The crate is a library with a thin binary: [`run`] takes a bound
//! listener and a shutdown future, so tests can serve on port 0.

pub mod config;
pub mod domain;
pub mod http;
mod metrics;
pub mod server;
pub mod store;
pub mod telemetry;
mod tls;
pub mod tokens;

pub use server::run;
