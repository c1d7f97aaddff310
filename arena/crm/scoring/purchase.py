"""Purchase scoring: for every buyer, P(still active), expected orders, P(ordering) and value.

``PurchaseScorer`` validates every candidate on the organization's own latest period — BG/NBD,
Pareto/NBD, MBG/NBD and the RFM logistic regression, each trained only on what came before — and
uses the one that ranks buyers best there for the probability of buying; the card says which
and how well each did. Expected orders, P(alive), spend and lifetime value always come from a
buy-till-you-die model (the logistic regression has no notion of them); P(alive) never from
BG/NBD, whose P(alive) is 1 by construction for anyone who bought only once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from arena.crm.scoring.btyd import (
    MODEL_TITLES,
    ModelDidNotConverge,
    SpendModel,
    TransactionModel,
    lifetime_value,
)
from arena.crm.scoring.card import SCORING_VERSION, CardWarning, ModelCard
from arena.crm.scoring.errors import NotFittedError, ScoringInputError, TooLittleHistory
from arena.crm.scoring.metrics import summarize
from arena.crm.scoring.orders import (
    DAY,
    as_timestamp,
    orders_before,
    prepare_orders,
    purchases_between,
    summarize_orders,
)
from arena.crm.scoring.purchase_logit import MIN_WINDOW_DAYS, PurchaseLogit

CANDIDATES = ("pareto_nbd", "mbg_nbd", "bg_nbd", "logistic")
ALIVE_MODELS = ("pareto_nbd", "mbg_nbd")  # P(alive) is meaningful for one-time buyers
THIN_CUSTOMERS = 500
THIN_REPEAT_BUYERS = 100
SCORE_COLUMNS = ("p_alive", "expected_purchases", "probability_buy", "expected_order_value",
                 "expected_spend", "lifetime_value")
TITLES = {**MODEL_TITLES, "logistic": "RFM logistic regression"}


@dataclass(frozen=True)
class CandidateValidation:
    """Each candidate's figures on one validation window and its probabilities there."""

    metrics: pd.DataFrame  # one row per candidate: auc, brier, ece, lift_top_decile, ... note
    probabilities: pd.DataFrame  # per customer: one column per candidate + ``ordered``
    params: dict[str, dict[str, float]]  # each BTYD candidate's fitted parameters


def validate_purchase_candidates(orders: pd.DataFrame, cutoff: pd.Timestamp, window_days: int,
                                 *, candidates: tuple[str, ...] = CANDIDATES,
                                 time_unit_days: float = 7.0,
                                 penalizer: float = 0.0) -> CandidateValidation:
    """Train every candidate on orders before ``cutoff``; judge P(order in the next
    ``window_days``) against what the customers known at ``cutoff`` did in that window.

    ``orders`` come from ``prepare_orders``. Orders on or after ``cutoff`` are read for the
    outcome only.
    """
    seen = orders_before(orders, cutoff)
    summary = summarize_orders(seen, cutoff)
    ordered = purchases_between(orders, cutoff, cutoff + window_days * DAY, summary.index) > 0
    probabilities = pd.DataFrame({"ordered": ordered}, index=summary.index)
    rows: list[dict[str, Any]] = []
    params: dict[str, dict[str, float]] = {}
    for name in candidates:
        try:
            if name == "logistic":
                model = PurchaseLogit(window_days).fit(seen, cutoff)
                probability = model.predict_proba(seen, cutoff).reindex(summary.index).to_numpy()
            else:
                fitted = TransactionModel(name, time_unit_days=time_unit_days,
                                          penalizer=penalizer).fit(summary)
                probability = fitted.probability_of_purchase(summary, window_days)
                params[name] = fitted.params_
        except (ModelDidNotConverge, TooLittleHistory) as error:
            rows.append({"candidate": name, "note": str(error)})
            continue
        probabilities[name] = probability
        rows.append({"candidate": name, **summarize(ordered, probability), "note": None})
    return CandidateValidation(pd.DataFrame(rows), probabilities, params)


