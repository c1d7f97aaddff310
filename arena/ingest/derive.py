"""What an import derives from the values of a validated chunk before storage writes it: each
event's type and season, each tariff's and channel's kind, each place's département, city key
and country name. Computed once per distinct value, so storage only writes and resolves ids."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from arena.ingest.normalize import (
    channel_kind,
    country_name,
    department_code,
    event_type,
    fold_city,
    season_bounds,
    season_label,
    tariff_kind,
)

EVENT_COLUMNS = ["event_name", "event_date", "venue", "event_type", "season", "season_starts",
                 "season_ends"]
PLACE_COLUMNS = ["country", "postal_code", "city", "department", "city_key", "city_name"]


@dataclass(frozen=True)
class ChunkFacts:
    """The distinct events, places and catalogue names of one chunk, with their derivations."""

    events: pd.DataFrame  # EVENT_COLUMNS, one row per (event_name, event_date)
    places: pd.DataFrame  # PLACE_COLUMNS, one row per (country, postal_code, city) with a place
    tariff_kinds: dict[str, str]
    channel_kinds: dict[str, str]
    country_names: dict[str, str]


@dataclass
class Deriver:
    """Derives the facts of each chunk of one import; remembers folded city names across chunks
    (a city is met in most chunks, folding it costs a regular expression or three)."""

    _city_keys: dict[str, str] = field(default_factory=dict)

    def facts(self, rows: pd.DataFrame) -> ChunkFacts:
        return ChunkFacts(
            events=_events(rows),
            places=self._places(rows),
            tariff_kinds={name: tariff_kind(name) for name in rows["tariff"].dropna().unique()},
            channel_kinds={name: channel_kind(name) for name in rows["channel"].dropna().unique()},
            country_names={code: country_name(code) for code in rows["country"].dropna().unique()},
        )

    def _places(self, rows: pd.DataFrame) -> pd.DataFrame:
        places = (
            rows[["country", "postal_code", "city"]]
            .dropna(subset=["country"])
            .dropna(subset=["postal_code", "city"], how="all")
            .drop_duplicates()
        )
        derived = []
        for country, postal, city in places.itertuples(index=False, name=None):
            postal = None if pd.isna(postal) else postal
            city = None if pd.isna(city) else city
            key = self._city_key(city) if city else None
            derived.append((country, postal, city, department_code(postal, country), key or None,
                            city.strip().title() if city else None))
        return pd.DataFrame(derived, columns=PLACE_COLUMNS, dtype=object)

    def _city_key(self, city: str) -> str:
        key = self._city_keys.get(city)
        if key is None:
            key = self._city_keys[city] = fold_city(city)
        return key


def _events(rows: pd.DataFrame) -> pd.DataFrame:
    distinct = rows[["event_name", "event_date", "venue"]].drop_duplicates(
        ["event_name", "event_date"]
    )
    derived = []
    for name, starts_at, venue in distinct.itertuples(index=False, name=None):
        kind = event_type(name)
        label = season_label(pd.Timestamp(starts_at).to_pydatetime(), kind)
        first, last = season_bounds(label)
        derived.append((name, starts_at, venue, kind, label, first.date(), last.date()))
    events = pd.DataFrame(derived, columns=EVENT_COLUMNS)
    events["event_date"] = pd.to_datetime(events["event_date"])
    return events
