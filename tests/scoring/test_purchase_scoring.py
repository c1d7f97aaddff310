"""Purchase scoring: honest about time, compared on held-out data, clear about what it used."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from arena.crm.scoring.cdnow import CALIBRATION_END, HOLDOUT_END, load_cdnow_transactions
from arena.crm.scoring.errors import NotFittedError, ScoringInputError, TooLittleHistory
from arena.crm.scoring.metrics import roc_auc
from arena.crm.scoring.orders import prepare_orders, purchases_between, summarize_orders
from arena.crm.scoring.purchase import (
    SCORE_COLUMNS,
    PurchaseScorer,
    validate_purchase_candidates,
)
from arena.crm.scoring.simulation import simulate_orders

HOLDOUT_DAYS = (HOLDOUT_END - CALIBRATION_END).days  # 273 days = 39 weeks


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return prepare_orders(load_cdnow_transactions())


@pytest.fixture(scope="module")
def cdnow_holdout(cdnow):
    """Every candidate trained on the 39 calibration weeks, judged on the 39 held-out ones."""
    return validate_purchase_candidates(cdnow, CALIBRATION_END, HOLDOUT_DAYS)


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return simulate_orders(customers=5000, seed=8, observed_weeks=130)


SIM_AS_OF = pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=104)


def test_on_cdnow_btyd_and_the_rfm_regression_both_rank_next_year_buyers_near_auc_078(
        cdnow_holdout) -> None:
    auc = cdnow_holdout.metrics.set_index("candidate")["auc"]
    assert 0.76 <= auc["pareto_nbd"] <= 0.80
    assert 0.76 <= auc["logistic"] <= 0.80
    assert auc[["bg_nbd", "mbg_nbd"]].between(0.74, 0.80).all()
    # The held-out outcome is what the customers really did in weeks 40-78.
    assert cdnow_holdout.probabilities["ordered"].sum() == 684


def test_on_cdnow_the_probabilities_are_checked_for_calibration_too(cdnow_holdout) -> None:
    figures = cdnow_holdout.metrics.set_index("candidate")
    assert figures["observed_rate"].to_numpy() == pytest.approx([684 / 2357] * 4)
    assert figures["ece"].between(0.0, 0.15).all()
    assert figures["brier"].between(0.10, 0.20).all()


def test_orders_placed_on_or_after_as_of_cannot_change_the_scores(simulated) -> None:
    before = simulated[simulated["ordered_at"] < SIM_AS_OF]
    after = simulated[simulated["ordered_at"] >= SIM_AS_OF]
    reference = PurchaseScorer(horizon_days=180).fit(before, SIM_AS_OF).predict()
    # Later orders, doubled and with absurd amounts, plus brand new later customers.
    noisy_later = pd.concat([after, after.assign(amount=after["amount"] * 1000),
                             after.assign(customer_id=after["customer_id"] + "-late")])
    leaked = PurchaseScorer(horizon_days=180).fit(
        pd.concat([before, noisy_later], ignore_index=True), SIM_AS_OF).predict()
    pd.testing.assert_frame_equal(reference, leaked)


def test_every_buyer_gets_every_score_within_its_range(simulated) -> None:
    scorer = PurchaseScorer(horizon_days=365).fit(simulated, SIM_AS_OF)
    scores = scorer.predict()
    assert list(scores.columns[:6]) == list(SCORE_COLUMNS)
    assert scores.index.is_unique
    assert len(scores) == simulated.loc[simulated["ordered_at"] < SIM_AS_OF,
                                        "customer_id"].nunique()
    for column in ("p_alive", "probability_buy"):
        assert scores[column].between(0, 1).all(), column
    for column in ("expected_purchases", "expected_order_value", "expected_spend",
                   "lifetime_value"):
        assert (scores[column] >= 0).all(), column
    # Three years of value exceed one year of spend for everyone.
    assert (scores["lifetime_value"] >= scores["expected_spend"] * 0.99).all()


def test_one_time_buyers_never_get_bg_nbd_s_alive_of_one(simulated) -> None:
    scorer = PurchaseScorer(horizon_days=365, candidates=("bg_nbd", "mbg_nbd")).fit(
        simulated, SIM_AS_OF)
    scores = scorer.predict()
    one_timers = scores[scores["orders"] == 1]
    assert scorer.alive_model_.kind == "mbg_nbd"
    assert (one_timers["p_alive"] < 0.999).all()
    assert scorer.card_.training["alive_model"] == "mbg_nbd"


def test_the_card_names_the_model_used_and_each_candidate_s_validation(simulated) -> None:
    scorer = PurchaseScorer(horizon_days=365).fit(simulated, SIM_AS_OF)
    card = scorer.card_.to_dict()
    json.dumps(card)  # what --format json prints
    assert card["chosen"] == scorer.chosen_
    assert {row["candidate"] for row in card["candidates"]} == {
        "pareto_nbd", "mbg_nbd", "bg_nbd", "logistic"}
    best = max(card["candidates"], key=lambda row: row["auc"])
    assert best["candidate"] == card["chosen"]
    # Two years of history: the last third (242 days) is the validation window.
    assert card["training"]["validation_window_days"] == 242
    assert [w["code"] for w in card["warnings"]] == ["short_validation_window"]


def test_the_chosen_probability_really_ranks_next_period_buyers(simulated) -> None:
    scorer = PurchaseScorer(horizon_days=180).fit(simulated, SIM_AS_OF)
    scores = scorer.predict()
    later = purchases_between(prepare_orders(simulated), SIM_AS_OF,
                              SIM_AS_OF + pd.Timedelta(days=180), scores.index) > 0
    assert roc_auc(later, scores["probability_buy"]) > 0.75
    assert scores["probability_buy"].mean() == pytest.approx(later.mean(), abs=0.05)


def test_a_short_history_is_validated_on_a_shorter_window_and_the_card_says_so(cdnow) -> None:
    scorer = PurchaseScorer(horizon_days=HOLDOUT_DAYS).fit(cdnow, CALIBRATION_END)
    codes = scorer.card_.warning_codes()
    assert "short_validation_window" in codes
    assert scorer.card_.training["validation_window_days"] == 91


def test_too_little_history_missing_columns_and_unfitted_use_are_explained() -> None:
    tiny = pd.DataFrame({"customer_id": ["a", "b"], "ordered_at": ["2025-01-01", "2025-01-03"],
                         "amount": [10.0, 12.0]})
    with pytest.raises(TooLittleHistory, match="days of orders"):
        PurchaseScorer(horizon_days=30).fit(tiny, "2025-01-05")
    with pytest.raises(TooLittleHistory, match="No order"):
        PurchaseScorer().fit(tiny, "2024-01-01")
    with pytest.raises(ScoringInputError, match="ordered_at"):
        PurchaseScorer().fit(tiny.drop(columns="ordered_at"), "2025-01-05")
    with pytest.raises(ScoringInputError, match="readable ordered_at"):
        PurchaseScorer().fit(tiny.assign(ordered_at=["2025-01-01", "soon"]), "2025-01-05")
    with pytest.raises(NotFittedError, match="fit"):
        PurchaseScorer().predict()


def test_a_saved_scorer_gives_the_same_scores_back(simulated) -> None:
    scorer = PurchaseScorer(horizon_days=365).fit(simulated, SIM_AS_OF)
    document = json.loads(json.dumps(scorer.to_dict()))
    again = PurchaseScorer.from_dict(document, simulated)
    pd.testing.assert_frame_equal(again.predict(), scorer.predict())
    assert "chosen_=" in repr(again)
    with pytest.raises(ScoringInputError, match="another version"):
        PurchaseScorer.from_dict({**document, "version": "0.9"}, simulated)


def test_scoring_the_same_data_twice_gives_the_same_scores(simulated) -> None:
    first = PurchaseScorer(horizon_days=90).fit(simulated, SIM_AS_OF).predict()
    second = PurchaseScorer(horizon_days=90).fit(simulated, SIM_AS_OF).predict()
    pd.testing.assert_frame_equal(first, second)
    assert np.isfinite(first[["p_alive", "probability_buy"]].to_numpy()).all()


def test_summary_counts_orders_by_day_and_reads_only_before_as_of() -> None:
    orders = prepare_orders(pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b"],
        "ordered_at": ["2025-01-01 09:00", "2025-01-01 18:00", "2025-01-11 23:59",
                       "2025-02-01 00:00", "2025-01-31 10:00"],
        "amount": [10.0, 20.0, 30.0, 999.0, 5.0]}))
    summary = summarize_orders(orders, "2025-02-01")
    a, b = summary.loc["a"], summary.loc["b"]
    assert (a["orders"], a["frequency"], a["recency"], a["T"]) == (3, 2, 10.0, 30.0)
    assert a["monetary_value"] == pytest.approx(25.0)  # repeat orders only (20 and 30)
    assert (b["orders"], b["frequency"], b["T"]) == (1, 0, 0.0)
    assert np.isnan(b["monetary_value"])


def test_rows_of_one_order_are_one_purchase_and_negative_amounts_are_refused() -> None:
    rows = pd.DataFrame({"customer_id": ["a", "a", "a"], "order_id": [1, 1, 2],
                         "ordered_at": ["2025-01-01", "2025-01-01", "2025-01-05"],
                         "amount": [10.0, 15.0, 7.0]})
    orders = prepare_orders(rows)
    assert sorted(orders["amount"]) == [7.0, 25.0]
    with pytest.raises(ScoringInputError, match="negative"):
        prepare_orders(rows.assign(amount=[10.0, -15.0, 7.0]))
