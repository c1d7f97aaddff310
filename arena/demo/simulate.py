"""Simulation of each organization's events, sales, buyers and season tickets from its scenario."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from arena.demo.demand import simulate_category_sales
from arena.demo.people import AudienceProfile, draw_people
from arena.demo.scenarios import Category, ClubScenario, RaceScenario, TheatreScenario, Venue

ORDER_SIZES = np.array([1, 2, 3, 4, 5, 6, 8, 10, 12, 15])
ORDER_SIZE_PROBABILITIES = np.array([0.33, 0.36, 0.10, 0.12, 0.03, 0.03, 0.01, 0.01, 0.005, 0.005])
GROUP_ORDER_MIN_SIZE = 8
# Hours of purchase: web sales peak at lunch and in the evening, counters follow opening hours.
WEB_HOURS = np.arange(24)
WEB_HOUR_WEIGHTS = np.array([2, 1, .5, .3, .2, .3, 1, 2, 3, 4, 5, 6, 8, 8, 6, 5, 5, 6, 7, 8, 9, 9, 7, 4.])


@dataclass
class CustomerPool:
    """Buyers of one organization with a buy-till-you-die life: they join, buy, and drop out.

    Purchase propensity is Gamma(shape, scale) across people (Pareto/NBD heterogeneity); each
    period a living customer dies with a Beta-distributed probability (BG/NBD style).
    """

    people: pd.DataFrame
    propensity: np.ndarray
    join_period: np.ndarray
    leave_period: np.ndarray
    _cdf_cache: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def draw(cls, rng: np.random.Generator, size: int, *, periods: int, audience: AudienceProfile,
             venue: Venue, reference_year: int, propensity_shape: float, dropout_a: float,
             dropout_b: float, initial_share: float) -> CustomerPool:
        people = draw_people(rng, size, venue_lat=venue.latitude, venue_lon=venue.longitude,
                             profile=audience, reference_year=reference_year)
        propensity = rng.gamma(propensity_shape, 1.0 / propensity_shape, size)
        join = np.where(rng.random(size) < initial_share, 0,
                        rng.integers(1, max(periods, 2), size))
        lifetime = rng.geometric(rng.beta(dropout_a, dropout_b, size))
        return cls(people, propensity, join, join + lifetime)

    def _active(self, period: int) -> tuple[np.ndarray, np.ndarray]:
        if period not in self._cdf_cache:
            active = np.flatnonzero((self.join_period <= period) & (self.leave_period > period))
            cdf = np.cumsum(self.propensity[active])
            self._cdf_cache[period] = (active, cdf / cdf[-1])
        return self._cdf_cache[period]

    def pick(self, rng: np.random.Generator, period: int, count: int) -> np.ndarray:
        """Buyers of `count` orders, with replacement, in proportion to their propensity."""
        active, cdf = self._active(period)
        return active[np.minimum(np.searchsorted(cdf, rng.random(count)), len(active) - 1)]

    def pick_distinct(self, rng: np.random.Generator, period: int, count: int,
                      exclude: np.ndarray | None = None) -> np.ndarray:
        """`count` different buyers (one registration each), weighted by propensity, never one
        of `exclude`."""
        active, _ = self._active(period)
        if exclude is not None:
            active = active[~np.isin(active, exclude)]
        keys = np.log(self.propensity[active]) + rng.gumbel(size=len(active))
        count = min(count, len(active))
        return active[np.argpartition(-keys, count - 1)[:count]] if count else active[:0]


@dataclass(frozen=True)
class EventSpec:
    """One dated event (match, performance, race) with the categories on sale."""

    key: str
    name: str
    starts_at: datetime
    venue: str
    season: str
    period: int
    categories: tuple[Category, ...]
    attractiveness: float
    shock: float


@dataclass
class SaleContext:
    """What an event's ticket rows need beyond its sales: tariffs, channels, ids."""

    tariffs: tuple[tuple[str, float, float], ...]
    group_tariff: tuple[str, float] | None
    channels: tuple[tuple[str, float], ...]
    currency: str = "EUR"
    next_order_id: int = 100_000


def _order_sizes(rng: np.random.Generator, tickets: int, single: bool) -> np.ndarray:
    if single:
        return np.ones(tickets, dtype=np.int64)
    sizes = rng.choice(ORDER_SIZES, size=tickets, p=ORDER_SIZE_PROBABILITIES)
    total = np.cumsum(sizes)
    last = int(np.searchsorted(total, tickets))
    sizes = sizes[: last + 1].copy()
    sizes[-1] -= int(total[last]) - tickets
    return sizes


