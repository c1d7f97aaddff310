"""Benchmark: optimizer time per event (5 categories x 61 days) and what-if simulator time."""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from arena.pricing.forecast import simulate
from arena.pricing.model import DemandModel
from arena.pricing.optimizer import PricingRules, recommend_prices
from arena.pricing.simulation import simulate_season


def main() -> None:
    season = simulate_season(n_events=60, seed=1)
    model = DemandModel().fit(season.history)
    rules = PricingRules.from_config(
        {"categories_best_to_worst": list(model.categories_), "pmin": 5, "pmax": 300,
         "min_ratio_between_adjacent_categories": 1.1, "max_daily_step": 2, "monotone": "none"}
    )
    optimizer_ms, simulator_ms = [], []
    for _, event in season.history.events.iterrows():
        demand = model.event_demand(event, np.asarray(season.market.capacity), 60)
        current = season.static_prices.query("event_id == @event.event_id")["price"].to_numpy()
        start = time.perf_counter()
        recommendation = recommend_prices(demand, rules, current)
        optimizer_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        simulate(demand, recommendation.as_matrix())
        simulator_ms.append((time.perf_counter() - start) * 1000)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    for name, values in (("optimizer", optimizer_ms), ("simulate (500 draws)", simulator_ms)):
        print(f"{name}: {len(values)} events, median {np.median(values):.1f} ms, "
              f"p95 {np.percentile(values, 95):.1f} ms, max {np.max(values):.1f} ms")


if __name__ == "__main__":
    main()
