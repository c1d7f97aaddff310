"""Per-organization choice of the forecast, by rolling-origin backtest on the venue's own history.

A structural demand model is only worth its complexity where it forecasts better than the naive
methods (Weatherford & Kimes 2003); which one wins depends on the venue. So the candidates — the
structural model, the history mean, additive and multiplicative pickup — are replayed on the
venue's past: events sorted by date, each later block forecast by candidates fitted on the events
before it only (rolling origin, Tashman 2000), before the sale and at several days before the
event. At each horizon the candidate with the lowest weighted absolute error (WAPE) is used; the
naive methods are candidates, so the chosen one is never worse than the best of them on that
backtest. The same backtest's errors give the 80 % intervals (split conformal prediction, Vovk et
al. 2005; Lei et al. 2018): the 10th and 90th percentiles of the chosen method's relative errors,
applied to what is still to be sold.

A fit that did not converge, or a price response that says demand grows with price, is excluded
and reported; prices are then held (``arena.pricing.engine``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arena.pricing.baselines import CutoffSales, history_mean_forecast, pickup_forecast
from arena.pricing.engine import forecast_events
from arena.pricing.forecast import wape
from arena.pricing.history import SalesHistory
from arena.pricing.model import DemandModel, NotFittedError

STRUCTURAL = "demand model"
HISTORY_MEAN = "history mean"
ADDITIVE_PICKUP = "additive pickup"
MULTIPLICATIVE_PICKUP = "multiplicative pickup"
NAIVE_METHODS: tuple[str, ...] = (HISTORY_MEAN, ADDITIVE_PICKUP, MULTIPLICATIVE_PICKUP)
PRE_SALE = "pre-sale"
DEFAULT_HORIZONS: tuple[int | None, ...] = (None, 60, 30, 21, 14, 7, 3, 1)
BACKTEST_DRAWS = 200
INTERVAL = 0.8


def horizon_label(horizon: int | None) -> str:
    return PRE_SALE if horizon is None else f"{horizon} days before"


@dataclass(frozen=True)
class ForecastTarget:
    """What is known about events to forecast at one moment: their rows, offer and sales so far.

    ``state`` has one row per event x category: ``event_id, category, capacity, price, sold``;
    ``to_date`` holds the daily sales known so far (None before any sale); ``cutoff`` is the last
    day not yet known (None = before the sale), ``start_days_before`` the first selling day.
    """

    events: pd.DataFrame
    state: pd.DataFrame
    to_date: SalesHistory | None
    cutoff: int | None
    start_days_before: int


class _Candidate:
    """A forecasting method fitted on one history; ``predict`` gives final sales per state row."""

    name = ""

    def __init__(self, history: SalesHistory, table: CutoffSales | None = None) -> None:
        self.history = history
        self.table = table or CutoffSales(history.sales)

    def predict(self, target: ForecastTarget) -> np.ndarray:
        raise NotImplementedError


class _HistoryMean(_Candidate):
    name = HISTORY_MEAN

    def predict(self, target: ForecastTarget) -> np.ndarray:
        return history_mean_forecast(self.table, target.state)


class _Pickup(_Candidate):
    def __init__(self, history: SalesHistory, table: CutoffSales, column: str, name: str
                 ) -> None:
        super().__init__(history, table)
        self.column, self.name = column, name

    def predict(self, target: ForecastTarget) -> np.ndarray:
        assert target.cutoff is not None
        frame = pickup_forecast(self.table, target.state, target.cutoff)
        return frame[self.column].to_numpy(dtype=float)


class _Structural(_Candidate):
    name = STRUCTURAL

    def __init__(self, history: SalesHistory, model: DemandModel, n_draws: int = BACKTEST_DRAWS
                 ) -> None:
        super().__init__(history, CutoffSales(history.sales.iloc[0:0]))
        self.model, self.n_draws = model, n_draws

    def predict(self, target: ForecastTarget) -> np.ndarray:
        offer = target.state[["event_id", "category", "capacity", "price"]]
        forecast = forecast_events(self.model, target.events, offer, target.to_date,
                                   n_draws=self.n_draws, start_days_before=target.start_days_before)
        merged = target.state[["event_id", "category"]].merge(
            forecast, on=["event_id", "category"], how="left")
        return merged["p50"].to_numpy(dtype=float)


def _candidates(history: SalesHistory, table: CutoffSales, model: DemandModel | None,
                cutoff: int | None) -> list[_Candidate]:
    found: list[_Candidate] = [_HistoryMean(history, table)]
    if cutoff is not None:
        found += [_Pickup(history, table, "additive_pickup", ADDITIVE_PICKUP),
                  _Pickup(history, table, "multiplicative_pickup", MULTIPLICATIVE_PICKUP)]
    if model is not None:
        found.append(_Structural(history, model))
    return found


def typical_start(history: SalesHistory) -> int:
    """The usual first selling day of past events (days before), for events not on sale yet."""
    first = history.sales.groupby("event_id")["days_before"].max()
    return int(first.median()) if len(first) else 0


def target_at_cutoff(history: SalesHistory, event_ids: Sequence[str], cutoff: int | None,
                     table: CutoffSales | None = None) -> tuple[ForecastTarget, np.ndarray]:
    """Past events seen as they were ``cutoff`` days before (None: before the sale), with the
    price in force then; returns the target and the final sales actually reached."""
    subset = history.subset(event_ids)
    sales = subset.sales
    known = sales.iloc[0:0] if cutoff is None else sales[sales["days_before"] > cutoff]
    # The price in force when the forecast is made: the last known day's, else the opening one.
    opening = sales.sort_values("days_before", ascending=False).groupby(
        ["event_id", "category"], as_index=False, sort=False).first()
    latest = known.sort_values("days_before").groupby(
        ["event_id", "category"], as_index=False, sort=False).first()
    prices = pd.concat([latest, opening]).drop_duplicates(["event_id", "category"])
    known_sales = (table or CutoffSales(history.sales)).at(cutoff)
    state = known_sales[known_sales["event_id"].isin(set(event_ids))].merge(
        prices[["event_id", "category", "price"]], on=["event_id", "category"], how="left")
    to_date = SalesHistory(known.reset_index(drop=True), subset.events, subset.categories) \
        if not known.empty else None
    start = cutoff if cutoff is not None else typical_start(history)
    target = ForecastTarget(subset.events, state.drop(columns="final"), to_date, cutoff, start)
    return target, state["final"].to_numpy(dtype=float)


def rolling_origin_folds(history: SalesHistory, folds: int, min_train_events: int,
                         holdout_share: float = 0.5) -> list[tuple[list[str], list[str]]]:
    """(train, test) event ids: the latest ``holdout_share`` of events in ``folds`` consecutive
    blocks, each forecast from the events dated strictly before the block only."""
    ids = list(history.event_ids)
    if "event_date" in history.events.columns:
        dates = history.events.set_index("event_id")["event_date"]
    else:  # no dates: the file's order stands for time
        dates = pd.Series(np.arange(len(history.events)), index=history.events["event_id"])
    ids.sort(key=lambda e: (dates.get(e), e))
    n = len(ids)
    first_test = max(min_train_events, int(math.floor(n * (1.0 - holdout_share))))
    if first_test >= n or folds < 1:
        return []
    blocks = [b for b in np.array_split(np.arange(first_test, n), min(folds, n - first_test))
              if b.size]
    result = []
    for block in blocks:
        test = [ids[i] for i in block]
        start = dates.get(test[0])
        train = [e for e in ids[: block[0]] if dates.get(e) < start]
        if len(train) >= min_train_events:
            result.append((train, test))
    return result


def _price_response_problem(model: DemandModel) -> str | None:
    if not model.converged_:
        return f"the demand model's fit did not converge ({model.fit_message_})"
    rising = [c for c, beta in zip(model.categories_, model.price_sensitivity_, strict=True)
              if beta <= 0]
    if rising:
        return (f"the fitted demand rises with price for {', '.join(rising)}, "
                "which past sales cannot support")
    return None


class DemandForecaster:
    """The venue's forecast: ``fit(history)`` runs the backtest and chooses, ``forecast`` applies.

    Fitted attributes: ``model_`` (the structural model on all history, None when it failed),
    ``model_problem_`` (why its prices must not be used, None when they may), ``backtest_`` (one
    row per fold x horizon x method x event x category), ``scores_`` (WAPE per horizon x method),
    ``choice_`` (method per horizon), ``residual_quantiles_`` (per horizon, the chosen method's
    10th and 90th percentile log errors on what was still to sell).
    """

    def __init__(
        self,
        horizons: Sequence[int | None] = DEFAULT_HORIZONS,
        folds: int = 3,
        min_train_events: int = 3,
        model_factory: Callable[[], DemandModel] = DemandModel,
    ) -> None:
        self.horizons = tuple(horizons)
        self.folds = folds
        self.min_train_events = min_train_events
        self.model_factory = model_factory

    def __repr__(self) -> str:
        state = "fitted" if hasattr(self, "choice_") else "not fitted"
        return f"DemandForecaster(folds={self.folds}, horizons={len(self.horizons)}) [{state}]"

    # ---------------------------------------------------------------- fitting
    def fit(self, history: SalesHistory) -> DemandForecaster:
        self.history_ = history
        self.categories_ = history.categories
        self.table_ = CutoffSales(history.sales)
        span = history.horizon_days
        self.horizons_ = tuple(h for h in self.horizons if h is None or h < span)
        self.backtest_, last_fold_model = self._backtest(history)
        model = self.model_factory().fit(history, warm_start=last_fold_model)
        self.model_problem_ = _price_response_problem(model)
        self.structural_fit_ = model  # kept for diagnostics even when it failed
        self.model_ = model if model.converged_ else None
        if self.model_ is None:  # a model that failed on all history is no candidate
            self.backtest_ = self.backtest_[self.backtest_["method"] != STRUCTURAL]
        self.scores_ = self._scores()
        self.choice_ = self._choose()
        self.residual_quantiles_ = self._residual_quantiles()
        return self

    def _backtest(self, history: SalesHistory) -> tuple[pd.DataFrame, DemandModel | None]:
        """Every candidate on every fold and horizon; also the last fold's structural model
        (it starts the fit on all history: folds run oldest first, so nothing flows backwards)."""
        frames = []
        model: DemandModel | None = None
        for fold, (train_ids, test_ids) in enumerate(
                rolling_origin_folds(history, self.folds, self.min_train_events)):
            train = history.subset(train_ids)
            model = self.model_factory().fit(train, warm_start=model)
            table = CutoffSales(train.sales)
            for horizon in self.horizons_:
                target, actual = target_at_cutoff(history, test_ids, horizon, self.table_)
                for candidate in _candidates(train, table, model, horizon):
                    predicted = candidate.predict(target)
                    frames.append(target.state[["event_id", "category", "sold", "capacity"]]
                                  .assign(fold=fold, horizon=horizon_label(horizon),
                                          method=candidate.name, actual=actual,
                                          predicted=predicted))
        if not frames:
            empty = pd.DataFrame(columns=["event_id", "category", "sold", "capacity", "fold",
                                          "horizon", "method", "actual", "predicted"])
            return empty, model
        return pd.concat(frames, ignore_index=True), model

    def _scores(self) -> pd.DataFrame:
        if self.backtest_.empty:
            return pd.DataFrame(columns=["horizon", "method", "wape", "naive", "rows"])
        rows = []
        for (horizon, method), group in self.backtest_.groupby(["horizon", "method"], sort=False):
            rows.append({"horizon": horizon, "method": method,
                         "wape": wape(group["actual"], group["predicted"]),
                         "naive": method in NAIVE_METHODS, "rows": len(group)})
        return pd.DataFrame(rows)

    def _choose(self) -> dict[str, str]:
        choice = {}
        for horizon in self.horizons_:
            label = horizon_label(horizon)
            scores = self.scores_[self.scores_["horizon"] == label]
            if scores.empty:
                # Nothing to compare with: the structural model if it fitted, else naive.
                fallback = ADDITIVE_PICKUP if horizon is not None else HISTORY_MEAN
                choice[label] = STRUCTURAL if self.model_ is not None else fallback
                continue
            best = scores.sort_values(["wape", "naive"], ascending=[True, False]).iloc[0]
            choice[label] = str(best["method"])
        return choice

    def _residual_quantiles(self) -> dict[str, tuple[float, float]]:
        quantiles = {}
        tail = (1.0 - INTERVAL) / 2
        for label, method in self.choice_.items():
            rows = self.backtest_[(self.backtest_["horizon"] == label)
                                  & (self.backtest_["method"] == method)]
            errors = _log_errors(rows)
            if len(errors) < 5:
                continue
            # Split-conformal finite-sample correction: the ceil((n+1)(1-a))-th smallest error.
            n = len(errors)
            level = min(1.0, math.ceil((n + 1) * (1 - tail)) / n)
            quantiles[label] = (float(np.quantile(errors, 1 - level)),
                                float(np.quantile(errors, level)))
        return quantiles

    # ------------------------------------------------------------- forecasting
    def _check_fitted(self) -> None:
        if not hasattr(self, "choice_"):
            raise NotFittedError("DemandForecaster is not fitted yet: call fit(history) first")

    def horizon_for(self, cutoff: int | None) -> str:
        """The backtested horizon whose choice and errors apply ``cutoff`` days before: the
        nearest one at or before the moment (more of the sale still to come), else pre-sale."""
        if cutoff is None:
            return PRE_SALE
        later = [h for h in self.horizons_ if h is not None and h >= cutoff]
        return horizon_label(min(later)) if later else PRE_SALE

    def method_for(self, cutoff: int | None) -> str:
        self._check_fitted()
        return self.choice_[self.horizon_for(cutoff)]

    def forecast(self, events: pd.DataFrame, offer: pd.DataFrame,
                 sales_to_date: SalesHistory | None = None, n_draws: int = 2000,
                 seed: int = 0) -> pd.DataFrame:
        """``event_id, category, p10, p50, p90, unconstrained, sellout_probability`` per event x
        category, plus ``method`` (which forecast was used) and ``horizon``."""
        self._check_fitted()
        frames = []
        for _, event in events.iterrows():
            target = self._target(event, offer, sales_to_date)
            frames.append(self._forecast_target(target, n_draws, seed))
        return pd.concat(frames, ignore_index=True)

    def _target(self, event: pd.Series, offer: pd.DataFrame,
                sales_to_date: SalesHistory | None) -> ForecastTarget:
        event_id = str(event["event_id"])
        rows = offer[offer["event_id"].astype(str) == event_id]
        state = pd.DataFrame({"event_id": event_id, "category": list(self.categories_)}).merge(
            rows.assign(category=rows["category"].astype(str))[["category", "capacity", "price"]],
            on="category", how="left")
        cutoff, to_date = None, None
        if sales_to_date is not None and event_id in set(sales_to_date.sales["event_id"]):
            to_date = sales_to_date.subset([event_id])
            mine = to_date.sales
            cutoff = max(int(mine["days_before"].min()) - 1, 0)
            latest = mine.sort_values("days_before").groupby("category").first()
            sold = mine.groupby("category")["quantity"].sum()
            state["sold"] = state["category"].map(sold).fillna(0.0).to_numpy()
            state["price"] = state["category"].map(latest["price"]).fillna(state["price"])
            state["capacity"] = state["category"].map(latest["capacity"]).fillna(
                state["capacity"])
        else:
            state["sold"] = 0.0
        start = cutoff if cutoff is not None else typical_start(self.history_)
        return ForecastTarget(event.to_frame().T, state, to_date, cutoff, start)

    def _forecast_target(self, target: ForecastTarget, n_draws: int, seed: int
                         ) -> pd.DataFrame:
        label = self.horizon_for(target.cutoff)
        method = self.choice_[label]
        state = target.state
        sold = state["sold"].to_numpy(dtype=float)
        capacity = state["capacity"].to_numpy(dtype=float)
        own = None
        if self.model_ is not None:
            forecast = forecast_events(
                self.model_, target.events, state[["event_id", "category", "capacity", "price"]],
                target.to_date, n_draws=n_draws, seed=seed,
                start_days_before=target.start_days_before)
            own = state[["event_id", "category"]].merge(forecast, on=["event_id", "category"])
        if method == STRUCTURAL and own is not None:
            point = own["p50"].to_numpy(dtype=float)
        else:
            naive = {c.name: c for c in
                     _candidates(self.history_, self.table_, None, target.cutoff)}
            point = naive[method].predict(target)
        point = np.clip(point, sold, capacity)
        low, high, sellout = self._interval(label, point, sold, capacity)
        unconstrained = point.copy()
        if own is not None:
            unconstrained = np.maximum(own["unconstrained"].to_numpy(dtype=float), point)
            if label not in self.residual_quantiles_ and method == STRUCTURAL:
                # No backtest to calibrate with: the model's own Monte Carlo band.
                low = np.minimum(own["p10"].to_numpy(dtype=float), point)
                high = np.maximum(own["p90"].to_numpy(dtype=float), point)
                sellout = own["sellout_probability"].to_numpy(dtype=float)
        return pd.DataFrame({
            "event_id": state["event_id"].to_numpy(), "category": state["category"].to_numpy(),
            "p10": low, "p50": point, "p90": high, "unconstrained": unconstrained,
            "sellout_probability": sellout, "method": method, "horizon": label,
        })

    def _interval(self, label: str, point: np.ndarray, sold: np.ndarray, capacity: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Conformal 80 % band on what remains to sell, and the share of past errors that would
        have filled the category (the sell-out probability)."""
        remaining = np.maximum(point - sold, 0.0)
        if label not in self.residual_quantiles_:
            return point.copy(), point.copy(), (point >= capacity - 0.5).astype(float)
        low_q, high_q = self.residual_quantiles_[label]
        low = np.clip(sold + (remaining + 1.0) * np.exp(low_q) - 1.0, sold, point)
        high = np.clip(sold + (remaining + 1.0) * np.exp(high_q) - 1.0, point, capacity)
        errors = _log_errors(self.backtest_[(self.backtest_["horizon"] == label)
                                            & (self.backtest_["method"] == self.choice_[label])])
        finals = sold[:, None] + (remaining[:, None] + 1.0) * np.exp(errors[None, :]) - 1.0
        sellout = (finals >= capacity[:, None] - 0.5).mean(axis=1)
        return low, high, sellout

    # ----------------------------------------------------------- explaining
    def comparison(self) -> pd.DataFrame:
        """Per backtested horizon: the chosen method, its WAPE, the best naive method's WAPE and
        the structural model's (what the Demand page and the CLI report)."""
        self._check_fitted()
        rows = []
        for horizon in self.horizons_:
            label = horizon_label(horizon)
            scores = self.scores_[self.scores_["horizon"] == label].set_index("method")["wape"]
            naive = scores[[m for m in scores.index if m in NAIVE_METHODS]]
            rows.append({
                "horizon": label,
                "chosen": self.choice_[label],
                "chosen_wape": float(scores.get(self.choice_[label], np.nan)),
                "best_naive": str(naive.idxmin()) if not naive.empty else "",
                "best_naive_wape": float(naive.min()) if not naive.empty else np.nan,
                "model_wape": float(scores.get(STRUCTURAL, np.nan)),
            })
        return pd.DataFrame(rows)

    def warnings(self) -> list[str]:
        """Plain sentences for the screen and the CLI: every reason the demand model's figures
        are not used as they are."""
        self._check_fitted()
        found = []
        if self.model_problem_ is not None:
            found.append(f"Prices are kept at their current level: {self.model_problem_}.")
        if self.backtest_.empty:
            found.append("Too few past events to check the demand model against naive "
                         "forecasts: its figures are unverified.")
        elif self.model_ is not None:
            beaten = [row for row in self.comparison().itertuples() if row.chosen != STRUCTURAL]
            if beaten:
                moments = ", ".join(row.horizon for row in beaten)
                found.append(
                    "The demand model forecasts worse than a naive method on this venue's past "
                    f"events at: {moments}. The better method's forecast is used there, and "
                    "prices are kept at their current level at those moments.")
        return found

    def selection_sentences(self) -> list[str]:
        """Which forecast is used at each moment of the sale and why, in words and numbers:
        "30 to 7 days before: the additive pickup beats the demand model (4.1 % vs 6.3 %
        error on past events): it is used." Consecutive moments with the same winner are
        grouped."""
        self._check_fitted()
        table = self.comparison()
        if table.empty or self.backtest_.empty:
            return ["Too few past events to compare forecasting methods: the demand model is "
                    "used unverified."]
        sentences = []
        groups = (table["chosen"] != table["chosen"].shift()).cumsum()
        for _, rows in table.groupby(groups, sort=False):
            first, last = rows.iloc[0], rows.iloc[-1]
            when = _capitalized(first["horizon"]) if len(rows) == 1 else (
                f"{_capitalized(first['horizon']).replace(' days before', '')} to "
                f"{last['horizon']}")
            chosen = str(first["chosen"])
            chosen_error = _error_range(rows["chosen_wape"])
            if chosen == STRUCTURAL:
                sentences.append(
                    f"{when}: the demand model is used ({chosen_error} error on past events, "
                    f"vs {_error_range(rows['best_naive_wape'])} for the best naive method, "
                    f"{first['best_naive']}).")
            elif rows["model_wape"].notna().all():
                sentences.append(
                    f"{when}: the {chosen} beats the demand model ({chosen_error} vs "
                    f"{_error_range(rows['model_wape'])} error on past events): it is used.")
            else:
                sentences.append(f"{when}: the {chosen} is used ({chosen_error} error on past "
                                 "events).")
        return sentences

    def prices_trusted_at(self, cutoff: int | None) -> str | None:
        """None when the structural model may set prices ``cutoff`` days before, else why not."""
        self._check_fitted()
        if self.model_problem_ is not None:
            return self.model_problem_
        label = self.horizon_for(cutoff)
        if self.choice_[label] != STRUCTURAL:
            return (f"the demand model forecasts worse than the {self.choice_[label]} on past "
                    f"events at this point of the sale ({label})")
        return None


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _error_range(values: pd.Series) -> str:
    low, high = float(values.min()), float(values.max())
    return f"{low:.1%}" if round(low, 3) == round(high, 3) else f"{low:.1%} to {high:.1%}"


def _log_errors(rows: pd.DataFrame) -> np.ndarray:
    """log((actual still to sell + 1) / (forecast still to sell + 1)) of backtest rows."""
    if rows.empty:
        return np.zeros(0)
    sold = rows["sold"].to_numpy(dtype=float)
    actual = np.maximum(rows["actual"].to_numpy(dtype=float) - sold, 0.0)
    predicted = np.maximum(rows["predicted"].to_numpy(dtype=float) - sold, 0.0)
    return np.log((actual + 1.0) / (predicted + 1.0))
