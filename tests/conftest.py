"""Shared fixtures: every storage test runs on a real SQLite file and, in CI, a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from arena.storage.db import create_database_engine
from tests.support.databases import (
    empty_all_tables,
    fresh_sqlite_url,
    migrated_sqlite_template,
    postgres_url,
    prepare_postgres,
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_database() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL tests need ARENA_TEST_DATABASE_URL (set by .ci/run)")
    prepare_postgres(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """A migrated, empty database on each engine Arena supports."""
    if request.param == "sqlite":
        yield fresh_sqlite_url(sqlite_template, tmp_path)
        return
    url = request.getfixturevalue("postgres_database")
    engine = create_database_engine(url)
    empty_all_tables(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()
