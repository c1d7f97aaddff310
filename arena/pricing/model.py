"""The demand model: booking curve x event attractiveness x MNL price response, with unconstraining.

References:
- Talluri, K. & van Ryzin, G. (2004), *The Theory and Practice of Revenue Management*: MNL choice
  with an outside option, price response and substitution between categories (ch. 7).
- Dempster, Laird & Rubin (1977) EM; Weatherford & Pölt (2002) on unconstraining airline demand:
  a sold-out category's sales understate demand. The day a category sells out is a censored Poisson
  observation (demand >= sales), replaced by its conditional expectation in an EM loop; the days
  after it are not observations at all (the category was closed) and their demand is imputed.
- Endogenous prices: organizers price strong events up and weak ones down, so a naive regression of
  sales on price finds demand that rises with price. We control for event attractiveness through
  the event features (selection on observables) and estimate the price response from variation
  left once those are accounted for (within-event price changes and pricing noise). Pricing that
  reacts to *unobserved* demand shocks is not corrected; docs/pricing.md says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from arena.pricing.choice import EventDemand, choice_probabilities
from arena.pricing.history import SalesHistory, feature_columns

# Booking-curve buckets (days before the event): arrivals per day are constant within a bucket.
DEFAULT_BUCKET_EDGES: tuple[int, ...] = (0, 1, 2, 3, 5, 8, 11, 15, 22, 31, 46, 61, 91, 181, 366)


class NotFittedError(RuntimeError):
    """A model was used before ``fit``."""


@dataclass(frozen=True)
class FeatureEncoder:
    """Turns any events table's feature columns into a numeric design, learned once on history.

    Numeric columns are standardized (an effect reads "per +1 standard deviation"); every other
    column is one-hot encoded over all its levels, so an unseen level maps to the average event.
    """

    numeric: tuple[tuple[str, float, float], ...]
    categorical: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def learn(cls, events: pd.DataFrame) -> FeatureEncoder:
        numeric: list[tuple[str, float, float]] = []
        categorical: list[tuple[str, tuple[str, ...]]] = []
        for column in feature_columns(events):
            values = events[column]
            if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
                levels = tuple(sorted(values.dropna().astype(str).unique()))
                if len(levels) > 1:
                    categorical.append((column, levels))
            else:
                std = float(values.std(ddof=0)) if values.notna().any() else 0.0
                if std > 0:
                    numeric.append((column, float(values.mean()), std))
        return cls(tuple(numeric), tuple(categorical))

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.numeric] + [
            f"{name}={level}" for name, levels in self.categorical for level in levels
        ]

    def transform(self, events: pd.DataFrame) -> np.ndarray:
        blocks: list[np.ndarray] = []
        for name, mean, std in self.numeric:
            if name in events.columns:
                values = pd.to_numeric(events[name], errors="coerce").to_numpy(dtype=float)
                blocks.append(np.nan_to_num((values - mean) / std)[:, None])
            else:
                blocks.append(np.zeros((len(events), 1)))
        for name, levels in self.categorical:
            if name in events.columns:
                values = events[name].astype(str).to_numpy()
                blocks.append(np.stack([values == lv for lv in levels], axis=1).astype(float))
            else:
                blocks.append(np.zeros((len(events), len(levels))))
        if not blocks:
            return np.zeros((len(events), 0))
        return np.hstack(blocks)


@dataclass
class _Panel:
    """History as (event x day) rows by category columns: what the likelihood consumes."""

    event_ids: list[str]
    event_index: np.ndarray  # (G,)
    days_before: np.ndarray  # (G,)
    quantity: np.ndarray  # (G, C)
    price: np.ndarray  # (G, C)
    exists: np.ndarray  # (G, C) the category is on sale for that event
    available: np.ndarray  # (G, C) open at the start of the day
    observed: np.ndarray  # (G, C) open and reported
    censored: np.ndarray  # (G, C) the day the category sold out


def _panel(history: SalesHistory, categories: Sequence[str]) -> _Panel:
    sales = history.sales
    index = pd.MultiIndex.from_frame(
        sales[["event_id", "days_before"]].drop_duplicates().sort_values(
            ["event_id", "days_before"], ascending=[True, False]
        )
    )

    # Normalized sales hold one row per event x category x day, so a plain unstack is a pivot.
    keyed = sales.set_index(["event_id", "days_before", "category"])

    def wide(column: str) -> pd.DataFrame:
        table = keyed[column].unstack("category")
        return table.reindex(index=index, columns=list(categories))

    quantity = wide("quantity")
    reported = quantity.notna().to_numpy()
    price = wide("price").groupby(level=0).ffill().groupby(level=0).bfill()
    closed = wide("closed").astype(float).groupby(level=0).ffill().fillna(0.0).to_numpy() > 0.5
    censored = wide("censored").astype(float).fillna(0.0).to_numpy() > 0.5
    exists = price.notna().to_numpy()
    event_ids = list(dict.fromkeys(index.get_level_values(0)))
    position = {e: i for i, e in enumerate(event_ids)}
    available = exists & ~closed
    return _Panel(
        event_ids=event_ids,
        event_index=np.array([position[e] for e in index.get_level_values(0)]),
        days_before=index.get_level_values(1).to_numpy(dtype=float),
        quantity=np.nan_to_num(quantity.to_numpy(dtype=float)),
        price=np.nan_to_num(price.to_numpy(dtype=float), nan=1.0),
        exists=exists,
        available=available,
        observed=available & reported,
        censored=censored & available & reported,
    )


def _panel_with_events(history: SalesHistory, categories: Sequence[str]
                       ) -> tuple[_Panel, pd.DataFrame]:
    """The panel and the events table in the panel's event order (what every method needs)."""
    panel = _panel(history, categories)
    events = history.events.set_index("event_id").loc[panel.event_ids].reset_index()
    return panel, events


