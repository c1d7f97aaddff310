"""The connection of one import: one transaction, its statements, stages and bulk writes.

On PostgreSQL every COPY runs behind the writer's Python work (`CopyPipe`); any other
statement on the connection first waits for the COPYs before it, so statements reach the
server in the order the writer issued them. On SQLite the connection runs with the import's
pragmas (`sqlite_pragmas`). Opening is a function (`ImportSession.open`), never a constructor:
it talks to the database."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Engine, RootTransaction, event, text

from arena.storage.copy_pipe import CopyPipe
from arena.storage.importing import sqlite_pragmas
from arena.storage.importing.values import integer_constant, sqlite_column

log = logging.getLogger(__name__)

# Per-chunk temporary tables, each holding one row per distinct natural key of the chunk
# (deduplicated in pandas first, so the database never scans a million-row stage).
STAGES: dict[str, dict[str, str]] = {
    "arena_stage_customers": {
        "customer_key": "TEXT", "email": "TEXT", "first_name": "TEXT", "last_name": "TEXT",
        "gender": "TEXT", "birth_date": "DATE", "phone": "TEXT", "address": "TEXT",
        "postal_code_id": "BIGINT", "city_id": "BIGINT", "country_id": "BIGINT",
    },
    "arena_stage_orders": {"order_ref": "TEXT", "customer_id": "BIGINT", "ordered_at": "TIMESTAMP"},
    "arena_stage_keys": {"key": "TEXT"},
    "arena_city_keys": {"country": "TEXT", "city": "TEXT", "postal_code": "TEXT",
                        "city_key": "TEXT"},
}
_SQLITE_BATCH_ROWS = 5_000


class ImportSession:
    """The import's connection and transaction; statements bound to its organization, source
    and import (`:org`, `:src`, `:imp`)."""

    def __init__(self, engine: Engine, connection: Connection, transaction: RootTransaction,
                 copies: CopyPipe | None) -> None:
        self.engine = engine
        self.connection = connection
        self.transaction = transaction
        self.postgres = engine.dialect.name == "postgresql"
        self.copies = copies
        self.params: dict[str, int] = {}
        self.timings: dict[str, float] = {}

    @classmethod
    def open(cls, engine: Engine) -> ImportSession:
        connection = engine.connect()
        dbapi = connection.connection.dbapi_connection
        copies = None
        if engine.dialect.name == "postgresql":
            copies = CopyPipe(dbapi)
        else:
            sqlite_pragmas.prepare_for_import(dbapi)
        session = cls(engine, connection, connection.begin(), copies)
        if copies is not None:
            event.listen(connection, "before_cursor_execute", session.wait_for_copies)
        return session

    def bind(self, organization_id: int, source_id: int, import_id: int) -> None:
        self.params = {"org": organization_id, "src": source_id, "imp": import_id}

    # --- statements --------------------------------------------------------------------------

    def count(self, sql: str) -> int:
        return int(self.connection.execute(text(sql), self.params).scalar_one() or 0)

    def run(self, sql: str) -> int:
        started = time.perf_counter()
        result = self.connection.execute(text(sql), self.params)
        log.debug("%.2f s: %s", time.perf_counter() - started, " ".join(sql.split())[:90])
        return max(result.rowcount or 0, 0)

    def fetch(self, sql: str, extra: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one statement on the driver's cursor; its rows as a frame (the rows of a large
        RETURNING are plain tuples, not SQLAlchemy rows)."""
        params: dict[str, Any] = {**self.params, **(extra or {})}
        if self.postgres:  # psycopg2 takes %(name)s where sqlite3 takes :name
            sql = re.sub(r"(?<!:):(\w+)\b", r"%(\1)s", sql)
        self.wait_for_copies()
        cursor = self.dbapi().cursor()
        started = time.perf_counter()
        try:
            cursor.execute(sql, params)
            columns = [column[0] for column in cursor.description]
            rows = pd.DataFrame(cursor.fetchall(), columns=columns)
            log.debug("%.2f s: %s", time.perf_counter() - started, " ".join(sql.split())[:90])
            return rows
        finally:
            cursor.close()

    def fetch_by_keys(self, columns: str, table: str, where: str, key: str, keys: pd.Series
                      ) -> pd.DataFrame:
        """Rows `t` of `table` whose `key` is one of `keys`: an array parameter on PostgreSQL
        (the planner knows nothing of a freshly filled temporary table and may scan the whole
        table), a join on a temporary table on SQLite, driven by the staged keys (CROSS JOIN
        fixes SQLite's loop order, so each key is one probe of the table's unique index)."""
        if self.postgres:
            return self.fetch(f"SELECT {columns} FROM {table} t WHERE {where} "
                              f"AND {key} = ANY(:keys)", {"keys": keys.astype(object).tolist()})
        self.restage("arena_stage_keys", keys.to_frame("key"))
        return self.fetch(f"SELECT {columns} FROM arena_stage_keys s CROSS JOIN {table} t "
                          f"WHERE {key} = s.key AND {where}")

    # --- stages and bulk writes --------------------------------------------------------------

    def create_stages(self) -> None:
        for name, columns in STAGES.items():
            definition = ", ".join(f"{column} {kind}" for column, kind in columns.items())
            if self.postgres:
                self.connection.exec_driver_sql(
                    f"CREATE TEMPORARY TABLE {name} ({definition}) ON COMMIT DROP"
                )
            else:
                # SQLite keeps temporary tables per pooled connection: start from a clean slate.
                self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")
                self.connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({definition})")

    def drop_stages(self) -> None:
        """SQLite's temporary tables outlive the transaction (PostgreSQL's drop on commit)."""
        if not self.postgres:
            for name in STAGES:
                self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")

    def restage(self, name: str, frame: pd.DataFrame) -> None:
        """Replace the content of one temporary stage with this chunk's distinct rows."""
        self.connection.exec_driver_sql(
            f"TRUNCATE {name}" if self.postgres else f"DELETE FROM {name}"
        )
        if len(frame):
            self.bulk_insert(name, frame[list(STAGES[name])])

    def bulk_insert(self, table: str, frame: pd.DataFrame) -> None:
        """COPY (PostgreSQL) or one prepared executemany (SQLite) of a whole frame."""
        arrow_table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.copies is not None:
            sink = pa.BufferOutputStream()
            # Every value is quoted, so an unquoted empty field can only be a NULL.
            pacsv.write_csv(
                arrow_table, sink,
                pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
            )
            self.copies.submit(
                f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)",
                pa.BufferReader(sink.getvalue()),
            )
            return
        cursor = self.dbapi().cursor()
        # An integer the whole frame shares (organization, source, import) is written into
        # the statement once instead of being bound on every row.
        constants = {i: integer_constant(arrow_table.column(i))
                     for i in range(arrow_table.num_columns)}
        bound = [i for i, value in constants.items() if value is None]
        statement = (
            f"INSERT INTO {table} ({', '.join(frame.columns)}) VALUES ("
            + ", ".join("?" if constants[i] is None else str(constants[i])
                        for i in range(arrow_table.num_columns))
            + ")"
        )
        # Python objects for a few thousand rows at a time: a whole chunk's worth would
        # cost tens of megabytes at the import's peak.
        for start in range(0, arrow_table.num_rows, _SQLITE_BATCH_ROWS):
            part = arrow_table.slice(start, _SQLITE_BATCH_ROWS)
            columns = [sqlite_column(part.column(i)) for i in bound]
            cursor.executemany(statement, list(zip(*columns, strict=True)))

    # --- timing, COPYs, end ------------------------------------------------------------------

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        """Where an import's database time goes, reported in the import's summary."""
        started = time.perf_counter()
        yield
        self.timings[step] = self.timings.get(step, 0.0) + time.perf_counter() - started

    def wait_for_copies(self, *_statement: Any, **_options: Any) -> None:
        """Before any other statement: let the COPYs handed over so far finish (and raise the
        first failure), so statements reach the server in the order the writer issued them."""
        if self.copies is not None:
            self.copies.wait()

    def stop_copies(self, run_pending: bool) -> None:
        if self.copies is not None:
            self.copies.close(run_pending=run_pending)

    def dbapi(self) -> Any:
        """The driver's connection, for what must bypass SQLAlchemy's transaction handling."""
        return self.connection.connection.dbapi_connection

    def release(self) -> None:
        """Close the connection, with SQLite's pragmas back to normal for the pool's next user."""
        self.stop_copies(run_pending=False)
        if self.connection.closed or self.connection.invalidated:
            return
        if not self.postgres:
            try:
                sqlite_pragmas.restore_after_import(self.dbapi())
            except Exception:  # a broken connection must not be reused at all
                self.connection.invalidate()
        self.connection.close()
