"""Numeric x categorical: box-plot summaries per group and the Kruskal-Wallis test.

References: Kruskal & Wallis (1952), "Use of ranks in one-criterion variance analysis", JASA 47,
with the tie correction; Tomczak & Tomczak (2014), "The need to report effect size estimates
revisited", Trends in Sport Sciences 21(1), for epsilon squared = H / (n - 1).

Kruskal-Wallis compares ranks, not means: spend and ticket counts are skewed (a few large
buyers), where comparing means would be driven by those few.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from arena.crm.analysis.charts import BoxSpec
from arena.crm.analysis.findings import (
    EPSILON_SQUARED_THRESHOLDS,
    SMALL_GROUP,
    Finding,
    Strength,
    WarningCode,
    row_count_findings,
    strength_of,
)
from arena.crm.analysis.levels import MAX_LEVELS, categorical_levels
from arena.crm.analysis.profile_frame import attribute_of

BOX_COLUMNS = (
    "group", "count", "mean", "min", "q1", "median", "q3", "max",
    "whisker_low", "whisker_high", "outliers",
)


@dataclass(frozen=True)
class KruskalWallis:
    """The test's statistic, degrees of freedom, p-value and effect size."""

    h: float
    degrees_of_freedom: int
    p_value: float
    epsilon_squared: float  # share of the variance of ranks the groups explain, in [0, 1]


@dataclass(frozen=True)
class GroupComparison:
    """A numeric attribute compared across the levels of a categorical one."""

    numeric_attribute: str
    group_attribute: str
    groups: pd.DataFrame  # BOX_COLUMNS, one row per group (ordinal order, else largest first)
    rows: int
    excluded_missing: int
    test: KruskalWallis | None
    strength: Strength | None
    thresholds: tuple[float, float, float]
    chart: BoxSpec
    findings: tuple[Finding, ...] = field(default=())


def compare_groups(
    values: pd.Series,
    groups: pd.Series,
    *,
    value_name: str | None = None,
    group_name: str | None = None,
    max_levels: int = MAX_LEVELS,
) -> GroupComparison:
    """Box summaries and Kruskal-Wallis of ``values`` (numeric or dates) across ``groups``."""
    value_name = value_name or str(values.name)
    group_name = group_name or str(groups.name)
    numbers = as_numbers(values)
    levels, folded = categorical_levels(groups, attribute_of(group_name, groups), max_levels)
    keep = np.isfinite(numbers) & levels.notna().to_numpy()
    numbers = numbers[keep]
    codes = levels.cat.codes.to_numpy()[keep]
    names = [str(level) for level in levels.cat.categories]
    findings: list[Finding] = []
    if folded:
        findings.append(
            Finding(
                WarningCode.LEVELS_GROUPED,
                {"attribute": group_name, "kept": len(names) - 1, "grouped": folded},
            )
        )
    summary = box_summaries(numbers, codes, names)
    size_findings, testable = row_count_findings(len(numbers))
    findings.extend(size_findings)
    if len(summary) < 2:
        findings.append(Finding(WarningCode.SINGLE_CATEGORY, {"attribute": group_name}))
        testable = False
    if len(numbers) and numbers.min() == numbers.max():
        findings.append(Finding(WarningCode.CONSTANT_VALUES, {"attribute": value_name}))
        testable = False
    small = summary.loc[summary["count"] < SMALL_GROUP, "group"].tolist()
    if small:
        findings.append(
            Finding(WarningCode.SMALL_GROUPS, {"groups": small, "minimum": SMALL_GROUP})
        )
    test = kruskal_wallis(numbers, codes) if testable else None
    unit = attribute_of(value_name, values).unit
    return GroupComparison(
        numeric_attribute=value_name,
        group_attribute=group_name,
        groups=summary,
        rows=len(numbers),
        excluded_missing=int(len(keep) - keep.sum()),
        test=test,
        strength=strength_of(test.epsilon_squared, EPSILON_SQUARED_THRESHOLDS) if test else None,
        thresholds=EPSILON_SQUARED_THRESHOLDS,
        chart=BoxSpec(value_name, group_name, summary, unit),
        findings=tuple(findings),
    )


def as_numbers(values: pd.Series) -> np.ndarray:
    """Floats; dates become days since 1970 so that they rank and bin like numbers."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        moments = values.dt.tz_localize(None) if values.dt.tz is not None else values
        days = (moments - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
        return days.to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(float).to_numpy()
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def box_summaries(values: np.ndarray, codes: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Per-group count, mean, quartiles and Tukey whiskers (the furthest values within 1.5 IQR of
    the box), in one grouped pass; empty groups are dropped."""
    if len(values) == 0:
        return pd.DataFrame(columns=list(BOX_COLUMNS))
    frame = pd.DataFrame({"code": codes, "value": values})
    grouped = frame.groupby("code", sort=True)["value"]
    quartiles = grouped.quantile([0.25, 0.5, 0.75]).unstack()
    summary = pd.DataFrame(
        {
            "count": grouped.size(),
            "mean": grouped.mean(),
            "min": grouped.min(),
            "q1": quartiles[0.25],
            "median": quartiles[0.5],
            "q3": quartiles[0.75],
            "max": grouped.max(),
        }
    )
    spread = 1.5 * (summary["q3"] - summary["q1"])
    low_fence = (summary["q1"] - spread).reindex(frame["code"]).to_numpy()
    high_fence = (summary["q3"] + spread).reindex(frame["code"]).to_numpy()
    inside = (values >= low_fence) & (values <= high_fence)
    within = frame[inside].groupby("code")["value"]
    summary["whisker_low"] = within.min()
    summary["whisker_high"] = within.max()
    summary["outliers"] = (
        pd.Series(~inside).groupby(frame["code"].to_numpy()).sum().reindex(summary.index)
    ).astype("int64")
    summary.insert(0, "group", [names[code] for code in summary.index])
    return summary.reset_index(drop=True)[list(BOX_COLUMNS)]


def kruskal_wallis(values: np.ndarray, codes: np.ndarray) -> KruskalWallis:
    """Kruskal-Wallis H with the tie correction, from values and their group codes."""
    ranks = stats.rankdata(values)
    sizes = np.bincount(codes)
    rank_sums = np.bincount(codes, weights=ranks)
    _, tie_sizes = np.unique(values, return_counts=True)
    return kruskal_wallis_from_rank_sums(sizes, rank_sums, tie_sizes)


def kruskal_wallis_from_rank_sums(
    sizes: np.ndarray, rank_sums: np.ndarray, tie_sizes: np.ndarray
) -> KruskalWallis:
    """The test from what a database can compute with window functions: each group's size and
    sum of (average) ranks, and the sizes of the groups of tied values."""
    sizes = np.asarray(sizes, dtype=float)
    rank_sums = np.asarray(rank_sums, dtype=float)
    present = sizes > 0
    sizes, rank_sums = sizes[present], rank_sums[present]
    n = float(sizes.sum())
    h = 12.0 / (n * (n + 1.0)) * float((rank_sums**2 / sizes).sum()) - 3.0 * (n + 1.0)
    ties = np.asarray(tie_sizes, dtype=float)
    correction = 1.0 - float((ties**3 - ties).sum()) / (n**3 - n)
    h = h / correction if correction > 0 else float("nan")
    degrees = int(len(sizes) - 1)
    return KruskalWallis(
        h=h,
        degrees_of_freedom=degrees,
        p_value=float(stats.chi2.sf(h, degrees)),
        epsilon_squared=float(min(1.0, max(0.0, h / (n - 1.0)))),
    )
