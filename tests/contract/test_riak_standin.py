"""The Riak stand-in answers the way a Riak KV node does, checked over raw HTTP. Every test that
can runs on the stand-in and on the real node (when ARENA_TEST_RIAK_URL is set), so the stand-in
cannot drift from what Riak really answers; the rest drive what only a stand-in can stage."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import pytest
import requests

from tests.support.riak_standin import RiakStandIn


@dataclass
class Bucket:
    """One fresh bucket of the ``arena_profiles`` type (allow_mult) on a node."""

    url: str
    name: str
    bucket_type: str = "arena_profiles"

    def key_url(self, key: str = "k") -> str:
        return f"{self.url}/types/{self.bucket_type}/buckets/{self.name}/keys/{key}"

    def index_url(self) -> str:
        return f"{self.url}/types/{self.bucket_type}/buckets/{self.name}/index"

    def put(self, body: str, key: str = "k", **headers: str) -> requests.Response:
        # Keyword names cannot hold dashes; index names keep their underscores.
        prefix = "X_Riak_Index_"
        sent = {
            (
                f"X-Riak-Index-{name[len(prefix):]}"
                if name.startswith(prefix)
                else name.replace("_", "-")
            ): value
            for name, value in headers.items()
        }
        return requests.put(
            self.key_url(key), data=body, headers={"Content-Type": "text/plain", **sent}
        )

    def vclock(self, key: str = "k") -> str:
        return requests.get(self.key_url(key)).headers["X-Riak-Vclock"]


@pytest.fixture
def bucket(riak_url: str) -> Bucket:
    return Bucket(riak_url, f"standin-check-{uuid.uuid4().hex[:10]}")


@pytest.fixture
def staged(standin: RiakStandIn) -> Bucket:
    """A bucket on the stand-in only, for what cannot be staged on a real node."""
    return Bucket(standin.url, f"staged-{uuid.uuid4().hex[:10]}")


def test_ping_answers_ok(riak_url: str) -> None:
    response = requests.get(f"{riak_url}/ping")
    assert (response.status_code, response.text) == (200, "OK")


def test_an_absent_key_is_404_and_a_stored_one_200_with_a_vclock(bucket: Bucket) -> None:
    absent = requests.get(bucket.key_url())
    assert absent.status_code == 404 and absent.headers["Content-Type"].startswith("text/plain")

    assert bucket.put("v1").status_code == 204
    response = requests.get(bucket.key_url())

    assert response.status_code == 200 and response.text == "v1"
    assert response.headers["X-Riak-Vclock"] and response.headers["Etag"]


def test_returnbody_gives_the_stored_value_and_its_vclock(bucket: Bucket) -> None:
    response = requests.put(
        bucket.key_url(), params={"returnbody": "true"}, data="v1",
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 200 and response.text == "v1"
    assert response.headers["X-Riak-Vclock"] == bucket.vclock()


def test_writes_without_the_current_vclock_become_siblings(bucket: Bucket) -> None:
    bucket.put("v1")
    bucket.put("v2")  # no vclock: Riak cannot tell it supersedes v1

    listing = requests.get(bucket.key_url())
    multipart = requests.get(bucket.key_url(), headers={"Accept": "multipart/mixed"})

    assert listing.status_code == 300 and listing.text.startswith("Siblings:\n")
    vtags = listing.text.split("\n")[1:-1]
    assert len(vtags) == 2
    assert {requests.get(bucket.key_url(), params={"vtag": v}).text for v in vtags} == {"v1", "v2"}
    assert multipart.status_code == 300
    assert multipart.headers["Content-Type"].startswith("multipart/mixed; boundary=")
    assert "v1" in multipart.text and "v2" in multipart.text


def test_a_write_with_the_current_vclock_replaces_all_siblings(bucket: Bucket) -> None:
    bucket.put("v1")
    bucket.put("v2")

    bucket.put("resolved", X_Riak_Vclock=bucket.vclock())

    response = requests.get(bucket.key_url())
    assert response.status_code == 200 and response.text == "resolved"


def test_a_write_with_a_stale_vclock_becomes_a_sibling(bucket: Bucket) -> None:
    bucket.put("v1")
    stale = bucket.vclock()
    bucket.put("v2", X_Riak_Vclock=stale)

    bucket.put("v3", X_Riak_Vclock=stale)

    assert requests.get(bucket.key_url()).status_code == 300


def test_conditional_writes_fail_the_way_riak_says_when_nobody_races(bucket: Bucket) -> None:
    bucket.put("v1")
    stale = bucket.vclock()
    bucket.put("v2", X_Riak_Vclock=stale)

    assert bucket.put("v3", If_None_Match="*").status_code == 412
    assert bucket.put("v3", X_Riak_If_Not_Modified=stale).status_code == 409
    assert bucket.put("v3", If_Match="not-the-etag").status_code == 412
    assert bucket.put("x", X_Riak_Vclock="%%not base64%%").status_code == 500  # a crash page
    assert requests.get(bucket.key_url()).text == "v2"


def test_two_overlapping_conditional_writes_are_both_accepted(
    standin: RiakStandIn, staged: Bucket
) -> None:
    """Measured on Riak KV 3.2.2: 25-27 of 30 simultaneous pairs both got 204."""
    staged.put("v1")
    vclock = staged.vclock()
    standin.overlap_next_writes(2)
    statuses: list[int] = []

    def write(body: str) -> None:
        statuses.append(staged.put(body, X_Riak_Vclock=vclock, X_Riak_If_Not_Modified=vclock)
                        .status_code)

    racers = [threading.Thread(target=write, args=(body,)) for body in ("a", "b")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert statuses == [204, 204]
    assert standin.sibling_count("arena_profiles", staged.name, "k") == 2


def test_more_than_a_hundred_siblings_are_refused(bucket: Bucket) -> None:
    vclock = requests.put(bucket.key_url(), data="v0", params={"returnbody": "true"},
                          headers={"Content-Type": "text/plain"}).headers["X-Riak-Vclock"]
    session = requests.Session()
    statuses = [
        session.put(bucket.key_url(), data=f"v{n}", headers={
            "Content-Type": "text/plain", "X-Riak-Vclock": vclock}).status_code
        for n in range(1, 102)
    ]

    assert statuses[:100] == [204] * 100
    assert statuses[100] == 500
    refused = session.put(bucket.key_url(), data="x", headers={"Content-Type": "text/plain"})
    assert "too_many_siblings" in refused.text


def test_a_deleted_key_leaves_a_tombstone_that_bucket_listings_still_show(
    bucket: Bucket,
) -> None:
    bucket.put("v1", X_Riak_Index_live_bin="1")
    assert requests.delete(bucket.key_url()).status_code == 204

    tombstone = requests.get(bucket.key_url())
    listed = requests.get(f"{bucket.index_url()}/$bucket/{bucket.name}").json()["keys"]
    indexed = requests.get(f"{bucket.index_url()}/live_bin/1").json()["keys"]

    assert tombstone.status_code == 404 and tombstone.headers["X-Riak-Deleted"] == "true"
    assert tombstone.headers["X-Riak-Vclock"]
    assert listed == ["k"] and indexed == []
    assert requests.delete(bucket.key_url()).status_code == 404
    not_modified = bucket.put("v2", X_Riak_If_Not_Modified=tombstone.headers["X-Riak-Vclock"])
    assert not_modified.status_code == 409


def test_a_tombstone_is_reaped_after_the_delete_mode_delay(
    standin: RiakStandIn, staged: Bucket
) -> None:
    standin.delete_mode = 0.2
    staged.put("v1")
    requests.delete(staged.key_url())

    time.sleep(0.25)

    assert requests.get(f"{staged.index_url()}/$bucket/{staged.name}").json()["keys"] == []
    assert "X-Riak-Vclock" not in requests.get(staged.key_url()).headers


def test_an_unknown_bucket_type_answers_404_in_two_ways(riak_url: str) -> None:
    keys = f"{riak_url}/types/arena_profils/buckets/b"

    fetched = requests.get(f"{keys}/keys/k")
    stored = requests.put(f"{keys}/keys/k", data="{}", headers={"Content-Type": "text/plain"})
    queried = requests.get(f"{keys}/index/$bucket/b")
    props = requests.get(f"{riak_url}/types/arena_profils/props")

    for answer in (fetched, stored):
        assert answer.status_code == 404 and "Unknown bucket type: arena_profils" in answer.text
    for answer in (queried, props):
        assert answer.status_code == 404 and answer.headers["Content-Type"] == "text/html"


def test_bucket_type_properties_say_whether_siblings_are_kept(riak_url: str) -> None:
    siblings = requests.get(f"{riak_url}/types/arena_profiles/props").json()["props"]
    last_write = requests.get(f"{riak_url}/types/default/props").json()["props"]

    assert siblings["allow_mult"] is True and last_write["allow_mult"] is False


def test_a_node_starting_up_answers_html_404_then_500_while_ping_says_ok(
    standin: RiakStandIn, staged: Bucket
) -> None:
    standin.simulate_start_up(routes_missing=2, vnodes_down=3)

    early = [requests.get(f"{standin.url}/ping"), requests.get(staged.key_url())]
    ping = requests.get(f"{standin.url}/ping")
    read = requests.get(staged.key_url())
    write = staged.put("v")
    query = requests.get(f"{staged.index_url()}/$bucket/{staged.name}")

    assert all(r.status_code == 404 and r.headers["Content-Type"] == "text/html" for r in early)
    assert ping.status_code == 200
    assert (read.status_code, read.text) == (500, "Error:\n{insufficient_vnodes,0,need,2}\n")
    assert (write.status_code, write.text) == (500, "Error:\nall_nodes_down\n")
    assert query.status_code == 500 and "insufficient_vnodes_available" in query.text
    assert requests.get(staged.key_url()).status_code == 404  # ready now


def test_secondary_indexes_answer_for_every_sibling(bucket: Bucket) -> None:
    bucket.put("v1", X_Riak_Index_city_bin="Lyon", X_Riak_Index_age_int="34")
    bucket.put("v2", X_Riak_Index_city_bin="Paris", X_Riak_Index_age_int="51")
    bucket.put("v3", key="other", X_Riak_Index_city_bin="Paris")
    index = bucket.index_url()

    def keys(path: str) -> list[str]:
        return sorted(requests.get(f"{index}/{path}").json()["keys"])  # unpaginated: any order

    assert keys("city_bin/Lyon") == ["k"]
    assert keys("city_bin/Paris") == ["k", "other"]
    assert keys("age_int/40/60") == ["k"]
    assert keys("age_int/35/50") == []
    assert sorted(requests.get(f"{index}/$bucket/{bucket.name}").json()["keys"]) == ["k", "other"]
    assert bucket.put("v", X_Riak_Index_age_int="old").status_code == 400


def test_index_results_page_with_a_continuation(bucket: Bucket) -> None:
    for number in range(5):
        bucket.put("v", key=f"k{number}", X_Riak_Index_live_bin="1")
    index = f"{bucket.index_url()}/live_bin/1"

    first = requests.get(index, params={"max_results": 3}).json()
    second = requests.get(
        index, params={"max_results": 3, "continuation": first["continuation"]}
    ).json()

    assert first["keys"] == ["k0", "k1", "k2"]
    assert second["keys"] == ["k3", "k4"]


def test_injected_failures_answer_503_then_stop(standin: RiakStandIn) -> None:
    standin.fail_next(1)
    assert requests.get(f"{standin.url}/ping").status_code == 503
    assert requests.get(f"{standin.url}/ping").status_code == 200
