"""One call that enriches a table of customers: gender, age and distance to the venue."""

from __future__ import annotations

from datetime import date

import pandas as pd

from arena.crm.enrichment.age import age_band, age_on
from arena.crm.enrichment.gender import DEFAULT_MIN_CONFIDENCE, guess_gender
from arena.crm.enrichment.geo import distance_to_venue, locate_homes

CUSTOMER_COLUMNS = ("first_name", "birth_date", "postal_code", "city", "country")
ENRICHMENT_COLUMNS = [
    "gender", "gender_source", "female_probability", "age", "age_band", "home_latitude",
    "home_longitude", "distance_km", "distance_band", "distance_missing_reason",
]


def enrich_customers(customers: pd.DataFrame, *, reference_date: date,
                     venue_latitude: float | pd.Series | None,
                     venue_longitude: float | pd.Series | None,
                     default_country: str = "FR",
                     min_gender_confidence: float = DEFAULT_MIN_CONFIDENCE) -> pd.DataFrame:
    """Enrichment of each customer, index-aligned with ``customers``.

    ``customers`` needs ``first_name``, ``birth_date``, ``postal_code``, ``city`` and
    ``country`` (ISO alpha-2, blank = ``default_country``); a ``gender`` column, when present,
    wins over the guess ("F"/"M" from the file: ``gender_source`` "file"; guessed:
    "first_name"). The venue is one point or a Series of points aligned with the customers
    (e.g. each customer's most visited venue). Pure: the same input gives the same output, so
    re-running it changes nothing.
    """
    missing = [column for column in CUSTOMER_COLUMNS if column not in customers.columns]
    if missing:
        raise ValueError(f"enrich_customers needs the columns {', '.join(missing)}")
    birth_years = pd.to_datetime(customers["birth_date"], errors="coerce",
                                 format="ISO8601").dt.year
    guessed = guess_gender(customers["first_name"], birth_years,
                           min_confidence=min_gender_confidence)
    given = (customers["gender"].astype("string").str.upper().where(lambda g: g.isin(["F", "M"]))
             if "gender" in customers.columns
             else pd.Series(pd.NA, index=customers.index, dtype="string"))
    gender = given.fillna(guessed["gender"])
    source = pd.Series(pd.NA, index=customers.index, dtype="string")
    source[guessed["gender"].notna()] = "first_name"
    source[given.notna()] = "file"

    age = age_on(customers["birth_date"], reference_date)
    homes = locate_homes(customers["postal_code"], customers["city"], customers["country"],
                         default_country=default_country)
    distances = distance_to_venue(homes, venue_latitude, venue_longitude)
    return pd.DataFrame({
        "gender": gender, "gender_source": source,
        "female_probability": guessed["female_probability"],
        "age": age, "age_band": age_band(age),
        "home_latitude": homes["home_latitude"].where(distances["distance_km"].notna()),
        "home_longitude": homes["home_longitude"].where(distances["distance_km"].notna()),
        "distance_km": distances["distance_km"], "distance_band": distances["distance_band"],
        "distance_missing_reason": distances["distance_missing_reason"],
    }, index=customers.index)[ENRICHMENT_COLUMNS]
