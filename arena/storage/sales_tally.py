"""The Overview's sales summaries of an import's new events, tallied while its tickets load.

`analytics.refresh_sales_summary` rebuilds summaries from the tickets (two GROUP BYs over them),
which on a million-ticket import costs seconds. An event the import itself created has no ticket
but the import's own, so its summary rows are exactly the tally of those tickets, kept chunk by
chunk in integer cents. Events that existed before the import are still rebuilt from their
tickets, so the summaries equal what a full rebuild gives (tested).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

OFFER_KEYS = ["event_id", "category_id", "tariff_id", "channel_id"]
DAY_KEYS = ["event_id", "purchased_on"]


class SalesTally:
    """Ticket counts and revenue (cents) per event x offer and per event x purchase day.

    Keys are held as plain int64 (ids, days since the epoch) with -1 for "none", so grouping
    takes pandas' fast integer path; `rows` turns them back into NULLs and dates. Each chunk's
    tickets are grouped on their own and set aside; the partial tallies are merged only once
    they outweigh the running total, so a chunk never regroups everything tallied before it."""

    def __init__(self) -> None:
        self._by_offer = _Tally(OFFER_KEYS)
        self._by_day = _Tally(DAY_KEYS)

    @property
    def by_offer(self) -> pd.DataFrame:
        return self._by_offer.total()

    @property
    def by_day(self) -> pd.DataFrame:
        return self._by_day.total()

    def add(self, tickets: pd.DataFrame, price_cents: pd.Series) -> None:
        """Tally new tickets: columns event_id, category_id, tariff_id, channel_id and
        purchased_at, with their prices in cents (aligned on the same index)."""
        purchased = pd.to_datetime(tickets["purchased_at"]).to_numpy("datetime64[D]")
        frame = pd.DataFrame({
            **{key: _int_keys(tickets[key]) for key in OFFER_KEYS},
            "purchased_on": np.where(np.isnat(purchased), NONE,
                                     purchased.astype(np.int64)),
            "cents": price_cents.astype("int64").to_numpy(),
        })
        self._by_offer.add(frame)
        self._by_day.add(frame)

    def events(self) -> set[int]:
        return {int(e) for e in self.by_offer["event_id"].unique()}

    def rows(self, organization_id: int, event_ids: set[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Summary rows of these events, in the columns of sales_by_event_{offer,day}; revenue
        still in cents."""
        def pick(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
            chosen = frame[frame["event_id"].isin(list(event_ids))]
            columns: dict[str, object] = {}
            for key in keys:
                values = chosen[key].to_numpy(np.int64)
                if key == "purchased_on":  # a DATE column
                    days = pa.array(values.astype(np.int32), mask=values == NONE)
                    columns[key] = pd.arrays.ArrowExtensionArray(days.cast(pa.date32()))
                else:
                    columns[key] = pd.arrays.IntegerArray(values, values == NONE)
            return pd.DataFrame({
                "organization_id": organization_id,
                **columns,
                "ticket_count": chosen["ticket_count"].to_numpy(np.int64),
                "revenue_cents": chosen["cents"].to_numpy(np.int64),
            })

        return pick(self.by_offer, OFFER_KEYS), pick(self.by_day, DAY_KEYS)


NONE = -1


def _int_keys(values: pd.Series | np.ndarray) -> np.ndarray:
    series = pd.Series(values)
    return series.fillna(NONE).to_numpy(np.int64) if series.hasnans else series.to_numpy(np.int64)


def _empty(keys: list[str]) -> pd.DataFrame:
    return pd.DataFrame({name: np.empty(0, np.int64) for name in [*keys, "ticket_count", "cents"]})


class _Tally:
    """Ticket counts and cents per key, as a merged total plus partial tallies set aside."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self._total = _empty(keys)
        self._partial: list[pd.DataFrame] = []
        self._partial_rows = 0

    def add(self, tickets: pd.DataFrame) -> None:
        partial = _grouped(tickets.assign(ticket_count=1), self.keys)
        self._partial.append(partial)
        self._partial_rows += len(partial)
        if self._partial_rows > max(len(self._total), 100_000):
            self._merge()

    def total(self) -> pd.DataFrame:
        if self._partial:
            self._merge()
        return self._total

    def _merge(self) -> None:
        self._total = _grouped(pd.concat([self._total, *self._partial], ignore_index=True),
                               self.keys)
        self._partial = []
        self._partial_rows = 0


def _grouped(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return (frame.groupby(keys, sort=False)[["ticket_count", "cents"]].sum().reset_index()
            [[*keys, "ticket_count", "cents"]])
