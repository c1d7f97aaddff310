"""Exact SHAP values of a scikit-learn HistGradientBoosting classifier, in log-odds, without shap.

The ``shap`` package would add about 214 MB (numba and llvmlite) and 2 s of import time for one
function, so this module computes the same quantity itself: path-dependent TreeSHAP (Lundberg
et al. 2020, "From local explanations to global understanding with explainable AI for trees",
Nature Machine Intelligence 2, algorithm 2 — what ``shap.TreeExplainer`` computes by default).

How: a tree's prediction is a sum over its leaves. For one leaf, the value the tree expects
when only the features in S are known is ``v * prod_{k in S} o_k * prod_{k not in S} z_k``,
over the distinct features k tested on the leaf's path, where ``o_k`` is 1 when the person
satisfies every test on k along the path and ``z_k`` is the share of training people who do
(the product of the cover ratios). The Shapley value of such a product game has a closed form
through the polynomial ``prod_k (z_k + o_k t)`` (Yang 2021, "Fast TreeSHAP", uses the same
per-leaf decomposition); it depends on the person only through the pattern of ``o``, so each
leaf's values are tabulated once per pattern and looked up. Shapley values add up over leaves
and trees, and ``expected_value + sum(phi) == decision_function`` holds exactly (tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FULL_TABLE_MAX_FEATURES = 8  # up to 2^8 patterns per leaf, tabulated in full


@dataclass(frozen=True)
class _Leaf:
    value: float
    features: np.ndarray  # distinct features on the path, in order of first use
    zero_fraction: np.ndarray  # z_k per feature
    conditions: tuple[tuple[int, int, bool], ...]  # (node, position of its feature, went left)


def _leaves(nodes: np.ndarray) -> list[_Leaf]:
    """Every leaf of one tree with its path, from the predictor's node table."""
    leaves: list[_Leaf] = []
    stack: list[tuple[int, list[tuple[int, int, bool]], dict[int, float], list[int]]] = [
        (0, [], {}, [])]
    while stack:
        node, path, fractions, order = stack.pop()
        if nodes["is_leaf"][node]:
            features = np.array(order, dtype=np.int64)
            position = {f: i for i, f in enumerate(order)}
            leaves.append(_Leaf(
                float(nodes["value"][node]), features,
                np.array([fractions[f] for f in order], dtype=float),
                tuple((n, position[f], left) for n, f, left in path)))
            continue
        feature = int(nodes["feature_idx"][node])
        count = float(nodes["count"][node])
        for child, left in ((int(nodes["left"][node]), True), (int(nodes["right"][node]), False)):
            share = float(nodes["count"][child]) / count if count > 0 else 0.0
            new_fractions = dict(fractions)
            new_fractions[feature] = new_fractions.get(feature, 1.0) * share
            new_order = order if feature in fractions else [*order, feature]
            stack.append((child, [*path, (node, feature, left)], new_fractions, new_order))
    return leaves


def _pattern_values(value: float, zero_fraction: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """Shapley values (patterns x d) of the leaf game for each 0/1 pattern of ``o``."""
    d = zero_fraction.size
    weights = np.array([math.factorial(s) * math.factorial(d - 1 - s) / math.factorial(d)
                        for s in range(d)])
    result = np.empty((patterns.shape[0], d))
    for i in range(d):
        coefficients = np.zeros((patterns.shape[0], d))
        coefficients[:, 0] = 1.0
        degree = 0
        for k in range(d):
            if k == i:
                continue
            shifted = np.zeros_like(coefficients)
            shifted[:, 1:degree + 2] = coefficients[:, :degree + 1]
            coefficients = zero_fraction[k] * coefficients + patterns[:, k:k + 1] * shifted
            degree += 1
        result[:, i] = value * (patterns[:, i] - zero_fraction[i]) * (coefficients @ weights)
    return result


def _all_patterns(d: int) -> np.ndarray:
    codes = np.arange(2 ** d)
    return ((codes[:, None] >> np.arange(d)) & 1).astype(float)


def _tree_shap(nodes: np.ndarray, X: np.ndarray, phi_by_feature: np.ndarray) -> float:
    """Add one tree's SHAP values to ``phi_by_feature`` (features x people, each row
    contiguous); return the tree's expected value."""
    internal = np.flatnonzero(~nodes["is_leaf"].astype(bool))
    go_left = np.zeros((nodes.shape[0], X.shape[0]), dtype=bool)  # one contiguous row per node
    for split in internal:
        column = X[:, nodes["feature_idx"][split]]
        go_left[split] = np.where(np.isnan(column), bool(nodes["missing_go_to_left"][split]),
                                  column <= nodes["num_threshold"][split])
    expected = 0.0
    for leaf in _leaves(nodes):
        d = leaf.features.size
        expected += leaf.value * float(np.prod(leaf.zero_fraction)) if d else leaf.value
        if d == 0:
            continue
        satisfied = np.ones((d, X.shape[0]), dtype=bool)
        for node, position, left in leaf.conditions:
            satisfied[position] &= go_left[node] if left else ~go_left[node]
        codes = np.zeros(X.shape[0], dtype=np.int64)
        for position in range(d):
            codes |= satisfied[position].astype(np.int64) << position
        if d <= FULL_TABLE_MAX_FEATURES:
            table = _pattern_values(leaf.value, leaf.zero_fraction, _all_patterns(d))
        else:
            present, codes = np.unique(codes, return_inverse=True)
            patterns = ((present[:, None] >> np.arange(d)) & 1).astype(float)
            table = _pattern_values(leaf.value, leaf.zero_fraction, patterns)
        for position, feature in enumerate(leaf.features):
            phi_by_feature[feature] += table[:, position][codes]
    return expected


def hist_gradient_boosting_shap(model: object, X: np.ndarray) -> tuple[np.ndarray, float]:
    """SHAP values (n x features) of a fitted binary ``HistGradientBoostingClassifier`` in
    log-odds, and the expected value, so that ``expected + phi.sum(axis=1)`` equals
    ``model.decision_function(X)``. Numeric features only (encode categories as 0/1 columns)."""
    predictors = getattr(model, "_predictors", None)
    if predictors is None:
        raise TypeError("hist_gradient_boosting_shap needs a fitted HistGradientBoostingClassifier")
    if any(len(trees) != 1 for trees in predictors):
        raise TypeError("Only binary classifiers are supported.")
    X = np.asarray(X, dtype=float)
    phi_by_feature = np.zeros((X.shape[1], X.shape[0]))
    expected = float(np.ravel(model._baseline_prediction)[0])  # type: ignore[attr-defined]
    for (tree,) in predictors:
        if np.any(tree.nodes["is_categorical"]):
            raise TypeError("Categorical splits are not supported; one-hot encode instead.")
        expected += _tree_shap(tree.nodes, X, phi_by_feature)
    return phi_by_feature.T.copy(), expected
