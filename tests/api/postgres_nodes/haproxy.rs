//! HAProxy (Debian's package) in front of nodes, as an operator would run
//! it for rolling restarts: `/readyz` health checks every 200 ms, a server
//! out after two failed checks, and no retry or redispatch of any request.
//! The test's own process in the foreground (`-db`) with its own
//! configuration on a free loopback port, stopped by PID on drop; the
//! machine's HAProxy service is never touched.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// Health checks every `inter`; `fall` failures take a server out, `rise`
/// successes bring it back. `retries 0`: a request is never sent twice.
const CONFIG: &str = "global
    maxconn 512
    stats socket {dir}/admin.sock mode 600 level admin

defaults
    mode http
    timeout connect 1s
    timeout client 20s
    timeout server 20s
    timeout check 1s
    retries 0

frontend api
    bind {listen}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 200ms fall 2 rise 2
{servers}";

/// A running HAProxy, killed when dropped.
pub struct HaProxy {
    /// `http://127.0.0.1:PORT`, its front end.
    pub base: String,
    dir: tempfile::TempDir,
    child: Child,
}

/// HAProxy's binary, or `None` (after saying so) when it is not installed
/// and the PostgreSQL tests are not required; scripts/setup installs it.
pub fn binary(test: &str) -> Option<PathBuf> {
    let found = ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy"].into_iter().map(PathBuf::from).find(|p| p.exists());
    if found.is_none() {
        assert_ne!(std::env::var("SSHKEYD_REQUIRE_POSTGRES").as_deref(), Ok("1"), "HAProxy is not installed");
        println!("{test}: skipped (HAProxy is not installed; scripts/setup installs it)");
    }
    found
}

impl HaProxy {
    /// Starts `binary` in front of the servers at `addrs` (named `n1`,
    /// `n2`, ...) and waits until it reports them all up.
    pub async fn start(binary: &Path, addrs: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let servers: String =
            addrs.iter().enumerate().map(|(i, addr)| format!("    server n{} {addr} check\n", i + 1)).collect();
        let config = CONFIG
            .replace("{dir}", &dir.path().display().to_string())
            .replace("{listen}", &format!("127.0.0.1:{port}"))
            .replace("{servers}", &servers);
        let config_path = dir.path().join("haproxy.cfg");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("haproxy.log")).unwrap();
        let child = Command::new(binary)
            .arg("-db")
            .arg("-f")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting haproxy");
        let proxy = Self { base: format!("http://127.0.0.1:{port}"), dir, child };
        for i in 1..=addrs.len() {
            proxy.wait_until(&format!("n{i}"), "UP").await;
        }
        proxy
    }

    /// Waits (at most 15 s) until HAProxy reports `server`'s status as
    /// `status` (`UP`, `DOWN`).
    pub async fn wait_until(&self, server: &str, status: &str) {
        let mut last = String::new();
        for _ in 0..300 {
            if let Some(now) = self.status(server).await {
                if now == status {
                    return;
                }
                last = now;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let log = std::fs::read_to_string(self.dir.path().join("haproxy.log")).unwrap_or_default();
        panic!("HAProxy did not see {server} {status} within 15 s (last: {last:?}):\n{log}");
    }

    /// `server`'s status column in `show stat`, if the socket answers.
    async fn status(&self, server: &str) -> Option<String> {
        let mut socket = UnixStream::connect(self.dir.path().join("admin.sock")).await.ok()?;
        socket.write_all(b"show stat\n").await.ok()?;
        let mut csv = String::new();
        tokio::time::timeout(Duration::from_secs(2), socket.read_to_string(&mut csv)).await.ok()?.ok()?;
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next()?.trim_start_matches("# ").split(',').collect();
        let column = header.iter().position(|name| *name == "status")?;
        let row = lines.find(|l| l.starts_with(&format!("nodes,{server},")))?;
        row.split(',').nth(column).map(str::to_owned)
    }
}

impl Drop for HaProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
