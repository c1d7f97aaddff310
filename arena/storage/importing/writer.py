"""One import in one transaction: chunks of validated rows normalized into the schema by the
parts of `arena.storage.importing`, rejections and warnings recorded, then one commit.

Chunk by chunk (a crash or a kill leaves the database exactly as it was): the chunk's venues,
events and catalogues are upserted (small sets); its places inserted; customers and orders new
to the organization go in with ids drawn in advance and one COPY (PostgreSQL) or executemany
(SQLite), with no ON CONFLICT and no read-back; customers and orders met again are found in
what the import remembers or, for earlier imports, looked up once by key; then the tickets go
in with every foreign key resolved in memory. Never one ORM round trip per row."""

from __future__ import annotations

import logging
from contextlib import ExitStack, suppress
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, NestedTransaction, insert, update

from arena.ingest.derive import ChunkFacts
from arena.ingest.ports import ImportRequest, LoadSummary, RejectedRow, Warning
from arena.storage.bulk import bulk_load_mode, foreign_key_violations
from arena.storage.importing.advisory_lock import lock_organization_imports
from arena.storage.importing.catalogues import Catalogues
from arena.storage.importing.customers import CustomerWriter
from arena.storage.importing.geography import Places
from arena.storage.importing.ids import IdAllocator
from arena.storage.importing.orders import OrderWriter
from arena.storage.importing.session import ImportSession
from arena.storage.importing.sources import ensure_source, find_source
from arena.storage.importing.summaries import write_sales_summary
from arena.storage.importing.tickets import BrokenForeignKeys, TicketWriter
from arena.storage.importing.worker import ChunkWorker
from arena.storage.sales_tally import SalesTally
from arena.storage.schema import import_warnings, imports, rejected_rows

log = logging.getLogger(__name__)


class _Parts:
    """The entity writers of one attempt at the import's rows (a reset starts a new one)."""

    def __init__(self, session: ImportSession, ids: IdAllocator, customers_before: int,
                 source_had_tickets: bool, source_had_orders: bool) -> None:
        self.catalogues = Catalogues(session)
        self.places = Places(session)
        self.customers = CustomerWriter(session, ids, self.places, customers_before)
        self.orders = OrderWriter(session, ids, source_had_orders)
        self.sales = SalesTally()
        self.tickets = TicketWriter(session, ids, self.catalogues, self.sales,
                                    source_had_tickets)


