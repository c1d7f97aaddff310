"""The demand of one event as plain arrays: booking curve x multinomial-logit choice of category.

Everything the forecast, the simulator and the optimizer evaluate thousands of times lives here as
NumPy arrays (no pandas) so that a what-if stays far below the 200 ms a slider allows.

Model (Talluri & van Ryzin 2004, ch. 7, MNL with an outside option): on day ``d`` before the event,
``m * market[d]`` buyers arrive (Poisson; ``m`` is the event's gamma-distributed demand multiplier,
the part of its attractiveness the features do not explain), and each picks an open category ``c``
with probability ``exp(v_c) / (1 + sum_open exp(v_k))`` where
``v_c = utility_c - price_sensitivity_c * (price_c / reference_price_c - 1)``. Closing a sold-out
category, or pricing it up, sends part of its buyers to the other categories (substitution) and
the rest to the outside option (not buying).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


def choice_probabilities(
    prices: np.ndarray,
    utility: np.ndarray,
    price_sensitivity: np.ndarray,
    reference_price: np.ndarray,
    available: np.ndarray | None = None,
) -> np.ndarray:
    """Probability that an arriving buyer takes each category (last axis) at the given prices."""
    attraction = np.exp(utility - price_sensitivity * (prices / reference_price - 1.0))
    if available is not None:
        attraction = attraction * available
    return attraction / (1.0 + attraction.sum(axis=-1, keepdims=True))


def point_elasticity(
    prices: np.ndarray,
    utility: np.ndarray,
    price_sensitivity: np.ndarray,
    reference_price: np.ndarray,
) -> np.ndarray:
    """Own-price elasticity of each category's demand: -beta * p / p_ref * (1 - share)."""
    share = choice_probabilities(prices, utility, price_sensitivity, reference_price)
    return -price_sensitivity * prices / reference_price * (1.0 - share)


@dataclass(frozen=True)
class EventDemand:
    """What the model expects for one event from ``days_before[0]`` down to the event day.

    Arrays over categories are ordered best to worst seat (``categories``); ``market[t]`` is the
    expected number of arriving buyers on ``days_before[t]`` for a multiplier of 1; the multiplier
    is Gamma(shape, rate), already conditioned on sales to date for an in-flight event.
    """

    event_id: str
    categories: tuple[str, ...]
    days_before: np.ndarray
    market: np.ndarray
    utility: np.ndarray
    price_sensitivity: np.ndarray
    reference_price: np.ndarray
    capacity: np.ndarray
    sold: np.ndarray
    multiplier_shape: float
    multiplier_rate: float

    @property
    def remaining_capacity(self) -> np.ndarray:
        return np.maximum(self.capacity - self.sold, 0.0)

    @property
    def multiplier_mean(self) -> float:
        return self.multiplier_shape / self.multiplier_rate

    def with_multiplier(self, shape: float, rate: float) -> EventDemand:
        return replace(self, multiplier_shape=float(shape), multiplier_rate=float(rate))

    def shares(self, prices: np.ndarray, available: np.ndarray | None = None) -> np.ndarray:
        return choice_probabilities(
            prices, self.utility, self.price_sensitivity, self.reference_price, available
        )

    def expected_demand(self, schedule: np.ndarray) -> np.ndarray:
        """Expected unconstrained demand per day x category for a (T, C) price schedule."""
        return self.multiplier_mean * self.market[:, None] * self.shares(schedule)

    def fluid_sales(self, schedule: np.ndarray) -> np.ndarray:
        """Expected sales per day x category in the fluid (deterministic) approximation.

        Demand is served day by day until a category's remaining capacity is used up; from the next
        day that category is closed and its buyers re-choose among the others.
        """
        remaining = self.remaining_capacity.copy()
        sales = np.zeros_like(schedule, dtype=float)
        mean = self.multiplier_mean
        for t in range(schedule.shape[0]):
            open_mask = (remaining > 1e-9).astype(float)
            demand = mean * self.market[t] * self.shares(schedule[t], open_mask)
            sold = np.minimum(demand, remaining)
            sales[t] = sold
            remaining = remaining - sold
        return sales
