"""Who sees what: alice and bob share project 1, carol has project 2 only."""

import uuid
from itertools import islice

import gcore
import pytest


@pytest.fixture
def alices(alice, keys, prefix):
    """Alice's shared and unshared key in project 1."""
    shared = keys.create(alice, name=prefix + "shared")
    unshared = keys.create(alice, name=prefix + "unshared", shared_in_project=False)
    return shared, unshared


def visible_ids(client, name=None) -> list[str]:
    pages = client.cloud.ssh_keys.list(limit=10, **({"name": name} if name else {}))
    return [k.id for k in islice(pages, 2000)]


def test_bob_gets_and_lists_alices_shared_key(bob, alices, prefix):
    shared, _ = alices
    got = bob.cloud.ssh_keys.get(shared.id)
    assert (got.id, got.name, got.public_key, got.shared_in_project) == (
        shared.id, shared.name, shared.public_key, True)
    assert shared.id in visible_ids(bob, prefix)


def test_alice_lists_both_her_shared_and_unshared_keys(alice, alices, prefix):
    page = alice.cloud.ssh_keys.list(name=prefix)
    assert page.count == 2
    assert {k.id for k in page.results} == {k.id for k in alices}
    assert alice.cloud.ssh_keys.get(alices[1].id).shared_in_project is False


def test_alices_unshared_key_is_not_found_for_bob(bob, alices):
    _, unshared = alices
    with pytest.raises(gcore.NotFoundError) as caught:
        bob.cloud.ssh_keys.get(unshared.id)
    assert caught.value.body["exception_class"] == "NotFoundError"


def test_alices_unshared_key_is_neither_counted_nor_listed_for_bob(bob, alices, prefix):
    shared, unshared = alices
    page = bob.cloud.ssh_keys.list(name=prefix, limit=100)
    assert page.count == 1
    assert [k.id for k in page.results] == [shared.id]
    everything = bob.cloud.ssh_keys.list(limit=10)
    ids = visible_ids(bob)
    assert unshared.id not in ids
    assert len(ids) == everything.count
    assert bob.cloud.ssh_keys.list(name=unshared.name).count == 0


def test_the_unshared_key_is_not_found_for_bob_also_by_its_exact_name_or_order(bob, alices, prefix):
    _, unshared = alices
    for order_by in ("created_at.asc", "created_at.desc", "name.asc", "name.desc"):
        assert unshared.id not in [k.id for k in bob.cloud.ssh_keys.list(name=prefix, order_by=order_by).results]


def test_bob_gets_not_found_updating_or_deleting_alices_unshared_key_and_it_survives(alice, bob, alices):
    _, unshared = alices
    with pytest.raises(gcore.NotFoundError):
        bob.cloud.ssh_keys.update(unshared.id, shared_in_project=True)
    with pytest.raises(gcore.NotFoundError):
        bob.cloud.ssh_keys.delete(unshared.id)
    still = alice.cloud.ssh_keys.get(unshared.id)
    assert still.shared_in_project is False


def test_bob_cannot_take_the_name_of_alices_unshared_key(bob, alices):
    _, unshared = alices
    with pytest.raises(gcore.ConflictError) as caught:
        bob.cloud.ssh_keys.create(name=unshared.name)
    assert caught.value.status_code == 409


def test_bob_is_forbidden_to_update_or_delete_alices_shared_key_and_it_is_unchanged(alice, bob, alices):
    shared, _ = alices
    with pytest.raises(gcore.PermissionDeniedError) as caught:
        bob.cloud.ssh_keys.update(shared.id, shared_in_project=False)
    assert caught.value.status_code == 403
    assert caught.value.body["exception_class"] == "ForbiddenError"
    with pytest.raises(gcore.PermissionDeniedError) as caught:
        bob.cloud.ssh_keys.delete(shared.id)
    assert caught.value.body["exception_class"] == "ForbiddenError"
    assert alice.cloud.ssh_keys.get(shared.id).shared_in_project is True


