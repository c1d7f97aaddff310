"""The Overview's aggregations: ticket sales grouped in SQL, always scoped to one organization.

Every figure is computed by the database (GROUP BY), never by loading tickets into pandas: the
Overview must stay under two seconds with a million tickets in PostgreSQL. Only the aggregated
rows (days, categories, events) come back to Python. All figures but distinct buyers read two
small summaries (tickets and revenue per event x purchase day, and per event x category x
tariff x channel) that `refresh_sales_summary` rebuilds inside every import and undo: scanning
the million tickets once per chart took 4.5 s per cold render.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Select,
    Table,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    select,
)

from arena.storage.schema import (
    event_categories,
    events,
    sales_by_event_day,
    sales_by_event_offer,
    sales_channels,
    season_tickets,
    seasons,
    seat_categories,
    tariffs,
    ticketing_sources,
    tickets,
    venues,
)

Dimension = Literal["category", "tariff", "channel"]
_DIMENSIONS = {
    "category": (seat_categories, sales_by_event_offer.c.category_id),
    "tariff": (tariffs, sales_by_event_offer.c.tariff_id),
    "channel": (sales_channels, sales_by_event_offer.c.channel_id),
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


Summary = Table
_OFFER = sales_by_event_offer  # per event x category x tariff x channel
_DAY = sales_by_event_day  # per event x purchase day


def _scoped(query: Select, scope: Scope, summary: Summary) -> Select:
    """Restrict a query over one sales summary to the scope's organization and filters.

    The event filter is a subquery on events, needed only when a season or venue is picked:
    the unfiltered Overview (the default) reads the summary alone.
    """
    query = query.where(summary.c.organization_id == scope.organization_id)
    return query.where(*_event_filters(scope, summary.c.event_id))


def _event_filters(scope: Scope, event_id: ColumnElement) -> list[ColumnElement]:
    """Conditions keeping only the events of the scope's season and venue (none when unfiltered)."""
    if scope.season_id is None and scope.venue_id is None:
        return []
    in_scope = select(events.c.id).where(events.c.organization_id == scope.organization_id)
    if scope.season_id is not None:
        in_scope = in_scope.where(events.c.season_id == scope.season_id)
    if scope.venue_id is not None:
        in_scope = in_scope.where(events.c.venue_id == scope.venue_id)
    return [event_id.in_(in_scope)]


def _event_capacity() -> ColumnElement:
    """An event's capacity: its own when set, else the sum of its categories' capacities."""
    by_category = (
        select(func.sum(event_categories.c.capacity))
        .where(event_categories.c.event_id == events.c.id)
        .scalar_subquery()
    )
    return func.coalesce(events.c.capacity, by_category)


def _seats_held_by_season_tickets() -> ColumnElement:
    """Seats held at an event by season tickets: a season ticket with a seat category holds one
    seat at every event of its season (abonnements without a category choose their shows, and
    those shows appear as tickets)."""
    return (
        select(func.count())
        .select_from(season_tickets)
        .where(season_tickets.c.organization_id == events.c.organization_id)
        .where(season_tickets.c.season_id == events.c.season_id)
        .where(season_tickets.c.category_id.is_not(None))
        .scalar_subquery()
    )


def refresh_sales_summary(
    connection: Connection,
    organization_id: int,
    event_ids: Sequence[int] | Select | None = None,
) -> None:
    """Rebuild the organization's sales summaries from its tickets, in the caller's transaction.

    Called after every write to `tickets` (import, undo) so that the Overview, which reads only
    the summaries, shows exactly what the tickets say. A rebuild (two GROUP BYs over tickets)
    rather than a delta, so it cannot drift; `event_ids` limits it to the events a write
    touched (an import of one match does not recount the whole history).
    """
    by_day = (tickets.c.event_id, func.date(tickets.c.purchased_at))
    by_offer = (tickets.c.event_id, tickets.c.category_id, tickets.c.tariff_id,
                tickets.c.channel_id)
    for summary, keys in ((_DAY, by_day), (_OFFER, by_offer)):
        grouped = (
            select(tickets.c.organization_id, *keys, func.count(), func.sum(tickets.c.price))
            .where(tickets.c.organization_id == organization_id)
            .group_by(tickets.c.organization_id, *keys)
        )
        stale = delete(summary).where(summary.c.organization_id == organization_id)
        if event_ids is not None:
            grouped = grouped.where(tickets.c.event_id.in_(event_ids))
            stale = stale.where(summary.c.event_id.in_(event_ids))
        connection.execute(stale)
        connection.execute(insert(summary).from_select([c.name for c in summary.c], grouped))


def _distinct_buyers(scope: Scope) -> Select:
    """Distinct customers with a ticket in scope, counted over the tickets themselves.

    Buyers do not add up across events, so no summary can answer; GROUP BY in a subquery
    rather than COUNT(DISTINCT) lets PostgreSQL aggregate in parallel.
    """
    customers = (
        select(tickets.c.customer_id)
        .where(tickets.c.organization_id == scope.organization_id)
        .where(tickets.c.customer_id.is_not(None))
        .where(*_event_filters(scope, tickets.c.event_id))
        .group_by(tickets.c.customer_id)
        .subquery()
    )
    return select(func.count()).select_from(customers)


