"""Renewal input: checked, and every holder's features use only what was known that season."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arena.crm.scoring.errors import ScoringInputError
from arena.crm.scoring.holdings import prepare_holdings, season_start_year


def _holdings() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["ana", "ana", "ana", "bob", "bob", "cyd"],
        "season": ["2023-2024", "2024-2025", "2025-2026", "2024-2025", "2025-2026", "2025-2026"],
        "category": ["Kop", "Kop", "Est", "Ouest", "Ouest", "Kop"],
        "price": [200.0, 212.0, 400.0, 300.0, 300.0, 212.0],
        "holder_since": ["2020-2021", "2020-2021", "2020-2021", None, None, "2025-2026"],
        "events_included": [19, 19, 19, 19, 19, 19],
        "events_past": [19, 19, 7, 19, 7, 7],
        "events_attended": [15, 4, 7, 19, 3, np.nan],
    })


def test_each_holder_season_gets_tenure_attendance_price_change_and_outcome() -> None:
    rows = prepare_holdings(_holdings(), pd.DataFrame({
        "customer_id": ["ana", "bob"], "distance_km": [85.0, -3.0],
        "birth_date": ["1980-05-01", None], "gender": ["F", "m"]})).rows
    ana = rows[rows["customer_id"] == "ana"].set_index("season")
    assert ana["tenure"].tolist() == [4.0, 5.0, 6.0]
    assert ana.loc["2024-2025", "attendance_rate"] == pytest.approx(4 / 19)
    assert ana.loc["2025-2026", "attendance_rate"] == pytest.approx(1.0)  # 7 of the 7 played
    assert ana.loc["2024-2025", "price_change"] == pytest.approx(0.06)
    assert np.isnan(ana.loc["2023-2024", "price_change"])
    assert ana["category_changed"].tolist()[1:] == [0.0, 1.0]
    assert ana["renewed"].tolist()[:2] == [1.0, 1.0] and np.isnan(ana["renewed"].iloc[2])
    assert ana["distance_km"].iloc[0] == 85.0 and ana["age"].tolist() == [43.0, 44.0, 45.0]
    bob = rows[rows["customer_id"] == "bob"].set_index("season")
    # Without holder_since, tenure counts the seasons held in the data.
    assert bob["tenure"].tolist() == [1.0, 2.0]
    assert np.isnan(bob["distance_km"]).all()  # a negative distance is not a distance
    assert bob["gender"].tolist() == ["M", "M"]
    cyd = rows[rows["customer_id"] == "cyd"].iloc[0]
    assert np.isnan(cyd["attendance_rate"]) and cyd["tenure"] == 1.0


def test_a_later_season_never_changes_an_earlier_season_s_features() -> None:
    early = prepare_holdings(_holdings()[lambda f: f["season"] < "2025-2026"]).rows
    full = prepare_holdings(_holdings()).rows
    columns = ["tenure", "attendance_rate", "price_change", "price_level", "category_changed"]
    merged = early.merge(full, on=["customer_id", "season"], suffixes=("_early", "_full"))
    for column in columns:
        pd.testing.assert_series_equal(merged[f"{column}_early"], merged[f"{column}_full"],
                                       check_names=False)


def test_two_season_tickets_of_one_person_in_one_season_are_one_holder() -> None:
    holdings = pd.DataFrame({"customer_id": ["ana", "ana", "ana"],
                             "season": ["2024-2025", "2024-2025", "2025-2026"],
                             "category": ["Kop", "Est", "Est"], "price": [200.0, 400.0, 400.0]})
    rows = prepare_holdings(holdings).rows
    first = rows[rows["season"] == "2024-2025"].iloc[0]
    assert len(rows) == 2 and first["tickets"] == 2
    assert first["category"] == "Est" and first["price"] == 600.0


def test_bad_input_is_refused_with_a_sentence_that_names_the_problem() -> None:
    with pytest.raises(ScoringInputError, match="'season'"):
        prepare_holdings(_holdings().drop(columns="season"))
    with pytest.raises(ScoringInputError, match="four-digit year"):
        prepare_holdings(_holdings().assign(season="next season"))
    with pytest.raises(ScoringInputError, match="more events than were played"):
        prepare_holdings(_holdings().assign(events_attended=20))
    with pytest.raises(ScoringInputError, match="no customer_id"):
        prepare_holdings(_holdings().assign(customer_id=None))
    assert season_start_year("2024/25") == 2024 and season_start_year(2024) == 2024
