"""Speed of the CRM analysis and segments on a large audience (200,000 customers by default).

    PYTHONPATH=. .venv/bin/python bench/crm_analysis/bench_analysis.py [customers] [output.jsonl]

Times, on a generated customer-profile frame (tests/support/customer_profiles.py, 5 planted
segments, about 2.5 seasons per customer): every univariate summary, every bivariate pair among
a representative set of attributes (cross-tab, box plots + Kruskal-Wallis, Spearman), RFM,
lifecycle for all seasons, a migration matrix, clustering with the number of segments chosen by
silhouette (with its progress stages), segment portraits and the contact rule. Building the frame
(the later SQL step's job) is not timed. A fixed numpy workload (sorting 5 million floats) is
timed in the same run as a reference for how loaded the machine was.
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from arena.crm.analysis import analyse_pair, describe_attribute
from arena.crm.segments import (
    CustomerClusters,
    describe_portrait,
    describe_segments,
    lifecycle_segments,
    migration_between_seasons,
    rfm_segments,
    select_contacts,
)
from tests.support.customer_profiles import planted_audience

ATTRIBUTES = (
    "gender", "age", "age_band", "distance_km", "distance_band", "city", "postal_code",
    "tickets", "orders", "total_spend", "mean_spend", "first_purchase_at", "seasons_active",
    "season_ticket_holder", "favourite_category", "favourite_channel", "group_size",
    "days_before_event",
)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def reference_seconds() -> float:
    values = np.random.default_rng(0).random(5_000_000)
    return min(timed(lambda: np.sort(values))[0] for _ in range(3))


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    output = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    records: list[dict[str, Any]] = []

    def record(step: str, seconds: float, **extra: Any) -> None:
        row = {"step": step, "customers": customers, "seconds": round(seconds, 4), **extra}
        records.append(row)
        if output:
            with output.open("a") as file:
                file.write(json.dumps(row) + "\n")

    record("reference_sort_5M", reference_seconds())
    audience = planted_audience(customers, segments=5, seed=42)
    profiles, customer_seasons = audience.profiles, audience.customer_seasons

    for name in ATTRIBUTES:
        seconds, summary = timed(lambda name=name: describe_attribute(profiles[name]))
        record("univariate", seconds, attribute=name, chart=summary.chart.chart)

    for first, second in itertools.combinations(ATTRIBUTES, 2):
        seconds, result = timed(
            lambda first=first, second=second: analyse_pair(profiles, first, second)
        )
        record("bivariate", seconds, pair=f"{first} x {second}", result=type(result).__name__)

    seconds, rfm = timed(lambda: rfm_segments(profiles))
    record("rfm", seconds, basis=rfm.recency_basis)
    seconds, lifecycle = timed(lambda: lifecycle_segments(customer_seasons))
    record("lifecycle_all_seasons", seconds, rows=len(lifecycle.assignments),
           customer_season_rows=len(customer_seasons))
    seasons = lifecycle.seasons
    seconds, _ = timed(lambda: migration_between_seasons(
        lifecycle.assignments, seasons[-2], seasons[-1], segment_column="lifecycle"))
    record("migration", seconds)

    stages: list[tuple[float, float, str]] = []
    started = time.perf_counter()
    seconds, clusters = timed(lambda: CustomerClusters().fit(
        profiles, progress=lambda fraction, stage: stages.append(
            (round(time.perf_counter() - started, 2), fraction, stage))))
    record("clustering_auto_k", seconds, k=clusters.k_, planted_k=5,
           ari=round(adjusted_rand_score(audience.planted, clusters.labels_), 4),
           silhouette=clusters.selection_.scores.round(4).to_dict("list"),
           progress=[(at, round(f, 2), s) for at, f, s in stages])
    seconds, portraits = timed(lambda: describe_segments(profiles, clusters.labels_))
    record("portraits", seconds, segments=len(portraits))
    seconds, _ = timed(lambda: [describe_portrait(p, "fr") for p in portraits])
    record("portrait_sentences_fr", seconds)
    members = profiles[clusters.labels_.to_numpy() == 1][["customer_id", "email"]]
    consents = pd.DataFrame({
        "customer_id": profiles["customer_id"],
        "channel": "email",
        "granted": np.random.default_rng(1).random(len(profiles)) < 0.7,
    })
    seconds, selection = timed(lambda: select_contacts(members, "email", consents))
    record("contact_rule", seconds, members=len(members), exported=len(selection.exported))

    for row in records:
        if row["step"] not in ("univariate", "bivariate"):
            print(json.dumps(row))
    for step in ("univariate", "bivariate"):
        rows = [r for r in records if r["step"] == step]
        times = [r["seconds"] for r in rows]
        slowest = max(rows, key=lambda r: r["seconds"])
        print(f"{step}: {len(rows)} runs, median {statistics.median(times):.3f} s, "
              f"max {max(times):.3f} s ({slowest.get('pair') or slowest.get('attribute')})")
    for kind in ("CrossTab", "GroupComparison", "Correlation"):
        times = [r["seconds"] for r in records if r.get("result") == kind]
        print(f"  {kind}: {len(times)} pairs, median {statistics.median(times):.3f} s, "
              f"max {max(times):.3f} s")
    print("first portrait (fr):", describe_portrait(portraits[0], "fr"))


if __name__ == "__main__":
    main()
