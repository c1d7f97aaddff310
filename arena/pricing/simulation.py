"""Synthetic sales histories drawn from a known demand model, to prove the engine recovers it.

Everything here is invented (GDPR: no real buyer). The true model has the same shape the engine
fits (booking curve x attractiveness x MNL choice, see ``arena.pricing.choice``) plus what makes
real data hard: event demand shocks the features do not explain (log-normal, not the gamma the
engine assumes), endogenous prices (organizers price strong events up), within-event price moves,
and sell-outs that censor demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from arena.pricing.choice import EventDemand, choice_probabilities
from arena.pricing.history import SalesHistory

DEFAULT_CATEGORIES: tuple[str, ...] = ("Premium", "Cat1", "Cat2", "Cat3", "Popular")


@dataclass(frozen=True)
class TrueMarket:
    """The true demand parameters of a simulated venue (categories best to worst)."""

    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    reference_price: tuple[float, ...] = (90.0, 60.0, 40.0, 25.0, 15.0)
    inside_share: tuple[float, ...] = (0.03, 0.08, 0.12, 0.14, 0.15)
    price_sensitivity: tuple[float, ...] = (1.9, 2.0, 2.1, 2.2, 2.3)
    capacity: tuple[float, ...] = (300.0, 800.0, 1500.0, 2000.0, 2500.0)
    horizon_days: int = 60
    mean_buyers: float = 10_000.0
    tier_effect: dict[str, float] = field(
        default_factory=lambda: {"A": 0.45, "B": 0.0, "C": -0.35}
    )
    weekday_effect: dict[str, float] = field(
        default_factory=lambda: {"Wed": -0.3, "Fri": 0.0, "Sat": 0.2, "Sun": 0.05}
    )
    temperature_per_degree: float = 0.02
    shock_sd: float = 0.15

    @property
    def utility(self) -> np.ndarray:
        share = np.asarray(self.inside_share)
        return np.log(share / (1.0 - share.sum()))

    def booking_weights(self) -> np.ndarray:
        """Share of the buyers arriving on each day, indexed by days before (0..horizon)."""
        days = np.arange(self.horizon_days + 1, dtype=float)
        weights = np.exp(-days / 12.0) + 0.25
        return weights / weights.sum()

    def log_attractiveness(self, events: pd.DataFrame) -> np.ndarray:
        tier = events["opponent_tier"].map(self.tier_effect).fillna(0.0).to_numpy(dtype=float)
        weekday = events["weekday"].map(self.weekday_effect).fillna(0.0).to_numpy(dtype=float)
        temperature = self.temperature_per_degree * (events["temperature"].to_numpy(float) - 15)
        return tier + weekday + temperature

    def event_demand(self, event: pd.Series, multiplier: float, sold: np.ndarray | None = None,
                     start_days_before: int | None = None) -> EventDemand:
        """The true demand of one event whose shock ``multiplier`` is known (no uncertainty left)."""
        start = self.horizon_days if start_days_before is None else start_days_before
        days = np.arange(start, -1, -1, dtype=float)
        attractiveness = float(np.exp(self.log_attractiveness(event.to_frame().T)[0]))
        market = self.mean_buyers * attractiveness * self.booking_weights()[days.astype(int)]
        certain = 1e9
        return EventDemand(
            event_id=str(event["event_id"]),
            categories=self.categories,
            days_before=days,
            market=market,
            utility=self.utility,
            price_sensitivity=np.asarray(self.price_sensitivity, dtype=float),
            reference_price=np.asarray(self.reference_price, dtype=float),
            capacity=np.asarray(self.capacity, dtype=float),
            sold=np.zeros(len(self.categories)) if sold is None else np.asarray(sold, float),
            multiplier_shape=certain,
            multiplier_rate=certain / multiplier,
        )


@dataclass(frozen=True)
class SimulatedSeason:
    """A simulated history with the truth the engine should recover."""

    market: TrueMarket
    history: SalesHistory
    multipliers: pd.Series  # true demand shock per event
    true_demand: pd.DataFrame  # expected first-choice demand per event x category (all open)
    static_prices: pd.DataFrame  # event_id, category, price (the opening price of each event)


def simulate_events(n_events: int, seed: int, first_date: str = "2023-08-01") -> pd.DataFrame:
    """Invented events with a weekday, an opponent tier, a temperature and a season."""
    rng = np.random.default_rng(seed)
    dates = pd.Timestamp(first_date) + pd.to_timedelta(np.arange(n_events) * 7, unit="D")
    return pd.DataFrame(
        {
            "event_id": [f"E{seed:03d}-{i:03d}" for i in range(n_events)],
            "event_date": dates,
            "weekday": rng.choice(["Wed", "Fri", "Sat", "Sun"], size=n_events),
            "opponent_tier": rng.choice(["A", "B", "C"], size=n_events, p=[0.25, 0.45, 0.3]),
            "temperature": np.round(rng.normal(15.0, 6.0, size=n_events), 1),
            "season": [f"{d.year if d.month >= 7 else d.year - 1}" for d in dates],
        }
    )


def simulate_season(
    market: TrueMarket | None = None,
    n_events: int = 60,
    seed: int = 0,
    price_endogeneity: float = 0.35,
    price_move_probability: float = 0.6,
) -> SimulatedSeason:
    """Simulate selling days of ``n_events`` events under the true market, with censoring.

    Opening prices follow event attractiveness (``price_endogeneity`` is the elasticity of the
    price to it) plus noise; some events get one price move for all categories mid-sale.
    """
    market = market or TrueMarket()
    rng = np.random.default_rng(seed + 10_000)
    events = simulate_events(n_events, seed)
    log_attr = market.log_attractiveness(events)
    shocks = np.exp(rng.normal(-market.shock_sd**2 / 2, market.shock_sd, size=n_events))
    reference = np.asarray(market.reference_price)
    capacity = np.asarray(market.capacity)
    weights = market.booking_weights()
    beta = np.asarray(market.price_sensitivity)
    utility = market.utility
    rows: list[dict[str, object]] = []
    truth: list[dict[str, object]] = []
    statics: list[dict[str, object]] = []
    days = np.arange(market.horizon_days, -1, -1)
    for e, event in events.iterrows():
        level = np.exp(price_endogeneity * (log_attr[e] - log_attr.mean()))
        opening = np.round(reference * level * np.exp(rng.normal(0, 0.06, len(reference))), 0)
        schedule = np.tile(opening, (len(days), 1))
        if rng.random() < price_move_probability:
            move_day = rng.integers(5, 41)
            factor = rng.choice([0.85, 0.9, 1.1, 1.2])
            schedule[days <= move_day] = np.round(opening * factor, 0)
        remaining = capacity.copy()
        first_choice = np.zeros(len(reference))
        buyers = market.mean_buyers * np.exp(log_attr[e]) * shocks[e]
        for t, d in enumerate(days):
            prices = schedule[t]
            open_mask = (remaining > 0).astype(float)
            share = choice_probabilities(prices, utility, beta, reference, open_mask)
            demand = rng.poisson(buyers * weights[d] * share)
            sold = np.minimum(demand, remaining)
            first_choice += buyers * weights[d] * choice_probabilities(
                prices, utility, beta, reference
            )
            for c, category in enumerate(market.categories):
                rows.append(
                    {
                        "event_id": event["event_id"],
                        "event_date": event["event_date"],
                        "category": category,
                        "capacity": capacity[c],
                        "days_before": int(d),
                        "price": prices[c],
                        "quantity": int(sold[c]),
                    }
                )
            remaining = remaining - sold
        for c, category in enumerate(market.categories):
            truth.append(
                {"event_id": event["event_id"], "category": category,
                 "true_demand": first_choice[c]}
            )
            statics.append(
                {"event_id": event["event_id"], "category": category, "price": opening[c]}
            )
    sales = pd.DataFrame(rows)
    sales["sale_date"] = pd.to_datetime(sales["event_date"]) - pd.to_timedelta(
        sales["days_before"], unit="D"
    )
    history = SalesHistory.from_frames(sales, events, categories=market.categories)
    return SimulatedSeason(
        market=market,
        history=history,
        multipliers=pd.Series(shocks, index=events["event_id"].to_numpy()),
        true_demand=pd.DataFrame(truth),
        static_prices=pd.DataFrame(statics),
    )
