"""Univariate analysis: each attribute gets the chart of its kind and exact summary statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arena.crm.analysis import (
    OTHER,
    AttributeKind,
    BarSpec,
    HistogramSpec,
    TimeBarSpec,
    WarningCode,
    age_band,
    describe_attribute,
    describe_frequencies,
    distance_band,
)
from arena.crm.analysis.charts import bin_edges, nice_width


def test_a_skewed_amount_gets_a_histogram_of_round_bins_and_exact_statistics() -> None:
    rng = np.random.default_rng(0)
    spend = pd.Series(rng.lognormal(4, 0.8, 10_000), name="total_spend")
    spend[:500] = np.nan
    summary = describe_attribute(spend)
    known = spend.dropna().to_numpy()
    assert summary.attribute.kind is AttributeKind.NUMERIC
    assert (summary.count, summary.missing) == (9_500, 500)
    assert summary.missing_share == pytest.approx(0.05)
    stats = summary.numeric
    assert stats.mean == pytest.approx(known.mean()) and stats.std == pytest.approx(known.std(ddof=1))
    assert (stats.q1, stats.median, stats.q3) == pytest.approx(tuple(np.quantile(known, [0.25, 0.5, 0.75])))
    assert (stats.minimum, stats.maximum, stats.total) == pytest.approx((known.min(), known.max(), known.sum()))
    chart = summary.chart
    assert isinstance(chart, HistogramSpec) and chart.unit == "EUR"
    assert sum(chart.counts) + chart.above == 9_500
    assert 5 <= len(chart.counts) <= 50
    width = chart.edges[1] - chart.edges[0]
    assert width == nice_width(width)  # 1, 2, 2.5 or 5 x 10^k
    assert chart.above > 0  # the long tail goes to the "and more" bar


def test_small_whole_numbers_get_one_bar_per_value() -> None:
    tickets = pd.Series([1, 1, 1, 2, 2, 3, 5, 8], name="tickets")
    summary = describe_attribute(tickets)
    chart = summary.chart
    assert chart.discrete and chart.edges[0] == 1.0 and len(chart.counts) == 8
    assert chart.counts[:3] == (3, 2, 1) and chart.counts[7] == 1
    assert summary.mode == 1.0 and summary.mode_count == 3


def test_bins_always_hold_the_maximum_when_no_tail_is_clipped() -> None:
    for values in (np.array([0.0, 0.5, 99.9, 100.0]), np.linspace(3.7, 412.2, 1000)):
        edges, _ = bin_edges(values)
        assert edges[0] <= values.min() and edges[-1] > values.max()


def test_a_category_shows_its_top_levels_and_one_other_bar() -> None:
    cities = pd.Series([f"city{i:02d}" for i in range(30) for _ in range(30 - i)], name="city")
    summary = describe_attribute(cities)
    chart = summary.chart
    assert isinstance(chart, BarSpec) and not chart.ordered
    assert chart.labels[:3] == ("city00", "city01", "city02") and chart.labels[-1] == OTHER
    assert len(chart.labels) == 12 and chart.other_levels == 19
    assert sum(chart.counts) == len(cities) and sum(chart.shares) == pytest.approx(1.0)
    assert summary.distinct == 30 and summary.mode == "city00" and summary.mode_count == 30


def test_blank_text_counts_as_missing() -> None:
    gender = pd.Series(["F", "M", "", "  ", None, "F"], name="gender")
    summary = describe_attribute(gender)
    assert (summary.count, summary.missing) == (3, 3)
    assert summary.chart.missing == 3


def test_bands_keep_their_order_even_when_they_come_as_text() -> None:
    bands = pd.Series(["25-34", "65+", "<18", "25-34", None], name="age_band")
    summary = describe_attribute(bands)
    assert summary.attribute.kind is AttributeKind.ORDINAL
    assert summary.chart.ordered
    assert summary.chart.labels == ("<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
    assert summary.chart.counts == (1, 0, 2, 0, 0, 0, 1)


def test_age_and_distance_bands_are_right_open() -> None:
    bands = age_band(pd.Series([17, 18, 24.9, 25, 64, 65, None]))
    assert list(bands[:6].astype(str)) == ["<18", "18-24", "18-24", "25-34", "55-64", "65+"]
    assert pd.isna(bands[6])
    assert list(distance_band(pd.Series([0, 4.99, 5, 20, 299, 300])).astype(str)) == [
        "<5", "<5", "5-20", "20-50", "100-300", "300+"]


def test_a_yes_no_attribute_gives_its_share_of_yes() -> None:
    holders = pd.Series([True, False, False, True, False], name="season_ticket_holder")
    summary = describe_attribute(holders)
    assert summary.attribute.kind is AttributeKind.BOOLEAN
    assert summary.true_share == pytest.approx(0.4)
    assert summary.chart.labels == ("True", "False") and summary.chart.counts == (2, 3)


def test_dates_are_counted_per_readable_period() -> None:
    days = pd.Series(pd.date_range("2021-09-01", "2024-06-30", freq="D"), name="first_purchase_at")
    summary = describe_attribute(days)
    chart = summary.chart
    assert isinstance(chart, TimeBarSpec) and chart.period == "month"
    assert chart.starts[0] == "2021-09-01" and len(chart.counts) == 34
    assert sum(chart.counts) == len(days)
    assert summary.dates.first.startswith("2021-09-01") and summary.dates.last.startswith("2024-06-30")


def test_an_undocumented_column_gets_its_kind_from_its_values() -> None:
    assert describe_attribute(pd.Series([0.2, 0.9], name="churn_score")).attribute.kind is AttributeKind.NUMERIC
    assert describe_attribute(pd.Series(["a", "b"], name="club")).attribute.kind is AttributeKind.CATEGORICAL
    forced = describe_attribute(pd.Series([1, 2, 2], name="seasons_active"), kind=AttributeKind.ORDINAL)
    assert forced.attribute.kind is AttributeKind.ORDINAL


def test_an_empty_or_constant_attribute_says_so() -> None:
    empty = describe_attribute(pd.Series([None, None], name="age", dtype=float))
    constant = describe_attribute(pd.Series([3.0] * 10, name="orders"))
    assert empty.chart is None and {f.code for f in empty.findings} == {WarningCode.ALL_MISSING}
    assert WarningCode.CONSTANT_VALUES in {f.code for f in constant.findings}
    assert constant.numeric.std == 0.0


def test_counts_grouped_by_the_database_give_the_same_summary_as_raw_values() -> None:
    channel = pd.Series(["web"] * 50 + ["box_office"] * 30 + ["phone"] * 20 + [None] * 10, name="favourite_channel")
    from_values = describe_attribute(channel)
    from_counts = describe_frequencies(
        "favourite_channel", pd.Series({"web": 50, "box_office": 30, "phone": 20}), missing=10
    )
    assert from_counts.chart == from_values.chart
    assert (from_counts.count, from_counts.missing, from_counts.mode, from_counts.distinct) == (
        from_values.count, from_values.missing, from_values.mode, from_values.distinct)


def test_weeks_start_on_monday() -> None:
    days = pd.Series(pd.date_range("2024-01-03", "2024-06-30", freq="D"), name="last_purchase_at")
    chart = describe_attribute(days).chart
    assert chart.period == "week"
    assert chart.starts[0] == "2024-01-01"  # the Monday of the week of 3 January 2024
    assert all(pd.Timestamp(start).day_of_week == 0 for start in chart.starts)
    assert sum(chart.counts) == len(days)
