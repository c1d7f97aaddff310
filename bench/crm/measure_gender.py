"""Measures gender-from-first-name against INSEE's held-out years, weighted by births.

    .venv/bin/python bench/crm/measure_gender.py [--held-out tests/crm/data/insee_births_held_out.csv.gz]
        [--gender-guesser]   # also measure the gender-guesser package (pip install gender-guesser)

The held-out file holds the births of the years ending in 7 (1907 … 2017), which the shipped table
does not count (arena/data/reference/build_first_names_gender.py). Coverage is the share of births whose
first name gets an answer; error is the share of wrong answers among those covered. Births whose
name INSEE withholds (_PRENOMS_RARES, 1.9 % of all births) are not in the file: no table can know
them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from arena.crm.enrichment.gender import DEFAULT_MIN_CONFIDENCE  # noqa: E402
from tests.support.gender_measurement import (  # noqa: E402
    HELD_OUT,
    accented_input,
    arena_answers,
    gender_guesser_answers,
    read_held_out,
    score,
    upper_unaccented_input,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--held-out", type=Path, default=HELD_OUT)
    parser.add_argument("--gender-guesser", action="store_true")
    args = parser.parse_args()
    births = read_held_out(args.held_out)
    print(f"held-out births: {int((births['female'] + births['male']).sum()):,} "
          f"({len(births):,} name x decade rows)")
    inputs = {"accented": accented_input(births), "upper, unaccented": upper_unaccented_input(births)}
    print("| method | input | birth year | births covered | error among covered |")
    print("|---|---|---|---|---|")
    for label, names in inputs.items():
        for with_year in (True, False):
            coverage, error = score(arena_answers(names, births, with_year=with_year), births)
            print(f"| Arena (threshold {DEFAULT_MIN_CONFIDENCE}) | {label} | "
                  f"{'known' if with_year else 'unknown'} | {coverage:.2%} | {error:.2%} |")
        if args.gender_guesser:
            coverage, error = score(gender_guesser_answers(names), births)
            print(f"| gender-guesser 0.4.0 | {label} | not used | {coverage:.2%} | {error:.2%} |")
    print()
    print("| threshold | covered (year known) | error | covered (year unknown) | error |")
    print("|---|---|---|---|---|")
    names = inputs["accented"]
    for threshold in np.round(np.arange(0.55, 1.0, 0.05), 2):
        known = score(arena_answers(names, births, with_year=True, min_confidence=threshold), births)
        unknown = score(arena_answers(names, births, with_year=False, min_confidence=threshold),
                        births)
        print(f"| {threshold:.2f} | {known[0]:.2%} | {known[1]:.2%} | {unknown[0]:.2%} | "
              f"{unknown[1]:.2%} |")


if __name__ == "__main__":
    main()
