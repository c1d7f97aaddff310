"""Profile stores under contract: SQLite, PostgreSQL, the Riak stand-in and, when set, real Riak.

PostgreSQL runs when ARENA_TEST_DATABASE_URL is set; a real Riak node when ARENA_TEST_RIAK_URL is
set (bucket type from ARENA_RIAK_BUCKET_TYPE, default ``default``). Each real-Riak test writes into
buckets with a fresh prefix, since Riak cannot drop a bucket.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert

from arena.crm.profiles import ProfileStore
from arena.storage.db import create_database_engine
from arena.storage.profiles_sql import SqlProfileStore
from arena.storage.riak import RiakProfileStore
from arena.storage.schema import organizations
from tests.support.databases import empty_all_tables, fresh_sqlite_url
from tests.support.riak_standin import RiakStandIn

RIAK_URL_VARIABLE = "ARENA_TEST_RIAK_URL"
# Two organizations are enough to prove isolation.
ALPHA, BETA = "stade-alpha", "theatre-beta"


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
        "bucket_type": "profiles",
        "timeout": 2.0,
        "retries": 3,
        "backoff_seconds": 0.001,
        "key_page_size": 7,
    }
    options.update(overrides)
    return RiakProfileStore(node.url, **options)  # type: ignore[arg-type]


def real_riak_store() -> RiakProfileStore:
    url = os.environ.get(RIAK_URL_VARIABLE)
    if not url:
        pytest.skip(f"a real Riak node is used only when {RIAK_URL_VARIABLE} is set")
    return RiakProfileStore(
        url,
        bucket_type=os.environ.get("ARENA_RIAK_BUCKET_TYPE") or "default",
        timeout=5.0,
        retries=3,
        bucket_prefix=f"arena-test-{uuid.uuid4().hex[:10]}-",
        key_page_size=7,
    )


def _sql_store(url: str) -> Iterator[SqlProfileStore]:
    engine = create_database_engine(url)
    with engine.begin() as connection:
        connection.execute(
            insert(organizations),
            [{"slug": slug, "name": slug.replace("-", " ").title()} for slug in (ALPHA, BETA)],
        )
    yield SqlProfileStore(engine, key_page_size=7)
    engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        "riak-standin",
        "riak",
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
    elif request.param == "riak-standin":
        yield standin_store(request.getfixturevalue("standin"))
    else:
        yield real_riak_store()
