"""PostgreSQL's bulk-load recipe, applied inside the import's transaction.

Per-row foreign-key triggers and index maintenance dominate a large INSERT (measured here: about
6 µs per foreign key per row). When an import brings many rows relative to a table's size, the
table's foreign keys and secondary indexes are dropped, the rows inserted, then the indexes
rebuilt and the foreign keys re-added: PostgreSQL validates a re-added foreign key with one
set-based anti-join, so every constraint is checked before the transaction commits, only faster
(PostgreSQL manual, "Populating a Database": remove indexes and foreign-key constraints).
Unique and primary keys stay in place: ON CONFLICT needs them. DDL is transactional in
PostgreSQL, so a crash leaves the table exactly as it was. The table is locked for the duration.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

log = logging.getLogger(__name__)

# Below this many incoming rows, per-row checks are cheaper than rebuilding indexes.
MINIMUM_BULK_ROWS = 50_000
# Rebuilding is worth it when the import adds at least this share of the table's current size.
MINIMUM_SHARE_OF_TABLE = 0.5


def should_use_bulk_mode(incoming_rows: int, existing_rows: int) -> bool:
    return incoming_rows >= MINIMUM_BULK_ROWS and incoming_rows >= (
        MINIMUM_SHARE_OF_TABLE * existing_rows
    )


@contextmanager
def bulk_load_mode(connection: Connection, table: str, incoming_rows: int) -> Iterator[bool]:
    """Yield True when the table's foreign keys and secondary indexes were set aside."""
    if connection.dialect.name != "postgresql":
        yield False
        return
    existing = connection.execute(
        text("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = CAST(:t AS regclass)"),
        {"t": table},
    ).scalar_one()
    if not should_use_bulk_mode(incoming_rows, int(existing)):
        yield False
        return
    foreign_keys = connection.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f' ORDER BY conname"
        ),
        {"t": table},
    ).all()
    indexes = connection.execute(
        text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = CAST(:t AS regclass) AND NOT x.indisunique "
            "ORDER BY i.relname"
        ),
        {"t": table},
    ).all()
    for name, _definition in foreign_keys:
        connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield True
    started = time.perf_counter()
    connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for _name, definition in indexes:
        connection.exec_driver_sql(definition)
    log.debug("%.2f s: rebuilt %d indexes of %s", time.perf_counter() - started, len(indexes), table)
    started = time.perf_counter()
    for name, definition in foreign_keys:
        connection.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    log.debug("%.2f s: validated %d foreign keys of %s", time.perf_counter() - started,
              len(foreign_keys), table)
