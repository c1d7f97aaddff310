"""The demo's season tickets in the renewal model's input shape, with the generator's true model.

The club and theatre simulators of ``arena.demo`` are run directly (no files, no database);
their subscription tables are mapped to the renewal input schema the storage step will feed:
``customer_id`` (the email), ``season``, ``category``, ``price``, ``holder_since``,
``events_included``, ``events_past``, ``events_attended``; customers get ``distance_km``
computed as the enrichment does (postal code and city looked up in the bundled gazetteer,
great-circle distance to the venue), ``birth_date`` and ``gender``.

The truth is recomputed from the same columns and the intercepts recorded in the generator's
truth: the true log-odds of renewing without the unobservable noise (its AUC is the best any
model can reach from these features) and the true probability (the club's Gaussian noise
integrated out by Gauss-Hermite quadrature; the theatre's is exactly logistic).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from arena.demo.people import haversine_km
from arena.demo.reference import load_gazetteer
from arena.demo.scenarios import ClubScenario, TheatreScenario, scenarios_as_of
from arena.demo.simulate import OrganizationData, simulate_club, simulate_theatre

DEMO_AS_OF = date(2026, 11, 28)
UNLOCATED_KM = 500.0  # what the generator's renewal model uses for a home abroad


@dataclass(frozen=True)
class DemoRenewal:
    """One organization's holdings and customers, and per (customer_id, season) of every
    season with a known next one: ``true_logit`` (noise-free) and ``true_probability``."""

    name: str
    holdings: pd.DataFrame
    customers: pd.DataFrame
    truth: pd.DataFrame  # customer_id, season, true_logit, true_probability, renewed
    seasons: tuple[str, ...]


def _distance(subscriptions: pd.DataFrame, latitude: float, longitude: float) -> np.ndarray:
    places = load_gazetteer().drop_duplicates(["postal_code", "city"])
    located = subscriptions[["customer_postal_code", "customer_city"]].merge(
        places[["postal_code", "city", "latitude", "longitude"]],
        left_on=["customer_postal_code", "customer_city"], right_on=["postal_code", "city"],
        how="left")
    return haversine_km(located["latitude"].to_numpy(dtype=float),
                        located["longitude"].to_numpy(dtype=float), latitude, longitude)


def _inputs(subscriptions: pd.DataFrame, latitude: float,
            longitude: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    holdings = pd.DataFrame({
        "customer_id": subscriptions["customer_email"].to_numpy(),
        "season": subscriptions["season"].to_numpy(),
        "category": subscriptions["category"].to_numpy(),
        "price": subscriptions["price"].to_numpy(dtype=float),
        "holder_since": subscriptions["holder_since"].to_numpy(),
        "events_included": subscriptions["events_included"].to_numpy(),
        "events_past": subscriptions["events_past"].to_numpy(),
        "events_attended": subscriptions["events_attended"].to_numpy(),
    })
    people = subscriptions.assign(distance_km=_distance(subscriptions, latitude, longitude))
    people = people.drop_duplicates("customer_email", keep="last")
    customers = pd.DataFrame({
        "customer_id": people["customer_email"].to_numpy(),
        "distance_km": people["distance_km"].to_numpy(dtype=float),
        "birth_date": people["customer_birth_date"].to_numpy(),
        "gender": people["customer_gender"].to_numpy(),
    })
    return holdings, customers


def _renewed(holdings: pd.DataFrame, seasons: tuple[str, ...]) -> pd.Series:
    held = set(zip(holdings["customer_id"], holdings["season"], strict=True))
    following = {s: seasons[i + 1] for i, s in enumerate(seasons[:-1])}
    return pd.Series([float((c, following[s]) in held) if s in following else np.nan
                      for c, s in zip(holdings["customer_id"], holdings["season"], strict=True)],
                     index=holdings.index)


def _gauss_hermite_logistic(logit: np.ndarray, sd: float) -> np.ndarray:
    """E[sigmoid(logit + e)], e ~ N(0, sd^2)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    values = 1 / (1 + np.exp(-(logit[:, None] + sd * nodes[None, :])))
    return values @ (weights / weights.sum())


