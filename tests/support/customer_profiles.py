"""Synthetic customer-profile frames with planted segments, for the CRM analysis tests and benches.

Each call draws ``segments`` archetypes out of a library of eight audiences a French club or
venue sees, jitters their parameters (so no test is tuned to one layout), gives them random sizes
(at least 5 % each), and draws customers from them. The planted archetype of every customer is
returned, so that clustering can be scored against it (adjusted Rand index).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from arena.crm.analysis.profile_frame import age_band, distance_band

SEASONS = ("2019-2020", "2020-2021", "2021-2022", "2022-2023", "2023-2024", "2024-2025")
CATEGORIES = ("Tribune Est", "Tribune Ouest", "Virage Nord", "Loges", "Pelouse")
CHANNELS = ("web", "box_office", "mobile", "phone", "partner")
CITIES = (
    ("Lyon", "69001", "69"), ("Villeurbanne", "69100", "69"), ("Vénissieux", "69200", "69"),
    ("Bron", "69500", "69"), ("Vienne", "38200", "38"), ("Bourg-en-Bresse", "01000", "01"),
    ("Saint-Étienne", "42000", "42"), ("Grenoble", "38000", "38"), ("Paris", "75011", "75"),
    ("Marseille", "13001", "13"),
)


@dataclass(frozen=True)
class Archetype:
    name: str
    age: float
    age_sd: float
    female: float
    distance_km: float  # median
    distance_spread: float  # log-normal sigma
    group_size: float
    orders_per_season: float
    seasons: float  # mean seasons active (1..6)
    ticket_price: float
    lead_days: float
    season_ticket: float  # probability
    category: dict[str, float]
    channel: dict[str, float]


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("families_nearby", 40, 6, 0.55, 10, 0.5, 3.8, 2.0, 3.0, 25, 20, 0.05,
              {"Tribune Est": 0.7}, {"web": 0.7}),
    Archetype("subscribers", 57, 9, 0.40, 18, 0.5, 1.6, 1.0, 5.0, 35, 5, 0.9,
              {"Tribune Ouest": 0.6}, {"box_office": 0.6}),
    Archetype("young_occasional", 23, 3, 0.45, 12, 0.6, 2.0, 1.0, 1.2, 12, 3, 0.02,
              {"Virage Nord": 0.7}, {"mobile": 0.7}),
    Archetype("premium_business", 48, 7, 0.25, 35, 0.5, 4.5, 3.0, 3.0, 110, 35, 0.3,
              {"Loges": 0.8}, {"phone": 0.6}),
    Archetype("visitors_from_afar", 38, 10, 0.50, 350, 0.4, 2.2, 1.0, 1.0, 30, 60, 0.0,
              {"Tribune Est": 0.4, "Tribune Ouest": 0.4}, {"partner": 0.6}),
    Archetype("regular_solo_locals", 33, 8, 0.30, 6, 0.5, 1.1, 5.0, 4.0, 18, 2, 0.1,
              {"Virage Nord": 0.6}, {"web": 0.6}),
    Archetype("seniors_matinee", 70, 5, 0.65, 15, 0.5, 1.9, 2.0, 4.0, 28, 30, 0.2,
              {"Tribune Ouest": 0.6}, {"box_office": 0.7}),
    Archetype("last_minute_bargain", 30, 7, 0.50, 25, 0.6, 2.5, 1.5, 2.0, 9, 0.5, 0.0,
              {"Pelouse": 0.6}, {"web": 0.8}),
)


@dataclass(frozen=True)
class PlantedAudience:
    profiles: pd.DataFrame  # the customer-profile frame (columns of PROFILE_ATTRIBUTES)
    customer_seasons: pd.DataFrame  # customer_id, season, tickets, spend
    planted: np.ndarray  # the archetype index (0..segments-1) of every customer
    archetypes: tuple[Archetype, ...]


def _choice(rng: np.random.Generator, levels: tuple[str, ...], dominant: dict[str, float],
            size: int) -> np.ndarray:
    rest = [level for level in levels if level not in dominant]
    leftover = 1.0 - sum(dominant.values())
    probabilities = np.array(
        [dominant.get(level, leftover / len(rest)) for level in levels], dtype=float
    )
    return rng.choice(np.array(levels, dtype=object), size=size, p=probabilities / probabilities.sum())


def _jitter(rng: np.random.Generator, value: float, spread: float = 0.15) -> float:
    return float(value * rng.uniform(1 - spread, 1 + spread))


def planted_audience(customers: int, segments: int = 5, seed: int = 0,
                     missing_age: float = 0.2) -> PlantedAudience:
    """``customers`` profiles drawn from ``segments`` archetypes picked at random by ``seed``."""
    rng = np.random.default_rng(seed)
    picked = [ARCHETYPES[i] for i in rng.choice(len(ARCHETYPES), size=segments, replace=False)]
    shares = 0.05 + (1 - 0.05 * segments) * rng.dirichlet(np.ones(segments) * 2)
    sizes = np.floor(shares * customers).astype(int)
    sizes[0] += customers - sizes.sum()
    planted = np.repeat(np.arange(segments), sizes)
    rng.shuffle(planted)
    n = customers

    def per_customer(field: str, spread: float = 0.15) -> np.ndarray:
        return np.array([_jitter(rng, getattr(a, field), spread) for a in picked])[planted]

    age = rng.normal(per_customer("age", 0.05), per_customer("age_sd", 0.1)).clip(16, 95).round()
    female = rng.random(n) < per_customer("female", 0.1)
    distance = np.exp(
        rng.normal(np.log(per_customer("distance_km")), per_customer("distance_spread", 0.1))
    )
    group_size = 1 + rng.gamma(4.0, np.maximum(1e-3, per_customer("group_size") - 1) / 4.0)
    seasons_active = rng.poisson(np.maximum(0, per_customer("seasons") - 1)).clip(0, len(SEASONS) - 1) + 1
    orders_per_season = 1 + rng.poisson(np.maximum(0, per_customer("orders_per_season") - 1))
    orders = np.maximum(1, np.round(orders_per_season * seasons_active)).astype(int)
    tickets = np.maximum(orders, np.round(orders * group_size)).astype(int)
    ticket_price = np.exp(rng.normal(np.log(per_customer("ticket_price")), 0.25))
    lead = np.exp(rng.normal(np.log(per_customer("lead_days") + 0.5), 0.5))
    holder = rng.random(n) < per_customer("season_ticket", 0.1)
    category = np.empty(n, dtype=object)
    channel = np.empty(n, dtype=object)
    for index, archetype in enumerate(picked):
        members = planted == index
        category[members] = _choice(rng, CATEGORIES, archetype.category, int(members.sum()))
        channel[members] = _choice(rng, CHANNELS, archetype.channel, int(members.sum()))

    # Seasons: a random run of consecutive seasons ending at a random season (more recent for
    # subscribers and regulars, through their larger seasons_active).
    last_index = rng.integers(seasons_active - 1, len(SEASONS))
    first_index = last_index - seasons_active + 1
    city = rng.integers(0, len(CITIES), size=n)
    ids = np.arange(1, n + 1)
    age_values = np.where(rng.random(n) < missing_age, np.nan, age)
    distance_values = np.where(rng.random(n) < 0.05, np.nan, distance.round(1))
    first_day = pd.to_datetime([f"{SEASONS[i][:4]}-09-01" for i in range(len(SEASONS))])
    first_purchase = first_day[first_index] + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
    last_purchase = first_day[last_index] + pd.to_timedelta(rng.integers(0, 250, n), unit="D")
    last_purchase = last_purchase.where(last_purchase >= first_purchase, first_purchase)
    profiles = pd.DataFrame(
        {
            "customer_id": ids,
            "email": [f"client{i}@example.org" for i in ids],
            "gender": pd.Series(np.where(female, "F", "M"), dtype="string").where(
                rng.random(n) > 0.03
            ),
            "age": age_values,
            "age_band": age_band(pd.Series(age_values)),
            "distance_km": distance_values,
            "distance_band": distance_band(pd.Series(distance_values)),
            "city": np.array([c[0] for c in CITIES], dtype=object)[city],
            "postal_code": np.array([c[1] for c in CITIES], dtype=object)[city],
            "department": np.array([c[2] for c in CITIES], dtype=object)[city],
            "country": "FR",
            "tickets": tickets,
            "orders": orders,
            "events_attended": np.maximum(1, np.round(orders * 0.95)).astype(int),
            "total_spend": (tickets * ticket_price).round(2),
            "mean_spend": ticket_price.round(2),
            "first_purchase_at": first_purchase,
            "last_purchase_at": last_purchase,
            "seasons_active": seasons_active,
            "seasons_since_last": len(SEASONS) - 1 - last_index,
            "season_ticket_holder": holder & (last_index == len(SEASONS) - 1),
            "season_ticket_seasons": np.where(holder, seasons_active, 0),
            "favourite_category": category,
            "favourite_channel": channel,
            "group_size": group_size.round(2),
            "days_before_event": lead.round(1),
        }
    )
    # One row per customer and season they were active in (consecutive run).
    repeat = seasons_active.astype(int)
    rows = np.repeat(np.arange(n), repeat)
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    season_index = first_index[rows] + offset
    customer_seasons = pd.DataFrame(
        {
            "customer_id": ids[rows],
            "season": np.array(SEASONS, dtype=object)[season_index],
            "tickets": np.maximum(1, tickets[rows] // repeat[rows]),
            "spend": (profiles["total_spend"].to_numpy()[rows] / repeat[rows]).round(2),
        }
    )
    return PlantedAudience(profiles, customer_seasons, planted, tuple(picked))
