"""Recommended schedules obey every venue rule, are fast, explained, and earn more than static."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arena.pricing.choice import EventDemand
from arena.pricing.forecast import draw_sales
from arena.pricing.model import DemandModel
from arena.pricing.optimizer import (
    InfeasibleRulesError,
    PricingRules,
    recommend_prices,
    schedule_violations,
)
from arena.pricing.simulation import SimulatedSeason

N_CATEGORIES = 5


def _demand(season: SimulatedSeason, model: DemandModel, horizon: int = 60) -> EventDemand:
    event = season.history.events.iloc[3]
    return model.event_demand(event, np.asarray(season.market.capacity), horizon)


@st.composite
def rule_sets(draw: st.DrawFn) -> tuple[PricingRules | None, np.ndarray, str]:
    floors = np.array([draw(st.floats(1.0, 120.0)) for _ in range(N_CATEGORIES)])
    widths = np.array([draw(st.floats(-20.0, 150.0)) for _ in range(N_CATEGORIES)])
    steps = np.array([draw(st.floats(0.0, 15.0)) for _ in range(N_CATEGORIES)])
    season_ticket = np.array([draw(st.sampled_from([0.0, 10.0, 30.0, 80.0]))
                              for _ in range(N_CATEGORIES)])
    ratio = draw(st.floats(1.0, 1.6))
    monotone = draw(st.sampled_from(["none", "never_down", "never_up"]))
    current = np.array([draw(st.floats(5.0, 200.0)) for _ in range(N_CATEGORIES)])
    try:
        rules = PricingRules(
            categories=("Premium", "Cat1", "Cat2", "Cat3", "Popular"),
            pmin=np.round(floors, 2),
            pmax=np.round(floors + widths, 2),
            max_daily_step=np.round(steps, 2),
            min_ratio=round(ratio, 3),
            monotone=monotone,
            horizon_days=60,
            season_ticket_price=season_ticket,
        )
    except InfeasibleRulesError as error:
        return None, current, str(error)
    return rules, current, ""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=rule_sets())
def test_every_schedule_satisfies_every_rule_or_the_rules_are_refused(
    case: tuple[PricingRules | None, np.ndarray, str],
    season: SimulatedSeason,
    fitted_model: DemandModel,
) -> None:
    rules, current, message = case
    if rules is None:
        assert message and "\n" not in message
        return
    recommendation = recommend_prices(_demand(season, fitted_model), rules, current)
    matrix = recommendation.as_matrix()
    anchored = not schedule_violations(current[None, :], rules)
    assert schedule_violations(matrix, rules, current if anchored else None) == []
    assert matrix.shape == (61, N_CATEGORIES)


def test_rules_with_a_floor_above_the_ceiling_are_refused_in_one_sentence() -> None:
    with pytest.raises(InfeasibleRulesError, match="Cat1.*above its ceiling"):
        PricingRules.from_config(
            {"categories_best_to_worst": ["Premium", "Cat1"], "pmin": {"Cat1": 50}, "pmax": 40}
        )


def test_ratio_rules_no_price_can_meet_are_refused() -> None:
    with pytest.raises(InfeasibleRulesError, match="minimum ratio"):
        PricingRules.from_config(
            {"categories_best_to_worst": ["Premium", "Cat1"], "pmin": 30, "pmax": 40,
             "min_ratio_between_adjacent_categories": 1.5}
        )


def test_the_season_ticket_per_event_price_is_never_undercut(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    season_ticket = np.array([95.0, 70.0, 45.0, 28.0, 18.0])
    rules = PricingRules.from_config(
        {"categories_best_to_worst": list(fitted_model.categories_), "pmin": 1, "pmax": 400,
         "season_ticket_price": dict(zip(fitted_model.categories_, season_ticket, strict=True))}
    )
    recommendation = recommend_prices(_demand(season, fitted_model), rules, season_ticket)
    assert (recommendation.as_matrix() >= season_ticket - 1e-9).all()


def test_optimizing_five_categories_over_sixty_days_takes_under_100_ms(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    demand = _demand(season, fitted_model)
    rules = PricingRules.from_config(
        {"categories_best_to_worst": list(fitted_model.categories_), "pmin": 5, "pmax": 300,
         "min_ratio_between_adjacent_categories": 1.1, "max_daily_step": 2}
    )
    current = np.asarray(season.market.reference_price)
    recommend_prices(demand, rules, current)
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        recommend_prices(demand, rules, current)
        timings.append(time.perf_counter() - start)
    assert np.median(timings) < 0.100


def test_each_recommendation_explains_demand_elasticity_and_what_binds(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    rules = PricingRules.from_config(
        {"categories_best_to_worst": list(fitted_model.categories_), "pmin": 5, "pmax": 300,
         "max_daily_step": 0.5}
    )
    current = np.asarray(season.market.reference_price) * 0.6
    explanations = recommend_prices(_demand(season, fitted_model), rules, current).explanations
    assert len(explanations) == N_CATEGORIES
    for text in explanations["explanation"]:
        assert "expected demand" in text and "elasticity" in text
    assert explanations["binding"].str.contains("max_daily_step").any()


def test_recommended_prices_earn_more_than_static_prices_under_the_true_model(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    rules = PricingRules.from_config(
        {"categories_best_to_worst": list(fitted_model.categories_), "pmin": 5, "pmax": 300,
         "min_ratio_between_adjacent_categories": 1.05, "max_daily_step": 5}
    )
    static_total = recommended_total = 0.0
    events = season.history.events.iloc[::4]
    for index, (_, event) in enumerate(events.iterrows()):
        static = season.static_prices.query("event_id == @event.event_id")["price"].to_numpy()
        model_view = fitted_model.event_demand(event, np.asarray(season.market.capacity), 60)
        recommended = recommend_prices(model_view, rules, static).as_matrix()
        truth = season.market.event_demand(event, float(season.multipliers[event["event_id"]]))
        static_total += draw_sales(truth, static, 300, index).revenue.sum()
        recommended_total += draw_sales(truth, recommended, 300, index).revenue.sum()
    assert recommended_total > static_total * 1.01
