"""`arena demo` loads three synthetic organizations through the real import pipeline, once."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, text

from arena.commands.demo import demo_command
from arena.demo import DemoManifest, generate_demo
from arena.demo.loader import DemoLoadReport, demo_organization_slugs, load_demo
from arena.errors import ArenaUserError
from arena.ingest.mapping import Mapping
from arena.ingest.service import ImportReport
from arena.ingest.sniff import detect_layout
from arena.storage.accounts import ensure_organization, find_user, organizations_of
from arena.storage.db import create_database_engine
from arena.storage.demo_catalog import SqlDemoCatalog
from arena.storage.importing import SqlImportStore
from arena.storage.pricing_repository import SqlPricingRepository
from arena.storage.schema import metadata
from tests.support.databases import empty_all_tables, fresh_sqlite_url
from tests.support.imports import import_file

SCALE = 0.02
SEED = 42
AS_OF = date(2026, 11, 28)  # mid-season for the club and the theatre
# Reference data every organization shares: a reset leaves it.
SHARED_TABLES = {"countries", "regions", "cities", "postal_codes", "city_postal_codes"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    """One generation for the whole module: generating costs seconds, whatever the scale."""
    return generate_demo(tmp_path_factory.mktemp("demo"), seed=SEED, scale=SCALE, as_of=AS_OF)


def _load(engine: Engine, manifest: DemoManifest, *, reset: bool = False) -> DemoLoadReport:
    return load_demo(SqlImportStore(engine), SqlDemoCatalog(engine), work_dir=manifest.out_dir,
                     reset=reset, manifest=manifest)


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in metadata.sorted_tables}


def _frame(engine: Engine, sql: str, **params: object) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.DataFrame(connection.execute(text(sql), params).mappings().all())


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql",
                                                               marks=pytest.mark.postgres)])
def loaded(request: pytest.FixtureRequest, sqlite_template: Path, manifest: DemoManifest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, DemoLoadReport]]:
    """One database holding the demo (plus an unrelated organization), shared by read-only
    tests: loading costs seconds, reading it back milliseconds."""
    folder = tmp_path_factory.mktemp("loaded-demo")
    if request.param == "sqlite":
        url = fresh_sqlite_url(sqlite_template, folder)
    else:
        url = request.getfixturevalue("postgres_database")
    engine = create_database_engine(url)
    if request.param != "sqlite":
        empty_all_tables(engine)
    with engine.begin() as connection:
        ensure_organization(connection, "real-client", "A real client")
    report = _load(engine, manifest)
    yield engine, report
    engine.dispose()


def test_the_demo_creates_three_organizations_with_events_capacities_and_list_prices(
    loaded: tuple[Engine, DemoLoadReport],
) -> None:
    engine, report = loaded
    manifest_events = pd.read_csv(report.out_dir / "tables" / "events.csv",
                                  parse_dates=["event_date"])
    stored = _frame(engine, """
        SELECT o.slug, e.name, e.starts_at, e.event_type, e.capacity AS event_capacity,
               v.name AS venue, c.name AS category, ec.capacity, ec.list_price
        FROM events e JOIN organizations o ON o.id = e.organization_id
        JOIN event_categories ec ON ec.event_id = e.id
        JOIN seat_categories c ON c.id = ec.category_id
        LEFT JOIN venues v ON v.id = e.venue_id""")
    stored["starts_at"] = pd.to_datetime(stored["starts_at"])
    assert set(stored["slug"]) == set(demo_organization_slugs())
    merged = manifest_events.merge(
        stored, left_on=["organization_slug", "event_name", "event_date", "category"],
        right_on=["slug", "name", "starts_at", "category"], how="left", validate="one_to_one")
    assert merged["capacity_y"].notna().all(), "every event × category of the manifest is stored"
    assert (merged["capacity_x"] == merged["capacity_y"]).all()
    assert (merged["list_price_x"] == merged["list_price_y"].astype(float)).all()
    assert (merged["venue_x"] == merged["venue_y"]).all()
    totals = merged.groupby(["slug", "name", "starts_at"]).agg(
        seats=("capacity_x", "sum"), capacity=("event_capacity", "first"))
    assert (totals["seats"] == totals["capacity"]).all()
    kinds = merged.groupby("slug")["event_type"].unique().map(list).to_dict()
    assert kinds == {"olympique-loire": ["match"], "theatre-lumieres": ["show"],
                     "courir-garonne": ["race"]}
    venues = _frame(engine, "SELECT name, capacity, city_id, latitude FROM venues")
    assert venues["capacity"].gt(0).all() and venues["city_id"].notna().all()
    assert venues["latitude"].notna().all()


def test_every_exported_row_is_loaded_or_rejected_with_a_reason(
    loaded: tuple[Engine, DemoLoadReport],
) -> None:
    engine, report = loaded
    assert len(report.exports) == 10
    for export in report.exports:
        assert export.rows_read == export.rows_in_file
        assert export.rows_read == export.rows_loaded + export.rows_rejected
        assert export.rows_rejected <= 0.02 * export.rows_read
    stored = _frame(engine, """
        SELECT o.slug, i.rows_read, i.rows_loaded, i.rows_rejected,
               (SELECT COUNT(*) FROM rejected_rows r WHERE r.import_id = i.id) AS reasons,
               (SELECT COUNT(*) FROM tickets t WHERE t.import_id = i.id) AS tickets
        FROM imports i JOIN organizations o ON o.id = i.organization_id
        WHERE i.status = 'completed'""")
    assert len(stored) == 10
    assert (stored["rows_rejected"] == stored["reasons"]).all()
    assert (stored["rows_loaded"] == stored["tickets"]).all()
    reasons = _frame(engine, "SELECT code, message FROM rejected_rows")
    # The generator duplicates 0.3 % of rows: those, and only those, are turned away.
    assert set(reasons["code"]) == {"duplicate_row"}
    assert reasons["message"].str.len().gt(10).all()


def _season_tickets(engine: Engine) -> pd.DataFrame:
    return _frame(engine, """
        SELECT o.slug, c.customer_key, s.label AS season, cat.name AS category, st.price
        FROM season_tickets st JOIN customers c ON c.id = st.customer_id
        JOIN organizations o ON o.id = st.organization_id
        JOIN seasons s ON s.id = st.season_id
        LEFT JOIN seat_categories cat ON cat.id = st.category_id""")


def test_season_tickets_are_loaded_with_a_renewal_history_spanning_seasons(
    loaded: tuple[Engine, DemoLoadReport],
) -> None:
    engine, report = loaded
    subscriptions = pd.read_csv(report.out_dir / "tables" / "subscriptions.csv")
    every = _season_tickets(engine)
    assert len(every) == len(subscriptions) == report.season_tickets_added
    held = every[every["slug"] == "olympique-loire"]
    assert held["category"].notna().all()
    seasons = sorted(held["season"].unique())
    assert seasons == ["2024-2025", "2025-2026", "2026-2027"]
    by_season = held.groupby("season")["customer_key"].apply(set)
    for current, following in zip(seasons, seasons[1:], strict=False):
        renewed = len(by_season[current] & by_season[following]) / len(by_season[current])
        assert 0.65 < renewed < 0.92  # the generator targets 20 % churn a season
    assert (held.groupby("customer_key")["season"].nunique() == 3).any()


def test_theatre_abonnements_are_loaded_as_season_tickets_of_its_single_ticket_buyers(
    loaded: tuple[Engine, DemoLoadReport],
) -> None:
    engine, report = loaded
    subscriptions = pd.read_csv(report.out_dir / "tables" / "subscriptions.csv")
    expected = subscriptions[subscriptions["organization_slug"] == "theatre-lumieres"]
    every = _season_tickets(engine)
    held = every[every["slug"] == "theatre-lumieres"]
    assert len(held) == len(expected) > 0
    assert sorted(held["season"].unique()) == ["2025-2026", "2026-2027"]
    assert held["category"].isna().all(), "an abonnement is a choice of shows, not a seat"
    by_season = held.groupby("season")["customer_key"].apply(set)
    renewed = len(by_season["2025-2026"] & by_season["2026-2027"]) / len(by_season["2025-2026"])
    assert 0.65 <= renewed <= 0.85  # 25 % churn, see docs/demo-data.md
    # The subscribers' Abonné tickets were imported and belong to the same customers.
    abonnes = _frame(engine, """
        SELECT DISTINCT c.customer_key FROM tickets t JOIN customers c ON c.id = t.customer_id
        JOIN organizations o ON o.id = t.organization_id
        JOIN tariffs ta ON ta.id = t.tariff_id
        WHERE o.slug = 'theatre-lumieres' AND ta.name = 'Abonné'""")
    # Every subscriber holds Abonné tickets (a few rows lost their email, hence not all).
    assert held["customer_key"].isin(abonnes["customer_key"]).mean() >= 0.95


def test_the_pricing_repository_sees_upcoming_events_partly_sold(
    loaded: tuple[Engine, DemoLoadReport],
) -> None:
    engine, _ = loaded
    repository = SqlPricingRepository(engine)
    as_of = datetime.combine(AS_OF, datetime.min.time())
    for organization in ("olympique-loire", "theatre-lumieres"):
        lines = repository.product_lines(organization)
        frames = [repository.pricing_frames(organization, line.key, as_of=as_of)
                  for line in lines]
        upcoming = [event for f in frames for event in f.upcoming_event_ids()]
        past = [event for f in frames for event in f.past_event_ids()]
        assert upcoming and past, organization
        in_flight = [f.sales_to_date() for f in frames]
        on_sale = [history for history in in_flight if history is not None]
        assert on_sale, f"{organization}: some upcoming event has sales to date"
        statuses = pd.concat([f.event_list for f in frames])["status"]
        assert {"past", "on_sale", "not_on_sale"} <= set(statuses), organization


def test_the_demo_user_sees_exactly_the_three_demo_organizations(
    loaded: tuple[Engine, DemoLoadReport],
) -> None:
    engine, _ = loaded
    user = find_user(engine, "demo")
    assert user is not None
    assert {org.slug for org in organizations_of(engine, user)} == set(demo_organization_slugs())
    assert SqlDemoCatalog(engine).is_demo_loaded(demo_organization_slugs())


def test_organizations_never_share_customers(loaded: tuple[Engine, DemoLoadReport]) -> None:
    engine, _ = loaded
    crossing = _frame(engine, """
        SELECT 'ticket' AS what, COUNT(*) AS n FROM tickets t JOIN customers c
            ON c.id = t.customer_id WHERE c.organization_id <> t.organization_id
        UNION ALL SELECT 'order', COUNT(*) FROM orders o JOIN customers c
            ON c.id = o.customer_id WHERE c.organization_id <> o.organization_id
        UNION ALL SELECT 'season ticket', COUNT(*) FROM season_tickets s JOIN customers c
            ON c.id = s.customer_id WHERE c.organization_id <> s.organization_id""")
    assert crossing["n"].sum() == 0
    per_org = _frame(engine, "SELECT organization_id, COUNT(*) AS n FROM customers "
                             "GROUP BY organization_id")
    assert len(per_org) == 3 and per_org["n"].gt(0).all()


def test_arena_demo_generates_into_the_data_folder_and_loads_it(
    database_url: str, tmp_path: Path,
) -> None:
    env = {"ARENA_DATA_DIR": str(tmp_path / "var"), "ARENA_DATABASE_URL": database_url}
    result = CliRunner().invoke(demo_command, ["--scale", "0.01", "--as-of", "2027-03-01",
                                               "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["as_of"] == "2027-03-01"
    assert summary["rows_read"] == summary["rows_loaded"] + summary["rows_rejected"] > 0
    assert len(list((tmp_path / "var" / "demo" / "exports").glob("*.csv"))) == 10
    # Run again another day without --as-of: the loaded demo's date is kept, nothing changes.
    again = CliRunner().invoke(demo_command, ["--scale", "0.01", "--format", "json"], env=env)
    assert again.exit_code == 0, again.output
    rerun = json.loads(again.output)
    assert rerun["as_of"] == "2027-03-01" and rerun["unchanged"]
    engine = create_database_engine(database_url)
    assert SqlDemoCatalog(engine).is_demo_loaded(demo_organization_slugs())
    engine.dispose()


def test_loading_the_demo_twice_changes_nothing(engine: Engine, manifest: DemoManifest) -> None:
    first = _load(engine, manifest)
    before = _counts(engine)
    second = _load(engine, manifest)
    assert not first.unchanged and second.unchanged
    assert _counts(engine) == before
    assert [(e.rows_read, e.rows_loaded, e.rows_rejected) for e in second.exports] == [
        (e.rows_read, e.rows_loaded, e.rows_rejected) for e in first.exports]
    # Even forced through the pipeline, a file already loaded adds no business row.
    again = _reimport(engine, manifest.exports[0].path, organization=None)
    assert again.rows_loaded > 0 and sum(again.added.values()) == 0
    bookkeeping = {"imports", "import_warnings", "rejected_rows"}
    assert ({k: v for k, v in _counts(engine).items() if k not in bookkeeping}
            == {k: v for k, v in before.items() if k not in bookkeeping})


def _reimport(engine: Engine, export: Path, organization: str | None) -> ImportReport:
    """Import a demo export again with the source and mapping its first import recorded."""
    with engine.connect() as connection:
        slug, source, mapping = connection.execute(text(
            "SELECT o.slug, s.name, i.mapping FROM imports i "
            "JOIN organizations o ON o.id = i.organization_id "
            "JOIN ticketing_sources s ON s.id = i.source_id WHERE i.file_name = :name"),
            {"name": export.name}).one()
    layout = detect_layout(export)
    mapping = json.loads(mapping) if isinstance(mapping, str) else mapping  # SQLite JSON as text
    return import_file(export, SqlImportStore(engine), organization or slug, source=source,
                       mapping=Mapping.from_json(mapping, layout.headers))


def test_reset_removes_the_demo_and_nothing_else(engine: Engine, manifest: DemoManifest) -> None:
    with engine.begin() as connection:
        ensure_organization(connection, "real-client", "A real client")
    report = _load(engine, manifest)
    # A real client imports one of the same files: its copy must survive the reset.
    export = next(e.path for e in manifest.exports if e.vendor == "weezevent")
    theirs = _reimport(engine, export, organization="real-client")
    with_client = _counts(engine)
    assert report.rows_loaded > 0 and theirs.rows_loaded > 0

    assert _load(engine, manifest, reset=True).reset
    reloaded = _counts(engine)
    assert reloaded == with_client, "a reset then a load gives the same database back"

    assert SqlDemoCatalog(engine).reset(demo_organization_slugs()) == 3
    left = {name: n for name, n in _counts(engine).items() if name not in SHARED_TABLES and n}
    assert find_user(engine, "demo") is None
    client_only = _frame(engine, "SELECT COUNT(*) AS n FROM tickets t JOIN organizations o "
                                 "ON o.id = t.organization_id WHERE o.slug = 'real-client'")
    assert left["tickets"] == client_only["n"][0] == theirs.rows_loaded
    assert left["organizations"] == 1 and left["imports"] == 1
    assert "season_tickets" not in left and "users" not in left
    assert left["rejected_rows"] == theirs.rows_rejected


def test_a_demo_generated_differently_is_never_mixed_into_the_loaded_one(
    engine: Engine, manifest: DemoManifest, tmp_path: Path,
) -> None:
    _load(engine, manifest)
    before = _counts(engine)
    # Same file names, other content: what another seed or scale produces.
    other_dir = tmp_path / "other"
    shutil.copytree(manifest.out_dir, other_dir)
    other = replace(manifest, out_dir=other_dir, exports=[
        replace(e, path=other_dir / "exports" / e.path.name) for e in manifest.exports])
    changed = other.exports[-1].path
    changed.write_bytes(changed.read_bytes().rsplit(b"\r\n", 2)[0] + b"\r\n")
    with pytest.raises(ArenaUserError, match="--reset"):
        _load(engine, other)
    assert _counts(engine) == before
