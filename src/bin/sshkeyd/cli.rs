//! The command line as data: clap types only. `main.rs` dispatches each
//! command to its module under `cmd/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use sshkeyd::config::{DatabaseArgs, HumanDuration, Settings};
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
    /// Print the authorized_keys lines for LOGIN, asking an sshkeyd server:
    /// the program sshd runs as its AuthorizedKeysCommand (`... %u %f`).
    /// Fails closed: on any error it prints nothing on stdout, explains on
    /// stderr (which sshd logs) and exits non-zero.
    AuthorizedKeys(AuthorizedKeysArgs),
    /// Write the whole store as JSON Lines: a header, then users, projects,
    /// tokens (hashes only), keys, counters and the audit trail, from one
    /// consistent snapshot while the service keeps serving. It holds token
    /// hashes and the audit trail: protect it like the database.
    Export(ExportArgs),
    /// Load an export into an empty database in one transaction. Every line
    /// is checked first; a bad one (named by its number) or a database that
    /// is not empty leaves the database as it was.
    Import(ImportArgs),
    /// Copy a live SQLite database, consistently, while the service keeps
    /// writing; the copy is checked and serves as it is. (PostgreSQL:
    /// pg_dump, or export.)
    Backup(BackupArgs),
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
        /// A token that may list, get and read authorized_keys, but not
        /// create, change or delete keys (403): what a host's
        /// `sshkeyd authorized-keys` needs.
        #[arg(long)]
        read_only: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List tokens: id, user, projects, creation, expiry, last use,
    /// revocation and whether read-only. Never shows a secret.
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

/// `authorized-keys`. Keys offered for LOGIN: every key the token sees when
/// LOGIN is a `--shared-account`, else only those whose owner (the user a
/// token was issued for) is named LOGIN.
#[derive(Debug, Args)]
pub struct AuthorizedKeysArgs {
    /// Base URL of the sshkeyd API, e.g. https://keys.internal:8080
    #[arg(long)]
    pub server: String,
    /// File holding the host's API token (issue it with `token create
    /// --read-only`); refused unless owned by the user running this command
    /// and unreadable by group and others.
    #[arg(long)]
    pub token_file: PathBuf,
    /// The project whose keys open this host (1 to 9007199254740991).
    #[arg(long, value_parser = ProjectId::parse)]
    pub project: ProjectId,
    /// A login every key the token sees may use (e.g. root, deploy); repeat
    /// for several.
    #[arg(long = "shared-account", value_name = "LOGIN")]
    pub shared_accounts: Vec<String>,
    /// Keep each successful answer here (mode 0600 files), and use it only
    /// while the server cannot be reached or answers 5xx.
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Oldest cached answer that may still be used.
    #[arg(long, default_value = "1h")]
    pub cache_max_age: HumanDuration,
    /// Give up on the server after this long (connecting and the whole
    /// answer).
    #[arg(long, default_value = "3s")]
    pub timeout: HumanDuration,
    /// CA certificates (PEM) that an https:// server's certificate must
    /// chain to [default: the system bundle, /etc/ssl/certs/ca-certificates.crt]
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
    /// The login being attempted (sshd's %u).
    pub login: String,
    /// The offered key's fingerprint (sshd's %f, `SHA256:...`): asks for that
    /// key alone, one indexed lookup.
    pub fingerprint: Option<String>,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Project to fill (the first of them with --projects).
    #[arg(long, value_parser = ProjectId::parse)]
    pub project: ProjectId,
    /// Spread the keys over this many projects from --project on, in turn.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub projects: u32,
    /// Owner of the keys (created if new).
    #[arg(long, value_parser = UserName::parse)]
    pub user: UserName,
    /// Number of keys.
    #[arg(long)]
    pub count: u32,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the export here, mode 0600, complete or not at all (it is
    /// written beside it under a temporary name, then renamed) [default:
    /// standard output]
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Replace the --output file if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export to load [default: standard input]
    #[arg(long)]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy, mode 0600 (written beside it under a
    /// temporary name, checked, then renamed).
    pub output: PathBuf,
    /// Replace OUTPUT if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}