def _best(metrics: pd.DataFrame, among: tuple[str, ...]) -> str | None:
    usable = metrics[metrics["candidate"].isin(among)]
    if "auc" not in usable.columns:
        return None
    usable = usable[usable["auc"].notna()]
    if usable.empty:
        return None
    # Highest AUC; on a tie the earlier candidate (the order of CANDIDATES) wins.
    return str(usable.sort_values("auc", ascending=False, kind="stable")["candidate"].iloc[0])


class PurchaseScorer:
    """Who will order again, how much, and what a customer is worth, from their orders alone.

    Hyperparameters: ``horizon_days`` (H), ``candidates`` (subset of ``CANDIDATES``),
    ``time_unit_days`` of the BTYD parameters, ``penalizer``, ``lifetime_years`` and
    ``annual_discount_rate`` of the lifetime value, ``n_threads`` for the numeric libraries
    (1: fastest on a shared machine).

    ``fit(orders, as_of)`` reads only orders placed before ``as_of``. Fitted attributes:
    ``as_of_``, ``chosen_`` (the model behind ``probability_buy``), ``transactions_`` (the BTYD
    model behind expected orders and value), ``alive_model_``, ``spend_`` (Gamma-Gamma, or None
    without amounts), ``logit_`` (when chosen), ``validation_`` and ``card_``.
    """

    def __init__(self, horizon_days: int = 365, *, candidates: tuple[str, ...] = CANDIDATES,
                 time_unit_days: float = 7.0, penalizer: float = 0.0,
                 lifetime_years: float = 3.0, annual_discount_rate: float = 0.10,
                 n_threads: int = 1) -> None:
        if horizon_days < 1:
            raise ScoringInputError("The horizon must be at least one day.")
        unknown = [c for c in candidates if c not in CANDIDATES]
        if unknown or not any(c in ALIVE_MODELS for c in candidates):
            raise ScoringInputError(
                f"Candidates must come from {', '.join(CANDIDATES)} and include pareto_nbd or "
                "mbg_nbd (for P(alive)).")
        self.horizon_days = int(horizon_days)
        self.candidates = tuple(candidates)
        self.time_unit_days = float(time_unit_days)
        self.penalizer = float(penalizer)
        self.lifetime_years = float(lifetime_years)
        self.annual_discount_rate = float(annual_discount_rate)
        self.n_threads = int(n_threads)

    def __repr__(self) -> str:
        chosen = getattr(self, "chosen_", None)
        return (f"PurchaseScorer(horizon_days={self.horizon_days}, "
                f"candidates={self.candidates!r}, time_unit_days={self.time_unit_days:g}"
                + (f", chosen_={chosen!r}" if chosen else "") + ")")

    def config(self) -> dict[str, Any]:
        return {"horizon_days": self.horizon_days, "candidates": list(self.candidates),
                "time_unit_days": self.time_unit_days, "penalizer": self.penalizer,
                "lifetime_years": self.lifetime_years,
                "annual_discount_rate": self.annual_discount_rate, "n_threads": self.n_threads}

    def fit(self, orders: pd.DataFrame,
            as_of: date | datetime | str | pd.Timestamp) -> PurchaseScorer:
        with threadpool_limits(limits=self.n_threads):
            return self._fit(orders, as_of)

    def _fit(self, orders: pd.DataFrame,
             as_of: date | datetime | str | pd.Timestamp) -> PurchaseScorer:
        end = as_timestamp(as_of)
        seen = orders_before(prepare_orders(orders), end)
        if seen.empty:
            raise TooLittleHistory(f"No order was placed before {end.date()}.")
        span = int((end - seen["ordered_at"].min().normalize()).days)
        window = min(self.horizon_days, span // 3)
        if window < MIN_WINDOW_DAYS:
            raise TooLittleHistory(
                f"Only {span} days of orders before {end.date()}: at least "
                f"{3 * MIN_WINDOW_DAYS} are needed to train and validate a purchase score.")
        cutoff = end - window * DAY
        validation = validate_purchase_candidates(
            seen, cutoff, window, candidates=self.candidates,
            time_unit_days=self.time_unit_days, penalizer=self.penalizer)
        chosen = _best(validation.metrics, self.candidates)
        btyd = _best(validation.metrics, tuple(c for c in self.candidates if c != "logistic"))
        if chosen is None or btyd is None:
            raise TooLittleHistory(
                "No purchase model could be trained on this history (too few repeat buyers).")
        alive = btyd if btyd in ALIVE_MODELS else _best(
            validation.metrics, tuple(c for c in self.candidates if c in ALIVE_MODELS))

        summary = summarize_orders(seen, end)
        # Warm starts from the validation fits (same model, a little less data).
        self.transactions_ = self._transaction_model(btyd).fit(
            summary, start=validation.params.get(btyd))
        self.alive_model_ = (self.transactions_ if alive in (None, btyd)
                             else self._transaction_model(alive).fit(
                                 summary, start=validation.params.get(alive)))
        self.spend_ = None
        if "amount" in seen.columns and (summary["frequency"] > 0).sum() >= 3:
            try:
                self.spend_ = SpendModel(penalizer=self.penalizer).fit(summary)
            except ModelDidNotConverge:
                self.spend_ = None
        self.logit_ = PurchaseLogit(self.horizon_days).fit(seen, end) if chosen == "logistic" \
            else None
        self.as_of_ = end
        self.chosen_ = chosen
        self.validation_ = validation
        self._orders = seen
        self._summary = summary
        self.card_ = self._card(summary, seen, validation, chosen, window, cutoff)
        return self

    def _transaction_model(self, kind: str) -> TransactionModel:
        return TransactionModel(kind, time_unit_days=self.time_unit_days, penalizer=self.penalizer)

    def _card(self, summary: pd.DataFrame, seen: pd.DataFrame, validation: CandidateValidation,
              chosen: str, window: int, cutoff: pd.Timestamp) -> ModelCard:
        metrics = validation.metrics.set_index("candidate")
        warnings = []
        repeat = int((summary["frequency"] > 0).sum())
        if len(summary) < THIN_CUSTOMERS or repeat < THIN_REPEAT_BUYERS:
            warnings.append(CardWarning("thin_data", {"customers": len(summary),
                                                      "repeat_buyers": repeat}))
        if window < self.horizon_days:
            warnings.append(CardWarning("short_validation_window", {
                "window_days": window, "horizon_days": self.horizon_days}))
        if self.logit_ is not None and self.logit_.window_days_ < self.horizon_days:
            warnings.append(CardWarning("horizon_extrapolated", {
                "window_days": self.logit_.window_days_, "horizon_days": self.horizon_days}))
        if self.spend_ is None:
            warnings.append(CardWarning("no_spend_model", {}))
        chosen_row = metrics.loc[chosen]
        return ModelCard(
            model="purchase", chosen=chosen,
            training={"as_of": self.as_of_.date().isoformat(),
                      "first_order": seen["ordered_at"].min().date().isoformat(),
                      "orders": int(len(seen)), "customers": int(len(summary)),
                      "repeat_buyers": repeat, "validation_from": cutoff.date().isoformat(),
                      "validation_window_days": window,
                      "transactions_model": self.transactions_.kind,
                      "alive_model": self.alive_model_.kind,
                      "transactions_params": self.transactions_.params_,
                      "spend_params": self.spend_.params_ if self.spend_ else None},
            validation={k: chosen_row.get(k) for k in (
                "auc", "brier", "ece", "lift_top_decile", "people", "observed_rate",
                "mean_probability")},
            candidates=[{k: v for k, v in row.items() if not (isinstance(v, float) and np.isnan(v))}
                        for row in validation.metrics.to_dict("records")],
            calibration="none",
            config=self.config(), warnings=warnings)

    def _check_fitted(self) -> None:
        if not hasattr(self, "card_"):
            raise NotFittedError("This PurchaseScorer is not fitted yet: call fit first.")

    def predict(self, orders: pd.DataFrame | None = None) -> pd.DataFrame:
        """Scores of every customer with an order before ``as_of_`` (index: customer_id).

        Columns: ``p_alive``, ``expected_purchases`` and ``probability_buy`` over the horizon,
        ``expected_order_value``, ``expected_spend`` (over the horizon), ``lifetime_value``
        (discounted, over ``lifetime_years``), ``orders``, ``last_order``. Without ``orders``
        the customers seen at fit are scored.
        """
        self._check_fitted()
        with threadpool_limits(limits=self.n_threads):
            return self._predict(orders)

    def _predict(self, orders: pd.DataFrame | None) -> pd.DataFrame:
        if orders is None:
            seen, summary = self._orders, self._summary
        else:
            seen = orders_before(prepare_orders(orders), self.as_of_)
            summary = summarize_orders(seen, self.as_of_)
        horizon = self.horizon_days
        expected = self.transactions_.expected_purchases(summary, horizon)
        if self.logit_ is not None:
            probability = self.logit_.predict_proba(seen, self.as_of_).reindex(
                summary.index).to_numpy()
        else:
            probability = self.transactions_.probability_of_purchase(summary, horizon)
        scores = pd.DataFrame({
            "p_alive": self.alive_model_.probability_alive(summary),
            "expected_purchases": expected,
            "probability_buy": probability,
        }, index=summary.index)
        if self.spend_ is not None:
            value = self.spend_.expected_order_value(summary)
            scores["expected_order_value"] = value
            scores["expected_spend"] = expected * value
            scores["lifetime_value"] = lifetime_value(
                self.transactions_, self.spend_, summary, years=self.lifetime_years,
                annual_discount_rate=self.annual_discount_rate)
        else:
            for column in ("expected_order_value", "expected_spend", "lifetime_value"):
                scores[column] = np.nan
        scores["orders"] = summary["orders"]
        scores["last_order"] = summary["last_order"]
        return scores

    def to_dict(self) -> dict[str, Any]:
        """Config, version and fitted parameters as JSON (no pickle): what storage keeps."""
        self._check_fitted()
        return {"kind": "purchase", "version": self.card_.version, "config": self.config(),
                "as_of": self.as_of_.date().isoformat(), "chosen": self.chosen_,
                "transactions": self.transactions_.to_dict(),
                "alive": self.alive_model_.to_dict(),
                "spend": self.spend_.to_dict() if self.spend_ else None,
                "logit": self.logit_.to_dict() if self.logit_ else None,
                "card": self.card_.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any], orders: pd.DataFrame) -> PurchaseScorer:
        """A fitted scorer back from ``to_dict`` and the orders it scores (read before as_of)."""
        if data.get("kind") != "purchase" or data.get("version") != SCORING_VERSION:
            raise ScoringInputError(
                "This purchase model was saved by another version; refit it from the orders.")
        config = dict(data["config"])
        config["candidates"] = tuple(config["candidates"])
        scorer = cls(**config)
        scorer.as_of_ = pd.Timestamp(data["as_of"])
        scorer.chosen_ = data["chosen"]
        scorer.transactions_ = TransactionModel.from_dict(data["transactions"])
        scorer.alive_model_ = TransactionModel.from_dict(data["alive"])
        scorer.spend_ = SpendModel.from_dict(data["spend"]) if data.get("spend") else None
        scorer.logit_ = PurchaseLogit.from_dict(data["logit"]) if data.get("logit") else None
        scorer.card_ = ModelCard.from_dict(data["card"])
        scorer._orders = orders_before(prepare_orders(orders), scorer.as_of_)
        scorer._summary = summarize_orders(scorer._orders, scorer.as_of_)
        return scorer
