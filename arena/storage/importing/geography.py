"""Countries, postal codes, départements and cities: reference data shared by organizations.

Each chunk's places are inserted (insert or ignore) and their ids remembered, so customers are
written with their places resolved in memory, and a chunk that meets no new place runs no
statement. Kept per import: a rollback to the rows' savepoint forgets what it inserted."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Table, select

from arena.ingest.derive import ChunkFacts
from arena.storage.importing.session import STAGES, ImportSession
from arena.storage.schema import cities, countries, postal_codes, regions
from arena.storage.sqlutil import insert_ignore


class Places:
    """The ids of the places an import met, by natural key."""

    def __init__(self, session: ImportSession) -> None:
        self._session = session
        self._country_ids: dict[str, int] = {}
        self._postal_ids: dict[tuple[int, str], int] = {}
        self._region_ids: dict[tuple[int, str], int] = {}
        self._city_ids: dict[tuple[int, str], int] = {}
        self._city_keys: dict[str, str] = {}
        # (country, city key, postal code) already linked in `city_postal_codes`.
        self._linked_places: set[tuple[str, str, str]] = set()

    def load(self, facts: ChunkFacts) -> None:
        """Insert the chunk's countries, postal codes, départements and cities."""
        connection = self._session.connection
        new_countries = [c for c in facts.country_names if c not in self._country_ids]
        if new_countries:  # most chunks meet no new country: no statement at all
            insert_ignore(connection, countries,
                          [{"iso2": c, "name": facts.country_names[c]} for c in new_countries],
                          ["iso2"])
            known_countries = connection.execute(select(countries.c.iso2, countries.c.id))
            self._country_ids.update((iso2, id_) for iso2, id_ in known_countries)
        postal_rows: dict[tuple[int, str], None] = {}
        department_rows: dict[tuple[int, str], None] = {}
        city_rows: dict[tuple[int, str], dict[str, Any]] = {}
        city_keys: list[dict[str, Any]] = []
        for country, postal, city, department, key, city_name in facts.places.itertuples(
            index=False, name=None
        ):
            country_id = self._country_ids[country]
            if postal:
                postal_rows[(country_id, postal)] = None
            if department:
                department_rows[(country_id, department)] = None
            if city:
                if not key:
                    continue
                self._city_keys[city] = key
                city_rows.setdefault(
                    (country_id, key),
                    {"country_id": country_id, "name": city_name, "name_key": key,
                     "department": department},
                )
                if postal and (country, key, postal) not in self._linked_places:
                    self._linked_places.add((country, key, postal))
                    city_keys.append({"country": country, "city": city, "postal_code": postal,
                                      "city_key": key})
        new_postal = [key for key in postal_rows if key not in self._postal_ids]
        insert_ignore(connection, postal_codes,
                      [{"country_id": c, "code": p} for c, p in new_postal],
                      ["country_id", "code"])
        self._remember_ids(self._postal_ids, postal_codes, postal_codes.c.code, new_postal)
        new_departments = [key for key in department_rows if key not in self._region_ids]
        insert_ignore(connection, regions,
                      [{"country_id": c, "code": d, "name": d} for c, d in new_departments],
                      ["country_id", "code"])
        self._remember_ids(self._region_ids, regions, regions.c.code, new_departments)
        new_cities = [key for key in city_rows if key not in self._city_ids]
        insert_ignore(
            connection, cities,
            [
                {
                    "country_id": row["country_id"], "name": row["name"],
                    "name_key": row["name_key"],
                    "region_id": self._region_ids.get((row["country_id"], row["department"])),
                }
                for row in (city_rows[key] for key in new_cities)
            ],
            ["country_id", "name_key"],
        )
        self._remember_ids(self._city_ids, cities, cities.c.name_key, new_cities)
        if not city_keys:
            return
        # The spellings met in this chunk, so the city ↔ postal code links can join on them.
        self._session.restage("arena_city_keys", pd.DataFrame(
            city_keys, columns=list(STAGES["arena_city_keys"])
        ))
        self._session.run(
            """INSERT INTO city_postal_codes (city_id, postal_code_id)
               SELECT DISTINCT ci.id, pc.id FROM arena_city_keys k
               JOIN countries co ON co.iso2 = k.country
               JOIN cities ci ON ci.country_id = co.id AND ci.name_key = k.city_key
               JOIN postal_codes pc ON pc.country_id = co.id AND pc.code = k.postal_code
               WHERE true
               ON CONFLICT (city_id, postal_code_id) DO NOTHING"""
        )

    def _remember_ids(self, known: dict[tuple[int, str], int], table: Table, code: Any,
                      keys: list[tuple[int, str]]) -> None:
        """Read back the ids of (country id, code) keys just inserted or found."""
        for start in range(0, len(keys), 5_000):
            codes = sorted({c for _, c in keys[start:start + 5_000]})
            for country_id, value, id_ in self._session.connection.execute(
                select(table.c.country_id, code, table.c.id).where(code.in_(codes))
            ):
                known[(country_id, value)] = id_

    def ids(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The country, postal code and city ids of each row's place (NA where unknown),
        resolved in memory from what `load` remembered, one lookup per distinct place."""
        places = frame[["country", "postal_code", "city"]].drop_duplicates()
        resolved = []
        for country, postal, city in places.itertuples(index=False, name=None):
            country_id = self._country_ids.get(country) if isinstance(country, str) else None
            postal_id = city_id = None
            if country_id is not None and (isinstance(postal, str) or isinstance(city, str)):
                if isinstance(postal, str):
                    postal_id = self._postal_ids.get((country_id, postal))
                if isinstance(city, str) and city in self._city_keys:
                    city_id = self._city_ids.get((country_id, self._city_keys[city]))
            resolved.append((country_id, postal_id, city_id))
        ids = pd.DataFrame(resolved, columns=["country_id", "postal_code_id", "city_id"],
                           index=places.index, dtype="Int64")
        keys = pd.MultiIndex.from_frame(places.astype(object))
        at = keys.get_indexer(pd.MultiIndex.from_frame(frame[places.columns].astype(object)))
        return ids.iloc[at].set_axis(frame.index)
