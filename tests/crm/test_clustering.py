"""Clustering recovers segments planted in generated audiences, and says how it chose their number.

Thresholds come from 80 measured runs on seeds 100-119 (bench/crm_analysis/README.md,
planted_recovery.py): 4 planted segments, number given: adjusted Rand index mean 0.90, 20th
percentile 0.85, lowest 0.49; 3 planted, number chosen by silhouette: mean 0.86, 20th percentile
0.70, chosen number within one of the planted 20 times out of 20. The tests run seeds 200 and
up, never used while measuring. A mean over several audiences is asserted rather than each one,
since k-means itself sometimes splits a large segment and merges two small ones (lowest 0.45).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from arena.crm.segments import CustomerClusters, NotFittedError
from tests.support.customer_profiles import planted_audience

CUSTOMERS = 12_000


@pytest.mark.slow
def test_four_planted_segments_are_recovered_when_their_number_is_given() -> None:
    scores = []
    for seed in range(200, 206):
        audience = planted_audience(CUSTOMERS, segments=4, seed=seed)
        clusters = CustomerClusters(k=4).fit(audience.profiles)
        scores.append(adjusted_rand_score(audience.planted, clusters.labels_.to_numpy()))
    assert min(scores) >= 0.4, scores
    assert np.mean(scores) >= 0.8, scores


@pytest.mark.slow
def test_the_number_of_segments_is_chosen_by_silhouette_and_recovers_three_planted() -> None:
    scores = []
    for seed in range(200, 204):
        audience = planted_audience(CUSTOMERS, segments=3, seed=seed)
        clusters = CustomerClusters().fit(audience.profiles)
        table = clusters.selection_.scores
        assert table["k"].tolist() == list(range(2, 9))
        assert clusters.k_ == int(table.loc[table["silhouette"].idxmax(), "k"])
        assert abs(clusters.k_ - 3) <= 1
        assert clusters.selection_.structure in {"weak", "reasonable", "strong"}
        scores.append(adjusted_rand_score(audience.planted, clusters.labels_.to_numpy()))
    assert np.mean(scores) >= 0.7, scores


def test_clustering_does_far_better_than_splitting_by_the_favourite_seating() -> None:
    audience = planted_audience(CUSTOMERS, segments=4, seed=206)
    clusters = CustomerClusters(k=4).fit(audience.profiles)
    ours = adjusted_rand_score(audience.planted, clusters.labels_.to_numpy())
    naive = adjusted_rand_score(
        audience.planted, audience.profiles["favourite_category"].astype(str)
    )
    assert ours - naive >= 0.3, (ours, naive)


def test_segments_are_numbered_from_the_largest_and_predict_agrees_with_fit() -> None:
    audience = planted_audience(5_000, segments=3, seed=207)
    clusters = CustomerClusters(k=3).fit(audience.profiles)
    sizes = clusters.labels_.value_counts().sort_index()
    assert list(sizes.index) == [1, 2, 3] and sizes.is_monotonic_decreasing
    assert clusters.predict(audience.profiles).equals(clusters.labels_)
    assert clusters.labels_.index.tolist() == audience.profiles["customer_id"].tolist()


def test_progress_is_reported_from_zero_to_done() -> None:
    audience = planted_audience(3_000, segments=3, seed=208)
    seen: list[tuple[float, str]] = []
    CustomerClusters(k_range=(2, 4)).fit(audience.profiles, progress=lambda f, s: seen.append((f, s)))
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0
    assert seen[-1] == (1.0, "done")
    assert {stage for _, stage in seen} == {"features", "choosing_k", "fitting", "done"}


def test_absent_or_constant_features_are_dropped_and_reported() -> None:
    audience = planted_audience(3_000, segments=3, seed=209)
    profiles = audience.profiles.drop(columns=["age"]).assign(days_before_event=7.0)
    clusters = CustomerClusters(k=3).fit(profiles)
    assert {"age", "days_before_event"} <= set(clusters.plan_.dropped)
    assert "age" not in clusters.plan_.names


def test_using_the_clustering_before_fit_is_a_clear_error() -> None:
    with pytest.raises(NotFittedError):
        CustomerClusters().predict(pd.DataFrame({"customer_id": [1]}))
    with pytest.raises(ValueError, match="too few"):
        CustomerClusters().fit(pd.DataFrame({"customer_id": [1, 2, 3]}))
