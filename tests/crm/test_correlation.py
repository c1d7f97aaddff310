"""Numeric x numeric: Spearman's correlation matches hand figures and scipy; the chart is binned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from arena.crm.analysis import Strength, WarningCode, analyse_pair, correlate


def test_a_hand_computed_spearman() -> None:
    # pairs swapped: every d = +-1, sum of d2 = 10, rho = 1 - 6 * 10 / (10 * 99) = 0.939394
    x = pd.Series(np.arange(1, 11), name="x")
    y = pd.Series([2, 1, 4, 3, 6, 5, 8, 7, 10, 9], name="y")
    assert correlate(x, y).rho == pytest.approx(0.939394, abs=1e-6)


def test_spearman_with_ties_and_its_p_value_match_scipy() -> None:
    rng = np.random.default_rng(4)
    x = rng.poisson(3, 2000)
    y = x + rng.poisson(2, 2000)
    result = correlate(pd.Series(x, name="orders"), pd.Series(y, name="tickets"))
    expected = stats.spearmanr(x, y)
    assert result.rho == pytest.approx(expected.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, abs=1e-300)
    assert result.strength is Strength.STRONG


def test_independent_numbers_read_negligible_and_a_falling_relation_is_negative() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(size=3000)
    unrelated = correlate(pd.Series(x, name="a"), pd.Series(rng.normal(size=3000), name="b"))
    falling = correlate(pd.Series(x, name="a"), pd.Series(-x + rng.normal(size=3000), name="b"))
    assert unrelated.strength is Strength.NEGLIGIBLE
    assert falling.rho < -0.5 and falling.strength is Strength.STRONG


def test_the_binned_scatter_counts_every_customer_with_both_values() -> None:
    rng = np.random.default_rng(9)
    x = pd.Series(rng.lognormal(3, 1, 5000), name="total_spend")
    y = pd.Series(rng.normal(40, 12, 5000), name="age").mask(rng.random(5000) < 0.1)
    result = correlate(x, y)
    counts = np.array(result.chart.counts)
    assert counts.sum() == result.rows == int(y.notna().sum())
    assert result.excluded_missing == 5000 - result.rows
    assert len(result.chart.sample_x) == 2000 and counts.shape == (40, 40)


def test_a_constant_column_gives_no_correlation_but_a_warning() -> None:
    result = correlate(pd.Series([3.0] * 100, name="a"), pd.Series(np.arange(100.0), name="b"))
    assert result.rho is None and result.strength is None
    assert WarningCode.CONSTANT_VALUES in {f.code for f in result.findings}


def test_the_pair_picks_the_comparison_from_the_kinds_of_its_attributes() -> None:
    rng = np.random.default_rng(0)
    profiles = pd.DataFrame({
        "customer_id": np.arange(300),
        "age": rng.normal(40, 10, 300),
        "total_spend": rng.lognormal(3, 1, 300),
        "gender": rng.choice(["F", "M"], 300),
        "favourite_channel": rng.choice(["web", "box_office"], 300),
        "season_ticket_holder": rng.random(300) < 0.2,
        "first_purchase_at": pd.Timestamp("2022-01-01")
        + pd.to_timedelta(rng.integers(0, 700, 300), unit="D"),
    })
    assert type(analyse_pair(profiles, "age", "total_spend")).__name__ == "Correlation"
    assert type(analyse_pair(profiles, "first_purchase_at", "age")).__name__ == "Correlation"
    grouped = analyse_pair(profiles, "gender", "age")
    assert type(grouped).__name__ == "GroupComparison" and grouped.numeric_attribute == "age"
    crossed = analyse_pair(profiles, "gender", "season_ticket_holder")
    assert type(crossed).__name__ == "CrossTab"
    assert set(crossed.counts.columns) == {"true", "false"}
    as_levels = analyse_pair(
        profiles.assign(seasons_active=rng.integers(1, 4, 300)), "seasons_active", "gender",
        kinds={"seasons_active": __import__("arena.crm.analysis").crm.analysis.AttributeKind.ORDINAL},
    )
    assert type(as_levels).__name__ == "CrossTab"
    with pytest.raises(ValueError):
        analyse_pair(profiles, "age", "age")
