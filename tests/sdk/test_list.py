"""client.cloud.ssh_keys.list: counts, orders, filters and the SDK's
auto-pagination over more than 25 keys."""

import secrets
from itertools import islice

import gcore
import pytest

BATCH = 27
MAX_ITEMS = 2000  # bounds every walk, even against a server that never ends a page
KEY_FIELDS = {"id", "name", "public_key", "fingerprint", "fingerprint_sha256", "state", "project_id",
              "shared_in_project", "created_at", "is_owner"}

ORDERS = {
    "created_at.asc": lambda k: (k.created_at, k.id),
    "created_at.desc": lambda k: (k.created_at, k.id),
    "name.asc": lambda k: (k.name, k.id),
    "name.desc": lambda k: (k.name, k.id),
}


def expected_ids(batch, order_by: str) -> list[str]:
    ordered = sorted(batch, key=ORDERS[order_by], reverse=order_by.endswith(".desc"))
    return [k.id for k in ordered]


def walk(pages) -> list:
    return list(islice(pages, MAX_ITEMS))


@pytest.fixture(scope="module")
def batch(deployment):
    """27 shared keys created by alice and bob in turn under one prefix.
    Names are digits only (ordered the same under any collation) and their
    order differs from the creation order."""
    alice, bob = deployment.client("alice"), deployment.client("bob")
    prefix = f"page{secrets.token_hex(4)}-"
    made = []
    for i in range(BATCH):
        owner = alice if i % 2 == 0 else bob
        made.append((owner, owner.cloud.ssh_keys.create(name=f"{prefix}{(i * 10) % BATCH:02d}")))
    yield prefix, [key for _, key in made]
    for owner, key in made:
        try:
            owner.cloud.ssh_keys.delete(key.id)
        except gcore.NotFoundError:
            pass


def test_batch_names_are_not_in_creation_order(batch):
    _, keys = batch
    names = [k.name for k in keys]
    assert names != sorted(names) and len(set(names)) == BATCH


def test_auto_pagination_with_limit_10_yields_every_key_exactly_once_newest_first(alice, batch):
    prefix, keys = batch
    listed = walk(alice.cloud.ssh_keys.list(limit=10, name=prefix))
    assert [k.id for k in listed] == expected_ids(keys, "created_at.desc")


def test_auto_pagination_over_the_whole_project_lists_each_visible_key_once(alice, batch):
    _, keys = batch
    first = alice.cloud.ssh_keys.list(limit=10)
    listed = walk(first)
    ids = [k.id for k in listed]
    assert len(ids) == len(set(ids)) == first.count
    assert {k.id for k in keys} <= set(ids)


def test_first_page_reports_the_total_count_and_iter_pages_walks_three_pages(alice, batch):
    prefix, keys = batch
    page = alice.cloud.ssh_keys.list(limit=10, name=prefix)
    assert page.count == BATCH
    assert len(page.results) == 10
    assert page.has_next_page()
    pages = list(islice(page.iter_pages(), 10))
    assert [len(p.results) for p in pages] == [10, 10, 7]
    assert all(p.count == BATCH for p in pages)
    assert not pages[-1].has_next_page()


@pytest.mark.parametrize("limit", [1, 7, 10, 26, 27, 1000])
@pytest.mark.parametrize("order_by", sorted(ORDERS))
def test_every_order_and_page_size_walks_each_key_exactly_once_in_order(bob, batch, order_by, limit):
    prefix, keys = batch
    listed = walk(bob.cloud.ssh_keys.list(limit=limit, order_by=order_by, name=prefix))
    assert [k.id for k in listed] == expected_ids(keys, order_by)


def test_name_asc_lists_names_in_ascending_order(alice, batch):
    prefix, keys = batch
    names = [k.name for k in walk(alice.cloud.ssh_keys.list(limit=100, order_by="name.asc", name=prefix))]
    assert names == sorted(k.name for k in keys)
    assert names[0] == f"{prefix}00" and names[-1] == f"{prefix}26"


def test_offset_returns_the_keys_after_it(alice, batch):
    prefix, keys = batch
    page = alice.cloud.ssh_keys.list(limit=5, offset=20, name=prefix, order_by="created_at.asc")
    assert page.count == BATCH
    assert [k.id for k in page.results] == expected_ids(keys, "created_at.asc")[20:25]


def test_offset_past_the_end_returns_an_empty_page_with_the_count(alice, batch):
    prefix, _ = batch
    page = alice.cloud.ssh_keys.list(offset=BATCH + 5, name=prefix)
    assert page.results == []
    assert page.count == BATCH
    assert walk(page) == []


def test_default_page_size_is_10(alice, batch):
    prefix, _ = batch
    page = alice.cloud.ssh_keys.list(name=prefix)
    assert len(page.results) == 10 and page.count == BATCH


def test_listed_keys_equal_the_created_keys(alice, batch):
    prefix, keys = batch
    listed = {k.id: k for k in walk(alice.cloud.ssh_keys.list(limit=100, name=prefix))}
    for key in keys:
        got = listed[key.id]
        assert (got.name, got.public_key, got.fingerprint, got.state, got.project_id,
                got.shared_in_project, got.created_at) == (
                key.name, key.public_key, key.fingerprint, "ACTIVE", 1, True, key.created_at)


def test_list_results_have_exactly_the_sshkey_fields(alice, batch):
    prefix, _ = batch
    body = alice.cloud.ssh_keys.with_raw_response.list(limit=3, name=prefix).http_response.json()
    assert set(body) == {"count", "results"}
    assert body["count"] == BATCH and len(body["results"]) == 3
    assert all(set(item) == KEY_FIELDS for item in body["results"])


def test_name_filter_is_a_case_sensitive_literal_substring(alice, keys, prefix):
    for suffix in ("a_b", "axb", "A_B", "a b"):
        keys.create(alice, name=prefix + suffix)

    def names(filter_):
        page = alice.cloud.ssh_keys.list(name=filter_, limit=100)
        found = sorted(k.name for k in walk(page))
        assert page.count == len(found)
        return found

    assert names(prefix) == sorted(prefix + s for s in ("a_b", "axb", "A_B", "a b"))
    assert names(prefix + "a_b") == [prefix + "a_b"]  # "_" is not a wildcard
    assert names(prefix + "A") == [prefix + "A_B"]  # case-sensitive
    assert names(prefix.upper()) == []
    assert names(prefix + "%") == []  # "%" is not a wildcard
    assert names(prefix + "\\") == []
    assert names(prefix + "a b") == [prefix + "a b"]
    assert names(prefix[3:] + "ax") == [prefix + "axb"]  # a substring from the middle


@pytest.mark.parametrize("params, field", [
    ({"limit": 0}, "limit"),
    ({"limit": 1001}, "limit"),
    ({"offset": -1}, "offset"),
    ({"order_by": "size.asc"}, "order_by"),
    ({"order_by": "name"}, "order_by"),
])
def test_out_of_range_list_parameters_raise_bad_request_naming_the_field(alice, params, field):
    with pytest.raises(gcore.BadRequestError) as caught:
        alice.cloud.ssh_keys.list(**params)
    assert caught.value.status_code == 400
    assert caught.value.body["exception_class"] == "ValidationError"
    assert field in caught.value.body["invalid_fields"]


def test_limit_1000_is_accepted(alice):
    page = alice.cloud.ssh_keys.list(limit=1000)
    assert len(page.results) == page.count
