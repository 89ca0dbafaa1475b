"""Fixtures of the end-to-end suite: the release binary, one running server
per storage backend, API tokens issued by `sshkeyd token create`, and
official `gcore` SDK clients for alice and bob (project 1) and carol
(project 2 only)."""

import os
import secrets
import subprocess
from urllib.parse import urlsplit, urlunsplit

import gcore
import pytest

from harness import CLI_TIMEOUT, Deployment, Server, child_env, issue_token, sshkeyd_bin

USERS = {"alice": [1], "bob": [1], "carol": [2]}
MAIN_QUOTA = 1000  # the shared server's quota; the quota test starts its own


def pytest_sessionstart(session):
    """Stops at once, with the fix, when the binary is missing."""
    try:
        sshkeyd_bin()
    except pytest.fail.Exception as missing:
        pytest.exit(str(missing), returncode=1)


def backend_params() -> list[str]:
    wanted = os.environ.get("SSHKEYD_TEST_POSTGRES") or os.environ.get("SSHKEYD_REQUIRE_POSTGRES") == "1"
    return ["sqlite", "postgres"] if wanted else ["sqlite"]


def psql(url: str, sql: str) -> None:
    done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                          capture_output=True, text=True, timeout=CLI_TIMEOUT,
                          env={**child_env(), "PGCONNECT_TIMEOUT": "10"})
    assert done.returncode == 0, f"psql {sql!r} failed: {done.stderr}"


@pytest.fixture(scope="session", params=backend_params())
def backend(request) -> str:
    if request.param == "postgres" and not os.environ.get("SSHKEYD_TEST_POSTGRES"):
        pytest.fail("SSHKEYD_REQUIRE_POSTGRES=1 but SSHKEYD_TEST_POSTGRES (a postgres:// URL "
                    "where databases may be created) is not set", pytrace=False)
    return request.param


@pytest.fixture(scope="session")
def new_database(backend, tmp_path_factory):
    """Makes a fresh, empty database URL of the backend per call."""
    created: list[str] = []
    base = os.environ.get("SSHKEYD_TEST_POSTGRES", "")

    def make() -> str:
        if backend == "sqlite":
            return f"sqlite://{tmp_path_factory.mktemp('db') / 'sshkeyd.db'}"
        name = f"sshkeyd_e2e_{secrets.token_hex(6)}"
        psql(base, f"CREATE DATABASE {name}")
        created.append(name)
        return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))

    yield make
    for name in created:  # best effort: the servers are stopped by now
        subprocess.run(["psql", "-X", "-q", "-d", base, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                       capture_output=True, timeout=CLI_TIMEOUT, env=child_env())


@pytest.fixture(scope="session")
def start_deployment(new_database, tmp_path_factory):
    """Starts a server on a fresh database with tokens for USERS; every one
    started through it must exit 0 on SIGTERM when its scope ends."""
    started: list[Deployment] = []

    def start(*extra: str, users: dict[str, list[int]] = USERS) -> Deployment:
        database = new_database()
        tokens = {user: issue_token(database, user, projects) for user, projects in users.items()}
        log = tmp_path_factory.mktemp("log") / "sshkeyd.log"
        deployment = Deployment(Server(database, log, list(extra)).start(), tokens)
        started.append(deployment)
        return deployment

    yield start
    codes = [(d.server.stop(), d.server) for d in started]  # stop every one before judging
    for code, server in codes:
        assert code == 0, f"sshkeyd exited with {code} after SIGTERM; log:\n{server.log_tail()}"


@pytest.fixture(scope="session")
def deployment(start_deployment) -> Deployment:
    """The shared server of the suite (one per backend)."""
    return start_deployment("--max-keys-per-project", str(MAIN_QUOTA))


@pytest.fixture
def alice(deployment) -> gcore.Gcore:
    return deployment.client("alice")


@pytest.fixture
def bob(deployment) -> gcore.Gcore:
    return deployment.client("bob")


@pytest.fixture
def carol(deployment) -> gcore.Gcore:
    """Carol's client defaults to project 1, which she has no access to."""
    return deployment.client("carol")


@pytest.fixture
def prefix() -> str:
    """A name prefix unique to the test, so that tests sharing the server
    can filter the list down to their own keys."""
    return f"sdk{secrets.token_hex(4)}-"


@pytest.fixture
def keys(deployment):
    """`keys.create(client, name=..., ...)` creates a key and deletes it
    after the test (if the test did not), keeping the shared project small."""

    class Keys:
        def __init__(self):
            self.made: list[tuple[gcore.Gcore, str]] = []

        def create(self, client: gcore.Gcore, **kwargs):
            key = client.cloud.ssh_keys.create(**kwargs)
            self.made.append((client, key.id))
            return key

    tracker = Keys()
    yield tracker
    for client, key_id in tracker.made:
        try:
            client.cloud.ssh_keys.delete(key_id, project_id=client.cloud_project_id)
        except gcore.NotFoundError:
            pass