def kpis(engine: Engine, scope: Scope) -> Kpis:
    """Tickets sold, revenue, average price, distinct buyers and the fill rate of the scope."""
    totals = _scoped(
        select(
            func.coalesce(func.sum(_OFFER.c.ticket_count), 0),
            func.coalesce(func.sum(_OFFER.c.revenue), 0),
            func.count(distinct(_OFFER.c.event_id)),
        ),
        scope,
        _OFFER,
    )
    per_event = _scoped(
        select(_OFFER.c.event_id, func.sum(_OFFER.c.ticket_count).label("sold"))
        .group_by(_OFFER.c.event_id),
        scope,
        _OFFER,
    ).subquery()
    capacity = _event_capacity()
    fill = (
        select(func.sum(per_event.c.sold + _seats_held_by_season_tickets()), func.sum(capacity))
        .select_from(per_event.join(events, events.c.id == per_event.c.event_id))
        .where(capacity.is_not(None))
        .where(capacity > 0)
        .where(events.c.starts_at <= datetime.now())  # events still on sale would drag it down
    )
    with engine.connect() as connection:
        count, revenue, event_count = connection.execute(totals).one()
        sold_with_capacity, total_capacity = connection.execute(fill).one()
        buyers = connection.execute(_distinct_buyers(scope)).scalar_one() if count else 0
    count = int(count)
    revenue = float(revenue or 0)
    return Kpis(
        tickets=count,
        revenue=revenue,
        average_price=revenue / count if count else None,
        buyers=int(buyers),
        events=int(event_count),
        fill_rate=(float(sold_with_capacity) / float(total_capacity)) if total_capacity else None,
    )


def sales_by_day(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Tickets and revenue per purchase day (tickets without a purchase date are left out)."""
    day = _DAY.c.purchased_on.label("day")
    query = _scoped(
        select(day, func.sum(_DAY.c.ticket_count).label("tickets"),
               func.sum(_DAY.c.revenue).label("revenue"))
        .where(_DAY.c.purchased_on.is_not(None))
        .group_by(_DAY.c.purchased_on)
        .order_by(_DAY.c.purchased_on),
        scope,
        _DAY,
    )
    frame = _frame(engine, query, ["day", "tickets", "revenue"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def _days_before_event(engine: Engine) -> ColumnElement:
    """Whole days between purchase and event, in each dialect's own date arithmetic."""
    purchased_on = _DAY.c.purchased_on
    if engine.dialect.name == "postgresql":
        return cast(func.date(events.c.starts_at) - purchased_on, Integer)
    return cast(
        func.julianday(func.date(events.c.starts_at)) - func.julianday(purchased_on), Integer
    )


def booking_curve(engine: Engine, scope: Scope, horizon_days: int = 365) -> pd.DataFrame:
    """Tickets sold by days before the event, with the cumulative share sold at each point.

    Purchases further ahead than `horizon_days` are folded into the horizon so the curve still
    starts at the true share; purchases after the event (late scans, corrections) count as day 0.
    """
    raw = _days_before_event(engine)
    days = case(
        (raw > horizon_days, literal(horizon_days)), (raw < 0, literal(0)), else_=raw
    ).label("days_before")
    query = _scoped(
        select(days, func.sum(_DAY.c.ticket_count).label("tickets"))
        .select_from(_DAY.join(events, events.c.id == _DAY.c.event_id))
        .where(_DAY.c.purchased_on.is_not(None))
        .group_by(days)
        .order_by(days.desc()),
        scope,
        _DAY,
    )
    frame = _frame(engine, query, ["days_before", "tickets"])
    total = frame["tickets"].sum()
    frame["cumulative_share"] = frame["tickets"].cumsum() / total if total else 0.0
    return frame


def revenue_by(engine: Engine, scope: Scope, dimension: Dimension) -> pd.DataFrame:
    """Tickets and revenue per seat category, tariff or sales channel, largest revenue first."""
    table, key = _DIMENSIONS[dimension]
    name = func.coalesce(table.c.name, NOT_GIVEN).label("name")
    revenue = func.sum(_OFFER.c.revenue).label("revenue")
    query = _scoped(
        select(name, func.sum(_OFFER.c.ticket_count).label("tickets"), revenue)
        .select_from(_OFFER.outerjoin(table, table.c.id == key))
        .group_by(name)
        .order_by(revenue.desc()),
        scope,
        _OFFER,
    )
    return _frame(engine, query, ["name", "tickets", "revenue"])


def event_table(engine: Engine, scope: Scope) -> pd.DataFrame:
    """One row per event in scope: date, name, venue, sold, capacity, fill rate and revenue."""
    per_event = _scoped(
        select(
            _OFFER.c.event_id,
            func.sum(_OFFER.c.ticket_count).label("sold"),
            func.sum(_OFFER.c.revenue).label("revenue"),
        ).group_by(_OFFER.c.event_id),
        scope,
        _OFFER,
    ).subquery()
    query = (
        select(
            events.c.id, events.c.starts_at, events.c.name, venues.c.name.label("venue"),
            per_event.c.sold, _event_capacity().label("capacity"), per_event.c.revenue,
            _seats_held_by_season_tickets().label("season_seats"),
        )
        .select_from(
            per_event.join(events, events.c.id == per_event.c.event_id).outerjoin(
                venues, venues.c.id == events.c.venue_id
            )
        )
        .order_by(events.c.starts_at.desc())
    )
    frame = _frame(
        engine, query,
        ["event_id", "date", "event", "venue", "sold", "capacity", "revenue", "season_seats"],
    )
    frame["date"] = pd.to_datetime(frame["date"])
    capacity = pd.to_numeric(frame["capacity"], errors="coerce")
    frame["capacity"] = capacity.astype("Int64")
    occupied = frame["sold"] + pd.to_numeric(frame["season_seats"]).fillna(0)
    frame["fill_rate"] = (occupied / capacity.where(capacity > 0)).astype("Float64")
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
    "refresh_sales_summary",
    "revenue_by",
    "sales_by_day",
    "season_choices",
    "source_names",
    "venue_choices",
]
