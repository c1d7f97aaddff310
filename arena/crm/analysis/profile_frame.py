"""The customer-profile frame every analysis and segment reads: its columns, their kinds, the bands.

One row per customer of one organization, computed by the storage layer (tickets aggregated in
SQL) and handed over as a pandas DataFrame. Only ``customer_id`` is required; each analysis says
which other columns it needs and raises ``MissingColumns`` naming them. Columns not listed here
(custom fields, scores) are analysed too, their kind inferred from their dtype.

The season-level companion, ``CUSTOMER_SEASON_COLUMNS``, has one row per customer and season in
which the customer bought a ticket or held a season ticket (a ``GROUP BY customer, season``):
lifecycle segments, seasonal recency and segment migration read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd


class AttributeKind(StrEnum):
    """How an attribute is measured, which decides its chart and its statistics."""

    CATEGORICAL = "categorical"  # unordered labels: gender, city, favourite channel
    ORDINAL = "ordinal"  # ordered labels: age band, distance band
    NUMERIC = "numeric"  # quantities: age, spend, tickets
    DATE = "date"  # moments: first purchase
    BOOLEAN = "boolean"  # yes/no: season-ticket holder


class AttributeFamily(StrEnum):
    """Where a value comes from, so the UI can group the attribute picker."""

    IDENTITY = "identity"
    ENRICHMENT = "enrichment"
    BEHAVIOUR = "behaviour"
    OTHER = "other"


@dataclass(frozen=True)
class Attribute:
    """One documented column of the customer-profile frame."""

    name: str
    kind: AttributeKind
    family: AttributeFamily
    unit: str | None = None  # "years", "km", "EUR", "days", "tickets"...
    levels: tuple[str, ...] = ()  # ordinal levels, lowest first


# Bands: right-open intervals [low, high). Labels are codes; the UI translates them.
AGE_BAND_EDGES: tuple[float, ...] = (0, 18, 25, 35, 45, 55, 65, np.inf)
AGE_BANDS: tuple[str, ...] = ("<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
DISTANCE_BAND_EDGES: tuple[float, ...] = (0, 5, 20, 50, 100, 300, np.inf)
DISTANCE_BANDS: tuple[str, ...] = ("<5", "5-20", "20-50", "50-100", "100-300", "300+")

_I, _E, _B = AttributeFamily.IDENTITY, AttributeFamily.ENRICHMENT, AttributeFamily.BEHAVIOUR
_CAT, _ORD, _NUM = AttributeKind.CATEGORICAL, AttributeKind.ORDINAL, AttributeKind.NUMERIC
_DATE, _BOOL = AttributeKind.DATE, AttributeKind.BOOLEAN

PROFILE_ATTRIBUTES: dict[str, Attribute] = {
    attribute.name: attribute
    for attribute in (
        # identity (from the ticketing exports)
        Attribute("email", _CAT, _I),
        Attribute("gender", _CAT, _I),  # "F" / "M" / missing (filled by enrichment when inferred)
        Attribute("postal_code", _CAT, _I),
        Attribute("department", _CAT, _I),  # French département code: "75", "2A", "971"
        Attribute("country", _CAT, _I),  # ISO 3166 alpha-2
        Attribute("city", _CAT, _I),
        # enrichment (inferred or geocoded)
        Attribute("age", _NUM, _E, "years"),
        Attribute("age_band", _ORD, _E, "years", AGE_BANDS),
        Attribute("distance_km", _NUM, _E, "km"),  # home to the venue, great circle
        Attribute("distance_band", _ORD, _E, "km", DISTANCE_BANDS),
        # behaviour (aggregated from tickets, orders and season tickets)
        Attribute("tickets", _NUM, _B, "tickets"),
        Attribute("orders", _NUM, _B, "orders"),
        Attribute("events_attended", _NUM, _B, "events"),
        Attribute("total_spend", _NUM, _B, "EUR"),
        Attribute("mean_spend", _NUM, _B, "EUR"),  # total_spend / tickets: mean price paid
        Attribute("first_purchase_at", _DATE, _B),
        Attribute("last_purchase_at", _DATE, _B),
        Attribute("seasons_active", _NUM, _B, "seasons"),  # seasons with a ticket or a season ticket
        Attribute("seasons_since_last", _NUM, _B, "seasons"),  # 0 = bought in the latest season
        Attribute("events_since_last", _NUM, _B, "events"),  # events held after their last one
        Attribute("season_ticket_holder", _BOOL, _B),  # holds one in the latest season
        Attribute("season_ticket_seasons", _NUM, _B, "seasons"),
        Attribute("favourite_category", _CAT, _B),  # most tickets; ties: most recent
        Attribute("favourite_channel", _CAT, _B),
        Attribute("group_size", _NUM, _B, "tickets"),  # mean tickets per order
        Attribute("days_before_event", _NUM, _B, "days"),  # median purchase lead time
    )
}

CUSTOMER_ID = "customer_id"
CUSTOMER_SEASON_COLUMNS: tuple[str, ...] = ("customer_id", "season", "tickets", "spend")


class MissingColumns(ValueError):
    """The frame lacks columns an analysis needs; the message names them."""

    def __init__(self, missing: Sequence[str], purpose: str) -> None:
        self.missing = tuple(missing)
        super().__init__(f"{purpose} needs the column(s) {', '.join(self.missing)}")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], purpose: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise MissingColumns(missing, purpose)


def attribute_of(name: str, values: pd.Series) -> Attribute:
    """The documented attribute, or one inferred from the values of an undocumented column."""
    known = PROFILE_ATTRIBUTES.get(name)
    if known is not None:
        return known
    return Attribute(name, infer_kind(values), AttributeFamily.OTHER, levels=_ordered_levels(values))


def infer_kind(values: pd.Series) -> AttributeKind:
    """Booleans, dates, ordered categoricals and numbers by dtype; everything else is categorical."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return AttributeKind.BOOLEAN
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return AttributeKind.DATE
    if isinstance(dtype, pd.CategoricalDtype):
        return AttributeKind.ORDINAL if dtype.ordered else AttributeKind.CATEGORICAL
    if pd.api.types.is_numeric_dtype(dtype):
        return AttributeKind.NUMERIC
    return AttributeKind.CATEGORICAL


def _ordered_levels(values: pd.Series) -> tuple[str, ...]:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.ordered:
        return tuple(str(level) for level in dtype.categories)
    return ()


def _band(values: pd.Series, edges: Sequence[float], labels: Sequence[str]) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return pd.cut(numbers, bins=list(edges), labels=list(labels), right=False, ordered=True)


def age_band(age: pd.Series) -> pd.Series:
    """Ages in years to the ordered bands of ``AGE_BANDS`` (missing stays missing)."""
    return _band(age, AGE_BAND_EDGES, AGE_BANDS)


def distance_band(distance_km: pd.Series) -> pd.Series:
    """Distances in km to the ordered bands of ``DISTANCE_BANDS`` (missing stays missing)."""
    return _band(distance_km, DISTANCE_BAND_EDGES, DISTANCE_BANDS)


def season_order(seasons: Iterable[str]) -> list[str]:
    """Season labels in time order: ``2022-2023`` and ``2023`` both sort by their first year."""
    # Distinct labels first (a handful), so that a column of a million rows is read once.
    values = seasons if isinstance(seasons, pd.Series) else pd.Series(list(seasons))
    unique = {str(label) for label in pd.unique(values.dropna())}
    return sorted(unique, key=lambda label: (label.split("-")[0].zfill(4), label))
