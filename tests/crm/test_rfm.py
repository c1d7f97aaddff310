"""RFM: scores rank customers fairly, cells are named by the documented grid, recency by season."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arena.crm.analysis import MissingColumns
from arena.crm.segments import (
    RFM_GRID,
    RfmSegment,
    quintile_scores,
    rfm_segments,
    seasons_since_last,
)


def test_scores_split_distinct_values_into_five_equal_fifths() -> None:
    scores = quintile_scores(np.arange(1000.0))
    assert np.bincount(scores)[1:].tolist() == [200] * 5
    assert scores[0] == 1 and scores[-1] == 5
    assert np.all(np.diff(scores) >= 0)


def test_a_score_of_five_means_better_than_at_least_80_percent() -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, 30, 5000).astype(float)
    scores = quintile_scores(values)
    for value, score in zip(values[:200], scores[:200], strict=True):
        beaten = np.mean(values < value)
        assert score == 1 + min(4, int(np.floor(5 * beaten + 1e-12)))


def test_customers_with_the_same_value_share_a_score_even_when_most_bought_once() -> None:
    orders = np.array([1] * 600 + [2] * 200 + [3] * 100 + [4] * 60 + [9] * 40, dtype=float)
    scores = quintile_scores(orders)
    for value in np.unique(orders):
        assert len(set(scores[orders == value])) == 1
    assert scores[orders == 1][0] == 1  # the one-time buyers are the lowest frequency
    assert scores[orders == 9][0] == 5


def test_lower_is_better_for_recency() -> None:
    scores = quintile_scores(np.array([0.0, 10, 20, 30, 40, 50, 60, 70, 80, 90]), higher_is_better=False)
    assert scores.tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_every_cell_of_the_grid_has_a_name() -> None:
    assert len(RFM_GRID) == 5 and all(len(row) == 5 for row in RFM_GRID)
    named = {segment for row in RFM_GRID for segment in row}
    assert named == set(RfmSegment)
    assert RFM_GRID[4][4] is RfmSegment.CHAMPIONS and RFM_GRID[0][0] is RfmSegment.LOST
    assert RFM_GRID[4][0] is RfmSegment.NEW and RFM_GRID[0][4] is RfmSegment.CANNOT_LOSE


def _profiles(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "customer_id": np.arange(n),
        "orders": rng.geometric(0.4, n),
        "total_spend": rng.lognormal(4, 0.7, n).round(2),
        "last_purchase_at": pd.Timestamp("2024-06-30") - pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
    })


def test_days_recency_segments_every_buyer_and_sums_revenue_by_segment() -> None:
    profiles = _profiles()
    profiles.loc[:9, "orders"] = 0  # registered but never bought
    result = rfm_segments(profiles)
    assert result.recency_basis == "days"
    assert result.excluded_no_purchase == 10 and len(result.scores) == 1990
    assert result.summary["customers"].sum() == 1990
    assert result.summary["revenue"].sum() == pytest.approx(profiles["total_spend"][10:].sum())
    assert result.summary["share"].sum() == pytest.approx(1.0)
    newest = result.scores.loc[result.scores["recency"].idxmin()]
    assert newest["r_score"] == 5
    row = result.scores.iloc[0]
    assert row["rfm_code"] == f"{row['r_score']}{row['f_score']}{row['m_score']}"
    assert row["segment"] == RFM_GRID[row["r_score"] - 1][row["f_score"] - 1].value


def test_a_seasonal_venue_counts_recency_in_seasons_missed() -> None:
    profiles = _profiles(500)
    profiles["seasons_since_last"] = np.arange(500) % 6  # 0 = bought in the latest season
    result = rfm_segments(profiles)
    assert result.recency_basis == "seasons"
    by_seasons = result.scores.groupby("recency")["r_score"].unique()
    assert {k: list(v) for k, v in by_seasons.items()} == {
        0.0: [5], 1.0: [4], 2.0: [3], 3.0: [2], 4.0: [1], 5.0: [1]}


def test_one_season_of_data_falls_back_to_days() -> None:
    profiles = _profiles(300).assign(seasons_since_last=0)
    assert rfm_segments(profiles).recency_basis == "days"


def test_seasons_since_last_purchase_come_from_the_customer_season_rows() -> None:
    rows = pd.DataFrame({
        "customer_id": [1, 1, 2, 3, 3],
        "season": ["2021-2022", "2023-2024", "2022-2023", "2021-2022", "2024-2025"],
    })
    assert seasons_since_last(rows).to_dict() == {1: 1, 2: 2, 3: 0}


def test_a_missing_column_is_named() -> None:
    with pytest.raises(MissingColumns, match="total_spend"):
        rfm_segments(_profiles().drop(columns="total_spend"))
