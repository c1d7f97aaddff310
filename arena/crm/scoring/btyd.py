"""Buy-till-you-die models behind our own interface: BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma.

The likelihoods and conditional expectations come from ``lifetimes`` 0.11.3 (MIT), which we call
through this adapter only: it works on days (the summary of ``arena.crm.scoring.orders``) and
converts them to the model's time unit, maximizes lifetimes' likelihoods with a deterministic
quasi-Newton optimizer (``_maximum_likelihood``) on the distinct (x, t_x, T) patterns with
weights (Fader & Hardie's compression: one-time buyers share few patterns, so large bases fit
fast), keeps lifetimes' global side effects (warning filters) contained, and adds what
lifetimes lacks: the probability of at least one purchase in a horizon for BG/NBD and MBG/NBD,
and log-likelihoods in the published convention.

References:
- Schmittlein, Morrison & Colombo (1987), Counting your customers (Pareto/NBD).
- Fader, Hardie & Lee (2005), "Counting your customers" the easy way: an alternative to the
  Pareto/NBD model, Marketing Science 24(2) (BG/NBD; CDNOW: r = 0.243, alpha = 4.414,
  a = 0.793, b = 2.426, LL = -9582.4; Pareto/NBD r = 0.553, alpha = 10.578, s = 0.606,
  beta = 11.669).
- Batislam, Denizel & Filiztekin (2007), Empirical validation and comparison of models for
  customer base analysis (MBG/NBD: a customer may also leave right after the first purchase).
- Fader & Hardie (2013), The Gamma-Gamma model of monetary value (CDNOW: p = 6.25, q = 3.74,
  gamma = 15.44).
- Fader & Hardie (2006), Deriving an expression for P(X(t) = x) under the Pareto/NBD model;
  note 028, the conditional version used for P(no purchase in the horizon).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import betaln, gammaln

from arena.crm.scoring.errors import NotFittedError, ScoringError, ScoringInputError

with warnings.catch_warnings():
    # lifetimes sets a pandas option at import that pandas 3 deprecates (harmless for us).
    warnings.simplefilter("ignore")
    from autograd import value_and_grad
    from lifetimes import (
        BetaGeoFitter,
        GammaGammaFitter,
        ModifiedBetaGeoFitter,
        ParetoNBDFitter,
    )
    from lifetimes.utils import ConvergenceError

TRANSACTION_MODELS: dict[str, Any] = {
    "bg_nbd": BetaGeoFitter,
    "pareto_nbd": ParetoNBDFitter,
    "mbg_nbd": ModifiedBetaGeoFitter,
}
PARAMETER_NAMES: dict[str, tuple[str, ...]] = {
    "bg_nbd": ("r", "alpha", "a", "b"),
    "pareto_nbd": ("r", "alpha", "s", "beta"),
    "mbg_nbd": ("r", "alpha", "a", "b"),
}
MODEL_TITLES = {"bg_nbd": "BG/NBD", "pareto_nbd": "Pareto/NBD", "mbg_nbd": "MBG/NBD",
                "gamma_gamma": "Gamma-Gamma"}
SUMMARY_COLUMNS = ("frequency", "recency", "T")


class ModelDidNotConverge(ScoringError):
    """The likelihood maximization failed (often: too few repeat buyers to estimate)."""


@contextlib.contextmanager
def _quiet_lifetimes() -> Any:
    """lifetimes prints the optimizer's output when it fails and changes global warning filters
    inside its likelihoods; keep both inside the call."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            yield