class SqlImportWriter:
    """An import in progress (`arena.ingest.ports.ImportWriter`). Built by `open`, which
    starts the transaction; the constructor does no I/O."""

    def __init__(self, session: ImportSession, request: ImportRequest, customers_before: int,
                 source_had_tickets: bool, source_had_orders: bool,
                 rows_savepoint: NestedTransaction) -> None:
        self.session = session
        self.request = request
        self.import_id: int | None = session.params["imp"]
        self._customers_before = customers_before
        self._source_had_tickets = source_had_tickets
        self._source_had_orders = source_had_orders
        self._rows_savepoint = rows_savepoint
        self._ids = IdAllocator(session)
        self._worker = ChunkWorker(self._handle)
        self._bulk = ExitStack()
        self.bulk_tables: list[str] = []
        self._start_rows()

    @classmethod
    def open(cls, engine: Engine, request: ImportRequest) -> SqlImportWriter:
        session = ImportSession.open(engine)
        organization = request.organization
        try:
            lock_organization_imports(session.connection, organization.id)
            source_id = ensure_source(session.connection, organization.id, request.source,
                                      request.vendor)
            import_id = session.connection.execute(
                insert(imports).values(
                    organization_id=organization.id, source_id=source_id,
                    file_name=request.file_name, file_hash=request.file_hash,
                    mapping=request.mapping, created_by=request.user, status="running",
                ).returning(imports.c.id)
            ).scalar_one()
            session.bind(organization.id, source_id, import_id)
            customers_before = session.count(
                "SELECT COUNT(*) FROM customers WHERE organization_id = :org"
            )
            source_had_tickets = bool(session.count(
                "SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE organization_id = :org "
                "AND source_id = :src LIMIT 1) AS any_ticket"
            ))
            source_had_orders = bool(session.count(
                "SELECT COUNT(*) FROM (SELECT 1 FROM orders WHERE organization_id = :org "
                "AND source_id = :src LIMIT 1) AS any_order"
            ))
            session.create_stages()
            rows_savepoint = session.connection.begin_nested()
        except BaseException:
            session.transaction.rollback()
            session.release()
            raise
        return cls(session, request, customers_before, source_had_tickets, source_had_orders,
                   rows_savepoint)

    def _start_rows(self) -> None:
        self.staged_rows = 0
        self.counts = {"tickets": 0, "events": 0}
        self._parts = _Parts(self.session, self._ids, self._customers_before,
                             self._source_had_tickets, self._source_had_orders)

    # --- the parsing thread's side -----------------------------------------------------------

    def stage(self, rows: pd.DataFrame, facts: ChunkFacts) -> None:
        self._worker.submit("stage", (rows, facts))

    def reject(self, rows: list[RejectedRow]) -> None:
        if rows:
            self._worker.submit("reject", rows)

    def warn(self, warnings: list[Warning]) -> None:
        if warnings:
            self._worker.submit("warn", warnings)

    def reset(self) -> None:
        self._worker.submit("reset", None)

    # --- the worker thread's side ------------------------------------------------------------

    def _handle(self, kind: str, payload: Any) -> None:
        if kind == "stage":
            self._load_chunk(*payload)
        elif kind == "reject":
            self._write_rejected(payload)
        elif kind == "warn":
            self._write_warnings(payload)
        elif kind == "reset":
            self._rows_savepoint.rollback()
            self._bulk.pop_all()  # the rollback restored every constraint and index
            self.bulk_tables.clear()
            self._start_rows()
            self._rows_savepoint = self.session.connection.begin_nested()

    def _load_chunk(self, rows: pd.DataFrame, facts: ChunkFacts) -> None:
        """Normalize one chunk of validated rows into the schema."""
        if self.staged_rows == 0:
            self._enter_bulk_mode()
        self.staged_rows += len(rows)
        parts, timed = self._parts, self.session.timed
        with timed("venues, events, catalogues"):
            added, event_ids = parts.catalogues.load(rows, facts)
            self.counts["events"] += added
        with timed("geography"):
            parts.places.load(facts)
        with timed("customers"):
            customer_ids = parts.customers.load(rows)
        with timed("orders"):
            order_ids = parts.orders.load(rows, customer_ids)
        with timed("tickets"):
            self.counts["tickets"] += parts.tickets.load(rows, event_ids, customer_ids,
                                                         order_ids)

    def _enter_bulk_mode(self) -> None:
        expected = max(self.request.expected_rows, 1)
        for table in ("customers", "orders", "tickets"):
            # New tickets are plain inserts; only a source that had tickets looks them up by
            # key. Customers and orders keep their unique keys: their lookups need them.
            unique_keys_too = table == "tickets" and not self._source_had_tickets
            if self._bulk.enter_context(bulk_load_mode(
                self.session.connection, table, expected,
                organization_id=self.request.organization.id, unique_keys_too=unique_keys_too,
            )):
                self.bulk_tables.append(table)

    def _write_rejected(self, rows: list[RejectedRow]) -> None:
        self.session.connection.execute(insert(rejected_rows), [
            {"import_id": self.import_id, "line": r.line, "column_name": r.column,
             "raw_value": r.value, "code": r.code, "message": r.message, "record": r.record}
            for r in rows
        ])

    def _write_warnings(self, warnings: list[Warning]) -> None:
        self.session.connection.execute(insert(import_warnings), [
            {"import_id": self.import_id, "line": w.line, "column_name": w.column,
             "raw_value": w.value, "code": w.code, "message": w.message}
            for w in warnings
        ])

    # --- the end -----------------------------------------------------------------------------

    def finish(self, rows_read: int, rows_loaded: int, rows_rejected: int) -> LoadSummary:
        session = self.session
        try:
            self._worker.drain()
            with session.timed("indexes and foreign keys"):
                self._bulk.close()  # rebuild set-aside indexes, re-validate foreign keys
            customers_added = session.count(
                "SELECT COUNT(*) FROM customers WHERE organization_id = :org"
            ) - self._customers_before
            tickets_added, events_added = self.counts["tickets"], self.counts["events"]
            session.connection.execute(
                update(imports).where(imports.c.id == self.import_id).values(
                    status="completed", rows_read=rows_read, rows_loaded=rows_loaded,
                    rows_rejected=rows_rejected,
                    rows_warned=session.count("SELECT COUNT(DISTINCT line) FROM import_warnings "
                                              "WHERE import_id = :imp"),
                    finished_at=datetime.now(UTC),
                    message=(f"{tickets_added} new tickets, {customers_added} new customers, "
                             f"{events_added} new events"),
                )
            )
            orders_added = session.count("SELECT COUNT(*) FROM orders WHERE import_id = :imp")
            with session.timed("sales summary"):
                self.bulk_tables += write_sales_summary(session, self._parts.sales)
                session.wait_for_copies()  # before the commit, which is no statement of its own
            if not session.postgres:  # after the summaries; tickets were checked chunk by chunk
                with session.timed("indexes and foreign keys"):
                    BrokenForeignKeys.check(foreign_key_violations(
                        session.connection, session.params["imp"], checked=frozenset({"tickets"})
                    ))
            touched: np.ndarray = self._parts.customers.touched_ids()
            self._rows_savepoint.commit()
            session.drop_stages()
            session.transaction.commit()
            return LoadSummary(
                import_id=self.import_id, tickets_added=tickets_added,
                customers_added=customers_added, events_added=events_added,
                orders_added=orders_added,
                seconds={step: round(t, 2) for step, t in session.timings.items()},
                bulk_tables=list(self.bulk_tables), touched_customer_ids=touched,
            )
        except BaseException:
            session.stop_copies(run_pending=False)
            self._bulk.pop_all()
            session.transaction.rollback()
            raise
        finally:
            self._release()

    def abort(self, message: str) -> None:
        """Roll everything back, then record the failed attempt in a transaction of its own."""
        with suppress(BaseException):  # the failure being reported may be the worker's own
            self._worker.drain()
        self.session.stop_copies(run_pending=False)
        self._bulk.pop_all()
        if self.session.transaction.is_active:
            self.session.transaction.rollback()
        self._release()
        request = self.request
        try:
            with self.session.engine.begin() as connection:
                connection.execute(insert(imports).values(
                    organization_id=request.organization.id,
                    # the failure must not leave a new source behind
                    source_id=find_source(connection, request.organization.id, request.source),
                    file_name=request.file_name, file_hash=request.file_hash,
                    mapping=request.mapping, created_by=request.user, status="failed",
                    message=message[:2000], finished_at=datetime.now(UTC),
                ))
        except Exception:  # the database itself may be what failed
            log.exception("could not record the failed import")
        self.import_id = None

    def _release(self) -> None:
        self._ids.close()
        self.session.release()
