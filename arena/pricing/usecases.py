"""What the CLI and the pages do with a venue's history: fit, forecast and recommend, verdict applied.

``arena price …`` (files or database) and the dashboard call these same functions, so a forecast
or a price never depends on where it is asked from. The verdict of the backtest
(``DemandForecaster``) is applied here: the forecast that won on the venue's past is the one shown,
and a demand model that failed or lost does not set prices (they are held, and every explanation
says why).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from arena.pricing.choice import EventDemand
from arena.pricing.engine import build_event_demands
from arena.pricing.history import SalesHistory
from arena.pricing.optimizer import (
    PriceRecommendation,
    PricingRules,
    hold_current_prices,
    recommend_prices,
)
from arena.pricing.selection import DemandForecaster

FORECAST_COLUMNS: tuple[str, ...] = (
    "event_id", "category", "p10", "p50", "p90", "unconstrained", "sellout_probability",
)


def fit_forecaster(history: SalesHistory) -> DemandForecaster:
    """The venue's forecaster: the structural model plus the backtest that judges it."""
    return DemandForecaster().fit(history)


def forecast_upcoming(
    forecaster: DemandForecaster,
    events: pd.DataFrame,
    offer: pd.DataFrame,
    sales_to_date: SalesHistory | None = None,
    n_draws: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Final sales per event x category (``FORECAST_COLUMNS``, then ``method`` and ``horizon``)."""
    return forecaster.forecast(events, offer, sales_to_date, n_draws=n_draws, seed=seed)


def recommend_upcoming(
    forecaster: DemandForecaster,
    events: pd.DataFrame,
    offer: pd.DataFrame,
    rules_for: Callable[[str], PricingRules],
    sales_to_date: SalesHistory | None = None,
) -> list[PriceRecommendation]:
    """A schedule per event within its rules; held at current prices when the model is not
    trusted at that point of the sale (``PriceRecommendation.held_because`` says why)."""
    model = forecaster.model_ or forecaster.structural_fit_
    recommendations = []
    for _, event in events.iterrows():
        event_id = str(event["event_id"])
        rules = rules_for(event_id)
        demands = build_event_demands(model, event.to_frame().T, offer, sales_to_date,
                                      start_days_before=rules.horizon_days)
        demand, prices = demands[event_id]
        in_flight = sales_to_date is not None and event_id in set(sales_to_date.sales["event_id"])
        cutoff = int(demand.days_before[0]) if in_flight else None
        recommendations.append(recommend_for_demand(forecaster, demand, rules, prices, cutoff))
    return recommendations


def recommend_for_demand(
    forecaster: DemandForecaster,
    demand: EventDemand,
    rules: PricingRules,
    current_prices: np.ndarray,
    cutoff: int | None,
) -> PriceRecommendation:
    """The optimizer's schedule when the forecaster trusts the model ``cutoff`` days before the
    event (None: before the sale), else the current prices held with the reason."""
    reason = forecaster.prices_trusted_at(cutoff)
    if reason is None:
        return recommend_prices(demand, rules, current_prices)
    return hold_current_prices(demand, rules, current_prices, reason)
