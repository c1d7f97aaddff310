"""Chart specifications: what to draw, already counted, as plain data the UI turns into Plotly.

The domain decides the chart and does the counting (bins, top categories, 2-D bins, box
summaries) so that a page only maps a spec to a figure, and 200k customers never travel to the
browser. Labels are codes or raw values; the UI translates them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

OTHER = "__other__"  # the bar that gathers the categories beyond the top ones
MISSING = "__missing__"  # the bar of customers without a value, when shown

MAX_BINS = 50
MIN_BINS = 5
DISCRETE_MAX_VALUES = 40  # whole numbers over at most this many values get one bar each
TOP_CATEGORIES = 12
# A tail is clipped into an overflow bar when the last 0.5 % spans more than a quarter of the
# range below it: one buyer of 300 tickets must not squeeze everyone else into one bar.
TAIL_QUANTILE = 0.995
TAIL_SHARE_OF_RANGE = 0.25


@dataclass(frozen=True)
class HistogramSpec:
    """Bars over right-open bins ``[edges[i], edges[i+1])``; ``above`` counts values past the
    last edge (drawn as one "and more" bar). ``discrete``: one bar per whole number."""

    attribute: str
    edges: tuple[float, ...]
    counts: tuple[int, ...]
    above: int
    discrete: bool
    unit: str | None
    chart: Literal["histogram"] = "histogram"


@dataclass(frozen=True)
class BarSpec:
    """Counts per category; ``ordered`` keeps the levels' order (ordinal), else largest first.
    ``labels`` may end with ``OTHER`` (the ``other_levels`` smaller categories together)."""

    attribute: str
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    shares: tuple[float, ...]  # of the customers with a value
    other_levels: int
    missing: int
    ordered: bool
    chart: Literal["bar"] = "bar"


@dataclass(frozen=True)
class TimeBarSpec:
    """Counts per calendar period (``period``: day, week, month or year), ISO period starts."""

    attribute: str
    period: Literal["day", "week", "month", "year"]
    starts: tuple[str, ...]
    counts: tuple[int, ...]
    chart: Literal["time_bar"] = "time_bar"


@dataclass(frozen=True)
class BoxSpec:
    """One box per group, already summarized (Tukey whiskers at 1.5 IQR, clipped to the data).

    ``groups`` columns: group, count, mean, min, q1, median, q3, max, whisker_low,
    whisker_high, outliers (how many values lie beyond the whiskers).
    """

    numeric: str
    group: str
    groups: pd.DataFrame
    unit: str | None
    chart: Literal["box"] = "box"


@dataclass(frozen=True)
class HeatmapSpec:
    """A cross-tab as a heat map: ``counts`` rows x columns, coloured by ``residuals``
    (adjusted residuals: above +2 over-represented, below -2 under-represented)."""

    row_attribute: str
    column_attribute: str
    counts: pd.DataFrame
    residuals: pd.DataFrame
    chart: Literal["heatmap"] = "heatmap"


@dataclass(frozen=True)
class HexbinSpec:
    """A 2-D histogram (``counts[i][j]`` for x bin i and y bin j) plus a small random sample of
    points for hovering; drawn as a density heat map with the sample on top."""

    x_attribute: str
    y_attribute: str
    x_edges: tuple[float, ...]
    y_edges: tuple[float, ...]
    counts: tuple[tuple[int, ...], ...]
    sample_x: tuple[float, ...]
    sample_y: tuple[float, ...]
    chart: Literal["hexbin"] = "hexbin"


ChartSpec = HistogramSpec | BarSpec | TimeBarSpec | BoxSpec | HeatmapSpec | HexbinSpec


def nice_width(raw_width: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that is at least ``raw_width``: bins a reader can
    name ("from 40 to 50 EUR")."""
    if not math.isfinite(raw_width) or raw_width <= 0:
        return 1.0
    exponent = math.floor(math.log10(raw_width))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        width = step * 10.0**exponent
        if width >= raw_width * (1 - 1e-12):
            return width
    return 10.0 ** (exponent + 1)


def bin_edges(values: np.ndarray, max_bins: int = MAX_BINS) -> tuple[np.ndarray, bool]:
    """Histogram edges for finite ``values``: one bar per whole number over small integer ranges,
    else Freedman-Diaconis widths rounded to a nice number, between MIN_BINS and ``max_bins``
    bars, with a long upper tail left to the overflow bar. Returns (edges, discrete)."""
    low, high = float(values.min()), float(values.max())
    whole = bool(np.all(np.mod(values, 1) == 0))
    if whole and high - low < DISCRETE_MAX_VALUES:
        return np.arange(low, high + 2.0), True
    top = high
    tail = float(np.quantile(values, TAIL_QUANTILE))
    if high - tail > TAIL_SHARE_OF_RANGE * (tail - low):
        top = tail
    span = top - low
    if span <= 0:
        return np.array([low, low + 1.0]), whole
    q1, q3 = np.quantile(values, [0.25, 0.75])
    fd_width = 2.0 * float(q3 - q1) / len(values) ** (1 / 3)
    raw = fd_width if fd_width > 0 else span / MIN_BINS
    raw = min(max(raw, span / max_bins), span / MIN_BINS)
    width = nice_width(raw)
    if whole:
        width = max(1.0, math.ceil(width))
    start = math.floor(low / width) * width
    count = max(1, math.ceil((top - start) / width + 1e-9))
    if start + count * width <= top:
        count += 1
    return start + width * np.arange(count + 1), whole


