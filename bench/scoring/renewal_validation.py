"""Renewal validation figures: held-out seasons scored against what holders did and against
the true model, on the demo's club and theatre and on an independent simulator.

    .venv/bin/python bench/scoring/renewal_validation.py [--calibration platt|isotonic]

For each dataset and each season s with a known next season (and at least one earlier one),
``RenewalModel().fit(..., season=s)`` sees nothing after s; its probabilities for the holders of
s are judged on who held a ticket in s+1. "true" columns are the generating model's figures on
the same holders: its AUC is the ceiling, its ECE the calibration noise at that size. Figures
are recorded in bench/scoring/README.md and docs/scoring.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from arena.crm.scoring.metrics import (  # noqa: E402
    brier_score,
    expected_calibration_error,
    roc_auc,
)
from arena.crm.scoring.renewal import RenewalModel  # noqa: E402
from arena.crm.scoring.simulation import simulate_renewals  # noqa: E402
from tests.support.renewal_demo import (  # noqa: E402
    club_renewal,
    evaluate_held_out,
    theatre_renewal,
)

HEADER = ("| data | held-out season | holders | chosen | AUC | true AUC | gap | ECE | true ECE "
          "| Brier | true Brier | mean p | renewed |")


def _row(name: str, season: str, holders: int, chosen: str, auc: float, true_auc: float,
         ece: float, true_ece: float, brier: float, true_brier: float, mean_p: float,
         rate: float) -> str:
    return (f"| {name} | {season} | {holders:,} | {chosen} | {auc:.4f} | {true_auc:.4f} | "
            f"{true_auc - auc:+.4f} | {ece:.4f} | {true_ece:.4f} | {brier:.4f} | "
            f"{true_brier:.4f} | {mean_p:.3f} | {rate:.3f} |")


def demo(name: str, data, options: dict) -> None:
    for season in data.seasons[1:-1]:
        r = evaluate_held_out(data, season, **options)
        print(_row(name, season, r.holders, r.chosen, r.model_auc, r.true_auc, r.ece, r.true_ece,
                   r.brier, r.true_brier, r.mean_probability, r.renewal_rate), flush=True)


def simulator(name: str, holders: int, seed: int, options: dict) -> None:
    sim = simulate_renewals(holders=holders, seasons=5, seed=seed)
    for season in sim.seasons[1:-1]:
        model = RenewalModel(**options).fit(sim.holdings, sim.customers, season=season)
        scores = model.predict().merge(
            sim.truth[sim.truth["season"] == season].drop(columns="season"), on="customer_id")
        y, p, t = scores["renewed"], scores["probability"], scores["true_probability"]
        print(_row(name, season, len(scores), model.chosen_, roc_auc(y, p), roc_auc(y, t),
                   expected_calibration_error(y, p), expected_calibration_error(y, t),
                   brier_score(y, p), brier_score(y, t), float(p.mean()), float(y.mean())),
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration", default="platt", choices=("platt", "isotonic"))
    options = {"calibration": parser.parse_args().calibration}
    print(HEADER)
    print("|" + "---|" * 13)
    demo("club demo (3 seasons, as generated)", club_renewal(), options)
    demo("club demo, 5 seasons", club_renewal(seasons=5), options)
    demo("theatre demo, 4 seasons, 900 subscribers", theatre_renewal(seasons=4), options)
    demo("theatre demo, 4 seasons, seed 7", theatre_renewal(seasons=4, seed=7), options)
    demo("theatre demo, 4 seasons, x3 (2,700)", theatre_renewal(seasons=4, scale=3), options)
    simulator("independent simulator, seed 1", 8000, 1, options)
    simulator("independent simulator, seed 2", 8000, 2, options)
    simulator("independent simulator, 30,000 holders", 30000, 3, options)


if __name__ == "__main__":
    main()
