"""The Riak stand-in answers the way a Riak KV node (allow_mult=true) does, so tests against it mean
something: status codes, vclocks, siblings and secondary indexes, checked over raw HTTP."""

from __future__ import annotations

import requests

from tests.support.riak_standin import RiakStandIn


def key_url(node: RiakStandIn, key: str = "k") -> str:
    return f"{node.url}/types/profiles/buckets/b/keys/{key}"


def put(node: RiakStandIn, body: str, key: str = "k", **headers: str) -> requests.Response:
    # Keyword names cannot hold dashes; index names keep their underscores.
    prefix = "X_Riak_Index_"
    headers = {
        (
            f"X-Riak-Index-{name[len(prefix) :]}"
            if name.startswith(prefix)
            else name.replace("_", "-")
        ): value
        for name, value in headers.items()
    }
    return requests.put(
        key_url(node, key), data=body, headers={"Content-Type": "text/plain", **headers}
    )


def test_ping_answers_ok(standin: RiakStandIn) -> None:
    response = requests.get(f"{standin.url}/ping")
    assert (response.status_code, response.text) == (200, "OK")


def test_an_absent_key_is_404_and_a_stored_one_200_with_a_vclock(standin: RiakStandIn) -> None:
    assert requests.get(key_url(standin)).status_code == 404

    assert put(standin, "v1").status_code == 204
    response = requests.get(key_url(standin))

    assert response.status_code == 200 and response.text == "v1"
    assert response.headers["X-Riak-Vclock"] and response.headers["Etag"]


def test_returnbody_gives_the_stored_value_and_its_vclock(standin: RiakStandIn) -> None:
    response = requests.put(
        key_url(standin), params={"returnbody": "true"}, data="v1", headers={"Content-Type": "a/b"}
    )
    assert response.status_code == 200 and response.text == "v1"
    assert (
        response.headers["X-Riak-Vclock"] == requests.get(key_url(standin)).headers["X-Riak-Vclock"]
    )


def test_writes_without_the_current_vclock_become_siblings(standin: RiakStandIn) -> None:
    put(standin, "v1")
    put(standin, "v2")  # no vclock: Riak cannot tell it supersedes v1

    listing = requests.get(key_url(standin))
    multipart = requests.get(key_url(standin), headers={"Accept": "multipart/mixed"})

    assert listing.status_code == 300 and listing.text.startswith("Siblings:\n")
    vtags = listing.text.split("\n")[1:-1]
    assert len(vtags) == 2
    assert {requests.get(key_url(standin), params={"vtag": v}).text for v in vtags} == {"v1", "v2"}
    assert multipart.status_code == 300
    assert multipart.headers["Content-Type"].startswith("multipart/mixed; boundary=")
    assert "v1" in multipart.text and "v2" in multipart.text


def test_a_write_with_the_current_vclock_replaces_all_siblings(standin: RiakStandIn) -> None:
    put(standin, "v1")
    put(standin, "v2")
    vclock = requests.get(key_url(standin)).headers["X-Riak-Vclock"]

    put(standin, "resolved", X_Riak_Vclock=vclock)

    response = requests.get(key_url(standin))
    assert response.status_code == 200 and response.text == "resolved"


def test_a_write_with_a_stale_vclock_becomes_a_sibling(standin: RiakStandIn) -> None:
    put(standin, "v1")
    stale = requests.get(key_url(standin)).headers["X-Riak-Vclock"]
    put(standin, "v2", X_Riak_Vclock=stale)

    put(standin, "v3", X_Riak_Vclock=stale)

    assert standin.sibling_count("profiles", "b", "k") == 2


def test_conditional_writes_fail_the_way_riak_says(standin: RiakStandIn) -> None:
    put(standin, "v1")
    stale = requests.get(key_url(standin)).headers["X-Riak-Vclock"]
    put(standin, "v2", X_Riak_Vclock=stale)

    assert put(standin, "v3", If_None_Match="*").status_code == 412
    assert put(standin, "v3", X_Riak_If_Not_Modified=stale).status_code == 409
    assert put(standin, "v3", If_Match="not-the-etag").status_code == 412
    assert put(standin, "x", X_Riak_Vclock="%%not base64%%").status_code == 400
    assert requests.get(key_url(standin)).text == "v2"


def test_delete_answers_204_then_404(standin: RiakStandIn) -> None:
    put(standin, "v1")
    assert requests.delete(key_url(standin)).status_code == 204
    assert requests.delete(key_url(standin)).status_code == 404
    assert requests.get(key_url(standin)).status_code == 404


def test_secondary_indexes_answer_for_every_sibling(standin: RiakStandIn) -> None:
    put(standin, "v1", X_Riak_Index_city_bin="Lyon", X_Riak_Index_age_int="34")
    put(standin, "v2", X_Riak_Index_city_bin="Paris", X_Riak_Index_age_int="51")
    put(standin, "v3", key="other", X_Riak_Index_city_bin="Paris")
    index = f"{standin.url}/types/profiles/buckets/b/index"

    assert requests.get(f"{index}/city_bin/Lyon").json() == {"keys": ["k"]}
    assert requests.get(f"{index}/city_bin/Paris").json() == {"keys": ["k", "other"]}
    assert requests.get(f"{index}/age_int/40/60").json() == {"keys": ["k"]}
    assert requests.get(f"{index}/age_int/35/50").json() == {"keys": []}
    assert sorted(requests.get(f"{index}/$bucket/b").json()["keys"]) == ["k", "other"]
    assert put(standin, "v", X_Riak_Index_age_int="old").status_code == 400


def test_index_results_page_with_a_continuation(standin: RiakStandIn) -> None:
    for number in range(5):
        put(standin, "v", key=f"k{number}")
    index = f"{standin.url}/types/profiles/buckets/b/index/$bucket/b"

    first = requests.get(index, params={"max_results": 3}).json()
    second = requests.get(
        index, params={"max_results": 3, "continuation": first["continuation"]}
    ).json()

    assert first["keys"] == ["k0", "k1", "k2"]
    assert second == {"keys": ["k3", "k4"]}


def test_injected_failures_answer_503_then_stop(standin: RiakStandIn) -> None:
    standin.fail_next(1)
    assert requests.get(f"{standin.url}/ping").status_code == 503
    assert requests.get(f"{standin.url}/ping").status_code == 200
