"""Backtests: recommended vs charged prices on past events, and holdout forecast accuracy.

The revenue lift is a model-based counterfactual: both price schedules are replayed through the
fitted model, with each event's demand multiplier conditioned on the sales it really made and the
same random draws for both (common random numbers), so the band reflects demand uncertainty, not
luck. It is evidence, not proof: a biased model biases the lift (see docs/pricing.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arena.pricing.baselines import pickup_forecast
from arena.pricing.forecast import draw_sales, interval_coverage, pinball_loss, wape
from arena.pricing.history import SalesHistory
from arena.pricing.model import DemandModel
from arena.pricing.optimizer import PricingRules, recommend_prices
from arena.pricing.rules import default_rules

CAVEAT = (
    "Model-based counterfactual: both schedules are replayed through the fitted demand model "
    "(event demand conditioned on its actual sales, same random draws); the true lift is only "
    "known from a controlled test."
)


def charged_schedule(history: SalesHistory, event_id: str, categories: tuple[str, ...]
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days (descending), the (days x categories) prices actually charged, and capacities."""
    sales = history.sales[history.sales["event_id"] == event_id]
    wide = sales.pivot_table(index="days_before", columns="category", values="price")
    wide = wide.reindex(columns=list(categories)).sort_index(ascending=False).ffill().bfill()
    capacity = sales.groupby("category")["capacity"].max().reindex(list(categories))
    return wide.index.to_numpy(dtype=float), wide.to_numpy(dtype=float), capacity.to_numpy(float)


@dataclass(frozen=True)
class BacktestResult:
    per_event: pd.DataFrame
    per_season: pd.DataFrame
    caveat: str = CAVEAT


def backtest_lift(
    model: DemandModel,
    history: SalesHistory,
    rules_for: Callable[[str], PricingRules] | None = None,
    n_draws: int = 300,
    seed: int = 0,
) -> BacktestResult:
    """Revenue of recommended vs charged prices per event and per season, with p10-p90 bands."""
    rules = default_rules(history) if rules_for is None else None
    posterior = model.multiplier_posterior(history).set_index("event_id")
    seasons = history.seasons()
    actual = history.final_sales().groupby("event_id")["revenue"].sum()
    rows: list[dict[str, object]] = []
    season_draws: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for index, event_id in enumerate(history.event_ids):
        days, charged, capacity = charged_schedule(history, event_id, model.categories_)
        event = history.events[history.events["event_id"] == event_id].iloc[0]
        demand = model.event_demand(
            event,
            capacity,
            int(days[0]),
            multiplier=(posterior.loc[event_id, "shape"], posterior.loc[event_id, "rate"]),
        )
        event_rules = rules_for(event_id) if rules_for is not None else rules
        assert event_rules is not None
        # Recommend without hindsight (features only, as before the sale); judge with hindsight.
        prior = model.event_demand(event, capacity, int(days[0]))
        recommended = recommend_prices(prior, event_rules, charged[0]).as_matrix()
        base = draw_sales(demand, charged, n_draws, seed + index).revenue.sum(axis=1)
        new = draw_sales(demand, recommended, n_draws, seed + index).revenue.sum(axis=1)
        difference = new - base
        season = str(seasons.get(event_id, ""))
        season_draws.setdefault(season, []).append((base, difference))
        rows.append(
            {
                "event_id": event_id,
                "season": season,
                "actual_revenue": float(actual.get(event_id, 0.0)),
                "model_revenue_charged": float(base.mean()),
                "model_revenue_recommended": float(new.mean()),
                "lift": float(difference.mean()),
                "lift_p10": float(np.quantile(difference, 0.1)),
                "lift_p90": float(np.quantile(difference, 0.9)),
                "lift_pct": float(difference.mean() / max(base.mean(), 1e-9) * 100),
            }
        )
    season_rows = []
    for season, pairs in season_draws.items():
        base = np.sum([b for b, _ in pairs], axis=0)
        diff = np.sum([d for _, d in pairs], axis=0)
        pct = diff / np.maximum(base, 1e-9) * 100
        season_rows.append(
            {
                "season": season,
                "events": len(pairs),
                "model_revenue_charged": float(base.mean()),
                "lift": float(diff.mean()),
                "lift_pct": float(pct.mean()),
                "lift_pct_p10": float(np.quantile(pct, 0.1)),
                "lift_pct_p90": float(np.quantile(pct, 0.9)),
            }
        )
    return BacktestResult(pd.DataFrame(rows), pd.DataFrame(season_rows))


