"""The Overview's aggregations: ticket sales grouped in SQL, always scoped to one organization.

Every figure is computed by the database (GROUP BY), never by loading tickets into pandas: the
Overview must stay under two seconds with a million tickets in PostgreSQL. Only the aggregated
rows (days, categories, events) come back to Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    case,
    cast,
    distinct,
    func,
    literal,
    select,
)

from arena.storage.schema import (
    event_categories,
    events,
    sales_channels,
    seasons,
    seat_categories,
    tariffs,
    ticketing_sources,
    tickets,
    venues,
)

Dimension = Literal["category", "tariff", "channel"]
_DIMENSIONS = {
    "category": (seat_categories, tickets.c.category_id),
    "tariff": (tariffs, tickets.c.tariff_id),
    "channel": (sales_channels, tickets.c.channel_id),
}
# Shown instead of NULL when the export had no value for a category, tariff or channel.
NOT_GIVEN = "(not given)"


@dataclass(frozen=True)
class Scope:
    """Whose tickets and which slice: an organization, optionally one season and one venue."""

    organization_id: int
    season_id: int | None = None
    venue_id: int | None = None


@dataclass(frozen=True)
class Kpis:
    """The headline figures; `fill_rate` is None when no event in scope has a known capacity."""

    tickets: int
    revenue: float
    average_price: float | None
    buyers: int
    events: int
    fill_rate: float | None


@dataclass(frozen=True)
class Choice:
    """One option of a sidebar filter."""

    id: int
    label: str


def _scoped(query: Select, scope: Scope) -> Select:
    """Restrict a query over tickets joined to events to the scope's organization and filters."""
    query = query.where(tickets.c.organization_id == scope.organization_id)
    if scope.season_id is not None:
        query = query.where(events.c.season_id == scope.season_id)
    if scope.venue_id is not None:
        query = query.where(events.c.venue_id == scope.venue_id)
    return query


def _tickets_with_events():  # type: ignore[no-untyped-def]
    return tickets.join(events, events.c.id == tickets.c.event_id)


def _event_capacity() -> ColumnElement:
    """An event's capacity: its own when set, else the sum of its categories' capacities."""
    by_category = (
        select(func.sum(event_categories.c.capacity))
        .where(event_categories.c.event_id == events.c.id)
        .scalar_subquery()
    )
    return func.coalesce(events.c.capacity, by_category)


def kpis(engine: Engine, scope: Scope) -> Kpis:
    """Tickets sold, revenue, average price, distinct buyers and the fill rate of the scope."""
    totals = _scoped(
        select(
            func.count(tickets.c.id),
            func.coalesce(func.sum(tickets.c.price), 0),
            func.count(distinct(tickets.c.customer_id)),
            func.count(distinct(tickets.c.event_id)),
        ).select_from(_tickets_with_events()),
        scope,
    )
    per_event = _scoped(
        select(tickets.c.event_id, func.count(tickets.c.id).label("sold"))
        .select_from(_tickets_with_events())
        .group_by(tickets.c.event_id),
        scope,
    ).subquery()
    capacity = _event_capacity()
    fill = (
        select(func.sum(per_event.c.sold), func.sum(capacity))
        .select_from(per_event.join(events, events.c.id == per_event.c.event_id))
        .where(capacity.is_not(None))
        .where(capacity > 0)
    )
    with engine.connect() as connection:
        count, revenue, buyers, event_count = connection.execute(totals).one()
        sold_with_capacity, total_capacity = connection.execute(fill).one()
    revenue = float(revenue or 0)
    return Kpis(
        tickets=int(count),
        revenue=revenue,
        average_price=revenue / count if count else None,
        buyers=int(buyers),
        events=int(event_count),
        fill_rate=(float(sold_with_capacity) / float(total_capacity)) if total_capacity else None,
    )