def _patterns(summary: pd.DataFrame, unit_days: float) -> tuple[np.ndarray, ...]:
    """Distinct (x, t_x, T) patterns in model units, their counts and each row's pattern."""
    for column in SUMMARY_COLUMNS:
        if column not in summary.columns:
            raise ScoringInputError(
                f"The purchase summary lacks the column {column!r} (build it with "
                "summarize_orders).")
    x = summary["frequency"].to_numpy(dtype=float)
    recency = summary["recency"].to_numpy(dtype=float)
    age = summary["T"].to_numpy(dtype=float)
    if np.any(recency > age + 1e-9) or np.any(x < 0) or np.any(recency < 0):
        raise ScoringInputError("Every customer needs 0 <= recency <= T and frequency >= 0.")
    keys = np.ascontiguousarray(np.stack([x, recency, age], axis=1))
    # One 24-byte key per row: a 1-D unique is far faster than np.unique(axis=0).
    rows = keys.view(np.dtype((np.void, keys.dtype.itemsize * 3))).ravel()
    _, first, inverse, counts = np.unique(rows, return_index=True, return_inverse=True,
                                          return_counts=True)
    unique = keys[first]
    return (unique[:, 0], unique[:, 1] / unit_days, unique[:, 2] / unit_days, counts,
            inverse.ravel())


def _maximum_likelihood(kind: str, x: np.ndarray, recency: np.ndarray, age: np.ndarray,
                        counts: np.ndarray, penalizer: float,
                        start: np.ndarray | None = None) -> pd.Series:
    """Maximum likelihood of lifetimes' own likelihood function, by our optimizer.

    lifetimes runs Pareto/NBD's Nelder-Mead from a random start (the global numpy RNG) with a
    loose tolerance — its estimates move in the third decimal from run to run and a large base
    takes minutes — and ends BG/NBD and MBG/NBD fits with an autograd Hessian we do not use.
    L-BFGS-B on the log-parameters from a fixed start (or a given one, e.g. a fit on less data)
    reaches the same optimum (CDNOW: the published parameters to 3 decimals), deterministically.
    ``penalizer`` is lifetimes' L2 penalty, on the parameters in the model's time unit.
    """
    fitter_class = TRANSACTION_MODELS[kind]
    total, mean = counts.sum(), counts.mean()

    def objective(log_params: np.ndarray) -> float:
        if kind == "pareto_nbd":  # natural parameters; sum of weighted LL over mean weight
            value = float(fitter_class._negative_log_likelihood(
                np.exp(log_params), x, recency, age, counts, penalizer))
            value = value * mean / total
        else:  # log-parameters; weighted mean LL
            value = float(fitter_class._negative_log_likelihood(
                log_params, x, recency, age, counts, penalizer))
        return value if np.isfinite(value) else 1e100

    if start is None:
        scale = float(np.mean(age[age > 0])) if np.any(age > 0) else 1.0
        start = np.array([0.5, scale, 0.5, scale] if kind == "pareto_nbd"
                         else [0.5, scale, 1.0, 1.0])
    if kind == "pareto_nbd":  # hyp2f1 has no autograd rule: numerical gradient
        result = optimize.minimize(objective, np.log(start), method="L-BFGS-B",
                                   options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000})
    else:  # lifetimes writes these likelihoods with autograd.numpy: exact gradient
        gradient = value_and_grad(lambda lp: fitter_class._negative_log_likelihood(
            lp, x, recency, age, counts, penalizer))
        result = optimize.minimize(gradient, np.log(start), jac=True, method="L-BFGS-B",
                                   options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000})
    if not np.all(np.isfinite(result.x)) or result.fun >= 1e100:
        raise ValueError(f"{MODEL_TITLES[kind]} optimization failed")
    return pd.Series(np.exp(result.x), index=list(PARAMETER_NAMES[kind]))


