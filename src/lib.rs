//! sshkeyd: a self-hostable SSH key service that speaks the Gcore Cloud API
//! "SSH Keys" resource, so the clients people already use (the official
//! `gcore` SDKs and both Terraform providers) work against it unchanged.
//! A host's sshd asks it which keys may log in (`sshkeyd authorized-keys`).
//!
//! # How the crate fits together
//!
//! A request goes from the socket to the database through these steps:
//!
//! 1. **Accept loop** (`server/accept.rs`): connections bounded in total and
//!    per client address (`server/connections.rs`), hyper on the listener,
//!    TLS, the header read timeout and a graceful drain on shutdown.
//! 2. **Observe** (`http/observe.rs`, the outermost middleware): the request
//!    id and span, Gcore's shape for every error response, the metrics; and
//!    what the head alone decides (`limits::check_head`: 431, 414, no
//!    `Host`, a declared body over 64 KiB).
//! 3. **Public routes** (health, readiness, the OpenAPI document, the
//!    console) are served at once: no token, no slot, never shed. Every
//!    other request goes through **admission** (`http/limits.rs`): the token
//!    (401, 429), the body within the body read timeout (408, 413), an
//!    in-flight slot (503), then the request timeout (408), which stops at
//!    the moment a write is handed to the store (`http/handover.rs`).
//! 4. **Router** (`http/mod.rs`): one module per resource or API face:
//!    `http/ssh_keys/` (`/cloud/v1/ssh_keys`), `http/keypairs/`
//!    (`/cloud/v2/keypairs`) and `http/authorized_keys.rs` (sshd's lines).
//! 5. **Extractors** (`http/extract.rs`, `http/auth.rs`): the admitted
//!    `Principal`, the path's project a scope it may use (403, and 403 for
//!    a read-only token's write), the body JSON (415, 400; `http/json.rs`
//!    refuses duplicate keys).
//! 6. **Handler** (e.g. `http/ssh_keys/mod.rs`): input is validated into
//!    [`domain`] values (`input.rs`, 400 with `invalid_fields`), and replies
//!    are shaped by `view.rs`.
//! 7. **Store** ([`store::KeyStore`]): a request's writes run in a task of
//!    their own (`http/handover.rs`), so neither a timeout nor a client
//!    that goes away can cut one off; then `store/metered.rs` gives every
//!    call a span, metrics and the name of a failed operation...
//! 8. ...**backend**: SQLite (`store/sqlite/`: a group-commit writer thread
//!    and a pool of readers) or PostgreSQL (`store/postgres/`).
//!
//! # Where each concern lives
//!
//! - [`domain`]: ids, names, public key parsing, fingerprints, key
//!   generation, who may see and change a key. Pure: no I/O.
//! - [`store`]: the [`store::KeyStore`] trait (only what the service needs),
//!   [`store::BulkLoad`] for seeding, a module per backend; migrations are
//!   embedded from `migrations/<backend>/`. [`store::archive`] is export
//!   and import (JSON Lines records, their checks, the `Dump` and `Restore`
//!   traits each backend implements apart from `KeyStore`).
//! - [`http`]: the API. `error.rs` is the one error type and the one error
//!   schema; `openapi.rs` the OpenAPI document; a resource or API face is a
//!   module beside `ssh_keys/`, merged into the `api` router in
//!   `http/mod.rs`, which puts it behind admission.
//! - [`tokens`]: the token format, issuing tokens, the first-start admin token.
//! - [`server`]: [`run`] wires store, tokens, metrics, TLS and the API
//!   together; the accept loop; the shutdown signals.
//! - [`config`] (flags, `SSHKEYD_*` variables and the TOML file),
//!   [`telemetry`] (logging), `metrics.rs` (Prometheus), `tls.rs`.
//! - The binary, `src/bin/sshkeyd/`: `cli.rs` is the command line as clap
//!   types, `cmd/` has one module per command, `main.rs` dispatches.
//!
//! Modules and items are public only where the binary, `tests/api` or the
//! fuzz targets use them; the rest is private to the crate. [`run`] takes a
//! bound listener and a shutdown future, so tests serve on port 0;
//! [`serve_store`] serves over a store the caller opened.

pub mod config;
pub mod domain;
pub mod http;
mod metrics;
pub mod server;
pub mod store;
pub mod telemetry;
mod tls;
pub mod tokens;

pub use server::{Shutdown, run, serve_store};
