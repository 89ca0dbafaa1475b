//! What the commands do: serving, token management, the audit trail, and
//! seeding for benchmarks.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use uuid::Uuid;

use crate::cli::{AuditArgs, SeedArgs, TokenCommand};
use crate::config::{Config, DatabaseArgs};
use crate::domain::{KeyId, KeyName, NewKey, ProjectId, Timestamp, TokenId, generate_ed25519};
use crate::store::{self, DatabaseUrl, KeyStore, NewToken, PoolOptions};
use crate::tokens::IssuedToken;

/// Binds the listener and runs the service until SIGINT or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
    crate::run(config, listener, shutdown_signal()).await
}

/// Resolves on the first SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("installing a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
        _ = term.recv() => tracing::info!("SIGTERM received"),
    }
}

async fn open(database: &DatabaseArgs) -> anyhow::Result<Arc<dyn KeyStore>> {
    store::open(&database.url(), &PoolOptions { max_connections: 2, ..PoolOptions::default() }).await
}

/// Stores a new token for `user` on `projects`; the caller shows its text once.
pub async fn issue_token(
    store: &dyn KeyStore,
    user: &str,
    projects: &[i64],
    expires_in: Option<std::time::Duration>,
) -> anyhow::Result<IssuedToken> {
    let issued = IssuedToken::generate();
    record_token(store, &issued, user, projects, expires_in).await?;
    Ok(issued)
}

/// Stores the hash of `issued` for `user` on `projects`.
async fn record_token(
    store: &dyn KeyStore,
    issued: &IssuedToken,
    user: &str,
    projects: &[i64],
    expires_in: Option<std::time::Duration>,
) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let token = NewToken {
        id: issued.id.clone(),
        user_name: user.to_owned(),
        projects: projects.iter().copied().map(ProjectId).collect(),
        secret_hash: issued.secret_hash,
        created_at: now,
        expires_at: expires_in.map(|d| now.plus(d)),
    };
    Ok(store.create_token(token).await?)
}

/// `token create | list | revoke`.
pub async fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { user, projects, expires_in, database } => {
            anyhow::ensure!(!user.trim().is_empty() && user.len() <= 255, "--user must be 1 to 255 characters");
            let store = open(&database).await?;
            let issued = issue_token(store.as_ref(), &user, &projects, expires_in.map(|d| d.0)).await?;
            println!("{}", issued.text.as_str());
        }
        TokenCommand::List { database } => {
            let store = open(&database).await?;
            println!("ID\tUSER\tPROJECTS\tCREATED\tEXPIRES\tLAST_USED\tREVOKED");
            let when = |t: Option<Timestamp>| t.map_or("-".to_owned(), Timestamp::to_rfc3339);
            for t in store.list_tokens().await? {
                let projects: Vec<String> = t.projects.iter().map(|p| p.0.to_string()).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.id.0,
                    t.user_name,
                    projects.join(","),
                    t.created_at.to_rfc3339(),
                    when(t.expires_at),
                    when(t.last_used_at),
                    when(t.revoked_at)
                );
            }
        }
        TokenCommand::Revoke { id, database } => {
            let store = open(&database).await?;
            store.revoke_token(&TokenId(id.clone())).await.with_context(|| format!("revoking token {id}"))?;
            eprintln!("token {id} revoked");
        }
    }
    Ok(())
}

/// `audit`: one line per event.
pub async fn audit(args: AuditArgs) -> anyhow::Result<()> {
    let store = open(&args.database).await?;
    for e in store.audit_events(args.project.map(ProjectId)).await? {
        println!(
            "{} action={} user={} project={} key_id={} fingerprint={} request_id={}",
            e.at.to_rfc3339(),
            e.action,
            e.user_name,
            e.project.0,
            e.key_id.0,
            e.fingerprint,
            e.request_id
        );
    }
    Ok(())
}

/// `seed`: generated keys straight into the store, in large transactions.
pub async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    const CHUNK: u32 = 5_000;
    let store = open(&args.database).await?;
    let owner = store.ensure_user(&args.user).await?;
    let run = Uuid::new_v4().simple().to_string();
    let mut done = 0;
    while done < args.count {
        let n = CHUNK.min(args.count - done);
        let keys = (done..done + n)
            .map(|i| {
                let name = KeyName::parse(&format!("seed-{}-{i:07}", &run[..8]))?;
                Ok(NewKey {
                    id: KeyId(Uuid::new_v4()),
                    project: ProjectId(args.project),
                    owner,
                    name,
                    public_key: generate_ed25519()?.public,
                    shared: true,
                    created_at: Timestamp::now(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        store.bulk_insert(keys).await?;
        done += n;
    }
    eprintln!("seeded {done} keys into project {}", args.project);
    Ok(())
}

/// On the first start of an empty SQLite database, issues a token for user
/// `admin` on project 1 and writes it to a mode-0600 file beside the
/// database. Only the file's path is logged. (With PostgreSQL, several nodes
/// may start at once and no file system is shared, so operators run
/// `sshkeyd token create` instead.)
pub async fn bootstrap_admin_token(store: &dyn KeyStore, database: &DatabaseUrl) -> anyhow::Result<()> {
    let DatabaseUrl::Sqlite(db_path) = database else { return Ok(()) };
    if store.has_tokens().await? {
        return Ok(());
    }
    let path = admin_token_path(db_path);
    // The file first: a token stored without its file would be one nobody
    // can read, and would stop the next start from making another.
    let issued = IssuedToken::generate();
    write_secret_file(&path, &format!("{}\n", issued.text.as_str()))
        .with_context(|| format!("writing the admin token to {}", path.display()))?;
    if let Err(e) = record_token(store, &issued, "admin", &[1], None).await {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    tracing::warn!(
        path = %path.display(),
        "no API token existed, so one was created for user admin with access to project 1; \
         it is in this file (mode 0600)"
    );
    Ok(())
}

/// `sshkeyd.db` gets `sshkeyd.db.admin-token` in the same directory.
pub fn admin_token_path(db_path: &Path) -> PathBuf {
    let mut name = db_path.file_name().unwrap_or_default().to_os_string();
    name.push(".admin-token");
    db_path.with_file_name(name)
}

fn write_secret_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    // `mode` applies only to new files; tighten an existing one too.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}
