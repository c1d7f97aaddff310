"""The Overview's SQL aggregations agree with the tickets that were imported, on every engine."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, insert, select, update

from arena.storage import analytics
from arena.storage.accounts import ensure_organization
from arena.storage.analytics import NOT_GIVEN, Scope
from arena.storage.importing import SqlImportStore
from arena.storage.schema import (
    customers,
    events,
    sales_by_event_day,
    sales_by_event_offer,
    sales_channels,
    season_tickets,
    seasons,
    seat_categories,
    tariffs,
    tickets,
    venues,
)
from tests.support.imports import import_file, undo

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
    import_file(tmp_path / "opera.csv", store, "opera", source="box")
    import_file(tmp_path / "other.csv", store, "other", source="box")
    refresh(engine, org.id, org.id + 1)
    return org.id, expected


def refresh(engine: Engine, *organization_ids: int) -> None:
    """What every import and undo does once its tickets are written (harmless when repeated)."""
    with engine.begin() as connection:
        for organization_id in organization_ids:
            analytics.refresh_sales_summary(connection, organization_id)


def raw_tickets(engine: Engine, organization_id: int) -> pd.DataFrame:
    """The organization's tickets as stored, with their names: the truth every figure must match."""
    query = (
        select(
            tickets.c.price, tickets.c.customer_id, tickets.c.purchased_at,
            events.c.name.label("event"), events.c.starts_at, events.c.season_id,
            events.c.venue_id, seat_categories.c.name.label("category"),
            tariffs.c.name.label("tariff"), sales_channels.c.name.label("channel"),
        )
        .select_from(
            tickets.join(events, events.c.id == tickets.c.event_id)
            .outerjoin(seat_categories, seat_categories.c.id == tickets.c.category_id)
            .outerjoin(tariffs, tariffs.c.id == tickets.c.tariff_id)
            .outerjoin(sales_channels, sales_channels.c.id == tickets.c.channel_id)
        )
        .where(tickets.c.organization_id == organization_id)
    )
    with engine.connect() as connection:
        frame = pd.DataFrame(connection.execute(query).mappings().all())
    frame["price"] = frame["price"].astype(float)
    frame["purchased_at"] = pd.to_datetime(frame["purchased_at"])
    frame["starts_at"] = pd.to_datetime(frame["starts_at"])
    return frame


def assert_every_figure_matches(engine: Engine, scope: Scope, truth: pd.DataFrame) -> None:
    """Each Overview figure for `scope` equals the same figure computed by pandas from `truth`."""
    figures = analytics.kpis(engine, scope)
    assert figures.tickets == len(truth)
    assert figures.revenue == pytest.approx(truth["price"].sum())
    assert figures.buyers == truth["customer_id"].nunique()
    assert figures.events == truth["event"].nunique()
    for dimension in ("category", "tariff", "channel"):
        frame = analytics.revenue_by(engine, scope, dimension).set_index("name")
        expected = truth.fillna({dimension: NOT_GIVEN}).groupby(dimension)["price"]
        assert frame["tickets"].to_dict() == expected.size().to_dict()
        assert frame["revenue"].to_dict() == pytest.approx(expected.sum().to_dict())
    dated = truth.dropna(subset=["purchased_at"])
    by_day = analytics.sales_by_day(engine, scope)
    per_day = dated.groupby(dated["purchased_at"].dt.normalize())["price"]
    assert dict(zip(by_day["day"], by_day["tickets"], strict=True)) == per_day.size().to_dict()
    assert by_day["revenue"].sum() == pytest.approx(dated["price"].sum())
    days = (dated["starts_at"].dt.normalize() - dated["purchased_at"].dt.normalize()).dt.days
    curve = analytics.booking_curve(engine, scope)
    expected_days = days.clip(lower=0, upper=365).value_counts().to_dict()
    assert dict(zip(curve["days_before"], curve["tickets"], strict=True)) == expected_days
    table = analytics.event_table(engine, scope).set_index("event")
    assert table["sold"].to_dict() == truth.groupby("event").size().to_dict()
    assert table["revenue"].to_dict() == pytest.approx(
        truth.groupby("event")["price"].sum().to_dict()
    )


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


def test_every_figure_equals_the_raw_tickets_in_every_scope(engine: Engine, sales) -> None:  # type: ignore[no-untyped-def]
    org_id, _ = sales
    truth = raw_tickets(engine, org_id)
    assert_every_figure_matches(engine, Scope(org_id), truth)
    for season_id in truth["season_id"].unique():
        season = truth[truth["season_id"] == season_id]
        assert_every_figure_matches(engine, Scope(org_id, season_id=int(season_id)), season)
        for venue_id in season["venue_id"].unique():
            both = season[season["venue_id"] == venue_id]
            scope = Scope(org_id, season_id=int(season_id), venue_id=int(venue_id))
            assert_every_figure_matches(engine, scope, both)


