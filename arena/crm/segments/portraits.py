"""Segment portraits: size, revenue share, the typical member and what sets a segment apart.

Works for any segmentation (clusters, RFM cells, lifecycle): it only needs the profile frame and
one segment per customer. Returns codes and values; ``wording`` turns them into sentences.

What "sets apart" means, with the usual effect-size conventions (Cohen 1988: 0.2 small, 0.5
medium, 0.8 large) so that only real differences are named:
- a number: the segment's mean minus everyone's, in standard deviations (on log(1 + x) for
  skewed amounts and counts, as the clustering saw them): at least 0.5 either way;
- a yes/no or a category level: Cohen's h between the segment's share and everyone's share,
  h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2)): at least 0.5 (a level must also hold at least 40 %
  of the segment to be called its "mostly").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from arena.crm.analysis.profile_frame import (
    CUSTOMER_ID,
    age_band,
    distance_band,
    require_columns,
)
from arena.crm.analysis.univariate import clean_missing
from arena.crm.segments.features import (
    DEFAULT_BOOLEAN,
    DEFAULT_CATEGORICAL,
    DEFAULT_NUMERIC,
    LOG_SCALED,
    with_derived_columns,
)

MEANINGFUL_EFFECT = 0.5
DOMINANT_SHARE = 0.4  # a level "mostly" describes a segment from this share on
GENDER_MAJORITY = 0.6  # "mostly women" from this share of the known genders on
MAX_TRAITS = 5


class TraitCode(StrEnum):
    HIGHER = "higher"  # a number clearly above everyone's
    LOWER = "lower"
    MOSTLY = "mostly"  # a category level over-represented and held by >= 40 % of the segment
    MORE_OFTEN = "more_often"  # a yes/no feature clearly more often yes
    LESS_OFTEN = "less_often"


@dataclass(frozen=True)
class Trait:
    code: TraitCode
    feature: str
    segment_value: float | str  # median (mean when medians tie), level, or share of yes
    overall_value: float | str
    segment_share: float | None  # categories and yes/no: share in the segment
    overall_share: float | None
    effect: float  # standardized difference or Cohen's h; the larger |effect|, the earlier


@dataclass(frozen=True)
class TypicalMember:
    """Medians and dominant levels of a segment (None when the column is absent or empty)."""

    age: float | None = None
    age_band: str | None = None
    gender: str | None = None  # "F"/"M" when at least 60 % of the known genders
    gender_share: float | None = None
    distance_km: float | None = None
    distance_band: str | None = None
    group_size: float | None = None  # tickets per order
    orders_per_season: float | None = None
    ticket_price: float | None = None  # median of mean_spend
    favourite_category: str | None = None
    category_share: float | None = None
    favourite_channel: str | None = None
    channel_share: float | None = None
    season_ticket_share: float | None = None


@dataclass(frozen=True)
class SegmentPortrait:
    segment: str
    customers: int
    share: float  # of the customers described
    revenue: float
    revenue_share: float
    typical: TypicalMember
    traits: tuple[Trait, ...]  # strongest first, at most MAX_TRAITS


def cohens_h(p1: np.ndarray | float, p2: np.ndarray | float) -> np.ndarray:
    return 2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2))


def describe_segments(
    profiles: pd.DataFrame,
    segments: pd.Series,
    *,
    numeric: Sequence[str] = DEFAULT_NUMERIC,
    boolean: Sequence[str] = DEFAULT_BOOLEAN,
    categorical: Sequence[str] = DEFAULT_CATEGORICAL,
    revenue_column: str = "total_spend",
) -> list[SegmentPortrait]:
    """A portrait of every segment; ``segments`` gives each customer's segment, indexed by
    customer id (customers of ``profiles`` without one are left out)."""
    require_columns(profiles, (CUSTOMER_ID,), "segment portraits")
    labels = profiles[CUSTOMER_ID].map(segments)
    keep = labels.notna().to_numpy()
    wanted = [*numeric, *boolean, *categorical, revenue_column, "age", "distance_km",
              "group_size", "orders_per_season", "mean_spend", "gender", "favourite_category",
              "favourite_channel", "season_ticket_holder"]
    frame = with_derived_columns(profiles, list(dict.fromkeys(wanted)))[keep]
    # Segments as integer codes in natural order: every later pass groups on small integers.
    raw_codes, distinct = pd.factorize(labels[keep].astype(str))
    order = sorted((str(label) for label in distinct), key=_natural)
    remap = np.array([order.index(str(label)) for label in distinct], dtype=np.int64)
    codes = remap[raw_codes]
    groups = _Groups(codes, len(order))
    sizes = groups.count()
    if revenue_column in frame.columns:
        revenue = groups.sum(_numbers(frame[revenue_column]).fillna(0.0).to_numpy(dtype=float))
    else:
        revenue = np.zeros(len(order))
    total_revenue = float(revenue.sum())
    traits = _traits(frame, groups, numeric, boolean, categorical)
    typical = _typical_members(frame, groups)
    total = int(sizes.sum())
    return [
        SegmentPortrait(
            segment=segment,
            customers=int(sizes[index]),
            share=float(sizes[index] / total) if total else 0.0,
            revenue=float(revenue[index]),
            revenue_share=float(revenue[index] / total_revenue) if total_revenue else 0.0,
            typical=typical[index],
            traits=tuple(traits[index]),
        )
        for index, segment in enumerate(order)
    ]


class _Groups:
    """Per-segment sums, means, medians and level shares over integer segment codes."""

    def __init__(self, codes: np.ndarray, count: int) -> None:
        self.codes = codes
        self.size = count

    def count(self) -> np.ndarray:
        return np.bincount(self.codes, minlength=self.size)

    def sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes, weights=values, minlength=self.size)

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Means of the finite values of each segment (NaN for a segment with none)."""
        finite = np.isfinite(values)
        counts = np.bincount(self.codes[finite], minlength=self.size)
        sums = np.bincount(self.codes[finite], weights=values[finite], minlength=self.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums / counts

    def median(self, values: np.ndarray) -> np.ndarray:
        medians = pd.Series(values).groupby(self.codes).median()
        return medians.reindex(range(self.size)).to_numpy(dtype=float)

    def level_shares(self, text: pd.Series) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(segments x levels shares among known values, level names, overall shares)."""
        level_codes, levels = pd.factorize(text)
        known = level_codes >= 0
        table = np.bincount(
            self.codes[known] * len(levels) + level_codes[known],
            minlength=self.size * len(levels),
        ).reshape(self.size, len(levels)).astype(float)
        overall = table.sum(axis=0) / max(1.0, table.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = table / table.sum(axis=1, keepdims=True)
        return np.nan_to_num(shares), [str(level) for level in levels], overall


def _natural(label: str) -> tuple[int, float | str]:
    try:
        return (0, float(label))
    except ValueError:
        return (1, label)


def _numbers(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(float)
    return pd.to_numeric(values, errors="coerce").astype(float)


def _traits(
    frame: pd.DataFrame,
    groups: _Groups,
    numeric: Sequence[str],
    boolean: Sequence[str],
    categorical: Sequence[str],
) -> list[list[Trait]]:
    found: list[list[Trait]] = [[] for _ in range(groups.size)]
    for name in numeric:
        if name not in frame.columns:
            continue
        values = _numbers(frame[name]).to_numpy(dtype=float, na_value=np.nan)
        scaled = np.log1p(np.clip(values, 0, None)) if name in LOG_SCALED else values
        spread = float(np.nanstd(scaled)) if np.isfinite(scaled).any() else 0.0
        if not np.isfinite(spread) or spread == 0:
            continue
        effect = (groups.mean(scaled) - np.nanmean(scaled)) / spread
        medians = groups.median(values)
        means = groups.mean(values)
        overall_median, overall_mean = float(np.nanmedian(values)), float(np.nanmean(values))
        for index, size in enumerate(effect):
            if np.isfinite(size) and abs(size) >= MEANINGFUL_EFFECT:
                # Medians read best ("half of them..."), but on counts where most customers
                # share a value they can be equal while the segments differ: then means.
                same = medians[index] == overall_median
                found[index].append(Trait(
                    TraitCode.HIGHER if size > 0 else TraitCode.LOWER, name,
                    float(means[index] if same else medians[index]),
                    overall_mean if same else overall_median, None, None, float(size),
                ))
    for name in boolean:
        if name not in frame.columns:
            continue
        flags = frame[name].fillna(False).astype(bool).to_numpy(dtype=float)
        shares = groups.mean(flags)
        overall_share = float(flags.mean())
        for index, share in enumerate(shares):
            h = float(cohens_h(share, overall_share))
            if np.isfinite(h) and abs(h) >= MEANINGFUL_EFFECT:
                found[index].append(Trait(
                    TraitCode.MORE_OFTEN if h > 0 else TraitCode.LESS_OFTEN, name,
                    float(share), overall_share, float(share), overall_share, h,
                ))
    for name in categorical:
        if name not in frame.columns:
            continue
        shares, levels, overall = groups.level_shares(
            clean_missing(frame[name]).astype("string")
        )
        if not levels:
            continue
        for index, row in enumerate(shares):
            top = int(row.argmax())
            h = float(cohens_h(row[top], overall[top]))
            if row[top] >= DOMINANT_SHARE and h >= MEANINGFUL_EFFECT:
                found[index].append(Trait(
                    TraitCode.MOSTLY, name, levels[top], levels[int(overall.argmax())],
                    float(row[top]), float(overall[top]), h,
                ))
    return [sorted(traits, key=lambda trait: -abs(trait.effect))[:MAX_TRAITS] for traits in found]


def _typical_members(frame: pd.DataFrame, groups: _Groups) -> list[TypicalMember]:
    fields: list[dict[str, object]] = [{} for _ in range(groups.size)]

    def median_of(column: str, field: str) -> np.ndarray | None:
        if column not in frame.columns:
            return None
        medians = groups.median(_numbers(frame[column]).to_numpy(dtype=float, na_value=np.nan))
        for index, value in enumerate(medians):
            fields[index][field] = None if np.isnan(value) else float(value)
        return medians

    for column, band_of in (("age", age_band), ("distance_km", distance_band)):
        medians = median_of(column, column)
        if medians is not None:
            field = "age_band" if column == "age" else "distance_band"
            for index, band in enumerate(band_of(pd.Series(medians))):
                fields[index][field] = None if pd.isna(band) else str(band)
    median_of("group_size", "group_size")
    median_of("orders_per_season", "orders_per_season")
    median_of("mean_spend", "ticket_price")
    if "season_ticket_holder" in frame.columns:
        flags = frame["season_ticket_holder"].fillna(False).astype(bool).to_numpy(dtype=float)
        for index, share in enumerate(groups.mean(flags)):
            fields[index]["season_ticket_share"] = float(share)
    for column, field, share_field, minimum in (
        ("gender", "gender", "gender_share", GENDER_MAJORITY),
        ("favourite_category", "favourite_category", "category_share", 0.0),
        ("favourite_channel", "favourite_channel", "channel_share", 0.0),
    ):
        if column not in frame.columns:
            continue
        shares, levels, _ = groups.level_shares(clean_missing(frame[column]).astype("string"))
        if not levels:
            continue
        for index, row in enumerate(shares):
            top = int(row.argmax())
            if row.sum() > 0 and row[top] >= minimum:
                fields[index][field] = levels[top]
                fields[index][share_field] = float(row[top])
    return [TypicalMember(**values) for values in fields]  # type: ignore[arg-type]
