//! One typed configuration. Each setting comes from its flag, else its
//! `SSHKEYD_*` environment variable (clap reads both), else the optional
//! TOML file (`--config`), else its default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde::Deserialize;

use crate::store::{DatabaseUrl, PoolOptions};

#[path = "config_duration.rs"]
mod duration;
pub use duration::{HumanDuration, Wait};

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        DatabaseUrl::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// The database of an admin command (`token`, `audit`, ...), with the same
/// flag, variable and default as `serve`.
#[derive(Debug, Clone, Default, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://relative.db, sqlite:///absolute.db or
    /// postgres://user:pass@host:port/db [default: sqlite://sshkeyd.db]
    #[arg(long = "database", env = "SSHKEYD_DATABASE_URL", value_parser = DatabaseUrl::parse)]
    pub url: Option<DatabaseUrl>,
}

impl DatabaseArgs {
    /// The URL, or the default.
    pub fn url(&self) -> DatabaseUrl {
        self.url.clone().unwrap_or_else(default_database)
    }
}

fn default_database() -> DatabaseUrl {
    DatabaseUrl::Sqlite(PathBuf::from("sshkeyd.db"))
}

/// Every `serve` setting, as flags and env vars, and as keys of the TOML
/// file (same names with underscores). `None` means "not given here".
#[derive(Debug, Clone, Default, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "SSHKEYD_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Database URL: sqlite://relative.db, sqlite:///absolute.db or
    /// postgres://user:pass@host:port/db [default: sqlite://sshkeyd.db]
    #[arg(long, env = "SSHKEYD_DATABASE_URL", value_parser = DatabaseUrl::parse)]
    pub database: Option<DatabaseUrl>,
    /// Keys a project may hold [default: 100]
    #[arg(long, env = "SSHKEYD_MAX_KEYS_PER_PROJECT")]
    pub max_keys_per_project: Option<u32>,
    /// Database connections (PostgreSQL pool; SQLite readers) [default: 16]
    #[arg(long, env = "SSHKEYD_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,
    /// Wait for a free database connection before answering 503 [default: 3s]
    #[arg(long, env = "SSHKEYD_DB_ACQUIRE_TIMEOUT")]
    pub db_acquire_timeout: Option<HumanDuration>,
    /// Time allowed to open a database connection [default: 3s]
    #[arg(long, env = "SSHKEYD_DB_CONNECT_TIMEOUT")]
    pub db_connect_timeout: Option<HumanDuration>,
    /// Server-side statement timeout (PostgreSQL) [default: 5s]
    #[arg(long, env = "SSHKEYD_DB_STATEMENT_TIMEOUT")]
    pub db_statement_timeout: Option<HumanDuration>,
    /// Time to answer a request once its body is read; a write already
    /// handed to the database is always waited for [default: 30s]
    #[arg(long, env = "SSHKEYD_REQUEST_TIMEOUT")]
    pub request_timeout: Option<HumanDuration>,
    /// Time a client has to send its request headers [default: 10s]
    #[arg(long, env = "SSHKEYD_HEADER_READ_TIMEOUT")]
    pub header_read_timeout: Option<HumanDuration>,
    /// Time a client has to send its request body [default: 10s]
    #[arg(long, env = "SSHKEYD_BODY_READ_TIMEOUT")]
    pub body_read_timeout: Option<HumanDuration>,
    /// On SIGTERM/SIGINT, time spent reporting not ready (/readyz 503)
    /// while still serving, so a load balancer moves traffic away, before
    /// the listener closes; a second signal cuts it short; 0s turns it off
    /// [default: 5s]
    #[arg(long, env = "SSHKEYD_SHUTDOWN_DELAY")]
    pub shutdown_delay: Option<Wait>,
    /// On SIGTERM/SIGINT, time left to finish requests in flight once the
    /// listener has closed [default: 20s]
    #[arg(long, env = "SSHKEYD_DRAIN_TIMEOUT")]
    pub drain_timeout: Option<HumanDuration>,
    /// Authenticated, fully read requests being served before new ones get
    /// 503 at once [default: 1024]
    #[arg(long, env = "SSHKEYD_MAX_IN_FLIGHT")]
    pub max_in_flight: Option<usize>,
    /// Open client connections; past it, new ones are closed at once
    /// [default: 10000]
    #[arg(long, env = "SSHKEYD_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Open connections from one client address (IPv6: one /64); past it,
    /// new ones from that address are closed at once [default: 256]
    #[arg(long, env = "SSHKEYD_MAX_CONNECTIONS_PER_IP")]
    pub max_connections_per_ip: Option<usize>,
    /// Requests per second allowed per token; 0 turns the limit off [default: 0]
    #[arg(long, env = "SSHKEYD_RATE_LIMIT")]
    pub rate_limit: Option<u32>,
    /// Burst above the per-token rate [default: 2x the rate]
    #[arg(long, env = "SSHKEYD_RATE_LIMIT_BURST")]
    pub rate_limit_burst: Option<u32>,
    /// PEM certificate chain; with --tls-key, serve HTTPS
    #[arg(long, env = "SSHKEYD_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert
    #[arg(long, env = "SSHKEYD_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve Prometheus metrics on this separate address [default: off]
    #[arg(long, env = "SSHKEYD_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Log format [default: pretty]
    #[arg(long, env = "SSHKEYD_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Log filter such as info or sshkeyd=debug; RUST_LOG is used when
    /// neither this nor the file sets one [default: info]
    #[arg(long, env = "SSHKEYD_LOG_LEVEL")]
    pub log_level: Option<String>,
}

