"""Logins with the real `ssh` client through the suite's own sshd, whose
AuthorizedKeysCommand is `sshkeyd authorized-keys ... %u %f` with a
read-only host token (see conftest.py). The tests run in file order: the
last two revoke the host token and stop the server, and put both back."""

import os
import subprocess
import time
from pathlib import Path

from dataclasses import dataclass, field

import pytest

from conftest import CACHE_MAX_AGE, World, run

SSH_TIMEOUT = 20


def keygen(directory: Path, name: str) -> Path:
    path = directory / name
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@laptop", "-f", str(path)])
    return path


def write_private(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text if text.endswith("\n") else text + "\n")
    return path


def ssh(world: World, key: "Key", login: str) -> subprocess.CompletedProcess:
    args = ["ssh", "-F", "/dev/null", "-i", str(key.path), "-p", str(world.sshd.port),
            "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
            "-o", "PreferredAuthentications=publickey", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
            f"{login}@127.0.0.1", "true"]
    return subprocess.run(args, capture_output=True, text=True, timeout=SSH_TIMEOUT, stdin=subprocess.DEVNULL)


def assert_logs_in(world: World, key: "Key", login: str) -> None:
    done = ssh(world, key, login)
    assert done.returncode == 0, (f"{key.path.name} as {login}: ssh exited {done.returncode}: {done.stderr}\n"
                                  f"sshd log:\n{world.sshd.log_tail()}")


def assert_refused(world: World, key: "Key", login: str) -> None:
    done = ssh(world, key, login)
    assert done.returncode == 255 and "Permission denied" in done.stderr, (
        f"{key.path.name} as {login} should be refused: ssh exited {done.returncode}: {done.stderr}")


def create(world: World, who: str, name: str, public_key: str | None = None, shared: bool = True) -> dict:
    body = {"name": name, "shared_in_project": shared}
    if public_key is not None:
        body["public_key"] = public_key
    status, key = world.api("POST", "", who, body)
    assert status == 201, key
    return key


@dataclass
class Key:
    """A private key file and, once sent to sshkeyd, the key as it answered."""

    path: Path
    created: dict = field(default_factory=dict)
    sent: str | None = None


@pytest.fixture(scope="module")
def keys(world: World, tmp_path_factory) -> dict[str, Key]:
    """alice's generated key (the private half from the 201) and imported
    ones (one sent as an RFC 4716 block, one with blanks and its final
    newline), bob's shared one, alice's unshared one, and one sshkeyd never
    saw."""
    directory = tmp_path_factory.mktemp("keys")
    generated = create(world, "alice", "alice generated")
    made = {"alice-generated": Key(write_private(directory, "alice-generated", generated["private_key"]), generated)}
    for label, who, shared in [("alice-imported", "alice", True), ("bob-shared", "bob", True),
                               ("alice-unshared", "alice", False), ("to-delete", "alice", True)]:
        path = keygen(directory, label)
        made[label] = Key(path, create(world, who, label, Path(f"{path}.pub").read_text().strip(), shared))
    # As PuTTYgen or `ssh-keygen -e` writes it: stored as the converted line.
    path = keygen(directory, "alice-rfc4716")
    block = run(["ssh-keygen", "-e", "-m", "RFC4716", "-f", f"{path}.pub"]).stdout
    made["alice-rfc4716"] = Key(path, create(world, "alice", "alice-rfc4716", block), block)
    # As Terraform's file() reads a .pub: stored byte for byte, newline and blanks included.
    path = keygen(directory, "alice-newline")
    sent = "  " + Path(f"{path}.pub").read_text().replace(" ", " \t ", 1)
    made["alice-newline"] = Key(path, create(world, "alice", "alice-newline", sent), sent)
    made["unknown"] = Key(keygen(directory, "unknown"))
    return {label: key for label, key in made.items()}


def test_a_key_generated_through_the_api_logs_in_as_its_owner(world, keys):
    assert_logs_in(world, keys["alice-generated"], world.login("alice"))


