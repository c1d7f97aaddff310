"""Benchmark: renewal scoring of a large club — 30,000 holders x 5 seasons, trained and scored.

    .venv/bin/python bench/scoring/bench_renewal.py [holders] [seasons] [seed]

Simulates the holdings with ``arena.crm.scoring.simulation.simulate_renewals`` (not timed),
then times what ``arena score renewal`` will run for the latest season: ``RenewalModel().fit``
(both candidates trained on the older transitions and compared on the latest, the winner
refitted on all four transitions and calibrated) and ``predict`` (probabilities and three
reasons per holder). Budget: under 30 s.
"""

from __future__ import annotations

import sys
import time

from arena.crm.scoring.renewal import RenewalModel
from arena.crm.scoring.simulation import simulate_renewals


def main(holders: int, seasons: int, seed: int) -> None:
    sim = simulate_renewals(holders=holders, seasons=seasons, seed=seed)
    for candidates in (("spline_logistic", "gradient_boosting"), ("gradient_boosting",)):
        started = time.perf_counter()
        model = RenewalModel(candidates=candidates).fit(sim.holdings, sim.customers)
        fitted = time.perf_counter() - started
        started = time.perf_counter()
        scores = model.predict()
        predicted = time.perf_counter() - started
        print(f"{len(sim.holdings):,} holdings ({holders:,} holders x {seasons} seasons), "
              f"candidates {'+'.join(candidates)}: fit {fitted:.1f} s, predict + reasons "
              f"{len(scores):,} holders {predicted:.1f} s, total {fitted + predicted:.1f} s "
              f"(budget 30 s); chosen {model.chosen_}")


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:]]
    main(*(arguments + [30_000, 5, 1][len(arguments):]))
