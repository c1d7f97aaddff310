"""The adapter of `arena.ingest.ports.ImportStore`: imports, mapping templates and undo, on
SQLite or PostgreSQL through one SQLAlchemy engine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from arena.ingest.ports import ImportRequest, UndoResult
from arena.storage.importing.sources import ensure_source
from arena.storage.importing.undo import undo_import
from arena.storage.importing.writer import SqlImportWriter
from arena.storage.schema import mapping_templates, ticketing_sources
from arena.storage.sqlutil import dialect_insert
from arena.tenancy import Organization


class SqlImportStore:
    """The import pipeline's storage."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def begin(self, request: ImportRequest) -> SqlImportWriter:
        return SqlImportWriter.open(self.engine, request)

    def undo(self, organization: Organization, import_id: int) -> UndoResult:
        return undo_import(self.engine, organization, import_id)

    def find_template(self, organization: Organization, source: str, signature: str
                      ) -> dict | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(mapping_templates.c.mapping)
                .join(ticketing_sources, ticketing_sources.c.id == mapping_templates.c.source_id)
                .where(mapping_templates.c.organization_id == organization.id)
                .where(ticketing_sources.c.name == source)
                .where(mapping_templates.c.header_signature == signature)
            ).first()
        return None if row is None else dict(row.mapping)

    def save_template(self, organization: Organization, source: str, signature: str,
                      mapping: dict[str, Any]) -> None:
        with self.engine.begin() as connection:
            source_id = ensure_source(connection, organization.id, source, None)
            statement = dialect_insert(connection, mapping_templates).values(
                organization_id=organization.id, source_id=source_id,
                header_signature=signature, mapping=mapping,
            )
            connection.execute(statement.on_conflict_do_update(
                index_elements=["organization_id", "source_id", "header_signature"],
                set_={"mapping": statement.excluded.mapping},
            ))

