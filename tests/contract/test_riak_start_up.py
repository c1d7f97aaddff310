"""A real Riak node restarted under the adapter's feet: its start-up window (HTML 404 on every
route, then 500 insufficient_vnodes while /ping says OK) never reads as an empty store, and a
health check that passes means reads and writes work.

Runs when ARENA_TEST_RIAK_NODE_DIR names the folder of a node this test may restart (``.ci/run``
sets it to the node it started); about 15 s.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from arena.crm.profiles import ProfileStoreUnavailable
from arena.storage.riak import RiakProfileStore
from tests.contract.conftest import ALPHA, real_riak_store

NODE_DIR_VARIABLE = "ARENA_TEST_RIAK_NODE_DIR"
CAMILLE = "camille.durand@exemple.fr"


def riak_command(node_dir: Path, *arguments: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(node_dir / "riak" / "bin" / "riak"), *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_healthy(store: RiakProfileStore, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            store.ping()
            return
        except ProfileStoreUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.slow
def test_a_restarting_node_is_never_read_as_empty_and_healthy_means_usable() -> None:
    folder = os.environ.get(NODE_DIR_VARIABLE)
    if not folder:
        pytest.skip(f"restarts a real Riak node only when {NODE_DIR_VARIABLE} is set (.ci/run)")
    node_dir = Path(folder)
    store = real_riak_store(retries=2, backoff_seconds=0.05)
    store.put(ALPHA, CAMILLE, {"tier": "gold"})
    seen: list[tuple[int, str]] = []
    real_request = store.http.session.request

    def recording(method: str, url: str, **kwargs: object) -> requests.Response:
        response = real_request(method, url, **kwargs)  # type: ignore[arg-type]
        seen.append((response.status_code, response.headers.get("Content-Type", "")))
        return response

    store.http.session.request = recording  # type: ignore[assignment,method-assign]
    riak_command(node_dir, "stop").wait(timeout=60)
    starting = riak_command(node_dir, "daemon")
    answers: list[object] = []
    healthy_then_used: list[bool] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(healthy_then_used) < 3:
            try:
                document = store.get(ALPHA, CAMILLE)
                answers.append(document.data if document else None)
                store.ping()
                store.update(ALPHA, CAMILLE, lambda doc: {**doc, "checks_count": 1})
                healthy_then_used.append(True)
            except ProfileStoreUnavailable as error:
                answers.append("unavailable")
                assert "\n" not in str(error) and "<" not in str(error)
            time.sleep(0.2)
    finally:
        starting.wait(timeout=60)
        wait_until_healthy(store, 60)

    statuses = {status for status, _ in seen}
    assert statuses & {404, 500}, f"the start-up window was not seen: {sorted(statuses)}"
    assert "unavailable" in answers
    assert None not in answers  # a document that exists never read as absent
    assert healthy_then_used == [True, True, True]
    assert store.get(ALPHA, CAMILLE).data == {"tier": "gold", "checks_count": 1}  # type: ignore[union-attr]