def _censored_mean(lower_bound: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """E[Q | Q >= q] for Q ~ Poisson(mean): the EM step for a sell-out day (q >= 1)."""
    q = np.maximum(lower_bound, 1.0)
    tail = stats.poisson.sf(q - 1, mean)
    tail_shifted = stats.poisson.sf(q - 2, mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = mean * tail_shifted / tail
    return np.where(np.isfinite(expected) & (tail > 1e-300), np.maximum(expected, q), q + mean)


class DemandModel:
    """Demand per event x category x day: ``fit(history) -> self``, then forecast or optimize.

    Fitted attributes: ``categories_`` (best to worst), ``reference_price_``, ``utility_``,
    ``price_sensitivity_`` (MNL beta per category), ``coef_`` (log-attractiveness per feature, names
    in ``feature_names_``), ``bucket_log_rate_`` (booking curve), ``dispersion_shape_`` (gamma shape
    of the event multiplier: larger means events are more predictable from their features),
    ``converged_`` and ``fit_message_`` (whether the likelihood maximization finished; callers
    must not price from a fit that did not, see ``arena.pricing.selection``).
    """

    categories_: tuple[str, ...]
    feature_names_: list[str]
    coef_: np.ndarray
    utility_: np.ndarray
    price_sensitivity_: np.ndarray
    bucket_log_rate_: np.ndarray

    def __init__(
        self,
        ridge: float = 1.0,
        em_iterations: int = 4,
        bucket_edges: Sequence[int] = DEFAULT_BUCKET_EDGES,
        max_iterations: int = 400,
    ) -> None:
        self.ridge = ridge
        self.em_iterations = em_iterations
        self.bucket_edges = tuple(bucket_edges)
        self.max_iterations = max_iterations

    def __repr__(self) -> str:
        state = "fitted" if hasattr(self, "coef_") else "not fitted"
        return (
            f"DemandModel(ridge={self.ridge}, em_iterations={self.em_iterations}, "
            f"buckets={len(self.bucket_edges)}) [{state}]"
        )

    # ---------------------------------------------------------------- fitting
    def _bucket(self, days_before: np.ndarray) -> np.ndarray:
        edges = np.asarray(self.bucket_edges, dtype=float)
        return np.clip(np.searchsorted(edges, days_before, side="right") - 1, 0, len(edges) - 1)

    def fit(self, history: SalesHistory, warm_start: DemandModel | None = None) -> DemandModel:
        """Estimate the booking curve, attractiveness and price response from past sales.

        ``warm_start``: a model fitted on overlapping data (the backtest refits on subsets of the
        same history) whose parameters start the search; the optimum does not depend on it."""
        if history.sales.empty:
            raise ValueError("cannot fit a demand model on an empty sales history")
        categories = list(history.categories)
        self.categories_ = tuple(categories)
        reference = history.sales.groupby("category")["price"].median()
        self.reference_price_ = reference.reindex(categories).to_numpy(dtype=float)
        self.encoder_ = FeatureEncoder.learn(history.events)
        self.feature_names_ = self.encoder_.names
        self.horizon_days_ = history.horizon_days
        panel, events = _panel_with_events(history, categories)
        design = self.encoder_.transform(events)
        buckets = self._bucket(panel.days_before)
        n_buckets, n_features, n_cats = len(self.bucket_edges), design.shape[1], len(categories)
        relative_price = panel.price / self.reference_price_ - 1.0
        available = panel.available.astype(float)
        observed = panel.observed.astype(float)

        def unpack(theta: np.ndarray) -> tuple[np.ndarray, ...]:
            h = theta[:n_buckets]
            coef = theta[n_buckets : n_buckets + n_features]
            utility = theta[n_buckets + n_features : n_buckets + n_features + n_cats]
            beta = theta[n_buckets + n_features + n_cats :]
            return h, coef, utility, beta

        def expected(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            h, coef, utility, beta = unpack(theta)
            log_market = h[buckets] + (design @ coef)[panel.event_index]
            share = choice_probabilities(panel.price, utility, beta, self.reference_price_,
                                         available)
            return np.exp(log_market)[:, None] * share, share

        def objective(theta: np.ndarray, quantity: np.ndarray) -> tuple[float, np.ndarray]:
            h, coef, utility, beta = unpack(theta)
            mu, share = expected(theta)
            log_mu = np.log(np.where(observed > 0, mu, 1.0) + 1e-300)
            loglik = float(np.sum(observed * (quantity * log_mu - mu)))
            residual = (quantity - mu) * observed
            row_total = residual.sum(axis=1)
            grad_v = (residual - share * row_total[:, None]) * available
            grad_h = np.bincount(buckets, weights=row_total, minlength=n_buckets)
            per_event = np.bincount(panel.event_index, weights=row_total, minlength=len(design))
            grad_coef = design.T @ per_event
            grad_u = grad_v.sum(axis=0)
            grad_beta = -(grad_v * relative_price).sum(axis=0)
            penalty = 0.5 * self.ridge * (coef @ coef)
            grad = np.concatenate(
                [grad_h, grad_coef - self.ridge * coef, grad_u, grad_beta]
            )
            return -(loglik - penalty), -grad

        daily_total = np.bincount(buckets, weights=panel.quantity.sum(axis=1), minlength=n_buckets)
        day_count = np.maximum(np.bincount(buckets, minlength=n_buckets), 1)
        start = np.concatenate(
            [
                np.log(np.maximum(daily_total / day_count, 0.1)) + 0.7,
                np.zeros(n_features),
                np.zeros(n_cats),
                np.ones(n_cats),
            ]
        )
        if warm_start is not None and hasattr(warm_start, "coef_") \
                and warm_start.categories_ == self.categories_ \
                and warm_start.bucket_edges == self.bucket_edges:
            known = dict(zip(warm_start.feature_names_, warm_start.coef_, strict=True))
            start = np.concatenate([
                warm_start.bucket_log_rate_,
                np.array([known.get(name, 0.0) for name in self.feature_names_]),
                warm_start.utility_, warm_start.price_sensitivity_,
            ])
        quantity = panel.quantity.copy()
        theta = start
        if warm_start is not None and panel.censored.any():
            # Start the EM where the warm model would have put the censored days.
            mu, _ = expected(theta)
            quantity[panel.censored] = _censored_mean(
                panel.quantity[panel.censored], mu[panel.censored])
        for _ in range(max(self.em_iterations, 0) + 1):
            result = optimize.minimize(
                objective,
                theta,
                args=(quantity,),
                jac=True,
                method="L-BFGS-B",
                options={"maxiter": self.max_iterations},
            )
            moved = result.nit > 1
            theta = result.x
            if not panel.censored.any() or not moved:  # no censoring, or the EM has settled
                break
            mu, _ = expected(theta)
            quantity = panel.quantity.copy()
            quantity[panel.censored] = _censored_mean(
                panel.quantity[panel.censored], mu[panel.censored]
            )
        h, coef, utility, beta = unpack(theta)
        self.bucket_log_rate_ = h
        self.coef_ = coef
        self.utility_ = utility
        self.price_sensitivity_ = beta
        self.converged_ = bool(result.success) and bool(np.isfinite(theta).all())
        self.fit_message_ = str(result.message)
        self.n_events_ = len(panel.event_ids)
        mu, _ = expected(theta)
        observed_total = np.bincount(
            panel.event_index, weights=(quantity * observed).sum(axis=1), minlength=len(design)
        )
        expected_total = np.bincount(
            panel.event_index, weights=(mu * observed).sum(axis=1), minlength=len(design)
        )
        ratio = observed_total / np.maximum(expected_total, 1e-9)
        poisson_part = float(np.mean(1.0 / np.maximum(expected_total, 1e-9)))
        extra_variance = max(float(np.var(ratio)) - poisson_part, 1e-4)
        self.dispersion_shape_ = float(np.clip(1.0 / extra_variance, 2.0, 1e4))
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("DemandModel is not fitted yet: call fit(history) first")

    # ------------------------------------------------------------- predicting
    def daily_market(self, events: pd.DataFrame, days_before: np.ndarray) -> np.ndarray:
        """Expected arrivals per event (rows) x day (columns) before prices, multiplier 1."""
        self._check_fitted()
        log_attractiveness = self.encoder_.transform(events) @ self.coef_
        curve = self.bucket_log_rate_[self._bucket(np.asarray(days_before, dtype=float))]
        return np.exp(log_attractiveness[:, None] + curve[None, :])

    def attractiveness(self, events: pd.DataFrame) -> pd.Series:
        """Multiplicative attractiveness of each event from its features (1 = baseline event)."""
        self._check_fitted()
        values = np.exp(self.encoder_.transform(events) @ self.coef_)
        return pd.Series(values, index=events["event_id"].astype(str).to_numpy())

    def predict(self, history: SalesHistory, condition_on_sales: bool = False) -> pd.DataFrame:
        """Expected quantity for every row of a sales table, at the prices in force that day.

        With ``condition_on_sales`` the event multiplier is its posterior given the observed sales
        (what the booking-curve page shows as the in-sample fit); otherwise features only.
        """
        self._check_fitted()
        panel, events = _panel_with_events(history, self.categories_)
        mu = self._panel_expectation(panel, events)
        if condition_on_sales:
            shape, rate = self._posterior(panel, mu)
            mu = mu * (shape / rate)[panel.event_index][:, None]
        frame = pd.DataFrame(
            {
                "event_id": np.repeat([panel.event_ids[i] for i in panel.event_index], mu.shape[1]),
                "days_before": np.repeat(panel.days_before, mu.shape[1]),
                "category": np.tile(list(self.categories_), len(mu)),
                "expected_quantity": mu.ravel(),
            }
        )
        keys = history.sales[["event_id", "category", "days_before"]]
        return keys.merge(frame, on=["event_id", "category", "days_before"], how="left")

    def _panel_expectation(
        self, panel: _Panel, events: pd.DataFrame, all_open: bool = False
    ) -> np.ndarray:
        market = np.exp(
            self.bucket_log_rate_[self._bucket(panel.days_before)]
            + (self.encoder_.transform(events) @ self.coef_)[panel.event_index]
        )
        available = (panel.exists if all_open else panel.available).astype(float)
        share = choice_probabilities(panel.price, self.utility_, self.price_sensitivity_,
                                     self.reference_price_, available)
        return market[:, None] * share

    def _posterior(self, panel: _Panel, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gamma posterior of each event's multiplier given its (unconstrained) observed sales."""
        quantity = panel.quantity.copy()
        if panel.censored.any():
            quantity[panel.censored] = _censored_mean(
                panel.quantity[panel.censored], mu[panel.censored]
            )
        observed = panel.observed.astype(float)
        n_events = len(panel.event_ids)
        sold = np.bincount(panel.event_index, (quantity * observed).sum(axis=1), n_events)
        expected = np.bincount(panel.event_index, (mu * observed).sum(axis=1), n_events)
        return self.dispersion_shape_ + sold, self.dispersion_shape_ + expected

    def multiplier_posterior(self, history: SalesHistory) -> pd.DataFrame:
        """Per event: gamma shape and rate of the demand multiplier after seeing its sales."""
        self._check_fitted()
        panel, events = _panel_with_events(history, self.categories_)
        shape, rate = self._posterior(panel, self._panel_expectation(panel, events))
        return pd.DataFrame({"event_id": panel.event_ids, "shape": shape, "rate": rate})

    def unconstrain(self, history: SalesHistory) -> pd.DataFrame:
        """Observed sales and estimated true demand per event x category.

        For a sold-out category the demand of the sell-out day is its censored-Poisson expectation
        and the demand of the days it was closed is imputed from the model at the prices then in
        force, scaled by the event's multiplier as revealed by its open days.
        """
        self._check_fitted()
        panel, events = _panel_with_events(history, self.categories_)
        mu = self._panel_expectation(panel, events)
        shape, rate = self._posterior(panel, mu)
        multiplier = (shape / rate)[panel.event_index][:, None]
        demand = panel.quantity * panel.observed
        if panel.censored.any():
            demand[panel.censored] = _censored_mean(
                panel.quantity[panel.censored], multiplier[:, 0][np.nonzero(panel.censored)[0]]
                * mu[panel.censored]
            )
        closed = panel.exists & ~panel.available
        all_open = self._panel_expectation(panel, events, all_open=True) * multiplier
        demand = demand + np.where(closed, all_open, 0.0)
        n_events = len(panel.event_ids)
        rows = []
        finals = history.final_sales().set_index(["event_id", "category"])
        for c, category in enumerate(self.categories_):
            totals = np.bincount(panel.event_index, demand[:, c], n_events)
            for e, event_id in enumerate(panel.event_ids):
                if (event_id, category) not in finals.index:
                    continue
                final = finals.loc[(event_id, category)]
                observed_sales = float(final["final_sales"])
                rows.append(
                    {
                        "event_id": event_id,
                        "category": category,
                        "capacity": float(final["capacity"]),
                        "observed": observed_sales,
                        "unconstrained": max(float(totals[e]), observed_sales),
                        "sold_out": bool(final["sold_out"]),
                    }
                )
        return pd.DataFrame(rows)

    def feature_effects(self) -> pd.DataFrame:
        """What drives demand: multiplicative effect of each feature (level or +1 sd) on arrivals."""
        self._check_fitted()
        return pd.DataFrame(
            {
                "feature": self.feature_names_,
                "log_effect": self.coef_,
                "demand_multiplier": np.exp(self.coef_),
            }
        ).sort_values("log_effect", ascending=False, key=np.abs, ignore_index=True)

    def booking_curve(self, max_days_before: int | None = None) -> pd.DataFrame:
        """The fitted share of final arrivals still to come on each day before the event."""
        self._check_fitted()
        horizon = self.horizon_days_ if max_days_before is None else max_days_before
        days = np.arange(horizon, -1, -1, dtype=float)
        rate = np.exp(self.bucket_log_rate_[self._bucket(days)])
        return pd.DataFrame(
            {"days_before": days.astype(int), "cumulative_share": np.cumsum(rate) / rate.sum()}
        )

    def event_demand(
        self,
        event: pd.Series | pd.DataFrame,
        capacity: Sequence[float] | np.ndarray,
        start_days_before: int | None = None,
        sold: Sequence[float] | np.ndarray | None = None,
        multiplier: tuple[float, float] | None = None,
    ) -> EventDemand:
        """Arrays for the forecast, the simulator and the optimizer of one event.

        ``capacity`` and ``sold`` follow ``categories_`` (best to worst); ``multiplier`` is a gamma
        (shape, rate) pair, by default the prior (mean 1, dispersion learnt on history).
        """
        self._check_fitted()
        frame = event.to_frame().T if isinstance(event, pd.Series) else event.iloc[[0]]
        start = self.horizon_days_ if start_days_before is None else int(start_days_before)
        days = np.arange(start, -1, -1, dtype=float)
        market = self.daily_market(frame.reset_index(drop=True), days)[0]
        shape, rate = multiplier or (self.dispersion_shape_, self.dispersion_shape_)
        n_cats = len(self.categories_)
        return EventDemand(
            event_id=str(frame["event_id"].iloc[0]),
            categories=self.categories_,
            days_before=days,
            market=market,
            utility=np.asarray(self.utility_, dtype=float),
            price_sensitivity=np.asarray(self.price_sensitivity_, dtype=float),
            reference_price=np.asarray(self.reference_price_, dtype=float),
            capacity=np.asarray(capacity, dtype=float),
            sold=np.zeros(n_cats) if sold is None else np.asarray(sold, dtype=float),
            multiplier_shape=float(shape),
            multiplier_rate=float(rate),
        )
