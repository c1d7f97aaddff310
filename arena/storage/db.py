"""Engines and schema migrations, for SQLite (embedded) and PostgreSQL.

One way to a transaction, everywhere in storage: `with engine.begin() as connection:` is the
unit of work (it commits when the block ends normally and rolls back on any exception);
`with engine.connect() as connection:` only reads. An import is the one longer transaction, held
by its own session (`arena.storage.importing.session`)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from arena.errors import ArenaUserError
from arena.package_data import migrations_dir

MIGRATIONS_DIR = migrations_dir()  # shipped inside the package (arena/migrations)


# The PostgreSQL driver Arena is built and tested with. SQLAlchemy 2.1 maps a bare
# `postgresql://` to psycopg 3, which Arena does not install: psycopg2's `copy_expert` already
# streams a file-like object into COPY (`arena/storage/copy_pipe.py`), so psycopg 3's COPY API
# would bring nothing the import lacks.
POSTGRES_DRIVER = "psycopg2"
_SUPPORTED = "Arena works with SQLite (sqlite:///path/to/arena.db) and PostgreSQL " \
    "(postgresql://user:password@host/database)"


def database_url(url: str) -> str:
    """The URL a user gave, with the driver Arena uses: `postgresql://` and `postgres://` mean
    psycopg2. Anything Arena cannot use is one sentence (ArenaUserError), not a traceback from
    a driver import."""
    parsed = parse_database_url(url)
    return parsed.render_as_string(hide_password=False)


def parse_database_url(url: str) -> URL:
    try:
        parsed = make_url(url.strip())
    except ArgumentError as error:
        raise ArenaUserError(f"The database URL cannot be read: {_SUPPORTED}.") from error
    # Read from the scheme itself: asking SQLAlchemy for a default driver would import it.
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgres":  # the scheme many hosts print; SQLAlchemy knows it by its long name
        parsed = parsed.set(drivername="postgresql")
        backend = "postgresql"
    if backend == "postgresql":
        if driver in ("", POSTGRES_DRIVER):
            return parsed.set(drivername=f"postgresql+{POSTGRES_DRIVER}")
        raise ArenaUserError(
            f"The PostgreSQL driver {driver!r} of the database URL is not one Arena installs: "
            f"write postgresql://… (Arena uses {POSTGRES_DRIVER})."
        )
    if backend == "sqlite" and driver in ("pysqlite", ""):
        return parsed
    raise ArenaUserError(
        f"The database URL names {parsed.drivername!r}, which Arena does not support: "
        f"{_SUPPORTED}."
    )


def redacted_url(url: str) -> str:
    """The URL as it may be printed: the password hidden."""
    return parse_database_url(url).render_as_string(hide_password=True)


def create_database_engine(url: str) -> Engine:
    """An engine configured for Arena: SQLite enforces foreign keys and uses WAL; the folder of a
    SQLite file is created on first use."""
    url = database_url(url)
    if ensure_sqlite_folder(url):
        # Imports hand their connection to a writer thread, hence check_same_thread=False.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def ensure_sqlite_folder(url: str) -> bool:
    """Create the folder of a SQLite database file; True when the URL is SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return True


def is_postgres(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "postgresql"


def _alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Apply Alembic migrations up to ``revision`` (the schema is never created any other way).

    A database already at the head is left without loading Alembic at all: every `arena
    import` starts here, and Alembic's import and environment cost about 0.3 s."""
    url = database_url(url)
    ensure_sqlite_folder(url)
    if revision == "head" and _stored_revision(url) == head_revision():
        return
    from alembic import command

    command.upgrade(_alembic_config(url), revision)


_REVISION_LINE = re.compile(
    r"^(down_revision|revision)\s*(?::[^=\n]*)?=\s*['\"]?([\w-]+)['\"]?\s*$", re.M
)


def head_revision() -> str | None:
    """The newest migration, read from the migration files' `revision` and `down_revision`
    lines; None when they do not name exactly one head (then Alembic itself decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    files = list((MIGRATIONS_DIR / "versions").glob("*.py"))
    for path in files:
        for kind, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            (revisions if kind == "revision" else parents).add(value)
    heads = revisions - parents
    if len(revisions) != len(files) or len(heads) != 1:
        return None  # a file this reading does not understand: let Alembic decide
    return heads.pop()


def _stored_revision(url: str) -> str | None:
    """The revision recorded in the database, or None when it has none (or is unreachable:
    Alembic then reports the problem in its own words)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        return rows[0][0] if len(rows) == 1 else None
    except DBAPIError:
        return None
    finally:
        engine.dispose()


def downgrade_database(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(_alembic_config(database_url(url)), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
