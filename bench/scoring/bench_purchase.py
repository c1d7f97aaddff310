"""Benchmark: purchase scoring of a large base — selection, final fits and scores, timed.

    .venv/bin/python bench/scoring/bench_purchase.py [customers] [seed]

Simulates a Pareto/NBD base (``arena.crm.scoring.simulation.simulate_orders``, 3 years of
orders), then runs what ``arena score purchase`` will run: ``PurchaseScorer(horizon_days=365)``
fit at an as-of date two years in (validation of the 4 candidates on the last year, final fits)
and ``predict`` for every customer. Budget: 200,000 customers in under 60 s.
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from arena.crm.scoring.purchase import PurchaseScorer
from arena.crm.scoring.simulation import simulate_orders


def main(customers: int, seed: int) -> None:
    started = time.perf_counter()
    orders = simulate_orders(customers=customers, seed=seed, observed_weeks=156)
    simulated = time.perf_counter() - started
    as_of = pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=104)
    before = (orders["ordered_at"] < as_of).sum()
    started = time.perf_counter()
    scorer = PurchaseScorer(horizon_days=365).fit(orders, as_of)
    fitted = time.perf_counter() - started
    started = time.perf_counter()
    scores = scorer.predict()
    predicted = time.perf_counter() - started
    print(f"{customers:,} customers, {before:,} orders before as-of "
          f"(simulation {simulated:.1f} s, not timed below)")
    print(f"fit (validation of 4 candidates + final fits): {fitted:.1f} s; "
          f"predict {len(scores):,} customers: {predicted:.1f} s; "
          f"total {fitted + predicted:.1f} s (budget 60 s)")
    print("chosen for probability_buy:", scorer.chosen_, "| BTYD:", scorer.transactions_.kind)
    for row in scorer.card_.candidates:
        print(f"  {row['candidate']:11s} validation AUC {row.get('auc', float('nan')):.4f} "
              f"Brier {row.get('brier', float('nan')):.4f} ECE {row.get('ece', float('nan')):.4f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 1)
