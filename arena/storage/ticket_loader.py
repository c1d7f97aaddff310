"""Set-based loading of validated ticket rows into the normalized schema.

Rows are staged chunk by chunk into a temporary table (PostgreSQL: COPY; SQLite: one prepared
executemany), then normalized with a handful of INSERT … SELECT … ON CONFLICT statements, all in
one transaction: a crash or a kill leaves the database exactly as it was. Never one ORM round trip
per row (the seed's find-or-create loop took an hour per million rows).
"""

from __future__ import annotations

import io
import logging
import queue
import threading
import time
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Engine, insert, select, text, update

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
from arena.storage.bulk import bulk_load_mode
from arena.storage.schema import (
    cities,
    countries,
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
)
from arena.storage.sqlutil import dialect_insert, insert_ignore

log = logging.getLogger(__name__)

STAGE = "arena_stage"
STAGE_COLUMNS: dict[str, str] = {
    "line": "INTEGER",
    "ticket_ref": "TEXT",
    "order_ref": "TEXT",
    "event_name": "TEXT",
    "event_date": "TIMESTAMP",
    "venue": "TEXT",
    "price_cents": "BIGINT",
    "currency": "TEXT",
    "category": "TEXT",
    "tariff": "TEXT",
    "channel": "TEXT",
    "seat": "TEXT",
    "purchased_at": "TIMESTAMP",
    "customer_key": "TEXT",
    "email": "TEXT",
    "first_name": "TEXT",
    "last_name": "TEXT",
    "gender": "TEXT",
    "birth_date": "DATE",
    "phone": "TEXT",
    "address": "TEXT",
    "postal_code": "TEXT",
    "city": "TEXT",
    "country": "TEXT",
}
_TEMPORARY_TABLES = (STAGE, "arena_city_keys", "arena_stage_customers")
_DATETIME_COLUMNS = ("event_date", "purchased_at")
_DATE_COLUMNS = ("birth_date",)

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

    def __init__(self, engine: Engine, request: ImportRequest) -> None:
        self.engine = engine
        self.request = request
        self.connection = engine.connect()
        self.transaction = self.connection.begin()
        self.postgres = engine.dialect.name == "postgresql"
        self.staged_rows = 0
        self.counts = {"tickets": 0, "events": 0, "orders": 0}
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
            if self.postgres:
                # Staged chunks have no statistics: hash joins are the right plan for them.
                self.connection.exec_driver_sql("SET LOCAL enable_nestloop = off")
            self._create_stage()
            self._rows_savepoint = self.connection.begin_nested()
        except BaseException:
            self.transaction.rollback()
            self.connection.close()
            raise

    # --- staging ----------------------------------------------------------------------------

    def _create_stage(self) -> None:
        columns = ", ".join(f"{name} {kind}" for name, kind in STAGE_COLUMNS.items())
        if self.postgres:
            self.connection.exec_driver_sql(
                f"CREATE TEMPORARY TABLE {STAGE} ({columns}) ON COMMIT DROP"
            )
        else:
            # SQLite keeps temporary tables per pooled connection: start from a clean slate.
            for name in _TEMPORARY_TABLES:
                self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{name}")
            self.connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {STAGE} ({columns})")

    # The parsing thread hands chunks to one worker thread that owns the connection, so the
    # database loads chunk N while Python parses chunk N+1 (the drivers release the GIL while a
    # statement runs). The bounded queue lets at most one chunk wait, which bounds memory.

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
            try:
                self._queue.put((kind, payload), timeout=0.2)
                return
            except queue.Full:
                continue

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
                return
            if self._worker_error is not None:
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
                    self._rows_savepoint = self.connection.begin_nested()
            except BaseException as error:  # handed to the parsing thread
                self._worker_error = error

    def _copy_into_stage(self, rows: pd.DataFrame) -> None:
        frame = _stage_frame(rows, postgres=self.postgres)
        cursor = self.connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        if self.postgres:
            # Arrow writes CSV several times faster than pandas; every value is quoted, so an
            # unquoted empty field can only be a NULL.
            table = pa.Table.from_pandas(frame, preserve_index=False)
            sink = pa.BufferOutputStream()
            pacsv.write_csv(
                table, sink, pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
            )
            cursor.copy_expert(
                f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN WITH (FORMAT csv)",
                io.BytesIO(sink.getvalue().to_pybytes()),
            )
        else:
            placeholders = ", ".join("?" for _ in STAGE_COLUMNS)
            values = frame.astype(object).where(frame.notna(), None)
            cursor.executemany(
                f"INSERT INTO temp.{STAGE} VALUES ({placeholders})",
                values.itertuples(index=False, name=None),
            )

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
                orders_added=self.counts["orders"],
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
            refresh_sales_summary(
                self.connection,
                self.ids.org,
                select(tickets.c.event_id).where(tickets.c.import_id == self.ids.import_).distinct(),
            )
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
            self.connection.close()

    def abort(self, message: str) -> None:
        """Roll everything back, then record the failed attempt in a transaction of its own."""
        with suppress(BaseException):  # the failure being reported may be the worker's own
            self._drain()
        self._bulk.pop_all()
        if self.transaction.is_active:
            self.transaction.rollback()
        self.connection.close()
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

    def _count(self, sql: str) -> int:
        return int(self.connection.execute(text(sql), self._params()).scalar_one() or 0)

    def _params(self) -> dict[str, int]:
        return {"org": self.ids.org, "src": self.ids.source, "imp": self.ids.import_}

    def _run(self, sql: str, **extra: Any) -> int:
        started = time.perf_counter()
        result = self.connection.execute(text(sql), {**self._params(), **extra})
        log.debug("%.2f s: %s", time.perf_counter() - started, " ".join(sql.split())[:90])
        return max(result.rowcount or 0, 0)

    def _distinct(self, sql: str) -> list[Any]:
        return list(self.connection.execute(text(sql), self._params()).all())

    def _load_chunk(self, rows: pd.DataFrame) -> None:
        """Normalize one staged chunk into the schema, then empty the stage for the next."""
        if self.staged_rows == 0:
            self._enter_bulk_mode()
        self._copy_into_stage(rows)
        self.staged_rows += len(rows)
        self._load_venues()
        self.counts["events"] += self._load_events()
        self._load_catalogues()
        self._load_geography()
        self._load_customers()
        self.counts["orders"] += self._load_orders()
        self.counts["tickets"] += self._load_tickets()
        self._check_every_staged_row_is_loaded()
        self.connection.exec_driver_sql(f"DELETE FROM {STAGE}")

    def _enter_bulk_mode(self) -> None:
        expected = max(self.request.expected_rows, 1)
        for table in ("customers", "orders", "tickets"):
            self._bulk.enter_context(bulk_load_mode(self.connection, table, expected))

    # --- normalization, one chunk at a time --------------------------------------------

    def _check_every_staged_row_is_loaded(self) -> None:
        """A staged row is either a new ticket or one already present: never silently lost."""
        missing = self._count(
            f"""SELECT COUNT(*) FROM {STAGE} s WHERE NOT EXISTS (
                    SELECT 1 FROM tickets t WHERE t.organization_id = :org
                    AND t.source_id = :src AND t.ticket_ref = s.ticket_ref)"""
        )
        if missing:
            raise RuntimeError(f"{missing} validated rows could not be attached to the schema")

    def _load_venues(self) -> None:
        self._run(
            f"""INSERT INTO venues (organization_id, name, import_id)
                SELECT DISTINCT :org, venue, :imp FROM {STAGE} WHERE venue IS NOT NULL
                ON CONFLICT (organization_id, name) DO NOTHING"""
        )

    def _load_events(self) -> int:
        rows = self._distinct(
            f"SELECT event_name, event_date, MIN(venue) FROM {STAGE} "
            "GROUP BY event_name, event_date"
        )
        venue_ids = dict(
            self.connection.execute(
                text("SELECT name, id FROM venues WHERE organization_id = :org"), self._params()
            ).all()
        )
        labels: dict[str, None] = {}
        events_rows = []
        for name, starts_at, venue in rows:
            starts_at = _as_datetime(starts_at)
            kind = event_type(name)
            label = season_label(starts_at, kind)
            labels[label] = None
            events_rows.append(
                {
                    "organization_id": self.ids.org, "name": name, "starts_at": starts_at,
                    "event_type": kind, "venue_id": venue_ids.get(venue), "season": label,
                    "import_id": self.ids.import_,
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
                text("SELECT label, id FROM seasons WHERE organization_id = :org"), self._params()
            ).all()
        )
        for row in events_rows:
            row["season_id"] = season_ids[row.pop("season")]
        return insert_ignore(self.connection, events, events_rows, ["organization_id", "name", "starts_at"])

    def _load_catalogues(self) -> None:
        for column, table, kind_of in (
            ("category", seat_categories, None),
            ("tariff", tariffs, tariff_kind),
            ("channel", sales_channels, channel_kind),
        ):
            names = [r[0] for r in self._distinct(
                f"SELECT DISTINCT {column} FROM {STAGE} WHERE {column} IS NOT NULL"
            )]
            rows = []
            for name in names:
                row: dict[str, Any] = {
                    "organization_id": self.ids.org, "name": name, "import_id": self.ids.import_,
                }
                if kind_of is not None:
                    row["kind"] = kind_of(name)
                rows.append(row)
            insert_ignore(self.connection, table, rows, ["organization_id", "name"])
        self._run(
            f"""INSERT INTO event_categories (event_id, category_id)
                SELECT e.id, c.id
                FROM (SELECT DISTINCT event_name, event_date, category FROM {STAGE}
                      WHERE category IS NOT NULL) s
                JOIN events e ON e.organization_id = :org AND e.name = s.event_name
                             AND e.starts_at = s.event_date
                JOIN seat_categories c ON c.organization_id = :org AND c.name = s.category
                WHERE true
                ON CONFLICT (event_id, category_id) DO NOTHING"""
        )

    def _load_geography(self) -> None:
        codes = [r[0] for r in self._distinct(
            f"SELECT DISTINCT country FROM {STAGE} WHERE country IS NOT NULL"
        )]
        insert_ignore(
            self.connection,
            countries,
            [{"iso2": c, "name": COUNTRY_NAMES.get(c, c)} for c in codes],
            ["iso2"],
        )
        country_ids = dict(self.connection.execute(text("SELECT iso2, id FROM countries")).all())
        places = self._distinct(
            f"SELECT DISTINCT country, postal_code, city FROM {STAGE} "
            "WHERE country IS NOT NULL AND (postal_code IS NOT NULL OR city IS NOT NULL)"
        )
        postal_rows: dict[tuple[int, str], None] = {}
        department_rows: dict[tuple[int, str], None] = {}
        city_rows: dict[tuple[int, str], dict[str, Any]] = {}
        city_keys: list[dict[str, Any]] = []
        for country, postal, city in places:
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
            for c, code, i in self.connection.execute(text("SELECT country_id, code, id FROM regions"))
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
        self.connection.exec_driver_sql("DROP TABLE IF EXISTS arena_city_keys")
        self.connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE arena_city_keys "
            "(country TEXT, city TEXT, postal_code TEXT, city_key TEXT)"
            + (" ON COMMIT DROP" if self.postgres else "")
        )
        if city_keys:
            self.connection.execute(
                text("INSERT INTO arena_city_keys VALUES (:country, :city, :postal_code, :city_key)"),
                city_keys,
            )
        self._run(
            """INSERT INTO city_postal_codes (city_id, postal_code_id)
               SELECT DISTINCT ci.id, pc.id FROM arena_city_keys k
               JOIN countries co ON co.iso2 = k.country
               JOIN cities ci ON ci.country_id = co.id AND ci.name_key = k.city_key
               JOIN postal_codes pc ON pc.country_id = co.id AND pc.code = k.postal_code
               WHERE true
               ON CONFLICT (city_id, postal_code_id) DO NOTHING"""
        )

    def _load_customers(self) -> None:
        # The identity of a customer is taken from their most recent purchase in the chunk.
        self.connection.exec_driver_sql("DROP TABLE IF EXISTS arena_stage_customers")
        create = "CREATE TEMPORARY TABLE arena_stage_customers" + (
            " ON COMMIT DROP" if self.postgres else ""
        )
        self.connection.exec_driver_sql(
            f"""{create} AS
                SELECT customer_key, email, first_name, last_name, gender, birth_date, phone,
                       address, postal_code, city, country
                FROM (SELECT s.*, ROW_NUMBER() OVER (
                          PARTITION BY customer_key
                          ORDER BY purchased_at DESC, line DESC) AS rank
                      FROM {STAGE} s WHERE customer_key IS NOT NULL) ranked
                WHERE rank = 1"""
        )
        fill = ", ".join(
            f"{column} = COALESCE(customers.{column}, excluded.{column})"
            for column in (
                "email", "first_name", "last_name", "gender", "birth_date", "phone", "address",
                "postal_code_id", "city_id", "country_id",
            )
        )
        gaps = " OR ".join(
            f"(customers.{column} IS NULL AND excluded.{column} IS NOT NULL)"
            for column in ("email", "gender", "birth_date", "phone", "address", "postal_code_id",
                           "city_id")
        )
        self._run(
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

    def _load_orders(self) -> int:
        return self._run(
            f"""INSERT INTO orders (organization_id, source_id, order_ref, customer_id,
                    ordered_at, import_id)
                SELECT :org, :src, o.order_ref, c.id, o.ordered_at, :imp
                FROM (SELECT order_ref, MIN(customer_key) AS customer_key,
                             MIN(purchased_at) AS ordered_at
                      FROM {STAGE} WHERE order_ref IS NOT NULL GROUP BY order_ref) o
                LEFT JOIN customers c ON c.organization_id = :org
                                      AND c.customer_key = o.customer_key
                WHERE true
                ON CONFLICT (organization_id, source_id, order_ref) DO NOTHING"""
        )

    def _load_tickets(self) -> int:
        price = "s.price_cents::numeric / 100" if self.postgres else "s.price_cents / 100.0"
        return self._run(
            f"""INSERT INTO tickets (organization_id, source_id, ticket_ref, event_id,
                    category_id, tariff_id, channel_id, order_id, customer_id, price,
                    currency, purchased_at, seat, import_id)
                SELECT :org, :src, s.ticket_ref, e.id, cat.id, ta.id, ch.id, o.id, c.id,
                       {price}, s.currency, s.purchased_at, s.seat, :imp
                FROM {STAGE} s
                JOIN events e ON e.organization_id = :org AND e.name = s.event_name
                             AND e.starts_at = s.event_date
                LEFT JOIN seat_categories cat ON cat.organization_id = :org
                                              AND cat.name = s.category
                LEFT JOIN tariffs ta ON ta.organization_id = :org AND ta.name = s.tariff
                LEFT JOIN sales_channels ch ON ch.organization_id = :org
                                            AND ch.name = s.channel
                LEFT JOIN orders o ON o.organization_id = :org AND o.source_id = :src
                                   AND o.order_ref = s.order_ref
                LEFT JOIN customers c ON c.organization_id = :org
                                      AND c.customer_key = s.customer_key
                WHERE true
                ON CONFLICT (organization_id, source_id, ticket_ref) DO NOTHING"""
        )


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return pd.Timestamp(value).to_pydatetime()


def _stage_frame(rows: pd.DataFrame, *, postgres: bool) -> pd.DataFrame:
    """The staged columns in order, dates as text in the form each engine compares and reads
    back (SQLite stores SQLAlchemy's `YYYY-MM-DD HH:MM:SS.ffffff`)."""
    timestamp_format = "%Y-%m-%d %H:%M:%S" if postgres else "%Y-%m-%d %H:%M:%S.%f"
    frame = pd.DataFrame(index=rows.index)
    for column in STAGE_COLUMNS:
        values = rows[column] if column in rows.columns else pd.Series(pd.NA, index=rows.index)
        if column in _DATETIME_COLUMNS:
            values = pd.to_datetime(values).dt.strftime(timestamp_format)
        elif column in _DATE_COLUMNS:
            values = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        elif column in ("line", "price_cents"):
            values = values.astype("Int64")
        else:
            values = values.astype("string")
        frame[column] = values
    return frame


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
