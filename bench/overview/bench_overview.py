"""Overview with a million tickets in PostgreSQL: times each SQL aggregation and a full page render.

Usage (PostgreSQL on 127.0.0.1, database created if missing, filled once, reused afterwards):
    .venv/bin/python bench/overview/bench_overview.py \
        --url postgresql+psycopg2://postgres@127.0.0.1/arena_bench --tickets 1000000
Tickets are generated in the database with generate_series (INSERT … SELECT): seconds, not
minutes, and no Python object per ticket. The sales summary is then rebuilt as an import would
(`refresh_sales_summary`, timed) before the Overview is measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from arena.storage import analytics
from arena.storage.analytics import Scope
from arena.storage.db import create_database_engine, upgrade_database

ROOT = Path(__file__).resolve().parents[2]
GENERATE = """
INSERT INTO organizations (slug, name) VALUES ('bench', 'Benchmark FC');
INSERT INTO ticketing_sources (organization_id, name) SELECT id, 'bench' FROM organizations;
INSERT INTO venues (organization_id, name, capacity)
  SELECT o.id, 'Stade ' || v, 30000 FROM organizations o, generate_series(1, 3) v;
INSERT INTO seasons (organization_id, label)
  SELECT o.id, (2010 + s) || '-' || (2011 + s) FROM organizations o, generate_series(0, 4) s;
INSERT INTO events (organization_id, name, starts_at, event_type, venue_id, season_id, capacity)
  SELECT o.id, 'Match ' || e, timestamp '2010-09-01 20:00' + (e * interval '9 days'), 'match',
         (SELECT min(id) FROM venues) + (e % 3), (SELECT min(id) FROM seasons) + (e / 40),
         CASE WHEN e % 5 = 0 THEN NULL ELSE 8000 END
  FROM organizations o, generate_series(0, 199) e;
INSERT INTO seat_categories (organization_id, name) SELECT o.id, 'Cat ' || c
  FROM organizations o, generate_series(1, 6) c;
INSERT INTO tariffs (organization_id, name) SELECT o.id, 'Tarif ' || t
  FROM organizations o, generate_series(1, 8) t;
INSERT INTO sales_channels (organization_id, name) SELECT o.id, 'Canal ' || c
  FROM organizations o, generate_series(1, 4) c;
INSERT INTO customers (organization_id, customer_key)
  SELECT o.id, 'c' || c FROM organizations o, generate_series(1, 200000) c;
INSERT INTO tickets (organization_id, source_id, ticket_ref, event_id, category_id, tariff_id,
                     channel_id, customer_id, price, purchased_at)
  SELECT 1, 1, 't' || n, ev.id, (SELECT min(id) FROM seat_categories) + n % 6,
         (SELECT min(id) FROM tariffs) + n % 8, (SELECT min(id) FROM sales_channels) + n % 4,
         (SELECT min(id) FROM customers) + (n * 7919) % 200000, 10 + (n % 90),
         ev.starts_at - ((n * 31) % 120) * interval '1 day' - (n % 600) * interval '1 minute'
  FROM generate_series(0, :tickets - 1) n
  JOIN events ev ON ev.id = (SELECT min(id) FROM events) + (n % 200);
ANALYZE;
"""


def ensure_database(url: str, tickets: int) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    upgrade_database(url)
    engine = create_database_engine(url)
    with engine.begin() as connection:
        count = connection.execute(text("SELECT count(*) FROM tickets")).scalar_one()
        if count != tickets:
            for table in ("tickets", "customers", "events", "seat_categories", "tariffs",
                          "sales_channels", "seasons", "venues", "ticketing_sources",
                          "organizations"):
                connection.execute(text(f"DELETE FROM {table}"))
            connection.execute(text("SELECT setval(pg_get_serial_sequence(t, 'id'), 1, false) "
                                    "FROM unnest(ARRAY['organizations','ticketing_sources',"
                                    "'venues','seasons','events','seat_categories','tariffs',"
                                    "'sales_channels','customers','tickets']) t"))
            started = time.perf_counter()
            for statement in GENERATE.split(";\n"):
                if statement.strip():
                    connection.execute(text(statement), {"tickets": tickets})
            print(f"generated {tickets:,} tickets in {time.perf_counter() - started:.1f} s")
    engine.dispose()


def time_refresh(url: str) -> float:
    """What an import or undo pays to keep the Overview's summary exact (one full rebuild)."""
    engine = create_database_engine(url)
    with engine.begin() as connection:
        org = connection.execute(text("SELECT id FROM organizations")).scalar_one()
        started = time.perf_counter()
        analytics.refresh_sales_summary(connection, org)
        seconds = time.perf_counter() - started
        rows = connection.execute(text("SELECT (SELECT count(*) FROM sales_by_event_day) + "
                                          "(SELECT count(*) FROM sales_by_event_offer)")).scalar_one()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # What autovacuum does in production (it is off on the shared test machine): without
        # statistics the planner estimates 5,000 tickets and picks nested loops.
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"refresh_sales_summary: {seconds * 1000:.0f} ms ({rows:,} summary rows)")
    return seconds


