"""Behavioural and identity clusters of customers: k-means, the number of segments chosen by data.

How k is chosen, and why on a sample: each candidate k (2..8 by default) is fitted on a random
sample of customers (20,000) and judged there by the silhouette (how much closer each customer is
to its own cluster than to the next one; Rousseeuw 1987), computed on 5,000 of them since it
compares every pair. The best k is then fitted on every customer, starting from the sample's
solution, so 200,000 customers take seconds. Every k's score is kept for the UI to show.

Why not a Gaussian mixture chosen by BIC: tried on the planted audiences of the tests, the BIC
kept falling up to the largest k offered (8) whatever the number planted (3 or 5), because
counts, flags and one-hot categories are far from Gaussian; it would always show the most
segments. k-means with the silhouette found the planted number in most cases (bench/crm_analysis).

Segments are numbered 1..k from the largest to the smallest, so numbers are stable for the
same data.

Threads: one by default. On a shared 2-core machine, k-means and the silhouette ran 10 to 20
times slower with two OpenMP threads than with one while other work kept the cores busy (busy
waiting threads); a web app serving several users gains nothing from more. ``threads=None``
leaves the libraries' default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from arena.crm.analysis.profile_frame import CUSTOMER_ID, require_columns
from arena.crm.segments.features import (
    DEFAULT_BOOLEAN,
    DEFAULT_CATEGORICAL,
    DEFAULT_NUMERIC,
    FeaturePlan,
    feature_matrix,
    learn_features,
)

Progress = Callable[[float, str], None]  # (fraction done in [0, 1], stage code)


class NotFittedError(RuntimeError):
    """The clustering was used before ``fit``."""


def _no_progress(fraction: float, stage: str) -> None:
    return None


@dataclass(frozen=True)
class KSelection:
    """Every candidate k with its silhouette (in [-1, 1], higher is better)."""

    scores: pd.DataFrame  # columns: k, silhouette
    chosen: int

    @property
    def silhouette(self) -> float:
        return float(self.scores.set_index("k").loc[self.chosen, "silhouette"])

    @property
    def structure(self) -> str:
        """Kaufman & Rousseeuw's (1990) reading of the chosen silhouette: "none" (<= 0.25),
        "weak" (<= 0.50), "reasonable" (<= 0.70) or "strong"."""
        value = self.silhouette
        if value <= 0.25:
            return "none"
        if value <= 0.50:
            return "weak"
        return "reasonable" if value <= 0.70 else "strong"


class CustomerClusters:
    """Cluster customers on standardized behaviour and identity features (k-means).

    ``k``: a fixed number of segments, or None to choose it in ``k_range`` by the silhouette.
    """

    def __init__(
        self,
        k: int | None = None,
        k_range: tuple[int, int] = (2, 8),
        numeric: Sequence[str] = DEFAULT_NUMERIC,
        boolean: Sequence[str] = DEFAULT_BOOLEAN,
        categorical: Sequence[str] = DEFAULT_CATEGORICAL,
        sample_size: int = 20_000,
        silhouette_sample: int = 5_000,
        random_state: int = 0,
        threads: int | None = 1,
    ) -> None:
        if k_range[0] < 2 or k_range[1] < k_range[0]:
            raise ValueError("k_range must be (low, high) with 2 <= low <= high")
        self.k = k
        self.k_range = k_range
        self.numeric = tuple(numeric)
        self.boolean = tuple(boolean)
        self.categorical = tuple(categorical)
        self.sample_size = sample_size
        self.silhouette_sample = silhouette_sample
        self.random_state = random_state
        self.threads = threads

    def __repr__(self) -> str:
        fitted = f", k_={self.k_}" if hasattr(self, "k_") else ""
        return f"CustomerClusters(k={self.k}{fitted})"

    def fit(self, profiles: pd.DataFrame, progress: Progress | None = None) -> CustomerClusters:
        """Learn features, choose k, cluster every customer. ``progress`` gets (fraction, stage)
        with stages "features", "choosing_k", "fitting", "done"."""
        with threadpool_limits(limits=self.threads):
            return self._fit(profiles, progress)

    def _fit(self, profiles: pd.DataFrame, progress: Progress | None) -> CustomerClusters:
        report = progress or _no_progress
        require_columns(profiles, (CUSTOMER_ID,), "clustering")
        if len(profiles) < max(10, self.k_range[0] * 5):
            raise ValueError(f"too few customers to cluster: {len(profiles)}")
        report(0.0, "features")
        self.plan_: FeaturePlan = learn_features(
            profiles, self.numeric, self.boolean, self.categorical
        )
        matrix = feature_matrix(profiles, self.plan_)
        rng = np.random.default_rng(self.random_state)
        sample = matrix[_sample_rows(len(matrix), self.sample_size, rng)]
        report(0.1, "choosing_k")
        candidates = [self.k] if self.k else list(range(self.k_range[0], self.k_range[1] + 1))
        candidates = [k for k in candidates if k < len(sample)]
        fits: dict[int, KMeans] = {}
        scores = []
        silhouette_rows = _sample_rows(len(sample), self.silhouette_sample, rng)
        for step, k in enumerate(candidates):
            model = KMeans(n_clusters=k, n_init=4, random_state=self.random_state).fit(sample)
            fits[k] = model
            labels = model.labels_[silhouette_rows]
            score = (
                float(silhouette_score(sample[silhouette_rows], labels))
                if len(set(labels)) > 1 else -1.0
            )
            scores.append((k, score))
            report(0.1 + 0.6 * (step + 1) / len(candidates), "choosing_k")
        table = pd.DataFrame(scores, columns=["k", "silhouette"])
        chosen = int(table.loc[table["silhouette"].idxmax(), "k"])
        self.selection_ = KSelection(table, chosen)
        report(0.7, "fitting")
        final = KMeans(
            n_clusters=chosen, init=fits[chosen].cluster_centers_, n_init=1, max_iter=100,
            random_state=self.random_state,
        ).fit(matrix)
        raw = final.predict(matrix)
        # Number segments by size, largest first: the same data always gives the same numbers.
        sizes = np.bincount(raw, minlength=chosen)
        rank = np.empty(chosen, dtype=np.int64)
        rank[np.argsort(-sizes, kind="stable")] = np.arange(1, chosen + 1)
        self.model_ = final
        self.relabel_ = rank
        self.k_ = chosen
        self.labels_ = pd.Series(
            rank[raw], index=pd.Index(profiles[CUSTOMER_ID].to_numpy(), name=CUSTOMER_ID),
            name="segment",
        )
        report(1.0, "done")
        return self

    def predict(self, profiles: pd.DataFrame) -> pd.Series:
        """The segment (1..k) of each customer of any profile frame, with the learned features."""
        if not hasattr(self, "model_"):
            raise NotFittedError("fit the clustering before predicting segments")
        matrix = feature_matrix(profiles, self.plan_)
        with threadpool_limits(limits=self.threads):
            raw = self.model_.predict(matrix)
        return pd.Series(
            self.relabel_[raw],
            index=pd.Index(profiles[CUSTOMER_ID].to_numpy(), name=CUSTOMER_ID),
            name="segment",
        )


def _sample_rows(total: int, size: int, rng: np.random.Generator) -> np.ndarray:
    if total <= size:
        return np.arange(total)
    return np.sort(rng.choice(total, size=size, replace=False))
