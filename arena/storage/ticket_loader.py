"""Set-based loading of validated ticket rows into the normalized schema.

Chunk by chunk, inside one transaction (a crash or a kill leaves the database exactly as it was):
the distinct venues, events, catalogues and places of the chunk are upserted (small sets); the
customers and orders new to the organization get ids drawn in advance from the tables'
sequences and go in with one COPY (PostgreSQL) or prepared executemany (SQLite), with no
ON CONFLICT and no read-back; customers and orders met again are found in what the import
remembers (`known_rows`) or, for earlier imports, looked up once by key; then the tickets go in
with every foreign key resolved in memory, in one COPY or executemany. Never one ORM round trip
per row (the seed's find-or-create loop took an hour per million rows). On PostgreSQL imports of
one organization take an advisory lock and run one after the other.
"""

from __future__ import annotations

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
from sqlalchemy import Connection, Engine, Table, event, insert, select, text, update

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
from arena.storage.bulk import bulk_load_mode, foreign_key_violations, rows_violations
from arena.storage.copy_pipe import CopyPipe
from arena.storage.known_rows import (
    CUSTOMER_COLUMNS,
    CUSTOMER_FIELDS,
    CUSTOMER_FILLABLE,
    CUSTOMER_GAP_COLUMNS,
    GAP_SOURCE_COLUMNS,
    ORDER_COLUMNS,
    ImportOrders,
    KnownCustomers,
    arrow_strings,
    is_in,
    lookup_ids,
)
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
_TEMPORARY_TABLES = tuple(STAGES)
# First key of the PostgreSQL advisory lock an import holds on its organization.
IMPORT_LOCK_NAMESPACE = 0x4152_4E41  # "ARNA"
_SQLITE_BATCH_ROWS = 5_000
# Summary rows from which setting their table's keys aside pays (measured on a million-ticket
# import: 0.98 s for 57,300 summary rows checked row by row; 0.14 s for the whole summary step
# with the keys set aside and re-added).
SUMMARY_BULK_ROWS = 5_000

