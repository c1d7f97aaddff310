"""How an import is cut into chunks never shows in the database: customers met in several chunks
are one customer whose empty fields the later chunks fill, an order split across chunks is one
order, and every ticket points at them. The same holds across imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from arena.storage.accounts import ensure_organization
from arena.storage.importing import SqlImportStore
from tests.support.imports import import_file
from tests.support.synthetic_export import write_synthetic_export

HEADER = "Manifestation;Date séance;N° billet;Commande;Prix;Date achat;Email;Nom;Prénom;Téléphone;Adresse;Code postal;Ville;Pays"


@pytest.fixture
def store(engine: Engine) -> SqlImportStore:
    with engine.begin() as connection:
        for slug in ("small-chunks", "one-chunk", "club"):
            ensure_organization(connection, slug, slug)
    return SqlImportStore(engine)


def _write(path: Path, records: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *records]) + "\n", encoding="utf-8")
    return path


def _customers(engine: Engine, org: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            """SELECT c.customer_key, c.email, c.first_name, c.last_name, c.phone, c.address,
                      pc.code, ci.name, co.iso2
               FROM customers c JOIN organizations o ON o.id = c.organization_id
               LEFT JOIN postal_codes pc ON pc.id = c.postal_code_id
               LEFT JOIN cities ci ON ci.id = c.city_id
               LEFT JOIN countries co ON co.id = c.country_id
               WHERE o.slug = :org ORDER BY c.customer_key"""), {"org": org})]


def _tickets(engine: Engine, org: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            """SELECT t.ticket_ref, o.order_ref, c.customer_key, CAST(o.ordered_at AS TEXT),
                      CAST(t.price AS TEXT)
               FROM tickets t JOIN organizations g ON g.id = t.organization_id
               LEFT JOIN orders o ON o.id = t.order_id
               LEFT JOIN customers c ON c.id = t.customer_id
               WHERE g.slug = :org ORDER BY t.ticket_ref"""), {"org": org})]


def _places_without_their_link(engine: Engine) -> list[tuple]:
    """Customers' (city, postal code) pairs missing from `city_postal_codes`."""
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            """SELECT DISTINCT c.city_id, c.postal_code_id FROM customers c
               WHERE c.city_id IS NOT NULL AND c.postal_code_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM city_postal_codes l
                                 WHERE l.city_id = c.city_id
                                   AND l.postal_code_id = c.postal_code_id)"""))]


def test_the_chunk_size_never_changes_what_an_import_loads(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    path = tmp_path / "export.csv"
    write_synthetic_export(path, rows=600, seed=11, encoding="utf-8")
    small = import_file(path, store, "small-chunks", chunk_rows=17)
    assert _places_without_their_link(engine) == []
    whole = import_file(path, store, "one-chunk", chunk_rows=100_000)

    assert small.rows_loaded == whole.rows_loaded == 600
    assert small.added == whole.added
    assert _customers(engine, "small-chunks") == _customers(engine, "one-chunk")
    assert _tickets(engine, "small-chunks") == _tickets(engine, "one-chunk")
    # The file really does bring customers back in later chunks.
    assert whole.added["customers"] < 600


def test_a_customer_met_again_gets_their_empty_fields_filled_never_overwritten(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    event = "Nantes - Lyon;12/08/2023 20:30"
    first = [
        f"{event};B1;C1;20,00;01/07/2023 10:00;ana@example.org;Roux;Ana;;1 rue A;;;",
        f"{event};B2;C2;20,00;01/07/2023 11:00;bob@example.org;Vidal;Bob;0611223344;;;;",
        f"{event};B3;C3;20,00;02/07/2023 11:00;ana@example.org;Roux;Ana;0622334455;9 rue Z;44000;Nantes;France",
        f"{event};B4;C3;20,00;02/07/2023 11:00;ana@example.org;Roux;Ana;;;;;",
    ]
    report = import_file(_write(tmp_path / "first.csv", first), store, "club", chunk_rows=1)
    assert report.rows_loaded == 4
    assert report.added["customers"] == 2 and report.added["orders"] == 3

    second = [f"{event};B9;C9;20,00;03/07/2023 10:00;bob@example.org;Vidal;Bob;0699999999;5 rue B;69001;Lyon;France"]
    import_file(_write(tmp_path / "second.csv", second), store, "club")

    by_email = {row[1]: row for row in _customers(engine, "club")}
    # Ana: the address of her first purchase stays, the phone and place of a later one fill in.
    assert by_email["ana@example.org"][4:] == ("+33622334455", "1 rue A", "44000", "Nantes", "FR")
    # Bob: his phone stays; the later import fills the address and the place he lacked.
    assert by_email["bob@example.org"][4:] == ("+33611223344", "5 rue B", "69001", "Lyon", "FR")
    tickets = {row[0]: row for row in _tickets(engine, "club")}
    assert tickets["B3"][1:3] == tickets["B4"][1:3] == ("C3", "ana@example.org")


def test_an_order_split_across_chunks_takes_its_first_customer_and_earliest_date(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    event = "Nantes - Lyon;12/08/2023 20:30"
    lines = [
        f"{event};B1;C7;20,00;05/07/2023 10:00;;;;;;;;",
        f"{event};B2;C8;20,00;05/07/2023 10:30;eve@example.org;Blanc;Eve;;;;;",
        f"{event};B3;C7;20,00;04/07/2023 09:00;lea@example.org;Noir;Léa;;;;;",
        f"{event};B4;C7;20,00;06/07/2023 09:00;eve@example.org;Blanc;Eve;;;;;",
    ]
    report = import_file(_write(tmp_path / "split.csv", lines), store, "club", chunk_rows=1)

    assert report.added["orders"] == 2
    with engine.connect() as connection:
        orders = {row[0]: row[1:] for row in connection.execute(text(
            """SELECT o.order_ref, c.email, CAST(o.ordered_at AS TEXT) FROM orders o
               LEFT JOIN customers c ON c.id = o.customer_id ORDER BY o.order_ref"""))}
    # C7's first line names nobody: its customer is Léa, of its first line that names one,
    # and its date the earliest of its lines, although that line came in a later chunk.
    assert orders["C7"][0] == "lea@example.org"
    assert orders["C7"][1].startswith("2023-07-04 09:00")
    assert orders["C8"][0] == "eve@example.org"


def test_an_order_continued_in_a_later_export_stays_one_order(
    tmp_path: Path, store: SqlImportStore, engine: Engine
) -> None:
    event = "Nantes - Lyon;12/08/2023 20:30"
    first = [f"{event};B1;C1;20,00;01/07/2023 10:00;ana@example.org;Roux;Ana;;;;;"]
    second = [
        f"{event};B2;C1;20,00;01/07/2023 10:00;ana@example.org;Roux;Ana;;;;;",
        f"{event};B3;C2;20,00;02/07/2023 10:00;bob@example.org;Vidal;Bob;;;;;",
    ]
    import_file(_write(tmp_path / "monday.csv", first), store, "club", source="box office")
    report = import_file(_write(tmp_path / "tuesday.csv", second), store, "club", source="box office", chunk_rows=1)

    assert report.added["orders"] == 1  # C2 only: C1 came with Monday's export
    tickets = {row[0]: row for row in _tickets(engine, "club")}
    assert tickets["B1"][1] == tickets["B2"][1] == "C1"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM orders")).scalar_one() == 2