impl Settings {
    /// Reads a TOML config file; an unknown key is an error that names it.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Fills every setting not given here from `lower` (the file).
    pub fn or(self, lower: Settings) -> Settings {
        Settings {
            listen: self.listen.or(lower.listen),
            database: self.database.or(lower.database),
            max_keys_per_project: self.max_keys_per_project.or(lower.max_keys_per_project),
            db_max_connections: self.db_max_connections.or(lower.db_max_connections),
            db_acquire_timeout: self.db_acquire_timeout.or(lower.db_acquire_timeout),
            db_connect_timeout: self.db_connect_timeout.or(lower.db_connect_timeout),
            db_statement_timeout: self.db_statement_timeout.or(lower.db_statement_timeout),
            request_timeout: self.request_timeout.or(lower.request_timeout),
            header_read_timeout: self.header_read_timeout.or(lower.header_read_timeout),
            body_read_timeout: self.body_read_timeout.or(lower.body_read_timeout),
            shutdown_delay: self.shutdown_delay.or(lower.shutdown_delay),
            drain_timeout: self.drain_timeout.or(lower.drain_timeout),
            max_in_flight: self.max_in_flight.or(lower.max_in_flight),
            max_connections: self.max_connections.or(lower.max_connections),
            max_connections_per_ip: self.max_connections_per_ip.or(lower.max_connections_per_ip),
            rate_limit: self.rate_limit.or(lower.rate_limit),
            rate_limit_burst: self.rate_limit_burst.or(lower.rate_limit_burst),
            tls_cert: self.tls_cert.or(lower.tls_cert),
            tls_key: self.tls_key.or(lower.tls_key),
            metrics_listen: self.metrics_listen.or(lower.metrics_listen),
            log_format: self.log_format.or(lower.log_format),
            log_level: self.log_level.or(lower.log_level),
        }
    }
}

/// Long enough for a load balancer that checks `/readyz` every second or two
/// to take a stopping node out of rotation; a single node stopped by hand
/// skips it with a second Ctrl-C (or `--shutdown-delay 0s`).
const DEFAULT_SHUTDOWN_DELAY: Duration = Duration::from_secs(5);

