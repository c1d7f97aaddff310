"""Expected results of the top N prospects, and campaign responses as labels and features for
the next ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from arena.crm.prospection.ranking import (
    HISTORY_FEATURES,
    LABEL_COLUMNS,
    contact_history_features,
    expected_results_curve,
    expected_results_for_top,
    training_rows,
)
from tests.support.simulated_campaigns import Scenario, simulate_campaign


def prospects(count: int = 2000, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"customer_id": range(count), "probability": rng.beta(2, 12, count),
                         "value": rng.choice([320.0, 420.0, 560.0], count)})


def test_the_top_n_expectation_is_what_the_draws_give_on_average() -> None:
    listed = prospects()
    expected = expected_results_for_top(listed, 300)
    top = listed.nlargest(300, "probability")
    assert expected.expected_conversions == pytest.approx(top["probability"].sum())
    assert expected.expected_revenue == pytest.approx((top["probability"] * top["value"]).sum())
    rng = np.random.default_rng(0)
    draws = (rng.random((20_000, 300)) < top["probability"].to_numpy()).sum(axis=1)
    assert draws.mean() == pytest.approx(expected.expected_conversions, rel=0.01)
    inside = np.mean((draws >= expected.conversions_low) & (draws <= expected.conversions_high))
    assert 0.87 <= inside <= 0.93  # the announced 90 % range


def test_the_curve_grows_with_n_and_ends_at_the_whole_list() -> None:
    listed = prospects(500)
    curve = expected_results_curve(listed)
    assert len(curve) == 500 and curve["expected_conversions"].is_monotonic_increasing
    assert curve["expected_conversions"].iloc[-1] == pytest.approx(listed["probability"].sum())
    assert expected_results_for_top(listed, 0).expected_conversions == 0
    with pytest.raises(ValueError):
        expected_results_for_top(listed.assign(probability=1.5), 10)


def test_campaign_responses_become_one_labelled_row_per_member() -> None:
    results, _ = simulate_campaign(Scenario(1000, 0.2, 0.1, 0.05), seed=2)
    start = pd.Timestamp("2025-05-15")
    rows = training_rows(results, campaign_id=7, goal="renewal", start=start,
                         refused=pd.Series({int(results["customer_id"].iloc[0]): True}))
    assert list(rows.columns) == list(LABEL_COLUMNS) and len(rows) == 1000
    assert rows["treated"].sum() == 800 and rows["converted"].sum() == results["converted"].sum()
    assert rows["refused"].sum() == 1
    assert (rows["campaign_start"] == start).all()


def test_history_features_only_use_campaigns_before_the_date_and_only_contacted_rows() -> None:
    def campaign(campaign_id: int, start: str, reached: list[bool], refused: list[bool],
                 treated: list[bool]) -> pd.DataFrame:
        return pd.DataFrame({"customer_id": [1, 2, 3], "campaign_id": campaign_id,
                             "goal": "renewal", "channel": "phone",
                             "campaign_start": pd.Timestamp(start), "treated": treated,
                             "group": ["contacted" if t else "control" for t in treated],
                             "score_at_campaign": 0.3, "decile": 4, "attempted": treated,
                             "reached": reached, "reacted": False, "refused": refused,
                             "unsubscribed": False, "converted": False, "revenue": 0.0})
    history = pd.concat([
        campaign(1, "2024-05-01", [True, False, True], [True, False, False], [True, True, False]),
        campaign(2, "2024-11-01", [True, True, False], [True, False, False], [True, True, True]),
        campaign(3, "2025-06-01", [True, True, True], [True, True, True], [True, True, True]),
    ], ignore_index=True)
    features = contact_history_features(history, pd.Timestamp("2025-01-01")).set_index(
        "customer_id")
    assert list(features.columns) == list(HISTORY_FEATURES)
    assert features.loc[1, "campaigns_received"] == 2 and features.loc[1, "times_refused"] == 2
    assert features.loc[3, "campaigns_received"] == 1  # held out in campaign 1
    assert features.loc[2, "days_since_last_contact"] == (
        pd.Timestamp("2025-01-01") - pd.Timestamp("2024-11-01")).days
    assert contact_history_features(history, pd.Timestamp("2024-01-01")).empty