def club_renewal(*, seed: int = 42, scale: float = 1.0, as_of: date = DEMO_AS_OF,
                 seasons: int | None = None) -> DemoRenewal:
    """The demo club (3 seasons by default; ``seasons`` > 3 extends its calendar backwards)."""
    club = scenarios_as_of(as_of)[0]
    if seasons is not None and seasons != len(club.seasons):
        last = club.seasons[-1]
        growth = (0.0, 0.03, 0.08, 0.02, 0.05, 0.04, 0.06, 0.03)[:seasons]
        club = replace(club, seasons=tuple(range(last - seasons + 1, last + 1)),
                       season_ticket_price_growth=growth)
    data = OrganizationData()
    for _ in simulate_club(np.random.default_rng([seed, 1]), club, scale, data, as_of):
        pass
    subscriptions = pd.concat(data.subscriptions, ignore_index=True)
    holdings, customers = _inputs(subscriptions, club.venue.latitude, club.venue.longitude)
    labels = tuple(sorted(holdings["season"].unique()))
    truth = _club_truth(club, data.truth["renewal"], holdings, customers, labels)
    return DemoRenewal("club", holdings, customers, truth, labels)


def _club_truth(club: ClubScenario, renewal: dict, holdings: pd.DataFrame,
                customers: pd.DataFrame, labels: tuple[str, ...]) -> pd.DataFrame:
    c = renewal["coefficients"]
    per_season = {s["from"]: s for s in renewal["seasons"]}
    distance = customers.set_index("customer_id")["distance_km"].reindex(
        holdings["customer_id"]).to_numpy(dtype=float)
    tenure = holdings["season"].str[:4].astype(int) - holdings["holder_since"].str[:4].astype(
        int) + 1
    attendance = holdings["events_attended"].to_numpy() / len(club.opponents)
    category = holdings["category"].to_numpy()
    linear = (c["log1p_tenure"] * np.log1p(tenure.to_numpy())
              + c["attendance_rate"] * (attendance - 0.8)
              + c["distance_per_50km"] * np.minimum(np.nan_to_num(distance, nan=UNLOCATED_KM),
                                                    300) / 50
              + c["presidentielle"] * (category == "Présidentielle")
              + c["virage"] * (category == "Virage Nord"))
    known = holdings["season"].isin(per_season).to_numpy()
    intercept = np.array([per_season[s]["intercept"] + c["price_increase"]
                          * per_season[s]["price_increase_next"] if s in per_season else np.nan
                          for s in holdings["season"]])
    logit = intercept + linear
    truth = pd.DataFrame({"customer_id": holdings["customer_id"], "season": holdings["season"],
                          "true_logit": logit,
                          "true_probability": _gauss_hermite_logistic(logit, c["noise_sd"]),
                          "renewed": _renewed(holdings, labels)})
    return truth[known].reset_index(drop=True)


def theatre_renewal(*, seed: int = 42, scale: float = 1.0, as_of: date = DEMO_AS_OF,
                    seasons: int | None = None) -> DemoRenewal:
    """The demo theatre (2 seasons by default: one transition; ``seasons`` adds earlier ones,
    with productions titled "... (reprise)" once the 24 bundled titles are used up)."""
    theatre = scenarios_as_of(as_of)[1]
    if seasons is not None and seasons != len(theatre.seasons):
        last = theatre.seasons[-1]
        titles = tuple(theatre.show_titles) + tuple(
            f"{title} ({'reprise' if round_ == 1 else f'reprise {round_}'})"
            for round_ in range(1, seasons) for title in theatre.show_titles)
        theatre = replace(theatre, seasons=tuple(range(last - seasons + 1, last + 1)),
                          show_titles=titles)
    data = OrganizationData()
    for _ in simulate_theatre(np.random.default_rng([seed, 2]), theatre, scale, data, as_of):
        pass
    subscriptions = pd.concat(data.subscriptions, ignore_index=True)
    holdings, customers = _inputs(subscriptions, theatre.venue.latitude, theatre.venue.longitude)
    labels = tuple(sorted(holdings["season"].unique()))
    truth = _theatre_truth(theatre, data.truth["subscriptions"]["renewal"], holdings, customers,
                           labels)
    return DemoRenewal("theatre", holdings, customers, truth, labels)


