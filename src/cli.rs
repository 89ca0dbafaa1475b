//! The command line: `serve`, `token`, `audit`, `config`, and the hidden
//! `seed` used by the benchmark.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::admin;
use crate::config::{Config, DatabaseArgs, HumanDuration, LogFormat, Settings};

/// sshkeyd: a self-hostable SSH key service that speaks the Gcore Cloud API
/// "SSH Keys" resource, so existing Gcore clients work against it unchanged.
#[derive(Debug, Parser)]
#[command(name = "sshkeyd", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (stops gracefully on SIGINT or SIGTERM). On the first
    /// start of an empty SQLite database it writes an admin token (user
    /// admin, project 1) to a file beside the database and logs the path.
    Serve(Box<ServeArgs>),
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print the audit trail of key creations, sharing changes and
    /// deletions, oldest first, one event per line.
    Audit(AuditArgs),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Insert generated keys straight into the store (for benchmarks).
    #[command(hide = true)]
    Seed(SeedArgs),
}

/// `serve`'s arguments.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML config file; flags and SSHKEYD_* variables take precedence over
    /// it. See `sshkeyd config default`.
    #[arg(long, env = "SSHKEYD_CONFIG")]
    pub config: Option<PathBuf>,
    /// The settings.
    #[command(flatten)]
    pub settings: Settings,
}

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token for a user (created if new) with access to the given
    /// projects (created if new). Prints the token alone on stdout; it is
    /// shown this once and stored only as a hash.
    Create {
        /// User name.
        #[arg(long)]
        user: String,
        /// Project id to grant; repeat for several.
        #[arg(long = "project", required = true, value_parser = clap::value_parser!(i64).range(1..))]
        projects: Vec<i64>,
        /// Expire the token after this long, e.g. 90d, 12h, 30m, 2s.
        #[arg(long)]
        expires_in: Option<HumanDuration>,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List tokens: id, user, projects, creation, expiry, last use and
    /// revocation. Never shows a secret.
    List {
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke a token by id; every node refuses it within a second.
    Revoke {
        /// Token id, as shown by `token list`.
        id: String,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// `audit`'s arguments.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this project's events.
    #[arg(long)]
    pub project: Option<i64>,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented config file with every setting at its default.
    Default,
}

/// `seed`'s arguments.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Project to fill.
    #[arg(long)]
    pub project: i64,
    /// Owner of the keys (created if new).
    #[arg(long)]
    pub user: String,
    /// Number of keys.
    #[arg(long)]
    pub count: u32,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

impl Cli {
    /// The resolved serve config (reading `--config`), or `None` for the
    /// admin commands.
    pub fn serve_config(&self) -> anyhow::Result<Option<Config>> {
        let Command::Serve(args) = &self.command else { return Ok(None) };
        let file = match &args.config {
            Some(path) => Settings::from_file(path)?,
            None => Settings::default(),
        };
        Ok(Some(args.settings.clone().or(file).resolve()))
    }

    /// Log format and filter: the serve config's, or quiet defaults for the
    /// admin commands, whose stdout is meant for scripts.
    pub fn log_settings(config: Option<&Config>) -> (LogFormat, Option<String>) {
        match config {
            Some(c) => (c.log_format, c.log_level.clone()),
            None => (LogFormat::Pretty, std::env::var("RUST_LOG").ok().or(Some("warn".into()))),
        }
    }

    /// Runs the command.
    pub async fn execute(self, config: Option<Config>) -> anyhow::Result<()> {
        match (self.command, config) {
            (Command::Serve(_), Some(config)) => admin::serve(config).await,
            (Command::Serve(_), None) => anyhow::bail!("serve needs its config"),
            (Command::Token(command), _) => admin::token(command).await,
            (Command::Audit(args), _) => admin::audit(args).await,
            (Command::Config(ConfigCommand::Default), _) => {
                print!("{}", crate::config::DEFAULT_FILE);
                Ok(())
            }
            (Command::Seed(args), _) => admin::seed(args).await,
        }
    }
}
