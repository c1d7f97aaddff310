"""Demand and price maths of the demo: booking curves, price response, organizer price rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BookingCurve:
    """Share of an event's demand arriving each day: on-sale spike, quiet middle, final rush.

    Mixture of an exponential decay after the on-sale date (time constant `spike_days`), a flat
    middle and an exponential rise before the event (time constant `rush_days`).
    """

    horizon_days: int
    spike_weight: float
    spike_days: float
    rush_weight: float
    rush_days: float

    def shares(self) -> np.ndarray:
        """Shares indexed by days before the event (0 = event day), summing to 1."""
        days_before = np.arange(self.horizon_days + 1, dtype=float)
        days_since_open = self.horizon_days - days_before
        flat_weight = max(0.0, 1.0 - self.spike_weight - self.rush_weight)
        spike = np.exp(-days_since_open / self.spike_days)
        rush = np.exp(-days_before / self.rush_days)
        mixture = (self.spike_weight * spike / spike.sum() + self.rush_weight * rush / rush.sum()
                   + flat_weight / len(days_before))
        return mixture / mixture.sum()


def price_response(price: np.ndarray | float, reference_price: np.ndarray | float,
                   elasticity: np.ndarray | float) -> np.ndarray:
    """Constant-elasticity demand multiplier (price / reference) ** elasticity."""
    return np.power(np.asarray(price, dtype=float) / reference_price, elasticity)


@dataclass(frozen=True)
class PriceRules:
    """What organizers actually do with prices, as a rule book rather than noise.

    Prices rise by `surge_step` each time the sold share crosses a `surge_thresholds` entry,
    drop by `late_discount` in the last `late_window_days` when the sold share is under
    `late_fill_threshold`, and a random `promo_probability` of days carry a `promo_discount`.
    """

    surge_thresholds: tuple[float, ...] = (0.8, 0.92)
    surge_step: float = 0.10
    late_window_days: int = 10
    late_fill_threshold: float = 0.5
    late_discount: float = 0.20
    promo_probability: float = 0.06
    promo_discount: float = 0.25
    rounding: float = 1.0


def rule_price(list_price: np.ndarray, sold_share: np.ndarray, days_before: int,
               promo_today: np.ndarray, rules: PriceRules) -> np.ndarray:
    """Today's price per category from its list price, how full it is and how close the event is."""
    surges = np.zeros_like(list_price)
    for threshold in rules.surge_thresholds:
        surges += sold_share >= threshold
    factor = 1.0 + rules.surge_step * surges
    late = (days_before <= rules.late_window_days) & (sold_share < rules.late_fill_threshold)
    factor = np.where(late, factor * (1.0 - rules.late_discount), factor)
    factor = np.where(promo_today & (surges == 0), factor * (1.0 - rules.promo_discount), factor)
    return np.maximum(rules.rounding, np.round(list_price * factor / rules.rounding) * rules.rounding)


def tier_price(tiers: tuple[tuple[int, float], ...], days_before: int) -> float:
    """Price multiplier of a race registration: the last tier whose `from_days_before` passed.

    `tiers` lists (from_days_before, multiplier) from the earliest (largest) to the latest.
    """
    price = tiers[0][1]
    for from_days_before, tier in tiers:
        if days_before <= from_days_before:
            price = tier
    return price


def simulate_category_sales(rng: np.random.Generator, *, expected_demand: np.ndarray,
                            capacity: np.ndarray, list_price: np.ndarray,
                            reference_price: np.ndarray, elasticity: np.ndarray,
                            curve: np.ndarray, rules: PriceRules | None,
                            tiers: tuple[tuple[int, float], ...] | None = None
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day-by-day sales of one event, every category at once, censored by capacity.

    Returns (tickets, price, demand) arrays of shape (days, categories), with day 0 the on-sale
    day; `demand` is the uncensored expected demand at the day's price (the truth).
    """
    days = len(curve)
    categories = len(capacity)
    tickets = np.zeros((days, categories), dtype=np.int64)
    prices = np.zeros((days, categories))
    demand = np.zeros((days, categories))
    sold = np.zeros(categories, dtype=np.int64)
    for day in range(days):
        days_before = days - 1 - day
        if tiers is not None:
            price = np.round(list_price * tier_price(tiers, days_before))
        else:
            assert rules is not None
            promo = rng.random(categories) < rules.promo_probability
            price = rule_price(list_price, sold / np.maximum(capacity, 1), days_before, promo, rules)
        mean = expected_demand * curve[day] * price_response(price, reference_price, elasticity)
        wanted = rng.poisson(mean)
        got = np.minimum(wanted, capacity - sold)
        tickets[day], prices[day], demand[day] = got, price, mean
        sold += got
    return tickets, prices, demand