def test_tickets_without_date_category_or_buyer_are_counted_once(engine: Engine, sales) -> None:  # type: ignore[no-untyped-def]
    org_id, _ = sales
    with engine.begin() as connection:
        some = select(tickets.c.id).where(tickets.c.organization_id == org_id).limit(17)
        connection.execute(
            update(tickets).where(tickets.c.id.in_(some))
            .values(purchased_at=None, category_id=None, channel_id=None, customer_id=None)
        )
        late = select(tickets.c.id).where(tickets.c.organization_id == org_id).order_by(
            tickets.c.id.desc()).limit(5)
        connection.execute(update(tickets).where(tickets.c.id.in_(late))
                           .values(purchased_at=datetime(2016, 6, 1, 12, 0)))
    refresh(engine, org_id)
    truth = raw_tickets(engine, org_id)
    assert truth["purchased_at"].isna().sum() == 17
    assert_every_figure_matches(engine, Scope(org_id), truth)


def test_undoing_an_import_removes_its_tickets_from_every_figure(
    engine: Engine, sales, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    org_id, _ = sales
    write_sales(tmp_path / "late.csv", seed=9, tickets=60)
    report = import_file(tmp_path / "late.csv", SqlImportStore(engine), "opera", source="box")
    refresh(engine, org_id)
    assert analytics.kpis(engine, Scope(org_id)).tickets == 180
    assert_every_figure_matches(engine, Scope(org_id), raw_tickets(engine, org_id))
    undo(engine, "opera", report.import_id)
    refresh(engine, org_id)
    assert analytics.kpis(engine, Scope(org_id)).tickets == 120
    assert_every_figure_matches(engine, Scope(org_id), raw_tickets(engine, org_id))


def test_a_refresh_rebuilds_only_its_own_organization(engine: Engine, sales) -> None:  # type: ignore[no-untyped-def]
    org_id, _ = sales
    other_id = org_id + 1

    def summary_rows(organization_id: int) -> list[int]:
        with engine.connect() as connection:
            return [connection.execute(select(func.count()).where(
                summary.c.organization_id == organization_id)).scalar_one()
                for summary in (sales_by_event_day, sales_by_event_offer)]

    other_rows_before = summary_rows(other_id)
    with engine.begin() as connection:
        connection.execute(tickets.delete().where(tickets.c.organization_id == org_id))
        analytics.refresh_sales_summary(connection, org_id)
    assert analytics.kpis(engine, Scope(org_id)).tickets == 0
    assert summary_rows(org_id) == [0, 0]
    assert summary_rows(other_id) == other_rows_before
    assert min(other_rows_before) > 0
    assert analytics.kpis(engine, Scope(other_id)).tickets == 120


def test_fill_rate_counts_season_seats_and_leaves_events_still_on_sale_out(  # type: ignore[no-untyped-def]
    engine: Engine, sales
) -> None:
    org_id, expected = sales
    with engine.begin() as connection:
        connection.execute(
            update(events).where(events.c.organization_id == org_id).values(capacity=200)
        )
        tosca = connection.execute(
            select(events.c.id, events.c.season_id)
            .where(events.c.name == "Tosca").where(events.c.organization_id == org_id)
        ).one()
        customer = connection.execute(
            select(customers.c.id).where(customers.c.organization_id == org_id).limit(1)
        ).scalar_one()
        category = connection.execute(
            select(seat_categories.c.id).where(seat_categories.c.organization_id == org_id)
            .limit(1)
        ).scalar_one()
        connection.execute(insert(season_tickets).values(
            organization_id=org_id, customer_id=customer, season_id=tosca.season_id,
            category_id=category, price=300,
        ))
        # every other event moves to next year: still on sale, out of the headline fill rate
        connection.execute(
            update(events).where(events.c.id != tosca.id)
            .where(events.c.organization_id == org_id)
            .values(starts_at=datetime.now() + timedelta(days=365))
        )
    sold = int((expected["event"] == "Tosca").sum())
    assert analytics.kpis(engine, Scope(org_id)).fill_rate == pytest.approx((sold + 1) / 200)
    table = analytics.event_table(engine, Scope(org_id)).set_index("event")
    assert table.loc["Tosca", "fill_rate"] == pytest.approx((sold + 1) / 200)
