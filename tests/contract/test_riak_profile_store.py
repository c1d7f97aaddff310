"""What only the Riak adapter must do: siblings merged, vclocks echoed, indexes resent, retries."""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import requests

from arena.crm.profiles import ProfileSnapshot, ProfileStoreUnavailable, merge_concurrent_versions
from arena.storage.riak import RiakProfileStore
from tests.contract.conftest import ALPHA, standin_store
from tests.support.riak_standin import RiakStandIn

CAMILLE = "camille.durand@exemple.fr"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def key_url(store: RiakProfileStore, email: str, organization: str = ALPHA) -> str:
    bucket = quote(store.bucket_prefix + organization, safe="")
    return f"{store.url}/types/{store.bucket_type}/buckets/{bucket}/keys/{quote(email, safe='')}"


def write_behind_the_adapters_back(
    store: RiakProfileStore, email: str, body: dict, vclock: str | None, indexes: dict[str, str]
) -> None:
    """A write from another client racing ours: same vclock (or none), no precondition."""
    headers = {"Content-Type": "application/json", **indexes}
    if vclock:
        headers["X-Riak-Vclock"] = vclock
    response = requests.put(key_url(store, email), data=json.dumps(body), headers=headers)
    assert response.status_code == 204


def envelope(data: dict, updated_at: datetime, indexes: dict | None = None) -> dict:
    return {
        "arena_profile": 1,
        "data": data,
        "indexes": indexes or {},
        "updated_at": updated_at.isoformat(),
    }


def test_concurrent_writes_become_siblings_that_a_read_merges_without_losing_any(
    standin: RiakStandIn,
) -> None:
    store = standin_store(standin)
    base = store.put(ALPHA, CAMILLE, {"tags": ["abonné"], "opens_count": 3, "tier": "silver"})
    write_behind_the_adapters_back(
        store,
        CAMILLE,
        envelope(
            {"tags": ["abonné", "vip"], "opens_count": 5, "tier": "gold"},
            T0,
            {"tier_bin": ["gold"]},
        ),
        base.version,
        {"X-Riak-Index-tier_bin": "gold"},
    )
    write_behind_the_adapters_back(
        store,
        CAMILLE,
        envelope(
            {"tags": ["abonné", "newsletter"], "opens_count": 4, "tier": "platinum", "phone": "06"},
            T0 + timedelta(minutes=5),
            {"tier_bin": ["platinum"]},
        ),
        base.version,
        {"X-Riak-Index-tier_bin": "platinum"},
    )
    assert standin.sibling_count("profiles", store.bucket_prefix + ALPHA, CAMILLE) == 2

    merged = store.get(ALPHA, CAMILLE)

    assert merged is not None
    assert merged.data == {
        "tags": ["abonné", "vip", "newsletter"],
        "opens_count": 5,
        "tier": "platinum",
        "phone": "06",
    }
    assert standin.sibling_count("profiles", store.bucket_prefix + ALPHA, CAMILLE) == 1
    assert store.query(ALPHA, "tier_bin", "gold") == [CAMILLE]
    assert store.query(ALPHA, "tier_bin", "platinum") == [CAMILLE]
    assert store.get(ALPHA, CAMILLE).data == merged.data  # type: ignore[union-attr]


def test_a_sibling_written_as_plain_json_by_another_client_is_merged_too(
    standin: RiakStandIn,
) -> None:
    store = standin_store(standin)
    write_behind_the_adapters_back(store, CAMILLE, {"crm_id": "A-17"}, None, {})
    write_behind_the_adapters_back(store, CAMILLE, envelope({"score": 12}, T0), None, {})

    merged = store.get(ALPHA, CAMILLE)

    assert merged is not None and merged.data == {"crm_id": "A-17", "score": 12}


def test_writing_with_the_merged_version_replaces_every_sibling(standin: RiakStandIn) -> None:
    store = standin_store(standin)
    write_behind_the_adapters_back(store, CAMILLE, envelope({"a": 1}, T0), None, {})
    write_behind_the_adapters_back(store, CAMILLE, envelope({"b": 2}, T0), None, {})
    merged = store.get(ALPHA, CAMILLE)

    store.put(ALPHA, CAMILLE, {"c": 3}, expected_version=merged.version)  # type: ignore[union-attr]

    assert store.get(ALPHA, CAMILLE).data == {"c": 3}  # type: ignore[union-attr]
    assert standin.sibling_count("profiles", store.bucket_prefix + ALPHA, CAMILLE) == 1


