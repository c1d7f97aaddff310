"""Univariate analysis: one attribute's kind, summary statistics, chart and warnings.

Works on the values of one column of the customer-profile frame (one value per customer), or,
for categories, on counts already grouped by the database (``describe_frequencies``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from arena.crm.analysis.charts import (
    ChartSpec,
    category_bars,
    histogram,
    time_bars,
)
from arena.crm.analysis.findings import Finding, WarningCode
from arena.crm.analysis.profile_frame import (
    Attribute,
    AttributeKind,
    attribute_of,
)


@dataclass(frozen=True)
class NumericStats:
    """Location and spread of a numeric attribute (std: sample standard deviation, n - 1)."""

    mean: float
    std: float | None  # None with a single value
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float
    total: float


@dataclass(frozen=True)
class DateStats:
    """First, median and last moment, as ISO 8601 text."""

    first: str
    median: str
    last: str


@dataclass(frozen=True)
class UnivariateSummary:
    """Everything the Analysis page shows for one attribute."""

    attribute: Attribute
    count: int  # customers with a value
    missing: int
    missing_share: float
    distinct: int
    mode: str | float | bool | None  # the most frequent value (ties: the first in order)
    mode_count: int
    numeric: NumericStats | None
    dates: DateStats | None
    true_share: float | None  # booleans: share of "yes" among known values
    chart: ChartSpec | None  # None when there is no value to draw
    findings: tuple[Finding, ...] = field(default=())


def clean_missing(values: pd.Series) -> pd.Series:
    """Blank text counts as missing, exactly like NULL: an export's empty cell is no answer."""
    if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        stripped = values.astype("string").str.strip()
        return values.where(stripped.ne("").fillna(False).astype(bool))
    return values


def as_levels(values: pd.Series, attribute: Attribute) -> pd.Series:
    """Values as an ordered categorical on the attribute's levels (unknown levels appended, sorted),
    so that ordinal bands coming from SQL as text keep their order."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values
    text = values.astype("string")
    present = [str(v) for v in text.dropna().unique()]
    extra = sorted(set(present) - set(attribute.levels))
    return pd.Series(
        pd.Categorical(text, categories=list(attribute.levels) + extra, ordered=True),
        index=values.index,
        name=values.name,
    )


def describe_attribute(
    values: pd.Series, name: str | None = None, kind: AttributeKind | None = None
) -> UnivariateSummary:
    """Summary statistics and chart of one attribute (``kind`` overrides the documented one)."""
    name = name or str(values.name)
    attribute = attribute_of(name, values)
    if kind is not None and kind != attribute.kind:
        attribute = Attribute(name, kind, attribute.family, attribute.unit, attribute.levels)
    values = clean_missing(values)
    if attribute.kind is AttributeKind.ORDINAL and attribute.levels:
        values = as_levels(values, attribute)
    known = values.dropna()
    rows = len(values)
    missing = rows - len(known)
    base: dict[str, Any] = {
        "attribute": attribute,
        "count": len(known),
        "missing": missing,
        "missing_share": missing / rows if rows else 0.0,
    }
    if known.empty:
        return UnivariateSummary(
            **base, distinct=0, mode=None, mode_count=0, numeric=None, dates=None,
            true_share=None, chart=None, findings=(Finding(WarningCode.ALL_MISSING),),
        )
    if attribute.kind is AttributeKind.NUMERIC:
        return _numeric(base, pd.to_numeric(known, errors="coerce").dropna())
    if attribute.kind is AttributeKind.DATE:
        return _dates(base, pd.to_datetime(known, errors="coerce").dropna())
    if attribute.kind is AttributeKind.BOOLEAN:
        flags = known.astype(bool)
        counts = flags.value_counts().reindex([True, False], fill_value=0)
        summary = _from_counts(base, counts, ordered=True)
        share = float(counts[True] / len(flags))
        return replace(summary, true_share=share)
    ordered = attribute.kind is AttributeKind.ORDINAL
    counts = known.value_counts(sort=False)
    if ordered and isinstance(known.dtype, pd.CategoricalDtype):
        counts = counts.reindex(known.dtype.categories, fill_value=0)
    elif not ordered:
        counts.index = counts.index.astype(str)
    return _from_counts(base, counts, ordered=ordered)


def describe_frequencies(
    name: str, counts: pd.Series, missing: int = 0, kind: AttributeKind | None = None
) -> UnivariateSummary:
    """The categorical summary from counts per level computed by the database (``GROUP BY``):
    ``counts`` is indexed by level; ordinal levels are taken in the attribute's order."""
    attribute = attribute_of(name, pd.Series(dtype="string"))
    if kind is not None:
        attribute = Attribute(name, kind, attribute.family, attribute.unit, attribute.levels)
    counts = counts[counts > 0] if attribute.kind is not AttributeKind.ORDINAL else counts
    total = int(counts.sum())
    rows = total + missing
    base: dict[str, Any] = {
        "attribute": attribute,
        "count": total,
        "missing": missing,
        "missing_share": missing / rows if rows else 0.0,
    }
    if total == 0:
        return UnivariateSummary(
            **base, distinct=0, mode=None, mode_count=0, numeric=None, dates=None,
            true_share=None, chart=None, findings=(Finding(WarningCode.ALL_MISSING),),
        )
    ordered = attribute.kind is AttributeKind.ORDINAL
    if ordered and attribute.levels:
        levels = list(attribute.levels) + sorted(set(map(str, counts.index)) - set(attribute.levels))
        counts = counts.rename(index=str).reindex(levels, fill_value=0)
    return _from_counts(base, counts, ordered=ordered)


