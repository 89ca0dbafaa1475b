"""client.cloud.ssh_keys.create: generated pairs and imported keys,
checked with ssh-keygen."""

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import gcore
import pytest

import keytools

CREATED_FIELDS = {"id", "name", "public_key", "fingerprint", "fingerprint_sha256", "state", "project_id",
                  "shared_in_project", "created_at", "private_key", "is_owner"}


def assert_fresh_metadata(key, name: str, project: int = 1, shared: bool = True) -> None:
    assert uuid.UUID(key.id).version == 4
    assert key.name == name
    assert key.state == "ACTIVE"
    assert key.project_id == project
    assert key.shared_in_project is shared
    assert isinstance(key.created_at, datetime)
    assert key.created_at.utcoffset() == timedelta(0)
    # Loose sanity bound (not a timing check): the key was created today.
    assert abs(datetime.now(timezone.utc) - key.created_at) < timedelta(days=1)


def test_create_without_public_key_returns_a_private_key_whose_public_half_is_the_returned_key(
        alice, keys, prefix, tmp_path):
    name = prefix + "generated"
    key = keys.create(alice, name=name)

    assert_fresh_metadata(key, name)
    assert key.private_key is not None
    assert key.private_key.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert key.private_key.rstrip().endswith("-----END OPENSSH PRIVATE KEY-----")
    assert key.public_key.startswith("ssh-ed25519 ")
    private_path = keytools.write_private(tmp_path, key.private_key)
    derived = keytools.derive_public(private_path)
    assert keytools.type_and_blob(derived) == keytools.type_and_blob(key.public_key)
    assert key.fingerprint == keytools.md5_fingerprint(private_path)
    assert key.fingerprint_sha256 == keytools.sha256_fingerprint(private_path)


def test_two_generated_keys_are_different_pairs(alice, keys, prefix):
    first = keys.create(alice, name=prefix + "one")
    second = keys.create(alice, name=prefix + "two")
    assert first.id != second.id
    assert first.public_key != second.public_key
    assert first.private_key != second.private_key
    assert first.fingerprint != second.fingerprint


@pytest.mark.parametrize("kind", sorted(keytools.KINDS))
def test_create_with_an_imported_public_key_keeps_it_and_reports_the_ssh_keygen_md5_fingerprint(
        alice, keys, prefix, tmp_path, kind):
    private_path = keytools.keygen(tmp_path, keytools.KINDS[kind])
    line = keytools.public_line(private_path)
    name = prefix + kind

    key = keys.create(alice, name=name, public_key=line)

    assert_fresh_metadata(key, name)
    assert key.public_key == line
    assert key.fingerprint == keytools.md5_fingerprint(private_path)
    assert key.fingerprint_sha256 == keytools.sha256_fingerprint(private_path)
    assert key.private_key is None


def test_imported_key_without_comment_is_returned_without_comment(alice, keys, prefix, tmp_path):
    private_path = keytools.keygen(tmp_path, keytools.KINDS["ed25519"])
    kind, blob = keytools.type_and_blob(keytools.public_line(private_path))
    key = keys.create(alice, name=prefix + "bare", public_key=f"{kind} {blob}")
    assert key.public_key == f"{kind} {blob}"
    assert key.fingerprint == keytools.md5_fingerprint(private_path)


def test_a_pub_file_with_its_trailing_newline_reads_back_identical_through_the_sdk(alice, keys, prefix, tmp_path):
    private_path = keytools.keygen(tmp_path, keytools.KINDS["ed25519"])
    pub_file = Path(f"{private_path}.pub").read_text()  # what Terraform's file() reads
    assert pub_file.endswith("\n")
    key = keys.create(alice, name=prefix + "newline", public_key=pub_file)
    assert key.public_key == pub_file
    assert alice.cloud.ssh_keys.get(key.id).public_key == pub_file
    listed = [k for k in alice.cloud.ssh_keys.list(name=prefix + "newline") if k.id == key.id]
    assert [k.public_key for k in listed] == [pub_file]
    assert key.fingerprint == keytools.md5_fingerprint(private_path)


def test_imported_key_keeps_the_clients_spacing(alice, keys, prefix, tmp_path):
    private_path = keytools.keygen(tmp_path, keytools.KINDS["ed25519"])
    line = keytools.public_line(private_path)
    key = keys.create(alice, name=prefix + "spaced", public_key=f"  {line}\n")
    assert key.public_key == f"  {line}\n"
    assert keytools.type_and_blob(key.public_key) == keytools.type_and_blob(line)


def test_create_with_shared_in_project_false_returns_an_unshared_key(alice, keys, prefix):
    key = keys.create(alice, name=prefix + "private", shared_in_project=False)
    assert_fresh_metadata(key, prefix + "private", shared=False)
    assert alice.cloud.ssh_keys.get(key.id).shared_in_project is False


def test_names_at_the_edges_of_the_pattern_are_accepted(alice, keys, prefix):
    shortest = "e2e"  # 3 characters; no other test uses it
    longest = (prefix + "x" * 63)[:62] + "_"  # 63 characters, ends with "_"
    inner = prefix[:-1] + " a.b_c-D."  # space, dot, underscore, dash; ends with "."
    for name in (shortest, longest, inner):
        assert keys.create(alice, name=name).name == name
    assert len(longest) == 63


def test_create_response_is_201_with_exactly_the_created_serializer_fields(alice, keys, prefix):
    raw = alice.cloud.ssh_keys.with_raw_response.create(name=prefix + "raw")
    body = raw.http_response.json()
    keys.made.append((alice, body["id"]))

    assert raw.http_response.status_code == 201
    assert set(body) == CREATED_FIELDS
    assert body["private_key"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert raw.http_response.headers.get("x-request-id")
    created = datetime.fromisoformat(body["created_at"].replace("Z", "+00:00"))
    assert created.utcoffset() == timedelta(0)
    assert raw.parse().id == body["id"]


def test_imported_key_response_has_a_null_private_key(alice, keys, prefix, tmp_path):
    line = keytools.public_line(keytools.keygen(tmp_path, keytools.KINDS["ed25519"]))
    raw = alice.cloud.ssh_keys.with_raw_response.create(name=prefix + "rawimport", public_key=line)
    body = raw.http_response.json()
    keys.made.append((alice, body["id"]))
    assert set(body) == CREATED_FIELDS
    assert body["private_key"] is None


def test_the_same_public_key_may_be_imported_under_two_names(alice, keys, prefix, tmp_path):
    line = keytools.public_line(keytools.keygen(tmp_path, keytools.KINDS["ed25519"]))
    first = keys.create(alice, name=prefix + "copy1", public_key=line)
    second = keys.create(alice, name=prefix + "copy2", public_key=line)
    assert first.id != second.id
    assert first.fingerprint == second.fingerprint


def test_a_created_key_can_be_read_back_with_the_same_fields(alice, keys, prefix):
    created = keys.create(alice, name=prefix + "readback")
    got = alice.cloud.ssh_keys.get(created.id)
    for attr in ("id", "name", "public_key", "fingerprint", "state", "project_id",
                 "shared_in_project", "created_at"):
        assert getattr(got, attr) == getattr(created, attr), attr


def test_generated_private_key_is_never_returned_again(alice, keys, prefix):
    created = keys.create(alice, name=prefix + "once")
    raw = alice.cloud.ssh_keys.with_raw_response.get(created.id)
    assert "private_key" not in raw.http_response.json()
    assert created.private_key.split("\n")[1] not in raw.http_response.text
    assert isinstance(alice.cloud.ssh_keys.get(created.id), gcore.types.cloud.SSHKey)
