"""Synthetic ticketing for pricing tests: tickets written straight into the schema, with the truth.

A small club (three categories, 20-day sales) whose every sale is known: the test can compare
what the repository rebuilds from tickets with the daily quantities and full prices it wrote.
Reduced tickets count as sales at a lower price; season tickets and invitations are noise the
repository must leave out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, insert, select

from arena.storage.schema import (
    event_categories,
    events,
    organizations,
    season_tickets,
    seasons,
    seat_categories,
    tariffs,
    ticketing_sources,
    tickets,
    venues,
)

CATEGORIES: tuple[tuple[str, int, float, float], ...] = (
    # name, capacity for single sales, list price, expected buyers per event at list price
    ("Tribune", 60, 40.0, 45.0),
    ("Latérale", 110, 25.0, 95.0),
    ("Virage", 150, 12.0, 120.0),
)
SEASON_TICKETS_HELD = {"Tribune": 20}
HORIZON_DAYS = 20
ELASTICITY = -1.5


@dataclass(frozen=True)
class SeededClub:
    organization: str
    truth: pd.DataFrame  # event_id, category, days_before, price (full), quantity (single sales)
    past_event_ids: list[str]
    upcoming_event_ids: list[str]
    as_of: datetime


def seed_club(
    engine: Engine,
    n_past: int = 16,
    n_upcoming: int = 1,
    seed: int = 0,
    slug: str = "club",
    as_of: datetime = datetime(2025, 6, 1, 12, 0),
) -> SeededClub:
    """Insert a club's events and tickets; upcoming events have sales up to ``as_of`` only."""
    rng = np.random.default_rng(seed)
    weights = np.exp(-np.arange(HORIZON_DAYS, -1, -1) / 4.0) + 0.15
    weights /= weights.sum()
    with engine.begin() as connection:
        org = connection.execute(
            insert(organizations).values(slug=slug, name=slug.title()).returning(organizations.c.id)
        ).scalar_one()
        source = connection.execute(
            insert(ticketing_sources).values(organization_id=org, name="csv")
            .returning(ticketing_sources.c.id)
        ).scalar_one()
        venue = connection.execute(
            insert(venues).values(organization_id=org, name="Stade Test").returning(venues.c.id)
        ).scalar_one()
        season = connection.execute(
            insert(seasons).values(organization_id=org, label="2024-2025").returning(seasons.c.id)
        ).scalar_one()
        category_ids = {
            name: connection.execute(
                insert(seat_categories).values(organization_id=org, name=name)
                .returning(seat_categories.c.id)
            ).scalar_one()
            for name, *_ in CATEGORIES
        }
        tariff_ids = {
            kind: connection.execute(
                insert(tariffs).values(organization_id=org, name=label, kind=kind)
                .returning(tariffs.c.id)
            ).scalar_one()
            for label, kind in (("Plein tarif", "full"), ("Tarif réduit", "reduced"),
                                ("Abonnement", "season_ticket"), ("Invitation", "free"))
        }
        truth_rows: list[dict[str, object]] = []
        ticket_rows: list[dict[str, object]] = []
        past_ids: list[str] = []
        upcoming_ids: list[str] = []
        first_past = as_of - timedelta(days=7 * n_past + 3)
        dates = [first_past + timedelta(days=7 * k) for k in range(n_past)] + [
            as_of + timedelta(days=6 + 7 * k) for k in range(n_upcoming)
        ]
        for index, starts_at in enumerate(dates):
            starts_at = starts_at.replace(hour=20, minute=0, second=0, microsecond=0)
            opponent = f"Rival {'ABCD'[index % 4]}"
            event_id = connection.execute(
                insert(events).values(
                    organization_id=org, name=f"Club - {opponent}", starts_at=starts_at,
                    event_type="match", venue_id=venue, season_id=season,
                ).returning(events.c.id)
            ).scalar_one()
            (past_ids if starts_at <= as_of else upcoming_ids).append(str(event_id))
            attractiveness = np.exp(0.3 * (index % 4) - 0.45 + rng.normal(0, 0.1))
            level = np.round(attractiveness ** 0.3 * rng.uniform(0.9, 1.1), 2)
            for name, capacity, list_price, buyers in CATEGORIES:
                held = SEASON_TICKETS_HELD.get(name, 0)
                connection.execute(insert(event_categories).values(
                    event_id=event_id, category_id=category_ids[name],
                    capacity=capacity + held, list_price=list_price,
                ))
                opening = round(list_price * level)
                remaining = capacity
                for day in range(HORIZON_DAYS, -1, -1):
                    sale_day = starts_at.replace(hour=0, minute=0) - timedelta(days=day)
                    if sale_day + timedelta(hours=12) > as_of:
                        break
                    price = opening + (2.0 if day < HORIZON_DAYS // 2 else 0.0)
                    mean = buyers * attractiveness * weights[HORIZON_DAYS - day] * (
                        price / list_price) ** ELASTICITY
                    sold = int(min(rng.poisson(mean), remaining))
                    remaining -= sold
                    truth_rows.append({"event_id": str(event_id), "category": name,
                                       "days_before": day, "price": price, "quantity": sold})
                    for k in range(sold):
                        reduced = k % 5 == 4  # one in five is a reduced ticket, never the mode
                        ticket_rows.append(_ticket(
                            org, source, event_id, category_ids[name],
                            tariff_ids["reduced" if reduced else "full"],
                            round(price * (0.7 if reduced else 1.0), 2),
                            sale_day + timedelta(hours=10, minutes=k % 50), len(ticket_rows),
                        ))
                    if day == 3 and sold:
                        ticket_rows.append(_ticket(  # comps and season tickets: not sales
                            org, source, event_id, category_ids[name], tariff_ids["free"], 0.0,
                            sale_day, len(ticket_rows)))
                        ticket_rows.append(_ticket(
                            org, source, event_id, category_ids[name],
                            tariff_ids["season_ticket"], 15.0, sale_day, len(ticket_rows)))
        connection.execute(insert(tickets), ticket_rows)
        _season_ticket_holders(connection, org, season, category_ids)
    return SeededClub(slug, pd.DataFrame(truth_rows), past_ids, upcoming_ids, as_of)


def _ticket(org: int, source: int, event_id: int, category_id: int, tariff_id: int, price: float,
            purchased_at: datetime, number: int) -> dict[str, object]:
    return {
        "organization_id": org, "source_id": source, "ticket_ref": f"T{number}",
        "event_id": event_id, "category_id": category_id, "tariff_id": tariff_id,
        "price": price, "purchased_at": purchased_at,
    }


def _season_ticket_holders(connection, org: int, season: int,  # type: ignore[no-untyped-def]
                           category_ids: dict[str, int]) -> None:
    from arena.storage.schema import customers

    for name, held in SEASON_TICKETS_HELD.items():
        for k in range(held):
            customer = connection.execute(
                insert(customers).values(organization_id=org, customer_key=f"holder-{name}-{k}")
                .returning(customers.c.id)
            ).scalar_one()
            connection.execute(insert(season_tickets).values(
                organization_id=org, customer_id=customer, season_id=season,
                category_id=category_ids[name], price=320.0,
            ))


def organization_id(engine: Engine, slug: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(
            select(organizations.c.id).where(organizations.c.slug == slug)).scalar_one())
