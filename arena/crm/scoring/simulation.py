"""Seeded simulators with known truth, to check and time the scoring models.

``simulate_renewals`` is deliberately unlike the demo generator's renewal model (a logit that is
linear in log tenure, attendance and distance): its renewal probability has a complementary
log-log link, a saturating tenure effect, a kinked attendance effect, distance that only
matters beyond 40 km, a price increase that hurts disengaged holders twice as much, an
inverted-U age effect, late renewers, groups, single tickets, and a season-wide shock nobody
can foresee. Its coefficients were written down before any model was run on it and are not
adjusted to make the models look good.

``simulate_orders`` draws buyers from the Pareto/NBD story (Gamma purchase rates, Gamma dropout
rates) with Gamma-Gamma order values, for benchmarks at any size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CATEGORIES = (("Tribune Honneur", 900.0, 0.10), ("Tribune Est", 520.0, 0.30),
              ("Tribune Ouest", 330.0, 0.35), ("Kop", 160.0, 0.25))
FIRST_YEAR = 2019


@dataclass(frozen=True)
class SimulatedRenewals:
    """Holdings and customers in the renewal input schema, and the truth per holder x season
    with a next season: ``true_probability`` (given everything the simulator knows, the
    season shock excluded) and ``renewed``."""

    holdings: pd.DataFrame
    customers: pd.DataFrame
    truth: pd.DataFrame
    seasons: tuple[str, ...]


def _label(year: int) -> str:
    return f"{year}-{year + 1}"


def _new_people(rng: np.random.Generator, count: int, start: int) -> pd.DataFrame:
    distance = np.minimum(rng.lognormal(np.log(18.0), 1.0, count), 800.0)
    age = np.clip(rng.normal(44, 14, count), 16, 90).round()
    return pd.DataFrame({
        "customer_id": [f"sim-{start + i:07d}" for i in range(count)],
        "engagement": rng.normal(0, 1, count),
        "distance_km": distance,
        "age_now": age,
        "gender": np.where(rng.random(count) < 0.35, "F", "M"),
        "category": rng.choice(len(CATEGORIES), size=count,
                               p=[c[2] for c in CATEGORIES]),
        "reduced": rng.random(count) < 0.2,
        "group_size": rng.choice([1, 2, 3, 4], size=count, p=[0.7, 0.2, 0.06, 0.04]),
    })


def _true_log_hazard(t: pd.DataFrame) -> np.ndarray:
    """eta of P(renew) = 1 - exp(-exp(eta)); see the module doc for the story."""
    attendance = t["attendance_rate"].to_numpy()
    low = attendance < 0.6
    age = t["age"].to_numpy()
    return (-0.25
            + 1.1 * (1 - np.exp(-(t["tenure"].to_numpy() - 1) / 2.5))
            + 2.2 * (attendance - 0.6) * np.where(low, 2.0, 0.7)
            - 0.9 * np.maximum(0.0, np.log(t["distance_km"].to_numpy() / 40.0))
            - 3.0 * t["price_change"].to_numpy() * np.where(attendance < 0.5, 2.0, 1.0)
            + 0.15 * np.log1p(t["single_tickets"].to_numpy())
            + 0.25 * (t["group_size"].to_numpy() > 1)
            - 0.4 * (t["renewal_rank"].to_numpy() > 0.8)
            + 0.01 * (age - 45) - 0.0008 * (age - 45) ** 2)


def simulate_renewals(*, holders: int = 8000, seasons: int = 5, seed: int = 0,
                      season_shock_sd: float = 0.15) -> SimulatedRenewals:
    """``seasons`` seasons of about ``holders`` season-ticket holders (see module doc)."""
    rng = np.random.default_rng(seed)
    people = _new_people(rng, holders, 0)
    people["holder_since"] = FIRST_YEAR - rng.geometric(0.25, holders) + 1
    people["previous_price"] = np.nan
    drawn = [people]
    next_id = holders
    increases = rng.uniform(0.0, 0.12, size=(seasons, len(CATEGORIES)))
    increases[0] = 0.0
    base_price = np.array([c[1] for c in CATEGORIES])
    holdings, truths = [], []
    for period in range(seasons):
        year = FIRST_YEAR + period
        events = int(rng.integers(17, 22))
        n = len(people)
        price = np.round(base_price[people["category"].to_numpy()]
                         * np.prod(1 + increases[: period + 1], axis=0)[people["category"]]
                         * np.where(people["reduced"], 0.7, 1.0))
        rate = 1 / (1 + np.exp(-(1.2 + 0.8 * people["engagement"].to_numpy()
                                 + rng.normal(0, 0.5, n))))
        attended = rng.binomial(events, rate)
        singles = rng.poisson(np.exp(-0.5 + 0.6 * people["engagement"].to_numpy()))
        rank = pd.Series(-0.5 * people["engagement"].to_numpy() + rng.normal(0, 0.8, n)).rank(
            pct=True).to_numpy()
        previous = people["previous_price"].to_numpy()
        change = np.where(np.isnan(previous), 0.0, price / np.where(np.isnan(previous), 1,
                                                                     previous) - 1)
        frame = pd.DataFrame({
            "customer_id": people["customer_id"].to_numpy(), "season": _label(year),
            "category": np.array([c[0] for c in CATEGORIES])[people["category"]],
            "price": price, "holder_since": [_label(int(y)) for y in people["holder_since"]],
            "events_included": events, "events_past": events,
            "events_attended": attended.astype(float),
            "renewed_at": pd.Timestamp(f"{year}-05-15") + pd.to_timedelta(
                np.round(rank * 60), unit="D"),
            "single_tickets": singles, "group_size": people["group_size"].to_numpy(),
        })
        unrecorded = rng.random(n) < 0.03
        frame.loc[unrecorded, "events_attended"] = np.nan
        holdings.append(frame)
        if period == seasons - 1:
            break
        state = pd.DataFrame({
            "tenure": year - people["holder_since"].to_numpy() + 1,
            "attendance_rate": attended / events, "distance_km": people["distance_km"],
            "price_change": change, "single_tickets": singles,
            "group_size": people["group_size"].to_numpy(), "renewal_rank": rank,
            "age": people["age_now"].to_numpy() - (seasons - 1 - period)})
        eta = _true_log_hazard(state)
        probability = 1 - np.exp(-np.exp(eta))
        shock = rng.normal(0, season_shock_sd)
        renews = rng.random(n) < 1 - np.exp(-np.exp(eta + shock))
        truths.append(pd.DataFrame({"customer_id": people["customer_id"].to_numpy(),
                                    "season": _label(year), "true_probability": probability,
                                    "renewed": renews.astype(float)}))
        stayed = people[renews].copy()
        stayed["previous_price"] = price[renews]
        newcomers = _new_people(rng, n - len(stayed), next_id)
        next_id += len(newcomers)
        newcomers["holder_since"] = year + 1
        newcomers["previous_price"] = np.nan
        drawn.append(newcomers)
        people = pd.concat([stayed, newcomers], ignore_index=True)
    customers = _customers(rng, pd.concat(drawn, ignore_index=True), FIRST_YEAR + seasons - 1)
    return SimulatedRenewals(pd.concat(holdings, ignore_index=True), customers,
                             pd.concat(truths, ignore_index=True),
                             tuple(_label(FIRST_YEAR + p) for p in range(seasons)))


def _customers(rng: np.random.Generator, people: pd.DataFrame, final_year: int) -> pd.DataFrame:
    """What the CRM knows of each person: some homes not located, many birth dates missing."""
    n = len(people)
    distance = people["distance_km"].to_numpy(dtype=float).copy()
    distance[rng.random(n) < 0.02] = np.nan
    birth_year = (final_year - people["age_now"].to_numpy()).astype(float)
    birth_year[rng.random(n) < 0.30] = np.nan
    gender = people["gender"].to_numpy(dtype=object).copy()
    gender[rng.random(n) < 0.05] = None
    return pd.DataFrame({"customer_id": people["customer_id"].to_numpy(),
                         "distance_km": distance, "birth_year": birth_year, "gender": gender})


def simulate_orders(*, customers: int = 10_000, seed: int = 0, r: float = 0.6,
                    alpha: float = 9.0, s: float = 0.8, beta: float = 14.0,
                    spend_p: float = 6.0, spend_q: float = 4.0, spend_gamma: float = 15.0,
                    acquisition_weeks: float = 12.0, observed_weeks: float = 156.0,
                    start: str = "2024-01-01") -> pd.DataFrame:
    """Orders (``customer_id``, ``ordered_at``, ``amount``) of a Pareto/NBD customer base.

    Each customer makes a first order in the first ``acquisition_weeks``, then orders at a
    weekly rate lambda ~ Gamma(r, alpha) until they leave after an exponential lifetime of rate
    mu ~ Gamma(s, beta); order values are Gamma(spend_p, nu) with nu ~ Gamma(spend_q,
    spend_gamma) (Fader & Hardie 2013). Orders after ``observed_weeks`` are not written.
    """
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1 / alpha, customers)
    dropout = rng.gamma(s, 1 / beta, customers)
    first = rng.uniform(0, acquisition_weeks, customers)
    lifetime = rng.exponential(1 / dropout)
    active = np.clip(np.minimum(lifetime, observed_weeks - first), 0, None)
    repeats = rng.poisson(rate * active)
    owner = np.repeat(np.arange(customers), repeats)
    when = first[owner] + rng.uniform(0, 1, owner.size) * active[owner]
    owner = np.concatenate([np.arange(customers), owner])
    when = np.concatenate([first, when])
    nu = rng.gamma(spend_q, 1 / spend_gamma, customers)
    amount = np.round(rng.gamma(spend_p, 1 / nu[owner]), 2)
    order = np.lexsort((when, owner))
    return pd.DataFrame({
        "customer_id": [f"c{i:07d}" for i in owner[order]],
        "ordered_at": pd.Timestamp(start) + pd.to_timedelta(when[order] * 7, unit="D"),
        "amount": np.maximum(amount[order], 0.5),
    })
