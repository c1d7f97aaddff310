"""Price recommendations per category and day under the venue's rules, each with its explanation.

Method (Talluri & van Ryzin 2004, ch. 5 & 7, the deterministic "fluid" approximation, re-solved as
sales come in): with MNL choice and a price sensitivity constant over the sale, the fluid problem
``max sum_c p_c * expected_sales_c(p)  s.t.  expected_sales_c <= remaining capacity_c`` has the
same optimal prices every day, so we solve that small problem (one price per category, SLSQP with
analytic gradients) and then walk from the current price to that target day by day inside every
rule: floor and ceiling (and the season-ticket per-event price as an extra floor), a minimum ratio
between adjacent categories, a maximum change per day and a direction rule. Each day's prices are
chosen by an exact feasibility construction in integer cents, so a printed schedule can never break
a rule; rules that admit no price at all raise :class:`InfeasibleRulesError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from arena.pricing.choice import EventDemand, point_elasticity

MONOTONE_RULES: tuple[str, ...] = ("none", "never_down", "never_up")
TOLERANCE = 1e-6


class InfeasibleRulesError(ValueError):
    """The venue's pricing rules leave no admissible price; the message says which rule."""


@dataclass(frozen=True)
class PricingRules:
    """The venue's rules for one event, categories ordered best to worst.

    Prices are in currency units; ``max_daily_step`` is the largest change of one category's price
    from one day to the next (and from the current price to the first day); ``min_ratio`` ``r``
    means a better seat costs at least ``r`` times the next one (1.1 = at least 10 % more).
    """

    categories: tuple[str, ...]
    pmin: np.ndarray
    pmax: np.ndarray
    max_daily_step: np.ndarray
    min_ratio: float = 1.0
    monotone: str = "none"
    horizon_days: int = 60
    season_ticket_price: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        validate_rules(self)

    @property
    def floor(self) -> np.ndarray:
        """Effective floor: the venue floor or the season ticket's per-event price if higher."""
        if self.season_ticket_price.size:
            return np.maximum(self.pmin, self.season_ticket_price)
        return self.pmin

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        categories_table: pd.DataFrame | None = None,
        categories: Sequence[str] | None = None,
    ) -> PricingRules:
        """Rules from the ``R.json`` mapping, overridden per category by the ``C`` table columns."""
        order = [str(c) for c in config.get("categories_best_to_worst") or categories or []]
        if not order:
            raise InfeasibleRulesError("rules must list categories_best_to_worst")
        n = len(order)

        def per_category(name: str, default: float) -> np.ndarray:
            value = config.get(name, default)
            if isinstance(value, Mapping):
                values = np.array([float(value.get(c, default)) for c in order])
            else:
                values = np.full(n, float(value if value is not None else default))
            if categories_table is not None and name in categories_table.columns:
                table = categories_table.set_index(categories_table["category"].astype(str))
                column = pd.to_numeric(table[name], errors="coerce").reindex(order)
                values = np.where(column.notna(), column.to_numpy(dtype=float), values)
            return values

        season = per_category("season_ticket_price", 0.0)
        return cls(
            categories=tuple(order),
            pmin=per_category("pmin", 0.01),
            pmax=per_category("pmax", 1e6),
            max_daily_step=per_category("max_daily_step", 1e6),
            min_ratio=float(config.get("min_ratio_between_adjacent_categories", 1.0) or 1.0),
            monotone=str(config.get("monotone", "none") or "none"),
            horizon_days=int(config.get("horizon_days", 60)),
            season_ticket_price=season,
        )


def _cents_bounds(rules: PricingRules, lower: np.ndarray, upper: np.ndarray) -> tuple[
    np.ndarray, np.ndarray
]:
    """Tightest bounds (in cents) compatible with the ratio chain, worst seat last."""
    ratio = rules.min_ratio
    lo = np.ceil(np.round(lower * 100.0, 6))
    hi = np.floor(np.round(upper * 100.0, 6))
    low = lo.copy()
    for i in range(len(low) - 2, -1, -1):
        low[i] = max(lo[i], math.ceil(round(ratio * low[i + 1], 6)))
    high = hi.copy()
    for i in range(1, len(high)):
        high[i] = min(hi[i], math.floor(round(high[i - 1] / ratio, 6)))
    return low, high