def sales_by_day(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Tickets and revenue per purchase day (tickets without a purchase date are left out)."""
    day = func.date(tickets.c.purchased_at).label("day")
    query = _scoped(
        select(day, func.count(tickets.c.id).label("tickets"),
               func.sum(tickets.c.price).label("revenue"))
        .select_from(_tickets_with_events())
        .where(tickets.c.purchased_at.is_not(None))
        .group_by(day)
        .order_by(day),
        scope,
    )
    frame = _frame(engine, query, ["day", "tickets", "revenue"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def _days_before_event(engine: Engine) -> ColumnElement:
    """Whole days between purchase and event, in each dialect's own date arithmetic."""
    if engine.dialect.name == "postgresql":
        return cast(func.date(events.c.starts_at) - func.date(tickets.c.purchased_at), Integer)
    return cast(
        func.julianday(func.date(events.c.starts_at)) - func.julianday(func.date(tickets.c.purchased_at)),
        Integer,
    )


def booking_curve(engine: Engine, scope: Scope, horizon_days: int = 365) -> pd.DataFrame:
    """Tickets sold by days before the event, with the cumulative share sold at each point.

    Purchases further ahead than `horizon_days` are folded into the horizon so the curve still
    starts at the true share; purchases after the event (late scans, corrections) count as day 0.
    """
    raw = _days_before_event(engine)
    days = case((raw > horizon_days, literal(horizon_days)), (raw < 0, literal(0)), else_=raw)
    days = days.label("days_before")
    query = _scoped(
        select(days, func.count(tickets.c.id).label("tickets"))
        .select_from(_tickets_with_events())
        .where(tickets.c.purchased_at.is_not(None))
        .group_by(days)
        .order_by(days.desc()),
        scope,
    )
    frame = _frame(engine, query, ["days_before", "tickets"])
    total = frame["tickets"].sum()
    frame["cumulative_share"] = frame["tickets"].cumsum() / total if total else 0.0
    return frame


def revenue_by(engine: Engine, scope: Scope, dimension: Dimension) -> pd.DataFrame:
    """Tickets and revenue per seat category, tariff or sales channel, largest revenue first."""
    table, key = _DIMENSIONS[dimension]
    name = func.coalesce(table.c.name, NOT_GIVEN).label("name")
    revenue = func.sum(tickets.c.price).label("revenue")
    query = _scoped(
        select(name, func.count(tickets.c.id).label("tickets"), revenue)
        .select_from(_tickets_with_events().outerjoin(table, table.c.id == key))
        .group_by(name)
        .order_by(revenue.desc()),
        scope,
    )
    return _frame(engine, query, ["name", "tickets", "revenue"])


def event_table(engine: Engine, scope: Scope) -> pd.DataFrame:
    """One row per event in scope: date, name, venue, sold, capacity, fill rate and revenue."""
    per_event = _scoped(
        select(
            tickets.c.event_id,
            func.count(tickets.c.id).label("sold"),
            func.sum(tickets.c.price).label("revenue"),
        )
        .select_from(_tickets_with_events())
        .group_by(tickets.c.event_id),
        scope,
    ).subquery()
    query = (
        select(
            events.c.id, events.c.starts_at, events.c.name, venues.c.name.label("venue"),
            per_event.c.sold, _event_capacity().label("capacity"), per_event.c.revenue,
        )
        .select_from(
            per_event.join(events, events.c.id == per_event.c.event_id).outerjoin(
                venues, venues.c.id == events.c.venue_id
            )
        )
        .order_by(events.c.starts_at.desc())
    )
    frame = _frame(
        engine, query, ["event_id", "date", "event", "venue", "sold", "capacity", "revenue"]
    )
    frame["date"] = pd.to_datetime(frame["date"])
    capacity = pd.to_numeric(frame["capacity"], errors="coerce")
    frame["capacity"] = capacity.astype("Int64")
    frame["fill_rate"] = (frame["sold"] / capacity.where(capacity > 0)).astype("Float64")
    return frame[["event_id", "date", "event", "venue", "sold", "capacity", "fill_rate", "revenue"]]


def season_choices(engine: Engine, organization_id: int) -> list[Choice]:
    """The organization's seasons, most recent first."""
    query = (
        select(seasons.c.id, seasons.c.label)
        .where(seasons.c.organization_id == organization_id)
        .order_by(seasons.c.label.desc())
    )
    with engine.connect() as connection:
        return [Choice(row.id, row.label) for row in connection.execute(query)]


def venue_choices(engine: Engine, organization_id: int) -> list[Choice]:
    """The organization's venues, by name."""
    query = (
        select(venues.c.id, venues.c.name)
        .where(venues.c.organization_id == organization_id)
        .order_by(venues.c.name)
    )
    with engine.connect() as connection:
        return [Choice(row.id, row.name) for row in connection.execute(query)]


def source_names(engine: Engine, organization_id: int) -> list[str]:
    """The ticketing systems the organization already imported from (to pick one again)."""
    query = (
        select(ticketing_sources.c.name)
        .where(ticketing_sources.c.organization_id == organization_id)
        .order_by(ticketing_sources.c.name)
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def _frame(engine: Engine, query: Select, columns: list[str]) -> pd.DataFrame:
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame([tuple(row) for row in rows], columns=columns)
    for money in ("revenue",):
        if money in frame.columns:
            frame[money] = pd.to_numeric(frame[money], errors="coerce").astype(float)
    for count in ("tickets", "sold"):
        if count in frame.columns:
            frame[count] = pd.to_numeric(frame[count]).astype("int64")
    return frame


__all__ = [
    "NOT_GIVEN",
    "Choice",
    "Dimension",
    "Kpis",
    "Scope",
    "booking_curve",
    "event_table",
    "kpis",
    "revenue_by",
    "sales_by_day",
    "season_choices",
    "source_names",
    "venue_choices",
]
