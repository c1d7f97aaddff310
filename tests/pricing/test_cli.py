"""`arena price forecast|recommend` on small generated files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from arena.commands.price import price
from arena.pricing.optimizer import PricingRules, schedule_violations
from arena.pricing.simulation import simulate_events, simulate_season

CATEGORIES = ["Premium", "Cat1", "Cat2", "Cat3", "Popular"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("price")
    season = simulate_season(n_events=30, seed=7)
    season.history.sales[
        ["event_id", "event_date", "category", "capacity", "sale_date", "days_before", "price",
         "quantity"]
    ].to_csv(folder / "sales.csv", index=False)
    season.history.events.to_csv(folder / "events.csv", index=False)
    upcoming = simulate_events(2, seed=99, first_date="2025-03-01")
    upcoming.to_csv(folder / "upcoming.csv", index=False)
    rows = []
    for event_id in upcoming["event_id"]:
        for category, capacity, reference in zip(
            CATEGORIES, season.market.capacity, season.market.reference_price, strict=True
        ):
            rows.append({"event_id": event_id, "category": category, "capacity": capacity,
                         "static_price": reference, "pmin": reference * 0.7, "pmax": reference * 1.6,
                         "max_daily_step": 2.0})
    pd.DataFrame(rows).to_csv(folder / "categories.csv", index=False)
    rules = {"horizon_days": 30, "categories_best_to_worst": CATEGORIES,
             "min_ratio_between_adjacent_categories": 1.1, "monotone": "never_down",
             "pmin": 5, "pmax": 500, "max_daily_step": 3}
    (folder / "rules.json").write_text(json.dumps(rules))
    return {name: folder / f"{name}.csv" for name in ("sales", "events", "upcoming", "categories")} | {
        "rules": folder / "rules.json", "folder": folder
    }


def _run(args: list[str]) -> object:
    return CliRunner().invoke(price, args, catch_exceptions=False)


def test_forecast_writes_one_row_per_event_and_category_with_its_interval(
    files: dict[str, Path],
) -> None:
    out = files["folder"] / "forecast.csv"
    result = _run(["forecast", "--sales", str(files["sales"]), "--events", str(files["events"]),
                   "--upcoming", str(files["upcoming"]), "--out", str(out), "--draws", "300"])
    assert result.exit_code == 0, result.output
    forecast = pd.read_csv(out)
    assert list(forecast.columns) == ["event_id", "category", "p10", "p50", "p90",
                                      "unconstrained", "sellout_probability"]
    assert len(forecast) == 2 * len(CATEGORIES)
    assert (forecast["p10"] <= forecast["p90"]).all()


def test_in_flight_forecast_never_falls_below_sales_to_date(files: dict[str, Path]) -> None:
    upcoming = pd.read_csv(files["upcoming"])
    to_date = simulate_season(n_events=2, seed=99).history.truncated(20).sales
    to_date["event_id"] = to_date["event_id"].map(
        dict(zip(sorted(to_date["event_id"].unique()), upcoming["event_id"], strict=True))
    )
    to_date_path = files["folder"] / "to_date.csv"
    to_date.to_csv(to_date_path, index=False)
    out = files["folder"] / "in_flight.csv"
    result = _run(["forecast", "--sales", str(files["sales"]), "--events", str(files["events"]),
                   "--upcoming", str(files["upcoming"]), "--sales-to-date", str(to_date_path),
                   "--out", str(out), "--draws", "300"])
    assert result.exit_code == 0, result.output
    sold = to_date.groupby(["event_id", "category"])["quantity"].sum().rename("sold")
    merged = pd.read_csv(out, dtype={"event_id": str}).join(sold, on=["event_id", "category"])
    assert (merged["p10"] >= merged["sold"]).all()


def test_recommend_prints_a_rule_abiding_price_for_every_day_of_the_horizon(
    files: dict[str, Path],
) -> None:
    out = files["folder"] / "schedule.csv"
    explain = files["folder"] / "explain.csv"
    result = _run(["recommend", "--sales", str(files["sales"]), "--events", str(files["events"]),
                   "--upcoming", str(files["upcoming"]), "--categories", str(files["categories"]),
                   "--rules", str(files["rules"]), "--out", str(out), "--explain", str(explain)])
    assert result.exit_code == 0, result.output
    schedule = pd.read_csv(out, dtype={"event_id": str})
    assert list(schedule.columns) == ["event_id", "category", "days_before", "price"]
    assert len(schedule) == 2 * len(CATEGORIES) * 31
    config = json.loads(files["rules"].read_text())
    categories = pd.read_csv(files["categories"], dtype={"event_id": str})
    for event_id, rows in schedule.groupby("event_id"):
        rules = PricingRules.from_config(config, categories[categories["event_id"] == event_id])
        matrix = rows.pivot(index="days_before", columns="category", values="price")
        matrix = matrix.sort_index(ascending=False)[CATEGORIES].to_numpy()
        assert schedule_violations(matrix, rules) == []
    assert pd.read_csv(explain)["explanation"].str.contains("elasticity").all()


def test_infeasible_rules_give_one_clear_sentence_and_a_non_zero_exit(
    files: dict[str, Path],
) -> None:
    rules = json.loads(files["rules"].read_text()) | {"min_ratio_between_adjacent_categories": 3}
    bad = files["folder"] / "bad_rules.json"
    bad.write_text(json.dumps(rules))
    out = files["folder"] / "never.csv"
    result = CliRunner().invoke(
        price, ["recommend", "--sales", str(files["sales"]), "--events", str(files["events"]),
                "--upcoming", str(files["upcoming"]), "--categories", str(files["categories"]),
                "--rules", str(bad), "--out", str(out)])
    assert result.exit_code != 0
    assert "minimum ratio" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_sales_file_missing_a_column_is_refused_by_name(files: dict[str, Path]) -> None:
    broken = files["folder"] / "broken.csv"
    pd.read_csv(files["sales"]).drop(columns=["quantity"]).to_csv(broken, index=False)
    result = CliRunner().invoke(
        price, ["forecast", "--sales", str(broken), "--events", str(files["events"]),
                "--upcoming", str(files["upcoming"]), "--out", str(files["folder"] / "x.csv")])
    assert result.exit_code != 0 and "quantity" in result.output

