"""The two renewal candidates and how each splits a score into per-feature contributions.

- ``SplineLogistic``: L2-regularized logistic regression on cubic B-splines of each numeric
  feature (knots at quantiles), 0/1 flags and one-hot categories; a missing value gets the
  training median plus a "missing" indicator. Additive, so a feature's contribution is exact:
  its terms minus their training average (coefficients x values, centred).
- ``GradientBoosting``: scikit-learn's HistGradientBoostingClassifier on the raw features
  (missing values handled by the trees), shallow trees, early stopping on a seeded internal
  split. Contributions are exact path-dependent SHAP values (``tree_shap``).

Both return contributions in log-odds, grouped by source feature (the one-hot columns of the
category form one group), plus the baseline they are measured from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import SplineTransformer

from arena.crm.scoring.holdings import CATEGORY_FEATURE, FLAG_FEATURES, NUMERIC_FEATURES
from arena.crm.scoring.tree_shap import hist_gradient_boosting_shap

# Skewed counts and amounts are splined on log(1 + x): knots where the people are.
LOG_SCALE = frozenset({"tenure", "price", "distance_km", "single_tickets", "group_size"})
MIN_PRESENT_SHARE = 0.05
EVENTS_PER_PARAMETER = 15


@dataclass(frozen=True)
class FeatureSet:
    """The features a model uses: those the training data carries with some variation."""

    numeric: tuple[str, ...]
    flags: tuple[str, ...]
    categories: tuple[str, ...]  # levels of ``category`` (empty: not used)

    @property
    def groups(self) -> tuple[str, ...]:
        return self.numeric + self.flags + ((CATEGORY_FEATURE,) if self.categories else ())

    @classmethod
    def learn(cls, rows: pd.DataFrame) -> FeatureSet:
        def varies(column: str) -> bool:
            if column not in rows.columns:
                return False
            values = pd.to_numeric(rows[column], errors="coerce")
            return bool(values.notna().mean() >= MIN_PRESENT_SHARE and values.nunique() > 1)

        levels: tuple[str, ...] = ()
        if CATEGORY_FEATURE in rows.columns:
            present = rows[CATEGORY_FEATURE].dropna().astype(str)
            if present.nunique() > 1:
                levels = tuple(sorted(present.unique()))
        return cls(tuple(c for c in NUMERIC_FEATURES if varies(c)),
                   tuple(c for c in FLAG_FEATURES if varies(c)), levels)

    def values(self, rows: pd.DataFrame, column: str) -> np.ndarray:
        values = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float) \
            if column in rows.columns else np.full(len(rows), np.nan)
        return np.log1p(np.maximum(values, 0)) if column in LOG_SCALE else values

    def one_hot(self, rows: pd.DataFrame) -> np.ndarray:
        if not self.categories or CATEGORY_FEATURE not in rows.columns:
            return np.zeros((len(rows), len(self.categories)))
        values = rows[CATEGORY_FEATURE].astype("string").fillna("").to_numpy(dtype=object)
        return np.stack([values == level for level in self.categories], axis=1).astype(float)


class SplineLogistic:
    """Readable baseline: additive spline logistic regression (see module doc)."""

    name = "spline_logistic"

    def __init__(self, features: FeatureSet, *, C: float = 1.0, n_knots: int = 5) -> None:
        self.features = features
        self.C = C
        self.n_knots = n_knots

    def _blocks(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        blocks: list[np.ndarray] = []
        owner: list[int] = []
        for group, column in enumerate(self.features.numeric + self.features.flags):
            values = self.features.values(rows, column)
            missing = np.isnan(values)
            filled = np.where(missing, self.medians_[column], values)
            spline = self.splines_.get(column)
            block = spline.transform(filled[:, None]) if spline is not None else filled[:, None]
            if column in self.with_missing_:
                block = np.column_stack([block, missing.astype(float)])
            blocks.append(block)
            owner += [group] * block.shape[1]
        if self.features.categories:
            block = self.features.one_hot(rows)
            blocks.append(block)
            owner += [len(self.features.groups) - 1] * block.shape[1]
        design = np.hstack(blocks) if blocks else np.zeros((len(rows), 0))
        return design, np.array(owner, dtype=int)

    def _knots(self, renewed: np.ndarray) -> int:
        """Knots per numeric feature the data can afford: about one coefficient per
        ``EVENTS_PER_PARAMETER`` holders of the rarer outcome (Harrell 2015, Regression Modeling
        Strategies, 4.4), up to ``n_knots``; below 3 coefficients a feature stays linear."""
        rarer = min(int(renewed.sum()), int(len(renewed) - renewed.sum()))
        budget = rarer / EVENTS_PER_PARAMETER
        per_feature = budget / max(1, len(self.features.groups))
        # A cubic spline with k knots (no bias column) has k + 1 coefficients.
        return int(min(self.n_knots, np.floor(per_feature) - 1)) if per_feature >= 3 else 0

    def fit(self, rows: pd.DataFrame, renewed: np.ndarray) -> SplineLogistic:
        self.medians_: dict[str, float] = {}
        self.splines_: dict[str, SplineTransformer] = {}
        self.with_missing_: set[str] = set()
        knots_per_feature = self._knots(renewed)
        for column in self.features.numeric + self.features.flags:
            values = self.features.values(rows, column)
            present = values[~np.isnan(values)]
            self.medians_[column] = float(np.median(present)) if present.size else 0.0
            if np.isnan(values).any():
                self.with_missing_.add(column)
            if column in self.features.numeric and knots_per_feature >= 2:
                knots = np.unique(np.quantile(present, np.linspace(0, 1, knots_per_feature)))
                if knots.size >= 2:
                    self.splines_[column] = SplineTransformer(
                        knots=knots[:, None], degree=3, extrapolation="constant",
                        include_bias=False).fit(present[:, None])
        design, self.owner_ = self._blocks(rows)
        self.column_means_ = design.mean(axis=0)
        self.model_ = LogisticRegression(C=self.C, max_iter=2000).fit(design, renewed)
        return self

    def decision_function(self, rows: pd.DataFrame) -> np.ndarray:
        design, _ = self._blocks(rows)
        return np.asarray(self.model_.decision_function(design), dtype=float)

    def contributions(self, rows: pd.DataFrame) -> tuple[np.ndarray, float]:
        """(n x groups) log-odds contributions and the baseline they add up from."""
        design, owner = self._blocks(rows)
        coef = self.model_.coef_[0]
        terms = (design - self.column_means_) * coef
        result = np.zeros((len(rows), len(self.features.groups)))
        np.add.at(result.T, owner, terms.T)
        baseline = float(self.model_.intercept_[0] + self.column_means_ @ coef)
        return result, baseline


class GradientBoosting:
    """Gradient-boosted shallow trees with early stopping (see module doc)."""

    name = "gradient_boosting"

    def __init__(self, features: FeatureSet, *, max_depth: int = 4, learning_rate: float = 0.1,
                 max_iter: int = 200, random_state: int = 0) -> None:
        self.features = features
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.random_state = random_state

    def _design(self, rows: pd.DataFrame) -> np.ndarray:
        columns = [self.features.values(rows, c) for c in self.features.numeric
                   + self.features.flags]
        blocks = [np.column_stack(columns)] if columns else []
        if self.features.categories:
            blocks.append(self.features.one_hot(rows))
        return np.hstack(blocks) if blocks else np.zeros((len(rows), 0))

    def _owner(self) -> np.ndarray:
        plain = len(self.features.numeric) + len(self.features.flags)
        return np.array(list(range(plain)) + [plain] * len(self.features.categories), dtype=int)

    def fit(self, rows: pd.DataFrame, renewed: np.ndarray) -> GradientBoosting:
        self.model_ = HistGradientBoostingClassifier(
            max_depth=self.max_depth, learning_rate=self.learning_rate, max_iter=self.max_iter,
            l2_regularization=1.0, min_samples_leaf=40, early_stopping=True,
            validation_fraction=0.15, n_iter_no_change=20, random_state=self.random_state)
        self.model_.fit(self._design(rows), renewed)
        return self

    def decision_function(self, rows: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.model_.decision_function(self._design(rows)), dtype=float)

    def contributions(self, rows: pd.DataFrame) -> tuple[np.ndarray, float]:
        phi, expected = hist_gradient_boosting_shap(self.model_, self._design(rows))
        result = np.zeros((len(rows), len(self.features.groups)))
        np.add.at(result.T, self._owner(), phi.T)
        return result, expected


Candidate = SplineLogistic | GradientBoosting
