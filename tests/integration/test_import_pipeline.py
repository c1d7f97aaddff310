"""The import pipeline end to end on a real database: every record loaded or rejected with its
reason, re-imports change nothing, undo removes exactly what an import added, a failure mid-way
leaves the database as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from arena.errors import ArenaUserError
from arena.ingest.mapping import Mapping
from arena.storage.accounts import ensure_organization
from arena.storage.import_history import list_imports, rejected_rows_of
from arena.storage.importing import SqlImportStore
from arena.storage.schema import customers, events, metadata, tickets
from tests.integration.messy_files import write_messy_export
from tests.support.imports import import_file, organization, undo

CORPUS = Path(__file__).resolve().parents[1] / "ingest" / "corpus"
SAMPLES = Path(__file__).resolve().parents[2] / "arena" / "data" / "samples" / "vendors"


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
            if table.name not in ("imports", "rejected_rows", "import_warnings", "mapping_templates")
        }


@pytest.fixture
def store(engine: Engine) -> SqlImportStore:
    with engine.begin() as connection:
        ensure_organization(connection, "club", "Club")
        ensure_organization(connection, "theatre", "Théâtre")
    return SqlImportStore(engine)


def _import(path: Path, store: SqlImportStore, **options):  # type: ignore[no-untyped-def]
    return import_file(path, store, options.pop("org", "club"), **options)


def test_every_record_of_a_messy_file_is_loaded_or_rejected_with_its_reason(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    path = tmp_path / "export.csv"
    fates = write_messy_export(path)
    report = _import(path, store)

    assert report.rows_read == len(fates)
    assert report.rows_read == report.rows_loaded + report.rows_rejected
    rejected_codes = {r["line"]: r["code"] for r in report.rejected}
    first_record_line = 5
    for offset, fate in enumerate(fates):
        line = first_record_line + offset
        if fate.startswith("reject:"):
            assert rejected_codes.get(line) == fate.split(":", 1)[1], (line, fate)
        elif fate == "ok" or fate.startswith("warn:"):
            assert line not in rejected_codes, (line, rejected_codes.get(line))
    warned = {(w["line"], w["code"]) for w in report.warnings}
    for offset, fate in enumerate(fates):
        if fate.startswith("warn:"):
            assert (first_record_line + offset, fate.split(":", 1)[1]) in warned
    kinds = {s["kind"] for s in report.skipped_lines}
    assert {"title", "footer"} <= kinds

    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(tickets)).scalar_one() == (
            report.rows_loaded
        )
        prices = dict(connection.execute(select(tickets.c.ticket_ref, tickets.c.price)).all())
    assert str(prices["B003"]) == "1250.50"
    stored = rejected_rows_of(engine, organization(engine, "club"), report.import_id)
    assert len(stored) == report.rows_rejected
    assert all(row["record"] and row["message"] for row in stored)


def test_accents_and_customers_come_out_right(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    path = tmp_path / "export.csv"
    write_messy_export(path)
    _import(path, store)
    with engine.connect() as connection:
        anais = connection.execute(
            select(customers).where(customers.c.email == "anais.lefevre@example.org")
        ).one()
        names = connection.execute(select(events.c.name)).scalars().all()
    assert anais.first_name == "Anaïs" and anais.last_name == "LEFÈVRE"
    assert anais.phone == "+33612345678"
    assert "Nantes - Lyon" in names


def test_reimporting_the_same_file_changes_nothing(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    path = tmp_path / "export.csv"
    write_messy_export(path)
    first = _import(path, store)
    before = _counts(engine)
    second = _import(path, store)
    assert _counts(engine) == before
    assert (second.rows_read, second.rows_loaded, second.rows_rejected) == (
        first.rows_read, first.rows_loaded, first.rows_rejected,
    )
    assert second.added["tickets"] == 0


def test_undo_removes_exactly_what_an_import_added(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    njuko = SAMPLES / "njuko.csv"
    _import(njuko, store, source="njuko", constants={"event_date": "12/10/2014 09:30"})
    before = _counts(engine)
    path = tmp_path / "export.csv"
    write_messy_export(path)
    report = _import(path, store)
    assert _counts(engine)["tickets"] > before["tickets"]

    undo(engine, "club", report.import_id)

    after = _counts(engine)
    for table in ("tickets", "orders", "customers", "events", "seat_categories", "tariffs",
                  "sales_channels", "event_categories", "venues", "seasons"):
        assert after[table] == before[table], table
    statuses = {row["id"]: row["status"] for row in list_imports(engine, organization(engine, "club"))}
    assert statuses[report.import_id] == "undone"
    with pytest.raises(ArenaUserError):
        undo(engine, "club", report.import_id)


def test_a_failure_mid_import_leaves_the_database_as_before(
    tmp_path: Path, store: SqlImportStore, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "export.csv"
    write_messy_export(path)
    before = _counts(engine)

    from arena.storage.importing.tickets import TicketWriter

    def explode(self, *args):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(TicketWriter, "load", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        _import(path, store)
    assert _counts(engine) == before
    history = list_imports(engine, organization(engine, "club"))
    assert [row["status"] for row in history] == ["failed"]
    assert "disk full" in history[0]["message"]


def test_organizations_never_see_each_others_tickets(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    path = tmp_path / "export.csv"
    write_messy_export(path)
    club = _import(path, store, org="club")
    theatre = _import(path, store, org="theatre")
    assert club.added["tickets"] == theatre.added["tickets"] > 0
    with engine.connect() as connection:
        per_org = dict(
            connection.execute(
                text(
                    "SELECT o.slug, COUNT(*) FROM tickets t "
                    "JOIN organizations o ON o.id = t.organization_id GROUP BY o.slug"
                )
            ).all()
        )
        crossed = connection.execute(
            text(
                "SELECT COUNT(*) FROM tickets t JOIN customers c ON c.id = t.customer_id "
                "WHERE c.organization_id <> t.organization_id"
            )
        ).scalar_one()
    assert per_org == {"club": club.rows_loaded, "theatre": theatre.rows_loaded}
    assert crossed == 0


def test_a_dry_run_validates_everything_and_writes_nothing(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    path = tmp_path / "export.csv"
    write_messy_export(path)
    before = _counts(engine)
    report = _import(path, store, dry_run=True)
    assert report.rows_read == report.rows_loaded + report.rows_rejected > 0
    assert _counts(engine) == before
    assert list_imports(engine, organization(engine, "club")) == []


def test_a_mapping_fix_is_remembered_for_the_same_header_signature(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    njuko = SAMPLES / "njuko.csv"
    from arena.ingest.sniff import detect_layout

    headers = detect_layout(njuko).headers
    fixed = Mapping.from_json(
        {"columns": {h: f for h, f in zip(headers, [
            "event_name", "purchase_date", "order_id", "price", "customer_email",
            "customer_last_name", "customer_first_name", "customer_address",
            "customer_postal_code", "customer_city", "customer_country",
            "customer_birth_date", "customer_phone"], strict=False)},
         "constants": {"event_date": "12/10/2014 09:30"}},
        headers,
    )
    _import(njuko, store, source="njuko", mapping=fixed)
    again = _import(njuko, store, source="njuko")  # no mapping, no constant: the template
    assert again.rows_rejected == 0
    assert again.mapping["constants"]["event_date"] == "12/10/2014 09:30"


def test_a_file_without_a_required_field_is_refused_in_one_sentence(
    store: SqlImportStore,
) -> None:
    with pytest.raises(ArenaUserError, match="event_date"):
        _import(SAMPLES / "njuko.csv", store, source="njuko-new")


@pytest.mark.parametrize(
    "name", sorted(p.name for p in CORPUS.glob("*") if p.suffix in (".csv", ".txt"))
)
def test_every_corpus_file_keeps_the_row_invariant(
    name: str, store: SqlImportStore, engine: Engine
) -> None:
    path = CORPUS / name
    constants = {"event_name": "Concert", "event_date": "01/01/2024 20:00"}
    try:
        report = _import(path, store, constants=constants, source=name)
    except ArenaUserError as error:
        assert str(error).endswith(".")  # unusable input: one clear sentence
        return
    assert report.rows_read == report.rows_loaded + report.rows_rejected
    with engine.connect() as connection:
        loaded = connection.execute(
            select(func.count()).select_from(tickets).where(tickets.c.import_id == report.import_id)
        ).scalar_one()
    assert loaded == report.added["tickets"] <= report.rows_loaded


def test_a_re_export_that_fills_in_a_missing_barcode_adds_the_ticket_once(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    """The identifier rule is per file: the line without its ticket number is rejected the first
    time, so when the re-export fills it in, that ticket is counted once, not twice."""
    header = "Manifestation;Date séance;N° billet;Commande;Prix\n"
    first = tmp_path / "first.csv"
    first.write_text(header + "Gala;12/08/2023 20:30;B1;C1;20,00\n"
                     "Gala;12/08/2023 20:30;;C2;30,00\n", encoding="utf-8")
    report = _import(first, store)
    assert (report.rows_loaded, [(r["line"], r["code"]) for r in report.rejected]) == (
        1, [(3, "missing_ticket_id")]
    )
    again = tmp_path / "again.csv"
    again.write_text(header + "Gala;12/08/2023 20:30;B1;C1;20,00\n"
                     "Gala;12/08/2023 20:30;B2;C2;30,00\n", encoding="utf-8")
    _import(again, store)
    _import(again, store)
    with engine.connect() as connection:
        refs = connection.execute(select(tickets.c.ticket_ref, tickets.c.price)
                                  .order_by(tickets.c.ticket_ref)).all()
    assert [(ref, float(price)) for ref, price in refs] == [("B1", 20.0), ("B2", 30.0)]