def _from_counts(base: dict, counts: pd.Series, ordered: bool) -> UnivariateSummary:
    name = base["attribute"].name
    nonzero = counts[counts > 0]
    # Ties go to the first level in order (ordinal) or alphabetically, never to chance.
    peak = nonzero[nonzero == nonzero.max()]
    mode = peak.index[0] if ordered else sorted(peak.index, key=str)[0]
    findings = []
    if len(nonzero) == 1:
        findings.append(Finding(WarningCode.SINGLE_CATEGORY, {"attribute": name}))
    return UnivariateSummary(
        **base,
        distinct=len(nonzero),
        mode=_plain(mode),
        mode_count=int(peak.iloc[0]),
        numeric=None,
        dates=None,
        true_share=None,
        chart=category_bars(name, counts, base["missing"], ordered),
        findings=tuple(findings),
    )


def _numeric(base: dict, numbers: pd.Series) -> UnivariateSummary:
    attribute: Attribute = base["attribute"]
    array = numbers.to_numpy(dtype=float)
    array = array[np.isfinite(array)]
    q1, median, q3 = np.quantile(array, [0.25, 0.5, 0.75])
    counts = pd.Series(array).value_counts()
    peak = counts[counts == counts.iloc[0]]
    distinct = len(counts)
    findings = []
    if distinct == 1:
        findings.append(Finding(WarningCode.CONSTANT_VALUES, {"attribute": attribute.name}))
    stats = NumericStats(
        mean=float(array.mean()),
        std=float(array.std(ddof=1)) if len(array) > 1 else None,
        minimum=float(array.min()),
        q1=float(q1),
        median=float(median),
        q3=float(q3),
        maximum=float(array.max()),
        total=float(array.sum()),
    )
    return UnivariateSummary(
        **base,
        distinct=distinct,
        mode=float(min(peak.index)),
        mode_count=int(peak.iloc[0]),
        numeric=stats,
        dates=None,
        true_share=None,
        chart=histogram(attribute.name, array, attribute.unit),
        findings=tuple(findings),
    )


def _dates(base: dict, moments: pd.Series) -> UnivariateSummary:
    attribute: Attribute = base["attribute"]
    ordered = moments.sort_values()
    median = ordered.iloc[(len(ordered) - 1) // 2]
    days = ordered.dt.floor("D").value_counts()
    peak = days[days == days.iloc[0]]
    findings = []
    if len(days) == 1:
        findings.append(Finding(WarningCode.CONSTANT_VALUES, {"attribute": attribute.name}))
    return UnivariateSummary(
        **base,
        distinct=int(ordered.nunique()),
        mode=str(min(peak.index).date()),
        mode_count=int(peak.iloc[0]),
        numeric=None,
        dates=DateStats(
            first=ordered.iloc[0].isoformat(),
            median=median.isoformat(),
            last=ordered.iloc[-1].isoformat(),
        ),
        true_share=None,
        chart=time_bars(attribute.name, ordered),
        findings=tuple(findings),
    )


def _plain(value: object) -> str | float | bool:
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer | np.floating):
        return float(value)
    return str(value)

