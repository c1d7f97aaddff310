"""Boosting reasons are exact SHAP values: they add up to the score and match their definition."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from arena.crm.scoring.tree_shap import hist_gradient_boosting_shap


@pytest.fixture(autouse=True)
def one_thread():
    """OpenMP threads waiting for a core on a busy machine make boosting fits crawl."""
    with threadpool_limits(limits=1):
        yield


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    X[rng.random(n) < 0.1, 2] = np.nan
    y = X[:, 0] * X[:, 1] + np.nan_to_num(X[:, 2]) + 0.5 * X[:, 3] ** 2 + rng.logistic(size=n)
    return X, y > 0.5


def _expected_given(nodes: np.ndarray, x: np.ndarray, known: set[int], node: int = 0) -> float:
    """E[tree(X) | X_S = x_S] as TreeSHAP defines it: follow x on known features, otherwise
    average the branches by how many training people went each way."""
    if nodes["is_leaf"][node]:
        return float(nodes["value"][node])
    feature = int(nodes["feature_idx"][node])
    left, right = int(nodes["left"][node]), int(nodes["right"][node])
    if feature in known:
        value = x[feature]
        goes_left = bool(nodes["missing_go_to_left"][node]) if np.isnan(value) else \
            value <= nodes["num_threshold"][node]
        return _expected_given(nodes, x, known, left if goes_left else right)
    total = float(nodes["count"][node])
    return (nodes["count"][left] / total * _expected_given(nodes, x, known, left)
            + nodes["count"][right] / total * _expected_given(nodes, x, known, right))


def test_values_equal_shapley_values_computed_by_enumerating_every_coalition() -> None:
    X, y = _data(1500, 0)
    model = HistGradientBoostingClassifier(max_iter=8, max_depth=3, random_state=0).fit(X, y)
    phi, _ = hist_gradient_boosting_shap(model, X[:12])
    features = range(X.shape[1])
    d = X.shape[1]
    for row, x in enumerate(X[:12]):
        brute = np.zeros(d)
        for (tree,) in model._predictors:
            for i in features:
                others = [f for f in features if f != i]
                for size in range(d):
                    weight = math.factorial(size) * math.factorial(d - size - 1) / math.factorial(d)
                    for subset in itertools.combinations(others, size):
                        with_i = _expected_given(tree.nodes, x, {*subset, i})
                        without = _expected_given(tree.nodes, x, set(subset))
                        brute[i] += weight * (with_i - without)
        assert phi[row] == pytest.approx(brute, abs=1e-10)


def test_values_add_up_to_the_model_s_log_odds_for_everyone() -> None:
    X, y = _data(4000, 1)
    model = HistGradientBoostingClassifier(max_iter=60, max_leaf_nodes=31, random_state=0).fit(X, y)
    phi, expected = hist_gradient_boosting_shap(model, X)
    assert np.abs(expected + phi.sum(axis=1) - model.decision_function(X)).max() < 1e-9


def test_anything_but_a_fitted_binary_boosting_model_is_refused() -> None:
    with pytest.raises(TypeError):
        hist_gradient_boosting_shap(object(), np.zeros((1, 1)))
