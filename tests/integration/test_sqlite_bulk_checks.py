"""On SQLite an import runs with per-row foreign-key checks off and checks them itself before
commit: a broken reference is found and the import rolled back, and the connection goes back to
the pool with foreign keys enforced again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from arena.storage.accounts import ensure_organization
from arena.storage.bulk import foreign_key_violations, rows_violations
from arena.storage.db import create_database_engine
from arena.storage.importing import SqlImportStore
from arena.storage.importing.catalogues import Catalogues
from tests.support.databases import fresh_sqlite_url
from tests.support.imports import import_file

EXPORT = (
    "Manifestation;Date séance;N° billet;Prix;Email\n"
    "Nantes - Lyon;12/08/2023 20:30;B1;20,00;ana@example.org\n"
    "Nantes - Lyon;12/08/2023 20:30;B2;25,00;bob@example.org\n"
)


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Engine:
    engine = create_database_engine(fresh_sqlite_url(sqlite_template, tmp_path))
    with engine.begin() as connection:
        ensure_organization(connection, "club", "Club")
    return engine


def _foreign_keys_enforced(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_the_check_names_every_reference_an_import_broke(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    report = import_file(path, SqlImportStore(sqlite_engine), "club")
    with sqlite_engine.connect() as connection:
        assert foreign_key_violations(connection, report.import_id) == []
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        connection.execute(text("UPDATE tickets SET event_id = 999 WHERE ticket_ref = 'B2'"))
        assert foreign_key_violations(connection, report.import_id) == [
            "tickets.event_id → events: 1 rows"
        ]
        connection.rollback()


def test_a_broken_reference_rolls_the_import_back(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    real_event_ids = Catalogues.event_ids
    monkeypatch.setattr(
        Catalogues, "event_ids",
        lambda self, rows: real_event_ids(self, rows) + 1000,  # every ticket on a missing event
    )
    with pytest.raises(RuntimeError, match="broke foreign keys: tickets.event_id"):
        import_file(path, SqlImportStore(sqlite_engine), "club")
    with sqlite_engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM tickets")).scalar_one() == 0
        assert connection.execute(text("SELECT status FROM imports")).scalars().all() == ["failed"]
    assert _foreign_keys_enforced(sqlite_engine)


def test_foreign_keys_are_enforced_again_after_an_import(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    import_file(path, SqlImportStore(sqlite_engine), "club")
    assert _foreign_keys_enforced(sqlite_engine)
    with sqlite_engine.connect() as connection, pytest.raises(Exception, match="FOREIGN KEY"):
        connection.execute(text("UPDATE tickets SET event_id = 999"))


def test_the_chunk_check_finds_a_broken_reference_among_the_chunk_rows(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    import_file(path, SqlImportStore(sqlite_engine), "club")
    with sqlite_engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        first, last = connection.execute(text("SELECT MIN(id), MAX(id) FROM tickets")).one()
        assert rows_violations(connection, "tickets", first, last) == []
        connection.execute(text("UPDATE tickets SET customer_id = 424242 WHERE id = :id"),
                           {"id": last})
        assert rows_violations(connection, "tickets", first, last) == [
            "tickets.customer_id → customers: 1 rows"
        ]
        # Rows outside the range are not this chunk's business.
        assert rows_violations(connection, "tickets", first, last - 1) == []
        connection.rollback()