def histogram(attribute: str, values: np.ndarray, unit: str | None = None) -> HistogramSpec:
    """Count finite ``values`` into nice right-open bins, with an overflow count."""
    edges, discrete = bin_edges(values)
    width = edges[1] - edges[0]
    index = np.floor((values - edges[0]) / width).astype(np.int64)
    bins = len(edges) - 1
    counts = np.bincount(index[index < bins], minlength=bins)
    return HistogramSpec(
        attribute=attribute,
        edges=tuple(float(edge) for edge in edges),
        counts=tuple(int(count) for count in counts),
        above=int(np.count_nonzero(index >= bins)),
        discrete=discrete,
        unit=unit,
    )


def category_bars(
    attribute: str,
    counts: pd.Series,
    missing: int,
    ordered: bool,
    top: int = TOP_CATEGORIES,
) -> BarSpec:
    """Bars from counts per level: every level in order when ``ordered``, else the ``top``
    largest and one ``OTHER`` bar for the rest."""
    counts = counts.astype("int64")
    other = 0
    other_levels = 0
    if not ordered:
        counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
        if len(counts) > top:
            other = int(counts.iloc[top - 1 :].sum())
            other_levels = len(counts) - (top - 1)
            counts = counts.iloc[: top - 1]
    labels = [str(label) for label in counts.index]
    values = [int(count) for count in counts.to_numpy()]
    if other_levels:
        labels.append(OTHER)
        values.append(other)
    total = sum(values)
    return BarSpec(
        attribute=attribute,
        labels=tuple(labels),
        counts=tuple(values),
        shares=tuple(count / total if total else 0.0 for count in values),
        other_levels=other_levels,
        missing=missing,
        ordered=ordered,
    )


def time_bars(attribute: str, moments: pd.Series) -> TimeBarSpec:
    """Counts per day, week, month or year, whichever gives a readable number of bars."""
    span_days = (moments.max() - moments.min()).days
    if span_days <= 62:
        period, code = "day", "D"
    elif span_days <= 550:
        period, code = "week", "W-SUN"  # weeks from Monday to Sunday
    elif span_days <= 12 * 366:
        period, code = "month", "M"
    else:
        period, code = "year", "Y"
    periods = moments.dt.tz_localize(None) if moments.dt.tz is not None else moments
    counts = periods.dt.to_period(code).value_counts().sort_index()
    full = pd.period_range(counts.index.min(), counts.index.max(), freq=code)
    counts = counts.reindex(full, fill_value=0)
    return TimeBarSpec(
        attribute=attribute,
        period=period,  # type: ignore[arg-type]
        starts=tuple(str(p.start_time.date()) for p in counts.index),
        counts=tuple(int(count) for count in counts.to_numpy()),
    )


def hexbin(
    x_attribute: str,
    y_attribute: str,
    x: np.ndarray,
    y: np.ndarray,
    bins: int = 40,
    sample_size: int = 2_000,
    seed: int = 0,
) -> HexbinSpec:
    """A 2-D histogram over each axis' bulk (0.5 % .. 99.5 % quantiles, so that a few extreme
    customers do not flatten the picture; values outside are clipped into the edge bins) and a
    seeded random sample of points."""
    x_edges = _axis_edges(x, bins)
    y_edges = _axis_edges(y, bins)
    counts, _, _ = np.histogram2d(
        np.clip(x, x_edges[0], x_edges[-1]), np.clip(y, y_edges[0], y_edges[-1]),
        bins=[x_edges, y_edges],
    )
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(x), size=min(sample_size, len(x)), replace=False)
    pick.sort()
    return HexbinSpec(
        x_attribute=x_attribute,
        y_attribute=y_attribute,
        x_edges=tuple(float(edge) for edge in x_edges),
        y_edges=tuple(float(edge) for edge in y_edges),
        counts=tuple(tuple(int(cell) for cell in row) for row in counts.astype(np.int64)),
        sample_x=tuple(float(value) for value in x[pick]),
        sample_y=tuple(float(value) for value in y[pick]),
    )


def _axis_edges(values: np.ndarray, bins: int) -> np.ndarray:
    low, high = np.quantile(values, [1 - TAIL_QUANTILE, TAIL_QUANTILE])
    if high <= low:
        low, high = float(values.min()), float(values.max())
    if high <= low:
        high = low + 1.0
    return np.linspace(low, high, bins + 1)
