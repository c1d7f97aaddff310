"""The composition root: the one place where storage adapters are chosen and built."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from arena.config import Settings, load_settings
from arena.storage.db import create_database_engine, upgrade_database


@dataclass
class Services:
    """Everything a command or a page needs, built once per process from the settings."""

    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return create_database_engine(self.settings.database_url)

    def upgrade_schema(self) -> None:
        upgrade_database(self.settings.database_url)


def build_services(settings: Settings | None = None) -> Services:
    return Services(settings=settings or load_settings())
