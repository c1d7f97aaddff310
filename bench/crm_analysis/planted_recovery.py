"""How well clustering recovers planted segments: adjusted Rand index over many generated audiences.

    PYTHONPATH=. .venv/bin/python bench/crm_analysis/planted_recovery.py [first_seed] [seeds] [customers]

For each seed and planted number of segments (3 to 6 archetypes out of eight, parameters
jittered, random sizes: tests/support/customer_profiles.py), clusters the audience twice: told the
planted number (k fixed), and choosing it by silhouette (k auto). Prints one JSON line per run and
a summary table (mean, lowest, 20th percentile ARI; how often the chosen k equals the planted one).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from sklearn.metrics import adjusted_rand_score

from arena.crm.segments import CustomerClusters
from tests.support.customer_profiles import planted_audience


def main() -> None:
    first = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    customers = int(sys.argv[3]) if len(sys.argv) > 3 else 20_000
    runs = []
    for seed in range(first, first + count):
        for planted_k in (3, 4, 5, 6):
            audience = planted_audience(customers, segments=planted_k, seed=seed)
            started = time.perf_counter()
            fixed = CustomerClusters(k=planted_k).fit(audience.profiles)
            fixed_seconds = time.perf_counter() - started
            started = time.perf_counter()
            auto = CustomerClusters().fit(audience.profiles)
            auto_seconds = time.perf_counter() - started
            run = {
                "seed": seed,
                "planted_k": planted_k,
                "fixed_ari": round(adjusted_rand_score(audience.planted, fixed.labels_), 4),
                "auto_k": auto.k_,
                "auto_ari": round(adjusted_rand_score(audience.planted, auto.labels_), 4),
                "fixed_seconds": round(fixed_seconds, 2),
                "auto_seconds": round(auto_seconds, 2),
            }
            runs.append(run)
            print(json.dumps(run), flush=True)
    print()
    print("| planted k | runs | k fixed: mean ARI | lowest | p20 | k auto: mean ARI | lowest | p20 "
          "| chosen k = planted | within 1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for planted_k in (3, 4, 5, 6, None):
        rows = [r for r in runs if planted_k is None or r["planted_k"] == planted_k]
        fixed = np.array([r["fixed_ari"] for r in rows])
        auto = np.array([r["auto_ari"] for r in rows])
        exact = sum(r["auto_k"] == r["planted_k"] for r in rows)
        near = sum(abs(r["auto_k"] - r["planted_k"]) <= 1 for r in rows)
        print(
            f"| {planted_k or 'all'} | {len(rows)} | {fixed.mean():.3f} | {fixed.min():.3f} "
            f"| {np.quantile(fixed, 0.2):.3f} | {auto.mean():.3f} | {auto.min():.3f} "
            f"| {np.quantile(auto, 0.2):.3f} | {exact}/{len(rows)} | {near}/{len(rows)} |"
        )


if __name__ == "__main__":
    main()