def time_queries(url: str, repeats: int) -> dict[str, float]:
    engine = create_database_engine(url)
    with engine.connect() as connection:
        org = connection.execute(text("SELECT id FROM organizations")).scalar_one()
        season = connection.execute(text("SELECT max(season_id) FROM events")).scalar_one()
    scope = Scope(org)
    one_season = Scope(org, season_id=season)
    calls = {
        "kpis": lambda: analytics.kpis(engine, scope),
        "sales_by_day": lambda: analytics.sales_by_day(engine, scope),
        "booking_curve": lambda: analytics.booking_curve(engine, scope),
        "revenue_by x3": lambda: [analytics.revenue_by(engine, scope, d)
                                  for d in ("category", "tariff", "channel")],
        "event_table": lambda: analytics.event_table(engine, scope),
        "all, 1 season": lambda: (
            analytics.kpis(engine, one_season), analytics.sales_by_day(engine, one_season),
            analytics.booking_curve(engine, one_season), analytics.event_table(engine, one_season),
            [analytics.revenue_by(engine, one_season, d) for d in ("category", "tariff", "channel")],
        ),
    }
    medians = {}
    for name, call in calls.items():
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        medians[name] = statistics.median(times)
    engine.dispose()
    return medians


def time_page(url: str, repeats: int) -> list[float]:
    """A cold render of app.py → Overview (caches cleared each time), logged in as a bench user."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from arena.storage.accounts import add_user, find_user
    from arena.ui.session import SessionUser

    os.environ["ARENA_DATABASE_URL"] = url
    os.environ["ARENA_DEMO_ON_FIRST_RUN"] = "0"
    engine = create_database_engine(url)
    user = find_user(engine, "bench") or add_user(engine, "bench", "bench-password", ["bench"])
    engine.dispose()
    st.cache_resource.clear()
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()  # migrate + warm imports
    renders = []
    for _ in range(repeats):
        st.cache_data.clear()
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        app.session_state["arena.user"] = SessionUser(user.id, user.username, user.is_admin)
        started = time.perf_counter()
        app.run()
        renders.append(time.perf_counter() - started)
        assert not app.exception, app.exception
        assert app.metric[0].value.replace("\u202f", "") == str(TICKETS), app.metric[0].value
    warm = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    warm.session_state["arena.user"] = SessionUser(user.id, user.username, user.is_admin)
    started = time.perf_counter()
    warm.run()
    print(f"Overview page, warm cache (same filters again): {time.perf_counter() - started:.2f} s")
    return renders


TICKETS = 1_000_000

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg2://postgres@127.0.0.1/arena_bench")
    parser.add_argument("--tickets", type=int, default=TICKETS)
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    TICKETS = arguments.tickets
    ensure_database(arguments.url, arguments.tickets)
    time_refresh(arguments.url)
    for name, seconds in time_queries(arguments.url, arguments.repeats).items():
        print(f"{name:>15}: {seconds * 1000:7.0f} ms (median of {arguments.repeats})")
    renders = time_page(arguments.url, arguments.repeats)
    print(f"Overview page, cold cache, full AppTest run: median {statistics.median(renders):.2f} s, "
          f"max {max(renders):.2f} s over {len(renders)} renders")