def _theatre_truth(theatre: TheatreScenario, renewal: dict, holdings: pd.DataFrame,
                   customers: pd.DataFrame, labels: tuple[str, ...]) -> pd.DataFrame:
    c = renewal["coefficients"]
    per_season = {s["from"]: s for s in renewal["seasons"]}
    people = customers.set_index("customer_id").reindex(holdings["customer_id"])
    distance = people["distance_km"].to_numpy(dtype=float)
    season_start = holdings["season"].str[:4].astype(int).to_numpy()
    tenure = season_start - holdings["holder_since"].str[:4].astype(int).to_numpy() + 1
    attendance = (holdings["events_attended"].to_numpy()
                  / np.maximum(holdings["events_included"].to_numpy(), 1))
    birth_year = pd.to_datetime(people["birth_date"]).dt.year.to_numpy(dtype=float)
    age = np.nan_to_num(season_start - birth_year, nan=50.0)
    linear = (c["log1p_tenure"] * np.log1p(tenure) + c["attendance_rate"] * (attendance - 0.8)
              + c["distance_per_50km"] * np.minimum(np.nan_to_num(distance, nan=UNLOCATED_KM),
                                                    300) / 50
              + c["age_per_10_years"] * (age - 50) / 10)
    known = holdings["season"].isin(per_season).to_numpy()
    intercept = np.array([per_season[s]["intercept"] if s in per_season else np.nan
                          for s in holdings["season"]])
    logit = intercept + linear
    truth = pd.DataFrame({"customer_id": holdings["customer_id"], "season": holdings["season"],
                          "true_logit": logit, "true_probability": 1 / (1 + np.exp(-logit)),
                          "renewed": _renewed(holdings, labels)})
    return truth[known].reset_index(drop=True)


@dataclass(frozen=True)
class HeldOutResult:
    """How a renewal model fitted without season s+1 scores the holders of s, against s+1 and
    against the true model on the same holders."""

    name: str
    season: str
    holders: int
    chosen: str
    model_auc: float
    true_auc: float
    ece: float
    true_ece: float
    brier: float
    true_brier: float
    mean_probability: float
    renewal_rate: float
    seconds: float

    @property
    def auc_gap(self) -> float:
        return self.true_auc - self.model_auc


def evaluate_held_out(demo: DemoRenewal, season: str, **model_options: object) -> HeldOutResult:
    """Fit on everything up to ``season`` (the model itself forgets later seasons), score the
    holders of ``season``, judge against who held a ticket the season after."""
    import time

    from arena.crm.scoring.metrics import brier_score, expected_calibration_error, roc_auc
    from arena.crm.scoring.renewal import RenewalModel

    started = time.perf_counter()
    model = RenewalModel(**model_options).fit(demo.holdings, demo.customers,  # type: ignore[arg-type]
                                              season=season)
    scores = model.predict()
    seconds = time.perf_counter() - started
    truth = demo.truth[demo.truth["season"] == season].drop(columns="season")
    joined = scores.merge(truth, on="customer_id", how="inner", validate="one_to_one")
    if len(joined) != len(scores):
        raise AssertionError(f"{len(scores) - len(joined)} scored holders have no truth")
    y = joined["renewed"].to_numpy(dtype=float)
    return HeldOutResult(
        demo.name, season, len(joined), model.chosen_,
        roc_auc(y, joined["probability"]), roc_auc(y, joined["true_logit"]),
        expected_calibration_error(y, joined["probability"]),
        expected_calibration_error(y, joined["true_probability"]),
        brier_score(y, joined["probability"]), brier_score(y, joined["true_probability"]),
        float(joined["probability"].mean()), float(y.mean()), seconds)
