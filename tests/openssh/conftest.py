"""The world of the OpenSSH suite, built once and torn down even on failure:

- Unix users made with useradd (a random suffix keeps them apart from any
  real account): alice's and bob's logins, a shared account `deploy`, and
  the AuthorizedKeysCommandUser;
- `sshkeyd serve` (the release binary) on a free 127.0.0.1 port over a
  temporary SQLite database, with tokens for alice, bob and a read-only
  host token of its own user;
- a root-owned copy of the binary in a fresh directory under /run (sshd
  runs an AuthorizedKeysCommand only if it and every directory above it
  are root's and writable by no one else; /tmp is world-writable), with the
  host's token file (0600, the command user's) and cache beside it;
- its own `sshd -D -e` on a free 127.0.0.1 port, with its own host key,
  config and pid file; the machine's sshd is never touched.

Every process is stopped by its PID."""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sdk"))
from harness import Server, child_env, free_port, sshkeyd_bin  # noqa: E402

SSHD = Path("/usr/sbin/sshd")
CMD_TIMEOUT = 30
CACHE_MAX_AGE = 4  # seconds: the outage test waits this long for the cache to go stale
PRIVSEP_DIR = Path("/run/sshd")  # sshd refuses to start without it


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=CMD_TIMEOUT, **kwargs)
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return done


class HostServer(Server):
    """The server sshd's command asks, which a test stops and starts again
    on the same port."""

    def restart(self) -> None:
        args = [str(sshkeyd_bin()), "serve", "--listen", f"127.0.0.1:{self.port}", "--database", self.database,
                "--shutdown-delay", "0s"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=child_env())
        if not self._wait_healthy():
            pytest.fail(f"sshkeyd did not start again on port {self.port}:\n{self.log_tail()}", pytrace=False)


@dataclass
class Sshd:
    config: Path
    log: Path
    port: int = 0
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        run([str(SSHD), "-t", "-f", str(self.config)])
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(self.config)], stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + CMD_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"sshd exited:\n{self.log_tail()}"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(64).startswith(b"SSH-2.0-"):
                        return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"sshd did not answer on port {self.port}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=CMD_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=CMD_TIMEOUT)

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


@dataclass
class World:
    tmp: Path
    suffix: str
    server: HostServer
    database: str
    sshd: Sshd
    install: Path
    command_user: str
    tokens: dict[str, str] = field(default_factory=dict)
    made_users: list[str] = field(default_factory=list)

    def login(self, who: str) -> str:
        """The Unix login (and sshkeyd user name) of `who`."""
        return f"skd-{who}-{self.suffix}"

    @property
    def host_dir(self) -> Path:
        return self.install / "host"

    @property
    def token_file(self) -> Path:
        return self.host_dir / "token"

    @property
    def cache_dir(self) -> Path:
        return self.host_dir / "cache"

    def cli(self, *args: str) -> str:
        return run([str(sshkeyd_bin()), *args, "--database", self.database], env=child_env()).stdout

    def issue_host_token(self) -> str:
        """A new read-only token for the host's own user, written to the token file."""
        token = self.cli("token", "create", "--user", self.login("host"), "--project", "1", "--read-only").strip()
        self.tokens["host"] = token
        fd = os.open(self.token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")
        shutil.chown(self.token_file, user=self.command_user, group=self.command_user)
        os.chmod(self.token_file, 0o600)
        return token

    def api(self, method: str, path: str, who: str, body: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(f"{self.server.url}/cloud/v1/ssh_keys/1{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"APIKey {self.tokens[who]}",
                                                  "Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=CMD_TIMEOUT) as response:
                text = response.read()
                return response.status, json.loads(text) if text else {}
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


def add_user(world: World, name: str, system: bool = False) -> None:
    if system:
        run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
    else:
        # '*': no password, but not locked ('!'), which sshd without PAM refuses.
        run(["useradd", "--create-home", "--shell", "/bin/sh", "--password", "*", name])
    world.made_users.append(name)


def sshd_config(world: World, host_key: Path) -> str:
    command = " ".join([
        str(world.install / "sshkeyd"), "authorized-keys",
        "--server", world.server.url, "--token-file", str(world.token_file), "--project", "1",
        "--shared-account", world.login("deploy"), "--cache-dir", str(world.cache_dir),
        "--cache-max-age", f"{CACHE_MAX_AGE}s", "--timeout", "3s", "%u", "%f",
    ])
    logins = " ".join(world.login(who) for who in ("alice", "bob", "deploy"))
    return f"""# The OpenSSH suite's own sshd; nothing here is the machine's.
ListenAddress 127.0.0.1
Port {world.sshd.port}
HostKey {host_key}
PidFile {world.tmp / "sshd.pid"}
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
AllowUsers {logins}
AuthorizedKeysFile none
AuthorizedKeysCommand {command}
AuthorizedKeysCommandUser {world.command_user}
LogLevel VERBOSE
"""


def build(world: World) -> None:
    for who in ("alice", "bob", "deploy"):
        add_user(world, world.login(who))
    add_user(world, world.command_user, system=True)
    world.server.start()
    for who in ("alice", "bob"):
        world.tokens[who] = world.cli("token", "create", "--user", world.login(who), "--project", "1").strip()
    # The command, root's and 0755 in a root-owned 0755 directory under /run.
    world.install.mkdir(mode=0o755)
    shutil.copy2(sshkeyd_bin(), world.install / "sshkeyd")
    os.chmod(world.install / "sshkeyd", 0o755)
    world.host_dir.mkdir(mode=0o700)
    shutil.chown(world.host_dir, user=world.command_user, group=world.command_user)
    world.issue_host_token()
    host_key = world.tmp / "ssh_host_ed25519_key"
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sshkeyd-openssh-test", "-f", str(host_key)])
    world.sshd.port = free_port()
    world.sshd.config.write_text(sshd_config(world, host_key))
    if not PRIVSEP_DIR.exists():
        PRIVSEP_DIR.mkdir(mode=0o755)
    world.sshd.start()


def tear_down(world: World) -> None:
    world.sshd.stop()
    world.server.stop()
    shutil.rmtree(world.install, ignore_errors=True)
    for name in reversed(world.made_users):
        subprocess.run(["userdel", "--remove", name], capture_output=True, timeout=CMD_TIMEOUT)


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    if os.geteuid() != 0:
        # A failure, not a skip: a suite that passes without one login
        # would prove nothing.
        pytest.fail("the OpenSSH suite runs as root: it adds Unix users and runs its own sshd "
                    "(scripts/openssh-test starts itself through sudo)", pytrace=False)
    if not SSHD.is_file():
        pytest.fail(f"no {SSHD}: run scripts/setup (Debian package openssh-server)", pytrace=False)
    tmp = tmp_path_factory.mktemp("openssh")
    suffix = secrets.token_hex(2)
    database = f"sqlite://{tmp / 'sshkeyd.db'}"
    world = World(tmp=tmp, suffix=suffix, server=HostServer(database, tmp / "sshkeyd.log", []), database=database,
                  sshd=Sshd(config=tmp / "sshd_config", log=tmp / "sshd.log"),
                  install=Path(f"/run/sshkeyd-openssh-test-{suffix}"), command_user=f"skd-akc-{suffix}")
    try:
        build(world)
        yield world
    finally:
        tear_down(world)