def build_ticket_rows(rng: np.random.Generator, event: EventSpec, tickets: np.ndarray,
                      prices: np.ndarray, pool: CustomerPool, context: SaleContext,
                      seat_offsets: np.ndarray, *, one_per_buyer: bool = False,
                      seat_labels: bool = True) -> pd.DataFrame:
    """Turn day × category ticket counts into one canonical row per ticket."""
    horizon = tickets.shape[0] - 1
    day_idx, cat_idx, sizes_list = [], [], []
    for day, cat in zip(*np.nonzero(tickets), strict=True):
        sizes = _order_sizes(rng, int(tickets[day, cat]), one_per_buyer)
        sizes_list.append(sizes)
        day_idx.append(np.full(len(sizes), day))
        cat_idx.append(np.full(len(sizes), cat))
    if not sizes_list:
        return pd.DataFrame()
    sizes = np.concatenate(sizes_list)
    order_day, order_cat = np.concatenate(day_idx), np.concatenate(cat_idx)
    n_orders = len(sizes)
    order_ids = context.next_order_id + np.arange(n_orders)
    context.next_order_id += n_orders + int(rng.integers(0, 50))
    if one_per_buyer:
        buyers = pool.pick_distinct(rng, event.period, n_orders)
        if len(buyers) < n_orders:
            buyers = np.concatenate([buyers, pool.pick(rng, event.period, n_orders - len(buyers))])
        buyers = buyers[rng.permutation(n_orders)]
    else:
        buyers = pool.pick(rng, event.period, n_orders)

    days_before = horizon - order_day
    channel_names = [c[0] for c in context.channels]
    channel = rng.choice(channel_names, size=n_orders, p=[c[1] for c in context.channels])
    # Walk-up sales: on the last day half of the orders are made at the counter.
    walk_up = (days_before <= 1) & (rng.random(n_orders) < 0.5) & (len(channel_names) > 1)
    channel = np.where(walk_up, channel_names[min(1, len(channel_names) - 1)], channel)
    hours = rng.choice(WEB_HOURS, size=n_orders, p=WEB_HOUR_WEIGHTS / WEB_HOUR_WEIGHTS.sum())
    counter = channel == channel_names[min(1, len(channel_names) - 1)]
    hours = np.where(counter & (len(channel_names) > 1), rng.integers(10, 19, n_orders), hours)
    hours = np.where(days_before == 0, rng.integers(8, max(9, event.starts_at.hour), n_orders), hours)
    event_day = pd.Timestamp(event.starts_at.date())
    purchased = (event_day - pd.to_timedelta(days_before, unit="D")
                 + pd.to_timedelta(hours, unit="h")
                 + pd.to_timedelta(rng.integers(0, 3600, n_orders), unit="s"))

    ticket_order = np.repeat(np.arange(n_orders), sizes)
    n_tickets = len(ticket_order)
    t_cat = order_cat[ticket_order]
    t_day = order_day[ticket_order]
    tariff_names = np.array([t[0] for t in context.tariffs], dtype=object)
    tariff_factors = np.array([t[1] for t in context.tariffs])
    tariff_pick = rng.choice(len(context.tariffs), size=n_tickets, p=[t[2] for t in context.tariffs])
    tariff = tariff_names[tariff_pick]
    factor = tariff_factors[tariff_pick]
    if context.group_tariff is not None:
        group = sizes[ticket_order] >= GROUP_ORDER_MIN_SIZE
        tariff = np.where(group, context.group_tariff[0], tariff)
        factor = np.where(group, context.group_tariff[1], factor)
    price = np.round(prices[t_day, t_cat] * factor * 2) / 2

    rank_in_cat = pd.Series(np.arange(n_tickets)).groupby(t_cat).cumcount().to_numpy()
    seat_number = seat_offsets[t_cat] + rank_in_cat
    seat_offsets += np.bincount(t_cat, minlength=len(seat_offsets))
    category_names = np.array([c.name for c in event.categories], dtype=object)
    seat: np.ndarray | str = ""
    if seat_labels:
        seat = (pd.Series(category_names[t_cat]) + " - Bloc " + (seat_number // 500 + 1).astype(str)
                + " - Rang " + ((seat_number % 500) // 25 + 1).astype(str)
                + " - Place " + (seat_number % 25 + 1).astype(str)).to_numpy()

    person = pool.people.iloc[buyers[ticket_order]]
    rank_in_order = pd.Series(np.arange(n_tickets)).groupby(ticket_order).cumcount().to_numpy()
    return pd.DataFrame({
        "event_key": event.key, "event_name": event.name, "event_date": event.starts_at,
        "venue": event.venue, "season": event.season,
        "ticket_id": [f"{o}-{r + 1:02d}" for o, r in zip(order_ids[ticket_order], rank_in_order,
                                                             strict=True)],
        "order_id": order_ids[ticket_order], "price": price, "currency": context.currency,
        "category": category_names[t_cat], "tariff": tariff, "channel": channel[ticket_order],
        "purchase_date": purchased[ticket_order], "seat": seat,
        "customer_index": buyers[ticket_order],
        "customer_email": person["email"].to_numpy(),
        "customer_last_name": person["last_name"].to_numpy(),
        "customer_first_name": person["first_name"].to_numpy(),
        "customer_birth_date": person["birth_date"].to_numpy(),
        "customer_phone": person["phone"].to_numpy(),
        "customer_address": person["address"].to_numpy(),
        "customer_postal_code": person["postal_code"].to_numpy(),
        "customer_city": person["city"].to_numpy(),
        "customer_country": person["country"].to_numpy(),
        "customer_gender": person["sex"].to_numpy(),
    })


def schedule_rows(event: EventSpec, organization: str, tickets: np.ndarray, prices: np.ndarray,
                  demand: np.ndarray, capacity: np.ndarray, sale_days: int | None = None
                  ) -> pd.DataFrame:
    """Observed daily price schedule and sales of one event, plus the true uncensored demand.

    Only the first `sale_days` days (those before the demo's `as_of`) are kept: an event still
    on sale has no observed future.
    """
    days, cats = tickets.shape
    horizon = days - 1
    sale_days = days if sale_days is None else sale_days
    sold_before = np.vstack([np.zeros(cats, dtype=np.int64), np.cumsum(tickets, axis=0)[:-1]])
    day_grid = np.repeat(np.arange(days), cats)
    event_day = pd.Timestamp(event.starts_at.date())
    frame = pd.DataFrame({
        "organization_slug": organization, "event_key": event.key,
        "category": np.tile([c.name for c in event.categories], days),
        "sale_date": event_day - pd.to_timedelta(horizon - day_grid, unit="D"),
        "days_before": horizon - day_grid, "price": prices.ravel(),
        "tickets_sold": tickets.ravel(), "capacity_for_sale": np.tile(capacity, days),
        "sold_out_before_day": (sold_before >= capacity).ravel(),
        "sold_out_by_end_of_day": (np.cumsum(tickets, axis=0) >= capacity).ravel(),
        "truth_expected_demand": demand.ravel().round(3),
    })
    return frame[day_grid < sale_days].reset_index(drop=True)


def sale_days_before(starts_at: datetime, horizon_days: int, as_of: date) -> int:
    """How many sale days (counted from the on-sale day) lie before `as_of`.

    An event that started before `as_of` is complete (every day of its horizon); a later one
    is on sale with the days before `as_of`, or not on sale yet (0).
    """
    if starts_at.date() < as_of:
        return horizon_days + 1
    on_sale = starts_at.date() - timedelta(days=horizon_days)
    return max(0, min(horizon_days + 1, (as_of - on_sale).days))


def cut_at_as_of(tickets: np.ndarray, event: EventSpec, as_of: date) -> tuple[np.ndarray, int]:
    """An event's day × category sales with the days on or after `as_of` not happened yet.

    Prices and sales are causal (a day depends only on the days before), so cutting a full
    simulation gives exactly what simulating up to `as_of` would. Returns the kept day count.
    """
    days = sale_days_before(event.starts_at, tickets.shape[0] - 1, as_of)
    kept = tickets.copy()
    kept[days:] = 0
    return kept, days


def renewal_intercept(linear_part: np.ndarray, target_renewal: float) -> float:
    """Intercept that makes the mean renewal probability equal `target_renewal` (bisection)."""
    low, high = -20.0, 20.0
    for _ in range(60):
        middle = (low + high) / 2
        if np.mean(1 / (1 + np.exp(-(middle + linear_part)))) < target_renewal:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@dataclass
class OrganizationData:
    """Everything one organization's simulation produced besides its ticket rows."""

    events: list[dict] = field(default_factory=list)
    schedules: list[pd.DataFrame] = field(default_factory=list)
    subscriptions: list[pd.DataFrame] = field(default_factory=list)
    truth: dict = field(default_factory=dict)


def _scaled(categories: tuple[Category, ...], scale: float) -> tuple[Category, ...]:
    return tuple(
        Category(c.name, max(1, round(c.capacity * scale)), c.list_price, c.elasticity,
                 c.base_demand * scale, c.season_ticket_share, c.season_ticket_price)
        for c in categories)


def _season_label(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def _weekend_dates(rng: np.random.Generator, start: date, end: date, count: int,
                   weekday_choices: list[int], weekday_p: list[float]) -> list[date]:
    span = (end - start).days
    anchors = np.sort(rng.choice(np.arange(0, span, 7), size=count, replace=False))
    chosen = []
    for anchor in anchors:
        day = start + timedelta(days=int(anchor))
        target = int(rng.choice(weekday_choices, p=weekday_p))
        chosen.append(day + timedelta(days=(target - day.weekday()) % 7))
    return chosen


def _event_record(org: str, event: EventSpec, capacity: np.ndarray, list_prices: np.ndarray,
                  held: np.ndarray) -> list[dict]:
    return [{
        "organization_slug": org, "event_key": event.key, "event_name": event.name,
        "event_date": event.starts_at, "venue": event.venue, "season": event.season,
        "category": c.name, "capacity": int(cap + h), "capacity_for_sale": int(cap),
        "season_tickets_held": int(h), "list_price": float(p),
    } for c, cap, p, h in zip(event.categories, capacity, list_prices, held, strict=True)]


def simulate_club(rng: np.random.Generator, scenario: ClubScenario, scale: float,
                  data: OrganizationData, as_of: date) -> Iterator[tuple[str, pd.DataFrame]]:
    """Seasons of home matches: season-ticket holders with renewals, then single-ticket sales
    (matches after `as_of` only with the sales made before it)."""
    categories = _scaled(scenario.categories, scale)
    n_seasons = len(scenario.seasons)
    expected_tickets = sum(c.base_demand for c in categories) * len(scenario.opponents) * n_seasons
    pool = CustomerPool.draw(
        rng, max(50, int(expected_tickets * scenario.customer_pool_per_ticket)), periods=n_seasons,
        audience=scenario.audience, venue=scenario.venue, reference_year=scenario.seasons[-1],
        propensity_shape=0.6, dropout_a=2.0, dropout_b=5.0, initial_share=0.6)
    context = SaleContext(scenario.tariffs, scenario.group_tariff, scenario.channels,
                          next_order_id=int(rng.integers(160_000_000, 170_000_000)))
    holders = _initial_holders(rng, scenario, categories)
    # Email is the import's customer key: two people must never share one.
    emails_in_use = set(pool.people["email"])
    holders["email"] = _unused_emails(holders["email"], emails_in_use)
    coefficients = scenario.renewal_coefficients
    truth: dict = {"categories": [c.__dict__ for c in scenario.categories],
             "opponents": dict(scenario.opponents), "weekday_effect": scenario.weekday_effect,
             "month_effect": scenario.month_effect, "event_shock_sd": scenario.event_shock_sd,
             "booking_curve": scenario.curve.__dict__, "price_rules": scenario.rules.__dict__,
             "season_list_price_growth": scenario.season_list_price_growth,
             "customer_pool": {"size": len(pool.people), "propensity_gamma_shape": 0.6,
                               "dropout_beta": [2.0, 5.0], "initial_share": 0.6},
             "renewal": {"coefficients": coefficients, "target_churn": scenario.target_churn,
                         "seasons": []}, "event_shocks": {}}
    reference_prices = np.array([c.list_price for c in categories])
    elasticities = np.array([c.elasticity for c in categories])
    for period, start_year in enumerate(scenario.seasons):
        season = _season_label(start_year)
        list_prices = np.round(reference_prices * (1 + scenario.season_list_price_growth) ** period)
        held = np.bincount(holders["category_index"], minlength=len(categories))
        capacity = np.maximum(np.array([c.capacity for c in categories]) - held, 0)
        dates = _weekend_dates(rng, date(start_year, 8, 5), date(start_year + 1, 5, 20),
                               len(scenario.opponents), [5, 6, 4, 2], [0.5, 0.3, 0.1, 0.1])
        order = rng.permutation(len(scenario.opponents))
        attendance = rng.beta(9, 2, len(holders))
        for match_number, (day, opponent_index) in enumerate(zip(dates, order, strict=True)):
            opponent, strength = scenario.opponents[opponent_index]
            kickoff = datetime(day.year, day.month, day.day, 21 if day.weekday() < 5 else 17)
            shock = float(rng.normal(0, scenario.event_shock_sd))
            attractiveness = (strength + scenario.weekday_effect[day.weekday()]
                              + scenario.month_effect.get(day.month, 0.0) + shock)
            event = EventSpec(f"{scenario.slug}-{season}-J{match_number + 1:02d}",
                              f"{scenario.name} - {opponent}", kickoff, scenario.venue.name,
                              season, period, categories, attractiveness, shock)
            truth["event_shocks"][event.key] = round(shock, 4)
            expected = np.array([c.base_demand for c in categories]) * np.exp(attractiveness)
            tickets, prices, demand = simulate_category_sales(
                rng, expected_demand=expected, capacity=capacity, list_price=list_prices,
                reference_price=reference_prices, elasticity=elasticities,
                curve=scenario.curve.shares(), rules=scenario.rules)
            tickets, sale_days = cut_at_as_of(tickets, event, as_of)
            data.events += _event_record(scenario.slug, event, capacity, list_prices, held)
            data.schedules.append(schedule_rows(event, scenario.slug, tickets, prices, demand,
                                                capacity, sale_days))
            rows = build_ticket_rows(rng, event, tickets, prices, pool, context, held.copy())
            yield season, rows
        played = sum(day < as_of for day in dates)
        holders["events_attended"] = rng.binomial(played, attendance)
        holders["events_past"] = played
        holders["season"] = season
        data.subscriptions.append(_holder_table(scenario, holders))
        if period + 1 < n_seasons:
            holders, season_truth = _renew(rng, scenario, categories, holders, period,
                                           emails_in_use)
            truth["renewal"]["seasons"].append({"from": season, **season_truth})
    data.truth = truth


def _initial_holders(rng: np.random.Generator, scenario: ClubScenario,
                     categories: tuple[Category, ...]) -> pd.DataFrame:
    counts = [round(c.capacity * c.season_ticket_share) for c in categories]
    people = draw_people(rng, sum(counts), venue_lat=scenario.venue.latitude,
                         venue_lon=scenario.venue.longitude, profile=scenario.holder_audience,
                         reference_year=scenario.seasons[0])
    people["category_index"] = np.repeat(np.arange(len(categories)), counts)
    people["holder_since"] = scenario.seasons[0] - rng.geometric(0.2, len(people)) + 1
    people["reduced"] = rng.random(len(people)) < 0.15
    return people


def _holder_table(scenario: ClubScenario, holders: pd.DataFrame) -> pd.DataFrame:
    season_start = int(holders["season"].iloc[0][:4]) if len(holders) else scenario.seasons[0]
    period = scenario.seasons.index(season_start)
    growth = np.prod([1 + g for g in scenario.season_ticket_price_growth[: period + 1]])
    base = np.array([c.season_ticket_price for c in scenario.categories])[holders["category_index"]]
    price = np.round(base * growth * np.where(holders["reduced"], 0.75, 1.0))
    return pd.DataFrame({
        "organization_slug": scenario.slug, "season": holders["season"],
        "customer_email": holders["email"], "customer_last_name": holders["last_name"],
        "customer_first_name": holders["first_name"], "customer_birth_date": holders["birth_date"],
        "customer_gender": holders["sex"], "customer_phone": holders["phone"],
        "customer_address": holders["address"], "customer_postal_code": holders["postal_code"],
        "customer_city": holders["city"], "customer_country": holders["country"],
        "category": np.array([c.name for c in scenario.categories])[holders["category_index"]],
        "tariff": np.where(holders["reduced"], "Abonnement réduit", "Abonnement plein tarif"),
        "price": price, "holder_since": _season_label_array(holders["holder_since"]),
        "events_included": len(scenario.opponents), "events_past": holders["events_past"],
        "events_attended": holders["events_attended"],
    }).reset_index(drop=True)


def _season_label_array(years: pd.Series) -> np.ndarray:
    return np.array([_season_label(int(y)) for y in years], dtype=object)


def _unused_emails(emails: pd.Series, in_use: set[str]) -> pd.Series:
    """Emails made unique against `in_use` (people drawn separately may build the same one),
    numbered the way providers force it; `in_use` grows with the returned emails."""
    unique = []
    for email in emails:
        candidate, number = email, 1
        while candidate in in_use:
            number += 1
            candidate = email.replace("@", f"{number}@", 1)
        in_use.add(candidate)
        unique.append(candidate)
    return pd.Series(unique, index=emails.index, dtype=object)


def _renew(rng: np.random.Generator, scenario: ClubScenario, categories: tuple[Category, ...],
           holders: pd.DataFrame, period: int, emails_in_use: set[str]) -> tuple[pd.DataFrame, dict]:
    """Who renews for next season (logistic model), and the newcomers who refill the stands."""
    c = scenario.renewal_coefficients
    season_start = scenario.seasons[period]
    tenure = season_start - holders["holder_since"].to_numpy() + 1
    attendance = holders["events_attended"].to_numpy() / len(scenario.opponents)
    distance = np.nan_to_num(holders["distance_km"].to_numpy(dtype=float), nan=500.0)
    names = np.array([cat.name for cat in categories])[holders["category_index"]]
    increase = scenario.season_ticket_price_growth[period + 1]
    linear = (c["log1p_tenure"] * np.log1p(tenure) + c["attendance_rate"] * (attendance - 0.8)
              + c["distance_per_50km"] * np.minimum(distance, 300) / 50
              + c["price_increase"] * increase
              + c["presidentielle"] * (names == "Présidentielle") + c["virage"] * (names == "Virage Nord")
              + rng.normal(0, c["noise_sd"], len(holders)))
    intercept = renewal_intercept(linear, 1 - scenario.target_churn)
    renews = rng.random(len(holders)) < 1 / (1 + np.exp(-(intercept + linear)))
    stayed = holders[renews].drop(columns=["events_attended", "events_past", "season"])
    wanted = np.array([round(cat.capacity * cat.season_ticket_share) for cat in categories])
    kept = np.bincount(stayed["category_index"], minlength=len(categories))
    missing = np.maximum(wanted - kept, 0)
    newcomers = draw_people(rng, int(missing.sum()), venue_lat=scenario.venue.latitude,
                            venue_lon=scenario.venue.longitude, profile=scenario.holder_audience,
                            reference_year=season_start + 1)
    newcomers["email"] = _unused_emails(newcomers["email"], emails_in_use)
    newcomers["category_index"] = np.repeat(np.arange(len(categories)), missing)
    newcomers["holder_since"] = season_start + 1
    newcomers["reduced"] = rng.random(len(newcomers)) < 0.15
    return (pd.concat([stayed, newcomers], ignore_index=True),
            {"intercept": round(intercept, 4), "holders": len(holders),
             "renewed": int(renews.sum()), "churn": round(1 - renews.mean(), 4),
             "price_increase_next": increase})


def renew_at_target_churn(rng: np.random.Generator, linear: np.ndarray,
                          churn: float) -> tuple[np.ndarray, float]:
    """Who renews under a logit model whose intercept makes exactly `churn` of holders leave.

    Utility = intercept + linear + Logistic(0, 1) noise, a holder renews when it is positive
    (so P(renew) = sigmoid(intercept + linear)). The intercept is the one that puts exactly
    round(churn × holders) below zero: a theatre sets its renewal target, the drivers decide who.
    Returns (renews mask, intercept).
    """
    count = len(linear)
    if count == 0:
        return np.zeros(0, dtype=bool), 0.0
    utility = linear + rng.logistic(size=count)
    leaving = int(round(churn * count))
    order = np.argsort(utility, kind="stable")
    renews = np.ones(count, dtype=bool)
    renews[order[:leaving]] = False
    ranked = utility[order]
    if leaving == 0:
        threshold = ranked[0] - 1.0
    elif leaving == count:
        threshold = ranked[-1] + 1.0
    else:
        threshold = (ranked[leaving - 1] + ranked[leaving]) / 2
    return renews, float(-threshold)


def theatre_renewal_linear(scenario: TheatreScenario, people: pd.DataFrame,
                           subscribers: pd.DataFrame, season_start: int) -> np.ndarray:
    """The renewal utility of each subscriber without its intercept and noise (true model)."""
    c = scenario.renewal_coefficients
    tenure = season_start - subscribers["holder_since"].to_numpy() + 1
    attendance = (subscribers["events_attended"].to_numpy()
                  / np.maximum(subscribers["events_included"].to_numpy(), 1))
    distance = np.nan_to_num(people["distance_km"].to_numpy(dtype=float), nan=500.0)
    birth_year = pd.to_datetime(people["birth_date"]).dt.year.to_numpy(dtype=float)
    age = np.nan_to_num(season_start - birth_year, nan=50.0)
    return (c["log1p_tenure"] * np.log1p(tenure) + c["attendance_rate"] * (attendance - 0.8)
            + c["distance_per_50km"] * np.minimum(distance, 300) / 50
            + c["age_per_10_years"] * (age - 50) / 10)


@dataclass(frozen=True)
class _Production:
    title: str
    hall: str
    appeal: float
    events: list[EventSpec]


def _theatre_season(rng: np.random.Generator, scenario: TheatreScenario,
                    halls: dict[str, tuple[Category, ...]], titles: list[str], period: int,
                    start_year: int, truth: dict) -> list[_Production]:
    """The season's productions and their performances (dates, halls, attractiveness)."""
    season = _season_label(start_year)
    hall_names = list(halls)
    productions = []
    for production_number in range(scenario.productions_per_season):
        title = str(titles.pop())
        hall = hall_names[production_number % len(hall_names)]
        appeal = float(rng.normal(0, scenario.attractiveness_sd))
        performances = int(rng.integers(3, 12))
        truth["productions"][f"{season} {title}"] = {"hall": hall, "attractiveness": round(
            appeal, 4), "performances": performances}
        first = date(start_year, 9, 20) + timedelta(days=int(production_number * 22
                                                             + rng.integers(0, 10)))
        events = []
        for number in range(performances):
            day = first + timedelta(days=number)
            if day.weekday() == 0:
                continue  # theatres are dark on Mondays
            starts = datetime(day.year, day.month, day.day, 16 if day.weekday() == 6 else 20)
            shock = float(rng.normal(0, scenario.event_shock_sd))
            attractiveness = appeal + scenario.weekday_effect.get(day.weekday(), 0.0) + shock
            key = f"{scenario.slug}-{season}-P{production_number + 1:02d}-{number + 1:02d}"
            events.append(EventSpec(key, title, starts, f"{scenario.venue.name} - {hall}", season,
                                    period, halls[hall], attractiveness, shock))
            truth["event_shocks"][key] = round(shock, 4)
        productions.append(_Production(title, hall, appeal, events))
    return productions


def _allocate_subscriptions(rng: np.random.Generator, scenario: TheatreScenario,
                            subscribers: pd.DataFrame, productions: list[_Production]
                            ) -> pd.DataFrame:
    """Each subscriber's shows: their favourite productions (appeal + taste noise), at the
    performance with most seats left in their preferred category tier, while subscribers hold
    at most `subscriber_seat_cap` of a category. Returns (subscriber, event, category) rows."""
    events = [event for production in productions for event in production.events]
    event_of_production = []
    start = 0
    for production in productions:
        event_of_production.append(np.arange(start, start + len(production.events)))
        start += len(production.events)
    width = max(len(e.categories) for e in events) if events else 1
    remaining = np.zeros((len(events), width), dtype=np.int64)
    for index, event in enumerate(events):
        remaining[index, :len(event.categories)] = [
            int(c.capacity * scenario.subscriber_seat_cap) for c in event.categories]
    appeal = np.array([p.appeal for p in productions])
    wanted = min(scenario.shows_per_subscription, len(productions))
    rows: list[tuple[int, int, int]] = []
    tiers = subscribers["tier"].to_numpy()
    for subscriber in range(len(subscribers)):
        taken = 0
        for production in np.argsort(-(appeal + rng.gumbel(size=len(productions)))):
            performances = event_of_production[production]
            if len(performances) == 0:
                continue
            n_categories = len(productions[production].events[0].categories)
            preferred = min(int(tiers[subscriber]), n_categories - 1)
            for category in sorted(range(n_categories), key=lambda c: abs(c - preferred)):
                best = performances[int(np.argmax(remaining[performances, category]))]
                if remaining[best, category] > 0:
                    remaining[best, category] -= 1
                    rows.append((subscriber, int(best), category))
                    taken += 1
                    break
            if taken == wanted:
                break
    seats = pd.DataFrame(rows, columns=["subscriber", "event", "category"])
    seats["starts_at"] = [events[e].starts_at for e in seats["event"]]
    seats = seats.sort_values(["subscriber", "starts_at"], kind="stable")
    seats["show_number"] = seats.groupby("subscriber").cumcount() + 1
    return seats.reset_index(drop=True)


def _subscription_orders(rng: np.random.Generator, scenario: TheatreScenario,
                         subscribers: pd.DataFrame, start_year: int,
                         context: SaleContext) -> pd.DataFrame:
    """One order per subscriber in the spring campaign: renewals from mid-May to June,
    newcomers from June to early September (before the first performance)."""
    count = len(subscribers)
    new = subscribers["holder_since"].to_numpy() == start_year
    first_day = np.where(new, date(start_year, 6, 1).toordinal(), date(start_year, 5, 15).toordinal())
    last_day = np.where(new, date(start_year, 9, 10).toordinal(), date(start_year, 6, 30).toordinal())
    days = first_day + np.floor(rng.random(count) * (last_day - first_day + 1)).astype(np.int64)
    online = rng.random(count) < 0.55
    web_hour = rng.choice(WEB_HOURS, size=count, p=WEB_HOUR_WEIGHTS / WEB_HOUR_WEIGHTS.sum())
    hour = np.where(online, web_hour, rng.integers(10, 19, count))
    purchased = (pd.to_datetime([date.fromordinal(int(d)) for d in days])
                 + pd.to_timedelta(hour, unit="h")
                 + pd.to_timedelta(rng.integers(0, 3600, count), unit="s"))
    channel_names = [c[0] for c in scenario.channels]
    order_ids = context.next_order_id + np.arange(count)
    context.next_order_id += count + int(rng.integers(0, 50))
    return pd.DataFrame({"order_id": order_ids, "purchase_date": purchased,
                         "channel": np.where(online, channel_names[0], channel_names[1])})


def _subscriber_ticket_rows(event: EventSpec, seats: pd.DataFrame, orders: pd.DataFrame,
                            people: pd.DataFrame, tariff: str, cutoff: datetime,
                            currency: str) -> pd.DataFrame:
    """The Abonné tickets of one performance (seats numbered first in each category), for the
    subscribers whose order was placed before `cutoff`."""
    if seats.empty:
        return pd.DataFrame()
    seats = seats.assign(seat_number=seats.groupby("category").cumcount().to_numpy())
    order = orders.iloc[seats["subscriber"].to_numpy()].reset_index(drop=True)
    seats = seats.reset_index(drop=True)
    placed = (order["purchase_date"] < pd.Timestamp(cutoff)).to_numpy()
    seats, order = seats[placed].reset_index(drop=True), order[placed].reset_index(drop=True)
    if seats.empty:
        return pd.DataFrame()
    person = people.iloc[seats["person"].to_numpy()]
    names = np.array([c.name for c in event.categories], dtype=object)
    number = seats["seat_number"].to_numpy()
    category = names[seats["category"].to_numpy()]
    return pd.DataFrame({
        "event_key": event.key, "event_name": event.name, "event_date": event.starts_at,
        "venue": event.venue, "season": event.season,
        "ticket_id": [f"{o}-{s:02d}" for o, s in zip(order["order_id"], seats["show_number"],
                                                      strict=True)],
        "order_id": order["order_id"].to_numpy(), "price": seats["price"].to_numpy(),
        "currency": currency, "category": category, "tariff": tariff,
        "channel": order["channel"].to_numpy(), "purchase_date": order["purchase_date"].to_numpy(),
        "seat": (pd.Series(category) + " - Bloc " + (number // 500 + 1).astype(str)
                 + " - Rang " + ((number % 500) // 25 + 1).astype(str)
                 + " - Place " + (number % 25 + 1).astype(str)).to_numpy(),
        "customer_index": seats["person"].to_numpy(),
        **{f"customer_{name}": person[name].to_numpy() for name in (
            "email", "last_name", "first_name", "birth_date", "phone", "address", "postal_code",
            "city", "country")},
        "customer_gender": person["sex"].to_numpy(),
    })


def _renew_subscribers(rng: np.random.Generator, scenario: TheatreScenario, pool: CustomerPool,
                       subscribers: pd.DataFrame, period: int, wanted: int
                       ) -> tuple[pd.DataFrame, dict]:
    """Who renews for season `period` (logit with a churn-calibrated intercept), and the
    single-ticket buyers converted into subscribers to replace the leavers."""
    season_start = scenario.seasons[period - 1]
    people = pool.people.iloc[subscribers["person"].to_numpy()]
    linear = theatre_renewal_linear(scenario, people, subscribers, season_start)
    renews, intercept = renew_at_target_churn(rng, linear, scenario.target_churn)
    stayed = subscribers.loc[renews, ["person", "holder_since", "tier"]]
    newcomers = pool.pick_distinct(rng, period, max(wanted - len(stayed), 0),
                                   exclude=subscribers["person"].to_numpy())
    joined = pd.DataFrame({"person": newcomers, "holder_since": scenario.seasons[period],
                           "tier": _tiers(rng, len(newcomers))})
    return (pd.concat([stayed, joined], ignore_index=True),
            {"intercept": round(intercept, 4), "holders": len(subscribers),
             "renewed": int(renews.sum()), "churn": round(1 - float(renews.mean()), 4)})


def _tiers(rng: np.random.Generator, count: int) -> np.ndarray:
    """Preferred category rank of each subscriber (0 = best seats)."""
    return rng.choice(3, size=count, p=[0.3, 0.5, 0.2])


def simulate_theatre(rng: np.random.Generator, scenario: TheatreScenario, scale: float,
                     data: OrganizationData, as_of: date) -> Iterator[tuple[str, pd.DataFrame]]:
    """Seasons of productions in three halls, each with several performances; subscribers
    (abonnés) take their seats in a spring campaign, single tickets sell on the rest."""
    halls = {hall: _scaled(cats, scale) for hall, cats in scenario.halls.items()}
    n_seasons = len(scenario.seasons)
    mean_perf = 7
    expected = (sum(sum(c.base_demand for c in cats) for cats in halls.values()) / len(halls)
                * mean_perf * scenario.productions_per_season * n_seasons)
    pool = CustomerPool.draw(
        rng, max(50, int(expected * scenario.customer_pool_per_ticket)), periods=n_seasons,
        audience=scenario.audience, venue=scenario.venue, reference_year=scenario.seasons[-1],
        propensity_shape=0.8, dropout_a=2.0, dropout_b=4.0, initial_share=0.65)
    context = SaleContext(scenario.tariffs, None, scenario.channels,
                          next_order_id=int(rng.integers(20_000_000, 30_000_000)))
    cutoff = datetime.combine(as_of, datetime.min.time())
    titles = list(rng.permutation(scenario.show_titles))
    wanted = max(1, round(scenario.subscribers * scale))
    tariff, factor = scenario.subscription_tariff
    truth: dict = {"halls": {h: [c.__dict__ for c in cats] for h, cats in scenario.halls.items()},
                   "weekday_effect": scenario.weekday_effect, "booking_curve": scenario.curve.__dict__,
                   "price_rules": scenario.rules.__dict__, "productions": {}, "event_shocks": {},
                   "customer_pool": {"size": len(pool.people), "propensity_gamma_shape": 0.8,
                                     "dropout_beta": [2.0, 4.0], "initial_share": 0.65},
                   "subscriptions": {
                       "formula": scenario.subscription_name, "tariff": tariff,
                       "price_factor": factor, "subscribers": wanted,
                       "shows_per_subscription": scenario.shows_per_subscription,
                       "subscriber_seat_cap": scenario.subscriber_seat_cap,
                       "tenure_geometric_p": scenario.subscriber_tenure_geometric_p,
                       "attendance_beta": list(scenario.attendance_beta),
                       "renewal": {"coefficients": scenario.renewal_coefficients,
                                   "noise": "Logistic(0, 1)", "target_churn": scenario.target_churn,
                                   "seasons": []}}}
    first = pool.pick_distinct(rng, 0, wanted)
    subscribers = pd.DataFrame({
        "person": first,
        "holder_since": scenario.seasons[0] - rng.geometric(
            scenario.subscriber_tenure_geometric_p, len(first)) + 1,
        "tier": _tiers(rng, len(first))})
    for period, start_year in enumerate(scenario.seasons):
        season = _season_label(start_year)
        productions = _theatre_season(rng, scenario, halls, titles, period, start_year, truth)
        if period > 0:
            subscribers, renewal = _renew_subscribers(rng, scenario, pool, subscribers, period,
                                                      wanted)
            truth["subscriptions"]["renewal"]["seasons"].append(
                {"from": _season_label(scenario.seasons[period - 1]), **renewal})
        seats = _allocate_subscriptions(rng, scenario, subscribers, productions)
        seats["person"] = subscribers["person"].to_numpy()[seats["subscriber"].to_numpy()]
        orders = _subscription_orders(rng, scenario, subscribers, start_year, context)
        events = [event for production in productions for event in production.events]
        seat_prices = []
        for index, event in enumerate(events):
            categories = event.categories
            mine = seats[seats["event"] == index]
            held = np.bincount(mine["category"], minlength=len(categories)).astype(np.int64)
            capacity = np.array([c.capacity for c in categories]) - held
            list_prices = np.array([c.list_price for c in categories])
            elasticities = np.array([c.elasticity for c in categories])
            tickets, prices, demand = simulate_category_sales(
                rng, expected_demand=np.array([c.base_demand for c in categories])
                * np.exp(event.attractiveness), capacity=capacity, list_price=list_prices,
                reference_price=list_prices, elasticity=elasticities,
                curve=scenario.curve.shares(), rules=scenario.rules)
            tickets, sale_days = cut_at_as_of(tickets, event, as_of)
            data.events += _event_record(scenario.slug, event, capacity, list_prices, held)
            data.schedules.append(schedule_rows(event, scenario.slug, tickets, prices, demand,
                                                capacity, sale_days))
            mine = mine.assign(price=np.round(list_prices[mine["category"]] * factor * 2) / 2)
            seat_prices.append(mine[["subscriber", "price"]])
            abonnes = _subscriber_ticket_rows(event, mine, orders, pool.people, tariff, cutoff,
                                              context.currency)
            singles = build_ticket_rows(rng, event, tickets, prices, pool, context, held.copy())
            frames = [frame for frame in (abonnes, singles) if not frame.empty]
            yield season, pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        past = np.array([event.starts_at.date() < as_of for event in events])
        subscribers = subscribers.assign(
            events_included=np.bincount(seats["subscriber"], minlength=len(subscribers)),
            events_past=np.bincount(seats["subscriber"], weights=past[seats["event"]],
                                    minlength=len(subscribers)).astype(int))
        rate = rng.beta(*scenario.attendance_beta, len(subscribers))
        subscribers["events_attended"] = rng.binomial(subscribers["events_past"], rate)
        paid = pd.concat(seat_prices).groupby("subscriber")["price"].sum()
        placed = (orders["purchase_date"] < pd.Timestamp(cutoff)).to_numpy()
        data.subscriptions.append(_subscription_table(
            scenario, season, subscribers[placed], pool.people,
            paid.reindex(np.flatnonzero(placed), fill_value=0.0).to_numpy()))
    data.truth = truth


def _subscription_table(scenario: TheatreScenario, season: str, subscribers: pd.DataFrame,
                        people: pd.DataFrame, price: np.ndarray) -> pd.DataFrame:
    """The theatre's abonnements of one season, in the club's season-ticket table shape
    (no seat category: an abonnement is a choice of shows, not a seat)."""
    person = people.iloc[subscribers["person"].to_numpy()].reset_index(drop=True)
    return pd.DataFrame({
        "organization_slug": scenario.slug, "season": season,
        **{f"customer_{name}": person[name].to_numpy() for name in (
            "email", "last_name", "first_name", "birth_date")},
        "customer_gender": person["sex"].to_numpy(),
        **{f"customer_{name}": person[name].to_numpy() for name in (
            "phone", "address", "postal_code", "city", "country")},
        "category": None, "tariff": scenario.subscription_name, "price": price,
        "holder_since": _season_label_array(subscribers["holder_since"]),
        "events_included": subscribers["events_included"].to_numpy(),
        "events_past": subscribers["events_past"].to_numpy(),
        "events_attended": subscribers["events_attended"].to_numpy(),
    })


def simulate_race(rng: np.random.Generator, scenario: RaceScenario, scale: float,
                  data: OrganizationData, as_of: date) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yearly editions; each runner registers once per edition, prices rise by tiers (an
    edition after `as_of` only with the registrations made before it)."""
    categories = _scaled(scenario.categories, scale)
    n_editions = len(scenario.editions)
    expected = sum(c.base_demand for c in categories) * n_editions
    returning = scenario.yearly_return_probability_mean
    pool = CustomerPool.draw(
        rng, max(50, int(expected * scenario.customer_pool_per_ticket)), periods=n_editions,
        audience=scenario.audience, venue=scenario.venue, reference_year=scenario.editions[-1],
        propensity_shape=1.0, dropout_a=2.0 * (1 - returning) / returning, dropout_b=2.0,
        initial_share=0.3)
    context = SaleContext((("Inscription", 1.0, 1.0),), None, (("Internet", 1.0),),
                          next_order_id=int(rng.integers(600_000, 700_000)))
    truth: dict = {"categories": [c.__dict__ for c in scenario.categories], "tiers": scenario.tiers,
                   "edition_growth": scenario.edition_growth, "booking_curve": scenario.curve.__dict__,
                   "event_shocks": {}}
    list_prices = np.array([c.list_price for c in categories])
    elasticities = np.array([c.elasticity for c in categories])
    capacity = np.array([c.capacity for c in categories])
    for period, year in enumerate(scenario.editions):
        day = date(year, 10, 1) + timedelta(days=(6 - date(year, 10, 1).weekday()) % 7 + 14)
        starts = datetime(day.year, day.month, day.day, 9)
        shock = float(rng.normal(0, scenario.event_shock_sd))
        attractiveness = scenario.edition_growth * period + shock
        event = EventSpec(f"{scenario.slug}-{year}", f"{scenario.name} {year}", starts,
                          scenario.venue.name, str(year), period, categories, attractiveness, shock)
        truth["event_shocks"][event.key] = round(shock, 4)
        tickets, prices, demand = simulate_category_sales(
            rng, expected_demand=np.array([c.base_demand for c in categories])
            * np.exp(attractiveness), capacity=capacity, list_price=list_prices,
            reference_price=list_prices, elasticity=elasticities, curve=scenario.curve.shares(),
            rules=None, tiers=scenario.tiers)
        tickets, sale_days = cut_at_as_of(tickets, event, as_of)
        # Njuko names each distance as its own event ("Épreuve"), the date being the edition's.
        records = _event_record(scenario.slug, event, capacity, list_prices,
                                np.zeros(len(categories), dtype=int))
        for record in records:
            record["event_name"] = record["category"]
        data.events += records
        data.schedules.append(schedule_rows(event, scenario.slug, tickets, prices, demand, capacity,
                                            sale_days))
        rows = build_ticket_rows(rng, event, tickets, prices, pool, context,
                                 np.zeros(len(categories), dtype=np.int64), one_per_buyer=True,
                                 seat_labels=False)
        if not rows.empty:
            rows["event_name"] = rows["category"]
        yield str(year), rows
    data.truth = truth