COUNTRY_NAMES = {
    "FR": "France", "BE": "Belgique", "CH": "Suisse", "LU": "Luxembourg", "DE": "Allemagne",
    "ES": "Espagne", "IT": "Italie", "GB": "Royaume-Uni", "NL": "Pays-Bas", "PT": "Portugal",
    "US": "États-Unis", "CA": "Canada", "MC": "Monaco", "IE": "Irlande", "AT": "Autriche",
    "MA": "Maroc", "DZ": "Algérie", "TN": "Tunisie", "SN": "Sénégal", "PL": "Pologne",
}


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

    # Ids of the reference places met so far (see `_forget_places`).
    _country_ids: dict[str, int]
    _postal_ids: dict[tuple[int, str], int]
    _region_ids: dict[tuple[int, str], int]
    _city_ids: dict[tuple[int, str], int]
    _city_keys: dict[str, str]
    _linked_places: set[tuple[str, str, str]]

    def __init__(self, engine: Engine, request: ImportRequest) -> None:
        self.engine = engine
        self.request = request
        self.connection = engine.connect()
        self.postgres = engine.dialect.name == "postgresql"
        if not self.postgres:
            # Checked set-based instead: each chunk's tickets as they are written, the rest before
            # commit (`rows_violations`, `foreign_key_violations`); the pragma only takes effect
            # outside a transaction.
            self._dbapi().execute("PRAGMA foreign_keys = OFF")
            # Index rebuilds at the end sort with a helper thread (the parser is done by then).
            self._dbapi().execute("PRAGMA threads = 2")
        # PostgreSQL ingests each COPY while the writer prepares the next one; any other
        # statement on the connection first waits for the COPYs before it (`CopyPipe`).
        self._copies: CopyPipe | None = None
        self._id_connection: Connection | None = None
        if self.postgres:
            self._copies = CopyPipe(self._dbapi())
            event.listen(self.connection, "before_cursor_execute", self._wait_for_copies)
        self.transaction = self.connection.begin()
        self.staged_rows = 0
        self.counts = {"tickets": 0, "events": 0}
        self.timings: dict[str, float] = {}
        self.bulk_tables: list[str] = []
        # What this import already wrote, so later chunks skip redundant upserts.
        self._known_venues: set[str] = set()
        self._event_index: tuple[pd.MultiIndex, np.ndarray] | None = None
        self._catalogue_ids: dict[str, dict[str, int]] = {}
        self._known_event_categories: set[tuple[int, int]] = set()
        self._customers = KnownCustomers()
        self._orders = ImportOrders()
        self._sales = SalesTally()
        self._sequences: dict[str, str] = {}
        self._forget_places()
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=1)
        self._worker: threading.Thread | None = None
        self._worker_error: BaseException | None = None
        self._bulk = ExitStack()
        try:
            org = find_organization(self.connection, request.organization)
            if self.postgres:
                # One import at a time per organization: new customers and orders go in with
                # ids drawn in advance and no ON CONFLICT, so two imports of one organization
                # must not race on the same customer key (SQLite has one writer anyway).
                self.connection.execute(
                    text("SELECT pg_advisory_xact_lock(:namespace, :org)"),
                    {"namespace": IMPORT_LOCK_NAMESPACE, "org": org.id},
                )
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
            # Likewise, only a source that already has orders can meet an order of an earlier
            # import; otherwise this import's own orders are all there is.
            self.source_had_orders = bool(self._count(
                "SELECT COUNT(*) FROM (SELECT 1 FROM orders WHERE organization_id = :org "
                "AND source_id = :src LIMIT 1) AS any_order"
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
                    self.bulk_tables.clear()
                    self.staged_rows = 0
                    self.counts = dict.fromkeys(self.counts, 0)
                    self._known_venues.clear()
                    self._event_index = None
                    self._catalogue_ids = {}
                    self._known_event_categories.clear()
                    self._customers = KnownCustomers()
                    self._orders = ImportOrders()
                    self._sales = SalesTally()
                    self._forget_places()
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
                bulk_tables=self.bulk_tables,
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
                self._wait_for_copies()  # before the commit, which is no statement of its own
            if not self.postgres:  # after the summaries; tickets were checked chunk by chunk
                with self._timed("indexes and foreign keys"):
                    self._raise_on_broken_keys(foreign_key_violations(
                        self.connection, self.ids.import_, checked=frozenset({"tickets"})
                    ))
            summary.seconds = {step: round(t, 2) for step, t in self.timings.items()}
            self._rows_savepoint.commit()
            if not self.postgres:
                for name in _TEMPORARY_TABLES:
                    self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")
            self.transaction.commit()
            return summary
        except BaseException:
            self._stop_copies(run_pending=False)
            self._bulk.pop_all()
            self.transaction.rollback()
            raise
        finally:
            self._release()

    @staticmethod
    def _raise_on_broken_keys(broken: list[str]) -> None:
        if broken:
            raise RuntimeError("the import broke foreign keys: " + "; ".join(broken))

    def abort(self, message: str) -> None:
        """Roll everything back, then record the failed attempt in a transaction of its own."""
        with suppress(BaseException):  # the failure being reported may be the worker's own
            self._drain()
        self._stop_copies(run_pending=False)
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
            event_ids = pd.Series(self._event_ids(rows), index=rows.index)
            self._load_catalogues(rows, event_ids)
        with self._timed("geography"):
            self._load_geography(rows)
        with self._timed("customers"):
            customer_ids = self._load_customers(rows)
        with self._timed("orders"):
            order_ids = self._load_orders(rows, customer_ids)
        with self._timed("tickets"):
            self.counts["tickets"] += self._load_tickets(rows, event_ids, customer_ids,
                                                         order_ids)

    @contextmanager
    def _timed(self, step: str) -> Iterator[None]:
        """Where an import's database time goes, reported in the import's summary."""
        started = time.perf_counter()
        yield
        self.timings[step] = self.timings.get(step, 0.0) + time.perf_counter() - started

    def _wait_for_copies(self, *_statement: Any, **_options: Any) -> None:
        """Before any other statement: let the COPYs handed over so far finish (and raise the
        first failure), so statements reach the server in the order the writer issued them."""
        if self._copies is not None:
            self._copies.wait()

    def _stop_copies(self, run_pending: bool) -> None:
        if self._copies is not None:
            self._copies.close(run_pending=run_pending)

    def _dbapi(self) -> Any:
        """The driver's connection, for what must bypass SQLAlchemy's transaction handling."""
        return self.connection.connection.dbapi_connection

    def _release(self) -> None:
        """Close the connections, with SQLite's foreign keys back on for the pool's next user."""
        self._stop_copies(run_pending=False)
        if self._id_connection is not None:
            self._id_connection.close()
            self._id_connection = None
        if self.connection.closed or self.connection.invalidated:
            return
        if not self.postgres:
            try:
                self._dbapi().execute("PRAGMA foreign_keys = ON")
                self._dbapi().execute("PRAGMA threads = 0")
            except Exception:  # a broken connection must not be reused at all
                self.connection.invalidate()
        self.connection.close()

    def _enter_bulk_mode(self) -> None:
        expected = max(self.request.expected_rows, 1)
        for table in ("customers", "orders", "tickets"):
            # New tickets are plain inserts; only a source that had tickets looks them up by
            # key. Customers and orders keep their unique keys: their lookups need them.
            unique_keys_too = table == "tickets" and not self.source_had_tickets
            if self._bulk.enter_context(bulk_load_mode(
                self.connection, table, expected, organization_id=self.ids.org,
                unique_keys_too=unique_keys_too,
            )):
                self.bulk_tables.append(table)

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
        """The event id of every row: each distinct (name, date) of the chunk looked up once."""
        assert self._event_index is not None, "events are loaded before their ids are looked up"
        index, ids = self._event_index
        name_codes, names = pd.factorize(rows["event_name"])
        date_codes, dates = pd.factorize(pd.DatetimeIndex(rows["event_date"]).as_unit("ns"))
        if (name_codes < 0).any() or (date_codes < 0).any():
            raise RuntimeError("validated rows could not be attached to their event")
        codes, pairs = pd.factorize(name_codes.astype(np.int64) * len(dates) + date_codes)
        positions = index.get_indexer(
            pd.MultiIndex.from_arrays(
                [pd.Index(np.asarray(names, dtype=object)[pairs // len(dates)]),
                 pd.DatetimeIndex(dates[pairs % len(dates)]).as_unit("ns")]
            )
        )
        if (positions < 0).any():
            raise RuntimeError("validated rows could not be attached to their event")
        return ids[positions][codes]

    def _load_catalogues(self, rows: pd.DataFrame, event_ids: pd.Series) -> None:
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
        pairs = pd.DataFrame({
            "event_id": event_ids, "category_id": self._catalogue_lookup("category", rows),
        }).dropna().drop_duplicates()
        links = {
            (int(e), int(c))
            for e, c in zip(pairs["event_id"], pairs["category_id"], strict=True)
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
        """Insert the chunk's countries, postal codes, departments and cities (shared reference
        data), and remember their ids, so customers are written with their places resolved."""
        new_countries = [c for c in rows["country"].dropna().unique() if c not in self._country_ids]
        if new_countries:  # most chunks meet no new country: no statement at all
            insert_ignore(
                self.connection,
                countries,
                [{"iso2": c, "name": COUNTRY_NAMES.get(c, c)} for c in new_countries],
                ["iso2"],
            )
            known_countries = self.connection.execute(select(countries.c.iso2, countries.c.id))
            self._country_ids.update((iso2, id_) for iso2, id_ in known_countries)
        places = (
            rows[["country", "postal_code", "city"]]
            .dropna(subset=["country"])
            .dropna(subset=["postal_code", "city"], how="all")
            .drop_duplicates()
        )
        postal_rows: dict[tuple[int, str], None] = {}
        department_rows: dict[tuple[int, str], None] = {}
        city_rows: dict[tuple[int, str], dict[str, Any]] = {}
        city_keys: list[dict[str, Any]] = []
        for country, postal, city in places.itertuples(index=False, name=None):
            postal = None if pd.isna(postal) else postal
            city = None if pd.isna(city) else city
            country_id = self._country_ids[country]
            if postal:
                postal_rows[(country_id, postal)] = None
            department = department_code(postal, country)
            if department:
                department_rows[(country_id, department)] = None
            if city:
                key = self._city_key(city)
                if not key:
                    continue
                city_rows.setdefault(
                    (country_id, key),
                    {"country_id": country_id, "name": city.strip().title(), "name_key": key,
                     "department": department},
                )
                if postal and (country, key, postal) not in self._linked_places:
                    self._linked_places.add((country, key, postal))
                    city_keys.append(
                        {"country": country, "city": city, "postal_code": postal,
                         "city_key": key}
                    )
        new_postal = [key for key in postal_rows if key not in self._postal_ids]
        insert_ignore(
            self.connection,
            postal_codes,
            [{"country_id": c, "code": p} for c, p in new_postal],
            ["country_id", "code"],
        )
        self._remember_ids(self._postal_ids, postal_codes, postal_codes.c.code, new_postal)
        new_departments = [key for key in department_rows if key not in self._region_ids]
        insert_ignore(
            self.connection,
            regions,
            [{"country_id": c, "code": d, "name": d} for c, d in new_departments],
            ["country_id", "code"],
        )
        self._remember_ids(self._region_ids, regions, regions.c.code, new_departments)
        new_cities = [key for key in city_rows if key not in self._city_ids]
        insert_ignore(
            self.connection,
            cities,
            [
                {
                    "country_id": row["country_id"], "name": row["name"],
                    "name_key": row["name_key"],
                    "region_id": self._region_ids.get((row["country_id"], row["department"])),
                }
                for row in (city_rows[key] for key in new_cities)
            ],
            ["country_id", "name_key"],
        )
        self._remember_ids(self._city_ids, cities, cities.c.name_key, new_cities)
        if not city_keys:
            return
        # The spellings met in this chunk, so the city ↔ postal code links can join on them.
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

    def _forget_places(self) -> None:
        """Ids of the reference places met so far (kept per import: a rollback to the rows'
        savepoint forgets what the import inserted)."""
        self._country_ids = {}
        self._postal_ids = {}
        self._region_ids = {}
        self._city_ids = {}
        self._city_keys = {}
        # (country, city key, postal code) already linked in `city_postal_codes`.
        self._linked_places = set()

    def _city_key(self, city: str) -> str:
        key = self._city_keys.get(city)
        if key is None:
            key = self._city_keys[city] = fold_city(city)
        return key

    def _remember_ids(self, known: dict[tuple[int, str], int], table: Table, code: Any,
                      keys: list[tuple[int, str]]) -> None:
        """Read back the ids of (country id, code) keys just inserted or found."""
        for start in range(0, len(keys), 5_000):
            codes = sorted({c for _, c in keys[start:start + 5_000]})
            for country_id, value, id_ in self.connection.execute(
                select(table.c.country_id, code, table.c.id).where(code.in_(codes))
            ):
                known[(country_id, value)] = id_

    def _place_ids(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The country, postal code and city ids of each row's place (NA where unknown),
        resolved in memory from what `_load_geography` remembered, one lookup per distinct
        place."""
        places = frame[["country", "postal_code", "city"]].drop_duplicates()
        resolved = []
        for country, postal, city in places.itertuples(index=False, name=None):
            country_id = self._country_ids.get(country) if isinstance(country, str) else None
            postal_id = city_id = None
            if country_id is not None and (isinstance(postal, str) or isinstance(city, str)):
                if isinstance(postal, str):
                    postal_id = self._postal_ids.get((country_id, postal))
                if isinstance(city, str):
                    city_id = self._city_ids.get((country_id, self._city_key(city)))
            resolved.append((country_id, postal_id, city_id))
        ids = pd.DataFrame(resolved, columns=["country_id", "postal_code_id", "city_id"],
                           index=places.index, dtype="Int64")
        keys = pd.MultiIndex.from_frame(places.astype(object))
        at = keys.get_indexer(pd.MultiIndex.from_frame(frame[places.columns].astype(object)))
        return ids.iloc[at].set_axis(frame.index)

    def _allocate_ids(self, table: str, count: int) -> np.ndarray:
        """Ids for rows this import is about to bulk-insert: drawn from the table's sequence on
        PostgreSQL (safe beside any other writer); on SQLite, after the table's largest id
        (the import holds SQLite's only write lock until it commits)."""
        if self.postgres:
            if table not in self._sequences:
                self._sequences[table] = self.connection.execute(
                    text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}
                ).scalar_one()
            # Drawn on a connection of their own (sequences ignore transactions), so drawing
            # does not wait for the COPYs still running on the import's connection. It only
            # touches the sequence, never a table the import holds locked.
            if self._id_connection is None:
                self._id_connection = self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                )
            drawn = self._id_connection.execute(
                text("SELECT array_agg(nextval(CAST(:seq AS regclass))) "
                     "FROM generate_series(1, :n)"),
                {"seq": self._sequences[table], "n": count},
            ).scalar_one()
            return np.array(drawn, dtype=np.int64)
        start = self.connection.exec_driver_sql(
            f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"
        ).scalar_one()
        return np.arange(start, start + count, dtype=np.int64)

    def _load_customers(self, rows: pd.DataFrame) -> pd.Series:
        """Write the chunk's customers; return the customer id of every row (index aligned).

        Each field of a customer takes the first value the file gives it (in line order); an
        existing customer's empty fields are filled, never overwritten, so the result does not
        depend on where chunks are cut. Customers new to the organization are bulk-inserted
        with ids drawn in advance (no upsert, no read-back); a known customer costs a statement
        only when the chunk fills one of their empty fields."""
        codes, distinct = pd.factorize(rows["customer_key"])
        if not len(distinct):
            return pd.Series(pd.array([pd.NA] * len(rows), dtype="Int64"), index=rows.index)
        identified = codes >= 0
        keys = pd.Series(np.asarray(distinct, dtype=object))
        at = self._customers.positions(keys)
        if (at < 0).any() and self.customers_before:
            # Customers of earlier imports, met for the first time in this one.
            self._customers.remember(self._fetch_by_keys(
                KnownCustomers.returned_columns("t"), "customers",
                "t.organization_id = :org", "t.customer_key", keys[at < 0],
            ))
            at = self._customers.positions(keys)
        # Only new customers, and known ones with an empty field this chunk has values for,
        # need their fields gathered: a loyal buyer with a full record costs a lookup.
        offered = np.array([rows[GAP_SOURCE_COLUMNS[c]].notna().any()
                            for c in CUSTOMER_GAP_COLUMNS])
        wanted = (at < 0) | self._customers.may_fill(at, offered)
        if wanted.any():
            self._write_customers(rows, codes, keys, at, wanted)
        return pd.Series(self._customers.ids_at(np.where(identified, at[codes], -1)),
                         index=rows.index)

    def _write_customers(self, rows: pd.DataFrame, codes: np.ndarray, keys: pd.Series,
                         at: np.ndarray, wanted: np.ndarray) -> None:
        """Insert the wanted customers that are new, fill the known ones' empty fields; `at`
        (positions per distinct key) is completed in place."""
        chosen = (codes >= 0) & wanted[np.maximum(codes, 0)]
        # One row per customer, its first value for each field in line order.
        firsts = rows.loc[chosen, CUSTOMER_FIELDS[1:]].groupby(codes[chosen], sort=True).first()
        chosen_codes = firsts.index.to_numpy()
        firsts = firsts.reset_index(drop=True)
        firsts.insert(0, "customer_key", keys.to_numpy()[chosen_codes])
        firsts = pd.concat([firsts, self._place_ids(firsts)], axis=1)
        firsts["birth_date"] = pd.to_datetime(firsts["birth_date"]).dt.date
        positions = at[chosen_codes]
        unknown = positions < 0
        known = firsts[~unknown]
        fills = self._customers.needs_fill(known, positions[~unknown])
        if unknown.any():
            new = firsts[unknown].assign(id=self._allocate_ids("customers", int(unknown.sum())),
                                         organization_id=self.ids.org, import_id=self.ids.import_)
            self._bulk_insert("customers", new[CUSTOMER_COLUMNS])
            positions[unknown] = self._customers.add(new)
        if fills.any():
            filling = known[fills]
            self._restage("arena_stage_customers", filling)
            fill = ", ".join(
                f"{column} = COALESCE(customers.{column}, s.{column})"
                for column in CUSTOMER_FILLABLE
            )
            self._run(
                f"""UPDATE customers SET {fill} FROM arena_stage_customers s
                    WHERE customers.organization_id = :org
                      AND customers.customer_key = s.customer_key"""
            )
            self._customers.filled(filling, positions[~unknown][fills])
        at[chosen_codes] = positions

    def _load_orders(self, rows: pd.DataFrame, customer_ids: pd.Series) -> pd.Series:
        """Write the chunk's new orders; return the order id of every row (index aligned).

        An order belongs to the customer of its first line that names one, and is dated by its
        earliest purchase, wherever chunks are cut. An order an earlier import loaded is left as
        it is. New orders are bulk-inserted with ids drawn in advance."""
        with_order = rows["order_ref"].notna()
        if not with_order.any():
            return pd.Series(pd.array([pd.NA] * len(rows), dtype="Int64"), index=rows.index)
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
        refs = arrow_strings(grouped["order_ref"])
        at = self._orders.positions(refs)
        ids = np.full(len(grouped), -1, dtype=np.int64)
        mine = at >= 0
        ids[mine] = self._orders.ids[at[mine]]
        unseen = ~mine
        if unseen.any() and self.source_had_orders:
            # Orders an earlier import loaded are left as they are.
            older = self._fetch_by_keys(
                "t.order_ref, t.id", "orders",
                "t.organization_id = :org AND t.source_id = :src", "t.order_ref",
                grouped.loc[unseen, "order_ref"],
            )
            if len(older):
                ids[unseen] = lookup_ids(
                    grouped.loc[unseen, "order_ref"], arrow_strings(older["order_ref"]),
                    older["id"].to_numpy(np.int64),
                ).to_numpy(dtype=np.int64, na_value=-1)
                unseen &= ids < 0
        if unseen.any():
            new = grouped[unseen].assign(
                id=self._allocate_ids("orders", int(unseen.sum())),
                organization_id=self.ids.org, source_id=self.ids.source,
                import_id=self.ids.import_,
            )
            self._bulk_insert("orders", new[ORDER_COLUMNS])
            new_ids = new["id"].to_numpy(np.int64)
            self._orders.add(refs.filter(pa.array(unseen)), new_ids, new["customer_id"],
                             new["ordered_at"])
            ids[unseen] = new_ids
        if mine.any():
            self._complete_orders(grouped[mine], at[mine])
        return pd.Series(lookup_ids(rows["order_ref"], refs, ids), index=rows.index)

    def _complete_orders(self, seen: pd.DataFrame, at: np.ndarray) -> None:
        """Orders this import began in an earlier chunk: give them a customer they lacked, or
        an earlier purchase date (only an order whose lines straddle a chunk boundary). What
        each order holds is remembered, so only an order that changes costs a statement."""
        changes = self._orders.complete(at, seen["customer_id"], seen["ordered_at"])
        if not changes.any():
            return
        self._restage("arena_stage_orders", seen.loc[changes, ["order_ref", "customer_id",
                                                               "ordered_at"]])
        self._run(
            """UPDATE orders SET
                   customer_id = COALESCE(orders.customer_id, s.customer_id),
                   ordered_at = CASE WHEN orders.ordered_at IS NULL
                                       OR s.ordered_at < orders.ordered_at
                                     THEN s.ordered_at ELSE orders.ordered_at END
               FROM arena_stage_orders s
               WHERE orders.organization_id = :org AND orders.source_id = :src
                 AND orders.order_ref = s.order_ref AND orders.import_id = :imp"""
        )

    def _catalogue_lookup(self, column: str, rows: pd.DataFrame) -> pd.arrays.IntegerArray:
        names = self._catalogue_ids[column]
        return lookup_ids(rows[column], pa.array(list(names), type=pa.string()),
                          np.fromiter(names.values(), dtype=np.int64, count=len(names)))

    def _fetch_by_keys(self, columns: str, table: str, where: str, key: str, keys: pd.Series
                       ) -> pd.DataFrame:
        """Rows `t` of `table` whose `key` is one of `keys`: an array parameter on PostgreSQL
        (the planner knows nothing of a freshly filled temporary table and may scan the whole
        table), a join on a temporary table on SQLite, driven by the staged keys (CROSS JOIN
        fixes SQLite's loop order, so each key is one probe of the table's unique index)."""
        if self.postgres:
            return self._fetch(f"SELECT {columns} FROM {table} t WHERE {where} "
                               f"AND {key} = ANY(:keys)", {"keys": keys.astype(object).tolist()})
        self._restage("arena_stage_keys", keys.to_frame("key"))
        return self._fetch(f"SELECT {columns} FROM arena_stage_keys s CROSS JOIN {table} t "
                           f"WHERE {key} = s.key AND {where}")

    def _fetch(self, sql: str, extra: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one statement on the driver's cursor; its rows as a frame (the rows of a large
        RETURNING are plain tuples, not SQLAlchemy rows)."""
        params: dict[str, Any] = {**self._params(), **(extra or {})}
        if self.postgres:  # psycopg2 takes %(name)s where sqlite3 takes :name
            sql = re.sub(r"(?<!:):(\w+)\b", r"%(\1)s", sql)
        self._wait_for_copies()
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
        self, rows: pd.DataFrame, event_ids: pd.Series, customer_ids: pd.Series,
        order_ids: pd.Series,
    ) -> int:
        """Bulk-insert the chunk's new tickets with every foreign key resolved in memory (COPY
        on PostgreSQL, one executemany on SQLite); tickets already loaded are left as they are."""
        new = rows
        if self.source_had_tickets:
            existing = set(self._fetch_by_keys(
                "t.ticket_ref", "tickets", "t.organization_id = :org AND t.source_id = :src",
                "t.ticket_ref", rows["ticket_ref"],
            )["ticket_ref"])
            if existing:
                new = rows[~is_in(rows["ticket_ref"], pd.Series(sorted(existing)))]
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
                "event_id": event_ids[new.index],
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
        if self.postgres:
            self._bulk_insert("tickets", frame)
        else:
            # Explicit ids, so the chunk's rows can be checked at once, while the parser works
            # on the next chunk, instead of in one long scan before commit.
            ids = self._allocate_ids("tickets", len(frame))
            self._bulk_insert("tickets", frame.assign(id=ids))
            self._raise_on_broken_keys(rows_violations(
                self.connection, "tickets", int(ids[0]), int(ids[-1])
            ))
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
            # Per-row foreign-key checks cost more than re-validating these narrow tables.
            with bulk_load_mode(self.connection, table, len(rows), organization_id=self.ids.org,
                                minimum_rows=SUMMARY_BULK_ROWS) as bulk:
                self._bulk_insert(table, rows)
            if bulk:
                self.bulk_tables.append(table)

    def _bulk_insert(self, table: str, frame: pd.DataFrame) -> None:
        """COPY (PostgreSQL) or one prepared executemany (SQLite) of a whole frame."""
        arrow_table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._copies is not None:
            sink = pa.BufferOutputStream()
            # Every value is quoted, so an unquoted empty field can only be a NULL.
            pacsv.write_csv(
                arrow_table, sink,
                pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
            )
            self._copies.submit(
                f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)",
                pa.BufferReader(sink.getvalue()),
            )
        else:
            cursor = self.connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            # An integer the whole frame shares (organization, source, import) is written into
            # the statement once instead of being bound on every row.
            constants = {i: _integer_constant(arrow_table.column(i))
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
                columns = [_sqlite_column(part.column(i)) for i in bound]
                cursor.executemany(statement, list(zip(*columns, strict=True)))


def _price_text(cents: pd.Series) -> pd.Series:
    """Exact decimals from integer cents, no float on the way (4800 → 48.00): the cents
    reinterpreted as a decimal with two digits after the point."""
    values = pa.array(cents.astype("int64").to_numpy(), type=pa.int64())
    decimals = values.cast(pa.decimal128(19, 0)).view(pa.decimal128(19, 2))
    return pd.Series(pd.arrays.ArrowExtensionArray(decimals), index=cents.index)


def _integer_constant(column: pa.ChunkedArray) -> int | None:
    """The integer every row of the column holds, if there is one (no nulls)."""
    if not pa.types.is_integer(column.type) or column.null_count or not len(column):
        return None
    bounds = pc.min_max(column)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    return int(low) if low == high else None


def _sqlite_column(column: pa.ChunkedArray) -> list[Any]:
    """Python values for sqlite3, dates in the text form SQLAlchemy stores and reads back."""
    if pa.types.is_timestamp(column.type):  # "2024-02-03 04:05:06.000000", as SQLAlchemy
        column = column.cast(pa.timestamp("us")).cast(pa.string())
    elif pa.types.is_date(column.type):
        column = column.cast(pa.string())
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
