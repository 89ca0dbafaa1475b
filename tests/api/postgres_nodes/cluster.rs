//! A PostgreSQL cluster of a test's own (`scripts/pg start`), for tests that
//! stop it or change server-wide settings and so must leave the shared one
//! alone; and a streaming standby of it (`scripts/pg standby`).

use std::process::Command;

/// A cluster of our own, stopped and removed on drop.
pub struct OwnCluster {
    /// Its directory, for `scripts/pg down|up|stop`.
    pub dir: String,
    /// Its TCP port on 127.0.0.1.
    pub port: String,
    /// Superuser URL (database `postgres`).
    pub url: String,
}

/// Runs `scripts/pg ARGS`; its standard output.
pub fn scripts_pg(args: &[&str]) -> String {
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg")).args(args).output().unwrap();
    assert!(out.status.success(), "scripts/pg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The value of `export NAME='value'` in scripts/pg's output.
fn exported(exports: &str, name: &str) -> String {
    let prefix = format!("export {name}='");
    let line = exports.lines().find_map(|l| l.strip_prefix(&prefix)).expect(name);
    line.trim_end_matches('\'').to_owned()
}

impl OwnCluster {
    /// A throwaway cluster (durability settings off, for speed).
    pub fn start() -> Self {
        Self::started(&scripts_pg(&["start"]))
    }

    /// A cluster with PostgreSQL's default durability settings (fsync,
    /// synchronous_commit on), as a failover test needs.
    pub fn start_durable() -> Self {
        Self::started(&scripts_pg(&["start", "--durable"]))
    }

    fn started(exports: &str) -> Self {
        Self {
            dir: exported(exports, "SSHKEYD_PG_DIR"),
            port: exported(exports, "SSHKEYD_PG_PORT"),
            url: exported(exports, "SSHKEYD_TEST_POSTGRES"),
        }
    }

    /// A streaming standby of this cluster, started, whose name for
    /// `synchronous_standby_names` is `name`. Same superuser and password.
    pub fn standby(&self, name: &str) -> Self {
        let exports = scripts_pg(&["standby", &self.dir, name]);
        let port = exported(&exports, "SSHKEYD_STANDBY_PORT");
        let url = self.url.replace(&format!("@127.0.0.1:{}/", self.port), &format!("@127.0.0.1:{port}/"));
        assert_ne!(url, self.url, "the standby's URL names its own port");
        Self { dir: exported(&exports, "SSHKEYD_STANDBY_DIR"), port, url }
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg")).args(["stop", &self.dir]).status();
    }
}
