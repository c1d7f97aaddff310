"""RFM segments: recency, frequency and monetary scores from 1 to 5 and the named cells of R x F.

Scores rank customers among themselves: a score of 5 means "better than at least 80 % of the
customers", 1 "better than fewer than 20 %" (``quintile_scores``). Customers with the same value
always get the same score, so when many customers share a value (typically a single order) some
scores stay empty rather than splitting identical people at random.

Recency for a venue that sells by season counts the seasons since the customer's last one, not
days: a subscriber of last season is not "lost" in August. With ``recency="auto"`` the data
decides: seasons when the frame says how many seasons ago each customer last bought and the
organization has at least two seasons, else days since the last purchase.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import numpy as np
import pandas as pd

from arena.crm.analysis.profile_frame import CUSTOMER_ID, require_columns, season_order


class RfmSegment(StrEnum):
    """Named cells of the recency x frequency grid (codes; the UI words them)."""

    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALISTS = "potential_loyalists"
    NEW = "new"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    ABOUT_TO_SLEEP = "about_to_sleep"
    AT_RISK = "at_risk"
    CANNOT_LOSE = "cannot_lose"
    HIBERNATING = "hibernating"
    LOST = "lost"


_S = RfmSegment
# RFM_GRID[r - 1][f - 1]: the segment of a customer scored r for recency and f for frequency.
# Rows: recency 1 (longest ago) .. 5 (most recent); columns: frequency 1 .. 5. The usual map of
# the R x F grid, with "lost" for the oldest one- or two-time buyers.
RFM_GRID: tuple[tuple[RfmSegment, ...], ...] = (
    (_S.LOST, _S.LOST, _S.AT_RISK, _S.AT_RISK, _S.CANNOT_LOSE),  # R = 1
    (_S.HIBERNATING, _S.HIBERNATING, _S.AT_RISK, _S.AT_RISK, _S.CANNOT_LOSE),  # R = 2
    (_S.ABOUT_TO_SLEEP, _S.ABOUT_TO_SLEEP, _S.NEED_ATTENTION, _S.LOYAL, _S.LOYAL),  # R = 3
    (_S.PROMISING, _S.POTENTIAL_LOYALISTS, _S.POTENTIAL_LOYALISTS, _S.LOYAL, _S.LOYAL),  # R = 4
    (_S.NEW, _S.POTENTIAL_LOYALISTS, _S.POTENTIAL_LOYALISTS, _S.CHAMPIONS, _S.CHAMPIONS),  # R = 5
)

RecencyBasis = Literal["days", "seasons", "events"]

SCORES_COLUMNS = (
    "customer_id", "recency", "frequency", "monetary",
    "r_score", "f_score", "m_score", "rfm_code", "segment",
)
SUMMARY_COLUMNS = (
    "segment", "customers", "share", "revenue", "revenue_share",
    "mean_recency", "mean_frequency", "mean_monetary",
)


@dataclass(frozen=True)
class RfmResult:
    """Scores per customer, a summary per segment, and how recency was counted."""

    scores: pd.DataFrame  # SCORES_COLUMNS
    summary: pd.DataFrame  # SUMMARY_COLUMNS, every segment of the grid (zero when empty)
    recency_basis: RecencyBasis  # days, seasons or events since the last purchase
    excluded_no_purchase: int  # customers without any order or known last purchase
    score_floors: dict[str, tuple[float, ...]]  # lowest value reaching scores 2..5 (per R, F, M)


def quintile_scores(values: pd.Series | np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """1 + the number of fifths of the customers a customer beats: 5 when strictly better than
    at least 80 % of them. Ties share a score; vectorized (one sort)."""
    numbers = np.asarray(values, dtype=float)
    if not higher_is_better:
        numbers = -numbers
    n = len(numbers)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    ordered = np.sort(numbers)
    strictly_worse = np.searchsorted(ordered, numbers, side="left")
    return (1 + np.minimum(4, (5 * strictly_worse) // n)).astype(np.int8)


def score_floors(values: np.ndarray, scores: np.ndarray, higher_is_better: bool) -> tuple[float, ...]:
    """For each score 2..5 that is reached, the least good value reaching it (for the docs/UI:
    "R = 5: bought within 12 days")."""
    floors = []
    for score in range(2, 6):
        reached = values[scores == score]
        if len(reached):
            floors.append(float(reached.min() if higher_is_better else reached.max()))
    return tuple(floors)


def rfm_segment_of(r_scores: np.ndarray, f_scores: np.ndarray) -> np.ndarray:
    """The grid cell of each (R, F) pair, as codes."""
    grid = np.array([[segment.value for segment in row] for row in RFM_GRID], dtype=object)
    return grid[np.asarray(r_scores) - 1, np.asarray(f_scores) - 1]


def seasons_since_last(
    customer_seasons: pd.DataFrame, seasons: list[str] | None = None
) -> pd.Series:
    """Per customer, how many seasons passed since their last one (0: bought in the latest
    season), from the customer x season frame; ``seasons`` fixes the order (default: sorted)."""
    require_columns(customer_seasons, (CUSTOMER_ID, "season"), "seasonal recency")
    order = seasons or season_order(customer_seasons["season"])
    position = {season: index for index, season in enumerate(order)}
    index = customer_seasons["season"].astype(str).map(position)
    last = index.groupby(customer_seasons[CUSTOMER_ID].to_numpy()).max()
    return (len(order) - 1 - last).rename("seasons_since_last")


def choose_recency_basis(profiles: pd.DataFrame, seasons_in_data: int | None) -> RecencyBasis:
    """Seasons when each customer's seasons since last purchase is known and there are at
    least two seasons; days otherwise."""
    has_seasons = (
        "seasons_since_last" in profiles.columns and profiles["seasons_since_last"].notna().any()
    )
    if seasons_in_data is None and has_seasons:
        seasons_in_data = int(profiles["seasons_since_last"].max()) + 1
    if has_seasons and (seasons_in_data or 0) >= 2:
        return "seasons"
    if "last_purchase_at" in profiles.columns:
        return "days"
    if "events_since_last" in profiles.columns:
        return "events"
    raise ValueError(
        "RFM needs last_purchase_at, seasons_since_last or events_since_last to measure recency"
    )


def rfm_segments(
    profiles: pd.DataFrame,
    *,
    recency: Literal["auto", "days", "seasons", "events"] = "auto",
    as_of: pd.Timestamp | None = None,
    seasons_in_data: int | None = None,
    frequency_column: str = "orders",
    monetary_column: str = "total_spend",
) -> RfmResult:
    """Score every customer who bought at least once and name their R x F cell.

    Recency in days is counted up to ``as_of`` (default: the latest purchase in the frame);
    in seasons, score 5 is the latest season, 4 the one before, down to 1 for four or more
    seasons ago; in events (events held since their last), quintile scores like days.
    """
    basis: RecencyBasis = (
        choose_recency_basis(profiles, seasons_in_data) if recency == "auto" else recency
    )
    source = {"days": "last_purchase_at", "seasons": "seasons_since_last",
              "events": "events_since_last"}[basis]
    require_columns(
        profiles, (CUSTOMER_ID, source, frequency_column, monetary_column), "RFM segmentation"
    )
    frequency = pd.to_numeric(profiles[frequency_column], errors="coerce")
    if basis == "days":
        last = pd.to_datetime(profiles[source], errors="coerce")
        reference = pd.Timestamp(as_of) if as_of is not None else last.max()
        recency_values = (reference - last).dt.total_seconds() / 86_400.0
    else:
        recency_values = pd.to_numeric(profiles[source], errors="coerce")
    buyers = (frequency > 0) & recency_values.notna()
    customers = profiles.loc[buyers, CUSTOMER_ID].to_numpy()
    r_values = recency_values[buyers].to_numpy(dtype=float)
    f_values = frequency[buyers].to_numpy(dtype=float)
    m_values = pd.to_numeric(profiles.loc[buyers, monetary_column], errors="coerce")
    m_values = m_values.fillna(0.0).to_numpy(dtype=float)

    if basis == "seasons":
        r_scores = np.clip(5 - np.round(r_values), 1, 5).astype(np.int8)
    else:
        r_scores = quintile_scores(r_values, higher_is_better=False)
    f_scores = quintile_scores(f_values)
    m_scores = quintile_scores(m_values)
    segments = rfm_segment_of(r_scores, f_scores)
    codes = (
        pd.Series(r_scores).astype(str) + pd.Series(f_scores).astype(str)
        + pd.Series(m_scores).astype(str)
    )
    scores = pd.DataFrame(
        {
            "customer_id": customers,
            "recency": r_values,
            "frequency": f_values,
            "monetary": m_values,
            "r_score": r_scores,
            "f_score": f_scores,
            "m_score": m_scores,
            "rfm_code": codes.to_numpy(),
            "segment": segments,
        }
    )
    return RfmResult(
        scores=scores,
        summary=_summary(scores),
        recency_basis=basis,
        excluded_no_purchase=int((~buyers).sum()),
        score_floors={
            "r": score_floors(r_values, r_scores, higher_is_better=False),
            "f": score_floors(f_values, f_scores, higher_is_better=True),
            "m": score_floors(m_values, m_scores, higher_is_better=True),
        },
    )


def _summary(scores: pd.DataFrame) -> pd.DataFrame:
    grouped = scores.groupby("segment")
    summary = pd.DataFrame(
        {
            "customers": grouped.size(),
            "revenue": grouped["monetary"].sum(),
            "mean_recency": grouped["recency"].mean(),
            "mean_frequency": grouped["frequency"].mean(),
            "mean_monetary": grouped["monetary"].mean(),
        }
    )
    summary = summary.reindex([segment.value for segment in RfmSegment])
    summary[["customers", "revenue"]] = summary[["customers", "revenue"]].fillna(0)
    summary["customers"] = summary["customers"].astype("int64")
    total_customers = max(1, int(summary["customers"].sum()))
    total_revenue = float(summary["revenue"].sum())
    summary["share"] = summary["customers"] / total_customers
    summary["revenue_share"] = summary["revenue"] / total_revenue if total_revenue else 0.0
    summary = summary.rename_axis("segment").reset_index()
    return summary[list(SUMMARY_COLUMNS)]
