"""Small dialect bridges shared by the storage adapters (insert-or-ignore, upserts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(connection: Connection, table: Table):  # type: ignore[no-untyped-def]
    """The INSERT construct of the connection's dialect, which knows ON CONFLICT."""
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def insert_ignore(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    conflict_columns: Iterable[str],
) -> int:
    """Insert rows, silently keeping the existing row on a unique-key conflict."""
    if not rows:
        return 0
    statement = dialect_insert(connection, table).on_conflict_do_nothing(
        index_elements=list(conflict_columns)
    )
    result = connection.execute(statement, list(rows))
    return max(result.rowcount or 0, 0)
