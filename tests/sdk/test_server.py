"""Servers of their own: the per-project quota, graceful shutdown and the
bootstrap admin token."""

import os
import re
import stat

import gcore
import pytest

import harness


def test_a_create_past_the_quota_raises_permission_denied_naming_the_limit(start_deployment):
    deployment = start_deployment("--max-keys-per-project", "3")
    alice, bob, carol = (deployment.client(u, p) for u, p in (("alice", 1), ("bob", 1), ("carol", 2)))
    first = alice.cloud.ssh_keys.create(name="quota-1")
    alice.cloud.ssh_keys.create(name="quota-2", shared_in_project=False)  # hidden from bob, still counted
    bob.cloud.ssh_keys.create(name="quota-3")

    with pytest.raises(gcore.PermissionDeniedError) as caught:
        bob.cloud.ssh_keys.create(name="quota-4")
    assert caught.value.status_code == 403
    body = caught.value.body
    assert body["exception_class"] == "ForbiddenError"
    assert re.search(r"\b3\b", body["message"]), body["message"]
    assert body["request_id"] == caught.value.response.headers["x-request-id"]
    with pytest.raises(gcore.PermissionDeniedError):
        alice.cloud.ssh_keys.create(name="quota-4")
    assert alice.cloud.ssh_keys.list().count == 3
    assert bob.cloud.ssh_keys.list().count == 2

    # The quota is per project: carol's project 2 is empty.
    assert carol.cloud.ssh_keys.create(name="quota-1").project_id == 2
    # Deleting a key makes room for one more.
    alice.cloud.ssh_keys.delete(first.id)
    assert bob.cloud.ssh_keys.create(name="quota-4").name == "quota-4"
    with pytest.raises(gcore.PermissionDeniedError):
        bob.cloud.ssh_keys.create(name="quota-5")
    deployment.stop_gracefully()


def test_the_server_exits_0_on_sigterm_and_keeps_its_keys_for_the_next_start(start_deployment, tmp_path):
    deployment = start_deployment()
    alice = deployment.client("alice")
    key = alice.cloud.ssh_keys.create(name="durable")
    deployment.stop_gracefully()
    assert deployment.server.proc.returncode == 0

    server = harness.Server(deployment.server.database, tmp_path / "restart.log", []).start()
    try:
        again = gcore.Gcore(api_key=deployment.tokens["alice"], base_url=server.url, cloud_project_id=1, max_retries=0)
        got = again.cloud.ssh_keys.get(key.id)
        assert (got.name, got.public_key, got.fingerprint) == ("durable", key.public_key, key.fingerprint)
    finally:
        assert server.stop() == 0, server.log_tail()


def test_first_start_of_an_empty_sqlite_database_writes_a_private_admin_token_for_project_1(tmp_path):
    database = tmp_path / "fresh.db"
    server = harness.Server(f"sqlite://{database}", tmp_path / "fresh.log", []).start()
    try:
        token_file = tmp_path / "fresh.db.admin-token"
        assert token_file.is_file()
        assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
        token = token_file.read_text().strip()
        assert token not in server.log_tail(100_000)
        admin = gcore.Gcore(api_key=token, base_url=server.url, cloud_project_id=1, max_retries=0)
        key = admin.cloud.ssh_keys.create(name="bootstrap")
        assert admin.cloud.ssh_keys.list().count == 1
        admin.cloud.ssh_keys.delete(key.id)
        with pytest.raises(gcore.PermissionDeniedError):
            admin.cloud.ssh_keys.list(project_id=2)
    finally:
        assert server.stop() == 0, server.log_tail()
