"""Forecasts of final sales with intervals from the structural model, the what-if simulator, accuracy.

The forecast is a Monte Carlo of the fitted model: draw the event's demand multiplier (gamma,
conditioned on sales to date when the event is in flight), then sell day by day with Poisson
arrivals, closing a category when it sells out so its buyers re-choose. The naive baselines it is
compared with live in ``arena.pricing.baselines``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from arena.pricing.choice import EventDemand

QUANTILES: tuple[float, float, float] = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class SalesDraws:
    """Monte Carlo draws of one event: final sales and revenue per draw x category."""

    sales: np.ndarray  # (n, C) including sales to date
    revenue: np.ndarray  # (n, C) revenue of the simulated days only
    unconstrained: np.ndarray  # (n, C) first-choice demand over the simulated days
    sold_out: np.ndarray  # (n, C) bool


def as_schedule(demand: EventDemand, prices: np.ndarray) -> np.ndarray:
    """A (T, C) schedule from either one price per category or a full schedule."""
    prices = np.asarray(prices, dtype=float)
    if prices.ndim == 1:
        return np.tile(prices, (len(demand.days_before), 1))
    if prices.shape != (len(demand.days_before), len(demand.categories)):
        raise ValueError(
            f"schedule must be {len(demand.days_before)} days x {len(demand.categories)} "
            f"categories, got {prices.shape}"
        )
    return prices


def draw_sales(
    demand: EventDemand, prices: np.ndarray, n_draws: int = 1000, seed: int = 0
) -> SalesDraws:
    """Simulate the rest of the sale ``n_draws`` times at the given prices."""
    schedule = as_schedule(demand, prices)
    rng = np.random.default_rng(seed)
    multiplier = rng.gamma(demand.multiplier_shape, 1.0 / demand.multiplier_rate, size=n_draws)
    remaining = np.tile(demand.remaining_capacity, (n_draws, 1))
    revenue = np.zeros_like(remaining)
    unconstrained = np.zeros_like(remaining)
    all_open_share = demand.shares(schedule)
    for t in range(schedule.shape[0]):
        open_mask = (remaining > 0).astype(float)
        share = demand.shares(schedule[t], open_mask)
        rate = (multiplier * demand.market[t])[:, None]
        sold = np.minimum(rng.poisson(rate * share), remaining)
        remaining -= sold
        revenue += sold * schedule[t]
        unconstrained += rate * all_open_share[t]
    final = demand.capacity - remaining
    return SalesDraws(final, revenue, unconstrained, remaining <= 0)


def forecast_event(
    demand: EventDemand, prices: np.ndarray, n_draws: int = 2000, seed: int = 0
) -> pd.DataFrame:
    """Final sales per category with p10/p50/p90, unconstrained demand and sell-out probability."""
    draws = draw_sales(demand, prices, n_draws, seed)
    low, mid, high = np.quantile(draws.sales, QUANTILES, axis=0)
    return pd.DataFrame(
        {
            "event_id": demand.event_id,
            "category": list(demand.categories),
            "p10": low,
            "p50": mid,
            "p90": high,
            "unconstrained": demand.sold + draws.unconstrained.mean(axis=0),
            "sellout_probability": draws.sold_out.mean(axis=0),
        }
    )


@dataclass(frozen=True)
class SimulationResult:
    """What a what-if returns: per category and in total, the mean with a p10-p90 band."""

    by_category: pd.DataFrame
    total: dict[str, float]


def simulate(
    demand: EventDemand, prices: np.ndarray, n_draws: int = 500, seed: int = 0
) -> SimulationResult:
    """Predicted sales, revenue and fill rate for edited prices, fast enough for a slider.

    The same seed gives the same draws, so two price settings are compared on the same luck.
    """
    draws = draw_sales(demand, prices, n_draws, seed)
    fill = draws.sales / demand.capacity
    by_category = pd.DataFrame(
        {
            "category": list(demand.categories),
            "sales": draws.sales.mean(axis=0),
            "sales_p10": np.quantile(draws.sales, 0.1, axis=0),
            "sales_p90": np.quantile(draws.sales, 0.9, axis=0),
            "revenue": draws.revenue.mean(axis=0),
            "revenue_p10": np.quantile(draws.revenue, 0.1, axis=0),
            "revenue_p90": np.quantile(draws.revenue, 0.9, axis=0),
            "fill_rate": fill.mean(axis=0),
            "sellout_probability": draws.sold_out.mean(axis=0),
        }
    )
    revenue = draws.revenue.sum(axis=1)
    fill_total = draws.sales.sum(axis=1) / demand.capacity.sum()
    total = {
        "revenue": float(revenue.mean()),
        "revenue_p10": float(np.quantile(revenue, 0.1)),
        "revenue_p90": float(np.quantile(revenue, 0.9)),
        "sales": float(draws.sales.sum(axis=1).mean()),
        "fill_rate": float(fill_total.mean()),
        "fill_rate_p10": float(np.quantile(fill_total, 0.1)),
        "fill_rate_p90": float(np.quantile(fill_total, 0.9)),
    }
    return SimulationResult(by_category, total)


# ------------------------------------------------------------------ accuracy
def wape(actual: ArrayLike, predicted: ArrayLike) -> float:
    """Weighted absolute percentage error: sum |error| / sum actual."""
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    return float(np.abs(actual - predicted).sum() / max(np.abs(actual).sum(), 1e-9))


def pinball_loss(actual: ArrayLike, quantile_forecast: ArrayLike, quantile: float) -> float:
    """Mean quantile (pinball) loss of a quantile forecast."""
    diff = np.asarray(actual, float) - np.asarray(quantile_forecast, float)
    return float(np.mean(np.maximum(quantile * diff, (quantile - 1.0) * diff)))


def interval_coverage(actual: ArrayLike, low: ArrayLike, high: ArrayLike) -> float:
    """Share of actual values inside [low, high] (0.8 expected for a p10-p90 interval)."""
    actual = np.asarray(actual, float)
    return float(np.mean((actual >= np.asarray(low)) & (actual <= np.asarray(high))))
