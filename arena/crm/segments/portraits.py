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
    label = labels[keep].astype(str).to_numpy()
    order = sorted(set(label), key=_natural)
    sizes = pd.Series(label).value_counts().reindex(order).fillna(0).astype(int)
    if revenue_column in frame.columns:
        revenue_values = pd.to_numeric(frame[revenue_column], errors="coerce").fillna(0.0)
        revenue = revenue_values.groupby(label).sum().reindex(order).fillna(0.0)
    else:
        revenue = pd.Series(0.0, index=order)
    total_revenue = float(revenue.sum())
    traits = _traits(frame, label, order, numeric, boolean, categorical)
    typical = _typical_members(frame, label, order)
    total = int(sizes.sum())
    return [
        SegmentPortrait(
            segment=segment,
            customers=int(sizes[segment]),
            share=float(sizes[segment] / total) if total else 0.0,
            revenue=float(revenue[segment]),
            revenue_share=float(revenue[segment] / total_revenue) if total_revenue else 0.0,
            typical=typical[segment],
            traits=tuple(traits[segment]),
        )
        for segment in order
    ]


def _natural(label: str) -> tuple[int, float | str]:
    try:
        return (0, float(label))
    except ValueError:
        return (1, label)


def _numbers(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(float)
    return pd.to_numeric(values, errors="coerce")


def _traits(
    frame: pd.DataFrame,
    label: np.ndarray,
    order: list[str],
    numeric: Sequence[str],
    boolean: Sequence[str],
    categorical: Sequence[str],
) -> dict[str, list[Trait]]:
    found: dict[str, list[Trait]] = {segment: [] for segment in order}
    for name in numeric:
        if name not in frame.columns:
            continue
        values = _numbers(frame[name])
        scaled = np.log1p(values.clip(lower=0)) if name in LOG_SCALED else values
        spread = float(scaled.std())
        if not np.isfinite(spread) or spread == 0:
            continue
        effect = (scaled.groupby(label).mean() - scaled.mean()) / spread
        medians = values.groupby(label).median()
        means = values.groupby(label).mean()
        overall_median, overall_mean = float(values.median()), float(values.mean())
        for segment, size in effect.items():
            if abs(size) >= MEANINGFUL_EFFECT:
                # Medians read best ("half of them..."), but on counts where most customers
                # share a value they can be equal while the segments differ: then means.
                same = medians[segment] == overall_median
                found[str(segment)].append(Trait(
                    TraitCode.HIGHER if size > 0 else TraitCode.LOWER, name,
                    float(means[segment] if same else medians[segment]),
                    overall_mean if same else overall_median, None, None, float(size),
                ))
    for name in boolean:
        if name not in frame.columns:
            continue
        flags = frame[name].fillna(False).astype(bool)
        shares = flags.groupby(label).mean()
        overall_share = float(flags.mean())
        for segment, share in shares.items():
            h = float(cohens_h(share, overall_share))
            if abs(h) >= MEANINGFUL_EFFECT:
                found[str(segment)].append(Trait(
                    TraitCode.MORE_OFTEN if h > 0 else TraitCode.LESS_OFTEN, name,
                    float(share), overall_share, float(share), overall_share, h,
                ))
    for name in categorical:
        if name not in frame.columns:
            continue
        text = clean_missing(frame[name]).astype("string")
        known = text.notna().to_numpy()
        if not known.any():
            continue
        shares = pd.crosstab(label[known], text[known].to_numpy(), normalize="index")
        overall = text[known].value_counts(normalize=True)
        for segment, row in shares.iterrows():  # one row per segment, not per customer
            level = str(row.idxmax())
            share = float(row.max())
            h = float(cohens_h(share, float(overall[level])))
            if share >= DOMINANT_SHARE and h >= MEANINGFUL_EFFECT:
                found[str(segment)].append(Trait(
                    TraitCode.MOSTLY, name, level, str(overall.idxmax()), share,
                    float(overall[level]), h,
                ))
    return {
        segment: sorted(traits, key=lambda trait: -abs(trait.effect))[:MAX_TRAITS]
        for segment, traits in found.items()
    }


def _typical_members(
    frame: pd.DataFrame, label: np.ndarray, order: list[str]
) -> dict[str, TypicalMember]:
    fields: dict[str, dict[str, object]] = {segment: {} for segment in order}

    def median_of(column: str, field: str) -> pd.Series | None:
        if column not in frame.columns:
            return None
        medians = _numbers(frame[column]).groupby(label).median()
        for segment, value in medians.items():
            fields[str(segment)][field] = None if pd.isna(value) else float(value)
        return medians

    ages = median_of("age", "age")
    if ages is not None:
        bands = age_band(ages)
        for segment, band in bands.items():
            fields[str(segment)]["age_band"] = None if pd.isna(band) else str(band)
    distances = median_of("distance_km", "distance_km")
    if distances is not None:
        bands = distance_band(distances)
        for segment, band in bands.items():
            fields[str(segment)]["distance_band"] = None if pd.isna(band) else str(band)
    median_of("group_size", "group_size")
    median_of("orders_per_season", "orders_per_season")
    median_of("mean_spend", "ticket_price")
    if "season_ticket_holder" in frame.columns:
        shares = frame["season_ticket_holder"].fillna(False).astype(bool).groupby(label).mean()
        for segment, share in shares.items():
            fields[str(segment)]["season_ticket_share"] = float(share)
    for column, field, share_field, minimum in (
        ("gender", "gender", "gender_share", GENDER_MAJORITY),
        ("favourite_category", "favourite_category", "category_share", 0.0),
        ("favourite_channel", "favourite_channel", "channel_share", 0.0),
    ):
        if column not in frame.columns:
            continue
        text = clean_missing(frame[column]).astype("string")
        known = text.notna().to_numpy()
        if not known.any():
            continue
        shares = pd.crosstab(label[known], text[known].to_numpy(), normalize="index")
        for segment, row in shares.iterrows():
            if float(row.max()) >= minimum:
                fields[str(segment)][field] = str(row.idxmax())
                fields[str(segment)][share_field] = float(row.max())
    return {segment: TypicalMember(**values) for segment, values in fields.items()}  # type: ignore[arg-type]
