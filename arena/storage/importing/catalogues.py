"""Venues, seasons, events and the seat categories, tariffs and channels of one import.

Small sets, upserted per chunk (insert or ignore) and remembered, so later chunks skip what the
import already wrote; every row then gets its event id in memory."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Table, select

from arena.ingest.derive import ChunkFacts
from arena.storage.importing.session import ImportSession
from arena.storage.known_rows import lookup_ids
from arena.storage.schema import (
    event_categories,
    events,
    sales_channels,
    seasons,
    seat_categories,
    tariffs,
    venues,
)
from arena.storage.sqlutil import insert_ignore


class Catalogues:
    """What one import wrote of its organization's catalogues, and the ids to resolve rows."""

    def __init__(self, session: ImportSession) -> None:
        self._session = session
        self._known_venues: set[str] = set()
        self._event_index: tuple[pd.MultiIndex, np.ndarray] | None = None
        self._catalogue_ids: dict[str, dict[str, int]] = {}
        self._known_event_categories: set[tuple[int, int]] = set()

    def load(self, rows: pd.DataFrame, facts: ChunkFacts) -> tuple[int, pd.Series]:
        """Write the chunk's venues, events and catalogues; (events added, event id per row)."""
        self._load_venues(rows)
        added = self._load_events(facts.events)
        event_ids = pd.Series(self.event_ids(rows), index=rows.index)
        self._load_names(rows, facts)
        self._link_event_categories(rows, event_ids)
        return added, event_ids

    def _load_venues(self, rows: pd.DataFrame) -> None:
        names = [n for n in rows["venue"].dropna().unique() if n not in self._known_venues]
        if not names:
            return
        self._known_venues.update(names)
        org, imp = self._session.params["org"], self._session.params["imp"]
        insert_ignore(
            self._session.connection, venues,
            [{"organization_id": org, "name": n, "import_id": imp} for n in names],
            ["organization_id", "name"],
        )

    def _load_events(self, distinct: pd.DataFrame) -> int:
        if self._event_index is not None:
            known = self._event_index[0].get_indexer(
                pd.MultiIndex.from_arrays(
                    [pd.Index(distinct["event_name"].astype(object)),
                     pd.DatetimeIndex(distinct["event_date"]).as_unit("ns")]
                )
            )
            distinct = distinct[known < 0]
            if distinct.empty:
                return 0  # every event of this chunk is already in the schema
        connection = self._session.connection
        org, imp = self._session.params["org"], self._session.params["imp"]
        venue_ids = self._name_ids(venues)
        season_rows: dict[str, dict[str, Any]] = {}
        events_rows = []
        for name, starts_at, venue, kind, label, first, last in distinct[
            ["event_name", "event_date", "venue", "event_type", "season", "season_starts",
             "season_ends"]
        ].itertuples(index=False, name=None):
            season_rows.setdefault(label, {
                "organization_id": org, "label": label, "starts_on": first, "ends_on": last,
                "import_id": imp,
            })
            events_rows.append({
                "organization_id": org, "name": name,
                "starts_at": pd.Timestamp(starts_at).to_pydatetime(), "event_type": kind,
                "venue_id": venue_ids.get(venue) if pd.notna(venue) else None, "season": label,
                "import_id": imp,
            })
        insert_ignore(connection, seasons, list(season_rows.values()),
                      ["organization_id", "label"])
        season_ids = dict(connection.execute(
            select(seasons.c.label, seasons.c.id).where(seasons.c.organization_id == org)
        ).all())
        for row in events_rows:
            row["season_id"] = season_ids[row.pop("season")]
        added = insert_ignore(connection, events, events_rows,
                              ["organization_id", "name", "starts_at"])
        self._event_index = self._current_event_index()
        return added

    def _current_event_index(self) -> tuple[pd.MultiIndex, np.ndarray]:
        known = self._session.connection.execute(
            select(events.c.name, events.c.starts_at, events.c.id).where(
                events.c.organization_id == self._session.params["org"]
            )
        ).all()
        index = pd.MultiIndex.from_arrays(
            [
                pd.Index([r[0] for r in known], dtype=object),
                pd.DatetimeIndex([r[1] for r in known]).as_unit("ns"),
            ]
        )
        return index, np.array([r[2] for r in known], dtype=np.int64)

    def event_ids(self, rows: pd.DataFrame) -> np.ndarray:
        """The event id of every row: each distinct (name, date) of the chunk looked up once."""
        assert self._event_index is not None, "events are loaded before their ids are looked up"
        index, ids = self._event_index
        name_codes, names = pd.factorize(rows["event_name"])
        date_codes, dates = pd.factorize(pd.DatetimeIndex(rows["event_date"]).as_unit("ns"))
        if (name_codes < 0).any() or (date_codes < 0).any():
            raise RuntimeError("validated rows could not be attached to their event")
        codes, pairs = pd.factorize(name_codes.astype(np.int64) * len(dates) + date_codes)
        positions = index.get_indexer(
            pd.MultiIndex.from_arrays(
                [pd.Index(np.asarray(names, dtype=object)[pairs // len(dates)]),
                 pd.DatetimeIndex(dates[pairs % len(dates)]).as_unit("ns")]
            )
        )
        if (positions < 0).any():
            raise RuntimeError("validated rows could not be attached to their event")
        return ids[positions][codes]

    def _load_names(self, rows: pd.DataFrame, facts: ChunkFacts) -> None:
        org, imp = self._session.params["org"], self._session.params["imp"]
        for column, table, kinds in (
            ("category", seat_categories, None),
            ("tariff", tariffs, facts.tariff_kinds),
            ("channel", sales_channels, facts.channel_kinds),
        ):
            new_rows = []
            known = self._catalogue_ids.get(column, {})
            for name in rows[column].dropna().unique():
                if name in known:
                    continue
                row: dict[str, Any] = {"organization_id": org, "name": name, "import_id": imp}
                if kinds is not None:
                    row["kind"] = kinds[name]
                new_rows.append(row)
            if new_rows or column not in self._catalogue_ids:
                insert_ignore(self._session.connection, table, new_rows,
                              ["organization_id", "name"])
                self._catalogue_ids[column] = self._name_ids(table)

    def _link_event_categories(self, rows: pd.DataFrame, event_ids: pd.Series) -> None:
        pairs = pd.DataFrame({
            "event_id": event_ids, "category_id": self.lookup("category", rows),
        }).dropna().drop_duplicates()
        links = {
            (int(e), int(c))
            for e, c in zip(pairs["event_id"], pairs["category_id"], strict=True)
        } - self._known_event_categories
        if links:
            self._known_event_categories.update(links)
            insert_ignore(
                self._session.connection, event_categories,
                [{"event_id": e, "category_id": c} for e, c in sorted(links)],
                ["event_id", "category_id"],
            )

    def lookup(self, column: str, rows: pd.DataFrame) -> pd.arrays.IntegerArray:
        """The id of each row's category, tariff or channel (NA where the row has none)."""
        names = self._catalogue_ids[column]
        return lookup_ids(rows[column], pa.array(list(names), type=pa.string()),
                          np.fromiter(names.values(), dtype=np.int64, count=len(names)))

    def _name_ids(self, table: Table) -> dict[str, int]:
        return dict(self._session.connection.execute(
            select(table.c.name, table.c.id)
            .where(table.c.organization_id == self._session.params["org"])
        ).all())
