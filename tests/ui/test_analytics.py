"""The Overview's SQL aggregations agree with the tickets that were imported, on every engine."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select, update

from arena.ingest.service import ImportOptions, run_import
from arena.storage import analytics
from arena.storage.accounts import ensure_organization
from arena.storage.analytics import Scope
from arena.storage.schema import events, seasons, venues
from arena.storage.ticket_loader import SqlImportStore

HEADER = "Billet;Spectacle;Date représentation;Lieu;Prix;Catégorie;Tarif;Canal;Date achat;Email"
SHOWS = [
    ("Carmen", datetime(2014, 11, 20, 20, 30), "Opéra Nord"),
    ("Tosca", datetime(2015, 10, 8, 20, 0), "Opéra Nord"),
    ("Nabucco", datetime(2015, 12, 3, 19, 30), "Théâtre Sud"),
]


def write_sales(path: Path, seed: int, tickets: int = 120) -> pd.DataFrame:
    """A random but fully known season of sales, written as a French `;` export."""
    rng = random.Random(seed)
    rows = []
    for number in range(tickets):
        name, starts_at, venue = rng.choice(SHOWS)
        bought = starts_at - timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 600))
        rows.append({
            "ticket": f"T{seed}-{number}", "event": name, "starts_at": starts_at, "venue": venue,
            "price": rng.choice([15.5, 30.0, 72.25]), "category": rng.choice(["Cat 1", "Cat 2"]),
            "tariff": rng.choice(["Plein tarif", "Réduit"]),
            "channel": rng.choice(["Internet", "Guichet"]), "bought": bought,
            "email": f"buyer{rng.randint(1, 40)}@example.org",
        })
    lines = [HEADER] + [
        f"{r['ticket']};{r['event']};{r['starts_at']:%d/%m/%Y %H:%M};{r['venue']};"
        f"{str(r['price']).replace('.', ',')};{r['category']};{r['tariff']};{r['channel']};"
        f"{r['bought']:%d/%m/%Y %H:%M};{r['email']}"
        for r in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return pd.DataFrame(rows)


@pytest.fixture
def sales(engine: Engine, tmp_path: Path) -> tuple[int, pd.DataFrame]:
    with engine.begin() as connection:
        org = ensure_organization(connection, "opera", "Opéra")
        ensure_organization(connection, "other", "Other club")
    expected = write_sales(tmp_path / "opera.csv", seed=7)
    write_sales(tmp_path / "other.csv", seed=8)
    store = SqlImportStore(engine)
    run_import(tmp_path / "opera.csv", ImportOptions(organization="opera", source="box"), store)
    run_import(tmp_path / "other.csv", ImportOptions(organization="other", source="box"), store)
    return org.id, expected


def test_headline_figures_match_the_imported_tickets(engine: Engine, sales) -> None:  # type: ignore[no-untyped-def]
    org_id, expected = sales
    figures = analytics.kpis(engine, Scope(org_id))
    assert figures.tickets == len(expected)
    assert figures.revenue == pytest.approx(expected["price"].sum())
    assert figures.average_price == pytest.approx(expected["price"].mean())
    assert figures.buyers == expected["email"].nunique()
    assert figures.events == expected["event"].nunique()
    assert figures.fill_rate is None  # no capacity known yet: no invented fill rate


def test_fill_rate_uses_only_events_whose_capacity_is_known(engine: Engine, sales) -> None:  # type: ignore[no-untyped-def]
    org_id, expected = sales
    with engine.begin() as connection:
        connection.execute(update(events).where(events.c.name == "Tosca").values(capacity=200))
    tosca = int((expected["event"] == "Tosca").sum())
    assert analytics.kpis(engine, Scope(org_id)).fill_rate == pytest.approx(tosca / 200)
    table = analytics.event_table(engine, Scope(org_id)).set_index("event")
    assert table.loc["Tosca", "fill_rate"] == pytest.approx(tosca / 200)
    assert pd.isna(table.loc["Carmen", "capacity"])


def test_revenue_breakdowns_add_up_per_category_tariff_and_channel(engine: Engine, sales) -> None:  # type: ignore[no-untyped-def]
    org_id, expected = sales
    for dimension in ("category", "tariff", "channel"):
        frame = analytics.revenue_by(engine, Scope(org_id), dimension).set_index("name")
        truth = expected.groupby(dimension)["price"].agg(["sum", "size"])
        assert frame["revenue"].to_dict() == pytest.approx(truth["sum"].to_dict())
        assert frame["tickets"].to_dict() == truth["size"].to_dict()


def test_sales_over_time_and_booking_curve_count_every_ticket(engine: Engine, sales) -> None:  # type: ignore[no-untyped-def]
    org_id, expected = sales
    by_day = analytics.sales_by_day(engine, Scope(org_id))
    truth = expected.groupby(expected["bought"].dt.normalize())["price"].size()
    assert dict(zip(by_day["day"], by_day["tickets"], strict=True)) == truth.to_dict()
    curve = analytics.booking_curve(engine, Scope(org_id))
    days = (expected["starts_at"].dt.normalize() - expected["bought"].dt.normalize()).dt.days
    assert dict(zip(curve["days_before"], curve["tickets"], strict=True)) == (
        days.value_counts().to_dict()
    )
    assert curve["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert curve["days_before"].is_monotonic_decreasing


def test_season_and_venue_filters_narrow_every_figure(engine: Engine, sales) -> None:  # type: ignore[no-untyped-def]
    org_id, expected = sales
    with engine.connect() as connection:
        season_ids = dict(connection.execute(
            select(seasons.c.label, seasons.c.id).where(seasons.c.organization_id == org_id)).all())
        venue_ids = dict(connection.execute(
            select(venues.c.name, venues.c.id).where(venues.c.organization_id == org_id)).all())
    choices = {c.label for c in analytics.season_choices(engine, org_id)}
    assert choices == set(season_ids) and len(choices) == 2
    south = analytics.kpis(engine, Scope(org_id, venue_id=venue_ids["Théâtre Sud"]))
    assert south.tickets == int((expected["venue"] == "Théâtre Sud").sum())
    recent = max(season_ids)
    in_recent = analytics.event_table(engine, Scope(org_id, season_id=season_ids[recent]))
    assert set(in_recent["event"]) == {"Tosca", "Nabucco"}


def test_an_organization_never_sees_another_ones_tickets(engine: Engine, sales) -> None:  # type: ignore[no-untyped-def]
    org_id, expected = sales
    table = analytics.event_table(engine, Scope(org_id))
    assert table["sold"].sum() == len(expected)  # the other club's identical shows are not here
    assert analytics.source_names(engine, org_id) == ["box"]
    assert analytics.kpis(engine, Scope(org_id + 1000)).tickets == 0
