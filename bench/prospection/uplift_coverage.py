"""Coverage of 95 % uplift intervals on simulated campaigns with a known true effect.

    .venv/bin/python bench/prospection/uplift_coverage.py [--runs 20000] [--campaigns 600]

Part 1 compares three intervals for the difference of two conversion rates — Newcombe's hybrid
score interval (Arena's), the textbook Wald interval and a percentile bootstrap (1,000
resamples) — on many campaigns drawn directly as two binomial counts per design.
Part 2 runs whole campaigns through Arena's pipeline (stratified control group, conversions
attributed from a season-ticket list, `uplift_of`) — scores spread between members, so each
group's count is not exactly binomial — and counts how often Newcombe's interval holds the truth.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from arena.crm.prospection.uplift import interval_covers, newcombe_interval  # noqa: E402
from tests.support.simulated_campaigns import Scenario, simulate_campaign  # noqa: E402

DESIGNS = [  # members, control share, baseline rate, true effect
    (2000, 0.10, 0.05, 0.03),
    (5000, 0.20, 0.02, 0.01),
    (800, 0.30, 0.10, 0.05),
    (20000, 0.05, 0.03, 0.00),
    (1500, 0.50, 0.20, 0.05),
    (400, 0.15, 0.04, 0.04),
    (300, 0.10, 0.03, 0.02),
]


def coverage_by_method(design: tuple[int, float, float, float], runs: int,
                       rng: np.random.Generator, resamples: int = 1000) -> dict[str, float]:
    members, share, baseline, effect = design
    control = round(members * share)
    contacted = members - control
    x1 = rng.binomial(contacted, baseline + effect, runs)
    x0 = rng.binomial(control, baseline, runs)
    low, high = newcombe_interval(x1, contacted, x0, control)
    p1, p0 = x1 / contacted, x0 / control
    se = np.sqrt(p1 * (1 - p1) / contacted + p0 * (1 - p0) / control)
    wald = (p1 - p0 - 1.96 * se <= effect) & (effect <= p1 - p0 + 1.96 * se)
    boot_runs = min(runs, 4000)
    b1 = rng.binomial(contacted, p1[:boot_runs, None], (boot_runs, resamples)) / contacted
    b0 = rng.binomial(control, p0[:boot_runs, None], (boot_runs, resamples)) / control
    lo_b, hi_b = np.percentile(b1 - b0, [2.5, 97.5], axis=1)
    return {"newcombe": float(np.mean((low <= effect) & (effect <= high))),
            "wald": float(np.mean(wald)),
            "bootstrap": float(np.mean((lo_b <= effect) & (effect <= hi_b))),
            "control_conversions": float(control * baseline)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--campaigns", type=int, default=600)
    parser.add_argument("--seed", type=int, default=20250601)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"Part 1: {args.runs:,} campaigns per design (bootstrap on the first 4,000)")
    print("| members | control | baseline | effect | control conversions | Newcombe | Wald "
          "| bootstrap |")
    print("|---|---|---|---|---|---|---|---|")
    for design in DESIGNS:
        got = coverage_by_method(design, args.runs, rng)
        members, share, baseline, effect = design
        print(f"| {members:,} | {share:.0%} | {baseline:.0%} | {effect:+.0%} | "
              f"{got['control_conversions']:.0f} | {got['newcombe']:.2%} | {got['wald']:.2%} | "
              f"{got['bootstrap']:.2%} |")
    scenario = Scenario(members=3000, control_share=0.15, baseline=0.06, effect=0.03)
    started = time.perf_counter()
    covered = sum(interval_covers(scenario.effect, simulate_campaign(scenario, seed)[1])
                  for seed in range(1000, 1000 + args.campaigns))
    elapsed = time.perf_counter() - started
    print(f"\nPart 2: {args.campaigns} whole campaigns ({scenario}): Newcombe coverage "
          f"{covered / args.campaigns:.2%} ({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
