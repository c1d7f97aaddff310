"""Profile stores under contract: SQLite, PostgreSQL, the Riak stand-in and, when set, real Riak.

PostgreSQL runs when ARENA_TEST_DATABASE_URL is set; a real Riak node when ARENA_TEST_RIAK_URL is
set (``.ci/run`` starts one). Riak runs on both bucket types that ``../shared/riak/start`` sets up:
``arena_profiles`` (allow_mult: racing writes become siblings, merged) and ``default`` (the last
write wins, accepted explicitly), on the stand-in and on the real node alike. Each real-Riak test
writes into buckets with a fresh prefix, since Riak cannot drop a bucket.
"""

from __future__ import annotations

import functools
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert

from arena.crm.profiles import ProfileStore, ProfileStoreMisconfigured, ProfileStoreUnavailable
from arena.storage.db import create_database_engine
from arena.storage.profiles_sql import SqlProfileStore
from arena.storage.riak import RiakProfileStore
from arena.storage.schema import organizations
from tests.support.databases import empty_all_tables, fresh_sqlite_url
from tests.support.riak_standin import RiakStandIn

RIAK_URL_VARIABLE = "ARENA_TEST_RIAK_URL"
RIAK_WAIT_VARIABLE = "ARENA_TEST_RIAK_WAIT_SECONDS"
SIBLINGS_TYPE, LAST_WRITE_WINS_TYPE = "arena_profiles", "default"
# Two organizations are enough to prove isolation.
ALPHA, BETA = "stade-alpha", "theatre-beta"
# Store variants where the last of two racing writes silently wins (allow_mult false).
LAST_WRITE_WINS_VARIANTS = frozenset({"riak-standin-lww", "riak-lww"})


@pytest.fixture(scope="session")
def riak_node() -> Iterator[RiakStandIn]:
    with RiakStandIn() as node:
        yield node


@pytest.fixture
def standin(riak_node: RiakStandIn) -> RiakStandIn:
    riak_node.reset()
    return riak_node


def standin_store(node: RiakStandIn, **overrides: object) -> RiakProfileStore:
    """A Riak adapter on the stand-in with small pages (to cross page boundaries) and fast backoff."""
    options: dict[str, object] = {
        "bucket_type": SIBLINGS_TYPE,
        "timeout": 2.0,
        "retries": 3,
        "backoff_seconds": 0.001,
        "key_page_size": 7,
    }
    options.update(overrides)
    return RiakProfileStore(node.url, **options)  # type: ignore[arg-type]


def real_riak_url() -> str:
    url = os.environ.get(RIAK_URL_VARIABLE)
    if not url:
        pytest.skip(f"a real Riak node is used only when {RIAK_URL_VARIABLE} is set (.ci/run)")
    _wait_until_ready(url)
    return url


@functools.cache
def _wait_until_ready(url: str) -> None:
    """Once per session: the node serves both bucket types. ``.ci/run`` starts the node in the
    background and sets ARENA_TEST_RIAK_WAIT_SECONDS, so lint and types run while it starts."""
    deadline = time.monotonic() + float(os.environ.get(RIAK_WAIT_VARIABLE) or 0)
    while True:
        try:
            for bucket_type in (SIBLINGS_TYPE, LAST_WRITE_WINS_TYPE):
                accept = bucket_type == LAST_WRITE_WINS_TYPE
                RiakProfileStore.open(url, bucket_type, accept_last_write_wins=accept).ping()
            return
        except (ProfileStoreUnavailable, ProfileStoreMisconfigured):
            if time.monotonic() >= deadline:
                raise
            time.sleep(1.0)


def real_riak_store(bucket_type: str = SIBLINGS_TYPE, **overrides: object) -> RiakProfileStore:
    """An opened adapter on the real node, in buckets no other test uses."""
    options: dict[str, object] = {
        "timeout": 5.0,
        "retries": 3,
        "bucket_prefix": f"arena-test-{uuid.uuid4().hex[:10]}-",
        "key_page_size": 7,
        "accept_last_write_wins": bucket_type == LAST_WRITE_WINS_TYPE,
    }
    options.update(overrides)
    return RiakProfileStore.open(real_riak_url(), bucket_type, **options)  # type: ignore[arg-type]


def _sql_store(url: str) -> Iterator[SqlProfileStore]:
    engine = create_database_engine(url)
    with engine.begin() as connection:
        connection.execute(
            insert(organizations),
            [{"slug": slug, "name": slug.replace("-", " ").title()} for slug in (ALPHA, BETA)],
        )
    yield SqlProfileStore(engine, key_page_size=7)
    engine.dispose()


def riak_variant(request: pytest.FixtureRequest, variant: str) -> RiakProfileStore:
    bucket_type = LAST_WRITE_WINS_TYPE if variant.endswith("-lww") else SIBLINGS_TYPE
    if variant.startswith("riak-standin"):
        node = request.getfixturevalue("standin")
        store = standin_store(node, bucket_type=bucket_type)
        store.check_bucket_type(accept_last_write_wins=bucket_type == LAST_WRITE_WINS_TYPE)
        return store
    return real_riak_store(bucket_type)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        "riak-standin",
        "riak-standin-lww",
        "riak",
        "riak-lww",
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProfileStore]:
    """Every ProfileStore adapter, empty, knowing organizations ALPHA and BETA."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        yield from _sql_store(fresh_sqlite_url(template, tmp_path))
    elif request.param == "postgresql":
        url = request.getfixturevalue("postgres_database")
        engine = create_database_engine(url)
        empty_all_tables(engine)
        engine.dispose()
        yield from _sql_store(url)
    else:
        yield riak_variant(request, request.param)


@pytest.fixture
def last_write_wins(request: pytest.FixtureRequest) -> bool:
    """True for the store variants where the last of two racing writes silently wins."""
    return request.node.callspec.params.get("store") in LAST_WRITE_WINS_VARIANTS


@pytest.fixture(params=["riak-standin", "riak"])
def riak_store(request: pytest.FixtureRequest) -> RiakProfileStore:
    """The Riak adapter on a bucket type that keeps siblings: the stand-in, then the real node."""
    return riak_variant(request, request.param)


@pytest.fixture(params=["riak-standin", "riak"])
def riak_url(request: pytest.FixtureRequest) -> str:
    """The HTTP address of a Riak node: the stand-in, then the real node."""
    if request.param == "riak-standin":
        return request.getfixturevalue("standin").url  # type: ignore[no-any-return]
    return real_riak_url()
