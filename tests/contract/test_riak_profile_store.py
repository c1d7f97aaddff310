"""What only the Riak adapter must do, on the stand-in and (when set) on a real node: siblings
merged and collapsed, racing writers both counted, vclocks echoed, indexes resent, deleted
documents never listed, a node that is not ready retried, a misconfigured one refused."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import requests

from arena.crm.profiles import (
    ConcurrencyConflict,
    ProfileStoreMisconfigured,
    ProfileStoreUnavailable,
    TooManyConcurrentVersions,
)
from arena.storage.riak import RiakProfileStore
from tests.contract.conftest import ALPHA, real_riak_store, riak_variant, standin_store
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


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and ". " not in message[:-1]


# --- siblings -------------------------------------------------------------------------------


def test_concurrent_writes_become_siblings_that_a_read_merges_without_losing_any(
    riak_store: RiakProfileStore,
) -> None:
    store = riak_store
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
        {"X-Riak-Index-tier_bin": "gold", "X-Riak-Index-arena_live_bin": "1"},
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
        {"X-Riak-Index-tier_bin": "platinum", "X-Riak-Index-arena_live_bin": "1"},
    )
    raw = requests.get(key_url(store, CAMILLE), headers={"Accept": "multipart/mixed"})
    assert raw.status_code == 300

    merged = store.get(ALPHA, CAMILLE)

    assert merged is not None
    # Envelope-1 siblings carry no per-writer slots: their counters merge by maximum.
    assert merged.data == {
        "tags": ["abonné", "vip", "newsletter"],
        "opens_count": 5,
        "tier": "platinum",
        "phone": "06",
    }
    assert requests.get(key_url(store, CAMILLE)).status_code == 200  # collapsed
    assert store.query(ALPHA, "tier_bin", "gold") == [CAMILLE]
    assert store.query(ALPHA, "tier_bin", "platinum") == [CAMILLE]
    assert store.get(ALPHA, CAMILLE).data == merged.data  # type: ignore[union-attr]


def test_a_sibling_written_as_plain_json_by_another_client_is_merged_too(
    riak_store: RiakProfileStore,
) -> None:
    store = riak_store
    write_behind_the_adapters_back(store, CAMILLE, {"crm_id": "A-17"}, None, {})
    write_behind_the_adapters_back(store, CAMILLE, envelope({"score": 12}, T0), None, {})

    merged = store.get(ALPHA, CAMILLE)

    assert merged is not None and merged.data == {"crm_id": "A-17", "score": 12}


def test_writing_with_the_merged_version_replaces_every_sibling(
    riak_store: RiakProfileStore,
) -> None:
    store = riak_store
    write_behind_the_adapters_back(store, CAMILLE, envelope({"a": 1}, T0), None, {})
    write_behind_the_adapters_back(store, CAMILLE, envelope({"b": 2}, T0), None, {})
    merged = store.get(ALPHA, CAMILLE)

    store.put(ALPHA, CAMILLE, {"c": 3}, expected_version=merged.version)  # type: ignore[union-attr]

    assert store.get(ALPHA, CAMILLE).data == {"c": 3}  # type: ignore[union-attr]
    assert requests.get(key_url(store, CAMILLE)).status_code == 200


# --- racing writers: Riak accepts both, the counters still add up -----------------------------


def test_two_updates_racing_with_the_same_version_both_count(standin: RiakStandIn) -> None:
    """Riak checks X-Riak-If-Not-Modified before writing, not with the write: both racers pass."""
    store = standin_store(standin)
    other_process = standin_store(standin)
    store.put(ALPHA, CAMILLE, {"opens_count": 5, "tier": "silver"})
    standin.overlap_next_writes(2)

    def bump(doc: dict) -> dict:
        return {**doc, "opens_count": doc["opens_count"] + 1}

    racers = [
        threading.Thread(target=lambda s=s: s.update(ALPHA, CAMILLE, bump))  # type: ignore[misc]
        for s in (store, other_process)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    conditional = [r.headers["x-riak-if-not-modified"] for r in standin.requests
                   if r.method == "PUT" and "x-riak-if-not-modified" in r.headers]
    assert conditional[0] == conditional[1]  # both racers wrote over the same version
    assert store.get(ALPHA, CAMILLE).data == {"opens_count": 7, "tier": "silver"}  # type: ignore[union-attr]


def test_racing_creations_of_one_profile_are_merged_not_lost(standin: RiakStandIn) -> None:
    store = standin_store(standin)
    standin.overlap_next_writes(3)

    def first_visit(source: str) -> None:
        store.update(
            ALPHA,
            CAMILLE,
            lambda doc: {**doc, "visits_count": doc.get("visits_count", 0) + 1, source: True},
        )

    racers = [threading.Thread(target=first_visit, args=(s,)) for s in ("web", "box", "app")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    merged = store.get(ALPHA, CAMILLE)
    assert merged is not None
    assert merged.data == {"visits_count": 3, "web": True, "box": True, "app": True}


@pytest.mark.parametrize("variant", ["riak-standin-lww", "riak-lww"])
def test_on_a_last_write_wins_bucket_type_racing_writes_keep_one_whole_document(
    request: pytest.FixtureRequest, variant: str
) -> None:
    store = riak_variant(request, variant)
    store.put(ALPHA, CAMILLE, {"start": True})
    if variant == "riak-standin-lww":
        request.getfixturevalue("standin").overlap_next_writes(2)
    documents = [{"tier": "gold", "by": "box office"}, {"phone": "06", "by": "web"}]
    start = threading.Barrier(2)

    def write(document: dict) -> None:
        start.wait()
        store.put(ALPHA, CAMILLE, document)

    racers = [threading.Thread(target=write, args=(document,)) for document in documents]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert store.get(ALPHA, CAMILLE).data in documents  # type: ignore[union-attr]


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
    assert puts[0].headers["x-riak-index-arena_live_bin"] == "1"
    assert puts[0].headers["content-type"] == "application/json"


def test_more_concurrent_versions_than_riak_keeps_is_a_clear_error(standin: RiakStandIn) -> None:
    standin.max_siblings = 1
    store = standin_store(standin)
    read = store.put(ALPHA, CAMILLE, {"tier": "silver"})
    standin.overlap_next_writes(2)
    outcomes: list[BaseException | None] = []

    def write(tier: str) -> None:
        try:
            store.put(ALPHA, CAMILLE, {"tier": tier}, expected_version=read.version)
            outcomes.append(None)
        except BaseException as error:  # noqa: BLE001 - inspected below
            outcomes.append(error)

    racers = [threading.Thread(target=write, args=(tier,)) for tier in ("gold", "platinum")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    errors = [outcome for outcome in outcomes if outcome is not None]
    assert len(errors) == 1 and isinstance(errors[0], TooManyConcurrentVersions)
    assert "too_many_siblings" in str(errors[0]) and one_sentence(str(errors[0]))


def test_an_update_refused_for_too_many_siblings_is_retried_after_merging(
    standin: RiakStandIn,
) -> None:
    standin.max_siblings = 1
    store, other_process = standin_store(standin), standin_store(standin)
    store.put(ALPHA, CAMILLE, {"opens_count": 0})
    standin.overlap_next_writes(2)

    def bump(doc: dict) -> dict:
        return {**doc, "opens_count": doc["opens_count"] + 1}

    racers = [
        threading.Thread(target=lambda s=s: s.update(ALPHA, CAMILLE, bump))  # type: ignore[misc]
        for s in (store, other_process)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert store.get(ALPHA, CAMILLE).data == {"opens_count": 2}  # type: ignore[union-attr]


def test_a_hundred_siblings_from_other_clients_are_merged_by_the_next_update(
    riak_store: RiakProfileStore,
) -> None:
    store = riak_store
    base = store.put(ALPHA, CAMILLE, {"opens_count": 0})
    url = key_url(store, CAMILLE)
    session = requests.Session()
    for number in range(100):  # Riak keeps at most 100 siblings
        session.put(url, data=json.dumps({"opens_count": 0, "n": number}),
                    headers={"Content-Type": "application/json", "X-Riak-Vclock": base.version})

    store.update(ALPHA, CAMILLE, lambda doc: {**doc, "opens_count": doc["opens_count"] + 1})

    final = store.get(ALPHA, CAMILLE)
    assert final is not None and final.data["opens_count"] == 1
    assert requests.get(url).status_code == 200  # one value again


def test_a_write_racing_a_hundred_siblings_says_so_in_one_sentence(
    riak_store: RiakProfileStore,
) -> None:
    """An unconditional write that lands after 100 racing siblings is refused by Riak."""
    store = riak_store
    store.put(ALPHA, CAMILLE, {"tier": "silver"})
    url = key_url(store, CAMILLE)
    real_request = store.http.session.request

    def racing_request(method: str, address: str, **kwargs: object) -> requests.Response:
        if method == "PUT" and address.startswith(url):
            racing_request.calls += 1  # type: ignore[attr-defined]
            if racing_request.calls == 1:  # type: ignore[attr-defined]
                # 100 other clients write over the same version between our read and our write.
                vclock = kwargs["headers"]["X-Riak-Vclock"]  # type: ignore[index]
                for number in range(100):
                    requests.put(url, data=json.dumps({"n": number}),
                                 headers={"Content-Type": "application/json",
                                          "X-Riak-Vclock": vclock})
        return real_request(method, address, **kwargs)  # type: ignore[arg-type]

    racing_request.calls = 0  # type: ignore[attr-defined]
    store.http.session.request = racing_request  # type: ignore[assignment,method-assign]

    with pytest.raises(TooManyConcurrentVersions) as raised:
        store.put(ALPHA, CAMILLE, {"tier": "gold"})

    assert "too_many_siblings" in str(raised.value) and one_sentence(str(raised.value))


# --- deleted documents ------------------------------------------------------------------------


@pytest.mark.parametrize("delete_mode", [3.0, "keep", "immediate"])
def test_deleted_profiles_are_never_listed_whatever_the_delete_mode(
    standin: RiakStandIn, delete_mode: float | str
) -> None:
    standin.delete_mode = delete_mode
    store = standin_store(standin)
    store.put(ALPHA, CAMILLE, {"x": 1})
    store.put(ALPHA, "dominique@exemple.fr", {"x": 2})

    store.delete(ALPHA, CAMILLE)

    assert list(store.keys(ALPHA)) == ["dominique@exemple.fr"]
    assert store.get(ALPHA, CAMILLE) is None
    assert store.delete(ALPHA, CAMILLE) is False


def test_a_profile_recreated_after_its_deletion_is_whole_and_listed(
    riak_store: RiakProfileStore,
) -> None:
    store = riak_store
    store.put(ALPHA, CAMILLE, {"old": True, "opens_count": 4})
    store.delete(ALPHA, CAMILLE)

    store.put(ALPHA, CAMILLE, {"new": True}, expected_version=None)
    store.update(ALPHA, CAMILLE, lambda doc: {**doc, "opens_count": doc.get("opens_count", 0) + 1})

    assert store.get(ALPHA, CAMILLE).data == {"new": True, "opens_count": 1}  # type: ignore[union-attr]
    assert list(store.keys(ALPHA)) == [CAMILLE]


def test_keys_page_through_the_live_index_instead_of_listing_every_key(
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
    assert all("/index/arena_live_bin/1" in path and "max_results=4" in path for path in paths)
    assert not any("keys=true" in path for path in paths)


# --- a node that is not ready -----------------------------------------------------------------


def test_a_node_that_is_starting_up_is_waited_for_not_read_as_empty(standin: RiakStandIn) -> None:
    """For ~2 s every route is an HTML 404, then reads and writes answer 500 insufficient_vnodes
    while /ping says OK: none of that may read as 'no such document'."""
    store = standin_store(standin, retries=8)
    store.put(ALPHA, CAMILLE, {"tier": "gold"})

    standin.simulate_start_up(routes_missing=3, vnodes_down=3)
    read = store.get(ALPHA, CAMILLE)
    standin.simulate_start_up(routes_missing=3, vnodes_down=3)
    deleted = store.delete(ALPHA, CAMILLE)

    assert read is not None and read.data == {"tier": "gold"}
    assert deleted is True


def test_a_node_that_stays_not_ready_fails_in_one_sentence(standin: RiakStandIn) -> None:
    store = standin_store(standin, retries=2)
    store.put(ALPHA, CAMILLE, {"tier": "gold"})

    standin.simulate_start_up(routes_missing=10, vnodes_down=0)
    with pytest.raises(ProfileStoreUnavailable) as starting:
        store.get(ALPHA, CAMILLE)
    standin.simulate_start_up(routes_missing=0, vnodes_down=10)
    with pytest.raises(ProfileStoreUnavailable) as no_vnodes:
        store.update(ALPHA, CAMILLE, lambda doc: {**doc, "tier": "silver"})

    assert "still starting" in str(starting.value) and one_sentence(str(starting.value))
    assert "insufficient_vnodes" in str(no_vnodes.value) and one_sentence(str(no_vnodes.value))
    assert "<" not in str(starting.value) + str(no_vnodes.value)  # no HTML


def test_healthy_means_reads_and_writes_work_not_only_ping(standin: RiakStandIn) -> None:
    store = standin_store(standin, retries=1)
    standin.simulate_start_up(routes_missing=0, vnodes_down=10)

    assert requests.get(f"{standin.url}/ping").status_code == 200
    with pytest.raises(ProfileStoreUnavailable, match="insufficient_vnodes"):
        store.ping()

    standin.simulate_start_up(routes_missing=0, vnodes_down=0)
    store.ping()


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

    with pytest.raises(ProfileStoreUnavailable, match="503") as raised:
        store.get(ALPHA, CAMILLE)

    assert len(standin.requests) == 3
    assert one_sentence(str(raised.value))


def test_an_unreachable_node_fails_quickly_with_an_error_naming_it() -> None:
    node = RiakStandIn().start()
    url = node.url
    node.stop()
    store = RiakProfileStore(url, timeout=1.0, retries=2, backoff_seconds=0.01)

    started = time.monotonic()
    with pytest.raises(ProfileStoreUnavailable, match="unreachable") as raised:
        store.ping()

    assert url in str(raised.value) and "ARENA_RIAK_URL" in str(raised.value)
    assert one_sentence(str(raised.value))
    assert time.monotonic() - started < 5


def test_a_node_that_comes_back_is_used_again() -> None:
    node = RiakStandIn().start()
    store = RiakProfileStore(node.url, timeout=1.0, retries=0)
    node.stop()
    with pytest.raises(ProfileStoreUnavailable):
        store.ping()

    node.start()  # same port
    try:
        store.ping()
    finally:
        node.stop()


# --- a node that is not set up for Arena ------------------------------------------------------


def test_a_mistyped_bucket_type_fails_at_open_in_one_sentence(riak_url: str) -> None:
    with pytest.raises(ProfileStoreMisconfigured) as raised:
        RiakProfileStore.open(riak_url, "arena_profils", retries=1, backoff_seconds=0.01)

    assert "'arena_profils'" in str(raised.value) and one_sentence(str(raised.value))


def test_a_store_on_a_mistyped_bucket_type_never_answers_as_if_it_were_empty(
    riak_url: str,
) -> None:
    store = RiakProfileStore(riak_url, "arena_profils", retries=1, backoff_seconds=0.01)

    for attempt in (
        lambda: store.get(ALPHA, CAMILLE),
        lambda: store.delete(ALPHA, CAMILLE),
        lambda: store.put(ALPHA, CAMILLE, {"x": 1}),
        lambda: list(store.keys(ALPHA)),
        lambda: store.query(ALPHA, "city_bin", "Lyon"),
    ):
        with pytest.raises(ProfileStoreMisconfigured) as raised:
            attempt()
        assert "'arena_profils'" in str(raised.value) and one_sentence(str(raised.value))


def test_a_bucket_type_that_keeps_only_the_last_write_is_refused_unless_accepted(
    riak_url: str,
) -> None:
    with pytest.raises(ProfileStoreMisconfigured, match="allow_mult") as raised:
        RiakProfileStore.open(riak_url, "default", retries=1)
    assert one_sentence(str(raised.value)) and "ARENA_RIAK_LAST_WRITE_WINS" in str(raised.value)

    accepted = RiakProfileStore.open(riak_url, "default", accept_last_write_wins=True)
    assert accepted.check_bucket_type(accept_last_write_wins=True).allow_mult is False
    opened = RiakProfileStore.open(riak_url, "arena_profiles")
    assert opened.check_bucket_type().allow_mult is True


def test_a_stale_write_that_riak_can_see_is_still_refused(riak_store: RiakProfileStore) -> None:
    """Not racing, a stale version is caught (before the write is sent)."""
    original = riak_store.put(ALPHA, CAMILLE, {"tier": "silver"})
    riak_store.put(ALPHA, CAMILLE, {"tier": "gold"}, expected_version=original.version)

    with pytest.raises(ConcurrencyConflict):
        riak_store.put(ALPHA, CAMILLE, {"tier": "bronze"}, expected_version=original.version)


def test_real_node_store_used_by_the_suite_is_isolated_per_test() -> None:
    """Two stores built for two tests never share buckets (Riak cannot drop a bucket)."""
    first, second = real_riak_store(), real_riak_store()
    assert first.bucket_prefix != second.bucket_prefix
