"""Values found in real exports that used to load wrong: currencies written as words or signs,
records with an unquoted separator, `12€50`, a time column before its date, 2-digit birth years."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from arena.errors import ArenaUserError
from arena.ingest.mapping import Mapping, apply_mapping
from arena.ingest.parsers import (
    ValueParseError,
    infer_date_format,
    parse_currency,
    parse_datetime,
    parse_datetime_series,
    parse_price,
)
from arena.ingest.plan import prices_in_cents
from arena.ingest.reader import RecordChunk
from arena.ingest.validation import ParseOptions, ValidationResult, ValidationState, validate_chunk
from arena.storage.accounts import ensure_organization
from arena.storage.importing import SqlImportStore
from tests.support.imports import import_file

TODAY = date(2024, 6, 1)
OPTIONS = ParseOptions(today=TODAY)


def validate_records(headers: list[str], rows: list[list[str]], mapping: Mapping) -> ValidationResult:
    """Map then validate records as the row reader hands them over (padded to the headers)."""
    padded = [row + [""] * (len(headers) - len(row)) for row in rows]
    chunk = RecordChunk(lines=list(range(2, 2 + len(rows))), rows=padded)
    result = validate_chunk(apply_mapping(chunk, mapping), ValidationState(), OPTIONS)
    assert result.rows_in == len(rows) == len(result.valid) + len(result.rejected)
    return result


TICKET_COLUMNS = {0: "ticket_id", 1: "event_name", 2: "event_date", 3: "price"}


# -- 1. currencies -----------------------------------------------------------------------------

@pytest.mark.parametrize("raw, code", [
    ("€", "EUR"), ("Euros", "EUR"), ("eur", "EUR"), (" EUR ", "EUR"), ("euro", "EUR"),
    ("$", "USD"), ("dollars", "USD"), ("Dollar", "USD"), ("usd", "USD"),
    ("£", "GBP"), ("livres sterling", "GBP"), ("Livre Sterling", "GBP"), ("pounds", "GBP"),
    ("CHF", "CHF"), ("Fr.", "CHF"), ("francs suisses", "CHF"), ("Franc suisse", "CHF"),
    ("jpy", "JPY"),
])
def test_currency_symbols_names_and_codes_become_iso_codes(raw: str, code: str) -> None:
    assert parse_currency(raw) == code


@pytest.mark.parametrize("raw", ["Euro€", "monnaie", "E", "€€", "12"])
def test_a_value_that_is_no_currency_is_refused(raw: str) -> None:
    with pytest.raises(ValueParseError) as problem:
        parse_currency(raw)
    assert problem.value.code == "invalid_currency"


def test_a_currency_column_stores_iso_codes_and_rejects_what_is_not_a_currency() -> None:
    headers = ["Ticket", "Event", "Date", "Price", "Currency"]
    rows = [["CU1", "Expo", "2024-06-01", "10", "€"], ["CU2", "Expo", "2024-06-01", "10", "Euros"],
            ["CU3", "Expo", "2024-06-01", "10", "eur"], ["CU4", "Expo", "2024-06-01", "10", "Gold"],
            ["CU5", "Expo", "2024-06-01", "£10", ""]]
    result = validate_records(headers, rows, Mapping(columns={**TICKET_COLUMNS, 4: "currency"}))
    assert list(result.valid["currency"]) == ["EUR", "EUR", "EUR", "GBP"]
    [rejected] = result.rejected
    assert (rejected.line, rejected.code, rejected.value) == (5, "invalid_currency", "Gold")
    assert "'Gold'" in rejected.message


def test_a_currency_constant_is_normalized_and_an_invalid_one_stops_the_import() -> None:
    assert Mapping(constants={"currency": "euros"}).constants["currency"] == "EUR"
    with pytest.raises(ArenaUserError, match="'zorglub' is not a currency"):
        Mapping(columns=dict(TICKET_COLUMNS), constants={"currency": "zorglub"})


# -- 2. more cells than columns ----------------------------------------------------------------

def test_a_record_with_more_cells_than_columns_is_rejected_not_shifted() -> None:
    headers = ["Ticket", "Event", "Date", "Price", "Last name"]
    rows = [["UC1", "Carmen", "01/06/2024 20:00", "12", "50", "Bizet"],
            ["UC2", "Carmen", "01/06/2024 20:00", "15", "Durand"],
            ["UC3", "Carmen", "01/06/2024 20:00", "18", "00", "Martin"]]
    mapping = Mapping(columns={**TICKET_COLUMNS, 4: "customer_last_name"})
    result = validate_records(headers, rows, mapping)
    assert list(result.valid["ticket_ref"]) == ["UC2"]
    assert [(issue.line, issue.code, issue.value) for issue in result.rejected] == [
        (2, "extra_cells", "Bizet"), (4, "extra_cells", "Martin")]
    assert result.rejected[0].message.startswith("The record has 6 cells for 5 columns")


def test_the_column_count_given_by_the_caller_wins_over_the_records() -> None:
    chunk = RecordChunk(lines=[2], rows=[["UC1", "Carmen", "01/06/2024", "12", "50", "Bizet"]])
    frame = apply_mapping(chunk, Mapping(columns=dict(TICKET_COLUMNS)), width=5)
    result = validate_chunk(frame, ValidationState(), OPTIONS)
    assert [issue.code for issue in result.rejected] == ["extra_cells"]


# -- 3. 12€50 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, cents", [
    ("12€50", 1250), ("3€", 300), ("12 € 50", 1250), ("1 234€50", 123450), ("12$99", 1299),
    ("12,50 €", 1250), ("€12", 1200), ("1.500 €", 150000),
])
def test_a_currency_sign_between_units_and_two_digits_is_the_decimal_point(raw: str, cents: int) -> None:
    assert parse_price(raw).cents == cents


def test_12_euros_50_loads_as_twelve_fifty() -> None:
    rows = [["P1", "Expo", "01/06/2024", "12€50"], ["P2", "Expo", "01/06/2024", "3€"]]
    result = validate_records(["Ticket", "Event", "Date", "Price"], rows,
                              Mapping(columns=dict(TICKET_COLUMNS)))
    assert list(result.valid["price_cents"]) == [1250, 300]
    assert list(result.valid["currency"]) == ["EUR", "EUR"]


# -- 4. time column before its date column -----------------------------------------------------

@pytest.mark.parametrize("time", ["20:30", "20h30", "20:30:00"])
def test_a_time_column_before_its_date_column_reads_the_same_as_after(time: str) -> None:
    headers = ["Heure", "Date", "Spectacle", "Billet", "Prix"]
    rows = [[time, "12/08/2023", "Ballet", "HT1", "15"]]
    mapping = Mapping(columns={0: "event_date", 1: "event_date", 2: "event_name", 3: "ticket_id",
                               4: "price"})
    result = validate_records(headers, rows, mapping)
    assert not result.rejected
    assert result.valid["event_date"].iloc[0] == pd.Timestamp("2023-08-12 20:30")


def test_the_joined_date_puts_a_time_only_part_last_whatever_the_column_order() -> None:
    chunk = RecordChunk(lines=[2, 3, 4], rows=[["20:30", "12/08/2023"], ["8:30 PM", "12/08/2023"],
                                               ["", "12/08/2023"]])
    frame = apply_mapping(chunk, Mapping(columns={0: "event_date", 1: "event_date"}))
    assert list(frame["event_date"]) == ["12/08/2023 20:30", "12/08/2023 8:30 PM", "12/08/2023"]


# -- 5. two-digit birth years ------------------------------------------------------------------

def birth_dates(values: list[str]) -> ValidationResult:
    rows = [[f"B{i}", "Cirque", "05/05/2024 15:00", "10", value] for i, value in enumerate(values)]
    mapping = Mapping(columns={**TICKET_COLUMNS, 4: "customer_birth_date"})
    return validate_records(["Billet", "Spectacle", "Date", "Prix", "Naissance"], rows, mapping)


@pytest.mark.parametrize("values", [
    ["05/05/50", "12/12/88", "01/01/2090"],                      # 2-digit years the majority
    ["05/05/50", "12/12/1988", "01/01/2090", "03/03/1970"],      # 4-digit years the majority
])
def test_only_a_two_digit_birth_year_moves_back_a_century(values: list[str]) -> None:
    result = birth_dates(values)
    born = result.valid["birth_date"]
    assert born.iloc[0] == pd.Timestamp("1950-05-05")
    assert pd.isna(born.iloc[2])
    assert [(issue.line, issue.code) for issue in result.warnings] == [(4, "impossible_birth_date")]


# --- 12-hour clock times (Eventbrite-style US exports) ----------------------------------------


@pytest.mark.parametrize(
    ("raw", "day_first", "expected"),
    [
        ("11/29/24 10:28 PM", False, datetime(2024, 11, 29, 22, 28)),
        ("12/14/2024 7:30 PM", False, datetime(2024, 12, 14, 19, 30)),
        ("11/30/24 9:05 AM", False, datetime(2024, 11, 30, 9, 5)),
        ("12/14/2024 12:05 AM", False, datetime(2024, 12, 14, 0, 5)),
        ("12/14/2024 12:30 pm", False, datetime(2024, 12, 14, 12, 30)),
        ("14/12/2024 9 p.m.", True, datetime(2024, 12, 14, 21, 0)),
    ],
)
def test_a_twelve_hour_time_reads_as_the_twenty_four_hour_clock(
    raw: str, day_first: bool, expected: datetime
) -> None:
    assert parse_datetime(raw, day_first=day_first) == expected


def test_an_hour_beyond_twelve_with_pm_is_not_a_date() -> None:
    with pytest.raises(ValueParseError):
        parse_datetime("12/14/2024 13:30 PM", day_first=False)


def test_a_month_first_column_with_pm_times_parses_whole() -> None:
    values = pd.Series(["11/29/24 10:28 PM", "11/30/24 9:05 AM", "12/01/24 12:15 PM"],
                       dtype="string")
    moments, _serial, errors = parse_datetime_series(values, infer_date_format(values))
    assert errors.isna().all()
    assert list(moments) == [pd.Timestamp("2024-11-29 22:28"), pd.Timestamp("2024-11-30 09:05"),
                             pd.Timestamp("2024-12-01 12:15")]


def test_a_price_column_whose_header_says_cents_is_read_in_cents(
    tmp_path: Path, engine: Engine
) -> None:
    path = tmp_path / "cents.csv"
    path.write_text(
        "Spectacle;Date;Billet;Montant (centimes);Email\n"
        "Gala;12/08/2023 20:30;B1;2550;a@x.fr\n"
        "Gala;12/08/2023 20:30;B2;1200;b@x.fr\n",
        encoding="utf-8",
    )
    with engine.begin() as connection:
        ensure_organization(connection, "club", "club")
    report = import_file(path, SqlImportStore(engine), "club")
    assert report.rows_loaded == 2
    with engine.connect() as connection:
        prices = connection.execute(
            text("SELECT ticket_ref, price FROM tickets ORDER BY ticket_ref")
        ).all()
    assert [(ref, float(price)) for ref, price in prices] == [("B1", 25.5), ("B2", 12.0)]


def test_a_plain_price_header_is_not_read_in_cents() -> None:
    headers = ["Spectacle", "Pourcentage", "Prix"]
    assert not prices_in_cents(Mapping(columns={2: "price"}, constants={}), headers)
    assert prices_in_cents(Mapping(columns={2: "price"}, constants={}), ["a", "b", "price_cents"])


# -- overseas phones ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0692 12 34 56", "+262692123456"),  # La Réunion mobile
        ("0262 12 34 56", "+262262123456"),  # La Réunion landline
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe mobile
        ("0694 12 34 56", "+594694123456"),  # Guyane mobile
        ("0696 12 34 56", "+596696123456"),  # Martinique mobile
        ("06 12 34 56 78", "+33612345678"),  # metropolitan mobile, unchanged
    ],
)
def test_an_overseas_number_written_the_french_way_gets_its_own_country_code(
    raw: str, e164: str
) -> None:
    headers = ["Billet", "Spectacle", "Date", "Prix", "Téléphone"]
    mapping = Mapping(columns={**TICKET_COLUMNS, 4: "customer_phone"}, constants={})
    # Enough rows that the validator works per distinct value, as on a real export.
    rows = [[f"T{i}", "Gala", "12/08/2023 20:30", "20,00", raw] for i in range(3000)]
    result = validate_records(headers, rows, mapping)
    assert set(result.valid["phone"]) == {e164}
    assert not result.warnings


def test_an_overseas_number_that_lost_its_zero_is_repaired_with_its_country_code() -> None:
    from arena.ingest.parsers import parse_phone

    parsed = parse_phone("692123456", "FR")
    assert parsed.e164 == "+262692123456" and parsed.leading_zero_restored