def forecast_accuracy(
    train: SalesHistory,
    test: SalesHistory,
    cutoffs: tuple[int | None, ...] = (None, 30, 14, 7),
    model: DemandModel | None = None,
    n_draws: int = 1000,
) -> pd.DataFrame:
    """Holdout accuracy of final sales per event x category, before sale and in flight.

    For each cutoff (``None`` = before any sale, else days before the event) the model fitted on
    ``train`` forecasts ``test`` events at the prices they were charged; in flight it is compared
    with the additive and multiplicative pickup baselines. Columns: cutoff, method, wape,
    pinball (mean over p10/p50/p90; model only), coverage_80 (model only).
    """
    model = model or DemandModel().fit(train)
    finals = test.final_sales().set_index(["event_id", "category"])
    rows = []
    for cutoff in cutoffs:
        known = None if cutoff is None else test.sales[test.sales["days_before"] > cutoff]
        known_history = None if known is None else SalesHistory(known, test.events,
                                                                 test.categories)
        posterior = (
            model.multiplier_posterior(known_history).set_index("event_id")
            if known_history is not None else None
        )
        actual: list[float] = []
        p10: list[float] = []
        p50: list[float] = []
        p90: list[float] = []
        keys: list[tuple[str, str]] = []
        for event_id in test.event_ids:
            days, charged, capacity = charged_schedule(test, event_id, model.categories_)
            event = test.events[test.events["event_id"] == event_id].iloc[0]
            sold = np.zeros(len(capacity))
            multiplier = None
            start = int(days[0])
            if cutoff is not None and known is not None and posterior is not None:
                mine = known[known["event_id"] == event_id]
                sold = mine.groupby("category")["quantity"].sum().reindex(
                    list(model.categories_)).fillna(0.0).to_numpy()
                multiplier = (posterior.loc[event_id, "shape"], posterior.loc[event_id, "rate"])
                start = int(cutoff)
            demand = model.event_demand(event, capacity, start, sold, multiplier)
            schedule = charged[days <= start]
            draws = draw_sales(demand, schedule, n_draws, seed=len(keys)).sales
            q10, q50, q90 = np.quantile(draws, (0.1, 0.5, 0.9), axis=0)
            for c, category in enumerate(model.categories_):
                keys.append((event_id, category))
                actual.append(float(finals.loc[(event_id, category), "final_sales"]))
                p10.append(q10[c])
                p50.append(q50[c])
                p90.append(q90[c])
        actual_array = np.array(actual)
        label = "pre-sale" if cutoff is None else f"{cutoff} days before"
        rows.append(
            {
                "cutoff": label,
                "method": "arena model",
                "wape": wape(actual_array, p50),
                "pinball": float(np.mean([pinball_loss(actual_array, q, level) for q, level in
                                          ((p10, 0.1), (p50, 0.5), (p90, 0.9))])),
                "coverage_80": interval_coverage(actual_array, p10, p90),
            }
        )
        if cutoff is not None and known is not None:
            to_date = pd.DataFrame(keys, columns=["event_id", "category"])
            sold_to_date = known.groupby(["event_id", "category"])["quantity"].sum()
            to_date["sold"] = [float(sold_to_date.get(k, 0.0)) for k in keys]
            to_date["capacity"] = [float(finals.loc[k, "capacity"]) for k in keys]
            baselines = pickup_forecast(train.sales, to_date, int(cutoff))
            for method in ("additive_pickup", "multiplicative_pickup"):
                rows.append(
                    {
                        "cutoff": label,
                        "method": method.replace("_", " "),
                        "wape": wape(actual_array, baselines[method].to_numpy()),
                        "pinball": np.nan,
                        "coverage_80": np.nan,
                    }
                )
    return pd.DataFrame(rows)
