"""What loading the demo needs from storage beyond the import pipeline, as one small protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from arena.tenancy import Organization

DEMO_USERNAME = "demo"

# The columns of the frames handed to a DemoCatalog: the loader builds them, adapters read them.
# Keeping them here makes the contract explicit on both sides of the port.
ORGANIZATION_COLUMNS: tuple[str, ...] = ("organization_slug", "organization_name")
VENUE_COLUMNS: tuple[str, ...] = (
    "name", "address", "postal_code", "city", "country", "latitude", "longitude", "capacity",
)
EVENT_COLUMNS: tuple[str, ...] = (
    "event_name", "starts_at", "venue", "event_type", "season", "capacity",
)
EVENT_CATEGORY_COLUMNS: tuple[str, ...] = (
    "event_name", "starts_at", "category", "capacity", "list_price",
)
SEASON_TICKET_COLUMNS: tuple[str, ...] = (
    "season", "category", "price", "customer_key", "email", "first_name", "last_name", "gender",
    "birth_date", "phone", "address", "postal_code", "city", "country",
)


@dataclass(frozen=True)
class ImportedFile:
    """A file an organization already imported successfully, with the counts recorded then."""

    organization_slug: str
    file_name: str
    file_hash: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int


@dataclass(frozen=True)
class SeasonTicketsLoaded:
    """What loading one organization's season tickets added."""

    rows: int
    season_tickets_added: int
    customers_added: int


class DemoCatalog(Protocol):
    """The facts a ticket export cannot carry (venue addresses, capacities, list prices, season
    tickets) and the demo's own bookkeeping (its user, reset). Every method is idempotent, so an
    interrupted load can simply be run again."""

    def imported_files(self, org_slugs: Sequence[str]) -> list[ImportedFile]:
        """Completed imports of these organizations (absent organizations have none)."""
        ...

    def ensure_organizations(self, organizations: pd.DataFrame) -> dict[str, Organization]:
        """Create the organizations of `ORGANIZATION_COLUMNS` rows that do not exist yet;
        every one of them by slug."""
        ...

    def set_venues(self, organization: str, venues: pd.DataFrame) -> int:
        """Create or update venues (`VENUE_COLUMNS`) with their address, place and capacity."""
        ...

    def set_event_capacities(
        self, organization: str, events: pd.DataFrame, categories: pd.DataFrame
    ) -> int:
        """Create or update events (`EVENT_COLUMNS`: venue, type, season, total capacity) and their
        categories (`EVENT_CATEGORY_COLUMNS`: capacity and list price). Returns events written."""
        ...

    def load_season_tickets(self, organization: str, holders: pd.DataFrame) -> SeasonTicketsLoaded:
        """Add season tickets (`SEASON_TICKET_COLUMNS`, one row per holder and season), creating
        holders absent from the customers under the import's customer key."""
        ...

    def ensure_demo_user(self, org_slugs: Sequence[str]) -> None:
        """The `demo` user, with an unusable random password, belonging to these organizations."""
        ...

    def is_demo_loaded(self, org_slugs: Sequence[str]) -> bool:
        """True when the demo user and every one of these organizations exist."""
        ...

    def reset(self, org_slugs: Sequence[str]) -> int:
        """Delete these organizations, everything they own and the demo user; returns how many
        organizations were deleted. Shared reference data (countries, cities) stays."""
        ...
