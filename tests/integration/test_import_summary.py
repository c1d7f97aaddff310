"""The Overview's sales summaries an import writes (a tally of its new events' tickets, a rebuild
of the events that existed) are exactly what a full rebuild from the tickets gives."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from arena.storage.accounts import ensure_organization
from arena.storage.analytics import refresh_sales_summary
from arena.storage.importing import SqlImportStore
from arena.storage.schema import sales_by_event_day, sales_by_event_offer
from tests.support.imports import import_file, undo
from tests.support.synthetic_export import write_synthetic_export

SPARSE = (
    "Manifestation;Date séance;N° billet;Prix;Catégorie;Date achat\n"
    "Gala de clôture;20/06/2025 20:00;G1;35,10;;\n"
    "Gala de clôture;20/06/2025 20:00;G2;35,10;Orchestre;01/06/2025 10:00\n"
    "Gala de clôture;20/06/2025 20:00;G3;0,20;Orchestre;01/06/2025 18:30\n"
    "Gala de clôture;20/06/2025 20:00;G4;0,10;;\n"
)


def _summaries(engine: Engine, organization_id: int) -> tuple[list, list]:
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            sorted(
                ((tuple(row[:-1]), Decimal(str(row[-1])).quantize(Decimal("0.01")))
                for row in connection.execute(
                    select(*[c for c in table.c if c.name != "organization_id"])
                    .where(table.c.organization_id == organization_id)
                )),
                key=repr,  # keys hold NULLs (no category, no purchase date)
            )
            for table in (sales_by_event_offer, sales_by_event_day)
        )


def _rebuilt(engine: Engine, organization_id: int) -> tuple[list, list]:
    with engine.begin() as connection:
        refresh_sales_summary(connection, organization_id)
    return _summaries(engine, organization_id)


@pytest.mark.parametrize("chunk_rows", [37, 30_000])
def test_an_imports_summaries_equal_a_rebuild_from_the_tickets(
    tmp_path: Path, engine: Engine, chunk_rows: int
) -> None:
    with engine.begin() as connection:
        org = ensure_organization(connection, "club", "Club")
    store = SqlImportStore(engine)
    first, second, sparse = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "sparse.csv"
    write_synthetic_export(first, rows=400, seed=1)
    write_synthetic_export(second, rows=300, seed=2)  # the same events, and a few new ones
    sparse.write_text(SPARSE, encoding="utf-8")

    for path in (first, second, sparse):
        report = import_file(path, store, "club", chunk_rows=chunk_rows)
        assert report.rows_rejected == 0
        written = _summaries(engine, org.id)
        assert written == _rebuilt(engine, org.id)

    offers, days = _summaries(engine, org.id)
    assert sum(key[-1] for key, _ in offers) == 400 + 300 + 4 - _shared_tickets(first, second)
    # The gala's two tickets without a purchase date: one row, 35.10 + 0.10 exactly.
    assert [revenue for key, revenue in days if key[1] is None] == [Decimal("35.20")]

    undo(engine, "club", report.import_id)  # the gala's summary goes with its tickets
    assert _summaries(engine, org.id) == _rebuilt(engine, org.id)


def _shared_tickets(first: Path, second: Path) -> int:
    """Ticket ids both files carry: the second import leaves those tickets as they are."""
    def ids(path: Path) -> set[str]:
        lines = path.read_text(encoding="utf-8").splitlines()[1:]
        return {line.split(";")[3] for line in lines}

    return len(ids(first) & ids(second))
