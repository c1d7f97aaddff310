"""Categorical x categorical: the cross-tab's chi-square, Cramér's V and residuals are right."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from arena.crm.analysis import OTHER, Strength, WarningCode, cross_tab_from_counts, cross_tabulate

# Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., tables 2.5 and 2.6:
# party identification by gender (General Social Survey 2000).
PARTY = pd.DataFrame(
    [[762, 327, 468], [484, 239, 477]],
    index=pd.Index(["female", "male"], name="gender"),
    columns=pd.Index(["democrat", "independent", "republican"], name="party"),
)


def _codes(result) -> set[str]:
    return {finding.code for finding in result.findings}


def _expand(table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """One row per person from a table of counts."""
    stacked = table.stack()
    rows = np.repeat(stacked.index.get_level_values(0).to_numpy(), stacked.to_numpy())
    columns = np.repeat(stacked.index.get_level_values(1).to_numpy(), stacked.to_numpy())
    return pd.Series(rows, name=table.index.name), pd.Series(columns, name=table.columns.name)


def test_the_textbook_party_by_gender_table_gives_agrestis_published_figures() -> None:
    result = cross_tab_from_counts(PARTY)
    assert result.chi_square == pytest.approx(30.07, abs=0.005)  # Agresti: X2 = 30.07, df = 2
    assert result.degrees_of_freedom == 2
    assert result.p_value < 0.001
    # Agresti's table 2.6: adjusted residuals for females (males are their opposites)
    assert result.residuals.loc["female"].to_numpy() == pytest.approx([4.50, 0.70, -5.32], abs=0.01)
    assert result.residuals.loc["male"].to_numpy() == pytest.approx([-4.50, -0.70, 5.32], abs=0.01)


def test_chi_square_p_value_and_cramers_v_match_scipy_on_known_tables() -> None:
    tables = [
        PARTY.to_numpy(),
        np.array([[10, 20, 30, 5], [15, 15, 10, 40], [30, 2, 8, 11]]),
        np.array([[120, 90], [45, 160]]),
    ]
    for table in tables:
        result = cross_tab_from_counts(pd.DataFrame(table), bias_correction=False)
        expected = stats.chi2_contingency(table, correction=False)
        assert result.chi_square == pytest.approx(expected.statistic, rel=1e-12)
        assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
        assert result.degrees_of_freedom == expected.dof
        assert result.expected.to_numpy() == pytest.approx(expected.expected_freq)
        assert result.cramers_v == pytest.approx(
            stats.contingency.association(table, method="cramer"), rel=1e-12
        )
        assert result.association == result.cramers_v


def test_a_hand_computed_two_by_two_table() -> None:
    # Expected counts 12, 18, 28, 42: chi2 = 4/12 + 4/18 + 4/28 + 4/42 = 0.793651
    result = cross_tab_from_counts(pd.DataFrame([[10, 20], [30, 40]]))
    assert result.chi_square == pytest.approx(0.793651, abs=1e-6)
    assert result.cramers_v == pytest.approx(math.sqrt(0.793651 / 100), abs=1e-6)
    # Bergsma's correction: phi2 = 0.0079 is below (r-1)(c-1)/(n-1) = 0.0101, so no association
    assert result.cramers_v_corrected == 0.0
    assert result.strength is Strength.NEGLIGIBLE
    assert result.row_percentages.to_numpy() == pytest.approx(np.array([[1 / 3, 2 / 3], [3 / 7, 4 / 7]]))
    assert result.column_percentages.to_numpy() == pytest.approx(np.array([[0.25, 1 / 3], [0.75, 2 / 3]]))


def test_bias_corrected_v_follows_bergsma_on_the_textbook_table() -> None:
    result = cross_tab_from_counts(PARTY)
    # n = 2757: phi2 = 30.0701 / 2757 - 2/2756, r~ = 2 - 1/2756, c~ = 3 - 4/2756
    assert result.cramers_v_corrected == pytest.approx(0.1009200, abs=1e-6)
    assert result.cramers_v == pytest.approx(0.1044358, abs=1e-6)
    # 2 x 3 table: Cohen's thresholds are not rescaled (min side - 1 = 1): 0.1 <= V < 0.3 is weak
    assert result.thresholds == (0.1, 0.3, 0.5)
    assert result.strength is Strength.WEAK


def test_bias_correction_removes_the_association_plain_v_sees_in_pure_noise() -> None:
    rng = np.random.default_rng(7)
    rows = pd.Series(rng.integers(0, 10, 200).astype(str), name="a")
    columns = pd.Series(rng.integers(0, 10, 200).astype(str), name="b")
    result = cross_tabulate(rows, columns)
    assert result.cramers_v > 0.15  # the plain V's small-sample bias
    assert result.cramers_v_corrected < result.cramers_v / 2


def test_raw_values_and_database_counts_give_the_same_statistics() -> None:
    rows, columns = _expand(PARTY)
    from_values = cross_tabulate(rows, columns)
    from_counts = cross_tab_from_counts(PARTY)
    assert from_values.counts.loc[PARTY.index, PARTY.columns].equals(PARTY)
    assert from_values.chi_square == pytest.approx(from_counts.chi_square)
    assert from_values.cramers_v_corrected == pytest.approx(from_counts.cramers_v_corrected)


def test_strength_thresholds_shrink_for_wider_tables() -> None:
    # 4 x 4: Cohen's 0.1/0.3/0.5 divided by sqrt(3)
    table = pd.DataFrame(np.diag([50, 50, 50, 50]) + 10)
    result = cross_tab_from_counts(table)
    assert result.thresholds == pytest.approx(tuple(t / math.sqrt(3) for t in (0.1, 0.3, 0.5)))
    assert result.strength is Strength.STRONG


def test_customers_missing_either_value_are_left_out_and_counted() -> None:
    rows = pd.Series(["F", "M", None, "F", "", "M"] * 10, name="gender")
    columns = pd.Series(["web", "web", "web", None, "box_office", "box_office"] * 10, name="ch")
    result = cross_tabulate(rows, columns)
    assert result.rows == 30
    assert result.excluded_missing == 30
    assert int(result.counts.to_numpy().sum()) == 30


def test_sparse_tables_warn_that_expected_counts_are_below_five() -> None:
    table = pd.DataFrame([[3, 1, 8], [2, 9, 1], [5, 2, 4]])
    result = cross_tab_from_counts(table)
    assert WarningCode.SMALL_EXPECTED_COUNTS in _codes(result)
    finding = next(f for f in result.findings if f.code is WarningCode.SMALL_EXPECTED_COUNTS)
    assert finding.values["share_below_5"] == pytest.approx(
        float((stats.chi2_contingency(table.to_numpy()).expected_freq < 5).mean())
    )
    assert result.p_value is not None  # still computed, but flagged as unreliable


def test_a_small_two_by_two_table_also_gets_fishers_exact_p_value() -> None:
    table = np.array([[8, 2], [1, 5]])
    result = cross_tab_from_counts(pd.DataFrame(table))
    assert result.fisher_p_value == pytest.approx(stats.fisher_exact(table).pvalue)
    assert WarningCode.FISHER_EXACT_USED in _codes(result)


def test_a_single_category_means_no_test_only_a_warning() -> None:
    rows = pd.Series(["F"] * 40, name="gender")
    columns = pd.Series(["web", "box_office"] * 20, name="channel")
    result = cross_tabulate(rows, columns)
    assert result.p_value is None and result.cramers_v is None and result.strength is None
    assert WarningCode.SINGLE_CATEGORY in _codes(result)


def test_too_few_rows_runs_no_test() -> None:
    result = cross_tab_from_counts(pd.DataFrame([[2, 1], [1, 3]]))
    assert result.p_value is None
    assert WarningCode.TOO_FEW_ROWS in _codes(result)


def test_many_cities_are_folded_into_other_beyond_the_largest_ones() -> None:
    rng = np.random.default_rng(3)
    cities = pd.Series([f"city{i}" for i in rng.zipf(1.6, 5000) % 300], name="city")
    gender = pd.Series(rng.choice(["F", "M"], 5000), name="gender")
    result = cross_tabulate(cities, gender, max_levels=8)
    assert len(result.counts) == 8
    assert result.counts.index[-1] == OTHER
    assert int(result.counts.to_numpy().sum()) == 5000
    largest = cities.value_counts().index[:7]
    assert set(result.counts.index[:7]) == set(largest)
    assert WarningCode.LEVELS_GROUPED in _codes(result)


def test_ordinal_bands_keep_their_order_in_the_table() -> None:
    from arena.crm.analysis import age_band

    ages = pd.Series(np.tile([70, 20, 40, 30, 50, 60, 15], 20), name="age")
    gender = pd.Series(np.tile(["F", "M"], 70), name="gender")
    result = cross_tabulate(age_band(ages).rename("age_band"), gender)
    assert list(result.counts.index) == ["<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
