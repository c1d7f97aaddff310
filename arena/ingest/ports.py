"""What the import pipeline needs from storage, as small protocols the adapters implement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from arena.tenancy import Organization

if TYPE_CHECKING:
    from arena.ingest.derive import ChunkFacts


@dataclass(frozen=True)
class ImportRequest:
    """Who imports which file for which organization and source, with which mapping."""

    organization: Organization
    source: str
    vendor: str | None
    file_name: str
    file_hash: str
    mapping: dict[str, Any]
    user: str | None = None
    expected_rows: int = 0  # an estimate from the file size, for choosing a bulk-load strategy


@dataclass(frozen=True)
class RejectedRow:
    """A record that was not loaded, kept whole with its reason so nothing is lost."""

    line: int
    record: dict[str, str]
    column: str | None
    value: str | None
    code: str
    message: str


@dataclass(frozen=True)
class Warning:
    """A record loaded with a repaired or emptied value."""

    line: int
    column: str | None
    value: str | None
    code: str
    message: str


@dataclass
class LoadSummary:
    """What a finished import added to the database."""

    import_id: int | None
    tickets_added: int = 0
    customers_added: int = 0
    events_added: int = 0
    orders_added: int = 0
    status: str = "completed"
    seconds: dict[str, float] = field(default_factory=dict)  # database time per load step
    # Tables whose indexes and foreign keys were set aside during the load and put back
    # (re-validated) before commit: the riskiest path, so the summary says when it ran.
    bulk_tables: list[str] = field(default_factory=list)
    # The customers the import created or met (sorted ids): what a step that keeps figures per
    # customer must recompute once the import has committed.
    touched_customer_ids: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


@dataclass(frozen=True)
class UndoResult:
    """What undoing an import removed: rows per table, the customers removed with it, and the
    customers who stay but lost tickets or orders (whose per-customer figures must change)."""

    removed: dict[str, int]
    removed_customer_ids: tuple[int, ...] = ()
    affected_customer_ids: tuple[int, ...] = ()


class ImportWriter(Protocol):
    """One import in progress: rows are staged chunk by chunk, then finished in one transaction
    (or aborted, leaving the database as it was)."""

    import_id: int | None

    def stage(self, rows: pd.DataFrame, facts: ChunkFacts) -> None: ...

    def reject(self, rows: list[RejectedRow]) -> None: ...

    def warn(self, warnings: list[Warning]) -> None: ...

    def finish(self, rows_read: int, rows_loaded: int, rows_rejected: int) -> LoadSummary: ...

    def abort(self, message: str) -> None: ...

    def reset(self) -> None:
        """Forget everything staged so far (the import starts again in the same transaction)."""


class ImportStore(Protocol):
    def begin(self, request: ImportRequest) -> ImportWriter: ...

    def undo(self, organization: Organization, import_id: int) -> UndoResult:
        """Remove exactly what one completed import added, in one transaction."""

    def find_template(self, organization: Organization, source: str, signature: str
                      ) -> dict | None: ...

    def save_template(
        self, organization: Organization, source: str, signature: str, mapping: dict[str, Any]
    ) -> None: ...
