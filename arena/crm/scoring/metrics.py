"""Validation measures of a probability score: discrimination, accuracy, calibration and lift.

Definitions (they are quoted in model cards and in docs/scoring.md):
- AUC: probability that a random positive is scored above a random negative (ties count half).
- Brier score: mean squared difference between the probability and the 0/1 outcome.
- Expected calibration error (ECE): probabilities cut into 10 equal-width bins over [0, 1]; the
  mean absolute gap between the average probability and the observed rate per bin, weighted by
  the bin's share of people (Naeini, Cooper & Hauskrecht 2015; Guo et al. 2017).
- Lift at 10 %: the outcome rate among the 10 % ranked first divided by the overall rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

CALIBRATION_BINS = 10


def _arrays(outcome: object, probability: object) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(outcome, dtype=float).ravel()
    p = np.asarray(probability, dtype=float).ravel()
    if y.shape != p.shape:
        raise ValueError(f"{y.size} outcomes but {p.size} probabilities")
    return y, p


def roc_auc(outcome: object, score: object) -> float:
    """Area under the ROC curve (Mann-Whitney form); NaN when only one class is present."""
    y, s = _arrays(outcome, score)
    positives = int(y.sum())
    negatives = y.size - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def brier_score(outcome: object, probability: object) -> float:
    """Mean squared error of the probabilities (0 is perfect; 0.25 is a coin flip)."""
    y, p = _arrays(outcome, probability)
    return float(np.mean((p - y) ** 2)) if y.size else float("nan")


def reliability_table(outcome: object, probability: object,
                      bins: int = CALIBRATION_BINS) -> pd.DataFrame:
    """Per equal-width probability bin: people, mean probability, observed rate (for the chart)."""
    y, p = _arrays(outcome, probability)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(index, weights=p, minlength=bins) / counts
        rate = np.bincount(index, weights=y, minlength=bins) / counts
    return pd.DataFrame({"bin_low": edges[:-1], "bin_high": edges[1:], "people": counts,
                         "mean_probability": mean_p, "observed_rate": rate})


def expected_calibration_error(outcome: object, probability: object,
                               bins: int = CALIBRATION_BINS) -> float:
    """Weighted mean |mean probability - observed rate| over equal-width bins (see module doc)."""
    table = reliability_table(outcome, probability, bins)
    filled = table[table["people"] > 0]
    if filled.empty:
        return float("nan")
    gaps = (filled["mean_probability"] - filled["observed_rate"]).abs()
    return float((gaps * filled["people"]).sum() / filled["people"].sum())


def lift_at(outcome: object, score: object, fraction: float = 0.1) -> float:
    """Outcome rate among the ``fraction`` highest scores over the overall rate (1 = no better
    than random). Ties at the cut are broken by position, after a stable sort."""
    y, s = _arrays(outcome, score)
    if y.size == 0 or y.mean() == 0:
        return float("nan")
    top = max(1, int(round(fraction * y.size)))
    order = np.argsort(-s, kind="stable")
    return float(y[order[:top]].mean() / y.mean())


def summarize(outcome: object, probability: object, *, lift_outcome: object | None = None,
              lift_score: object | None = None) -> dict[str, float]:
    """AUC, Brier, ECE and top-decile lift in one dict (lift on its own outcome/score if given,
    e.g. non-renewal ranked by risk)."""
    y, p = _arrays(outcome, probability)
    return {
        "auc": roc_auc(y, p),
        "brier": brier_score(y, p),
        "ece": expected_calibration_error(y, p),
        "lift_top_decile": lift_at(y if lift_outcome is None else lift_outcome,
                                   p if lift_score is None else lift_score),
        "people": int(y.size),
        "observed_rate": float(y.mean()) if y.size else float("nan"),
        "mean_probability": float(p.mean()) if p.size else float("nan"),
    }