/// The resolved configuration of `serve`, every default applied.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Its `Debug` hides the password.
    pub database: DatabaseUrl,
    pub max_keys_per_project: u32,
    pub pool: PoolOptions,
    /// Time to answer once the body is read, up to a write's handover.
    pub request_timeout: Duration,
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    /// Time between a stop signal and closing the listener, spent serving
    /// while `/readyz` answers 503.
    pub shutdown_delay: Duration,
    /// Time requests in flight get to finish once the listener has closed.
    pub drain_timeout: Duration,
    /// Admitted requests being served before new ones are shed with a 503.
    pub max_in_flight: usize,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    /// Per-token rate (requests/s) and burst; `None` is off.
    pub rate_limit: Option<(u32, u32)>,
    /// Certificate chain and key paths.
    pub tls: Option<(PathBuf, PathBuf)>,
    pub metrics_listen: Option<SocketAddr>,
    pub log_format: LogFormat,
    /// `None` means RUST_LOG or `info`.
    pub log_level: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Settings::default().resolve().expect("the defaults are valid")
    }
}

/// A count that must be at least 1: `Some(0)` is refused with a message
/// naming the flag and the file key, since 0 would silently turn the limit
/// into "refuse everything" or "no limit".
fn at_least_one<T: Copy + Default + PartialEq>(value: Option<T>, flag: &str) -> anyhow::Result<Option<T>> {
    if value == Some(T::default()) {
        let key = flag.replace('-', "_");
        anyhow::bail!("--{flag} (or {key} in the config file) must be at least 1");
    }
    Ok(value)
}

impl Settings {
    /// The config with every setting not given here at its default; a limit
    /// of 0 is an error (durations of 0 are refused when parsed).
    pub fn resolve(self) -> anyhow::Result<Config> {
        let secs = |d: Option<HumanDuration>, default: u64| d.map_or(Duration::from_secs(default), |d| d.0);
        let or = |d: Option<HumanDuration>, default: Duration| d.map_or(default, |d| d.0);
        let default_pool = PoolOptions::default();
        let db_max_connections = at_least_one(self.db_max_connections, "db-max-connections")?;
        let pool = PoolOptions {
            max_connections: db_max_connections.unwrap_or(default_pool.max_connections),
            acquire_timeout: or(self.db_acquire_timeout, default_pool.acquire_timeout),
            connect_timeout: or(self.db_connect_timeout, default_pool.connect_timeout),
            statement_timeout: or(self.db_statement_timeout, default_pool.statement_timeout),
        };
        let rate = self.rate_limit.filter(|r| *r > 0);
        // The burst matters only with a rate; without one it is ignored.
        let burst = if rate.is_some() { at_least_one(self.rate_limit_burst, "rate-limit-burst")? } else { None };
        Ok(Config {
            listen: self.listen.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080))),
            database: self.database.unwrap_or_else(default_database),
            max_keys_per_project: self.max_keys_per_project.unwrap_or(100),
            pool,
            request_timeout: secs(self.request_timeout, 30),
            header_read_timeout: secs(self.header_read_timeout, 10),
            body_read_timeout: secs(self.body_read_timeout, 10),
            shutdown_delay: self.shutdown_delay.map_or(DEFAULT_SHUTDOWN_DELAY, |d| d.0),
            drain_timeout: secs(self.drain_timeout, 20),
            max_in_flight: at_least_one(self.max_in_flight, "max-in-flight")?.unwrap_or(1024),
            max_connections: at_least_one(self.max_connections, "max-connections")?.unwrap_or(10_000),
            max_connections_per_ip: at_least_one(self.max_connections_per_ip, "max-connections-per-ip")?.unwrap_or(256),
            rate_limit: rate.map(|r| (r, burst.unwrap_or(r.saturating_mul(2)))),
            tls: self.tls_cert.zip(self.tls_key),
            metrics_listen: self.metrics_listen,
            log_format: self.log_format.unwrap_or_default(),
            log_level: self.log_level,
        })
    }
}

/// The commented file `sshkeyd config default` prints.
pub const DEFAULT_FILE: &str = include_str!("config_default.toml");

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