def test_bob_may_update_and_delete_his_own_key_that_alice_can_see(alice, bob, keys, prefix):
    own = keys.create(bob, name=prefix + "bobs")
    assert alice.cloud.ssh_keys.get(own.id).name == prefix + "bobs"
    assert bob.cloud.ssh_keys.update(own.id, shared_in_project=False).shared_in_project is False
    with pytest.raises(gcore.NotFoundError):
        alice.cloud.ssh_keys.get(own.id)
    bob.cloud.ssh_keys.delete(own.id)
    with pytest.raises(gcore.NotFoundError):
        bob.cloud.ssh_keys.get(own.id)


def test_unsharing_hides_a_key_from_bob_and_sharing_it_again_shows_it(alice, bob, alices, prefix):
    shared, _ = alices
    alice.cloud.ssh_keys.update(shared.id, shared_in_project=False)
    with pytest.raises(gcore.NotFoundError):
        bob.cloud.ssh_keys.get(shared.id)
    assert bob.cloud.ssh_keys.list(name=prefix).count == 0

    alice.cloud.ssh_keys.update(shared.id, shared_in_project=True)
    assert bob.cloud.ssh_keys.get(shared.id).id == shared.id
    assert bob.cloud.ssh_keys.list(name=prefix).count == 1


def test_carol_is_forbidden_on_every_endpoint_of_project_1(alice, carol, alices):
    shared, _ = alices
    calls = {
        "list": lambda: carol.cloud.ssh_keys.list(),
        "create": lambda: carol.cloud.ssh_keys.create(name="carols-intrusion"),
        "get": lambda: carol.cloud.ssh_keys.get(shared.id),
        "update": lambda: carol.cloud.ssh_keys.update(shared.id, shared_in_project=False),
        "delete": lambda: carol.cloud.ssh_keys.delete(shared.id),
    }
    for label, call in calls.items():
        with pytest.raises(gcore.PermissionDeniedError) as caught:
            call()
        assert caught.value.status_code == 403, label
        assert caught.value.body["exception_class"] == "ForbiddenError", label
    assert alice.cloud.ssh_keys.get(shared.id).shared_in_project is True
    assert alice.cloud.ssh_keys.list(name="carols-intrusion").count == 0


def test_carol_learns_nothing_about_which_keys_exist_in_project_1(carol, alices):
    shared, unshared = alices
    messages = set()
    for key_id in (shared.id, unshared.id, str(uuid.uuid4()), "not-a-uuid"):
        with pytest.raises(gcore.PermissionDeniedError) as caught:
            carol.cloud.ssh_keys.get(key_id)
        messages.add(caught.value.body["message"])
    assert len(messages) == 1


def test_carol_uses_project_2_where_the_names_of_project_1_are_free(deployment, alice, keys, alices):
    carol2 = deployment.client("carol", project=2)
    shared, _ = alices
    mine = keys.create(carol2, name=shared.name)
    assert (mine.project_id, mine.name) == (2, shared.name)
    assert carol2.cloud.ssh_keys.get(mine.id).project_id == 2
    assert [k.id for k in carol2.cloud.ssh_keys.list(name=shared.name).results] == [mine.id]
    # Project 1 still has exactly alice's key of that name.
    assert [k.id for k in alice.cloud.ssh_keys.list(name=shared.name).results] == [shared.id]


def test_alice_is_forbidden_on_project_2_and_cannot_reach_its_keys_through_project_1(deployment, alice, keys, prefix):
    carol2 = deployment.client("carol", project=2)
    theirs = keys.create(carol2, name=prefix + "carols")
    with pytest.raises(gcore.PermissionDeniedError):
        alice.cloud.ssh_keys.list(project_id=2)
    with pytest.raises(gcore.PermissionDeniedError):
        alice.cloud.ssh_keys.get(theirs.id, project_id=2)
    with pytest.raises(gcore.PermissionDeniedError):
        alice.cloud.ssh_keys.create(name=prefix + "intrude", project_id=2)
    with pytest.raises(gcore.NotFoundError):
        alice.cloud.ssh_keys.get(theirs.id)  # the key id under the wrong project
    with pytest.raises(gcore.NotFoundError):
        alice.cloud.ssh_keys.delete(theirs.id)
    assert carol2.cloud.ssh_keys.get(theirs.id).id == theirs.id
