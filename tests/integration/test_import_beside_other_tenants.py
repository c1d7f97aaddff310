"""One organization's large import never stops another organization's dashboard: on a
PostgreSQL database that other organizations share, bulk mode (which locks the shared tables,
and through their foreign keys `organizations` and the catalogues, whole) is not engaged, and
the other organization's Overview answers within a short lock_timeout while the import is under
way."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select

from arena.storage import bulk
from arena.storage.accounts import ensure_organization
from arena.storage.analytics import Scope, event_table, kpis
from arena.storage.importing import SqlImportStore
from arena.storage.schema import organizations
from tests.support.imports import import_file

HEADER = "Manifestation;Date séance;N° billet;Commande;Prix;Email\n"
OTHER_EXPORT = HEADER + (
    "Nantes - Lyon;12/08/2023 20:30;B1;C1;20,00;ana@example.org\n"
    "Nantes - Metz;19/08/2023 20:30;B2;C2;25,00;bob@example.org\n"
)
LARGE_EXPORT = HEADER + "".join(
    f"Gala;0{1 + i % 9}/03/2024 20:30;T{i};O{i // 2};30,00;buyer{i % 7}@example.org\n"
    for i in range(40)
)


def _org_id(engine: Engine, slug: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(organizations.c.id).where(organizations.c.slug == slug)
        ).scalar_one()


@pytest.mark.postgres
def test_another_organizations_overview_answers_while_a_large_import_runs(
    engine: Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite readers never wait for the writer (WAL)")
    monkeypatch.setattr(bulk, "MINIMUM_BULK_ROWS", 1)  # the import below counts as large
    with engine.begin() as connection:
        ensure_organization(connection, "other", "Other")
        ensure_organization(connection, "club", "Club")
    store = SqlImportStore(engine)
    other_file = tmp_path / "other.csv"
    other_file.write_text(OTHER_EXPORT, encoding="utf-8")
    import_file(other_file, store, "other")
    scope = Scope(organization_id=_org_id(engine, "other"))
    large_file = tmp_path / "large.csv"
    large_file.write_text(LARGE_EXPORT, encoding="utf-8")

    loading, may_finish = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def progress(rows: int, _rate: float) -> None:
        if rows >= 20:  # the first chunks are in the database, the transaction still open
            loading.set()
            may_finish.wait(timeout=30)

    def large_import() -> None:
        try:
            outcome["report"] = import_file(large_file, store, "club", chunk_rows=10, progress=progress)
        except BaseException as error:  # reported by the assertion below
            outcome["error"] = error

    thread = threading.Thread(target=large_import)
    thread.start()
    try:
        assert loading.wait(timeout=30), outcome.get("error")
        impatient = create_engine(database_url, connect_args={"options": "-c lock_timeout=2000"})
        try:
            figures = kpis(impatient, scope)
            events = event_table(impatient, scope)
        finally:
            impatient.dispose()
    finally:
        may_finish.set()
        thread.join(timeout=60)
    assert (figures.tickets, figures.buyers, len(events)) == (2, 2, 2)
    assert "error" not in outcome, outcome.get("error")
    report = outcome["report"]
    assert report.rows_loaded == 40  # type: ignore[attr-defined]
    assert report.bulk_tables == []  # type: ignore[attr-defined]
