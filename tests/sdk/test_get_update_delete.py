"""client.cloud.ssh_keys.get, update and delete."""

import uuid

import gcore
import pytest

KEY_FIELDS = {"id", "name", "public_key", "fingerprint", "fingerprint_sha256", "state", "project_id",
              "shared_in_project", "created_at", "is_owner"}


def assert_error(caught, status: int, exception_class: str) -> None:
    error = caught.value
    assert error.status_code == status
    assert error.body["exception_class"] == exception_class
    assert error.body["message"]
    assert error.body["request_id"] == error.response.headers["x-request-id"]


def test_get_returns_200_with_exactly_the_sshkey_fields(alice, keys, prefix):
    created = keys.create(alice, name=prefix + "get")
    raw = alice.cloud.ssh_keys.with_raw_response.get(created.id)
    assert raw.http_response.status_code == 200
    body = raw.http_response.json()
    assert set(body) == KEY_FIELDS
    assert body["id"] == created.id and body["name"] == prefix + "get"
    key = raw.parse()
    assert (key.public_key, key.fingerprint, key.state, key.project_id, key.shared_in_project, key.created_at) == (
        created.public_key, created.fingerprint, "ACTIVE", 1, True, created.created_at)


def test_get_of_an_unknown_id_raises_not_found(alice):
    with pytest.raises(gcore.NotFoundError) as caught:
        alice.cloud.ssh_keys.get(str(uuid.uuid4()))
    assert_error(caught, 404, "NotFoundError")


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1", "00000000-0000-0000-0000-00000000000g", "%20"])
def test_a_key_id_that_is_not_a_uuid_is_a_client_error_on_every_method(alice, bad_id):
    calls = [
        lambda: alice.cloud.ssh_keys.get(bad_id),
        lambda: alice.cloud.ssh_keys.update(bad_id, shared_in_project=True),
        lambda: alice.cloud.ssh_keys.delete(bad_id),
    ]
    for call in calls:
        with pytest.raises((gcore.NotFoundError, gcore.BadRequestError)) as caught:
            call()
        assert caught.value.status_code in (400, 404)
        assert set(caught.value.body) >= {"exception_class", "message", "request_id"}


def test_update_unshares_and_reshares_a_key_changing_nothing_else(alice, keys, prefix):
    created = keys.create(alice, name=prefix + "toggle")

    unshared = alice.cloud.ssh_keys.update(created.id, shared_in_project=False)
    assert isinstance(unshared, gcore.types.cloud.SSHKey)
    assert unshared.shared_in_project is False
    assert (unshared.id, unshared.name, unshared.public_key, unshared.fingerprint, unshared.created_at) == (
        created.id, created.name, created.public_key, created.fingerprint, created.created_at)
    assert alice.cloud.ssh_keys.get(created.id).shared_in_project is False

    reshared = alice.cloud.ssh_keys.update(created.id, shared_in_project=True)
    assert reshared.shared_in_project is True
    assert alice.cloud.ssh_keys.get(created.id).shared_in_project is True


def test_update_to_the_current_value_succeeds(alice, keys, prefix):
    created = keys.create(alice, name=prefix + "same", shared_in_project=False)
    assert alice.cloud.ssh_keys.update(created.id, shared_in_project=False).shared_in_project is False


def test_update_response_is_200_with_exactly_the_sshkey_fields(alice, keys, prefix):
    created = keys.create(alice, name=prefix + "patch")
    raw = alice.cloud.ssh_keys.with_raw_response.update(created.id, shared_in_project=False)
    assert raw.http_response.status_code == 200
    assert set(raw.http_response.json()) == KEY_FIELDS


def test_update_without_shared_in_project_changes_nothing_and_a_wrong_type_raises_bad_request(alice, keys, prefix):
    created = keys.create(alice, name=prefix + "nobody")
    client = alice.with_options()
    unchanged = client.patch(f"/cloud/v1/ssh_keys/1/{created.id}", body={}, cast_to=object)
    assert unchanged["shared_in_project"] is True and unchanged["public_key"] == created.public_key
    with pytest.raises(gcore.BadRequestError) as caught:
        client.patch(f"/cloud/v1/ssh_keys/1/{created.id}", body={"shared_in_project": "no"}, cast_to=object)
    assert_error(caught, 400, "ValidationError")
    assert "shared_in_project" in caught.value.body["invalid_fields"]
    assert alice.cloud.ssh_keys.get(created.id).shared_in_project is True


def test_update_of_an_unknown_id_raises_not_found(alice):
    with pytest.raises(gcore.NotFoundError) as caught:
        alice.cloud.ssh_keys.update(str(uuid.uuid4()), shared_in_project=False)
    assert_error(caught, 404, "NotFoundError")


def test_delete_returns_none_then_get_raises_not_found(alice, keys, prefix):
    created = keys.create(alice, name=prefix + "doomed")
    assert alice.cloud.ssh_keys.delete(created.id) is None
    with pytest.raises(gcore.NotFoundError) as caught:
        alice.cloud.ssh_keys.get(created.id)
    assert_error(caught, 404, "NotFoundError")


def test_delete_answers_204_with_an_empty_body(alice, keys, prefix):
    created = keys.create(alice, name=prefix + "raw204")
    raw = alice.cloud.ssh_keys.with_raw_response.delete(created.id)
    assert raw.http_response.status_code == 204
    assert raw.http_response.content == b""


def test_a_deleted_key_is_gone_from_list_update_and_delete(alice, keys, prefix):
    created = keys.create(alice, name=prefix + "gone")
    keep = keys.create(alice, name=prefix + "kept")
    alice.cloud.ssh_keys.delete(created.id)

    page = alice.cloud.ssh_keys.list(name=prefix, limit=100)
    assert page.count == 1 and [k.id for k in page.results] == [keep.id]
    with pytest.raises(gcore.NotFoundError):
        alice.cloud.ssh_keys.update(created.id, shared_in_project=False)
    with pytest.raises(gcore.NotFoundError):
        alice.cloud.ssh_keys.delete(created.id)
    assert alice.cloud.ssh_keys.get(keep.id).id == keep.id


def test_a_deleted_keys_name_is_free_again(alice, keys, prefix):
    first = keys.create(alice, name=prefix + "reuse")
    alice.cloud.ssh_keys.delete(first.id)
    second = keys.create(alice, name=prefix + "reuse")
    assert second.id != first.id
    assert alice.cloud.ssh_keys.get(second.id).name == prefix + "reuse"
