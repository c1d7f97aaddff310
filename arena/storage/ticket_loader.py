"""Set-based loading of validated ticket rows into the normalized schema.

Chunk by chunk, inside one transaction (a crash or a kill leaves the database exactly as it was):
the distinct venues, events, catalogues and places of the chunk are upserted; its customers and
orders, deduplicated in pandas, are staged in temporary tables (PostgreSQL: COPY; SQLite: one
prepared executemany) and upserted with INSERT … SELECT … ON CONFLICT; then the tickets go in with
their foreign keys resolved in memory, in one COPY or executemany. Never one ORM round trip per
row (the seed's find-or-create loop took an hour per million rows).
"""

from __future__ import annotations

import io
import logging
import queue
import re
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Engine, Table, insert, select, text, update

from arena.errors import ArenaUserError
from arena.ingest.normalize import (
    channel_kind,
    department_code,
    event_type,
    fold_city,
    season_bounds,
    season_label,
    tariff_kind,
)
from arena.ingest.ports import ImportRequest, LoadSummary, RejectedRow, Warning
from arena.storage.accounts import find_organization
from arena.storage.analytics import refresh_sales_summary
from arena.storage.bulk import bulk_load_mode, foreign_key_violations
from arena.storage.sales_tally import SalesTally
from arena.storage.schema import (
    cities,
    countries,
    event_categories,
    events,
    import_warnings,
    imports,
    mapping_templates,
    postal_codes,
    regions,
    rejected_rows,
    sales_channels,
    seasons,
    seat_categories,
    tariffs,
    ticketing_sources,
    tickets,
    venues,
)
from arena.storage.sqlutil import dialect_insert, insert_ignore

log = logging.getLogger(__name__)

# Per-chunk temporary tables, each holding one row per distinct natural key of the chunk
# (deduplicated in pandas first, so the database never scans a million-row stage).
STAGES: dict[str, dict[str, str]] = {
    "arena_stage_refs": {"ticket_ref": "TEXT"},
    "arena_stage_customers": {
        "customer_key": "TEXT", "email": "TEXT", "first_name": "TEXT", "last_name": "TEXT",
        "gender": "TEXT", "birth_date": "DATE", "phone": "TEXT", "address": "TEXT",
        "postal_code": "TEXT", "city": "TEXT", "country": "TEXT",
    },
    "arena_stage_orders": {"order_ref": "TEXT", "customer_id": "BIGINT", "ordered_at": "TIMESTAMP"},
    "arena_stage_keys": {"key": "TEXT"},
    "arena_city_keys": {"country": "TEXT", "city": "TEXT", "postal_code": "TEXT",
                        "city_key": "TEXT"},
}
_TEMPORARY_TABLES = tuple(STAGES)
_SQLITE_BATCH_ROWS = 5_000

COUNTRY_NAMES = {
    "FR": "France", "BE": "Belgique", "CH": "Suisse", "LU": "Luxembourg", "DE": "Allemagne",
    "ES": "Espagne", "IT": "Italie", "GB": "Royaume-Uni", "NL": "Pays-Bas", "PT": "Portugal",
    "US": "États-Unis", "CA": "Canada", "MC": "Monaco", "IE": "Irlande", "AT": "Autriche",
    "MA": "Maroc", "DZ": "Algérie", "TN": "Tunisie", "SN": "Sénégal", "PL": "Pologne",
}


# A customer's fields an upsert may fill when empty, by staged column: the staged value → the
# customers column it ends up in.
CUSTOMER_GAP_COLUMNS = {
    "email": "email", "gender": "gender", "birth_date": "birth_date", "phone": "phone",
    "address": "address", "postal_code": "postal_code_id", "city": "city_id",
}


class KnownCustomers:
    """The customers an import has written or met so far: their id, and which of their
    fillable fields are still empty in the database (one dict entry per customer, about
    130 bytes each)."""

    def __init__(self) -> None:
        self._position: dict[str, int] = {}
        self._ids = np.empty(0, dtype=np.int64)
        self._empty = np.empty((0, len(CUSTOMER_GAP_COLUMNS)), dtype=bool)

    @staticmethod
    def returned_columns(alias: str | None = None) -> str:
        prefix = f"{alias}." if alias else ""
        return ", ".join(
            [f"{prefix}customer_key", f"{prefix}id"]
            + [f"{prefix}{c} IS NULL AS {c}_empty" for c in CUSTOMER_GAP_COLUMNS.values()]
        )

    def positions(self, keys: pd.Series | pa.Array) -> np.ndarray:
        """Position of each key among the known customers, -1 when unknown or missing (each
        distinct key looked up once)."""
        encoded = _arrow_strings(keys).dictionary_encode()
        get = self._position.get
        distinct = np.fromiter(
            (get(key, -1) for key in encoded.dictionary.to_pylist()),
            dtype=np.int64, count=len(encoded.dictionary),
        )
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        return np.where(codes < 0, -1, distinct[np.maximum(codes, 0)] if len(distinct) else -1)

    def remember(self, rows: pd.DataFrame) -> None:
        """Record customers as the database returned them (see `returned_columns`)."""
        if rows.empty:
            return
        empty = np.column_stack(
            [rows[f"{c}_empty"].astype(bool).to_numpy() for c in CUSTOMER_GAP_COLUMNS.values()]
        )
        at = self.positions(rows["customer_key"])
        seen = at >= 0
        self._empty[at[seen]] = empty[seen]  # a customer whose gaps this import just filled
        fresh = ~seen
        if fresh.any():
            start = len(self._ids)
            for offset, key in enumerate(rows["customer_key"].to_numpy()[fresh]):
                self._position[key] = start + offset
            self._ids = np.concatenate([self._ids, rows["id"].to_numpy(np.int64)[fresh]])
            self._empty = np.concatenate([self._empty, empty[fresh]])

    def needs_upsert(self, latest: pd.DataFrame) -> np.ndarray:
        """Which of these customers are new to the import or bring a value for an empty field."""
        at = self.positions(latest["customer_key"])
        known = at >= 0
        needed = ~known
        if known.any():
            brings = np.column_stack(
                [latest[staged].notna().to_numpy()[known] for staged in CUSTOMER_GAP_COLUMNS]
            )
            needed[known] = (self._empty[at[known]] & brings).any(axis=1)
        return needed

    def ids_of(self, keys: pd.Series) -> pd.Series:
        """The customer id of every key (NA where the key is missing), aligned on `keys`."""
        at = self.positions(keys)
        if ((at < 0) & keys.notna().to_numpy()).any():
            raise RuntimeError("validated rows could not be attached to their customer")
        return pd.Series(_ids_at(self._ids, at), index=keys.index)


