"""Synthetic customers: sex, birth date, names, email, phone and a real French address."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arena.demo.reference import first_name_probabilities, load_gazetteer, load_last_names

EARTH_RADIUS_KM = 6371.0
EMAIL_DOMAINS = {
    "gmail.com": 0.42, "orange.fr": 0.13, "hotmail.fr": 0.11, "yahoo.fr": 0.08, "free.fr": 0.07,
    "sfr.fr": 0.05, "laposte.net": 0.05, "outlook.fr": 0.05, "wanadoo.fr": 0.04,
}
STREET_TYPES = ["rue", "rue", "rue", "avenue", "boulevard", "allée", "impasse", "chemin", "place"]
STREET_NAMES = [
    "de la République", "Victor Hugo", "Jean Jaurès", "des Lilas", "Pasteur", "du Général de Gaulle",
    "de la Gare", "de l'Église", "des Écoles", "du Moulin", "Gambetta", "de la Paix", "des Roses",
    "Émile Zola", "Jules Ferry", "du Stade", "de la Mairie", "des Acacias", "Voltaire", "Carnot",
    "du Château", "de Verdun", "des Tilleuls", "Louis Pasteur", "de la Liberté", "du Port",
    "Anatole France", "des Peupliers", "Saint-Michel", "de Bretagne", "des Vignes", "du Marché",
]
# (country, postal code, city): the few foreign buyers every French venue sees.
ABROAD = [
    ("Belgique", "1000", "Bruxelles"), ("Belgique", "4000", "Liège"),
    ("Suisse", "1201", "Genève"), ("Suisse", "1003", "Lausanne"),
    ("Royaume-Uni", "SW1A 1AA", "London"), ("Espagne", "08001", "Barcelona"),
    ("Allemagne", "10115", "Berlin"), ("Luxembourg", "1111", "Luxembourg"),
]


@dataclass(frozen=True)
class AudienceProfile:
    """Who buys a product: sex ratio, age distribution, where they live."""

    male_share: float
    age_mean: float
    age_sd: float
    age_min: int
    age_max: int
    local_radius_km: float
    local_share: float
    abroad_share: float


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: float, lon2: float) -> np.ndarray:
    """Great-circle distance in km between arrays of points and one point."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def ascii_slug(text: str) -> str:
    """Lower-case ASCII form of a name, as people type it into an email address."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum() or ch in "-")


def residence_weights(venue_lat: float, venue_lon: float, profile: AudienceProfile) -> pd.DataFrame:
    """Gazetteer rows with a probability of being home: gravity around the venue plus France.

    A share `local_share` of buyers live where population times exp(-distance / radius) says,
    the rest wherever people live in France (population-proportional long tail).
    """
    places = load_gazetteer()
    places = places[(places["population"] > 0) & places["latitude"].notna()].copy()
    distance = haversine_km(places["latitude"].to_numpy(), places["longitude"].to_numpy(),
                            venue_lat, venue_lon)
    population = places["population"].to_numpy(dtype=float)
    local = population * np.exp(-distance / profile.local_radius_km)
    national = population
    mixed = profile.local_share * local / local.sum() + (1 - profile.local_share) * national / national.sum()
    places["distance_km"] = distance
    places["probability"] = mixed / mixed.sum()
    return places.reset_index(drop=True)


def draw_people(rng: np.random.Generator, count: int, *, venue_lat: float, venue_lon: float,
                profile: AudienceProfile, reference_year: int) -> pd.DataFrame:
    """Draw `count` synthetic people whose names, ages and homes follow `profile`."""
    if count == 0:
        return pd.DataFrame(columns=PEOPLE_COLUMNS)
    sex = np.where(rng.random(count) < profile.male_share, "M", "F")
    ages = np.clip(rng.normal(profile.age_mean, profile.age_sd, count), profile.age_min,
                   profile.age_max)
    birth_year = (reference_year - ages).astype(int)
    day_of_year = rng.integers(0, 365, count)
    birth_date = pd.to_datetime(birth_year.astype(str), format="%Y") + pd.to_timedelta(
        day_of_year, unit="D")

    first_names = np.empty(count, dtype=object)
    for (group_sex, year), index in pd.Series(range(count)).groupby([sex, birth_year]).groups.items():
        names, probabilities = first_name_probabilities(group_sex, int(year))
        first_names[np.asarray(index)] = rng.choice(names, size=len(index), p=probabilities)
    surnames = load_last_names()
    last_names = rng.choice(surnames["last_name"].to_numpy(), size=count,
                            p=(surnames["weight"] / surnames["weight"].sum()).to_numpy())

    homes = residence_weights(venue_lat, venue_lon, profile)
    picked = homes.iloc[rng.choice(len(homes), size=count, p=homes["probability"].to_numpy())]
    people = pd.DataFrame({
        "sex": sex, "birth_date": birth_date, "first_name": first_names, "last_name": last_names,
        "postal_code": picked["postal_code"].to_numpy(), "city": picked["city"].to_numpy(),
        "country": "France", "latitude": picked["latitude"].to_numpy(),
        "longitude": picked["longitude"].to_numpy(), "distance_km": picked["distance_km"].to_numpy(),
    })
    abroad = rng.random(count) < profile.abroad_share
    if abroad.any():
        foreign = [ABROAD[i] for i in rng.integers(0, len(ABROAD), abroad.sum())]
        people.loc[abroad, "country"] = [f[0] for f in foreign]
        people.loc[abroad, "postal_code"] = [f[1] for f in foreign]
        people.loc[abroad, "city"] = [f[2] for f in foreign]
        people.loc[abroad, ["latitude", "longitude", "distance_km"]] = np.nan
    people["address"] = _addresses(rng, count)
    people["phone"] = _mobile_phones(rng, count)
    people["email"] = _emails(rng, people)
    return people[PEOPLE_COLUMNS]


PEOPLE_COLUMNS = [
    "sex", "birth_date", "first_name", "last_name", "email", "phone", "address", "postal_code",
    "city", "country", "latitude", "longitude", "distance_km",
]


def _addresses(rng: np.random.Generator, count: int) -> np.ndarray:
    numbers = rng.geometric(0.04, count)
    bis = np.where(rng.random(count) < 0.05, " bis", "")
    types = rng.choice(STREET_TYPES, count)
    names = rng.choice(STREET_NAMES, count)
    return np.char.add(np.char.add(np.char.add(numbers.astype(str), bis), " "),
                       np.char.add(np.char.add(types.astype(str), " "), names.astype(str))).astype(object)


def _mobile_phones(rng: np.random.Generator, count: int) -> np.ndarray:
    prefix = np.where(rng.random(count) < 0.6, "06", "07")
    digits = rng.integers(10_000_000, 99_999_999, count)
    return np.char.add(prefix, digits.astype(str)).astype(object)


def _emails(rng: np.random.Generator, people: pd.DataFrame) -> np.ndarray:
    """Emails built the way people build them; duplicates get a number, as providers force."""
    first = [ascii_slug(name) for name in people["first_name"]]
    last = [ascii_slug(name).replace("-", "") for name in people["last_name"]]
    years = people["birth_date"].dt.year.to_numpy() % 100
    pattern = rng.integers(0, 5, len(people))
    domains = rng.choice(list(EMAIL_DOMAINS), len(people), p=list(EMAIL_DOMAINS.values()))
    locals_ = []
    for f, lname, year, kind in zip(first, last, years, pattern, strict=True):
        if kind == 0:
            locals_.append(f"{f}.{lname}")
        elif kind == 1:
            locals_.append(f"{f[:1]}{lname}")
        elif kind == 2:
            locals_.append(f"{f}{lname}{year:02d}")
        elif kind == 3:
            locals_.append(f"{lname}.{f}")
        else:
            locals_.append(f"{f}_{lname}{rng.integers(1, 999)}")
    emails = pd.Series([f"{loc}@{dom}" for loc, dom in zip(locals_, domains, strict=True)])
    repeat = emails.groupby(emails).cumcount()
    clash = repeat > 0
    emails[clash] = [
        e.replace("@", f"{n + 1}@") for e, n in zip(emails[clash], repeat[clash], strict=True)
    ]
    still = emails.duplicated(keep="first")
    emails[still] = [e.replace("@", f".{i}@") for i, e in zip(emails.index[still], emails[still],
                                                                 strict=True)]
    return emails.to_numpy(dtype=object)
