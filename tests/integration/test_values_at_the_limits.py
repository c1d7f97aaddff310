"""Values at the edge of what the schema holds never fail a whole import: long text (a seat
described in a sentence, a tariff name pasted from a brochure) loads as written on both engines,
and a price too large to store is one rejected row."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from arena.storage.accounts import ensure_organization
from arena.storage.importing import SqlImportStore
from tests.support.imports import import_file

HEADER = ("Manifestation;Date séance;Lieu;N° billet;Commande;Prix;Catégorie;Tarif;Canal;Place;"
          "Email;Nom;Prénom;Adresse;Code postal;Ville;Pays")


def test_long_names_places_seats_and_references_load_in_full(
    tmp_path: Path, engine: Engine
) -> None:
    long = {
        "event": "Festival d'été — " + "soirée exceptionnelle " * 20,
        "venue": "Théâtre " + "de la grande scène " * 15,
        "ticket": "T-" + "9" * 150,
        "order": "C-" + "8" * 150,
        "category": "Catégorie " + "carré or " * 20,
        "tariff": "Tarif " + "réduit demandeur d'emploi " * 8,
        "channel": "Canal " + "revendeur partenaire " * 8,
        "seat": "Balcon " + "rang 12 place 34 " * 10,
        "last": "Nom" + "x" * 150,
        "first": "Prénom" + "y" * 150,
        "address": "Résidence " + "des grands chênes " * 25,
        "postal": "SW1A-" + "1" * 20,
        "city": "Ville " + "sur la rivière " * 15,
    }
    assert min(len(value) for value in long.values()) > 20
    record = ";".join([
        long["event"], "12/08/2025 20:30", long["venue"], long["ticket"], long["order"], "20,00",
        long["category"], long["tariff"], long["channel"], long["seat"], "ana@example.org",
        long["last"], long["first"], long["address"], long["postal"], long["city"], "Royaume-Uni",
    ])
    path = tmp_path / "long.csv"
    path.write_text(f"{HEADER}\n{record}\n", encoding="utf-8")
    with engine.begin() as connection:
        ensure_organization(connection, "club", "club")

    report = import_file(path, SqlImportStore(engine), "club", source="box office")

    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (1, 1, 0)
    with engine.connect() as connection:
        stored = connection.execute(text(
            """SELECT e.name, v.name, t.ticket_ref, o.order_ref, sc.name, ta.name, ch.name,
                      t.seat, c.last_name, c.first_name, c.address, pc.code, ci.name
               FROM tickets t JOIN events e ON e.id = t.event_id
               JOIN venues v ON v.id = e.venue_id JOIN orders o ON o.id = t.order_id
               JOIN seat_categories sc ON sc.id = t.category_id
               JOIN tariffs ta ON ta.id = t.tariff_id
               JOIN sales_channels ch ON ch.id = t.channel_id
               JOIN customers c ON c.id = t.customer_id
               JOIN postal_codes pc ON pc.id = c.postal_code_id
               JOIN cities ci ON ci.id = c.city_id""")).one()
    expected = [long[key].strip() for key in (
        "event", "venue", "ticket", "order", "category", "tariff", "channel", "seat", "last",
        "first", "address", "postal")]
    assert [" ".join(value.split()) for value in stored[:12]] == [
        " ".join(value.split()) for value in expected]
    assert stored[12].lower() == " ".join(long["city"].split()).lower()


def test_a_price_too_large_to_store_is_one_rejected_row(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(
        "Manifestation;Date séance;N° billet;Prix\n"
        "Concert;12/08/2025 20:30;B1;99999999999,00\n"
        "Concert;12/08/2025 20:30;B2;9999999999,99\n",
        encoding="utf-8",
    )
    with engine.begin() as connection:
        ensure_organization(connection, "club", "club")

    report = import_file(path, SqlImportStore(engine), "club")

    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (2, 1, 1)
    assert [(r["line"], r["code"]) for r in report.rejected] == [(2, "price_too_large")]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT ticket_ref, CAST(price AS TEXT) FROM tickets")
                                  ).all() == [("B2", "9999999999.99")]
