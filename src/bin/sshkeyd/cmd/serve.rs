//! `serve`: the API until SIGINT or SIGTERM.

use anyhow::Context;
use sshkeyd::Shutdown;
use sshkeyd::config::{Config, Settings};
use tokio::net::TcpListener;

use crate::cli::ServeArgs;

/// The resolved config: flags and `SSHKEYD_*` variables over the `--config`
/// file over the defaults.
pub fn config(args: &ServeArgs) -> anyhow::Result<Config> {
    let file = match &args.config {
        Some(path) => Settings::from_file(path)?,
        None => Settings::default(),
    };
    args.settings.clone().or(file).resolve()
}

/// Binds the listener and runs the service until SIGINT or SIGTERM (then
/// the shutdown delay, which a second one cuts short, and the drain).
pub async fn run(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
    sshkeyd::run(config, listener, Shutdown::on_signals()).await
}