def validate_rules(rules: PricingRules) -> None:
    """Raise :class:`InfeasibleRulesError` with one clear sentence when rules cannot be met."""
    n = len(rules.categories)
    for name in ("pmin", "pmax", "max_daily_step"):
        if np.shape(getattr(rules, name)) != (n,):
            raise InfeasibleRulesError(f"{name} needs one value per category ({n})")
    if rules.monotone not in MONOTONE_RULES:
        raise InfeasibleRulesError(
            f"monotone must be one of {', '.join(MONOTONE_RULES)}, not {rules.monotone!r}"
        )
    if rules.min_ratio <= 0:
        raise InfeasibleRulesError("min_ratio_between_adjacent_categories must be positive")
    if rules.horizon_days < 0:
        raise InfeasibleRulesError("horizon_days must be >= 0")
    if (rules.max_daily_step < 0).any():
        raise InfeasibleRulesError("max_daily_step must be >= 0")
    if (rules.pmin <= 0).any():
        raise InfeasibleRulesError("pmin must be > 0 for every category")
    floor = rules.floor
    for c, category in enumerate(rules.categories):
        if floor[c] > rules.pmax[c] + TOLERANCE:
            reason = (
                "the season ticket's per-event price"
                if floor[c] > rules.pmin[c] else "its floor pmin"
            )
            raise InfeasibleRulesError(
                f"category {category}: {reason} ({floor[c]:.2f}) is above its ceiling pmax "
                f"({rules.pmax[c]:.2f})"
            )
    low, high = _cents_bounds(rules, floor, rules.pmax)
    bad = np.nonzero(low > high)[0]
    if bad.size:
        category = rules.categories[int(bad[0])]
        raise InfeasibleRulesError(
            f"no price of category {category} satisfies its floor/ceiling together with the "
            f"minimum ratio {rules.min_ratio:g} between adjacent categories"
        )


def _feasible_day(rules: PricingRules, target: np.ndarray, lower: np.ndarray, upper: np.ndarray
                  ) -> np.ndarray | None:
    """The admissible price closest to ``target`` category by category, worst seat first."""
    low, high = _cents_bounds(rules, lower, upper)
    if (low > high).any():
        return None
    cents = np.empty_like(low)
    wanted = np.round(np.asarray(target) * 100.0)
    last = len(cents) - 1
    cents[last] = np.clip(wanted[last], low[last], high[last])
    for i in range(last - 1, -1, -1):
        floor_i = max(low[i], math.ceil(round(rules.min_ratio * cents[i + 1], 6)))
        cents[i] = np.clip(wanted[i], floor_i, high[i])
    return cents / 100.0


def schedule_violations(schedule: np.ndarray, rules: PricingRules,
                        current_prices: np.ndarray | None = None) -> list[str]:
    """Every rule a (days x categories) schedule breaks; empty when it may be printed."""
    problems: list[str] = []
    tol = TOLERANCE
    floor = rules.floor
    for c, category in enumerate(rules.categories):
        if (schedule[:, c] < floor[c] - tol).any():
            problems.append(f"{category} below its floor {floor[c]:.2f}")
        if (schedule[:, c] > rules.pmax[c] + tol).any():
            problems.append(f"{category} above its ceiling {rules.pmax[c]:.2f}")
    for c in range(len(rules.categories) - 1):
        if (schedule[:, c] < rules.min_ratio * schedule[:, c + 1] - tol).any():
            problems.append(
                f"{rules.categories[c]} not {rules.min_ratio:g}x {rules.categories[c + 1]}"
            )
    path = schedule if current_prices is None else np.vstack([current_prices, schedule])
    change = np.diff(path, axis=0)
    if (np.abs(change) > rules.max_daily_step + tol).any():
        problems.append("a daily change exceeds max_daily_step")
    if rules.monotone == "never_down" and (change < -tol).any():
        problems.append("a price goes down under never_down")
    if rules.monotone == "never_up" and (change > tol).any():
        problems.append("a price goes up under never_up")
    return problems


