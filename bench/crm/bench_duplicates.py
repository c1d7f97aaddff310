"""Times candidate-duplicate detection and measures precision and recall on planted duplicates.

    .venv/bin/python bench/crm/bench_duplicates.py [--customers 200000] [--seed 7]

The customers come from tests/support/planted_duplicates.py: demo people plus planted
duplicates of each kind (3 % second email, 3 % email typo, 2 % moved, 2 % shared phone) and 3 %
households (same last name, phone and postal code; another person) as look-alikes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from arena.crm.duplicates import find_candidate_duplicates  # noqa: E402
from tests.support.planted_duplicates import plant_duplicates, precision_recall  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    planted = plant_duplicates(args.customers, seed=args.seed)
    started = time.perf_counter()
    found = find_candidate_duplicates(planted.customers)
    elapsed = time.perf_counter() - started
    print(f"{len(planted.customers):,} customers, {len(planted.truth):,} planted pairs: "
          f"{len(found):,} candidate pairs in {elapsed:.2f} s")
    table = precision_recall(found, planted.truth)
    print("| kind | planted pairs | recall | pairs listed under this kind | precision |")
    print("|---|---|---|---|---|")
    for kind, row in table.iterrows():
        print(f"| {kind} | {int(row['planted']):,} | {row['recall']:.2%} | {int(row['listed']):,} | "
              f"{row['precision']:.2%} |")


if __name__ == "__main__":
    main()
