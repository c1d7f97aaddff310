"""What yield management needs from storage: pricing frames per product line and a price history.

The storage adapter (``arena.storage.pricing_repository``) implements :class:`PricingRepository`;
pages, the CLI and tests only see this Protocol and the plain dataclasses below, so the engine
stays free of SQL and a fake repository is enough for a unit test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import pandas as pd

from arena.pricing.history import SalesHistory

PRICE_ACTIONS: tuple[str, ...] = ("recommended", "accepted", "tweaked", "rejected", "manual")

# Columns of ``PricingFrames.event_list`` (one row per event, what pickers and tables show).
EVENT_LIST_COLUMNS: tuple[str, ...] = (
    "event_id", "name", "event_date", "season", "venue", "status", "sold", "capacity",
    "capacity_known",
)


class UnknownEventError(LookupError):
    """An event id or name that the organization does not have (or that has no categories)."""


@dataclass(frozen=True)
class ProductLine:
    """Events sold with the same seat categories (a stadium, one hall of a theatre, a race).

    One demand model is fitted per product line: a model's categories must mean the same seats
    for every event it learns from.
    """

    key: str
    label: str
    categories: tuple[str, ...]
    event_count: int


@dataclass(frozen=True)
class PricingFrames:
    """The engine's input tables for one organization and product line, built from tickets.

    - ``sales``: the documented sales format (event_id, event_date, category, capacity,
      sale_date, days_before, price, quantity), zero-sale days included; for an upcoming event
      only up to ``as_of``.
    - ``events``: event_id, event_date, season, name and the demand features.
    - ``categories``: best seat first.
    - ``offer``: event_id, category, capacity, price (the price in force now or, for an event not
      on sale yet, its list price), list_price, season_ticket_price (per event, 0 when none).
    - ``event_list``: see ``EVENT_LIST_COLUMNS``; ``status`` is past, on_sale or not_on_sale.
    """

    sales: pd.DataFrame
    events: pd.DataFrame
    categories: tuple[str, ...]
    offer: pd.DataFrame
    event_list: pd.DataFrame
    as_of: datetime

    def past_event_ids(self) -> list[str]:
        past = self.event_list[self.event_list["status"] == "past"]
        return [str(e) for e in past["event_id"] if str(e) in set(self.sales["event_id"])]

    def upcoming_event_ids(self) -> list[str]:
        return [str(e) for e in self.event_list.loc[self.event_list["status"] != "past",
                                                    "event_id"]]

    def history(self) -> SalesHistory:
        """Completed events only: what the demand model is fitted on."""
        return self._history(self.past_event_ids())

    def sales_to_date(self) -> SalesHistory | None:
        """Sales so far of events still on sale (None when no upcoming event has sold yet)."""
        on_sale = set(self.upcoming_event_ids()) & set(self.sales["event_id"])
        return self._history(sorted(on_sale)) if on_sale else None

    def _history(self, event_ids: Sequence[str]) -> SalesHistory:
        keep = set(event_ids)
        sales = self.sales[self.sales["event_id"].isin(keep)]
        events = self.events[self.events["event_id"].isin(keep)]
        return SalesHistory.from_frames(sales, events, self.categories)


@dataclass(frozen=True)
class PriceChange:
    """One price of a saved decision: a category, a selling day (None = from now on), a price."""

    category: str
    price: float
    days_before: int | None = None
    recommended_price: float | None = None


class PricingRepository(Protocol):
    """Reads pricing frames from tickets and keeps the versioned price history of decisions."""

    def data_version(self, organization: str) -> str:
        """Changes whenever tickets or prices change: the cache key of a fitted model."""
        ...

    def product_lines(self, organization: str) -> list[ProductLine]:
        """The organization's product lines, the biggest first (empty: no sales history)."""
        ...

    def pricing_frames(
        self, organization: str, product_line: str | None = None, as_of: datetime | None = None
    ) -> PricingFrames:
        """The engine's tables for one product line (the biggest when None) as known ``as_of``."""
        ...

    def resolve_event(self, organization: str, event: str) -> tuple[str, str]:
        """(event_id, product line key) of an event given by id or exact name (latest date)."""
        ...

    def record_decision(
        self,
        organization: str,
        event_id: str,
        action: str,
        changes: Sequence[PriceChange],
        decided_by: str | None = None,
        note: str | None = None,
    ) -> int:
        """Append one version of an event's prices; returns the new version number."""
        ...

    def price_history(self, organization: str, event_id: str) -> pd.DataFrame:
        """Every saved version of an event's prices, newest first: version, decided_at,
        decided_by, action, category, days_before, price, recommended_price, note."""
        ...
