"""PostgreSQL's bulk-load recipe, applied inside the import's transaction.

Per-row foreign-key triggers and index maintenance dominate a large INSERT (measured here: about
6 µs per foreign key per row). When an import brings many rows relative to a table's size, the
table's foreign keys and secondary indexes are dropped, the rows inserted, then the indexes
rebuilt and the foreign keys re-added: PostgreSQL validates a re-added foreign key with one
set-based anti-join, so every constraint is checked before the transaction commits, only faster
(PostgreSQL manual, "Populating a Database": remove indexes and foreign-key constraints).
Primary keys stay, and so do unique keys lookups need (customers, orders); the tickets of
a source's first import, plain inserts, have their unique key re-added too. An index led by
`import_id` stays: it only grows at its end. DDL is transactional in
PostgreSQL, so a crash leaves the table exactly as it was.

Setting a foreign key aside locks the table *and the table it references* (`organizations`,
`events`, the catalogues) in ACCESS EXCLUSIVE mode until commit: nobody can even read them. So
on PostgreSQL bulk mode runs only for an organization alone in the database (its first large
onboarding, a single-venue deployment); beside other organizations the rows go in with per-row
checks, which leave every other organization's reads free (measured in bench/import/README.md;
`tests/integration/test_import_beside_other_tenants.py`). SQLite readers never wait for the
writer (WAL), so SQLite needs no such guard.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

log = logging.getLogger(__name__)

# Below this many incoming rows, per-row checks are cheaper than rebuilding indexes.
MINIMUM_BULK_ROWS = 50_000
# Rebuilding is worth it when the import adds at least this share of the table's current size.
MINIMUM_SHARE_OF_TABLE = 0.5


def should_use_bulk_mode(incoming_rows: int, existing_rows: int,
                         minimum_rows: int | None = None) -> bool:
    """Whether to set a table's constraints aside. The thresholds are read when called, not
    when the module loads, so a test (or a caller) that lowers them is obeyed."""
    if minimum_rows is None:
        minimum_rows = MINIMUM_BULK_ROWS
    return incoming_rows >= minimum_rows and incoming_rows >= (
        MINIMUM_SHARE_OF_TABLE * existing_rows
    )


@contextmanager
def bulk_load_mode(
    connection: Connection, table: str, incoming_rows: int, *, organization_id: int,
    unique_keys_too: bool = False, minimum_rows: int | None = None,
) -> Iterator[bool]:
    """Yield True when the table's foreign keys and secondary indexes were set aside.

    With `unique_keys_too` (for a load that never relies on them: no ON CONFLICT, no lookup),
    PostgreSQL's unique constraints are set aside as well and re-added at the end, which builds
    their index in one sort and fails the transaction on any duplicate. A narrow table whose
    re-validation is a quick scan (the sales summaries) can lower `minimum_rows`."""
    if connection.dialect.name == "sqlite":
        with _sqlite_bulk_load_mode(connection, table, incoming_rows, minimum_rows) as active:
            yield active
        return
    if connection.dialect.name != "postgresql":
        yield False
        return
    existing = connection.execute(
        text("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = CAST(:t AS regclass)"),
        {"t": table},
    ).scalar_one()
    if not should_use_bulk_mode(incoming_rows, int(existing), minimum_rows) or (
        not alone_in_database(connection, organization_id)
    ):
        yield False
        return
    constraints = connection.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype = ANY(:kinds) ORDER BY conname"
        ),
        {"t": table, "kinds": ["f", "u"] if unique_keys_too else ["f"]},
    ).all()
    secondary = connection.execute(
        text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = CAST(:t AS regclass) AND NOT x.indisunique "
            "ORDER BY i.relname"
        ),
        {"t": table},
    ).all()
    indexes = [(name, sql) for name, sql in secondary if not grows_at_its_end(sql)]
    for name, _definition in constraints:
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
    for name, definition in constraints:
        connection.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    log.debug("%.2f s: re-added (validated) %d constraints of %s", time.perf_counter() - started,
              len(constraints), table)


def alone_in_database(connection: Connection, organization_id: int) -> bool:
    """Whether no other organization exists, whose users' reads bulk mode's locks would stop.
    (An organization created between this check and the first constraint set aside waits for
    the import to commit before it exists: it has no data to read yet.)"""
    return not connection.execute(
        text("SELECT EXISTS (SELECT 1 FROM organizations WHERE id <> :org)"),
        {"org": organization_id},
    ).scalar_one()


@contextmanager
def _sqlite_bulk_load_mode(connection: Connection, table: str, incoming_rows: int,
                           minimum_rows: int | None) -> Iterator[bool]:
    """SQLite's half of the recipe: secondary indexes dropped and rebuilt (one sort instead of a
    million random b-tree insertions), inside the transaction like any SQLite DDL. Its foreign
    keys cannot be dropped; the import checks them itself (`unchecked_sqlite_foreign_keys`)."""
    existing = connection.exec_driver_sql(f"SELECT COALESCE(MAX(rowid), 0) FROM {table}").scalar_one()
    if not should_use_bulk_mode(incoming_rows, int(existing), minimum_rows):
        yield False
        return
    secondary = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
        (table,),
    ).all()
    indexes = [(name, sql) for name, sql in secondary if not grows_at_its_end(sql)]
    for name, _definition in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield True
    started = time.perf_counter()
    for _name, definition in indexes:
        connection.exec_driver_sql(definition)
    log.debug("%.2f s: rebuilt %d indexes of %s", time.perf_counter() - started, len(indexes), table)


_LED_BY_IMPORT_ID = re.compile(r'\(\s*"?import_id"?\s*[,)]')


def grows_at_its_end(index_definition: str) -> bool:
    """An index led by `import_id` only grows at its end during an import (every new row has
    the same, newest import id), so keeping it costs little and spares a rebuild."""
    return bool(_LED_BY_IMPORT_ID.search(index_definition))


def foreign_key_violations(
    connection: Connection, import_id: int, checked: frozenset[str] = frozenset()
) -> list[str]:
    """Foreign keys broken by the rows one import wrote, for a SQLite import that ran with
    `PRAGMA foreign_keys = OFF` (per-row checks cost a third of a large load): the rows of
    tables that record their import are checked with one anti-join per foreign key, the small
    tables that do not with SQLite's own `foreign_key_check`. Tables in `checked` were checked
    as they were written (`rows_violations`)."""
    from arena.storage.schema import metadata  # the schema module is heavy; imported on use

    problems: list[str] = []
    for table in metadata.sorted_tables:
        if table.name in checked:
            continue
        if "import_id" not in table.c:
            rows = connection.exec_driver_sql(f'PRAGMA foreign_key_check("{table.name}")').all()
            problems += [f"{table.name} row {row[1]} → {row[2]}" for row in rows]
            continue
        # The import's rows are the newest: a range scan from its first id, with the import_id
        # index kept out of the plan (`+`), reads them in table order.
        problems += _violations(
            connection, table.name,
            f"c.id >= (SELECT MIN(id) FROM {table.name} WHERE import_id = ?) "
            "AND +c.import_id = ?",
            (import_id, import_id),
        )
    return problems


def rows_violations(connection: Connection, table: str, first_id: int, last_id: int) -> list[str]:
    """Foreign keys broken by the rows of `table` with ids first_id..last_id (SQLite, foreign
    keys off): checked right after a chunk is written, while the parser works on the next one.
    Parents are only ever added during an import, so a row valid then is valid at commit."""
    return _violations(connection, table, "c.id BETWEEN ? AND ?", (first_id, last_id))


def _violations(connection: Connection, table_name: str, where: str, params: tuple) -> list[str]:
    from arena.storage.schema import metadata

    table = metadata.tables[table_name]
    keys = sorted(table.foreign_keys, key=lambda k: k.parent.name)
    if not keys:
        return []
    counts = connection.exec_driver_sql(
        "SELECT "
        + ", ".join(
            # NOT IN: SQLite builds the parent keys' index once per query (measured over a
            # million tickets in 50,000-row ranges: 1.8 s against 2.4 s for NOT EXISTS).
            f"COALESCE(SUM(c.{k.parent.name} IS NOT NULL AND c.{k.parent.name} NOT IN "
            f"(SELECT {k.column.name} FROM {k.column.table.name})), 0)"
            for k in keys
        )
        + f" FROM {table_name} c WHERE {where}",
        params,
    ).one()
    return [
        f"{table_name}.{k.parent.name} → {k.column.table.name}: {n} rows"
        for k, n in zip(keys, counts, strict=True) if n
    ]