def _revenue_and_gradient(x: np.ndarray, demand: EventDemand, buyers: float
                          ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Fluid revenue at relative prices x = p / p_ref, its gradient, sales and their Jacobian."""
    ref = demand.reference_price
    price = x * ref
    share = demand.shares(price)
    beta = demand.price_sensitivity
    # d share_c / d x_k = -beta_k * share_c * (delta_ck - share_k)
    jac_share = -(np.diag(share) - np.outer(share, share)) * beta[None, :]
    revenue = buyers * float(price @ share)
    grad = buyers * (share * ref + price @ jac_share)
    return revenue, grad, buyers * share, buyers * jac_share


def optimal_static_prices(demand: EventDemand, rules: PricingRules,
                          start: np.ndarray | None = None) -> np.ndarray:
    """The fluid-optimal price per category (constant over the sale) within floors and ratios."""
    ref = demand.reference_price
    buyers = demand.multiplier_mean * float(demand.market.sum())
    capacity = demand.remaining_capacity
    scale = max(buyers * float(ref.mean()), 1e-9)
    lower, upper = rules.floor / ref, rules.pmax / ref
    ratio_rows = []
    for c in range(len(ref) - 1):
        row = np.zeros(len(ref))
        row[c], row[c + 1] = ref[c], -rules.min_ratio * ref[c + 1]
        ratio_rows.append(row)
    constraints = [
        {
            "type": "ineq",
            "fun": lambda x: (capacity - _revenue_and_gradient(x, demand, buyers)[2])
            / np.maximum(capacity, 1.0),
            "jac": lambda x: -_revenue_and_gradient(x, demand, buyers)[3]
            / np.maximum(capacity, 1.0)[:, None],
        }
    ]
    if ratio_rows:
        matrix = np.array(ratio_rows)
        constraints.append(
            {"type": "ineq", "fun": lambda x: matrix @ x / ref.mean(),
             "jac": lambda x: matrix / ref.mean()}
        )
    upper_finite = np.minimum(upper, 50.0)
    starts = [np.clip(np.ones(len(ref)), lower, upper_finite)]
    if start is not None:
        starts.append(np.clip(np.asarray(start) / ref, lower, upper_finite))
    best, best_value = None, -np.inf
    for x0 in starts:
        result = optimize.minimize(
            lambda x: tuple(-v / scale for v in _revenue_and_gradient(x, demand, buyers)[:2]),
            x0,
            jac=True,
            method="SLSQP",
            bounds=list(zip(lower, upper_finite, strict=True)),
            constraints=constraints,
            options={"maxiter": 200, "ftol": 1e-9},
        )
        value = -float(result.fun)
        if value > best_value:
            best, best_value = result.x, value
    assert best is not None
    return best * ref


@dataclass(frozen=True)
class PriceRecommendation:
    """A rule-compliant schedule with its expected outcome and a plain-language explanation."""

    event_id: str
    schedule: pd.DataFrame  # event_id, category, days_before, price, binding
    target_prices: np.ndarray
    explanations: pd.DataFrame  # one row per category
    expected_revenue: float
    held_because: str | None = None  # set when the model was not trusted to move prices

    def as_matrix(self) -> np.ndarray:
        wide = self.schedule.pivot(index="days_before", columns="category", values="price")
        order = list(self.explanations["category"])
        return wide.sort_index(ascending=False)[order].to_numpy()


def recommend_prices(
    demand: EventDemand,
    rules: PricingRules,
    current_prices: Sequence[float] | np.ndarray,
) -> PriceRecommendation:
    """Recommend a price per category for every remaining day, within every rule, explained."""
    if tuple(rules.categories) != tuple(demand.categories):
        raise InfeasibleRulesError(
            "rules categories_best_to_worst must match the event's categories: "
            f"{', '.join(rules.categories)} vs {', '.join(demand.categories)}"
        )
    current = np.asarray(current_prices, dtype=float)
    target = optimal_static_prices(demand, rules, start=current)
    return schedule_towards(demand, rules, current, target)


def hold_current_prices(
    demand: EventDemand,
    rules: PricingRules,
    current_prices: Sequence[float] | np.ndarray,
    reason: str,
) -> PriceRecommendation:
    """The fallback when the demand model must not set prices: keep the current prices (moved
    only as far as the rules demand), every explanation saying why."""
    current = np.asarray(current_prices, dtype=float)
    recommendation = schedule_towards(demand, rules, current, current)
    explanations = recommendation.explanations.assign(
        explanation=[f"{category}: prices kept at their current level because {reason}"
                     for category in recommendation.explanations["category"]]
    )
    return PriceRecommendation(recommendation.event_id, recommendation.schedule,
                               recommendation.target_prices, explanations,
                               recommendation.expected_revenue, held_because=reason)


def schedule_towards(
    demand: EventDemand,
    rules: PricingRules,
    current: np.ndarray,
    target: np.ndarray,
) -> PriceRecommendation:
    """Walk from the current prices to ``target`` one day at a time inside every rule."""
    if tuple(rules.categories) != tuple(demand.categories):
        raise InfeasibleRulesError(
            "rules categories_best_to_worst must match the event's categories: "
            f"{', '.join(rules.categories)} vs {', '.join(demand.categories)}"
        )
    floor, ceiling = rules.floor, rules.pmax
    anchored = not schedule_violations(current[None, :], rules)
    previous = current if anchored else None
    rows: list[np.ndarray] = []
    binding: list[list[str]] = []
    for _ in demand.days_before:
        lower, upper = floor.copy(), ceiling.copy()
        if previous is not None:
            lower = np.maximum(lower, previous - rules.max_daily_step)
            upper = np.minimum(upper, previous + rules.max_daily_step)
            if rules.monotone == "never_down":
                lower = np.maximum(lower, previous)
            elif rules.monotone == "never_up":
                upper = np.minimum(upper, previous)
        day = _feasible_day(rules, target, lower, upper)
        if day is None:  # cannot happen from a compliant previous day; guard the invariant
            raise InfeasibleRulesError("the rules leave no admissible price on some day")
        rows.append(day)
        binding.append(_binding_rules(day, target, rules, previous))
        previous = day
    matrix = np.array(rows)
    problems = schedule_violations(matrix, rules, current if anchored else None)
    if problems:
        raise InfeasibleRulesError("internal check refused the schedule: " + "; ".join(problems))
    sales = demand.fluid_sales(matrix)
    days = demand.days_before.astype(int)
    schedule = pd.DataFrame(
        {
            "event_id": demand.event_id,
            "category": np.tile(list(demand.categories), len(days)),
            "days_before": np.repeat(days, len(demand.categories)),
            "price": matrix.ravel(),
            "binding": [b for day in binding for b in day],
        }
    )
    explanations = _explain(demand, current, matrix, target, sales, binding)
    return PriceRecommendation(
        demand.event_id, schedule, target, explanations, float((sales * matrix).sum())
    )


def _binding_rules(day: np.ndarray, target: np.ndarray, rules: PricingRules,
                   previous: np.ndarray | None) -> list[str]:
    labels = []
    for c in range(len(day)):
        reasons = []
        if abs(day[c] - target[c]) > 0.005:
            if previous is not None and abs(abs(day[c] - previous[c]) - rules.max_daily_step[c]) \
                    < 0.011:
                reasons.append("max_daily_step")
            if previous is not None and rules.monotone != "none" and abs(day[c] - previous[c]) \
                    < 0.005:
                reasons.append(rules.monotone)
            if c + 1 < len(day) and day[c] <= rules.min_ratio * day[c + 1] + 0.011:
                reasons.append("min_ratio")
        if day[c] <= rules.floor[c] + 0.005:
            season = rules.season_ticket_price.size and rules.season_ticket_price[c] >= \
                rules.pmin[c] and rules.season_ticket_price[c] > 0
            reasons.append("season_ticket_floor" if season else "pmin")
        if day[c] >= rules.pmax[c] - 0.005:
            reasons.append("pmax")
        labels.append("+".join(dict.fromkeys(reasons)))
    return labels


def _explain(demand: EventDemand, current: np.ndarray, matrix: np.ndarray, target: np.ndarray,
             sales: np.ndarray, binding: list[list[str]]) -> pd.DataFrame:
    unconstrained = demand.expected_demand(matrix).sum(axis=0)
    elasticity = point_elasticity(
        matrix[-1], demand.utility, demand.price_sensitivity, demand.reference_price
    )
    capacity = demand.remaining_capacity
    rows = []
    for c, category in enumerate(demand.categories):
        first, last = matrix[0, c], matrix[-1, c]
        change = (first / current[c] - 1.0) * 100 if current[c] > 0 else 0.0
        pressure = unconstrained[c] / max(capacity[c], 1e-9)
        if pressure >= 0.98:
            story = (
                f"expected demand {unconstrained[c]:.0f} for {capacity[c]:.0f} seats left: "
                "the price rises until demand meets capacity"
            )
        else:
            story = (
                f"expected demand {unconstrained[c]:.0f} for {capacity[c]:.0f} seats left "
                f"({pressure:.0%}): the price balances margin and volume"
            )
        binds = sorted({reason for day in binding for reason in day[c].split("+") if reason})
        if pressure >= 0.98:
            binds.append("capacity")
        text = (
            f"{category}: {current[c]:.2f} -> {first:.2f} today ({change:+.0f} %), "
            f"{last:.2f} on event day; {story}; elasticity {elasticity[c]:.2f}"
            + (f"; binding: {', '.join(binds)}" if binds else "; no rule binds")
        )
        rows.append(
            {
                "category": category,
                "current_price": current[c],
                "first_day_price": first,
                "event_day_price": last,
                "optimal_unconstrained_by_rules": target[c],
                "expected_demand": unconstrained[c],
                "expected_sales": sales[:, c].sum(),
                "remaining_capacity": capacity[c],
                "elasticity": elasticity[c],
                "binding": ", ".join(binds),
                "explanation": text,
            }
        )
    return pd.DataFrame(rows)
