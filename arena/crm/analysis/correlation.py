"""Numeric x numeric: Spearman's rank correlation and a binned scatter.

Spearman's rho (Spearman 1904) correlates ranks: it measures whether one attribute tends to rise
with the other, in a straight line or not, and a handful of very large buyers cannot make it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from arena.crm.analysis.charts import HexbinSpec, hexbin
from arena.crm.analysis.findings import (
    CORRELATION_THRESHOLDS,
    Finding,
    Strength,
    WarningCode,
    row_count_findings,
    strength_of,
)
from arena.crm.analysis.group_comparison import as_numbers


@dataclass(frozen=True)
class Correlation:
    """Spearman's rho in [-1, 1] (sign: direction; size: strength) and its chart."""

    x_attribute: str
    y_attribute: str
    rows: int
    excluded_missing: int
    rho: float | None
    p_value: float | None
    strength: Strength | None
    thresholds: tuple[float, float, float]
    chart: HexbinSpec | None
    findings: tuple[Finding, ...] = field(default=())


def correlate(
    x: pd.Series,
    y: pd.Series,
    *,
    x_name: str | None = None,
    y_name: str | None = None,
    sample_seed: int = 0,
) -> Correlation:
    """Spearman's correlation of two numeric (or date) attributes, one value each per customer."""
    x_name = x_name or str(x.name)
    y_name = y_name or str(y.name)
    xs, ys = as_numbers(x), as_numbers(y)
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    findings, testable = row_count_findings(len(xs))
    for name, values in ((x_name, xs), (y_name, ys)):
        if len(values) and values.min() == values.max():
            findings.append(Finding(WarningCode.CONSTANT_VALUES, {"attribute": name}))
            testable = False
    rho = p_value = None
    if testable:
        result = stats.spearmanr(xs, ys)
        rho, p_value = float(result.statistic), float(result.pvalue)
    return Correlation(
        x_attribute=x_name,
        y_attribute=y_name,
        rows=len(xs),
        excluded_missing=int(len(keep) - keep.sum()),
        rho=rho,
        p_value=p_value,
        strength=strength_of(rho, CORRELATION_THRESHOLDS) if rho is not None else None,
        thresholds=CORRELATION_THRESHOLDS,
        chart=hexbin(x_name, y_name, xs, ys, seed=sample_seed) if len(xs) else None,
        findings=tuple(findings),
    )
