"""Ids for rows an import is about to bulk-insert, drawn before the rows are written (no
RETURNING, no read-back)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Connection, text

from arena.storage.importing.session import ImportSession


class IdAllocator:
    """PostgreSQL: drawn from the table's sequence (safe beside any other writer) on a
    connection of its own (sequences ignore transactions), so drawing does not wait for the
    COPYs still running on the import's connection; it only touches the sequence, never a
    table the import holds locked. SQLite: after the table's largest id (the import holds
    SQLite's only write lock until it commits)."""

    def __init__(self, session: ImportSession) -> None:
        self._session = session
        self._sequences: dict[str, str] = {}
        self._connection: Connection | None = None

    def allocate(self, table: str, count: int) -> np.ndarray:
        session = self._session
        if not session.postgres:
            start = session.connection.exec_driver_sql(
                f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"
            ).scalar_one()
            return np.arange(start, start + count, dtype=np.int64)
        if table not in self._sequences:
            self._sequences[table] = session.connection.execute(
                text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}
            ).scalar_one()
        if self._connection is None:
            self._connection = session.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
        drawn = self._connection.execute(
            text("SELECT array_agg(nextval(CAST(:seq AS regclass))) FROM generate_series(1, :n)"),
            {"seq": self._sequences[table], "n": count},
        ).scalar_one()
        return np.array(drawn, dtype=np.int64)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
