"""The RFM logistic regression: P(a customer orders within the horizon) from recency, frequency,
monetary value and tenure.

The plain benchmark every buy-till-you-die model must beat (and often does not on seasonal
data, where buyers come back for next season rather than at a steady rate). Training is honest
about time: the model learns on the most recent window whose outcome is known — features at
``as_of - window``, label "ordered in [as_of - window, as_of)" — and is then applied at
``as_of``. When the history is shorter than two horizons the window is shortened (to half of
the history) and the probability stretched to the horizon assuming the customer's weekly chance
of ordering stays as it was: P_H = 1 - (1 - P_window)^(H / window). The card says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from arena.crm.scoring.errors import NotFittedError, TooLittleHistory
from arena.crm.scoring.orders import DAY, orders_before, purchases_between, summarize_orders

FEATURES = ("log_orders", "log_days_since_last", "log_days_since_first", "log_recent_orders",
            "log_mean_order_value", "one_time_buyer", "log_yearly_rate")
MIN_WINDOW_DAYS = 7


def rfm_features(orders: pd.DataFrame, as_of: pd.Timestamp, recent_days: int) -> pd.DataFrame:
    """RFM features of every customer with an order before ``as_of`` (index: customer_id)."""
    summary = summarize_orders(orders, as_of)
    recent = purchases_between(orders, as_of - recent_days * DAY, as_of, summary.index)
    days_since_last = summary["T"] - summary["recency"]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_value = (summary["total_spend"] / summary["orders"]).fillna(0.0)
    return pd.DataFrame({
        "log_orders": np.log(summary["orders"]),
        "log_days_since_last": np.log1p(days_since_last),
        "log_days_since_first": np.log1p(summary["T"]),
        "log_recent_orders": np.log1p(recent),
        "log_mean_order_value": np.log1p(mean_value.clip(lower=0)),
        "one_time_buyer": (summary["orders"] == 1).astype(float),
        "log_yearly_rate": np.log1p(summary["frequency"] / (summary["T"] + 1) * 365.25),
    }, index=summary.index)


def training_window_days(orders: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int) -> int:
    """The label window: the horizon, or half the history when the history is shorter."""
    seen = orders_before(orders, as_of)
    if seen.empty:
        raise TooLittleHistory(f"No order was placed before {as_of.date()}.")
    span = int((as_of - seen["ordered_at"].min().normalize()).days)
    window = min(int(horizon_days), span // 2)
    if window < MIN_WINDOW_DAYS:
        raise TooLittleHistory(
            f"Only {span} days of orders before {as_of.date()}: at least "
            f"{2 * MIN_WINDOW_DAYS} are needed to learn who orders again.")
    return window


class PurchaseLogit:
    """Logistic regression on RFM features for "orders within ``horizon_days``".

    Hyperparameters: ``horizon_days``, ``C`` (inverse L2 strength on standardized features).
    Fitted attributes: ``as_of_``, ``window_days_`` (label window actually used),
    ``coefficients_`` (per standardized feature), ``customers_``, ``positive_rate_``.
    """

    def __init__(self, horizon_days: int = 365, *, C: float = 1.0) -> None:
        self.horizon_days = int(horizon_days)
        self.C = float(C)

    def __repr__(self) -> str:
        window = getattr(self, "window_days_", None)
        trained = f", window_days_={window}" if window is not None else ""
        return f"PurchaseLogit(horizon_days={self.horizon_days}, C={self.C:g}{trained})"

    def fit(self, orders: pd.DataFrame, as_of: pd.Timestamp) -> PurchaseLogit:
        """Learn on the last window before ``as_of`` whose outcome is known."""
        window = training_window_days(orders, as_of, self.horizon_days)
        cutoff = as_of - window * DAY
        features = rfm_features(orders, cutoff, window)
        label = purchases_between(orders, cutoff, as_of, features.index) > 0
        if label.all() or not label.any():
            raise TooLittleHistory(
                "Everyone (or no one) ordered again in the training window: nothing to learn.")
        values = features[list(FEATURES)].to_numpy(dtype=float)
        self.mean_ = values.mean(axis=0)
        self.scale_ = values.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        model = LogisticRegression(C=self.C, max_iter=1000)
        model.fit((values - self.mean_) / self.scale_, label)
        self.intercept_ = float(model.intercept_[0])
        self.coef_ = model.coef_[0].astype(float)
        self.as_of_ = as_of
        self.window_days_ = window
        self.coefficients_ = dict(zip(FEATURES, self.coef_.tolist(), strict=True))
        self.customers_ = int(len(features))
        self.positive_rate_ = float(label.mean())
        return self

    def predict_proba(self, orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
        """P(at least one order in [as_of, as_of + horizon)) for every customer seen before."""
        self._check_fitted()
        features = rfm_features(orders, as_of, self.window_days_)
        values = features[list(FEATURES)].to_numpy(dtype=float)
        window_probability = expit(self.intercept_ + ((values - self.mean_) / self.scale_)
                                   @ self.coef_)
        stretch = self.horizon_days / self.window_days_
        probability = 1.0 - (1.0 - window_probability) ** stretch
        return pd.Series(probability, index=features.index, name="probability_buy")

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("This PurchaseLogit is not fitted yet: call fit first.")

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to score again (JSON): config, standardization, coefficients."""
        self._check_fitted()
        return {"kind": "logistic", "horizon_days": self.horizon_days, "C": self.C,
                "as_of": self.as_of_.date().isoformat(), "window_days": self.window_days_,
                "features": list(FEATURES), "mean": self.mean_.tolist(),
                "scale": self.scale_.tolist(), "intercept": self.intercept_,
                "coefficients": self.coefficients_, "customers": self.customers_,
                "positive_rate": self.positive_rate_}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PurchaseLogit:
        model = cls(data["horizon_days"], C=data["C"])
        model.as_of_ = pd.Timestamp(data["as_of"])
        model.window_days_ = int(data["window_days"])
        model.mean_ = np.array(data["mean"], dtype=float)
        model.scale_ = np.array(data["scale"], dtype=float)
        model.intercept_ = float(data["intercept"])
        model.coefficients_ = {k: float(v) for k, v in data["coefficients"].items()}
        model.coef_ = np.array([model.coefficients_[k] for k in FEATURES], dtype=float)
        model.customers_ = int(data["customers"])
        model.positive_rate_ = float(data["positive_rate"])
        return model
