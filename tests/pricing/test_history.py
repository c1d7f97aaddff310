"""Sales histories: censoring flags, required columns, free-form event features."""

from __future__ import annotations

import pandas as pd
import pytest

from arena.pricing.history import SalesHistory, SalesHistoryError
from arena.pricing.model import DemandModel
from arena.pricing.simulation import simulate_season


def _tiny_sales() -> pd.DataFrame:
    quantities = [4, 5, 3, 0]  # capacity 10: sells out two days before, closed after
    return pd.DataFrame(
        {
            "event_id": "E1",
            "event_date": "2024-05-04",
            "category": "Cat1",
            "capacity": 10,
            "days_before": [3, 2, 1, 0],
            "price": 20.0,
            "quantity": quantities,
        }
    )


def test_the_sell_out_day_is_censored_and_the_days_after_are_closed() -> None:
    history = SalesHistory.from_frames(_tiny_sales())
    by_day = history.sales.set_index("days_before")
    assert by_day.loc[1, "censored"] and not by_day.loc[2, "censored"]
    assert by_day.loc[0, "closed"] and not by_day.loc[1, "closed"]
    assert by_day["sold_out"].all()
    assert by_day.loc[0, "cumulative_sales"] == 12


def test_a_sales_table_without_price_is_refused_with_the_missing_column() -> None:
    with pytest.raises(SalesHistoryError, match="price"):
        SalesHistory.from_frames(_tiny_sales().drop(columns=["price"]))


def test_sales_of_an_unknown_event_are_refused() -> None:
    events = pd.DataFrame({"event_id": ["E2"], "event_date": ["2024-05-04"]})
    with pytest.raises(SalesHistoryError, match="E1"):
        SalesHistory.from_frames(_tiny_sales(), events)


def test_any_new_feature_column_is_used_without_code_changes() -> None:
    season = simulate_season(n_events=20, seed=5)
    events = season.history.events.assign(
        genre=["rock" if i % 2 else "jazz" for i in range(20)],
        rain_mm=[float(i % 7) for i in range(20)],
    )
    history = SalesHistory.from_frames(season.history.sales, events)
    model = DemandModel(em_iterations=1).fit(history)
    assert {"genre=rock", "genre=jazz", "rain_mm"} <= set(model.feature_names_)
