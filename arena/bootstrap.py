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

if TYPE_CHECKING:
    from arena.crm.profiles import ProfileStore
    from arena.storage.demo_catalog import SqlDemoCatalog
    from arena.storage.pricing_repository import SqlPricingRepository
    from arena.storage.ticket_loader import SqlImportStore


@dataclass
class Services:
    """Everything a command or a page needs, built once per process from the settings."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return create_database_engine(self.settings.database_url)

    @cached_property
    def import_store(self) -> SqlImportStore:
        from arena.storage.ticket_loader import SqlImportStore

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

    def upgrade_schema(self) -> None:
        upgrade_database(self.settings.database_url)


def build_services(settings: Settings | None = None) -> Services:
    return Services(settings=settings or load_settings())
