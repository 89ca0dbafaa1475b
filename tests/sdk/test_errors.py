"""Errors reach the SDK as its typed exceptions, with Gcore's error body."""

import uuid

import gcore
import pytest

import keytools


def assert_gcore_body(error, exception_class: str) -> dict:
    body = error.body
    assert isinstance(body, dict)
    assert body == error.response.json()
    assert {"exception_class", "message", "request_id"} <= set(body)
    assert set(body) <= {"exception_class", "message", "request_id", "invalid_fields"}
    assert body["exception_class"] == exception_class
    assert isinstance(body["message"], str) and body["message"]
    assert body["request_id"] and body["request_id"] == error.response.headers["x-request-id"]
    return body


def test_duplicate_name_raises_conflict_error_409(alice, keys, prefix):
    keys.create(alice, name=prefix + "dup")
    with pytest.raises(gcore.ConflictError) as caught:
        alice.cloud.ssh_keys.create(name=prefix + "dup")
    assert caught.value.status_code == 409
    assert_gcore_body(caught.value, "ConflictError")
    assert alice.cloud.ssh_keys.list(name=prefix + "dup").count == 1


def test_duplicate_name_is_a_conflict_also_for_an_imported_key(alice, keys, prefix, tmp_path):
    keys.create(alice, name=prefix + "dup2")
    line = keytools.public_line(keytools.keygen(tmp_path, keytools.KINDS["ed25519"]))
    with pytest.raises(gcore.ConflictError):
        alice.cloud.ssh_keys.create(name=prefix + "dup2", public_key=line)


def test_names_differing_only_in_case_are_different_names(alice, keys, prefix):
    keys.create(alice, name=prefix + "case")
    assert keys.create(alice, name=prefix + "CASE").name == prefix + "CASE"


@pytest.mark.parametrize("name", [
    "ab",  # too short
    "x" * 64,  # too long
    "-abc",  # bad first character
    " abc",  # bad first character
    "abc-",  # bad last character
    "abc ",  # bad last character
    "bad/name",
    "bad%name",
    "naïve",
    "",
])
def test_a_name_outside_the_pattern_raises_bad_request_and_stores_nothing(alice, name):
    before = alice.cloud.ssh_keys.list(limit=1).count
    with pytest.raises(gcore.BadRequestError) as caught:
        alice.cloud.ssh_keys.create(name=name)
    assert caught.value.status_code == 400
    body = assert_gcore_body(caught.value, "ValidationError")
    assert "name" in body["invalid_fields"]
    assert alice.cloud.ssh_keys.list(limit=1).count == before


def bad_public_keys(tmp_path) -> dict[str, str]:
    ed = keytools.keygen(tmp_path, keytools.KINDS["ed25519"])
    kind, blob = keytools.type_and_blob(keytools.public_line(ed))
    rsa_1024 = keytools.public_line(keytools.keygen(tmp_path, ["-t", "rsa", "-b", "1024"]))
    return {
        "garbage": "not a key at all",
        "bad base64": f"{kind} {blob[:-8]}!!!!****",
        "truncated": f"{kind} {blob[:20]}",
        "label mismatch": f"ssh-rsa {blob}",
        "rsa 1024": rsa_1024,
        "two keys": f"{kind} {blob} one\n{kind} {blob} two",
        "private key": ed.read_text(),
    }


def test_every_bad_public_key_raises_bad_request_naming_the_field(alice, prefix, tmp_path):
    private_text = keytools.keygen(tmp_path, keytools.KINDS["ed25519"]).read_text()
    cases = bad_public_keys(tmp_path)
    for label, public_key in cases.items():
        name = prefix + label.replace(" ", "-")
        with pytest.raises(gcore.BadRequestError) as caught:
            alice.cloud.ssh_keys.create(name=name, public_key=public_key)
        body = assert_gcore_body(caught.value, "ValidationError")
        assert "public_key" in body["invalid_fields"], label
        assert alice.cloud.ssh_keys.list(name=name).count == 0, label
    # The pasted private key is not echoed back.
    with pytest.raises(gcore.BadRequestError) as caught:
        alice.cloud.ssh_keys.create(name=prefix + "pasted", public_key=private_text)
    secret_line = private_text.splitlines()[2]
    assert secret_line not in caught.value.response.text


def test_a_bad_token_raises_authentication_error_on_every_method(deployment):
    client = gcore.Gcore(api_key="skd_not_a_real_token", base_url=deployment.url, cloud_project_id=1, max_retries=0)
    key_id = str(uuid.uuid4())
    calls = [
        lambda: client.cloud.ssh_keys.create(name="unauthorised"),
        lambda: client.cloud.ssh_keys.list(),
        lambda: client.cloud.ssh_keys.get(key_id),
        lambda: client.cloud.ssh_keys.update(key_id, shared_in_project=False),
        lambda: client.cloud.ssh_keys.delete(key_id),
    ]
    for call in calls:
        with pytest.raises(gcore.AuthenticationError) as caught:
            call()
        assert caught.value.status_code == 401
        assert_gcore_body(caught.value, "AuthenticationError")


@pytest.mark.parametrize("header", [gcore.Omit(), "", "APIKey", "Bearer skd_x", "APIKey a b"], ids=repr)
def test_a_missing_or_malformed_authorization_header_raises_authentication_error(deployment, header):
    client = gcore.Gcore(api_key="unused", base_url=deployment.url, cloud_project_id=1, max_retries=0,
                         default_headers={"Authorization": header})
    with pytest.raises(gcore.AuthenticationError) as caught:
        client.cloud.ssh_keys.list()
    assert_gcore_body(caught.value, "AuthenticationError")


def test_a_valid_token_under_another_scheme_word_is_refused(deployment):
    client = gcore.Gcore(api_key="unused", base_url=deployment.url, cloud_project_id=1, max_retries=0,
                         default_headers={"Authorization": f"Bearer {deployment.tokens['alice']}"})
    with pytest.raises(gcore.AuthenticationError):
        client.cloud.ssh_keys.list()


def test_the_token_scheme_word_is_case_insensitive(deployment):
    token = deployment.tokens["alice"]
    for scheme in ("apikey", "APIKEY", "ApiKey"):
        client = gcore.Gcore(api_key="unused", base_url=deployment.url, cloud_project_id=1, max_retries=0,
                             default_headers={"Authorization": f"{scheme} {token}"})
        assert isinstance(client.cloud.ssh_keys.list(limit=1).count, int)


def test_a_conflict_response_tells_the_sdk_not_to_retry_it(alice, keys, prefix):
    keys.create(alice, name=prefix + "noretry")
    with pytest.raises(gcore.ConflictError) as caught:
        alice.cloud.ssh_keys.create(name=prefix + "noretry")
    assert caught.value.response.headers.get("x-should-retry") == "false"


def test_each_response_gets_its_own_request_id(alice):
    ids = set()
    for _ in range(3):
        with pytest.raises(gcore.NotFoundError) as caught:
            alice.cloud.ssh_keys.get(str(uuid.uuid4()))
        ids.add(caught.value.body["request_id"])
    assert len(ids) == 3
