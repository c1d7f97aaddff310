"""The demand model recovers a simulated market's true parameters and its hidden demand."""

from __future__ import annotations

import numpy as np
import pytest

from arena.pricing.choice import point_elasticity
from arena.pricing.history import SalesHistory
from arena.pricing.model import DemandModel, NotFittedError
from arena.pricing.simulation import SimulatedSeason

ELASTICITY_TOLERANCE = 0.25  # relative, per category, at the reference price
EFFECT_TOLERANCE = 0.15  # absolute, on log-attractiveness differences


def _elasticities(season: SimulatedSeason, model: DemandModel) -> tuple[np.ndarray, np.ndarray]:
    market = season.market
    reference = np.asarray(market.reference_price)
    true = point_elasticity(
        reference, market.utility, np.asarray(market.price_sensitivity), reference
    )
    estimated = point_elasticity(
        reference, model.utility_, model.price_sensitivity_, model.reference_price_
    )
    return true, estimated


def test_price_elasticity_of_every_category_is_recovered(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    true, estimated = _elasticities(season, fitted_model)
    assert np.all(np.abs(estimated / true - 1.0) < ELASTICITY_TOLERANCE)


def test_event_attractiveness_effects_are_recovered(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    effect = fitted_model.feature_effects().set_index("feature")["log_effect"]
    market = season.market
    tier_gap = effect["opponent_tier=A"] - effect["opponent_tier=C"]
    assert tier_gap == pytest.approx(
        market.tier_effect["A"] - market.tier_effect["C"], abs=EFFECT_TOLERANCE
    )
    weekday_gap = effect["weekday=Sat"] - effect["weekday=Wed"]
    assert weekday_gap == pytest.approx(
        market.weekday_effect["Sat"] - market.weekday_effect["Wed"], abs=EFFECT_TOLERANCE
    )
    per_sd = market.temperature_per_degree * season.history.events["temperature"].std(ddof=0)
    assert effect["temperature"] == pytest.approx(per_sd, abs=0.06)


def test_ignoring_event_attractiveness_biases_the_price_response(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    """Strong events were priced up: without features, price looks less harmful than it is."""
    bare_events = season.history.events[["event_id", "event_date"]]
    naive = DemandModel().fit(
        SalesHistory(season.history.sales, bare_events, season.history.categories)
    )
    true, controlled = _elasticities(season, fitted_model)
    _, naive_estimate = _elasticities(season, naive)
    assert np.abs(controlled - true).mean() < np.abs(naive_estimate - true).mean()


def test_unconstraining_recovers_sold_out_demand_better_than_raw_sales(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    estimate = fitted_model.unconstrain(season.history).merge(
        season.true_demand, on=["event_id", "category"]
    )
    sold_out = estimate[estimate["sold_out"]]
    assert len(sold_out) >= 20
    model_error = np.abs(sold_out["unconstrained"] - sold_out["true_demand"]).mean()
    raw_error = np.abs(sold_out["observed"] - sold_out["true_demand"]).mean()
    assert model_error < 0.5 * raw_error
    assert (estimate["unconstrained"] >= estimate["observed"]).all()


def test_a_model_used_before_fit_says_so() -> None:
    with pytest.raises(NotFittedError, match="fit"):
        DemandModel().feature_effects()


def test_predicted_quantities_are_never_negative_and_track_sales(
    season: SimulatedSeason, fitted_model: DemandModel
) -> None:
    predicted = fitted_model.predict(season.history, condition_on_sales=True)
    assert (predicted["expected_quantity"] >= 0).all()
    open_rows = ~season.history.sales["closed"].to_numpy()
    actual_total = season.history.sales["quantity"].to_numpy()[open_rows].sum()
    predicted_total = predicted["expected_quantity"].to_numpy()[open_rows].sum()
    assert predicted_total == pytest.approx(actual_total, rel=0.1)
