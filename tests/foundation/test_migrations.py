"""The Alembic migrations build exactly the declared schema on SQLite and PostgreSQL."""

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import IntegrityError

from arena.storage.db import (
    MIGRATIONS_DIR,
    create_database_engine,
    current_revision,
    downgrade_database,
    head_revision,
    table_names,
    upgrade_database,
)
from arena.storage.schema import metadata, organizations, tickets


def test_migrations_match_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_the_schema_is_at_the_latest_revision(engine: Engine) -> None:
    assert current_revision(engine) is not None
    assert set(metadata.tables) <= table_names(engine)


def test_sqlite_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'arena.db'}"
    upgrade_database(url)
    engine = create_database_engine(url)
    assert "tickets" in table_names(engine)
    downgrade_database(url, "base")
    assert table_names(engine) == {"alembic_version"}
    upgrade_database(url)
    assert "tickets" in table_names(engine)
    engine.dispose()


def test_the_head_read_from_the_migration_files_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_a_database_at_the_head_is_left_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'arena.db'}"
    upgrade_database(url)
    probe = (
        "import sys; from arena.storage.db import upgrade_database; "
        f"upgrade_database({url!r}); print('alembic' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "False"


def test_a_database_behind_the_head_is_still_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'arena.db'}"
    upgrade_database(url, "0003")
    engine = create_database_engine(url)
    assert current_revision(engine) == "0003"
    upgrade_database(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_bulk_loaded_tables_draw_their_ids_a_thousand_at_a_time(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no sequences")
    with engine.connect() as connection:
        caches = {
            table: connection.execute(text(
                "SELECT s.cache_size FROM pg_sequences s "
                "WHERE format('%I.%I', s.schemaname, s.sequencename)::regclass "
                "= pg_get_serial_sequence(:t, 'id')::regclass"), {"t": table}).scalar_one()
            for table in ("tickets", "customers", "orders", "imports")
        }
    assert caches == {"tickets": 1000, "customers": 1000, "orders": 1000, "imports": 1}


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with engine.begin() as connection:
        org_id = connection.execute(
            insert(organizations).values(slug="club", name="Club").returning(organizations.c.id)
        ).scalar_one()
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(tickets).values(
                    organization_id=org_id,
                    source_id=999,
                    ticket_ref="T1",
                    event_id=999,
                    price=10,
                )
            )
        raise AssertionError("a ticket pointing at no event was accepted")
    except IntegrityError:
        pass
    with engine.connect() as connection:
        assert connection.execute(select(tickets)).all() == []
