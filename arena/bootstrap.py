"""The composition root: the one place where storage adapters are chosen and built.

Adapters are imported when first asked for: a command that only imports a file must not load
the pricing models (scipy, statsmodels: ~0.6 s and ~80 MB before the first row is read).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from arena.config import Settings, load_settings
from arena.storage.db import create_database_engine, upgrade_database
from arena.tenancy import Organization

if TYPE_CHECKING:
    from arena.crm.profiles import ProfileStore
    from arena.storage.demo_catalog import SqlDemoCatalog
    from arena.storage.importing import SqlImportStore
    from arena.storage.pricing_repository import SqlPricingRepository

@dataclass
class Services:
    """Everything a command or a page needs, built once per process from the settings."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return create_database_engine(self.settings.database_url)

    @cached_property
    def import_store(self) -> SqlImportStore:
        from arena.storage.importing import SqlImportStore

        return SqlImportStore(self.engine)

    @cached_property
    def profile_store(self) -> ProfileStore:
        """Riak KV over HTTP when ARENA_RIAK_URL is set, else a table of the SQL database.

        Opening the Riak store checks its bucket type, so a mistyped one fails here, in one
        sentence, rather than reading as an empty store."""
        from arena.storage.profiles_sql import SqlProfileStore
        from arena.storage.riak import RiakProfileStore

        if self.settings.riak_url:
            return RiakProfileStore.open(
                self.settings.riak_url,
                self.settings.riak_bucket_type,
                accept_last_write_wins=self.settings.riak_last_write_wins,
                timeout=self.settings.riak_timeout,
                retries=self.settings.riak_retries,
            )
        return SqlProfileStore(self.engine)

    @cached_property
    def pricing_repository(self) -> SqlPricingRepository:
        from arena.storage.pricing_repository import SqlPricingRepository

        return SqlPricingRepository(self.engine)

    @cached_property
    def demo_catalog(self) -> SqlDemoCatalog:
        from arena.storage.demo_catalog import SqlDemoCatalog

        return SqlDemoCatalog(self.engine)

    def organization(self, slug: str) -> Organization:
        """The organization a command names by its slug: resolved here, once, then passed down
        as one value (an unknown slug is one sentence)."""
        from arena.storage.accounts import organization_by_slug

        return organization_by_slug(self.engine, slug)

    def upgrade_schema(self) -> None:
        upgrade_database(self.settings.database_url)


def user_message(error: BaseException) -> str | None:
    """The one sentence that tells a user how to fix `error`, or None when it is a defect.
    The command line and the pages translate failures through this one function."""
    from sqlalchemy.exc import OperationalError

    from arena.crm.profiles import ProfileStoreError
    from arena.errors import ArenaUserError

    if isinstance(error, ArenaUserError | ProfileStoreError):  # each is one sentence already
        return str(error)
    if isinstance(error, OperationalError):
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return f"The database cannot be reached: {reason}."
    if isinstance(error, (UnicodeDecodeError, LookupError)):
        return f"The file cannot be read with this encoding: {error}."
    return None


def build_services(settings: Settings | None = None) -> Services:
    return Services(settings=settings or load_settings())