def _ids_at(ids: np.ndarray, at: np.ndarray) -> pd.arrays.IntegerArray:
    """ids[at] as a nullable array, NA where `at` is -1."""
    missing = at < 0
    values = ids[np.where(missing, 0, at)] if len(ids) else np.zeros(len(at), dtype=np.int64)
    return pd.arrays.IntegerArray(values.astype(np.int64), missing)


def lookup_ids(keys: pd.Series, known: pa.Array, ids: np.ndarray) -> pd.arrays.IntegerArray:
    """The id of each key among `known` keys (parallel to `ids`), NA where absent; Arrow's hash
    lookup on the strings, never Python objects."""
    at = pc.index_in(_arrow_strings(keys), value_set=known)
    return _ids_at(ids, at.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64))


def _is_in(keys: pd.Series, values: pd.Series) -> np.ndarray:
    found = pc.is_in(_arrow_strings(keys), value_set=_arrow_strings(values))
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def _arrow_strings(values: pd.Series | pa.Array) -> pa.Array:
    """A column of keys as one Arrow string array (nulls for missing values)."""
    if isinstance(values, pa.Array):
        return values
    array = pa.array(values, type=pa.string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


class SqlImportStore:
    """The import pipeline's storage, on SQLite or PostgreSQL through one SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def begin(self, request: ImportRequest) -> SqlImportWriter:
        return SqlImportWriter(self.engine, request)

    def find_template(self, organization: str, source: str, signature: str) -> dict | None:
        with self.engine.connect() as connection:
            org = find_organization(connection, organization)
            row = connection.execute(
                select(mapping_templates.c.mapping)
                .join(ticketing_sources, ticketing_sources.c.id == mapping_templates.c.source_id)
                .where(mapping_templates.c.organization_id == org.id)
                .where(ticketing_sources.c.name == source)
                .where(mapping_templates.c.header_signature == signature)
            ).first()
        return None if row is None else dict(row.mapping)

    def save_template(
        self, organization: str, source: str, signature: str, mapping: dict[str, Any]
    ) -> None:
        with self.engine.begin() as connection:
            org = find_organization(connection, organization)
            source_id = ensure_source(connection, org.id, source, None)
            statement = dialect_insert(connection, mapping_templates).values(
                organization_id=org.id, source_id=source_id, header_signature=signature,
                mapping=mapping,
            )
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["organization_id", "source_id", "header_signature"],
                    set_={"mapping": statement.excluded.mapping},
                )
            )


def ensure_source(connection: Connection, org_id: int, name: str, vendor: str | None) -> int:
    insert_ignore(
        connection,
        ticketing_sources,
        [{"organization_id": org_id, "name": name, "vendor": vendor}],
        ["organization_id", "name"],
    )
    return connection.execute(
        select(ticketing_sources.c.id)
        .where(ticketing_sources.c.organization_id == org_id)
        .where(ticketing_sources.c.name == name)
    ).scalar_one()


@dataclass
class _Ids:
    org: int
    source: int
    import_: int


class SqlImportWriter:
    """One import in one transaction: staged rows, rejections and warnings, then normalization."""

    def __init__(self, engine: Engine, request: ImportRequest) -> None:
        self.engine = engine
        self.request = request
        self.connection = engine.connect()
        self.postgres = engine.dialect.name == "postgresql"
        if not self.postgres:
            # Checked once, set-based, before commit (`foreign_key_violations`); the pragma only
            # takes effect outside a transaction.
            self._dbapi().execute("PRAGMA foreign_keys = OFF")
        self.transaction = self.connection.begin()
        self.staged_rows = 0
        self.counts = {"tickets": 0, "events": 0}
        self.timings: dict[str, float] = {}
        # What this import already wrote, so later chunks skip redundant upserts.
        self._known_venues: set[str] = set()
        self._event_index: tuple[pd.MultiIndex, np.ndarray] | None = None
        self._catalogue_ids: dict[str, dict[str, int]] = {}
        self._known_event_categories: set[tuple[int, int]] = set()
        self._customers = KnownCustomers()
        self._sales = SalesTally()
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=1)
        self._worker: threading.Thread | None = None
        self._worker_error: BaseException | None = None
        self._bulk = ExitStack()
        try:
            org = find_organization(self.connection, request.organization)
            source_id = ensure_source(self.connection, org.id, request.source, request.vendor)
            import_id = self.connection.execute(
                insert(imports)
                .values(
                    organization_id=org.id, source_id=source_id, file_name=request.file_name,
                    file_hash=request.file_hash, mapping=request.mapping,
                    created_by=request.user, status="running",
                )
                .returning(imports.c.id)
            ).scalar_one()
            self.ids = _Ids(org.id, source_id, import_id)
            self.import_id: int | None = import_id
            self.customers_before = self._count(
                "SELECT COUNT(*) FROM customers WHERE organization_id = :org"
            )
            # A first import of a source cannot meet its own tickets again (validation rejects a
            # repeated ticket id), so only a source that already has tickets needs the check.
            self.source_had_tickets = bool(self._count(
                "SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE organization_id = :org "
                "AND source_id = :src LIMIT 1) AS any_ticket"
            ))
            self._create_stage()
            self._rows_savepoint = self.connection.begin_nested()
        except BaseException:
            self.transaction.rollback()
            self._release()
            raise

    # --- staging ----------------------------------------------------------------------------

    def _create_stage(self) -> None:
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

    # The parsing thread hands chunks to one worker thread that owns the connection, so the
    # database loads chunk N while Python parses chunk N+1 (the drivers release the GIL while a
    # statement runs). At most two chunks are alive at once, which bounds memory.

    def stage(self, rows: pd.DataFrame) -> None:
        self._submit("stage", rows)

    def reject(self, rows: list[RejectedRow]) -> None:
        if rows:
            self._submit("reject", rows)

    def warn(self, warnings: list[Warning]) -> None:
        if warnings:
            self._submit("warn", warnings)

    def reset(self) -> None:
        self._submit("reset", None)

    def _submit(self, kind: str, payload: Any) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="arena-import-writer",
                                            daemon=True)
            self._worker.start()
        while True:
            if self._worker_error is not None:
                raise self._worker_error
            # Hand over only when the worker is idle: one chunk loads while the next is parsed,
            # and no third one waits in memory.
            with self._queue.all_tasks_done:
                if self._queue.unfinished_tasks:
                    self._queue.all_tasks_done.wait(timeout=0.2)
                    continue
            self._queue.put((kind, payload))
            return

    def _drain(self) -> None:
        """Wait until the worker has written everything submitted; re-raise its failure."""
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join()
            self._worker = None
        if self._worker_error is not None:
            raise self._worker_error

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                self._queue.task_done()
                return
            if self._worker_error is not None:
                self._queue.task_done()
                continue  # keep draining so the parsing thread never blocks
            kind, payload = item
            try:
                if kind == "stage":
                    self._load_chunk(payload)
                elif kind == "reject":
                    self._write_rejected(payload)
                elif kind == "warn":
                    self._write_warnings(payload)
                elif kind == "reset":
                    self._rows_savepoint.rollback()
                    self._bulk.pop_all()  # the rollback restored every constraint and index
                    self.staged_rows = 0
                    self.counts = dict.fromkeys(self.counts, 0)
                    self._known_venues.clear()
                    self._event_index = None
                    self._catalogue_ids = {}
                    self._known_event_categories.clear()
                    self._customers = KnownCustomers()
                    self._sales = SalesTally()
                    self._rows_savepoint = self.connection.begin_nested()
            except BaseException as error:  # handed to the parsing thread
                self._worker_error = error
            finally:
                del item, payload
                self._queue.task_done()

    def _write_rejected(self, rows: list[RejectedRow]) -> None:
        self.connection.execute(
            insert(rejected_rows),
            [
                {
                    "import_id": self.ids.import_, "line": r.line, "column_name": r.column,
                    "raw_value": r.value, "code": r.code, "message": r.message,
                    "record": r.record,
                }
                for r in rows
            ],
        )

    def _write_warnings(self, warnings: list[Warning]) -> None:
        self.connection.execute(
            insert(import_warnings),
            [
                {
                    "import_id": self.ids.import_, "line": w.line, "column_name": w.column,
                    "raw_value": w.value, "code": w.code, "message": w.message,
                }
                for w in warnings
            ],
        )

    def finish(self, rows_read: int, rows_loaded: int, rows_rejected: int) -> LoadSummary:
        try:
            self._drain()
            with self._timed("indexes and foreign keys"):
                self._bulk.close()  # rebuild set-aside indexes, re-validate foreign keys
                if not self.postgres:
                    broken = foreign_key_violations(self.connection, self.ids.import_)
                    if broken:
                        raise RuntimeError("the import broke foreign keys: " + "; ".join(broken))
            customers_added = (
                self._count("SELECT COUNT(*) FROM customers WHERE organization_id = :org")
                - self.customers_before
            )
            summary = LoadSummary(
                import_id=self.ids.import_,
                tickets_added=self.counts["tickets"],
                customers_added=customers_added,
                events_added=self.counts["events"],
                orders_added=self._count("SELECT COUNT(*) FROM orders WHERE import_id = :imp"),
            )
            self.connection.execute(
                update(imports)
                .where(imports.c.id == self.ids.import_)
                .values(
                    status="completed", rows_read=rows_read, rows_loaded=rows_loaded,
                    rows_rejected=rows_rejected,
                    rows_warned=self._count("SELECT COUNT(DISTINCT line) FROM import_warnings "
                                            "WHERE import_id = :imp"),
                    finished_at=datetime.now(UTC),
                    message=(
                        f"{summary.tickets_added} new tickets, {summary.customers_added} new "
                        f"customers, {summary.events_added} new events"
                    ),
                )
            )
            with self._timed("sales summary"):
                self._write_sales_summary()
            summary.seconds = {step: round(t, 2) for step, t in self.timings.items()}
            self._rows_savepoint.commit()
            if not self.postgres:
                for name in _TEMPORARY_TABLES:
                    self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")
            self.transaction.commit()
            return summary
        except BaseException:
            self._bulk.pop_all()
            self.transaction.rollback()
            raise
        finally:
            self._release()

    def abort(self, message: str) -> None:
        """Roll everything back, then record the failed attempt in a transaction of its own."""
        with suppress(BaseException):  # the failure being reported may be the worker's own
            self._drain()
        self._bulk.pop_all()
        if self.transaction.is_active:
            self.transaction.rollback()
        self._release()
        try:
            with self.engine.begin() as connection:
                org = find_organization(connection, self.request.organization)
                source_id = connection.execute(
                    select(ticketing_sources.c.id)
                    .where(ticketing_sources.c.organization_id == org.id)
                    .where(ticketing_sources.c.name == self.request.source)
                ).scalar()  # the failure must not leave a new source behind
                connection.execute(
                    insert(imports).values(
                        organization_id=org.id, source_id=source_id,
                        file_name=self.request.file_name, file_hash=self.request.file_hash,
                        mapping=self.request.mapping, created_by=self.request.user,
                        status="failed", message=message[:2000], finished_at=datetime.now(UTC),
                    )
                )
        except Exception:  # the database itself may be what failed
            log.exception("could not record the failed import")
        self.import_id = None

    def _load_chunk(self, rows: pd.DataFrame) -> None:
        """Normalize one chunk of validated rows into the schema.

        Distinct values are found in pandas; the database only sees one staged row per new
        customer, order or ticket reference, then set-based upserts; tickets go in last with
        their foreign keys resolved in memory."""
        if self.staged_rows == 0:
            self._enter_bulk_mode()
        self.staged_rows += len(rows)
        with self._timed("venues, events, catalogues"):
            self._load_venues(rows)
            self.counts["events"] += self._load_events(rows)
            self._load_catalogues(rows)
        with self._timed("geography"):
            self._load_geography(rows)
        with self._timed("customers"):
            customer_ids = self._load_customers(rows)
        with self._timed("orders"):
            order_ids = self._load_orders(rows, customer_ids)
        with self._timed("tickets"):
            self.counts["tickets"] += self._load_tickets(rows, customer_ids, order_ids)

    @contextmanager
    def _timed(self, step: str) -> Iterator[None]:
        """Where an import's database time goes, reported in the import's summary."""
        started = time.perf_counter()
        yield
        self.timings[step] = self.timings.get(step, 0.0) + time.perf_counter() - started

    def _dbapi(self) -> Any:
        """The driver's connection, for what must bypass SQLAlchemy's transaction handling."""
        return self.connection.connection.dbapi_connection

    def _release(self) -> None:
        """Close the connection, with SQLite's foreign keys back on for the pool's next user."""
        if self.connection.closed or self.connection.invalidated:
            return
        if not self.postgres:
            try:
                self._dbapi().execute("PRAGMA foreign_keys = ON")
            except Exception:  # a broken connection must not be reused at all
                self.connection.invalidate()
        self.connection.close()

    def _enter_bulk_mode(self) -> None:
        expected = max(self.request.expected_rows, 1)
        for table in ("customers", "orders"):  # their upserts need their unique keys
            self._bulk.enter_context(bulk_load_mode(self.connection, table, expected))
        # New tickets are plain inserts; only a source that had tickets looks them up by key.
        self._bulk.enter_context(bulk_load_mode(
            self.connection, "tickets", expected, unique_keys_too=not self.source_had_tickets
        ))

    def _params(self) -> dict[str, int]:
        return {"org": self.ids.org, "src": self.ids.source, "imp": self.ids.import_}

    def _count(self, sql: str) -> int:
        return int(self.connection.execute(text(sql), self._params()).scalar_one() or 0)

    def _run(self, sql: str) -> int:
        started = time.perf_counter()
        result = self.connection.execute(text(sql), self._params())
        log.debug("%.2f s: %s", time.perf_counter() - started, " ".join(sql.split())[:90])
        return max(result.rowcount or 0, 0)

    def _restage(self, name: str, frame: pd.DataFrame) -> None:
        """Replace the content of one temporary stage with this chunk's distinct rows."""
        self.connection.exec_driver_sql(
            f"TRUNCATE {name}" if self.postgres else f"DELETE FROM {name}"
        )
        if len(frame):
            self._bulk_insert(name, frame[list(STAGES[name])])

    def _name_ids(self, table: Table) -> dict[str, int]:
        return dict(
            self.connection.execute(
                select(table.c.name, table.c.id).where(table.c.organization_id == self.ids.org)
            ).all()
        )

    def _load_venues(self, rows: pd.DataFrame) -> None:
        names = [n for n in rows["venue"].dropna().unique() if n not in self._known_venues]
        if not names:
            return
        self._known_venues.update(names)
        insert_ignore(
            self.connection,
            venues,
            [{"organization_id": self.ids.org, "name": n, "import_id": self.ids.import_}
             for n in names],
            ["organization_id", "name"],
        )

    def _load_events(self, rows: pd.DataFrame) -> int:
        distinct = (
            rows[["event_name", "event_date", "venue"]]
            .drop_duplicates(["event_name", "event_date"])
        )
        if self._event_index is not None:
            known = self._event_index[0].get_indexer(
                pd.MultiIndex.from_arrays(
                    [pd.Index(distinct["event_name"].astype(object)),
                     pd.DatetimeIndex(distinct["event_date"]).as_unit("ns")]
                )
            )
            distinct = distinct[known < 0]
            if distinct.empty:
                return 0  # every event of this chunk is already in the schema
        venue_ids = self._name_ids(venues)
        labels: dict[str, None] = {}
        events_rows = []
        for name, starts_at, venue in distinct.itertuples(index=False, name=None):
            starts_at = pd.Timestamp(starts_at).to_pydatetime()
            kind = event_type(name)
            label = season_label(starts_at, kind)
            labels[label] = None
            events_rows.append(
                {
                    "organization_id": self.ids.org, "name": name, "starts_at": starts_at,
                    "event_type": kind, "venue_id": venue_ids.get(venue) if pd.notna(venue)
                    else None, "season": label, "import_id": self.ids.import_,
                }
            )
        insert_ignore(
            self.connection,
            seasons,
            [
                {
                    "organization_id": self.ids.org, "label": label,
                    "starts_on": season_bounds(label)[0].date(),
                    "ends_on": season_bounds(label)[1].date(), "import_id": self.ids.import_,
                }
                for label in labels
            ],
            ["organization_id", "label"],
        )
        season_ids = dict(
            self.connection.execute(
                select(seasons.c.label, seasons.c.id).where(
                    seasons.c.organization_id == self.ids.org
                )
            ).all()
        )
        for row in events_rows:
            row["season_id"] = season_ids[row.pop("season")]
        added = insert_ignore(
            self.connection, events, events_rows, ["organization_id", "name", "starts_at"]
        )
        self._event_index = self._current_event_index()
        return added

    def _current_event_index(self) -> tuple[pd.MultiIndex, np.ndarray]:
        known = self.connection.execute(
            select(events.c.name, events.c.starts_at, events.c.id).where(
                events.c.organization_id == self.ids.org
            )
        ).all()
        index = pd.MultiIndex.from_arrays(
            [
                pd.Index([r[0] for r in known], dtype=object),
                pd.DatetimeIndex([r[1] for r in known]).as_unit("ns"),
            ]
        )
        return index, np.array([r[2] for r in known], dtype=np.int64)

    def _event_ids(self, rows: pd.DataFrame) -> np.ndarray:
        index, ids = self._event_index
        keys = pd.MultiIndex.from_arrays(
            [
                pd.Index(rows["event_name"].astype(object)),
                pd.DatetimeIndex(rows["event_date"]).as_unit("ns"),
            ]
        )
        positions = index.get_indexer(keys)
        if (positions < 0).any():
            raise RuntimeError("validated rows could not be attached to their event")
        return ids[positions]

    def _load_catalogues(self, rows: pd.DataFrame) -> None:
        for column, table, kind_of in (
            ("category", seat_categories, None),
            ("tariff", tariffs, tariff_kind),
            ("channel", sales_channels, channel_kind),
        ):
            new_rows = []
            known = self._catalogue_ids.get(column, {})
            for name in rows[column].dropna().unique():
                if name in known:
                    continue
                row: dict[str, Any] = {
                    "organization_id": self.ids.org, "name": name, "import_id": self.ids.import_,
                }
                if kind_of is not None:
                    row["kind"] = kind_of(name)
                new_rows.append(row)
            if new_rows or column not in self._catalogue_ids:
                insert_ignore(self.connection, table, new_rows, ["organization_id", "name"])
                self._catalogue_ids[column] = self._name_ids(table)
        pairs = rows[["event_name", "event_date", "category"]].dropna().drop_duplicates()
        links = {
            (int(e), self._catalogue_ids["category"][c])
            for e, c in zip(self._event_ids(pairs), pairs["category"], strict=True)
        } - self._known_event_categories
        if links:
            self._known_event_categories.update(links)
            insert_ignore(
                self.connection,
                event_categories,
                [{"event_id": e, "category_id": c} for e, c in sorted(links)],
                ["event_id", "category_id"],
            )

    def _load_geography(self, rows: pd.DataFrame) -> None:
        places = (
            rows[["country", "postal_code", "city"]]
            .dropna(subset=["country"])
            .dropna(subset=["postal_code", "city"], how="all")
            .drop_duplicates()
        )
        insert_ignore(
            self.connection,
            countries,
            [{"iso2": c, "name": COUNTRY_NAMES.get(c, c)} for c in places["country"].unique()],
            ["iso2"],
        )
        country_ids = dict(self.connection.execute(select(countries.c.iso2, countries.c.id)).all())
        postal_rows: dict[tuple[int, str], None] = {}
        department_rows: dict[tuple[int, str], None] = {}
        city_rows: dict[tuple[int, str], dict[str, Any]] = {}
        city_keys: list[dict[str, Any]] = []
        for country, postal, city in places.itertuples(index=False, name=None):
            postal = None if pd.isna(postal) else postal
            city = None if pd.isna(city) else city
            country_id = country_ids[country]
            if postal:
                postal_rows[(country_id, postal)] = None
            department = department_code(postal, country)
            if department:
                department_rows[(country_id, department)] = None
            if city:
                key = fold_city(city)
                if not key:
                    continue
                city_rows.setdefault(
                    (country_id, key),
                    {"country_id": country_id, "name": city.strip().title(), "name_key": key,
                     "department": department},
                )
                city_keys.append(
                    {"country": country, "city": city, "postal_code": postal, "city_key": key}
                )
        insert_ignore(
            self.connection,
            postal_codes,
            [{"country_id": c, "code": p} for c, p in postal_rows],
            ["country_id", "code"],
        )
        insert_ignore(
            self.connection,
            regions,
            [{"country_id": c, "code": d, "name": d} for c, d in department_rows],
            ["country_id", "code"],
        )
        region_ids = {
            (c, code): i
            for c, code, i in self.connection.execute(
                select(regions.c.country_id, regions.c.code, regions.c.id)
            )
        }
        insert_ignore(
            self.connection,
            cities,
            [
                {
                    "country_id": row["country_id"], "name": row["name"],
                    "name_key": row["name_key"],
                    "region_id": region_ids.get((row["country_id"], row["department"])),
                }
                for row in city_rows.values()
            ],
            ["country_id", "name_key"],
        )
        # The spellings met in this chunk, so customers and links can join on them.
        self._restage("arena_city_keys", pd.DataFrame(
            city_keys, columns=list(STAGES["arena_city_keys"])
        ))
        self._run(
            """INSERT INTO city_postal_codes (city_id, postal_code_id)
               SELECT DISTINCT ci.id, pc.id FROM arena_city_keys k
               JOIN countries co ON co.iso2 = k.country
               JOIN cities ci ON ci.country_id = co.id AND ci.name_key = k.city_key
               JOIN postal_codes pc ON pc.country_id = co.id AND pc.code = k.postal_code
               WHERE true
               ON CONFLICT (city_id, postal_code_id) DO NOTHING"""
        )

    def _load_customers(self, rows: pd.DataFrame) -> pd.Series:
        """Upsert the chunk's customers; return the customer id of every row (index aligned).

        Each field of a customer takes the first value the file gives it (in line order); an
        existing customer's empty fields are filled, never overwritten. So the result does not
        depend on where chunks are cut. A customer this import already wrote is staged again
        only when the chunk can fill one of their empty fields, so a loyal buyer met in every
        chunk costs one upsert, not one per chunk."""
        identified = rows.loc[rows["customer_key"].notna(), list(STAGES["arena_stage_customers"])]
        latest = identified.groupby("customer_key", sort=False).first().reset_index()
        latest = latest[self._customers.needs_upsert(latest)]
        if len(latest):
            latest = latest.assign(birth_date=pd.to_datetime(latest["birth_date"]).dt.date)
            self._restage("arena_stage_customers", latest)
            fill = ", ".join(
                f"{column} = COALESCE(customers.{column}, excluded.{column})"
                for column in (
                    "email", "first_name", "last_name", "gender", "birth_date", "phone",
                    "address", "postal_code_id", "city_id", "country_id",
                )
            )
            gaps = " OR ".join(
                f"(customers.{column} IS NULL AND excluded.{column} IS NOT NULL)"
                for column in CUSTOMER_GAP_COLUMNS.values()
            )
            upsert = (
                f"""INSERT INTO customers (organization_id, customer_key, email, first_name,
                        last_name, gender, birth_date, phone, address, postal_code_id, city_id,
                        country_id, import_id)
                    SELECT :org, sc.customer_key, sc.email, sc.first_name, sc.last_name,
                           sc.gender, sc.birth_date, sc.phone, sc.address, pc.id, ci.id, co.id,
                           :imp
                    FROM arena_stage_customers sc
                    LEFT JOIN countries co ON co.iso2 = sc.country
                    LEFT JOIN postal_codes pc ON pc.country_id = co.id
                                              AND pc.code = sc.postal_code
                    LEFT JOIN (SELECT DISTINCT country, city, city_key FROM arena_city_keys) k
                           ON k.country = sc.country AND k.city = sc.city
                    LEFT JOIN cities ci ON ci.country_id = co.id AND ci.name_key = k.city_key
                    WHERE true
                    ON CONFLICT (organization_id, customer_key) DO UPDATE SET {fill}
                    WHERE {gaps}"""
            )
            if self.postgres:
                written = self._fetch(f"{upsert} RETURNING {KnownCustomers.returned_columns()}")
            else:
                # SQLite 3.40 evaluates RETURNING expressions wrongly on this INSERT … SELECT
                # (a derived table in the FROM): read the staged customers back instead.
                self._run(upsert)
                written = self._fetch(
                    f"""SELECT {KnownCustomers.returned_columns("t")}
                        FROM arena_stage_customers s JOIN customers t
                          ON t.organization_id = :org AND t.customer_key = s.customer_key"""
                )
            self._customers.remember(written)
            unseen = latest.loc[~_is_in(latest["customer_key"], written["customer_key"]),
                                "customer_key"]
            unseen = unseen[self._customers.positions(unseen) < 0]
            if len(unseen):
                # Customers of earlier imports the chunk had nothing to add to.
                self._customers.remember(self._fetch_by_keys(
                    f"SELECT {KnownCustomers.returned_columns('t')} FROM customers t",
                    "t.organization_id = :org", "t.customer_key", unseen,
                ))
        return self._customers.ids_of(rows["customer_key"])

    def _load_orders(self, rows: pd.DataFrame, customer_ids: pd.Series) -> pd.Series:
        """Insert the chunk's new orders; return the order id of every row (index aligned).

        An order belongs to the customer of its first line that names one, and is dated by its
        earliest purchase, wherever chunks are cut. An order an earlier import loaded is left as
        it is."""
        with_order = rows["order_ref"].notna()
        grouped = (
            pd.DataFrame({
                "order_ref": rows.loc[with_order, "order_ref"],
                "customer_id": customer_ids[with_order],
                "ordered_at": rows.loc[with_order, "purchased_at"],
            })
            .groupby("order_ref", sort=False)
            .agg(customer_id=("customer_id", "first"), ordered_at=("ordered_at", "min"))
            .reset_index()
        )
        self._restage("arena_stage_orders", grouped)
        created = self._fetch(
            """INSERT INTO orders (organization_id, source_id, order_ref, customer_id,
                    ordered_at, import_id)
                SELECT :org, :src, o.order_ref, o.customer_id, o.ordered_at, :imp
                FROM arena_stage_orders o
                WHERE true
                ON CONFLICT (organization_id, source_id, order_ref) DO UPDATE SET
                    customer_id = COALESCE(orders.customer_id, excluded.customer_id),
                    ordered_at = CASE WHEN orders.ordered_at IS NULL
                                        OR excluded.ordered_at < orders.ordered_at
                                      THEN excluded.ordered_at ELSE orders.ordered_at END
                WHERE orders.import_id = :imp
                RETURNING order_ref, id"""
        )
        if len(created) < len(grouped):
            # Orders begun in an earlier chunk or an earlier import.
            older = grouped.loc[~_is_in(grouped["order_ref"], created["order_ref"]), ["order_ref"]]
            found = self._fetch_by_keys(
                "SELECT t.order_ref, t.id FROM orders t",
                "t.organization_id = :org AND t.source_id = :src", "t.order_ref",
                older["order_ref"],
            )
            created = pd.concat([created, found], ignore_index=True)
        ids = lookup_ids(rows["order_ref"], _arrow_strings(created["order_ref"]),
                         created["id"].to_numpy(np.int64))
        return pd.Series(ids, index=rows.index)

    def _catalogue_lookup(self, column: str, rows: pd.DataFrame) -> pd.arrays.IntegerArray:
        names = self._catalogue_ids[column]
        return lookup_ids(rows[column], pa.array(list(names), type=pa.string()),
                          np.fromiter(names.values(), dtype=np.int64, count=len(names)))

    def _fetch_by_keys(self, select_from: str, where: str, key: str, keys: pd.Series
                       ) -> pd.DataFrame:
        """Rows whose `key` is one of `keys`: an array parameter on PostgreSQL (the planner
        knows nothing of a freshly filled temporary table and may scan the whole table), a
        join on a temporary table on SQLite."""
        if self.postgres:
            return self._fetch(f"{select_from} WHERE {where} AND {key} = ANY(:keys)",
                               {"keys": keys.astype(object).tolist()})
        self._restage("arena_stage_keys", keys.to_frame("key"))
        return self._fetch(f"{select_from} JOIN arena_stage_keys s ON {key} = s.key "
                           f"WHERE {where}")

    def _fetch(self, sql: str, extra: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one statement on the driver's cursor; its rows as a frame (the rows of a large
        RETURNING are plain tuples, not SQLAlchemy rows)."""
        params: dict[str, Any] = {**self._params(), **(extra or {})}
        if self.postgres:  # psycopg2 takes %(name)s where sqlite3 takes :name
            sql = re.sub(r"(?<!:):(\w+)\b", r"%(\1)s", sql)
        cursor = self.connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        started = time.perf_counter()
        try:
            cursor.execute(sql, params)
            columns = [column[0] for column in cursor.description]
            rows = pd.DataFrame(cursor.fetchall(), columns=columns)
            log.debug("%.2f s: %s", time.perf_counter() - started, " ".join(sql.split())[:90])
            return rows
        finally:
            cursor.close()

    def _load_tickets(
        self, rows: pd.DataFrame, customer_ids: pd.Series, order_ids: pd.Series
    ) -> int:
        """Bulk-insert the chunk's new tickets with every foreign key resolved in memory (COPY
        on PostgreSQL, one executemany on SQLite); tickets already loaded are left as they are."""
        new = rows
        if self.source_had_tickets:
            self._restage("arena_stage_refs", rows[["ticket_ref"]])
            existing = set(
                self.connection.execute(
                    text(
                        """SELECT s.ticket_ref FROM arena_stage_refs s JOIN tickets t
                           ON t.organization_id = :org AND t.source_id = :src
                           AND t.ticket_ref = s.ticket_ref"""
                    ),
                    self._params(),
                ).scalars()
            )
            if existing:
                new = rows[~_is_in(rows["ticket_ref"], pd.Series(sorted(existing)))]
            if len(new) + len(existing) != len(rows):
                # A validated row is either a new ticket or one already present: never lost.
                raise RuntimeError("validated rows could not be matched to tickets one to one")
        if new.empty:
            return 0
        purchased_at = pd.to_datetime(new["purchased_at"])
        frame = pd.DataFrame(
            {
                "organization_id": self.ids.org,
                "source_id": self.ids.source,
                "ticket_ref": new["ticket_ref"],
                "event_id": self._event_ids(new),
                "category_id": self._catalogue_lookup("category", new),
                "tariff_id": self._catalogue_lookup("tariff", new),
                "channel_id": self._catalogue_lookup("channel", new),
                "order_id": order_ids[new.index],
                "customer_id": customer_ids[new.index],
                "price": _price_text(new["price_cents"]) if self.postgres
                else new["price_cents"].astype("int64") / 100,
                "currency": new["currency"],
                "purchased_at": purchased_at,
                "seat": new["seat"],
                "import_id": self.ids.import_,
            },
            index=new.index,
        )
        self._bulk_insert("tickets", frame)
        self._sales.add(frame, new["price_cents"])
        return len(frame)

    def _write_sales_summary(self) -> None:
        """The Overview's summaries of the events this import sold tickets for: events it
        created get the tally of their tickets, events that existed are rebuilt from theirs."""
        created = set(
            self.connection.execute(
                select(events.c.id)
                .where(events.c.organization_id == self.ids.org)
                .where(events.c.import_id == self.ids.import_)
            ).scalars()
        )
        touched = self._sales.events()
        if touched - created:
            refresh_sales_summary(self.connection, self.ids.org, sorted(touched - created))
        by_offer, by_day = self._sales.rows(self.ids.org, touched & created)
        for table, rows in (("sales_by_event_offer", by_offer), ("sales_by_event_day", by_day)):
            if rows.empty:
                continue
            cents = rows.pop("revenue_cents")
            rows["revenue"] = _price_text(cents) if self.postgres else cents / 100
            self._bulk_insert(table, rows)

    def _bulk_insert(self, table: str, frame: pd.DataFrame) -> None:
        """COPY (PostgreSQL) or one prepared executemany (SQLite) of a whole frame."""
        cursor = self.connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        arrow_table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.postgres:
            sink = pa.BufferOutputStream()
            # Every value is quoted, so an unquoted empty field can only be a NULL.
            pacsv.write_csv(
                arrow_table, sink,
                pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
            )
            cursor.copy_expert(
                f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)",
                io.BytesIO(sink.getvalue().to_pybytes()),
            )
        else:
            statement = (
                f"INSERT INTO {table} ({', '.join(frame.columns)}) "
                f"VALUES ({', '.join('?' for _ in frame.columns)})"
            )
            # Python objects for a few thousand rows at a time: a whole chunk's worth would
            # cost tens of megabytes at the import's peak.
            for start in range(0, arrow_table.num_rows, _SQLITE_BATCH_ROWS):
                part = arrow_table.slice(start, _SQLITE_BATCH_ROWS)
                columns = [_sqlite_column(part.column(i)) for i in range(part.num_columns)]
                cursor.executemany(statement, zip(*columns, strict=True))


def _price_text(cents: pd.Series) -> pd.Series:
    """Exact decimals from integer cents, no float on the way (4800 → 48.00): the cents
    reinterpreted as a decimal with two digits after the point."""
    values = pa.array(cents.astype("int64").to_numpy(), type=pa.int64())
    decimals = values.cast(pa.decimal128(19, 0)).view(pa.decimal128(19, 2))
    return pd.Series(pd.arrays.ArrowExtensionArray(decimals), index=cents.index)


def _sqlite_column(column: pa.ChunkedArray) -> list[Any]:
    """Python values for sqlite3, dates in the text form SQLAlchemy stores and reads back."""
    if pa.types.is_timestamp(column.type):
        column = pc.strftime(column.cast(pa.timestamp("us")), format="%Y-%m-%d %H:%M:%S")
    elif pa.types.is_date(column.type):
        column = pc.strftime(column, format="%Y-%m-%d")
    return column.to_pylist()


def undo_import(engine: Engine, organization: str, import_id: int) -> dict[str, int]:
    """Remove exactly what one import added. Rows it created that a later import now relies on
    (an event, a customer) stay; their count is reported as kept."""
    removed: dict[str, int] = {}
    with engine.begin() as connection:
        org = find_organization(connection, organization)
        row = connection.execute(
            select(imports.c.status)
            .where(imports.c.id == import_id)
            .where(imports.c.organization_id == org.id)
        ).first()
        if row is None:
            raise ArenaUserError(f"Import {import_id} does not exist for '{organization}'.")
        if row.status != "completed":
            raise ArenaUserError(f"Import {import_id} is {row.status}; only a completed import can be undone.")
        params = {"imp": import_id, "org": org.id}

        def run(name: str, sql: str) -> None:
            removed[name] = removed.get(name, 0) + max(
                connection.execute(text(sql), params).rowcount or 0, 0
            )

        touched_events = list(
            connection.execute(
                select(tickets.c.event_id).where(tickets.c.import_id == import_id).distinct()
            ).scalars()
        )
        run("tickets", "DELETE FROM tickets WHERE import_id = :imp AND organization_id = :org")
        run("season_tickets", "DELETE FROM season_tickets WHERE import_id = :imp AND organization_id = :org")
        run(
            "orders",
            """DELETE FROM orders WHERE import_id = :imp AND organization_id = :org
               AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = orders.id)""",
        )
        run(
            "customers",
            """DELETE FROM customers WHERE import_id = :imp AND organization_id = :org
               AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.customer_id = customers.id)
               AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = customers.id)
               AND NOT EXISTS (SELECT 1 FROM season_tickets s WHERE s.customer_id = customers.id)""",
        )
        run(
            "event_categories",
            """DELETE FROM event_categories WHERE event_id IN (
                 SELECT e.id FROM events e WHERE e.import_id = :imp AND e.organization_id = :org)
               AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.event_id = event_categories.event_id)""",
        )
        run(
            "events",
            """DELETE FROM events WHERE import_id = :imp AND organization_id = :org
               AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.event_id = events.id)
               AND NOT EXISTS (SELECT 1 FROM event_categories ec WHERE ec.event_id = events.id)""",
        )
        for table, column in (
            ("seat_categories", "category_id"),
            ("tariffs", "tariff_id"),
            ("sales_channels", "channel_id"),
        ):
            extra = (
                " AND NOT EXISTS (SELECT 1 FROM event_categories ec WHERE ec.category_id = seat_categories.id)"
                " AND NOT EXISTS (SELECT 1 FROM season_tickets st WHERE st.category_id = seat_categories.id)"
                if table == "seat_categories" else ""
            )
            run(
                table,
                f"""DELETE FROM {table} WHERE import_id = :imp AND organization_id = :org
                    AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.{column} = {table}.id){extra}""",
            )
        run(
            "seasons",
            """DELETE FROM seasons WHERE import_id = :imp AND organization_id = :org
               AND NOT EXISTS (SELECT 1 FROM events e WHERE e.season_id = seasons.id)
               AND NOT EXISTS (SELECT 1 FROM season_tickets st WHERE st.season_id = seasons.id)""",
        )
        run(
            "venues",
            """DELETE FROM venues WHERE import_id = :imp AND organization_id = :org
               AND NOT EXISTS (SELECT 1 FROM events e WHERE e.venue_id = venues.id)""",
        )
        refresh_sales_summary(connection, org.id, touched_events)
        connection.execute(
            update(imports).where(imports.c.id == import_id).values(status="undone")
        )
    return removed
