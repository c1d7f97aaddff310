"""The SQLite settings of an import's own connection, set before and restored after it.

Foreign keys are checked set-based instead of row by row (each chunk's tickets as they are
written, the rest before commit: `arena.storage.bulk`); the pragma only takes effect outside a
transaction, hence on the driver's connection before SQLAlchemy begins one. Index rebuilds at
the end sort with a helper thread (the parser is done by then)."""

from __future__ import annotations

from typing import Any


def prepare_for_import(dbapi_connection: Any) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys = OFF")
    dbapi_connection.execute("PRAGMA threads = 2")


def restore_after_import(dbapi_connection: Any) -> None:
    """Foreign keys back on for the pool's next user of this connection."""
    dbapi_connection.execute("PRAGMA foreign_keys = ON")
    dbapi_connection.execute("PRAGMA threads = 0")
