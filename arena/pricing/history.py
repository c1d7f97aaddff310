"""Sales histories: per event x category x day before the event, the price, sales and capacity.

The same structure comes from files (``sales.csv`` + ``events.csv``) or from the database (the
storage adapter builds the same two DataFrames from tickets), so every model downstream sees one
shape. Derived columns (cumulative sales, open/closed, censored sell-out day) are computed here once
because the demand model, the unconstraining and the pages all need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

SALES_COLUMNS: tuple[str, ...] = (
    "event_id",
    "event_date",
    "category",
    "capacity",
    "sale_date",
    "days_before",
    "price",
    "quantity",
)
EVENT_KEY_COLUMNS: tuple[str, ...] = ("event_id", "event_date")
# Columns of events.csv that are never treated as demand features.
NON_FEATURE_COLUMNS: frozenset[str] = frozenset({"event_id", "event_date", "season", "name"})


class SalesHistoryError(ValueError):
    """A sales or events table cannot be used: a missing column or an impossible value."""


def _require_columns(frame: pd.DataFrame, required: Sequence[str], table: str) -> None:
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise SalesHistoryError(f"{table} is missing required column(s): {', '.join(missing)}")


def normalize_sales(sales: pd.DataFrame, *, table: str = "sales") -> pd.DataFrame:
    """Type and sort a sales table and add cumulative sales, open/closed and censoring flags.

    A category is *closed* on a day when it was already sold out at the start of that day: its zero
    sales then say nothing about demand. The day it sells out is *censored*: demand was at least
    the quantity sold. Both facts drive the unconstraining in the demand model.
    """
    required = [c for c in SALES_COLUMNS if c != "sale_date"]
    _require_columns(sales, required, table)
    frame = sales.copy()
    frame["event_id"] = frame["event_id"].astype(str)
    frame["category"] = frame["category"].astype(str)
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    for column in ("capacity", "days_before", "price", "quantity"):
        frame[column] = pd.to_numeric(frame[column], errors="raise").astype(float)
    if "sale_date" in frame.columns:
        frame["sale_date"] = pd.to_datetime(frame["sale_date"])
    else:
        frame["sale_date"] = frame["event_date"] - pd.to_timedelta(frame["days_before"], unit="D")
    if (frame["quantity"] < 0).any():
        raise SalesHistoryError(f"{table}: quantity must be >= 0")
    if (frame["price"] <= 0).any():
        raise SalesHistoryError(f"{table}: price must be > 0 (the price in force that day)")
    if (frame["capacity"] <= 0).any():
        raise SalesHistoryError(f"{table}: capacity must be > 0")
    if (frame["days_before"] < 0).any():
        raise SalesHistoryError(f"{table}: days_before must be >= 0")
    frame = frame.groupby(["event_id", "category", "days_before"], as_index=False).agg(
        event_date=("event_date", "first"),
        capacity=("capacity", "max"),
        sale_date=("sale_date", "first"),
        price=("price", "mean"),
        quantity=("quantity", "sum"),
    )
    # Selling days run from the farthest day before the event to the event day itself.
    frame = frame.sort_values(
        ["event_id", "category", "days_before"], ascending=[True, True, False]
    ).reset_index(drop=True)
    group = frame.groupby(["event_id", "category"], sort=False)
    frame["cumulative_sales"] = group["quantity"].cumsum()
    frame["sold_before"] = frame["cumulative_sales"] - frame["quantity"]
    frame["closed"] = frame["sold_before"] >= frame["capacity"]
    frame["censored"] = (~frame["closed"]) & (frame["cumulative_sales"] >= frame["capacity"])
    final = group["cumulative_sales"].transform("max")
    frame["sold_out"] = final >= frame["capacity"]
    return frame[
        [
            "event_id",
            "event_date",
            "category",
            "capacity",
            "sale_date",
            "days_before",
            "price",
            "quantity",
            "cumulative_sales",
            "sold_before",
            "closed",
            "censored",
            "sold_out",
        ]
    ]


def normalize_events(events: pd.DataFrame) -> pd.DataFrame:
    """Type an events table: one row per event, ``event_id`` as text, ``event_date`` as a date."""
    _require_columns(events, ["event_id"], "events")
    frame = events.copy()
    frame["event_id"] = frame["event_id"].astype(str)
    if "event_date" in frame.columns:
        frame["event_date"] = pd.to_datetime(frame["event_date"])
    if frame["event_id"].duplicated().any():
        raise SalesHistoryError("events: event_id must be unique (one row per event)")
    return frame.reset_index(drop=True)


def feature_columns(events: pd.DataFrame) -> list[str]:
    """The demand features of an events table: every column but identifiers and dates."""
    return [c for c in events.columns if c not in NON_FEATURE_COLUMNS]


def order_categories_by_price(sales: pd.DataFrame) -> list[str]:
    """Categories from best to worst seat, taking the dearer median price as the better seat."""
    medians = sales.groupby("category")["price"].median().sort_values(ascending=False)
    return [str(c) for c in medians.index]


@dataclass(frozen=True)
class SalesHistory:
    """Past (or in-flight) sales of events, ready for the demand model.

    ``sales`` is the normalized sales table (see :func:`normalize_sales`); ``events`` has one row per
    event with its feature columns; ``categories`` lists categories from best to worst seat.
    """

    sales: pd.DataFrame
    events: pd.DataFrame
    categories: tuple[str, ...]

    @classmethod
    def from_frames(
        cls,
        sales: pd.DataFrame,
        events: pd.DataFrame | None = None,
        categories: Sequence[str] | None = None,
    ) -> SalesHistory:
        """Build a history from a sales table and an events table (what the DB adapter calls)."""
        normalized = normalize_sales(sales)
        if events is None:
            events = normalized.groupby("event_id", as_index=False)["event_date"].first()
        normalized_events = normalize_events(events)
        unknown = set(normalized["event_id"]) - set(normalized_events["event_id"])
        if unknown:
            sample = ", ".join(sorted(unknown)[:5])
            raise SalesHistoryError(f"sales mention events missing from events: {sample}")
        order = list(categories) if categories else order_categories_by_price(normalized)
        extra = sorted(set(normalized["category"]) - set(order))
        return cls(normalized, normalized_events, tuple(order + extra))

    @classmethod
    def from_csv(cls, sales_path: str | Path, events_path: str | Path | None = None) -> SalesHistory:
        """Read ``sales.csv`` and ``events.csv`` in the documented format (see docs/pricing.md)."""
        sales = pd.read_csv(sales_path, dtype={"event_id": str, "category": str})
        events = (
            pd.read_csv(events_path, dtype={"event_id": str}) if events_path is not None else None
        )
        return cls.from_frames(sales, events)

    @property
    def event_ids(self) -> list[str]:
        return [str(e) for e in self.events["event_id"] if e in set(self.sales["event_id"])]

    @property
    def horizon_days(self) -> int:
        return int(self.sales["days_before"].max())

    def final_sales(self) -> pd.DataFrame:
        """Final sales, capacity, revenue and sold-out flag per event x category."""
        frame = self.sales.assign(revenue=self.sales["price"] * self.sales["quantity"])
        return frame.groupby(["event_id", "category"], as_index=False).agg(
            capacity=("capacity", "max"),
            final_sales=("quantity", "sum"),
            revenue=("revenue", "sum"),
            sold_out=("sold_out", "max"),
        )

    def revenue_by_category(self) -> pd.DataFrame:
        """Ticket revenue actually earned per event x category (price in force x quantity)."""
        frame = self.sales.assign(revenue=self.sales["price"] * self.sales["quantity"])
        return frame.groupby(["event_id", "category"], as_index=False)["revenue"].sum()

    def subset(self, event_ids: Sequence[str]) -> SalesHistory:
        """The history restricted to some events (for holdouts and per-season views)."""
        keep = set(event_ids)
        return SalesHistory(
            self.sales[self.sales["event_id"].isin(keep)].reset_index(drop=True),
            self.events[self.events["event_id"].isin(keep)].reset_index(drop=True),
            self.categories,
        )

    def truncated(self, days_before: int) -> SalesHistory:
        """What was known ``days_before`` days before each event: the sales of earlier days only."""
        kept = self.sales[self.sales["days_before"] > days_before]
        return SalesHistory(kept.reset_index(drop=True), self.events, self.categories)

    def seasons(self) -> pd.Series:
        """Season of each event: the ``season`` column when given, else the event date's year."""
        if "season" in self.events.columns:
            values = self.events["season"].astype(str)
        else:
            values = self.events["event_date"].dt.year.astype(str)
        return pd.Series(values.to_numpy(), index=self.events["event_id"].to_numpy(), name="season")


def price_in_force_last(sales: pd.DataFrame) -> pd.DataFrame:
    """The latest price and capacity per event x category (the price an upcoming event sells at)."""
    last = sales.sort_values("days_before").groupby(["event_id", "category"], as_index=False).first()
    return last[["event_id", "category", "price", "capacity"]]


def cumulative_to_date(sales: pd.DataFrame) -> pd.DataFrame:
    """Sales to date and the last observed day per event x category of an in-flight table."""
    return sales.groupby(["event_id", "category"], as_index=False).agg(
        sold=("quantity", "sum"), last_day=("days_before", "min")
    )
