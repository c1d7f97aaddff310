"""Read side of imports: the history list, one import's details and its rejected rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, select

from arena.storage.schema import import_warnings, imports, rejected_rows, ticketing_sources
from arena.tenancy import Organization


def list_imports(engine: Engine, organization: Organization, limit: int = 500
                 ) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                imports.c.id, imports.c.file_name, imports.c.status, imports.c.created_by,
                imports.c.created_at, imports.c.finished_at, imports.c.rows_read,
                imports.c.rows_loaded, imports.c.rows_rejected, imports.c.rows_warned,
                imports.c.message, ticketing_sources.c.name.label("source"),
            )
            .select_from(imports.outerjoin(ticketing_sources, ticketing_sources.c.id == imports.c.source_id))
            .where(imports.c.organization_id == organization.id)
            .order_by(imports.c.id.desc())
            .limit(limit)
        ).mappings().all()
    return [dict(r) for r in rows]


def rejected_rows_of(engine: Engine, organization: Organization, import_id: int) -> list[dict[str, Any]]:
    """The rows an import did not load, with their reasons and raw records."""
    return _issues_of(engine, organization, import_id, rejected_rows, rejected_rows.c.record)


def warnings_of(engine: Engine, organization: Organization, import_id: int) -> list[dict[str, Any]]:
    """The rows an import loaded with a repaired or emptied value."""
    return _issues_of(engine, organization, import_id, import_warnings)


def _issues_of(
    engine: Engine, organization: Organization, import_id: int, table: Table,
    *extra: ColumnElement,
) -> list[dict[str, Any]]:
    """One import's rows of `table`, in line order, only if the import is the organization's."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                table.c.line, table.c.column_name.label("column"),
                table.c.raw_value.label("value"), table.c.code, table.c.message, *extra,
            )
            .join(imports, imports.c.id == table.c.import_id)
            .where(imports.c.organization_id == organization.id)
            .where(table.c.import_id == import_id)
            .order_by(table.c.line)
        ).mappings().all()
    return [dict(r) for r in rows]
