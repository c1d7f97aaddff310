"""Two imports of one organization never interleave on PostgreSQL: new customers and orders go
in with ids drawn in advance and no ON CONFLICT, so the second import waits for the first."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine

from arena.ingest.ports import ImportRequest
from arena.storage.accounts import ensure_organization
from arena.storage.importing import SqlImportStore
from arena.tenancy import Organization


def _request(organization: Organization, source: str = "csv") -> ImportRequest:
    return ImportRequest(organization=organization, source=source, vendor=None,
                         file_name="export.csv", file_hash="0" * 64, mapping={}, user=None)


@pytest.mark.postgres
def test_a_second_import_of_one_organization_waits_for_the_first(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has a single writer by design")
    with engine.begin() as connection:
        club = ensure_organization(connection, "club", "club")
        other = ensure_organization(connection, "other", "other")
    store = SqlImportStore(engine)
    first = store.begin(_request(club))
    started = threading.Event()
    second_began = threading.Event()

    def second_import() -> None:
        started.set()
        writer = store.begin(_request(club, source="ftp drop"))
        second_began.set()
        writer.finish(0, 0, 0)

    thread = threading.Thread(target=second_import)
    thread.start()
    started.wait()
    # Another organization is not held up.
    store.begin(_request(other)).finish(0, 0, 0)
    assert not second_began.wait(timeout=1.0)
    first.finish(0, 0, 0)
    assert second_began.wait(timeout=10)
    thread.join(timeout=10)
