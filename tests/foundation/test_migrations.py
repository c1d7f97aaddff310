"""The Alembic migrations build exactly the declared schema on SQLite and PostgreSQL."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from arena.storage.db import (
    create_database_engine,
    current_revision,
    downgrade_database,
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
