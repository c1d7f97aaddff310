"""Numeric x categorical: box summaries and Kruskal-Wallis agree with hand figures and scipy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from arena.crm.analysis import (
    OTHER,
    Strength,
    WarningCode,
    compare_groups,
    kruskal_wallis,
    kruskal_wallis_from_rank_sums,
)


def _codes(result) -> set[str]:
    return {finding.code for finding in result.findings}


def test_a_hand_computed_kruskal_wallis() -> None:
    # Groups 1-2-3, 4-5-6, 7-8-9: rank sums 6, 15, 24; H = 12/90 (12 + 75 + 192) - 30 = 7.2
    test = kruskal_wallis(np.arange(1.0, 10.0), np.repeat([0, 1, 2], 3))
    assert test.h == pytest.approx(7.2)
    assert test.degrees_of_freedom == 2
    assert test.p_value == pytest.approx(math.exp(-3.6))  # chi2(2) survival: e^(-H/2)
    assert test.epsilon_squared == pytest.approx(7.2 / 8)  # H / (n - 1)


def test_nine_customers_are_too_few_for_a_test() -> None:
    result = compare_groups(
        pd.Series(np.arange(1.0, 10.0), name="spend"), pd.Series(list("aaabbbccc"), name="g")
    )
    assert result.test is None
    assert {WarningCode.TOO_FEW_ROWS, WarningCode.SMALL_GROUPS} <= _codes(result)


def test_kruskal_wallis_with_ties_matches_scipy() -> None:
    rng = np.random.default_rng(11)
    for _ in range(5):
        groups = rng.choice(["a", "b", "c", "d"], 600)
        values = rng.poisson(np.where(groups == "a", 3.0, 2.5))  # many ties, as ticket counts
        result = compare_groups(pd.Series(values, name="tickets"), pd.Series(groups, name="g"))
        expected = stats.kruskal(*(values[groups == g] for g in "abcd"))
        assert result.test.h == pytest.approx(expected.statistic, rel=1e-10)
        assert result.test.p_value == pytest.approx(expected.pvalue, rel=1e-8)


def test_the_test_can_be_fed_rank_sums_computed_by_the_database() -> None:
    values = np.array([3.0, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9])
    codes = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    ranks = stats.rankdata(values)
    _, ties = np.unique(values, return_counts=True)
    result = kruskal_wallis_from_rank_sums(
        np.bincount(codes), np.bincount(codes, weights=ranks), ties
    )
    expected = stats.kruskal(values[codes == 0], values[codes == 1], values[codes == 2])
    assert result.h == pytest.approx(expected.statistic)


def test_box_summaries_are_each_groups_quartiles_and_tukey_whiskers() -> None:
    rng = np.random.default_rng(5)
    groups = rng.choice(["F", "M"], 1000)
    values = rng.lognormal(3, 0.6, 1000)
    result = compare_groups(pd.Series(values, name="total_spend"), pd.Series(groups, name="gender"))
    for _, row in result.groups.iterrows():
        members = values[groups == row["group"]]
        q1, median, q3 = np.quantile(members, [0.25, 0.5, 0.75])
        assert (row["q1"], row["median"], row["q3"]) == pytest.approx((q1, median, q3))
        assert row["count"] == len(members)
        inside = members[(members >= q1 - 1.5 * (q3 - q1)) & (members <= q3 + 1.5 * (q3 - q1))]
        assert row["whisker_low"] == inside.min() and row["whisker_high"] == inside.max()
        assert row["outliers"] == len(members) - len(inside)
    assert result.chart.unit == "EUR"


def test_a_clear_difference_reads_strong_and_no_difference_negligible() -> None:
    rng = np.random.default_rng(2)
    groups = np.repeat(["young", "old"], 500)
    apart = np.where(groups == "young", rng.normal(20, 5, 1000), rng.normal(60, 5, 1000))
    same = rng.normal(40, 5, 1000)
    strong = compare_groups(pd.Series(apart, name="age"), pd.Series(groups, name="g"))
    none = compare_groups(pd.Series(same, name="age"), pd.Series(groups, name="g"))
    assert strong.strength is Strength.STRONG and strong.test.p_value < 1e-10
    assert none.strength is Strength.NEGLIGIBLE and none.test.p_value > 0.01


def test_groups_of_fewer_than_five_customers_are_flagged() -> None:
    values = pd.Series(np.arange(40, dtype=float), name="age")
    groups = pd.Series(["a"] * 20 + ["b"] * 17 + ["c"] * 3, name="g")
    result = compare_groups(values, groups)
    finding = next(f for f in result.findings if f.code is WarningCode.SMALL_GROUPS)
    assert finding.values["groups"] == ["c"]


def test_a_constant_number_or_a_single_group_runs_no_test() -> None:
    constant = compare_groups(pd.Series([5.0] * 50, name="x"), pd.Series(["a", "b"] * 25, name="g"))
    single = compare_groups(pd.Series(np.arange(50.0), name="x"), pd.Series(["a"] * 50, name="g"))
    assert constant.test is None and WarningCode.CONSTANT_VALUES in _codes(constant)
    assert single.test is None and WarningCode.SINGLE_CATEGORY in _codes(single)


def test_dates_are_compared_as_days_and_missing_values_left_out() -> None:
    moments = pd.Series(pd.to_datetime(["2024-01-01", "2024-03-01", None] * 20), name="first")
    groups = pd.Series(["a", "b", "a"] * 20, name="g")
    result = compare_groups(moments, groups)
    assert result.rows == 40 and result.excluded_missing == 20
    assert result.groups.set_index("group").loc["b", "median"] == pytest.approx(
        (pd.Timestamp("2024-03-01") - pd.Timestamp("1970-01-01")).days
    )


def test_many_groups_keep_the_largest_and_fold_the_rest() -> None:
    rng = np.random.default_rng(1)
    groups = pd.Series([f"c{i}" for i in rng.integers(0, 40, 4000)], name="city")
    result = compare_groups(pd.Series(rng.normal(size=4000), name="age"), groups, max_levels=6)
    assert len(result.groups) == 6 and result.groups["group"].iloc[-1] == OTHER
    assert result.groups["count"].sum() == 4000
