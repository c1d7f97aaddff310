"""The SQL adapter of `arena.demo.ports.DemoCatalog`: venues, capacities, season tickets, reset.

Set-based like the ticket loader: frames go in with one batched INSERT (SQLAlchemy's
insertmanyvalues) into a temporary table or straight into the target, then INSERT … SELECT …
ON CONFLICT; never one round trip per row. Each method is one transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    Date,
    Engine,
    MetaData,
    Numeric,
    String,
    Table,
    delete,
    insert,
    select,
    text,
)

from arena.demo.ports import (
    DEMO_USERNAME,
    ImportedFile,
    SeasonTicketsLoaded,
)
from arena.ingest.normalize import country_name, department_code, fold_city, season_bounds
from arena.security import hash_password
from arena.storage.accounts import ensure_organization, find_organization
from arena.storage.schema import (
    cities,
    city_postal_codes,
    countries,
    event_categories,
    events,
    imports,
    metadata,
    organizations,
    postal_codes,
    regions,
    seasons,
    seat_categories,
    user_organizations,
    users,
    venues,
)
from arena.storage.sqlutil import dialect_insert, insert_ignore
from arena.tenancy import Organization

_HOLDERS = "arena_demo_holders"
# Tables whose rows a reset deletes by the thousand and that others reference without an index
# on the referencing column: PostgreSQL would run one sequential scan per deleted row.
_MASS_DELETED_PARENTS = ("customers", "orders", "events")
_CUSTOMER_FIELDS = ("email", "first_name", "last_name", "gender", "birth_date", "phone", "address")


class SqlDemoCatalog:
    """The demo's facts and bookkeeping on SQLite or PostgreSQL through one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- bookkeeping ---------------------------------------------------------------------------

    def imported_files(self, org_slugs: Sequence[str]) -> list[ImportedFile]:
        query = (
            select(organizations.c.slug, imports.c.file_name, imports.c.file_hash,
                   imports.c.rows_read, imports.c.rows_loaded, imports.c.rows_rejected)
            .join(organizations, organizations.c.id == imports.c.organization_id)
            .where(organizations.c.slug.in_(list(org_slugs)))
            .where(imports.c.status == "completed")
            .order_by(imports.c.id)
        )
        with self.engine.connect() as connection:
            return [ImportedFile(*row) for row in connection.execute(query)]

    def ensure_organizations(self, organizations_frame: pd.DataFrame) -> dict[str, Organization]:
        with self.engine.begin() as connection:
            return {
                row.organization_slug: ensure_organization(
                    connection, row.organization_slug, row.organization_name
                )
                for row in organizations_frame.itertuples(index=False)
            }

    def ensure_demo_user(self, org_slugs: Sequence[str]) -> None:
        with self.engine.begin() as connection:
            user_id = connection.execute(
                select(users.c.id).where(users.c.username == DEMO_USERNAME)
            ).scalar()
            if user_id is None:
                # Nobody knows this password: the demo user only logs in passwordless, and only
                # where the dashboard allows it (the embedded database).
                user_id = connection.execute(
                    insert(users)
                    .values(username=DEMO_USERNAME, is_admin=True,
                            password_hash=hash_password(secrets.token_urlsafe(32)))
                    .returning(users.c.id)
                ).scalar_one()
            org_ids = self._organization_ids(connection, org_slugs)
            insert_ignore(
                connection, user_organizations,
                [{"user_id": user_id, "organization_id": org_id} for org_id in org_ids],
                ["user_id", "organization_id"],
            )

    def is_demo_loaded(self, org_slugs: Sequence[str]) -> bool:
        with self.engine.connect() as connection:
            found = len(self._organization_ids(connection, org_slugs))
            user = connection.execute(
                select(users.c.id).where(users.c.username == DEMO_USERNAME)
            ).scalar()
        return user is not None and found == len(set(org_slugs))

    def reset(self, org_slugs: Sequence[str]) -> int:
        with self.engine.begin() as connection:
            org_ids = self._organization_ids(connection, org_slugs)
            if org_ids:
                with _foreign_keys_set_aside(connection, _MASS_DELETED_PARENTS):
                    # Children first, every table that names an organization (tables added
                    # later are covered too); the rest hangs off these and cascades.
                    for table in reversed(metadata.sorted_tables):
                        if "organization_id" in table.c and table is not organizations:
                            connection.execute(
                                delete(table).where(table.c.organization_id.in_(org_ids))
                            )
                    connection.execute(delete(organizations).where(organizations.c.id.in_(org_ids)))
            connection.execute(delete(users).where(users.c.username == DEMO_USERNAME))
        return len(org_ids)

    @staticmethod
    def _organization_ids(connection: Connection, org_slugs: Sequence[str]) -> list[int]:
        return list(connection.execute(
            select(organizations.c.id).where(organizations.c.slug.in_(list(org_slugs)))
        ).scalars())

    # --- venues, events, categories ----------------------------------------------------------

    def set_venues(self, organization: str, venues_frame: pd.DataFrame) -> int:
        if venues_frame.empty:
            return 0
        with self.engine.begin() as connection:
            org = find_organization(connection, organization)
            _ensure_places(connection, venues_frame)
            city_ids = _city_ids(connection)
            country_ids = _country_ids(connection)
            rows = []
            for row in _records(venues_frame):
                country_id = country_ids[row["country"] or "FR"]
                city_key = fold_city(row["city"]) if row["city"] else ""
                rows.append({
                    "organization_id": org.id, "name": row["name"], "address": row["address"],
                    "city_id": city_ids.get((country_id, city_key)),
                    "latitude": row["latitude"], "longitude": row["longitude"],
                    "capacity": None if row["capacity"] is None else int(row["capacity"]),
                })
            statement = dialect_insert(connection, venues)
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["organization_id", "name"],
                    set_={name: statement.excluded[name] for name in
                          ("address", "city_id", "latitude", "longitude", "capacity")},
                ),
                rows,
            )
        return len(rows)

    def set_event_capacities(
        self, organization: str, events_frame: pd.DataFrame, categories: pd.DataFrame
    ) -> int:
        if events_frame.empty:
            return 0
        with self.engine.begin() as connection:
            org = find_organization(connection, organization)
            season_ids = _ensure_seasons(connection, org.id, events_frame["season"])
            venue_ids = dict(connection.execute(
                select(venues.c.name, venues.c.id).where(venues.c.organization_id == org.id)
            ).all())
            rows = [
                {
                    "organization_id": org.id, "name": row["event_name"],
                    "starts_at": pd.Timestamp(row["starts_at"]).to_pydatetime(),
                    "event_type": row["event_type"], "venue_id": venue_ids.get(row["venue"]),
                    "season_id": season_ids[row["season"]], "fixed_capacity": True,
                    "capacity": int(row["capacity"]),
                }
                for row in _records(events_frame)
            ]
            statement = dialect_insert(connection, events)
            # The import guessed type and venue from names; the demo knows them. An event keeps
            # the season the import gave it (the same rule, so the same label).
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["organization_id", "name", "starts_at"],
                    set_={name: statement.excluded[name] for name in
                          ("event_type", "venue_id", "fixed_capacity", "capacity")},
                ),
                rows,
            )
            event_ids = {
                (name, pd.Timestamp(starts_at)): event_id
                for name, starts_at, event_id in connection.execute(
                    select(events.c.name, events.c.starts_at, events.c.id)
                    .where(events.c.organization_id == org.id)
                )
            }
            category_ids = _ensure_categories(connection, org.id, categories["category"])
            links = [
                {
                    "event_id": event_ids[(row["event_name"], pd.Timestamp(row["starts_at"]))],
                    "category_id": category_ids[row["category"]],
                    "capacity": int(row["capacity"]), "list_price": round(row["list_price"], 2),
                }
                for row in _records(categories)
            ]
            if links:
                link = dialect_insert(connection, event_categories)
                connection.execute(
                    link.on_conflict_do_update(
                        index_elements=["event_id", "category_id"],
                        set_={"capacity": link.excluded.capacity,
                              "list_price": link.excluded.list_price},
                    ),
                    links,
                )
        return len(rows)

    # --- season tickets --------------------------------------------------------------------------

    def load_season_tickets(self, organization: str, holders: pd.DataFrame) -> SeasonTicketsLoaded:
        if holders.empty:
            return SeasonTicketsLoaded(0, 0, 0)
        with self.engine.begin() as connection:
            org = find_organization(connection, organization)
            postgres = connection.dialect.name == "postgresql"
            _ensure_seasons(connection, org.id, holders["season"])
            _ensure_categories(connection, org.id, holders["category"])
            _ensure_places(connection, holders)
            staging = _holders_table(postgres)
            if not postgres:
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_HOLDERS}")
            staging.create(connection)
            staged = holders.assign(
                city_key=holders["city"].map(
                    lambda city: fold_city(city) if isinstance(city, str) else None),
                birth_date=pd.to_datetime(holders["birth_date"]).dt.date,
            )
            connection.execute(insert(staging), _records(staged[[c.name for c in staging.c]]))
            params = {"org": org.id}
            count = f"SELECT COUNT(*) FROM {{}} WHERE organization_id = {int(org.id)}"
            customers_before = connection.exec_driver_sql(count.format("customers")).scalar_one()
            tickets_before = connection.exec_driver_sql(count.format("season_tickets")).scalar_one()
            fill = ", ".join(f"{c} = COALESCE(customers.{c}, excluded.{c})"
                             for c in (*_CUSTOMER_FIELDS, "postal_code_id", "city_id", "country_id"))
            # The holder's identity is taken from their latest season, like a ticket buyer's
            # from their latest purchase; a customer the tickets already know keeps theirs.
            connection.execute(text(f"""
                INSERT INTO customers (organization_id, customer_key, email, first_name, last_name,
                    gender, birth_date, phone, address, postal_code_id, city_id, country_id)
                SELECT :org, h.customer_key, h.email, h.first_name, h.last_name, h.gender,
                       h.birth_date, h.phone, h.address, pc.id, ci.id, co.id
                FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY customer_key
                                                   ORDER BY season DESC) AS rank
                      FROM {_HOLDERS}) h
                LEFT JOIN countries co ON co.iso2 = h.country
                LEFT JOIN postal_codes pc ON pc.country_id = co.id AND pc.code = h.postal_code
                LEFT JOIN cities ci ON ci.country_id = co.id AND ci.name_key = h.city_key
                WHERE h.rank = 1
                ON CONFLICT (organization_id, customer_key) DO UPDATE SET {fill}"""), params)
            connection.execute(text(f"""
                INSERT INTO season_tickets (organization_id, customer_id, season_id, category_id,
                    price)
                SELECT :org, c.id, s.id, cat.id, h.price
                FROM {_HOLDERS} h
                JOIN customers c ON c.organization_id = :org AND c.customer_key = h.customer_key
                JOIN seasons s ON s.organization_id = :org AND s.label = h.season
                LEFT JOIN seat_categories cat ON cat.organization_id = :org
                                              AND cat.name = h.category
                WHERE true
                ON CONFLICT (organization_id, customer_id, season_id) DO NOTHING"""), params)
            customers_after = connection.exec_driver_sql(count.format("customers")).scalar_one()
            tickets_after = connection.exec_driver_sql(count.format("season_tickets")).scalar_one()
            if not postgres:
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_HOLDERS}")
        return SeasonTicketsLoaded(
            rows=len(holders), season_tickets_added=int(tickets_after - tickets_before),
            customers_added=int(customers_after - customers_before),
        )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, missing values as None (what drivers accept)."""
    cleaned = frame.astype(object).where(frame.notna(), None)
    return [
        {key: (value.item() if hasattr(value, "item") else value) for key, value in row.items()}
        for row in cleaned.to_dict("records")
    ]


def _holders_table(postgres: bool) -> Table:
    options: dict[str, Any] = {"postgresql_on_commit": "DROP"} if postgres else {}
    return Table(
        _HOLDERS, MetaData(),
        Column("customer_key", String), Column("season", String), Column("category", String),
        Column("price", Numeric(12, 2)), Column("email", String), Column("first_name", String),
        Column("last_name", String), Column("gender", String), Column("birth_date", Date),
        Column("phone", String), Column("address", String), Column("postal_code", String),
        Column("city", String), Column("city_key", String), Column("country", String),
        prefixes=["TEMPORARY"], **options,
    )


def _ensure_seasons(connection: Connection, org_id: int, labels: pd.Series) -> dict[str, int]:
    distinct = sorted({str(label) for label in labels.dropna()})
    rows = []
    for label in distinct:
        starts_on, ends_on = season_bounds(label)
        rows.append({"organization_id": org_id, "label": label, "starts_on": starts_on.date(),
                     "ends_on": ends_on.date()})
    insert_ignore(connection, seasons, rows, ["organization_id", "label"])
    return dict(connection.execute(
        select(seasons.c.label, seasons.c.id).where(seasons.c.organization_id == org_id)
    ).all())


def _ensure_categories(connection: Connection, org_id: int, names: pd.Series) -> dict[str, int]:
    distinct = sorted({str(name) for name in names.dropna()})
    insert_ignore(
        connection, seat_categories,
        [{"organization_id": org_id, "name": name} for name in distinct],
        ["organization_id", "name"],
    )
    return dict(connection.execute(
        select(seat_categories.c.name, seat_categories.c.id)
        .where(seat_categories.c.organization_id == org_id)
    ).all())


def _country_ids(connection: Connection) -> dict[str, int]:
    return dict(connection.execute(select(countries.c.iso2, countries.c.id)).all())


def _city_ids(connection: Connection) -> dict[tuple[int, str], int]:
    return {
        (country_id, key): city_id
        for country_id, key, city_id in connection.execute(
            select(cities.c.country_id, cities.c.name_key, cities.c.id))
    }


def _ensure_places(connection: Connection, frame: pd.DataFrame) -> None:
    """Countries, postal codes, départements and cities of `country, postal_code, city` rows,
    named and keyed exactly as the ticket import names them, so both meet on the same rows."""
    places = frame[["country", "postal_code", "city"]].copy()
    places["country"] = places["country"].fillna("FR")
    places = places.drop_duplicates()
    insert_ignore(
        connection, countries,
        [{"iso2": code, "name": country_name(code)} for code in places["country"].unique()],
        ["iso2"],
    )
    country_ids = _country_ids(connection)
    postal_rows: dict[tuple[int, str], None] = {}
    department_rows: dict[tuple[int, str], None] = {}
    city_rows: dict[tuple[int, str], dict[str, Any]] = {}
    links: set[tuple[int, str, str]] = set()
    for country, postal, city in places.itertuples(index=False):
        country_id = country_ids[country]
        postal = postal if isinstance(postal, str) and postal else None
        if postal:
            postal_rows[(country_id, postal)] = None
        department = department_code(postal, country)
        if department:
            department_rows[(country_id, department)] = None
        key = fold_city(city) if isinstance(city, str) else ""
        if key:
            city_rows.setdefault((country_id, key), {
                "country_id": country_id, "name": city.strip().title(), "name_key": key,
                "department": department})
            if postal:
                links.add((country_id, key, postal))
    insert_ignore(connection, postal_codes,
                  [{"country_id": c, "code": p} for c, p in postal_rows], ["country_id", "code"])
    insert_ignore(connection, regions,
                  [{"country_id": c, "code": d, "name": d} for c, d in department_rows],
                  ["country_id", "code"])
    region_ids = {
        (country_id, code): region_id
        for country_id, code, region_id in connection.execute(
            select(regions.c.country_id, regions.c.code, regions.c.id))
    }
    insert_ignore(
        connection, cities,
        [{"country_id": row["country_id"], "name": row["name"], "name_key": row["name_key"],
          "region_id": region_ids.get((row["country_id"], row["department"]))}
         for row in city_rows.values()],
        ["country_id", "name_key"],
    )
    if links:
        city_ids = _city_ids(connection)
        postal_ids = {
            (country_id, code): postal_id
            for country_id, code, postal_id in connection.execute(
                select(postal_codes.c.country_id, postal_codes.c.code, postal_codes.c.id))
        }
        insert_ignore(
            connection, city_postal_codes,
            [{"city_id": city_ids[(c, key)], "postal_code_id": postal_ids[(c, postal)]}
             for c, key, postal in sorted(links)],
            ["city_id", "postal_code_id"],
        )


@contextmanager
def _foreign_keys_set_aside(connection: Connection, parents: Sequence[str]) -> Iterator[None]:
    """On PostgreSQL, drop the foreign keys pointing at `parents` and re-add them afterwards.

    Deleting a parent row runs one lookup per row in each referencing table; without an index
    led by the referencing column that is a sequential scan per deleted customer. Re-adding a
    foreign key checks every row in one anti-join, inside the same transaction, so integrity
    is still verified before commit. SQLite checks against tables already emptied of the
    demo's rows, which is cheap, so it keeps its keys.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    keys = connection.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND confrelid = ANY(CAST(:parents AS regclass[])) "
            "ORDER BY conrelid::regclass::text, conname"
        ),
        {"parents": list(parents)},
    ).all()
    for table, name, _definition in keys:
        connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    yield
    for table, name, definition in keys:
        connection.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