class TransactionModel:
    """How often a customer buys while alive, and how likely they are still alive.

    ``kind`` is ``"pareto_nbd"``, ``"bg_nbd"`` or ``"mbg_nbd"``; ``time_unit_days`` is the unit
    the parameters are expressed in (7: weeks, as in the papers); ``penalizer`` is lifetimes' L2
    penalty on the parameters (0: maximum likelihood).

    Fitted attributes: ``params_`` (dict), ``log_likelihood_`` (sum over customers, published
    convention), ``customers_``, ``repeat_buyers_``.
    """

    def __init__(self, kind: str = "pareto_nbd", *, time_unit_days: float = 7.0,
                 penalizer: float = 0.0) -> None:
        if kind not in TRANSACTION_MODELS:
            raise ScoringInputError(
                f"Unknown purchase model {kind!r}; choose one of {', '.join(TRANSACTION_MODELS)}.")
        if time_unit_days <= 0:
            raise ScoringInputError("time_unit_days must be positive.")
        self.kind = kind
        self.time_unit_days = float(time_unit_days)
        self.penalizer = float(penalizer)

    def __repr__(self) -> str:
        fitted = getattr(self, "params_", None)
        shown = (", " + ", ".join(f"{k}={v:.4g}" for k, v in fitted.items())) if fitted else ""
        return (f"TransactionModel(kind={self.kind!r}, time_unit_days={self.time_unit_days:g}, "
                f"penalizer={self.penalizer:g}{shown})")

    @property
    def title(self) -> str:
        return MODEL_TITLES[self.kind]

    def fit(self, summary: pd.DataFrame, *,
            start: dict[str, float] | None = None) -> TransactionModel:
        """Maximum-likelihood fit on a purchase summary (``summarize_orders``; days).

        ``start``: parameters to start from (e.g. the same model fitted on less data)."""
        x, recency, age, counts, _ = _patterns(summary, self.time_unit_days)
        if len(summary) == 0:
            raise ScoringInputError("No customer to fit the purchase model on.")
        if not np.any(x > 0):
            raise ModelDidNotConverge(
                "No customer bought twice: a repeat-purchase model cannot be estimated.")
        fitter = TRANSACTION_MODELS[self.kind](penalizer_coef=self.penalizer)
        try:
            with _quiet_lifetimes():
                fitter.params_ = _maximum_likelihood(
                    self.kind, x, recency, age, counts, self.penalizer,
                    None if start is None else np.array(
                        [start[k] for k in PARAMETER_NAMES[self.kind]]))
        except (ConvergenceError, np.linalg.LinAlgError, ValueError) as error:
            raise ModelDidNotConverge(
                f"The {self.title} model did not converge on {len(summary)} customers; "
                "add a penalizer or more history.") from error
        self.params_ = {name: float(fitter.params_[name]) for name in PARAMETER_NAMES[self.kind]}
        self._fitter = fitter
        self.customers_ = int(len(summary))
        self.repeat_buyers_ = int((summary["frequency"] > 0).sum())
        self.log_likelihood_ = float(np.sum(counts * self._log_likelihood(x, recency, age)))
        return self

    # -- internals --------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"This {self.title} model is not fitted yet: call fit first.")

    def _log_likelihood(self, x: np.ndarray, recency: np.ndarray, age: np.ndarray) -> np.ndarray:
        """Per-pattern log-likelihood in the model's unit, constants included (the papers'
        convention, e.g. -9582.4 for BG/NBD on CDNOW)."""
        if self.kind == "pareto_nbd":
            values = np.array([self.params_[k] for k in PARAMETER_NAMES[self.kind]])
            with _quiet_lifetimes():
                return np.asarray(ParetoNBDFitter._conditional_log_likelihood(
                    values, x, recency, age))
        r, alpha, a, b = (self.params_[k] for k in PARAMETER_NAMES[self.kind])
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        if self.kind == "bg_nbd":
            stay = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + age)
            leave = np.where(x > 0, betaln(a + 1, b + np.maximum(x, 1) - 1) - betaln(a, b)
                             - (r + x) * np.log(alpha + recency), -np.inf)
        else:  # MBG/NBD: a customer may leave after any purchase, the first one included
            stay = betaln(a, b + x + 1) - betaln(a, b) - (r + x) * np.log(alpha + age)
            leave = betaln(a + 1, b + x) - betaln(a, b) - (r + x) * np.log(alpha + recency)
        return np.asarray(common + np.logaddexp(stay, leave))

    def _unit_patterns(self, summary: pd.DataFrame) -> tuple[np.ndarray, ...]:
        self._check_fitted()
        return _patterns(summary, self.time_unit_days)

    # -- per-customer outputs -----------------------------------------------------------------
    def probability_alive(self, summary: pd.DataFrame) -> np.ndarray:
        """P(still a customer at the end of observation | history).

        BG/NBD's is exactly 1 for anyone who never bought again (dropout happens only after a
        repeat purchase); ``PurchaseScorer`` never shows it, it uses Pareto/NBD or MBG/NBD.
        """
        x, recency, age, _, inverse = self._unit_patterns(summary)
        with _quiet_lifetimes():
            alive = np.asarray(self._fitter.conditional_probability_alive(x, recency, age),
                               dtype=float)
        return np.clip(alive, 0.0, 1.0)[inverse]

    def expected_purchases(self, summary: pd.DataFrame, horizon_days: float) -> np.ndarray:
        """Expected number of orders in the next ``horizon_days`` days."""
        return self.expected_purchases_curve(summary, [horizon_days])[:, 0]

    def expected_purchases_curve(self, summary: pd.DataFrame,
                                 horizons_days: list[float] | np.ndarray) -> np.ndarray:
        """Expected orders within each horizon (customers x horizons), patterns read once."""
        x, recency, age, _, inverse = self._unit_patterns(summary)
        columns = []
        with _quiet_lifetimes():
            for horizon in horizons_days:
                columns.append(np.asarray(
                    self._fitter.conditional_expected_number_of_purchases_up_to_time(
                        horizon / self.time_unit_days, x, recency, age), dtype=float))
        return np.maximum(np.column_stack(columns), 0.0)[inverse]

    def probability_of_purchase(self, summary: pd.DataFrame, horizon_days: float) -> np.ndarray:
        """P(at least one order in the next ``horizon_days`` days | history)."""
        x, recency, age, _, inverse = self._unit_patterns(summary)
        t = horizon_days / self.time_unit_days
        with _quiet_lifetimes():
            if self.kind == "pareto_nbd":
                none = np.asarray(self._fitter.conditional_probability_of_n_purchases_up_to_time(
                    0, t, x, recency, age), dtype=float)
            else:
                # Alive at T, a customer can only leave right after a purchase, so "no purchase
                # in the horizon" is e^{-lambda t} with lambda ~ Gamma(r + x, alpha + T).
                r, alpha = self.params_["r"], self.params_["alpha"]
                alive = np.asarray(self._fitter.conditional_probability_alive(x, recency, age),
                                   dtype=float)
                none = (1 - alive) + alive * ((alpha + age) / (alpha + age + t)) ** (r + x)
        return np.clip(1.0 - none, 0.0, 1.0)[inverse]

    def expected_purchases_new_customer(self, horizon_days: float) -> float:
        """Expected orders of a customer during their first ``horizon_days`` days (a check)."""
        self._check_fitted()
        with _quiet_lifetimes():
            return float(self._fitter.expected_number_of_purchases_up_to_time(
                horizon_days / self.time_unit_days))

    # -- persistence ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        self._check_fitted()
        return {"kind": self.kind, "time_unit_days": self.time_unit_days,
                "penalizer": self.penalizer, "params": dict(self.params_),
                "log_likelihood": self.log_likelihood_, "customers": self.customers_,
                "repeat_buyers": self.repeat_buyers_}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TransactionModel:
        model = cls(data["kind"], time_unit_days=data["time_unit_days"],
                    penalizer=data.get("penalizer", 0.0))
        model.params_ = {k: float(v) for k, v in data["params"].items()}
        fitter = TRANSACTION_MODELS[model.kind](penalizer_coef=model.penalizer)
        fitter.params_ = pd.Series(model.params_)[list(PARAMETER_NAMES[model.kind])]
        model._fitter = fitter
        model.log_likelihood_ = float(data.get("log_likelihood", float("nan")))
        model.customers_ = int(data.get("customers", 0))
        model.repeat_buyers_ = int(data.get("repeat_buyers", 0))
        return model


