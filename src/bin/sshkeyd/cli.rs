//! The command line as data: clap types only. `main.rs` dispatches each
//! command to its module under `cmd/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use sshkeyd::config::{DatabaseArgs, Settings};
use sshkeyd::domain::{ProjectId, UserName};
use sshkeyd::tokens::TokenLifetime;

/// sshkeyd: a self-hostable SSH key service that speaks the Gcore Cloud API
/// "SSH Keys" resource, so existing Gcore clients work against it unchanged.
#[derive(Debug, Parser)]
#[command(name = "sshkeyd", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (stops gracefully on SIGINT or SIGTERM; SIGHUP is
    /// logged and ignored). On the first start of an empty SQLite database
    /// it writes an admin token (user admin, project 1) to a file beside the
    /// database and logs the path.
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

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// TOML config file; flags and SSHKEYD_* variables take precedence over
    /// it. See `sshkeyd config default`.
    #[arg(long, env = "SSHKEYD_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token for a user (created if new) with access to the given
    /// projects (created if new). Prints the token alone on stdout; it is
    /// shown this once and stored only as a hash.
    Create {
        /// User name: 1 to 255 bytes of visible text.
        #[arg(long, value_parser = UserName::parse)]
        user: UserName,
        /// Project id to grant (1 to 9007199254740991); repeat for several.
        #[arg(long = "project", required = true, value_parser = ProjectId::parse)]
        projects: Vec<ProjectId>,
        /// Expire the token after this long, from 1s to 3650d, e.g. 90d,
        /// 12h, 30m [default: never]
        #[arg(long, value_parser = TokenLifetime::parse)]
        expires_in: Option<TokenLifetime>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List tokens: id, user, projects, creation, expiry, last use and
    /// revocation. Never shows a secret.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke a token by id; every node refuses it within a second.
    Revoke {
        /// Token id, as shown by `token list`.
        id: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this project's events.
    #[arg(long, value_parser = ProjectId::parse)]
    pub project: Option<ProjectId>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented config file with every setting at its default.
    Default,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Project to fill.
    #[arg(long, value_parser = ProjectId::parse)]
    pub project: ProjectId,
    /// Owner of the keys (created if new).
    #[arg(long, value_parser = UserName::parse)]
    pub user: UserName,
    /// Number of keys.
    #[arg(long)]
    pub count: u32,
    #[command(flatten)]
    pub database: DatabaseArgs,
}
