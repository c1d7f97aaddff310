"""Ticketing sources (the systems an organization's files come from), created on first use."""

from __future__ import annotations

from sqlalchemy import Connection, select

from arena.storage.schema import ticketing_sources
from arena.storage.sqlutil import insert_ignore


def ensure_source(connection: Connection, org_id: int, name: str, vendor: str | None) -> int:
    insert_ignore(connection, ticketing_sources,
                  [{"organization_id": org_id, "name": name, "vendor": vendor}],
                  ["organization_id", "name"])
    return connection.execute(
        select(ticketing_sources.c.id)
        .where(ticketing_sources.c.organization_id == org_id)
        .where(ticketing_sources.c.name == name)
    ).scalar_one()


def find_source(connection: Connection, org_id: int, name: str) -> int | None:
    return connection.execute(
        select(ticketing_sources.c.id)
        .where(ticketing_sources.c.organization_id == org_id)
        .where(ticketing_sources.c.name == name)
    ).scalar()