class SpendModel:
    """Gamma-Gamma model of the average order value (Fader & Hardie 2013).

    Fitted on repeat buyers' mean repeat-order amount (the first order is left out, as in the
    paper); a customer's expected order value shrinks their own mean towards the base's.
    Fitted attributes: ``params_`` (p, q, gamma), ``log_likelihood_``, ``customers_``.
    """

    def __init__(self, *, penalizer: float = 0.0) -> None:
        self.penalizer = float(penalizer)

    def __repr__(self) -> str:
        fitted = getattr(self, "params_", None)
        shown = (", " + ", ".join(f"{k}={v:.4g}" for k, v in fitted.items())) if fitted else ""
        return f"SpendModel(penalizer={self.penalizer:g}{shown})"

    def fit(self, summary: pd.DataFrame) -> SpendModel:
        for column in ("frequency", "monetary_value"):
            if column not in summary.columns:
                raise ScoringInputError(f"The purchase summary lacks the column {column!r}.")
        repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        if len(repeat) < 3:
            raise ModelDidNotConverge(
                "Fewer than 3 customers bought twice with a positive amount: order values "
                "cannot be modelled.")
        fitter = GammaGammaFitter(penalizer_coef=self.penalizer)
        try:
            with _quiet_lifetimes():
                fitter.fit(repeat["frequency"].to_numpy(dtype=float),
                           repeat["monetary_value"].to_numpy(dtype=float), q_constraint=True)
        except (ConvergenceError, np.linalg.LinAlgError, ValueError) as error:
            raise ModelDidNotConverge(
                f"The Gamma-Gamma spend model did not converge on {len(repeat)} repeat "
                "buyers.") from error
        p, q, v = (float(fitter.params_[k]) for k in ("p", "q", "v"))
        if q <= 1:
            raise ModelDidNotConverge(
                "Order values are too dispersed for the Gamma-Gamma model (q <= 1: the mean "
                "order value is not finite).")
        self.params_ = {"p": p, "q": q, "gamma": v}
        self._fitter = fitter
        self.customers_ = int(len(repeat))
        with _quiet_lifetimes():
            self.log_likelihood_ = -float(GammaGammaFitter._negative_log_likelihood(
                np.log([p, q, v]), repeat["frequency"].to_numpy(dtype=float),
                repeat["monetary_value"].to_numpy(dtype=float), np.ones(len(repeat)), 0.0)) * len(
                    repeat)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError("This spend model is not fitted yet: call fit first.")

    @property
    def population_mean(self) -> float:
        """Expected order value of a customer we know nothing about: p * gamma / (q - 1)."""
        self._check_fitted()
        return self.params_["p"] * self.params_["gamma"] / (self.params_["q"] - 1)

    def expected_order_value(self, summary: pd.DataFrame) -> np.ndarray:
        """Expected value of this customer's next orders (their mean shrunk to the base's)."""
        self._check_fitted()
        p, q = self.params_["p"], self.params_["q"]
        x = summary["frequency"].to_numpy(dtype=float)
        mean = np.nan_to_num(summary["monetary_value"].to_numpy(dtype=float), nan=0.0)
        weight = p * x / (p * x + q - 1)
        return (1 - weight) * self.population_mean + weight * mean

    def to_dict(self) -> dict[str, Any]:
        self._check_fitted()
        return {"kind": "gamma_gamma", "penalizer": self.penalizer, "params": dict(self.params_),
                "log_likelihood": self.log_likelihood_, "customers": self.customers_}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpendModel:
        model = cls(penalizer=data.get("penalizer", 0.0))
        model.params_ = {k: float(v) for k, v in data["params"].items()}
        model.log_likelihood_ = float(data.get("log_likelihood", float("nan")))
        model.customers_ = int(data.get("customers", 0))
        return model


def lifetime_value(transactions: TransactionModel, spend: SpendModel, summary: pd.DataFrame, *,
                   years: float = 3.0, annual_discount_rate: float = 0.10) -> np.ndarray:
    """Discounted expected spend over the next ``years``: month by month, the expected orders
    of the month times the expected order value, discounted at ``annual_discount_rate``."""
    months = max(1, int(round(years * 12)))
    monthly_rate = (1 + annual_discount_rate) ** (1 / 12) - 1
    value = spend.expected_order_value(summary)
    cumulative = transactions.expected_purchases_curve(
        summary, np.arange(1, months + 1) * 365.25 / 12)
    per_month = np.diff(cumulative, axis=1, prepend=0.0)
    discount = (1 + monthly_rate) ** -np.arange(1, months + 1)
    return (per_month @ discount) * value