def test_an_imported_key_logs_in_as_its_owner(world, keys):
    assert_logs_in(world, keys["alice-imported"], world.login("alice"))
    fingerprint = keys["alice-imported"].created["fingerprint_sha256"]
    accepted = f"Accepted publickey for {world.login('alice')} from 127.0.0.1"
    assert any(accepted in line and line.endswith(f"ED25519 {fingerprint}")
               for line in world.sshd.log_tail(20000).splitlines()), "sshd logs the API's fingerprint_sha256"


def test_keys_sent_as_rfc4716_or_with_blanks_and_a_newline_log_in_as_their_owner(world, keys):
    rfc4716, newline = keys["alice-rfc4716"], keys["alice-newline"]
    assert rfc4716.sent.startswith("---- BEGIN SSH2 PUBLIC KEY ----")
    assert rfc4716.created["public_key"].startswith("ssh-ed25519 "), "stored as the converted line"
    assert newline.sent.endswith("\n") and "\t" in newline.sent
    assert newline.created["public_key"] == newline.sent, "stored and returned as sent"
    # sshd reads only the canonical `type base64` that authorized_keys lines carry.
    for key in (rfc4716, newline):
        assert_logs_in(world, key, world.login("alice"))


def test_a_shared_key_of_another_user_opens_a_shared_account_but_not_a_personal_login(world, keys):
    assert_logs_in(world, keys["bob-shared"], world.login("deploy"))
    assert_refused(world, keys["bob-shared"], world.login("alice"))
    assert_logs_in(world, keys["bob-shared"], world.login("bob"))
    assert_logs_in(world, keys["alice-imported"], world.login("deploy"))


def test_unknown_keys_and_unshared_keys_open_nothing(world, keys):
    for login in ("alice", "deploy"):
        assert_refused(world, keys["unknown"], world.login(login))
        # The host's token is a user of its own: it never sees an unshared key.
        assert_refused(world, keys["alice-unshared"], world.login(login))


def test_a_deleted_key_is_refused_at_the_next_attempt(world, keys):
    assert_logs_in(world, keys["to-delete"], world.login("alice"))
    key_id = keys["to-delete"].created["id"]
    status, _ = world.api("DELETE", f"/{key_id}", "alice")
    assert status == 204
    assert_refused(world, keys["to-delete"], world.login("alice"))


def test_a_revoked_host_token_refuses_every_key_whatever_the_cache_holds(world, keys):
    assert_logs_in(world, keys["alice-imported"], world.login("alice"))
    assert_logs_in(world, keys["bob-shared"], world.login("deploy"))
    assert any(world.cache_dir.iterdir()), "the answers are cached"
    token_id = world.tokens["host"].split("_")[1]
    world.cli("token", "revoke", token_id)
    time.sleep(1.0)  # a server trusts a looked-up token for under a second
    assert_refused(world, keys["alice-imported"], world.login("alice"))
    assert_refused(world, keys["bob-shared"], world.login("deploy"))
    assert not any(world.cache_dir.iterdir()), "a refused token's cached answers are deleted"
    world.issue_host_token()
    assert_logs_in(world, keys["alice-imported"], world.login("alice"))


def test_with_the_server_stopped_the_cache_admits_a_key_until_it_is_too_old(world, keys):
    assert_logs_in(world, keys["alice-imported"], world.login("alice"))
    cached_at = time.monotonic()
    world.server.stop()
    try:
        assert_logs_in(world, keys["alice-imported"], world.login("alice"))
        assert time.monotonic() - cached_at < CACHE_MAX_AGE, "the check ran while the cache was young"
        assert_refused(world, keys["bob-shared"], world.login("deploy"))  # never asked: nothing cached
        time.sleep(max(0.0, cached_at + CACHE_MAX_AGE + 0.5 - time.monotonic()))
        assert_refused(world, keys["alice-imported"], world.login("alice"))
        assert "using the answer cached" in world.sshd.log_tail(20000), "sshd logged the helper's note"
    finally:
        world.server.restart()
    assert_logs_in(world, keys["alice-imported"], world.login("alice"))
