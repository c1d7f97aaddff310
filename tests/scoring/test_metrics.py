"""Validation measures mean what the model card says they mean."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from arena.crm.scoring.metrics import (
    brier_score,
    expected_calibration_error,
    lift_at,
    reliability_table,
    roc_auc,
)


def test_auc_is_the_usual_auc_ties_included() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(2000) < 0.3
    score = np.round(rng.random(2000) + 0.3 * y, 1)  # many ties
    assert roc_auc(y, score) == pytest.approx(roc_auc_score(y, score))
    assert np.isnan(roc_auc(np.ones(5), np.arange(5)))


def test_perfectly_calibrated_probabilities_have_a_small_calibration_error() -> None:
    rng = np.random.default_rng(1)
    p = rng.random(200_000)
    y = rng.random(200_000) < p
    assert expected_calibration_error(y, p) < 0.005
    assert expected_calibration_error(y, np.clip(p + 0.1, 0, 1)) > 0.08


def test_calibration_error_weights_each_bin_by_its_people() -> None:
    y = np.array([1, 1, 0, 0])
    p = np.array([0.95, 0.95, 0.05, 0.45])  # bins [0.9,1): 0.05 off; [0,0.1): 0.05; [0.4,0.5): 0.45
    assert expected_calibration_error(y, p) == pytest.approx((2 * 0.05 + 0.05 + 0.45) / 4)
    table = reliability_table(y, p)
    assert table["people"].sum() == 4 and len(table) == 10


def test_brier_and_lift_on_a_hand_made_case() -> None:
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    score = np.array([0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2])
    assert brier_score(y, score) == pytest.approx((0.01 + 8 * 0.01 + 0.64) / 10)
    assert lift_at(y, score, 0.1) == pytest.approx(1 / 0.2)
