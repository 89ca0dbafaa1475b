//! `sshkeyd serve` as a child process on a free loopback port, for the tests
//! that need the real binary: signals and exit codes, everything it logs,
//! several nodes on one database.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::http_client::Client;

/// How often a start-up or exit is polled, and for how long a start-up.
const POLL: Duration = Duration::from_millis(20);
const START_POLLS: u32 = 750; // 15 s

/// A running `sshkeyd serve`, killed when dropped.
pub struct Serve {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its stdout and stderr.
    pub log: PathBuf,
    child: Child,
}

impl Serve {
    /// Starts `sshkeyd serve --listen 127.0.0.1:PORT ARGS` with `env` added,
    /// logging to `log`, and waits until `ready_path` answers 200. Unless
    /// ARGS set one, the shutdown delay is 0s: no load balancer watches
    /// these servers, and SIGTERM then stops them at once.
    pub async fn start(args: &[&str], env: &[(&str, &str)], log: PathBuf, ready_path: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_at(&format!("127.0.0.1:{port}"), args, env, log, ready_path).await
    }

    /// [`Serve::start`] on a given `addr`: a node restarted where a load
    /// balancer expects it. The log is appended to, so a restarted node's
    /// file holds both runs.
    pub async fn start_at(addr: &str, args: &[&str], env: &[(&str, &str)], log: PathBuf, ready_path: &str) -> Self {
        let addr = addr.to_owned();
        let out = std::fs::OpenOptions::new().create(true).append(true).open(&log).unwrap();
        let no_delay: &[&str] = if args.contains(&"--shutdown-delay") { &[] } else { &["--shutdown-delay", "0s"] };
        let child = Command::new(env!("CARGO_BIN_EXE_sshkeyd"))
            .args(["serve", "--listen", &addr])
            .args(no_delay)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("starting sshkeyd serve");
        let mut serve = Self { base: format!("http://{addr}"), addr, log, child };
        serve.wait_until_ready(ready_path).await;
        serve
    }

    async fn wait_until_ready(&mut self, path: &str) {
        let client = Client::with_timeout(Duration::from_secs(2));
        for _ in 0..START_POLLS {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("sshkeyd exited with {status}:\n{}", self.log_text());
            }
            let probe = client.get(format!("{}{path}", self.base)).send().await;
            if probe.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("sshkeyd did not answer {path} within 15 s:\n{}", self.log_text());
    }

    /// Everything it has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it has not exited yet.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// `kill -NAME`.
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args([&format!("-{name}"), &pid]).status().unwrap().success(), "kill -{name}");
    }

    /// The exit status, if the process exits within `within`.
    pub async fn exited_within(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            tokio::time::sleep(POLL).await;
        }
        None
    }
}

/// `sqlite://PATH`.
pub fn sqlite_url(db: &Path) -> String {
    format!("sqlite://{}", db.display())
}

/// `sshkeyd ARGS` as a command, with nothing on its standard input.
pub fn sshkeyd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sshkeyd"));
    cmd.args(args).stdin(Stdio::null());
    cmd
}

/// `sshkeyd token create --database URL --user USER --project P...` with
/// `env` added: the token, and what the command wrote to stderr.
pub fn create_token(database: &str, user: &str, projects: &[i64], env: &[(&str, &str)]) -> (String, Vec<u8>) {
    let mut cmd = sshkeyd(&["token", "create", "--database", database, "--user", user]);
    cmd.envs(env.iter().copied());
    for p in projects {
        cmd.args(["--project", &p.to_string()]);
    }
    let out = cmd.output().expect("running sshkeyd token create");
    assert!(out.status.success(), "token create failed: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap().trim().to_owned(), out.stderr)
}

impl Drop for Serve {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
