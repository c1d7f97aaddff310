"""`arena price recommend|forecast --org ORG --event EVENT` read the database, not files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from arena.commands.price import price
from tests.support.pricing_data import CATEGORIES, SeededClub, seed_club


@pytest.fixture
def club(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch,
         tmp_path: Path) -> SeededClub:
    monkeypatch.setenv("ARENA_DATABASE_URL", database_url)
    monkeypatch.setenv("ARENA_DATA_DIR", str(tmp_path))
    return seed_club(engine, n_past=8, n_upcoming=1, seed=5)


def test_recommend_prices_an_event_of_the_database(club: SeededClub, tmp_path: Path) -> None:
    out = tmp_path / "schedule.csv"
    event_id = club.upcoming_event_ids[0]
    result = CliRunner().invoke(
        price, ["recommend", "--org", club.organization, "--event", event_id, "--out", str(out),
                "--as-of", club.as_of.isoformat(sep=" ")]
    )
    assert result.exit_code == 0, result.output
    schedule = pd.read_csv(out, dtype={"event_id": str})
    assert set(schedule["event_id"]) == {event_id}
    assert set(schedule["category"]) == {name for name, *_ in CATEGORIES}
    assert schedule["days_before"].min() == 0
    assert (schedule["price"] > 0).all()
    # the season ticket's per-event price is a floor of its category
    tribune = schedule[schedule["category"] == "Tribune"]["price"]
    assert tribune.min() >= 320.0 / (len(club.past_event_ids) + 1) - 0.01


def test_recommend_prints_the_schedule_when_no_file_is_given(club: SeededClub) -> None:
    result = CliRunner().invoke(
        price, ["recommend", "--org", club.organization, "--event", club.past_event_ids[-1]]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "event_id,category,days_before,price"


def test_forecast_an_upcoming_event_from_its_sales_to_date(club: SeededClub,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "forecast.csv"
    event_id = club.upcoming_event_ids[0]
    result = CliRunner().invoke(
        price, ["forecast", "--org", club.organization, "--event", event_id, "--out", str(out),
                "--draws", "300", "--as-of", club.as_of.isoformat(sep=" ")]
    )
    assert result.exit_code == 0, result.output
    forecast = pd.read_csv(out).set_index("category")
    sold = club.truth[club.truth["event_id"] == event_id].groupby("category")["quantity"].sum()
    assert (forecast["p10"] >= sold.reindex(forecast.index) - 1e-9).all(), \
        "a forecast never falls below what is already sold"
    assert (forecast["p10"] <= forecast["p90"]).all()


def test_an_unknown_event_is_one_clear_sentence(club: SeededClub) -> None:
    result = CliRunner().invoke(
        price, ["recommend", "--org", club.organization, "--event", "Club - Nobody"]
    )
    assert result.exit_code == 1
    assert "no event 'Club - Nobody'" in result.output


def test_the_file_mode_still_asks_for_its_files(club: SeededClub) -> None:
    result = CliRunner().invoke(price, ["recommend", "--sales", __file__])
    assert result.exit_code == 2
    assert "--org ORG" in result.output
