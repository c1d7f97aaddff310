"""The clustering features: behaviour and identity columns turned into one standardized matrix.

Why each step:
- counts, amounts, distances and lead times are skewed (a few very large values), so they are
  taken as log(1 + x) before standardizing: otherwise k-means spends its clusters on outliers;
- every number is then standardized (mean 0, standard deviation 1) so that euros do not outweigh
  years;
- a missing number takes the median (the customer is "typical" on what we do not know);
- a yes/no feature is 0/1, and a category is one column per level scaled by 1/sqrt(2), so that
  two customers who differ on it are at distance 1, like one standard deviation of a number;
  missing categories are their own level, "unknown".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arena.crm.analysis.charts import OTHER
from arena.crm.analysis.univariate import clean_missing

UNKNOWN = "__unknown__"
DEFAULT_NUMERIC: tuple[str, ...] = (
    "orders_per_season", "mean_spend", "group_size", "seasons_active", "days_before_event",
    "age", "distance_km",
)
DEFAULT_BOOLEAN: tuple[str, ...] = ("season_ticket_holder",)
DEFAULT_CATEGORICAL: tuple[str, ...] = ("gender", "favourite_category", "favourite_channel")
LOG_SCALED = frozenset({
    "orders", "tickets", "events_attended", "total_spend", "mean_spend", "group_size",
    "days_before_event", "distance_km", "orders_per_season", "events_since_last",
})
MAX_CATEGORY_LEVELS = 8
CATEGORY_SCALE = 1 / np.sqrt(2)


@dataclass(frozen=True)
class FeaturePlan:
    """What went into the matrix and how, learned once and applied to any frame."""

    numeric: tuple[tuple[str, bool, float, float, float], ...]  # name, log, median, mean, std
    boolean: tuple[str, ...]
    categorical: tuple[tuple[str, tuple[str, ...]], ...]  # name, levels (with OTHER/UNKNOWN)
    dropped: tuple[str, ...]  # asked for but absent, empty or constant

    @property
    def names(self) -> list[str]:
        return (
            [name for name, *_ in self.numeric]
            + list(self.boolean)
            + [f"{name}={level}" for name, levels in self.categorical for level in levels]
        )


def with_derived_columns(profiles: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The requested columns, adding ``orders_per_season`` (orders / seasons active) if asked."""
    present = [column for column in columns if column in profiles.columns]
    frame = profiles[present].copy()
    if (
        "orders_per_season" in columns
        and "orders_per_season" not in profiles.columns
        and {"orders", "seasons_active"} <= set(profiles.columns)
    ):
        seasons = pd.to_numeric(profiles["seasons_active"], errors="coerce")
        orders = pd.to_numeric(profiles["orders"], errors="coerce")
        frame["orders_per_season"] = orders / seasons.where(seasons > 0)
    return frame


def learn_features(
    profiles: pd.DataFrame,
    numeric: Sequence[str] = DEFAULT_NUMERIC,
    boolean: Sequence[str] = DEFAULT_BOOLEAN,
    categorical: Sequence[str] = DEFAULT_CATEGORICAL,
    max_levels: int = MAX_CATEGORY_LEVELS,
) -> FeaturePlan:
    """Decide each feature's transformation from the data (medians, scales, kept levels)."""
    frame = with_derived_columns(profiles, [*numeric, *boolean, *categorical])
    dropped: list[str] = []
    numeric_plan = []
    for name in numeric:
        if name not in frame.columns:
            dropped.append(name)
            continue
        log = name in LOG_SCALED
        values = _numeric_values(frame[name], log)
        finite = values[np.isfinite(values)]
        # Equal values can leave a rounding-size spread: constant all the same.
        if len(finite) == 0 or finite.std() <= 1e-9 * max(1.0, abs(float(finite.mean()))):
            dropped.append(name)
            continue
        median = float(np.median(finite))
        filled = np.where(np.isfinite(values), values, median)
        numeric_plan.append((name, log, median, float(filled.mean()), float(filled.std())))
    boolean_plan = []
    for name in boolean:
        if name not in frame.columns or frame[name].dropna().astype(bool).nunique() < 2:
            dropped.append(name)
            continue
        boolean_plan.append(name)
    categorical_plan = []
    for name in categorical:
        if name not in frame.columns:
            dropped.append(name)
            continue
        text = clean_missing(frame[name]).astype("string").fillna(UNKNOWN)
        counts = text.value_counts()
        if len(counts) < 2:
            dropped.append(name)
            continue
        ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
        levels = [str(level) for level, _ in ranked[:max_levels]]
        if len(ranked) > max_levels:
            levels[-1] = OTHER
        categorical_plan.append((name, tuple(levels)))
    return FeaturePlan(
        tuple(numeric_plan), tuple(boolean_plan), tuple(categorical_plan), tuple(dropped)
    )


def feature_matrix(profiles: pd.DataFrame, plan: FeaturePlan) -> np.ndarray:
    """The standardized matrix (customers x ``plan.names``), float32 to halve memory."""
    columns = (
        [name for name, *_ in plan.numeric]
        + list(plan.boolean)
        + [name for name, _ in plan.categorical]
    )
    frame = with_derived_columns(profiles, columns)
    blocks: list[np.ndarray] = []
    for name, log, median, mean, std in plan.numeric:
        values = _numeric_values(frame[name], log)
        values = np.where(np.isfinite(values), values, median)
        blocks.append(((values - mean) / std)[:, None])
    for name in plan.boolean:
        flags = frame[name].fillna(False).astype(bool).to_numpy(dtype=float)
        blocks.append(flags[:, None])
    for name, levels in plan.categorical:
        text = clean_missing(frame[name]).astype("string").fillna(UNKNOWN)
        kept = [level for level in levels if level != OTHER]
        if OTHER in levels:
            text = text.where(text.isin(kept), OTHER)
        codes = pd.Categorical(text, categories=list(levels)).codes
        one_hot = np.zeros((len(frame), len(levels)))
        known = codes >= 0
        one_hot[np.flatnonzero(known), codes[known]] = CATEGORY_SCALE
        blocks.append(one_hot)
    if not blocks:
        raise ValueError("no usable clustering feature: every one is absent, empty or constant")
    return np.hstack(blocks).astype(np.float32)


def _numeric_values(values: pd.Series, log: bool) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype):
        numbers = values.astype(float).to_numpy()
    else:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if log:
        numbers = np.log1p(np.clip(numbers, 0, None))
    return numbers
