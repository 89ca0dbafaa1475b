//! A PostgreSQL cluster of a test's own (`scripts/pg start`), for tests that
//! stop it or change server-wide settings and so must leave the shared one
//! alone.

use std::process::Command;

/// A cluster of our own, stopped and removed on drop.
pub struct OwnCluster {
    /// Its directory, for `scripts/pg down|up|stop`.
    pub dir: String,
    /// Superuser URL (database `postgres`).
    pub url: String,
}

/// Runs `scripts/pg ARGS`; its standard output.
pub fn scripts_pg(args: &[&str]) -> String {
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg")).args(args).output().unwrap();
    assert!(out.status.success(), "scripts/pg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

impl OwnCluster {
    pub fn start() -> Self {
        let exports = scripts_pg(&["start"]);
        let value = |name: &str| {
            let prefix = format!("export {name}='");
            let line = exports.lines().find_map(|l| l.strip_prefix(&prefix)).expect(name);
            line.trim_end_matches('\'').to_owned()
        };
        Self { dir: value("SSHKEYD_PG_DIR"), url: value("SSHKEYD_TEST_POSTGRES") }
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg")).args(["stop", &self.dir]).status();
    }
}
