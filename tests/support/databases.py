"""Real databases for tests: a migrated SQLite file per test, and PostgreSQL when configured.

PostgreSQL runs when ``ARENA_TEST_DATABASE_URL`` is set (``.ci/run`` sets it); the schema is
migrated down to nothing and back up once per session, then every table is emptied between tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import Engine, text

from arena.storage.db import create_database_engine, downgrade_database, upgrade_database
from arena.storage.schema import metadata

POSTGRES_URL_VARIABLE = "ARENA_TEST_DATABASE_URL"


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def migrated_sqlite_template(folder: Path) -> Path:
    template = folder / "template.db"
    if not template.exists():
        upgrade_database(f"sqlite:///{template}")
    return template


def fresh_sqlite_url(template: Path, folder: Path) -> str:
    target = folder / "arena.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def prepare_postgres(url: str) -> None:
    """Prove the migrations both ways on the test database, then leave it at head."""
    downgrade_database(url, "base")
    engine = create_database_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    upgrade_database(url)


def empty_all_tables(engine: Engine) -> None:
    """DELETE, children first: on small tables it is far quicker than TRUNCATE's fixed cost.
    After a large test (the demo: 60,000 tickets) one TRUNCATE of every table instead: each
    order DELETE would scan the tickets for its unindexed foreign key (minutes)."""
    with engine.begin() as connection:
        large = engine.dialect.name == "postgresql" and connection.execute(
            text("SELECT EXISTS (SELECT 1 FROM tickets OFFSET 5000)")
        ).scalar_one()
        if large:
            names = ", ".join(table.name for table in metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names}"))
            return
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
