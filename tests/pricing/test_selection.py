"""The venue's forecast is chosen by backtest: a failed or beaten model never reaches the prices."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from arena.commands import price as price_command
from arena.pricing.engine import offer_from_history
from arena.pricing.history import SalesHistory
from arena.pricing.model import DemandModel
from arena.pricing.rules import default_rules
from arena.pricing.selection import (
    HISTORY_MEAN,
    NAIVE_METHODS,
    STRUCTURAL,
    DemandForecaster,
    rolling_origin_folds,
)
from arena.pricing.simulation import SimulatedSeason, simulate_events, simulate_season
from arena.pricing.usecases import recommend_upcoming


class OverconfidentModel(DemandModel):
    """A structural model whose booking curve is three times too high: what a wrong model does."""

    def fit(self, history: SalesHistory, warm_start: DemandModel | None = None
            ) -> DemandModel:
        super().fit(history, warm_start)
        self.bucket_log_rate_ = self.bucket_log_rate_ + np.log(3.0)
        return self


def _unconverged() -> DemandModel:
    return DemandModel(max_iterations=2)


@pytest.fixture(scope="module")
def history() -> SalesHistory:
    return simulate_season(n_events=24, seed=31).history


@pytest.fixture(scope="module")
def beaten(history: SalesHistory) -> DemandForecaster:
    return DemandForecaster(model_factory=OverconfidentModel, horizons=(None, 14)).fit(history)


def test_rolling_origin_folds_only_ever_learn_from_earlier_events(
    season: SimulatedSeason,
) -> None:
    dates = season.history.events.set_index("event_id")["event_date"]
    folds = rolling_origin_folds(season.history, folds=3, min_train_events=3)
    assert len(folds) == 3
    tested = [event for _, test in folds for event in test]
    assert len(tested) == len(set(tested)), "each past event is forecast once"
    for train, test in folds:
        assert dates[train].max() < dates[test].min()


def test_the_chosen_forecast_is_never_worse_than_the_best_naive_method_on_the_backtest(
    history: SalesHistory,
) -> None:
    forecaster = DemandForecaster(horizons=(None, 30, 14, 7)).fit(history)
    comparison = forecaster.comparison()
    assert list(comparison["horizon"]) == ["pre-sale", "30 days before", "14 days before",
                                           "7 days before"]
    assert (comparison["chosen_wape"] <= comparison["best_naive_wape"] + 1e-12).all()
    naive = forecaster.scores_[forecaster.scores_["method"].isin(NAIVE_METHODS)]
    assert set(naive["method"]) == set(NAIVE_METHODS)


def test_a_model_beaten_by_the_history_mean_is_not_used_and_the_venue_is_told(
    history: SalesHistory, beaten: DemandForecaster,
) -> None:
    assert beaten.method_for(None) != STRUCTURAL
    upcoming = history.events.iloc[-2:]
    forecast = beaten.forecast(upcoming, offer_from_history(history, list(upcoming["event_id"])),
                               n_draws=200)
    assert set(forecast["method"]) == {beaten.method_for(None)}
    assert any("forecasts worse than a naive method" in text for text in beaten.warnings())
    assert any("beats the demand model" in text for text in beaten.selection_sentences())


def test_prices_are_held_when_the_model_lost_the_backtest(
    history: SalesHistory, beaten: DemandForecaster,
) -> None:
    upcoming = history.events.iloc[-2:]
    offer = offer_from_history(history, list(upcoming["event_id"]))
    rules = default_rules(history)
    recommendations = recommend_upcoming(beaten, upcoming, offer, lambda _: rules)
    for recommendation in recommendations:
        assert recommendation.held_because is not None
        current = offer[offer["event_id"] == recommendation.event_id].set_index("category")
        held = recommendation.schedule.groupby("category")["price"].agg(["min", "max"])
        assert np.allclose(held["min"], current.loc[held.index, "price"])
        assert np.allclose(held["max"], current.loc[held.index, "price"])
        assert recommendation.explanations["explanation"].str.contains(
            "kept at their current level").all()


def test_a_fit_that_did_not_converge_is_never_a_candidate(history: SalesHistory) -> None:
    forecaster = DemandForecaster(model_factory=_unconverged, horizons=(None, 14)).fit(history)
    assert not forecaster.structural_fit_.converged_
    assert forecaster.model_ is None
    assert STRUCTURAL not in set(forecaster.scores_["method"])
    assert forecaster.method_for(None) == HISTORY_MEAN
    assert "did not converge" in (forecaster.prices_trusted_at(None) or "")
    assert any("did not converge" in text for text in forecaster.warnings())


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, history: SalesHistory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("unconverged")
    history.sales.to_csv(folder / "sales.csv", index=False)
    history.events.to_csv(folder / "events.csv", index=False)
    upcoming = simulate_events(1, seed=77, first_date="2025-03-01")
    upcoming.to_csv(folder / "upcoming.csv", index=False)
    categories = list(history.categories)
    pd.DataFrame({"event_id": upcoming["event_id"].iloc[0], "category": categories,
                  "capacity": 3000.0, "static_price": [90.0, 60.0, 40.0, 25.0, 15.0]}
                 ).to_csv(folder / "categories.csv", index=False)
    (folder / "rules.json").write_text(json.dumps(
        {"horizon_days": 20, "categories_best_to_worst": categories, "pmin": 5, "pmax": 500,
         "max_daily_step": 3}))
    return {name: folder / f"{name}.csv" for name in
            ("sales", "events", "upcoming", "categories")} | {"rules": folder / "rules.json",
                                                               "folder": folder}


def test_the_cli_says_when_the_fit_did_not_converge_and_keeps_current_prices(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(price_command, "fit_forecaster", lambda history: DemandForecaster(
        model_factory=_unconverged, horizons=(None, 14)).fit(history))
    out = files["folder"] / "schedule.csv"
    result = CliRunner().invoke(price_command.price, [
        "recommend", "--sales", str(files["sales"]), "--events", str(files["events"]),
        "--upcoming", str(files["upcoming"]), "--categories", str(files["categories"]),
        "--rules", str(files["rules"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "did not converge" in result.stderr
    schedule = pd.read_csv(out)
    assert list(schedule.columns) == ["event_id", "category", "days_before", "price"]
    current = dict(zip(["Premium", "Cat1", "Cat2", "Cat3", "Popular"],
                       [90.0, 60.0, 40.0, 25.0, 15.0], strict=True))
    assert (schedule["price"] == schedule["category"].map(current)).all()


def test_the_cli_forecast_says_which_method_beat_the_model(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(price_command, "fit_forecaster", lambda history: DemandForecaster(
        model_factory=OverconfidentModel, horizons=(None, 14)).fit(history))
    out = files["folder"] / "forecast.csv"
    result = CliRunner().invoke(price_command.price, [
        "forecast", "--sales", str(files["sales"]), "--events", str(files["events"]),
        "--upcoming", str(files["upcoming"]), "--out", str(out), "--draws", "200"])
    assert result.exit_code == 0, result.output
    assert "forecasts worse than a naive method" in result.stderr
    assert "forecast is used" in result.stderr
    forecast = pd.read_csv(out)
    assert list(forecast.columns) == ["event_id", "category", "p10", "p50", "p90",
                                      "unconstrained", "sellout_probability"]
    assert (forecast["p10"] <= forecast["p50"]).all() and (forecast["p50"] <= forecast["p90"]).all()
