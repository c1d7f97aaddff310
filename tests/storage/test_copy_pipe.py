"""COPYs run behind the import's Python work on PostgreSQL, yet the transaction sees them in
the order they were issued, and a failed COPY fails the import instead of vanishing."""

from __future__ import annotations

import io
from collections.abc import Iterator

import psycopg2
import pytest
from sqlalchemy import Connection, Engine

from arena.ingest.ports import ImportRequest
from arena.storage.accounts import ensure_organization
from arena.storage.copy_pipe import CopyPipe
from arena.storage.importing import SqlImportStore


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no COPY: its inserts run in the writer itself")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TEMPORARY TABLE piped (n integer NOT NULL)")
        yield connection


def _rows(*values: object) -> io.BytesIO:
    return io.BytesIO("".join(f"{value}\n" for value in values).encode())


@pytest.mark.postgres
def test_waiting_sees_every_copy_handed_over(connection: Connection) -> None:
    pipe = CopyPipe(connection.connection.dbapi_connection)
    for start in range(0, 30, 10):
        pipe.submit("COPY piped (n) FROM STDIN", _rows(*range(start, start + 10)))
    pipe.wait()
    assert connection.exec_driver_sql("SELECT COUNT(*), SUM(n) FROM piped").one() == (30, 435)
    pipe.close()


@pytest.mark.postgres
def test_a_failed_copy_is_raised_and_the_copies_after_it_are_skipped(
    connection: Connection,
) -> None:
    pipe = CopyPipe(connection.connection.dbapi_connection)
    pipe.submit("COPY piped (n) FROM STDIN", _rows(1, 2))
    pipe.submit("COPY piped (n) FROM STDIN", _rows(3, "not a number"))
    pipe.submit("COPY piped (n) FROM STDIN", _rows(4))
    with pytest.raises(psycopg2.DataError, match="not a number"):
        pipe.wait()
    with pytest.raises(psycopg2.DataError):  # still reported to whoever comes next
        pipe.submit("COPY piped (n) FROM STDIN", _rows(5))
    pipe.close()


@pytest.mark.postgres
def test_an_import_statement_waits_for_the_copies_before_it(engine: Engine) -> None:
    """The writer's other statements (here a count) run only after the COPYs it issued."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no COPY")
    with engine.begin() as connection:
        club = ensure_organization(connection, "club", "Club")
    writer = SqlImportStore(engine).begin(ImportRequest(
        organization=club, source="csv", vendor=None, file_name="export.csv",
        file_hash="0" * 64, mapping={}, user=None,
    ))
    try:
        connection = writer.session.connection
        connection.exec_driver_sql("CREATE TEMPORARY TABLE piped (n integer)")
        copies = writer.session.copies
        assert copies is not None
        for _ in range(5):
            copies.submit("COPY piped (n) FROM STDIN", _rows(*range(20_000)))
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM piped").scalar() == 100_000
    finally:
        writer.abort("test over")
