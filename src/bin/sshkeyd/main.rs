//! The `sshkeyd` binary: parse the command line (`cli.rs`, data only),
//! start logging, and run the command (one module each under `cmd/`). What
//! the commands do is in the library; they only call it and print.

mod cli;
mod cmd;
mod output;
mod output_file;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command};
use sshkeyd::config::LogFormat;
use tokio::runtime::{Builder, Runtime};

/// mimalloc instead of glibc's malloc: allocation was about a third of a
/// request's CPU under glibc (perf, see bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sshkeyd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let config = cmd::serve::config(&args)?;
            sshkeyd::telemetry::init(config.log_format, config.log_level.as_deref());
            runtime()?.block_on(cmd::serve::run(config))
        }
        Command::Token(command) => admin(cmd::token::run(command)),
        Command::Audit(args) => admin(cmd::audit::run(args)),
        Command::Config(command) => cmd::config::run(command),
        Command::Seed(args) => admin(cmd::seed::run(args)),
        Command::Export(args) => admin(cmd::export::run(args)),
        Command::Import(args) => admin(cmd::import::run(args)),
        Command::Backup(args) => cmd::backup::run(args),
        // No logging set up and no multi-threaded runtime: sshd runs this on
        // every login attempt, and its stdout carries only the answer.
        Command::AuthorizedKeys(args) => cmd::authorized_keys::run(args),
    }
}

/// Runs an admin command. Its stdout is meant for scripts, so it logs only
/// warnings unless `RUST_LOG` says otherwise.
fn admin(command: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    let level = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned());
    sshkeyd::telemetry::init(LogFormat::Pretty, Some(&level));
    runtime()?.block_on(command)
}

fn runtime() -> anyhow::Result<Runtime> {
    Ok(Builder::new_multi_thread().enable_all().build()?)
}
