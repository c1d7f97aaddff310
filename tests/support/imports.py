"""Tests import files the way the command line does: plan the file once, then run the plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from arena.ingest.mapping import Mapping
from arena.ingest.plan import plan_file
from arena.ingest.service import ImportOptions, ImportReport, ProgressCallback, run_import
from arena.storage.accounts import organization_by_slug
from arena.storage.importing import SqlImportStore
from arena.tenancy import Organization

# For dry runs, which never reach a database: an organization that needs no lookup.
NOWHERE = Organization(0, "club", "Club")


def organization(engine: Engine, slug: str) -> Organization:
    return organization_by_slug(engine, slug)


def import_file(path: Path, store: SqlImportStore | None, org: str | Organization, *,
                source: str | None = None, mapping: Mapping | None = None,
                constants: dict[str, str] | None = None, encoding: str | None = None,
                delimiter: str | None = None, header_row: int | None = None,
                progress: ProgressCallback | None = None, **options: Any) -> ImportReport:
    if isinstance(org, str):
        org = NOWHERE if store is None else organization(store.engine, org)
    plan = plan_file(path, org, store, source=source, mapping=mapping, constants=constants,
                     encoding=encoding, delimiter=delimiter, header_row=header_row)
    return run_import(plan, ImportOptions(**options), store, progress)


def undo(engine: Engine, slug: str, import_id: int) -> dict[str, int]:
    return SqlImportStore(engine).undo(organization(engine, slug), import_id).removed
