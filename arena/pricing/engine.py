"""Use cases over many events, from DataFrames: forecast, in-flight forecast and recommendations.

The CLI (files) and the database variant both call these with the same tables, so the dashboard,
automation and tests see one behaviour. Tables:
- ``offer``: ``event_id, category, capacity, price`` (the price each category sells at from now).
- ``sales_to_date``: a :class:`SalesHistory` of upcoming events' sales so far (in-flight).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from arena.pricing.choice import EventDemand
from arena.pricing.forecast import forecast_event
from arena.pricing.history import SalesHistory
from arena.pricing.model import DemandModel
from arena.pricing.optimizer import PriceRecommendation, PricingRules, recommend_prices


class MissingOfferError(ValueError):
    """An upcoming event has no capacity or price for one of the model's categories."""


def offer_from_history(history: SalesHistory, event_ids: list[str] | None = None) -> pd.DataFrame:
    """Capacity and latest price per category: of each given event if it has sales, else of the
    most recent past event (a reasonable default for an event not on sale yet)."""
    sales = history.sales
    last = sales.sort_values("days_before").groupby(["event_id", "category"], as_index=False)
    latest = last.first()[["event_id", "category", "capacity", "price"]]
    if event_ids is None:
        return latest
    recent_event = history.sales.sort_values("event_date")["event_id"].iloc[-1]
    template = latest[latest["event_id"] == recent_event]
    frames = []
    for event_id in event_ids:
        own = latest[latest["event_id"] == event_id]
        frames.append(own if not own.empty else template.assign(event_id=event_id))
    return pd.concat(frames, ignore_index=True)


def _offer_arrays(model: DemandModel, offer: pd.DataFrame, event_id: str
                  ) -> tuple[np.ndarray, np.ndarray]:
    rows = offer[offer["event_id"].astype(str) == event_id].set_index("category")
    rows.index = rows.index.astype(str)
    missing = [c for c in model.categories_ if c not in rows.index]
    if missing:
        raise MissingOfferError(
            f"event {event_id}: no capacity/price for category {', '.join(missing)}"
        )
    rows = rows.loc[list(model.categories_)]
    return rows["capacity"].to_numpy(dtype=float), rows["price"].to_numpy(dtype=float)


def build_event_demands(
    model: DemandModel,
    events: pd.DataFrame,
    offer: pd.DataFrame,
    sales_to_date: SalesHistory | None = None,
    start_days_before: int | None = None,
) -> dict[str, tuple[EventDemand, np.ndarray]]:
    """Per upcoming event: its demand arrays (conditioned on sales to date) and current prices."""
    posterior = sold = last_day = None
    if sales_to_date is not None and not sales_to_date.sales.empty:
        posterior = model.multiplier_posterior(sales_to_date).set_index("event_id")
        to_date = sales_to_date.sales.groupby(["event_id", "category"])
        sold = to_date["quantity"].sum()
        last_day = sales_to_date.sales.groupby("event_id")["days_before"].min()
        prices_now = sales_to_date.sales.sort_values("days_before").groupby(
            ["event_id", "category"], as_index=False
        ).first()[["event_id", "category", "capacity", "price"]]
        offer = pd.concat([prices_now, offer], ignore_index=True).drop_duplicates(
            ["event_id", "category"], keep="first"
        )
    result: dict[str, tuple[EventDemand, np.ndarray]] = {}
    for _, event in events.iterrows():
        event_id = str(event["event_id"])
        capacity, prices = _offer_arrays(model, offer, event_id)
        start = start_days_before
        sold_now = np.zeros(len(model.categories_))
        multiplier = None
        if (
            posterior is not None and sold is not None and last_day is not None
            and event_id in posterior.index
        ):
            start = int(last_day[event_id]) - 1
            sold_now = np.array(
                [float(sold.get((event_id, c), 0.0)) for c in model.categories_]
            )
            multiplier = (
                float(posterior.loc[event_id, "shape"]),
                float(posterior.loc[event_id, "rate"]),
            )
        demand = model.event_demand(event, capacity, start, sold_now, multiplier)
        result[event_id] = (demand, prices)
    return result


def forecast_events(
    model: DemandModel,
    events: pd.DataFrame,
    offer: pd.DataFrame,
    sales_to_date: SalesHistory | None = None,
    n_draws: int = 2000,
    seed: int = 0,
    start_days_before: int | None = None,
) -> pd.DataFrame:
    """``event_id, category, p10, p50, p90, unconstrained, sellout_probability`` per category.

    Of the structural model alone; ``arena.pricing.selection.DemandForecaster`` decides whether
    its figures or a better method's reach the user."""
    demands = build_event_demands(model, events, offer, sales_to_date, start_days_before)
    frames = [
        forecast_event(demand, prices, n_draws, seed) for demand, prices in demands.values()
    ]
    return pd.concat(frames, ignore_index=True)


def recommend_events(
    model: DemandModel,
    events: pd.DataFrame,
    offer: pd.DataFrame,
    rules_for: Callable[[str], PricingRules],
    sales_to_date: SalesHistory | None = None,
) -> list[PriceRecommendation]:
    """A recommendation per upcoming event; ``rules_for(event_id)`` gives that event's rules."""
    recommendations = []
    for _, event in events.iterrows():
        event_id = str(event["event_id"])
        rules = rules_for(event_id)
        demands = build_event_demands(
            model, event.to_frame().T, offer, sales_to_date, start_days_before=rules.horizon_days
        )
        demand, prices = demands[event_id]
        recommendations.append(recommend_prices(demand, rules, prices))
    return recommendations
