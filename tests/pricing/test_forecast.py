"""Forecasts: sane intervals, in-flight beats pickup, the what-if simulator is fast and consistent."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from arena.pricing.backtest import backtest_lift, forecast_accuracy
from arena.pricing.engine import forecast_events, offer_from_history
from arena.pricing.forecast import simulate
from arena.pricing.model import DemandModel
from arena.pricing.simulation import SimulatedSeason, simulate_season


def test_forecast_intervals_are_ordered_within_capacity_with_valid_probabilities(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    events = season.history.events.iloc[:5]
    offer = offer_from_history(season.history, list(events["event_id"]))
    forecast = forecast_events(fitted_model, events, offer, n_draws=500)
    capacity = forecast.merge(offer, on=["event_id", "category"])["capacity"]
    assert (forecast["p10"] <= forecast["p50"]).all()
    assert (forecast["p50"] <= forecast["p90"]).all()
    assert (forecast["p90"] <= capacity.to_numpy()).all()
    assert forecast["sellout_probability"].between(0, 1).all()
    assert (forecast["unconstrained"] >= 0).all()


def test_in_flight_forecast_beats_both_pickup_baselines_on_held_out_events() -> None:
    history = simulate_season(n_events=70, seed=21).history
    ids = history.event_ids
    accuracy = forecast_accuracy(
        history.subset(ids[:50]), history.subset(ids[50:]), cutoffs=(None, 14), n_draws=300
    )
    in_flight = accuracy[accuracy["cutoff"] == "14 days before"].set_index("method")["wape"]
    assert in_flight["arena model"] < in_flight["additive pickup"]
    assert in_flight["arena model"] < in_flight["multiplicative pickup"]
    pre_sale = accuracy[accuracy["cutoff"] == "pre-sale"].iloc[0]
    assert 0.6 <= pre_sale["coverage_80"] <= 0.97


def test_in_flight_forecast_moves_with_sales_to_date(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    """An event selling twice as fast as expected is forecast to end higher."""
    event = season.history.events.iloc[[0]]
    event_id = event["event_id"].iloc[0]
    to_date = season.history.truncated(30).subset([event_id])
    booming = to_date.sales.assign(quantity=to_date.sales["quantity"] * 2)
    offer = offer_from_history(season.history, [event_id])
    normal = forecast_events(fitted_model, event, offer, to_date, n_draws=400)
    fast = forecast_events(
        fitted_model, event, offer,
        type(to_date).from_frames(booming, to_date.events, to_date.categories), n_draws=400,
    )
    assert fast["p50"].sum() > normal["p50"].sum()


def test_the_what_if_simulator_answers_in_under_200_ms(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    demand = fitted_model.event_demand(season.history.events.iloc[0], season.market.capacity, 60)
    prices = np.asarray(season.market.reference_price)
    simulate(demand, prices)
    start = time.perf_counter()
    result = simulate(demand, prices)
    assert time.perf_counter() - start < 0.2
    assert result.total["revenue_p10"] <= result.total["revenue"] <= result.total["revenue_p90"]
    assert 0 <= result.total["fill_rate"] <= 1


def test_pricing_a_category_up_moves_buyers_to_the_others(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    demand = fitted_model.event_demand(season.history.events.iloc[5], [1e6] * 5, 60)
    prices = np.asarray(season.market.reference_price)
    dearer = prices.copy()
    dearer[1] *= 1.3
    before = simulate(demand, prices, seed=3).by_category.set_index("category")["sales"]
    after = simulate(demand, dearer, seed=3).by_category.set_index("category")["sales"]
    assert after.iloc[1] < before.iloc[1]
    assert (after.drop(after.index[1]) > before.drop(before.index[1])).all()


def test_the_backtest_reports_lift_with_bands_per_event_and_season(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    past = season.history.subset(season.history.event_ids[:6])
    result = backtest_lift(fitted_model, past, n_draws=100)
    per_event = result.per_event
    assert len(per_event) == 6
    assert (per_event["lift_p10"] <= per_event["lift"]).all()
    assert (per_event["lift"] <= per_event["lift_p90"]).all()
    assert isinstance(result.per_season, pd.DataFrame) and len(result.per_season) >= 1
    assert "counterfactual" in result.caveat
