"""A large load sets constraints and indexes aside and puts every one of them back before
commit; what they forbid still cannot get in."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from arena.ingest import validation
from arena.storage import bulk
from arena.storage.accounts import ensure_organization
from arena.storage.importing import SqlImportStore
from arena.storage.importing.catalogues import Catalogues
from tests.support.imports import import_file

EXPORT = (
    "Manifestation;Date séance;N° billet;Commande;Prix;Email\n"
    "Nantes - Lyon;12/08/2023 20:30;B1;C1;20,00;ana@example.org\n"
    "Nantes - Lyon;12/08/2023 20:30;B2;C1;25,00;ana@example.org\n"
    "Nantes - Metz;19/08/2023 20:30;B3;C2;25,00;bob@example.org\n"
)


@pytest.fixture
def store(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> SqlImportStore:
    monkeypatch.setattr(bulk, "MINIMUM_BULK_ROWS", 1)  # every import of this module is "large"
    with engine.begin() as connection:
        ensure_organization(connection, "club", "Club")
    return SqlImportStore(engine)


def _schema_objects(engine: Engine) -> set[tuple[str, ...]]:
    """Every constraint and index of the loaded tables, by name and definition."""
    tables = ("tickets", "orders", "customers")
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.execute(text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE conrelid::regclass::text = ANY(:t) "
                "UNION ALL SELECT tablename, indexname, indexdef FROM pg_indexes "
                "WHERE tablename = ANY(:t)"), {"t": list(tables)})
        else:
            rows = connection.execute(text(
                "SELECT tbl_name, name, COALESCE(sql, '') FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name IN ('tickets', 'orders', 'customers')"))
        return {tuple(row) for row in rows}


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def test_a_large_load_puts_every_constraint_and_index_back(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    before = _schema_objects(engine)
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    report = import_file(path, store, "club")
    assert report.rows_loaded == 3
    # The load really went through bulk mode: otherwise this test would prove nothing.
    assert {"customers", "orders", "tickets"} <= set(report.bulk_tables)
    assert {"ix_tickets_org_event", "ix_tickets_import"} <= {name for _, name, _ in before}
    assert _schema_objects(engine) == before


def test_an_import_below_the_thresholds_reports_no_bulk_table(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "MINIMUM_BULK_ROWS", 1_000)
    with engine.begin() as connection:
        ensure_organization(connection, "club", "Club")
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    report = import_file(path, SqlImportStore(engine), "club")
    assert report.rows_loaded == 3
    assert report.bulk_tables == []


def test_a_ticket_pointing_at_no_event_fails_the_whole_import_in_bulk_mode(
    tmp_path: Path, store: SqlImportStore, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The foreign keys set aside are re-validated before commit: a broken reference that got
    past the writer (here, forced) fails the import and leaves nothing behind."""
    before = _schema_objects(engine)
    resolve = Catalogues.event_ids

    def dangling(self, rows):  # type: ignore[no-untyped-def]
        return resolve(self, rows) + 10_000_000

    monkeypatch.setattr(Catalogues, "event_ids", dangling)
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    with pytest.raises(Exception, match="(?i)foreign key|event"):
        import_file(path, store, "club")
    assert (_count(engine, "tickets"), _count(engine, "orders"), _count(engine, "customers")) == (0, 0, 0)
    assert _schema_objects(engine) == before


def test_a_duplicate_ticket_that_slipped_past_validation_fails_the_whole_import(
    tmp_path: Path, store: SqlImportStore, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _schema_objects(engine)
    monkeypatch.setattr(validation, "_check_duplicates", lambda *args: None)
    path = tmp_path / "export.csv"
    path.write_text(EXPORT + "Nantes - Lyon;12/08/2023 20:30;B1;C9;99,00;zoe@example.org\n",
                    encoding="utf-8")
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        import_file(path, store, "club")
    assert (_count(engine, "tickets"), _count(engine, "orders"), _count(engine, "customers")) == (0, 0, 0)
    assert _schema_objects(engine) == before
