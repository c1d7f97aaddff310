"""Mapping suggestion, templates, the JSON contract, constants, combined columns and applying."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arena.ingest.catalogue import FIELD_NAMES, missing_required
from arena.ingest.mapping import (
    Mapping,
    apply_mapping,
    header_signature,
    inspect_file,
    suggest_mapping,
)
from arena.ingest.reader import RecordChunk, iter_records
from arena.ingest.sniff import detect_layout

CORPUS = Path(__file__).parent / "corpus"
VENDORS = Path(__file__).parents[2] / "arena" / "data" / "samples" / "vendors"


def fields_of(path: Path) -> tuple[dict[str, str | None], str | None]:
    payload = inspect_file(path)
    return {column["header"]: column["field"] for column in payload["columns"]}, payload["vendor"]


def test_the_seed_njuko_export_maps_itself_with_date_as_purchase_date() -> None:
    fields, vendor = fields_of(CORPUS / "njuko_like.csv")
    assert vendor == "njuko"
    assert fields == {
        "Epreuve": "event_name", "Date": "purchase_date", "Order ID": "order_id",
        "Paiement": "price", "Adresse email": "customer_email", "Nom": "customer_last_name",
        "Prénom": "customer_first_name", "Adresse": "customer_address",
        "Code postal": "customer_postal_code", "Ville": "customer_city",
        "Pays": "customer_country", "Date de naissance": "customer_birth_date",
        "Téléphone mobile": "customer_phone",
    }


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("eventbrite.csv", {"Order #": "order_id", "Attendee #": "ticket_id",
                            "Total Paid": "price", "Ticket Type": "tariff", "Quantity": None}),
        ("pretix.csv", {"Order code": "order_id", "Pseudonymization ID": "ticket_id",
                        "Order date": "purchase_date", "Order time": "purchase_date",
                        "Position ID": "order_line", "Tax rate": None}),
        ("weezevent.csv", {"Code-barre": "ticket_id", "Montant": "price", "Tarif": "tariff"}),
        ("helloasso.csv", {"Référence commande": "order_id", "Montant tarif": "price"}),
        ("secutix.csv", {"Bloc": "seat", "Rang": "seat", "Siège": "seat",
                         "Heure représentation": "event_date"}),
        ("shotgun.csv", {"Ticket ID": "ticket_id", "Buyer email": "customer_email"}),
        ("digitick.csv", {"N° billet": "ticket_id", "Point de vente": "channel"}),
        ("njuko.csv", {"Date": "purchase_date"}),
    ],
)
def test_each_vendor_sample_is_recognized_and_mapped(sample: str, expected: dict) -> None:
    fields, vendor = fields_of(VENDORS / sample)
    assert vendor == sample.removesuffix(".csv")
    assert {header: fields[header] for header in expected} == expected


def test_french_headers_are_mapped_through_aliases_without_a_vendor() -> None:
    fields, vendor = fields_of(CORPUS / "cp1252_semicolon_title_footer.csv")
    assert vendor is None
    assert fields["N° billet"] == "ticket_id"
    assert fields["Courriel"] == "customer_email"
    assert fields["Tarif"] == "tariff" and fields["Catégorie"] == "category"
    assert fields["Date représentation"] == "event_date"


def test_accents_case_spacing_and_typos_do_not_matter() -> None:
    headers = ["  CODE POSTAL ", "e-mail", "Telephone", "Date de Commande", "Adresse emial", "CP"]
    suggestion = suggest_mapping(headers, [])
    got = [column.field for column in suggestion.columns]
    assert got[:4] == ["customer_postal_code", "customer_email", "customer_phone",
                       "purchase_date"]
    # the typo loses to nothing, but the second postal code column cannot take the field again
    assert got[5] is None
    assert suggestion.columns[0].confidence == 1.0


def test_values_name_a_column_whose_header_says_nothing() -> None:
    rows = [[f"client{i}@example.org", "06 12 34 56 78", "Mme", "x"] for i in range(20)]
    suggestion = suggest_mapping(["Contact", "Numéro", "Civ.", "Divers"], rows)
    fields = [column.field for column in suggestion.columns]
    assert fields == ["customer_email", "customer_phone", "customer_gender", None]
    assert all(0.5 <= column.confidence < 0.9 for column in suggestion.columns[:3])


def test_values_that_cannot_fit_weaken_a_header_match() -> None:
    rows = [["pas d'email ici", f"client{i}@example.org"] for i in range(20)]
    suggestion = suggest_mapping(["Email", "Contact"], rows)
    assert suggestion.columns[1].field == "customer_email"
    assert suggestion.columns[0].confidence < suggestion.columns[1].confidence or (
        suggestion.columns[0].field is None
    )


def test_no_field_is_given_to_two_columns_except_combinable_parts() -> None:
    for sample in sorted(VENDORS.glob("*.csv")) + sorted(CORPUS.glob("*.csv")):
        try:
            payload = inspect_file(sample)
        except ValueError:
            continue
        mapped = [column["field"] for column in payload["columns"] if column["field"]]
        repeated = {name for name in mapped if mapped.count(name) > 1}
        assert repeated <= {"event_date", "purchase_date", "seat", "ticket_id"}, sample.name


def test_date_and_time_columns_and_seat_parts_are_combined_then_joined() -> None:
    path = CORPUS / "date_time_split.csv"
    fields, _ = fields_of(path)
    assert fields["Date"] == fields["Heure"] == "event_date"
    assert fields["Tribune"] == fields["Rang"] == fields["Place"] == "seat"
    layout = detect_layout(path)
    chunk = next(iter_records(path, layout))
    mapping = suggest_mapping(layout.headers, chunk.rows).to_mapping()
    frame = apply_mapping(chunk, mapping)
    first = chunk.rows[0]
    assert frame.loc[0, "event_date"] == "08/03/2015 20:30"
    assert frame.loc[0, "seat"] == f"{first[3]} {first[4]} {first[5]}"


def test_constants_are_broadcast_and_fill_empty_cells_of_a_mapped_field() -> None:
    chunk = RecordChunk(lines=[2, 3, 5], rows=[["A1", "12", ""], ["A2", "8", "Nantes"],
                                               ["A3", "9", ""]])
    mapping = Mapping(columns={0: "ticket_id", 1: "price", 2: "venue"},
                      constants={"event_name": "Le Cid", "event_date": "08/03/2015",
                                 "venue": "Zénith"})
    frame = apply_mapping(chunk, mapping)
    assert list(frame["event_name"]) == ["Le Cid"] * 3
    assert list(frame["venue"]) == ["Zénith", "Nantes", "Zénith"]
    assert list(frame["line"]) == [2, 3, 5] and str(frame["line"].dtype) == "int64"
    assert set(frame.columns) == {"ticket_id", "price", "venue", "event_name", "event_date", "line"}
    assert missing_required(mapping) == []


def test_missing_required_fields_are_listed_with_the_identifier_rule() -> None:
    assert missing_required(Mapping(columns={0: "price"})) == ["event_name", "event_date",
                                                               "ticket_id"]
    with_order = Mapping(columns={0: "order_id", 1: "price", 2: "event_date"},
                         constants={"event_name": "Semi-Marathon"})
    assert missing_required(with_order) == []
    blank_constant = Mapping(columns={0: "ticket_id", 1: "price", 2: "event_name"},
                             constants={"event_date": "  "})
    assert missing_required(blank_constant) == ["event_date"]


def test_a_saved_template_maps_the_same_header_signature_next_time() -> None:
    headers = ["Réf", "Montant réglé", "Quand", "Spectacle"]
    rows = [["R1", "12,00", "01/02/2015", "Le Cid"]]
    corrected = Mapping(columns={0: "ticket_id", 1: "price", 2: "purchase_date"},
                        constants={"event_date": "08/03/2015"})
    stored = {header_signature(headers): corrected.to_json(headers)}
    next_file_headers = ["réf ", "MONTANT RÉGLÉ", "quand", "spectacle"]
    saved = stored.get(header_signature(next_file_headers))
    assert saved is not None
    suggestion = suggest_mapping(next_file_headers, rows,
                                 template=Mapping.from_json(saved, next_file_headers))
    assert suggestion.from_template
    assert suggestion.to_mapping() == corrected
    assert header_signature(headers) != header_signature(headers[::-1])
    assert len(header_signature(headers)) == 64


def test_mapping_json_round_trips_with_header_names_or_indices() -> None:
    headers = ["Nom", "Prix", "Nom (2)", "Date", "Heure"]
    mapping = Mapping(columns={0: "customer_last_name", 1: "price", 3: "event_date",
                               4: "event_date"}, constants={"event_name": "Gala"})
    document = mapping.to_json(headers)
    assert document == {"columns": {"Nom": "customer_last_name", "Prix": "price",
                                    "Date": "event_date", "Heure": "event_date"},
                        "constants": {"event_name": "Gala"}}
    assert Mapping.from_json(json.loads(json.dumps(document)), headers) == mapping
    by_index = {"columns": {"0": "customer_last_name", "1": "price", "3": "event_date",
                            "4": "event_date"}, "constants": {"event_name": "Gala"}}
    assert Mapping.from_json(by_index, headers) == mapping
    duplicated = ["Nom", "Nom"]
    assert Mapping(columns={1: "customer_last_name"}).to_json(duplicated)["columns"] == {
        "1": "customer_last_name"}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"columns": {"Inconnu": "price"}}, "Unknown column 'Inconnu'"),
        ({"columns": {"Prix": "prix_ttc"}}, "Unknown field 'prix_ttc'"),
        ({"columns": {"9": "price"}}, "out of range"),
        ({"columns": {}, "constants": {"customer_email": "a@b.fr"}}, "cannot be a constant"),
        ({"columns": {}, "constants": {"nope": "x"}}, "Unknown field 'nope'"),
    ],
)
def test_bad_mapping_files_fail_with_one_clear_sentence(document: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Mapping.from_json(document, ["Nom", "Prix"])


def test_inspect_payload_has_exactly_the_cli_keys_and_five_samples_at_most() -> None:
    payload = inspect_file(CORPUS / "cp1252_semicolon_title_footer.csv")
    assert set(payload) == {"encoding", "delimiter", "quotechar", "header_row", "columns",
                            "vendor"}
    assert payload["header_row"] == 3
    for column in payload["columns"]:
        assert set(column) == {"index", "header", "field", "confidence", "samples"}
        assert len(column["samples"]) <= 5 and all(column["samples"])
        assert column["field"] is None or column["field"] in FIELD_NAMES
        assert 0.0 <= column["confidence"] <= 1.0
    json.dumps(payload)


def test_applying_a_mapping_to_100k_rows_keeps_every_row_and_joins_split_dates() -> None:
    # Its speed is measured by bench/import (a timed assertion here failed on a loaded machine).
    rows = [[f"T{i}", "48,00", "08/03/2015", "20:30", f"c{i}@x.org"] for i in range(100_000)]
    chunk = RecordChunk(lines=list(range(2, 100_002)), rows=rows)
    mapping = Mapping(columns={0: "ticket_id", 1: "price", 2: "event_date", 3: "event_date",
                               4: "customer_email"}, constants={"event_name": "Gala"})
    frame = apply_mapping(chunk, mapping)
    assert len(frame) == 100_000
    assert frame.loc[99_999, "event_date"] == "08/03/2015 20:30"
    assert frame.loc[99_999, "ticket_id"] == "T99999"
    assert (frame["event_name"] == "Gala").all()
