"""Times the enrichment of 200,000 customers (gender + age + distance), cold and warm.

    .venv/bin/python bench/crm/bench_enrichment.py [--customers 200000] [--repeats 3]

Customers come from the demo's people generator (French names, real addresses, 3 % abroad),
with the imperfections of real files: 35 % without birth date, 6 % city spelt another way, 2 %
without postal code, first names in capitals for a third. "Cold" includes reading the two
shipped tables (first names, postal places) in a fresh process; "warm" re-runs with them loaded.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from arena.demo.people import AudienceProfile, draw_people  # noqa: E402

PROFILE = AudienceProfile(male_share=0.55, age_mean=40, age_sd=14, age_min=16, age_max=85,
                          local_radius_km=40, local_share=0.8, abroad_share=0.03)
COUNTRY_CODES = {"France": "FR", "Belgique": "BE", "Suisse": "CH", "Royaume-Uni": "GB",
                 "Espagne": "ES", "Allemagne": "DE", "Luxembourg": "LU"}


def customers(count: int, seed: int = 11):
    rng = np.random.default_rng(seed)
    people = draw_people(rng, count, venue_lat=45.7239, venue_lon=4.8322, profile=PROFILE,
                         reference_year=2025)
    people["country"] = people["country"].map(COUNTRY_CODES)
    people.loc[rng.random(count) < 0.35, "birth_date"] = None
    people.loc[rng.random(count) < 0.02, "postal_code"] = None
    upper = rng.random(count) < 0.33
    people.loc[upper, "first_name"] = people.loc[upper, "first_name"].str.upper()
    variant = rng.random(count) < 0.06
    people.loc[variant, "city"] = people.loc[variant, "city"].str.upper().str.replace(
        "SAINT-", "ST ", regex=False)
    return people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    table = customers(args.customers)
    from arena.crm.enrichment.customers import enrich_customers

    timings = []
    for _ in range(args.repeats + 1):
        started = time.perf_counter()
        enriched = enrich_customers(table, reference_date=date(2025, 9, 1),
                                    venue_latitude=45.7239, venue_longitude=4.8322)
        timings.append(time.perf_counter() - started)
    print(f"{args.customers:,} customers enriched: cold {timings[0]:.2f} s, warm "
          f"{', '.join(f'{t:.2f}' for t in timings[1:])} s")
    print(f"gender known {enriched['gender'].notna().mean():.2%}, age known "
          f"{enriched['age'].notna().mean():.2%}, distance known "
          f"{enriched['distance_km'].notna().mean():.2%}")
    print("distance missing:", enriched["distance_missing_reason"].value_counts().to_dict())


if __name__ == "__main__":
    main()
