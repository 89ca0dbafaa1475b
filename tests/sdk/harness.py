"""The server under test: the release binary, `sshkeyd token create`, and
`sshkeyd serve` processes on 127.0.0.1."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import gcore
import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0  # seconds for /healthz to answer
STOP_TIMEOUT = 30.0  # seconds for a graceful exit after SIGTERM
CLI_TIMEOUT = 60.0

# Every request goes to 127.0.0.1: keep any proxy of the environment out.
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var), "127.0.0.1", "localhost"]))


def sshkeyd_bin() -> Path:
    path = Path(os.environ.get("SSHKEYD_BIN") or REPO / "target" / "release" / "sshkeyd")
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"no sshkeyd binary at {path}: run `cargo build --release` in {REPO} "
                    "(or point SSHKEYD_BIN at a binary)", pytrace=False)
    return path.resolve()


def child_env() -> dict[str, str]:
    """The environment without SSHKEYD_* settings that would override flags."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SSHKEYD_")}


def issue_token(database: str, user: str, projects: list[int]) -> str:
    args = [str(sshkeyd_bin()), "token", "create", "--user", user, "--database", database]
    for project in projects:
        args += ["--project", str(project)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=CLI_TIMEOUT, env=child_env())
    assert done.returncode == 0, f"token create failed: {done.stderr}"
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"token create printed {done.stdout!r}"
    return lines[0].strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `sshkeyd serve` process on 127.0.0.1."""

    def __init__(self, database: str, log_path: Path, extra: list[str]):
        self.database, self.log_path, self.extra = database, log_path, extra
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def start(self) -> "Server":
        for _attempt in range(3):  # another process may grab the free port first
            self.port = free_port()
            # No load balancer watches it: SIGTERM stops it without a delay.
            args = [str(sshkeyd_bin()), "serve", "--listen", f"127.0.0.1:{self.port}",
                    "--database", self.database, "--shutdown-delay", "0s", *self.extra]
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, env=child_env())
            if self._wait_healthy():
                return self
        pytest.fail(f"sshkeyd did not start; log:\n{self.log_tail()}", pytrace=False)

    def _wait_healthy(self) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with opener.open(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.proc.kill()
        self.proc.wait(timeout=STOP_TIMEOUT)
        pytest.fail(f"/healthz did not answer within {START_TIMEOUT}s; log:\n{self.log_tail()}", pytrace=False)

    def stop(self) -> int:
        """SIGTERM, then the exit code (the process is killed if it hangs)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)
            pytest.fail(f"sshkeyd ignored SIGTERM for {STOP_TIMEOUT}s; log:\n{self.log_tail()}", pytrace=False)


@dataclass
class Deployment:
    """A running server and the tokens of its users."""

    server: Server
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, user: str, project: int = 1) -> gcore.Gcore:
        return gcore.Gcore(api_key=self.tokens[user], base_url=self.url, cloud_project_id=project, max_retries=0)

    def stop_gracefully(self) -> None:
        code = self.server.stop()
        assert code == 0, f"sshkeyd exited with {code} after SIGTERM; log:\n{self.server.log_tail()}"