def test_every_write_echoes_the_vclock_read_and_resends_every_index(standin: RiakStandIn) -> None:
    store = standin_store(standin)
    store.put(ALPHA, CAMILLE, {"n": 0}, indexes={"city_bin": "Lyon", "age_int": [34, 35]})
    read = store.get(ALPHA, CAMILLE)
    standin.requests.clear()

    store.update(ALPHA, CAMILLE, lambda doc: {**doc, "n": 1})

    puts = [request for request in standin.requests if request.method == "PUT"]
    assert len(puts) == 1
    assert puts[0].headers["x-riak-vclock"] == read.version  # type: ignore[union-attr]
    assert puts[0].headers["x-riak-if-not-modified"] == read.version  # type: ignore[union-attr]
    assert puts[0].headers["x-riak-index-city_bin"] == "Lyon"
    assert puts[0].headers["x-riak-index-age_int"] == "34, 35"
    assert puts[0].headers["content-type"] == "application/json"


def test_keys_page_through_the_bucket_index_instead_of_listing_every_key(
    standin: RiakStandIn,
) -> None:
    store = standin_store(standin, key_page_size=4)
    emails = [f"client{number}@exemple.fr" for number in range(10)]
    for email in emails:
        store.put(ALPHA, email, {})
    standin.requests.clear()

    assert sorted(store.keys(ALPHA)) == sorted(emails)

    paths = [request.path for request in standin.requests]
    assert len(paths) == 3  # 4 + 4 + 2 keys
    assert all("/index/$bucket/" in path and "max_results=4" in path for path in paths)
    assert not any("keys=true" in path for path in paths)


def test_a_briefly_overloaded_node_is_retried_until_it_answers(standin: RiakStandIn) -> None:
    store = standin_store(standin, retries=3)
    store.put(ALPHA, CAMILLE, {"ok": True})
    standin.requests.clear()
    standin.fail_next(2)

    assert store.get(ALPHA, CAMILLE).data == {"ok": True}  # type: ignore[union-attr]
    assert len(standin.requests) == 3


def test_a_node_that_stays_overloaded_fails_clearly_after_bounded_retries(
    standin: RiakStandIn,
) -> None:
    store = standin_store(standin, retries=2)
    standin.fail_next(10)

    with pytest.raises(ProfileStoreUnavailable, match="503"):
        store.get(ALPHA, CAMILLE)

    assert len(standin.requests) == 3


def test_an_unreachable_node_fails_quickly_with_an_error_naming_it() -> None:
    node = RiakStandIn().start()
    url = node.url
    node.stop()
    store = RiakProfileStore(url, "profiles", timeout=1.0, retries=2, backoff_seconds=0.01)

    started = time.monotonic()
    with pytest.raises(ProfileStoreUnavailable, match="unreachable") as raised:
        store.ping()

    assert url in str(raised.value) and "ARENA_RIAK_URL" in str(raised.value)
    assert time.monotonic() - started < 5


def test_a_node_that_comes_back_is_used_again() -> None:
    node = RiakStandIn().start()
    store = RiakProfileStore(node.url, "profiles", timeout=1.0, retries=0)
    node.stop()
    with pytest.raises(ProfileStoreUnavailable):
        store.ping()

    node.start()  # same port
    try:
        store.ping()
    finally:
        node.stop()


# --- the merge policy itself ------------------------------------------------------------------


def test_merging_does_not_depend_on_the_order_siblings_arrive_in() -> None:
    versions = [
        ProfileSnapshot({"tier": "gold", "tags": ["a"], "calls_count": 2}, {"x_bin": ("a",)}, T0),
        ProfileSnapshot({"tier": "silver", "tags": ["b"]}, {"x_bin": ("b",)}, T0),
        ProfileSnapshot({"tags": ["c", "a"], "calls_count": 1}, {}, T0 + timedelta(seconds=1)),
    ]

    results = {
        json.dumps(merge_concurrent_versions(list(order)).data, sort_keys=True)
        for order in itertools.permutations(versions)
    }

    assert len(results) == 1


def test_merging_keeps_the_latest_value_the_highest_counter_and_every_list_item() -> None:
    older = ProfileSnapshot(
        {"tier": "gold", "calls_count": 7, "tags": ["a"], "prefs": {"sms": True, "lang": "fr"}},
        {"tier_bin": ("gold",)},
        T0,
    )
    newer = ProfileSnapshot(
        {"tier": "silver", "calls_count": 4, "tags": ["b"], "prefs": {"lang": "en"}},
        {"tier_bin": ("silver",)},
        T0 + timedelta(hours=1),
    )

    merged = merge_concurrent_versions([newer, older])

    assert merged.data == {
        "tier": "silver",
        "calls_count": 7,
        "tags": ["a", "b"],
        "prefs": {"sms": True, "lang": "en"},
    }
    assert merged.indexes == {"tier_bin": ("gold", "silver")}
    assert merged.updated_at == T0 + timedelta(hours=1)


def test_merging_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        merge_concurrent_versions([])
