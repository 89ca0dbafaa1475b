//! Database URLs: the scheme picks the backend.

use std::fmt;
use std::path::PathBuf;

/// A parsed `--database` value. `Debug` and `Display` hide the password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://relative.db` or `sqlite:///absolute/path.db`.
    Sqlite(PathBuf),
    /// `postgres://user:pass@host:port/db` (or `postgresql://`), kept whole
    /// for the driver; several `host:port` pairs, comma-separated, with
    /// `?target_session_attrs=read-write` follow a primary across failovers.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses a URL; the error names the accepted schemes.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() || path == "/" {
                return Err("sqlite URL needs a file path, e.g. sqlite://sshkeyd.db".into());
            }
            // SQLite's URI parameters (`?mode=ro`) are not read here: the
            // whole text would become the file name, creating a writable
            // `q.db?mode=ro` beside the database that was meant.
            if path.contains(['?', '#']) {
                return Err("sqlite URLs take no parameters: give the file path alone, without '?' or '#'".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        Err("database URL must start with sqlite:// or postgres://".into())
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => redact_password(url),
        }
    }
}

/// Masks the password the way tokio-postgres reads it: the credentials run
/// to the first `@` anywhere in the URL, so a password may hold `/`, `?` or
/// `#`. When the part before `@` cannot be a plain user name, the whole URL
/// is hidden rather than guessed at.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return "postgres://***".into() };
    let (shown_user, after) = match rest.split_once('@') {
        None => (String::new(), rest),
        // A second `@` means an unencoded one in the password, which
        // could be on either side of the split: show nothing.
        Some((_, after)) if after.contains('@') => return format!("{scheme}://***"),
        Some((creds, after)) => match creds.split_once(':') {
            Some((user, _password)) => (format!("{user}:***@"), after),
            None => (format!("{creds}@"), after),
        },
    };
    if shown_user.contains(['/', '?', '#', '=']) {
        return format!("{scheme}://***");
    }
    format!("{scheme}://{shown_user}{}", strip_password_param(after))
}

/// `?password=` in the query string is legal too; hide it as well.
fn strip_password_param(host_and_path: &str) -> String {
    let Some((path, query)) = host_and_path.split_once('?') else { return host_and_path.to_owned() };
    let params: Vec<String> = query
        .split('&')
        .map(|p| if p.starts_with("password=") { "password=***".to_owned() } else { p.to_owned() })
        .collect();
    format!("{path}?{}", params.join("&"))
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_their_backend_and_hide_passwords() {
        let cases = [
            ("sqlite://sshkeyd.db", "sqlite://sshkeyd.db"),
            ("sqlite:///var/lib/k.db", "sqlite:///var/lib/k.db"),
            ("postgres://u:hunter2@db:5432/keys", "postgres://u:***@db:5432/keys"),
            ("postgresql://u@db/keys", "postgresql://u@db/keys"),
            ("postgres://u@h/k?password=hunter2&sslmode=off", "postgres://u@h/k?password=***&sslmode=off"),
            ("postgres://u:hunter2@db", "postgres://u:***@db"),
            // The driver takes everything up to the first `@` as credentials.
            ("postgres://u:hunter2/x@db/keys", "postgres://u:***@db/keys"),
            ("postgres://u:hunter2?x#y@db/keys", "postgres://u:***@db/keys"),
            ("postgres://db/k?password=hunter2@x", "postgres://***"),
            // An unencoded `@` in the password: nothing of it is shown.
            ("postgres://u:hun@ter2@db/keys", "postgres://***"),
            // Several hosts (failover): one set of credentials for all.
            (
                "postgres://u:hunter2@db1:5432,db2:5432/k?target_session_attrs=read-write",
                "postgres://u:***@db1:5432,db2:5432/k?target_session_attrs=read-write",
            ),
            (
                "postgres://u@[::1]:5432,[::2]:5433/k?target_session_attrs=read-write&password=hunter2",
                "postgres://u@[::1]:5432,[::2]:5433/k?target_session_attrs=read-write&password=***",
            ),
            ("postgres:///k?host=db1,db2&password=hunter2", "postgres:///k?host=db1,db2&password=***"),
        ];
        for (raw, shown) in cases {
            let url = DatabaseUrl::parse(raw).unwrap();
            assert_eq!(url.redacted(), shown, "{raw}");
            assert!(!format!("{url:?}").contains("hunter2"), "Debug of {raw}");
        }
        assert_eq!(DatabaseUrl::parse("sqlite:///abs.db").unwrap(), DatabaseUrl::Sqlite("/abs.db".into()));
    }

    #[test]
    fn unknown_schemes_and_empty_paths_are_refused() {
        for raw in ["mysql://x", "sqlite://", "sshkeyd.db", "", "sqlite:///d/q.db?mode=ro", "sqlite://q.db#x"] {
            assert!(DatabaseUrl::parse(raw).is_err(), "{raw}");
        }
    }
}
