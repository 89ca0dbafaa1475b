"""Times real `ssh ... true` logins on loopback: through a static
authorized_keys file, and through `sshkeyd authorized-keys` (for bench/run).

  SSHKEYD_BIN=... ssh_login.py LOGINS

Runs as root. The world is the OpenSSH suite's own (tests/openssh/conftest.py:
Unix users with a random suffix, `sshkeyd serve` on SQLite, the command
installed under /run with a read-only host token, its own sshd whose
AuthorizedKeysCommand is the command), plus a second sshd of the same
config that reads alice's ~/.ssh/authorized_keys instead. alice logs in
with one ed25519 key, imported through the API and written to that file.
After three logins each to warm up, LOGINS logins alternate between the two
sshds; each login is one `ssh` process, timed from start to exit. Prints
the medians and, last, `ssh: ssh_login_ratio=R` (sshkeyd's median over the
static file's). Everything made is removed, and every process stopped, on
exit.
"""

import os
import pwd
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "openssh"))
import conftest  # noqa: E402  (the OpenSSH suite's world: users, server, command, sshd)
import test_logins  # noqa: E402  (its ssh client invocation)
from harness import free_port  # noqa: E402


def world_for(tmp: Path) -> conftest.World:
    """As the suite's `world` fixture builds it."""
    suffix = secrets.token_hex(2)
    database = f"sqlite://{tmp / 'sshkeyd.db'}"
    return conftest.World(tmp=tmp, suffix=suffix, server=conftest.HostServer(database, tmp / "sshkeyd.log", []),
                          database=database, sshd=conftest.Sshd(config=tmp / "sshd_config", log=tmp / "sshd.log"),
                          install=Path(f"/run/sshkeyd-bench-ssh-{suffix}"), command_user=f"skd-akc-{suffix}")


def static_sshd(world: conftest.World, public_key: str) -> conftest.Sshd:
    """A second sshd, the first's config but alice's authorized_keys file."""
    user = pwd.getpwnam(world.login("alice"))
    ssh_dir = Path(user.pw_dir) / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    (ssh_dir / "authorized_keys").write_text(public_key + "\n")
    for path in (ssh_dir, ssh_dir / "authorized_keys"):
        os.chown(path, user.pw_uid, user.pw_gid)
    os.chmod(ssh_dir / "authorized_keys", 0o600)
    sshd = conftest.Sshd(config=world.tmp / "sshd_static_config", log=world.tmp / "sshd_static.log")
    sshd.port = free_port()
    lines = []
    for line in world.sshd.config.read_text().splitlines():
        if line.startswith(("AuthorizedKeysCommand ", "AuthorizedKeysCommandUser ")):
            continue
        line = {"Port": f"Port {sshd.port}", "PidFile": f"PidFile {world.tmp / 'sshd_static.pid'}",
                "AuthorizedKeysFile": "AuthorizedKeysFile .ssh/authorized_keys"}.get(line.split(" ")[0], line)
        lines.append(line)
    sshd.config.write_text("\n".join(lines) + "\n")
    sshd.start()
    return sshd


def timed_login(sshd: conftest.Sshd, key: Path, login: str) -> float:
    started = time.perf_counter()
    done = test_logins.ssh(SimpleNamespace(sshd=sshd), SimpleNamespace(path=key), login)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"ssh_login: login through port {sshd.port} failed: {done.stderr}\n{sshd.log_tail()}")
    return took


def main(logins: int) -> None:
    if os.geteuid() != 0:
        raise SystemExit("ssh_login: needs root (it adds Unix users and runs sshd)")
    tmp = Path(tempfile.mkdtemp(prefix="sshkeyd-bench-ssh."))
    world = world_for(tmp)
    static = None
    try:
        conftest.build(world)
        key = test_logins.keygen(tmp, "alice-key")
        public_key = Path(f"{key}.pub").read_text().strip()
        test_logins.create(world, "alice", "bench-login", public_key)
        static = static_sshd(world, public_key)
        login = world.login("alice")
        times = {"static": [], "sshkeyd": []}
        for _ in range(3):
            timed_login(static, key, login)
            timed_login(world.sshd, key, login)
        for _ in range(logins):
            times["static"].append(timed_login(static, key, login))
            times["sshkeyd"].append(timed_login(world.sshd, key, login))
        medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
        print(f"ssh: {logins} logins each, median static file {medians['static']:.1f} ms, "
              f"sshkeyd authorized-keys {medians['sshkeyd']:.1f} ms")
        print(f"ssh: ssh_static_ms={medians['static']:.1f}")
        print(f"ssh: ssh_sshkeyd_ms={medians['sshkeyd']:.1f}")
        print(f"ssh: ssh_login_ratio={medians['sshkeyd'] / medians['static']:.2f}")
    finally:
        if static is not None:
            static.stop()
        conftest.tear_down(world)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
