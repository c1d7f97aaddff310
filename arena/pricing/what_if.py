"""The simulator's use cases: one event set up once, then edited prices simulated in milliseconds.

A past event is a *replay*: demand conditioned on what it really sold, the prices actually charged
as the current policy, and a recommendation made without hindsight (as in the backtest). An
upcoming event starts from its sales to date. Prices are edited per category and per period (up to
three periods of the remaining sale).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arena.pricing.backtest import charged_schedule
from arena.pricing.choice import EventDemand
from arena.pricing.engine import build_event_demands
from arena.pricing.forecast import SimulationResult, simulate
from arena.pricing.optimizer import InfeasibleRulesError, PriceRecommendation
from arena.pricing.rules import event_rules
from arena.pricing.usecases import recommend_for_demand
from arena.pricing.workspace import PricingWorkspace

SIMULATION_DRAWS = 500


@dataclass(frozen=True)
class EventSetup:
    """Everything the simulator needs for one event, computed once per event and data version."""

    event_id: str
    status: str
    demand: EventDemand
    current: np.ndarray  # (days, categories) the current policy
    recommendation: PriceRecommendation | None
    recommendation_error: str | None
    current_result: SimulationResult
    recommended_result: SimulationResult | None

    @property
    def categories(self) -> tuple[str, ...]:
        return self.demand.categories

    @property
    def days(self) -> np.ndarray:
        return self.demand.days_before.astype(int)


def prepare_event(work: PricingWorkspace, event_id: str, draws: int = SIMULATION_DRAWS
                  ) -> EventSetup:
    """Demand, current policy, recommendation (or why there is none) and both simulations."""
    assert work.history is not None and work.forecaster is not None
    model, frames = work.model, work.frames
    status = str(frames.event_list.set_index("event_id").loc[event_id, "status"])
    cutoff: int | None = None
    if status == "past":
        days, charged, capacity = charged_schedule(work.history, event_id, model.categories_)
        event = work.history.events.set_index("event_id").loc[[event_id]].reset_index()
        posterior = model.multiplier_posterior(work.history.subset([event_id])).iloc[0]
        demand = model.event_demand(event, capacity, int(days[0]),
                                    multiplier=(posterior["shape"], posterior["rate"]))
        prior = model.event_demand(event, capacity, int(days[0]))
        current = charged
    else:
        event = frames.events[frames.events["event_id"] == event_id]
        to_date = frames.sales_to_date()
        built = build_event_demands(model, event, frames.offer, to_date)
        demand, prices = built[event_id]
        prior, current = demand, np.tile(prices, (len(demand.days_before), 1))
        if to_date is not None and event_id in set(to_date.sales["event_id"]):
            cutoff = int(demand.days_before[0])
    recommendation, error = None, None
    try:
        rules = event_rules(work.history, frames.offer, event_id, int(demand.days_before[0]))
        recommendation = recommend_for_demand(work.forecaster, prior, rules, current[0], cutoff)
    except InfeasibleRulesError as problem:
        error = str(problem)
    recommended = (
        simulate(demand, recommendation.as_matrix(), draws)
        if recommendation is not None else None
    )
    return EventSetup(event_id, status, demand, current, recommendation, error,
                      simulate(demand, current, draws), recommended)


def periods(days: np.ndarray, count: int = 3) -> list[tuple[int, int]]:
    """Split the remaining selling days into up to ``count`` periods (first day, last day)."""
    chunks = [chunk for chunk in np.array_split(days, min(count, len(days))) if chunk.size]
    return [(int(chunk[0]), int(chunk[-1])) for chunk in chunks]


def period_label(period: tuple[int, int]) -> str:
    return f"D-{period[0]} → D-{period[1]}"


def editable_prices(setup: EventSetup) -> pd.DataFrame:
    """Categories x periods, starting from the recommendation (else the current prices)."""
    matrix = setup.recommendation.as_matrix() if setup.recommendation is not None \
        else setup.current
    table = {}
    for period in periods(setup.days):
        rows = (setup.days <= period[0]) & (setup.days >= period[1])
        table[period_label(period)] = np.round(matrix[rows].mean(axis=0), 2)
    return pd.DataFrame(table, index=list(setup.categories))


def schedule_from_table(setup: EventSetup, table: pd.DataFrame) -> np.ndarray:
    """The (days x categories) schedule an edited categories x periods table stands for."""
    matrix = np.empty((len(setup.days), len(setup.categories)))
    for period in periods(setup.days):
        rows = (setup.days <= period[0]) & (setup.days >= period[1])
        values = pd.to_numeric(table[period_label(period)], errors="coerce")
        matrix[rows] = values.reindex(list(setup.categories)).to_numpy(dtype=float)
    return matrix


def simulate_edit(setup: EventSetup, table: pd.DataFrame, draws: int = SIMULATION_DRAWS
                  ) -> tuple[SimulationResult, float]:
    """Predicted outcome of the edited prices and the milliseconds it took (the page's budget)."""
    started = time.perf_counter()
    schedule = schedule_from_table(setup, table)
    if not np.isfinite(schedule).all() or (schedule <= 0).any():
        raise ValueError("every price must be a positive amount")
    result = simulate(setup.demand, schedule, draws)
    return result, (time.perf_counter() - started) * 1000


def comparison_table(setup: EventSetup, edited: SimulationResult) -> pd.DataFrame:
    """Current policy, recommendation and edited prices side by side (mean and p10-p90)."""
    rows = []
    for label, result in (("Current prices", setup.current_result),
                          ("Recommended", setup.recommended_result), ("Your prices", edited)):
        if result is None:
            continue
        total = result.total
        rows.append({"policy": label, "revenue": total["revenue"],
                     "revenue_p10": total["revenue_p10"], "revenue_p90": total["revenue_p90"],
                     "tickets": total["sales"], "fill_rate": total["fill_rate"]})
    return pd.DataFrame(rows)
