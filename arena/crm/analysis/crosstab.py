"""Categorical x categorical: the cross-tab, the chi-square test of independence, Cramér's V.

References: Pearson's chi-square test of independence; Cochran (1954) for its validity rule;
Cramér (1946) for V; Bergsma (2013), "A bias-correction for Cramér's V and Tschuprow's T",
Journal of the Korean Statistical Society 42(3), for the corrected V; Agresti (2007), *An
Introduction to Categorical Data Analysis*, 2.4.5, for adjusted residuals.

The table can come from raw values (one per customer) or from counts the database grouped
(``cross_tab_from_counts``): the statistics only need the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from arena.crm.analysis.charts import HeatmapSpec
from arena.crm.analysis.findings import (
    SMALL_EXPECTED,
    SMALL_EXPECTED_SHARE,
    Finding,
    Strength,
    WarningCode,
    cramers_v_thresholds,
    row_count_findings,
    strength_of,
)
from arena.crm.analysis.levels import MAX_LEVELS, categorical_levels
from arena.crm.analysis.profile_frame import attribute_of


@dataclass(frozen=True)
class CrossTab:
    """A cross-tab and its test. Percentages are shares in [0, 1]; rows and columns only hold
    levels with at least one customer; customers missing either value are left out and counted
    in ``excluded_missing``."""

    row_attribute: str
    column_attribute: str
    counts: pd.DataFrame
    row_percentages: pd.DataFrame  # each row sums to 1: "of the women, 30 % sit in Tribune Est"
    column_percentages: pd.DataFrame  # each column sums to 1
    expected: pd.DataFrame  # counts expected if the two attributes were unrelated
    residuals: pd.DataFrame  # adjusted residuals: beyond +-2, a cell departs from independence
    rows: int
    excluded_missing: int
    chi_square: float | None
    degrees_of_freedom: int | None
    p_value: float | None
    fisher_p_value: float | None  # 2x2 tables with an expected count below 5
    cramers_v: float | None
    cramers_v_corrected: float | None
    bias_corrected: bool  # which of the two V the strength reads
    strength: Strength | None
    thresholds: tuple[float, float, float]  # negligible < t0 <= weak < t1 <= moderate < t2 <= strong
    chart: HeatmapSpec
    findings: tuple[Finding, ...] = field(default=())

    @property
    def association(self) -> float | None:
        """The V the strength reading uses."""
        return self.cramers_v_corrected if self.bias_corrected else self.cramers_v


def cross_tabulate(
    rows: pd.Series,
    columns: pd.Series,
    *,
    row_name: str | None = None,
    column_name: str | None = None,
    max_levels: int = MAX_LEVELS,
    bias_correction: bool = True,
) -> CrossTab:
    """The cross-tab of two categorical attributes given one value per customer (same index)."""
    row_name = row_name or str(rows.name)
    column_name = column_name or str(columns.name)
    row_levels, row_folded = categorical_levels(rows, attribute_of(row_name, rows), max_levels)
    column_levels, column_folded = categorical_levels(
        columns, attribute_of(column_name, columns), max_levels
    )
    both = row_levels.notna() & column_levels.notna()
    row_codes = row_levels.cat.codes.to_numpy()[both.to_numpy()]
    column_codes = column_levels.cat.codes.to_numpy()[both.to_numpy()]
    shape = (len(row_levels.cat.categories), len(column_levels.cat.categories))
    flat = np.bincount(row_codes * shape[1] + column_codes, minlength=shape[0] * shape[1])
    counts = pd.DataFrame(
        flat.reshape(shape),
        index=pd.Index([str(c) for c in row_levels.cat.categories], name=row_name),
        columns=pd.Index([str(c) for c in column_levels.cat.categories], name=column_name),
    )
    findings = [
        Finding(WarningCode.LEVELS_GROUPED, {"attribute": name, "kept": kept, "grouped": folded})
        for name, kept, folded in (
            (row_name, shape[0] - 1, row_folded),
            (column_name, shape[1] - 1, column_folded),
        )
        if folded
    ]
    return cross_tab_from_counts(
        counts,
        excluded_missing=int(len(both) - both.sum()),
        bias_correction=bias_correction,
        findings=findings,
    )


def cross_tab_from_counts(
    counts: pd.DataFrame,
    *,
    excluded_missing: int = 0,
    bias_correction: bool = True,
    findings: list[Finding] | None = None,
) -> CrossTab:
    """The cross-tab statistics of a table of counts (rows x columns, named by their index and
    columns names), e.g. a ``GROUP BY a, b`` pivoted. Empty rows and columns are dropped."""
    findings = list(findings or [])
    counts = counts.fillna(0).astype("int64")
    counts = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    row_name = str(counts.index.name or "rows")
    column_name = str(counts.columns.name or "columns")
    observed = counts.to_numpy(dtype=float)
    total = float(observed.sum())
    row_sums = observed.sum(axis=1)
    column_sums = observed.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.outer(row_sums, column_sums) / total if total else observed * 0
        row_shares = observed / row_sums[:, None]
        column_shares = observed / column_sums[None, :]
        residuals = (observed - expected) / np.sqrt(
            expected * (1 - row_sums[:, None] / total) * (1 - column_sums[None, :] / total)
        )
    residuals = np.where(np.isfinite(residuals), residuals, 0.0)

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=counts.index, columns=counts.columns)

    size_findings, testable = row_count_findings(int(total))
    findings.extend(size_findings)
    r, c = observed.shape
    for name, levels in ((row_name, r), (column_name, c)):
        if levels < 2:
            findings.append(Finding(WarningCode.SINGLE_CATEGORY, {"attribute": name}))
            testable = False
    chi_square = p_value = fisher = v = v_corrected = None
    dof = None
    thresholds = cramers_v_thresholds(r, c)
    strength = None
    if testable:
        chi_square = float(((observed - expected) ** 2 / expected).sum())
        dof = (r - 1) * (c - 1)
        p_value = float(stats.chi2.sf(chi_square, dof))
        v = cramers_v(chi_square, total, r, c)
        v_corrected = cramers_v_bias_corrected(chi_square, total, r, c)
        small = expected < SMALL_EXPECTED
        share_small = float(small.mean())
        if share_small > SMALL_EXPECTED_SHARE or expected.min() < 1:
            findings.append(
                Finding(
                    WarningCode.SMALL_EXPECTED_COUNTS,
                    {"share_below_5": share_small, "min_expected": float(expected.min())},
                )
            )
        if (r, c) == (2, 2) and small.any():
            fisher = float(stats.fisher_exact(observed.astype(np.int64)).pvalue)
            findings.append(Finding(WarningCode.FISHER_EXACT_USED))
        strength = strength_of(v_corrected if bias_correction else v, thresholds)  # type: ignore[arg-type]
    return CrossTab(
        row_attribute=row_name,
        column_attribute=column_name,
        counts=counts,
        row_percentages=frame(row_shares),
        column_percentages=frame(column_shares),
        expected=frame(expected),
        residuals=frame(residuals),
        rows=int(total),
        excluded_missing=excluded_missing,
        chi_square=chi_square,
        degrees_of_freedom=dof,
        p_value=p_value,
        fisher_p_value=fisher,
        cramers_v=v,
        cramers_v_corrected=v_corrected,
        bias_corrected=bias_correction,
        strength=strength,
        thresholds=thresholds,
        chart=HeatmapSpec(row_name, column_name, counts, frame(residuals)),
        findings=tuple(findings),
    )


def cramers_v(chi_square: float, total: float, rows: int, columns: int) -> float:
    """V = sqrt(chi2 / (n (min(r, c) - 1))): 0 when unrelated, 1 when one attribute determines
    the other."""
    return math.sqrt(chi_square / (total * (min(rows, columns) - 1)))


def cramers_v_bias_corrected(chi_square: float, total: float, rows: int, columns: int) -> float:
    """Bergsma's (2013) V: the plain V overstates association in small samples and wide tables
    (an unrelated 10 x 10 table of 200 people shows V ~ 0.2); this one is near 0 then."""
    if total <= 1:
        return 0.0
    phi2 = chi_square / total
    phi2_corrected = max(0.0, phi2 - (rows - 1) * (columns - 1) / (total - 1))
    rows_corrected = rows - (rows - 1) ** 2 / (total - 1)
    columns_corrected = columns - (columns - 1) ** 2 / (total - 1)
    denominator = min(rows_corrected - 1, columns_corrected - 1)
    if denominator <= 0:
        return 0.0
    return math.sqrt(phi2_corrected / denominator)
