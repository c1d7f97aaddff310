"""Read side of imports: the history list, one import's details and its rejected rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from arena.storage.accounts import find_organization
from arena.storage.schema import import_warnings, imports, rejected_rows, ticketing_sources


def list_imports(engine: Engine, organization: str, limit: int = 500) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        org = find_organization(connection, organization)
        rows = connection.execute(
            select(
                imports.c.id, imports.c.file_name, imports.c.status, imports.c.created_by,
                imports.c.created_at, imports.c.finished_at, imports.c.rows_read,
                imports.c.rows_loaded, imports.c.rows_rejected, imports.c.rows_warned,
                imports.c.message, ticketing_sources.c.name.label("source"),
            )
            .select_from(imports.outerjoin(ticketing_sources, ticketing_sources.c.id == imports.c.source_id))
            .where(imports.c.organization_id == org.id)
            .order_by(imports.c.id.desc())
            .limit(limit)
        ).mappings().all()
    return [dict(r) for r in rows]


def rejected_rows_of(engine: Engine, organization: str, import_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        org = find_organization(connection, organization)
        rows = connection.execute(
            select(
                rejected_rows.c.line, rejected_rows.c.column_name.label("column"),
                rejected_rows.c.raw_value.label("value"), rejected_rows.c.code,
                rejected_rows.c.message, rejected_rows.c.record,
            )
            .join(imports, imports.c.id == rejected_rows.c.import_id)
            .where(imports.c.organization_id == org.id)
            .where(rejected_rows.c.import_id == import_id)
            .order_by(rejected_rows.c.line)
        ).mappings().all()
    return [dict(r) for r in rows]


def warnings_of(engine: Engine, organization: str, import_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        org = find_organization(connection, organization)
        rows = connection.execute(
            select(
                import_warnings.c.line, import_warnings.c.column_name.label("column"),
                import_warnings.c.raw_value.label("value"), import_warnings.c.code,
                import_warnings.c.message,
            )
            .join(imports, imports.c.id == import_warnings.c.import_id)
            .where(imports.c.organization_id == org.id)
            .where(import_warnings.c.import_id == import_id)
            .order_by(import_warnings.c.line)
        ).mappings().all()
    return [dict(r) for r in rows]
