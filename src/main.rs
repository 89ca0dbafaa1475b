//! The `sshkeyd` binary: parse the command line, start logging, hand over to
//! the library.

use std::process::ExitCode;

use clap::Parser;
use sshkeyd::cli::Cli;

/// mimalloc instead of glibc's malloc: allocation was about a third of a
/// request's CPU under glibc (perf, see bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match cli.serve_config() {
        Ok(config) => config,
        Err(e) => return fail(&e),
    };
    let (format, level) = Cli::log_settings(config.as_ref());
    sshkeyd::telemetry::init(format, level.as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&e.into()),
    };
    match runtime.block_on(cli.execute(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("sshkeyd: {e:#}");
    ExitCode::FAILURE
}
