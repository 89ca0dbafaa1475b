//! The first start: an admin token written to a file beside a new SQLite
//! database, so that a fresh install can be used at once.

use std::path::{Path, PathBuf};

use anyhow::Context;
use zeroize::Zeroizing;

use super::format::IssuedToken;
use super::issue::{Access, record_token};
use crate::domain::{ProjectId, UserName};
use crate::store::{DatabaseUrl, KeyStore};

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
    let contents = Zeroizing::new(format!("{}\n", issued.text.as_str()));
    write_secret_file(&path, &contents).with_context(|| format!("writing the admin token to {}", path.display()))?;
    if let Err(e) = record_token(store, &issued, &admin_user(), &[ProjectId(1)], None, Access::ReadWrite).await {
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

fn admin_user() -> UserName {
    UserName::parse("admin").expect("a valid user name")
}

/// `sshkeyd.db` gets `sshkeyd.db.admin-token` in the same directory.
pub fn admin_token_path(db_path: &Path) -> PathBuf {
    let mut name = db_path.file_name().unwrap_or_default().to_os_string();
    name.push(".admin-token");
    db_path.with_file_name(name)
}

/// A file readable by its owner alone, durably written.
fn write_secret_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    // `mode` applies only to new files; tighten an existing one too.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}
