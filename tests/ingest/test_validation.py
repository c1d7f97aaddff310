"""Row validation decides, per mapped record, what is loaded, what is rejected and what is repaired."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from arena.ingest.rules import REJECTIONS, WARNINGS
from arena.ingest.validation import (
    CANONICAL_FIELDS,
    VALID_COLUMNS,
    ParseOptions,
    ValidationResult,
    ValidationState,
    validate_chunk,
)
from tests.ingest.validation_frames import realistic_frame

TODAY = date(2024, 6, 1)
BASE_ROW = {
    "event_name": "Semi-Marathon de Paris",
    "event_date": "08/03/2015 09:00",
    "order_id": "668539",
    "price": "50.00",
    "purchase_date": "01/10/2014 00:02",
}


def frame_of(rows: list[dict[str, str | None]], first_line: int = 2) -> pd.DataFrame:
    frame = pd.DataFrame(rows).astype("str")
    frame.insert(0, "line", range(first_line, first_line + len(rows)))
    return frame.astype({"line": "int64"})


def validate(rows: list[dict[str, str | None]], state: ValidationState | None = None,
             first_line: int = 2, **options: object) -> ValidationResult:
    """Validate rows (a dict per record, BASE_ROW fields unless overridden) and check invariants."""
    frame = frame_of([{**BASE_ROW, **row} for row in rows], first_line)
    result = validate_chunk(frame, state or ValidationState(),
                            ParseOptions(today=TODAY, **options))  # type: ignore[arg-type]
    assert result.rows_in == len(frame) == len(result.valid) + len(result.rejected)
    assert list(result.valid.columns) == list(VALID_COLUMNS)
    assert {name: str(dtype) for name, dtype in result.valid.dtypes.items()} == VALID_COLUMNS
    lines = [issue.line for issue in result.rejected]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
    assert not set(lines) & set(result.valid["line"])
    assert [issue.line for issue in result.warnings] == sorted(i.line for i in result.warnings)
    assert set(issue.line for issue in result.warnings) <= set(result.valid["line"])
    return result


def codes(issues: list) -> list[str]:
    return [issue.code for issue in issues]


def test_a_clean_row_is_loaded_with_typed_values() -> None:
    result = validate([{"price": "48,00 €", "customer_email": "Julie.Pierre@Mail.fr",
                        "customer_first_name": "  Jean   Pierre ", "venue": "Théâtre  du Châtelet"}])
    row = result.valid.iloc[0]
    assert row["ticket_ref"] == "668539" and row["order_ref"] == "668539"
    assert row["price_cents"] == 4800 and row["currency"] == "EUR"
    assert row["event_date"] == pd.Timestamp("2015-03-08 09:00")
    assert row["purchased_at"] == pd.Timestamp("2014-10-01 00:02")
    assert row["email"] == "julie.pierre@mail.fr"
    assert row["first_name"] == "Jean Pierre" and row["venue"] == "Théâtre du Châtelet"
    assert pd.isna(row["phone"]) and pd.isna(row["birth_date"]) and pd.isna(row["country"])
    assert not result.rejected and not result.warnings


def test_the_ticket_number_is_the_identifier_when_both_are_mapped() -> None:
    result = validate([{"ticket_id": "T-1", "order_id": "O-1"}, {"ticket_id": "T-2", "order_id": "O-1"}])
    assert list(result.valid["ticket_ref"]) == ["T-1", "T-2"]
    assert list(result.valid["order_ref"]) == ["O-1", "O-1"]


def test_a_row_without_its_ticket_number_is_rejected_when_the_file_has_the_column() -> None:
    """Identified by its order number instead, the row would come back as a second ticket once
    a re-export fills in the barcode."""
    result = validate([{"ticket_id": "T-1", "order_id": "O-1"}, {"ticket_id": " ", "order_id": "O-2"}])
    assert list(result.valid["ticket_ref"]) == ["T-1"]
    assert [(i.line, i.code, i.field) for i in result.rejected] == [(3, "missing_ticket_id", "ticket_id")]
    assert "ticket number is missing" in result.rejected[0].message


def test_a_file_without_ticket_numbers_identifies_tickets_by_order_and_line() -> None:
    result = validate([{"order_id": "O-1", "order_line": "1"}, {"order_id": "O-1", "order_line": "2"},
                       {"order_id": "O-2", "order_line": None}])
    assert list(result.valid["ticket_ref"]) == ["O-1#1", "O-1#2"]
    assert list(result.valid["order_ref"]) == ["O-1", "O-1"]
    assert [(i.line, i.code) for i in result.rejected] == [(4, "missing_order_line")]


def test_a_file_with_only_order_numbers_identifies_tickets_by_them() -> None:
    result = validate([{"order_id": "O-1"}, {"order_id": "O-2"}])
    assert list(result.valid["ticket_ref"]) == ["O-1", "O-2"]


@pytest.mark.parametrize(
    ("row", "code", "field"),
    [
        ({"order_id": None}, "missing_identifier", "order_id"),
        ({"order_id": "   "}, "missing_identifier", "order_id"),
        ({"order_id": "1,23457E+11"}, "ticket_id_scientific_notation", "order_id"),
        ({"price": None}, "missing_price", "price"),
        ({"price": "gratuit"}, "invalid_price", "price"),
        ({"price": "-48,00 €"}, "negative_price", "price"),
        ({"price": "12 000 000 000,00 €"}, "price_too_large", "price"),
        ({"event_date": ""}, "missing_event_date", "event_date"),
        ({"event_date": "31/02/2015 20:00"}, "invalid_event_date", "event_date"),
        ({"purchase_date": "32/10/2014 00:02"}, "invalid_purchase_date", "purchase_date"),
    ],
)
def test_each_rejection_rule_names_its_reason_and_value(row: dict[str, str | None], code: str,
                                                        field: str) -> None:
    result = validate([{}, row])
    assert codes(result.rejected) == [code]
    issue = result.rejected[0]
    assert issue.line == 3 and issue.field == field
    if issue.value is not None:
        assert repr(issue.value) in issue.message
    assert list(result.valid["line"]) == [2]


def test_an_empty_purchase_date_is_allowed() -> None:
    result = validate([{"purchase_date": None}])
    assert pd.isna(result.valid["purchased_at"].iat[0])


def test_a_row_breaking_several_rules_is_rejected_once_for_the_first() -> None:
    result = validate([{"order_id": None, "price": "-3", "event_date": "nope"}])
    assert codes(result.rejected) == ["missing_identifier"]


def test_zero_price_invitations_are_loaded() -> None:
    assert validate([{"price": "0,00 €"}]).valid["price_cents"].tolist() == [0]


def test_prices_in_cents_are_read_when_the_source_says_so() -> None:
    result = validate([{"price": "4800"}], price_in_cents=True)
    assert result.valid["price_cents"].tolist() == [4800]


def test_currency_comes_from_the_value_else_the_default() -> None:
    result = validate([{"order_id": "1", "price": "12 CHF"}, {"order_id": "2", "price": "£5"},
                       {"order_id": "3", "price": "7"}], default_currency="EUR")
    assert result.valid["currency"].tolist() == ["CHF", "GBP", "EUR"]


def test_reimporting_the_same_row_is_an_exact_duplicate() -> None:
    result = validate([{}, {}])
    assert codes(result.rejected) == ["duplicate_row"] and result.rejected[0].line == 3


def test_duplicates_ignore_surrounding_whitespace() -> None:
    assert codes(validate([{}, {"price": " 50.00 ", "order_id": "668539 "}]).rejected) == [
        "duplicate_row"]


def test_same_ticket_with_different_content_keeps_the_first() -> None:
    result = validate([{"price": "50.00"}, {"price": "45.00"}])
    assert codes(result.rejected) == ["conflicting_ticket_id"]
    assert result.valid["price_cents"].tolist() == [5000]


def test_duplicates_are_detected_across_chunks() -> None:
    state = ValidationState()
    first = validate([{"order_id": "1"}, {"order_id": "2"}], state)
    second = validate([{"order_id": "2"}, {"order_id": "1", "price": "99"}, {"order_id": "3"}],
                      state, first_line=4)
    assert len(first.valid) == 2
    assert [(issue.line, issue.code) for issue in second.rejected] == [
        (4, "duplicate_row"), (5, "conflicting_ticket_id")]
    assert second.valid["ticket_ref"].tolist() == ["3"]
    assert state.tickets_seen == 3


def test_a_rejected_row_does_not_reserve_its_ticket_number() -> None:
    result = validate([{"price": "-5"}, {"price": "5"}])
    assert codes(result.rejected) == ["negative_price"]
    assert result.valid["price_cents"].tolist() == [500]


def test_seed_export_rows_are_repaired_and_warned() -> None:
    """The real export shape of the seed report (figure 2.8), with synthetic people."""
    result = validate([
        {"customer_email": "cmartin@exemple.fr", "customer_postal_code": "3000",
         "customer_city": "Moulins", "customer_country": "France",
         "customer_birth_date": "26/01/1990", "customer_phone": "3,367E+10"},
        {"order_id": "668546", "customer_email": "Julie.pierre3@PIERRE",
         "customer_postal_code": "75007", "customer_city": "Paris", "customer_country": "France",
         "customer_birth_date": "14/03/1989", "customer_phone": "612345678"},
    ])
    assert not result.rejected
    assert result.valid["postal_code"].tolist() == ["03000", "75007"]
    assert result.valid["phone"].isna().iat[0]
    assert result.valid["phone"].iat[1] == "+33612345678"
    assert result.valid["email"].isna().iat[1]
    assert sorted(codes(result.warnings)) == sorted(
        ["postal_code_padded", "phone_scientific_notation", "invalid_email",
         "phone_leading_zero_restored"])
    padded = next(issue for issue in result.warnings if issue.code == "postal_code_padded")
    assert padded.line == 2 and padded.value == "3000" and "03000" in padded.message


@pytest.mark.parametrize(
    ("row", "code", "column"),
    [
        ({"customer_email": "not-an-email"}, "invalid_email", "email"),
        ({"customer_phone": "3,36E+10"}, "phone_scientific_notation", "phone"),
        ({"customer_phone": "12 34"}, "invalid_phone", "phone"),
        ({"customer_birth_date": "01/01/2030"}, "impossible_birth_date", "birth_date"),
        ({"customer_birth_date": "01/01/1900"}, "impossible_birth_date", "birth_date"),
        ({"customer_birth_date": "30/02/1990"}, "invalid_birth_date", "birth_date"),
        ({"customer_country": "Narnia"}, "unknown_country", "country"),
        ({"customer_gender": "Docteur"}, "unknown_gender", "gender"),
        ({"customer_postal_code": "ABCDE"}, "invalid_postal_code", "postal_code"),
    ],
)
def test_each_warning_keeps_the_row_and_empties_the_field(row: dict[str, str], code: str,
                                                          column: str) -> None:
    result = validate([row])
    assert not result.rejected
    assert codes(result.warnings) == [code]
    assert pd.isna(result.valid[column].iat[0])
    assert repr(next(iter(row.values()))) in result.warnings[0].message


def test_excel_serial_dates_are_converted_with_a_warning() -> None:
    result = validate([{"event_date": "42071.375"}])
    assert result.valid["event_date"].iat[0] == pd.Timestamp("2015-03-08 09:00")
    assert codes(result.warnings) == ["excel_serial_date"]


def test_a_month_first_file_is_detected_from_its_values() -> None:
    result = validate([{"order_id": "1", "purchase_date": "11/29/24 22:28"},
                       {"order_id": "2", "purchase_date": "01/02/24 10:00"}])
    assert result.valid["purchased_at"].tolist() == [pd.Timestamp("2024-11-29 22:28"),
                                                     pd.Timestamp("2024-01-02 10:00")]


def test_the_date_order_of_the_first_chunk_is_kept_for_the_next_ones() -> None:
    state = ValidationState()
    validate([{"order_id": "1", "purchase_date": "11/29/24 22:28"}], state)
    later = validate([{"order_id": "2", "purchase_date": "01/02/24 10:00"}], state, first_line=3)
    assert later.valid["purchased_at"].iat[0] == pd.Timestamp("2024-01-02 10:00")


def test_french_dates_with_month_names_and_20h30_are_read() -> None:
    result = validate([{"order_id": "1", "event_date": "samedi 12 août 2023 à 20h30"},
                       {"order_id": "2", "event_date": "12 août 2023 20h30"},
                       {"order_id": "3", "event_date": "12/08/2023 20h30"}])
    assert (result.valid["event_date"] == pd.Timestamp("2023-08-12 20:30")).all()


def test_iso_event_dates_with_offsets_are_stored_as_paris_wall_clock() -> None:
    result = validate([{"order_id": "1", "event_date": "2023-08-12T18:30:00Z"},
                       {"order_id": "2", "event_date": "2023-08-12T20:30:00+02:00"}])
    assert (result.valid["event_date"] == pd.Timestamp("2023-08-12 20:30")).all()


def test_two_digit_birth_years_are_never_in_the_future() -> None:
    result = validate([{"order_id": "1", "customer_birth_date": "05/05/80"},
                       {"order_id": "2", "customer_birth_date": "05/05/50"},
                       {"order_id": "3", "customer_birth_date": "05/05/04"}])
    assert result.valid["birth_date"].dt.year.tolist() == [1980, 1950, 2004]
    assert not result.warnings


def test_the_default_country_applies_only_to_rows_with_an_address() -> None:
    result = validate([{"order_id": "1", "customer_city": "Lyon", "customer_country": None},
                       {"order_id": "2", "customer_city": None, "customer_country": None},
                       {"order_id": "3", "customer_city": "Gand", "customer_country": "Belgique"}])
    assert result.valid["country"].tolist()[0] == "FR"
    assert pd.isna(result.valid["country"].iat[1])
    assert result.valid["country"].iat[2] == "BE"


def test_postal_codes_are_padded_only_in_france() -> None:
    result = validate([
        {"order_id": "1", "customer_postal_code": "1000", "customer_country": "Belgique"},
        {"order_id": "2", "customer_postal_code": "1000", "customer_country": "France"},
        {"order_id": "3", "customer_postal_code": "1000", "customer_country": None},
    ])
    assert result.valid["postal_code"].tolist() == ["1000", "01000", "01000"]
    assert codes(result.warnings) == ["postal_code_padded", "postal_code_padded"]


def test_phones_follow_the_row_country_when_known() -> None:
    result = validate([{"order_id": "1", "customer_phone": "0470 12 34 56",
                        "customer_country": "Belgique"},
                       {"order_id": "2", "customer_phone": "06 12 34 56 78"}])
    assert result.valid["phone"].tolist() == ["+32470123456", "+33612345678"]


def test_civilities_become_gender_letters() -> None:
    rows = [{"order_id": str(i), "customer_gender": g}
            for i, g in enumerate(["M.", "Mme", "Mlle", "M. et Mme", "Homme", "female"])]
    result = validate(rows)
    assert result.valid["gender"].tolist()[:3] == ["M", "F", "F"]
    assert pd.isna(result.valid["gender"].iat[3])
    assert result.valid["gender"].tolist()[4:] == ["M", "F"]
    assert not result.warnings


def test_unmapped_fields_are_present_and_empty() -> None:
    result = validate([{}])
    for column in ("venue", "email", "phone", "seat", "gender", "birth_date"):
        assert result.valid[column].isna().all()


def test_a_chunk_with_nothing_valid_still_has_the_fixed_shape() -> None:
    result = validate([{"order_id": None}, {"price": "x"}])
    assert result.valid.empty and len(result.rejected) == 2


def test_a_realistic_chunk_keeps_the_row_count_invariant() -> None:
    frame = realistic_frame(3000, seed=3)
    frame.loc[5, "ticket_id"] = frame.loc[4, "ticket_id"]
    frame.loc[10, "price"] = "-10"
    frame = pd.concat([frame, frame.iloc[[0]].assign(line=99999)], ignore_index=True)
    state = ValidationState()
    result = validate_chunk(frame, state, ParseOptions(today=TODAY))
    assert result.rows_in == len(result.valid) + len(result.rejected) == 3001
    assert codes(result.rejected) == ["conflicting_ticket_id", "negative_price", "duplicate_row"]
    assert result.valid["price_cents"].dtype == "int64"


def test_every_reason_code_is_documented_with_its_message() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "import-rules.md").read_text(encoding="utf-8")
    for code in [*REJECTIONS, *WARNINGS]:
        assert re.search(rf"`{code}`", docs), code
    assert set(CANONICAL_FIELDS) <= set(re.findall(r"`(\w+)`", docs))


def test_arrow_backed_and_plain_string_columns_validate_alike() -> None:
    """The fast reader hands over Arrow strings; other sources hand over `str` columns."""
    frame = realistic_frame(3000, seed=5)
    frame.loc[7, "venue"] = "Stade\u00a0 Geoffroy\tGuichard"
    frame.loc[8, "customer_city"] = "Saint\u2009Étienne"
    frame.loc[9, "purchase_date"] = "1/4/2023 9:05"
    frame.loc[10, "event_date"] = "31/02/2023 20:30"
    arrow = frame.astype({name: pd.StringDtype("pyarrow") for name in frame.columns
                          if name != "line"})
    plain = validate_chunk(frame, ValidationState(), ParseOptions(today=TODAY))
    fast = validate_chunk(arrow, ValidationState(), ParseOptions(today=TODAY))
    pd.testing.assert_frame_equal(plain.valid, fast.valid)
    assert plain.rejected == fast.rejected and plain.warnings == fast.warnings
    row = fast.valid.set_index("line")
    assert row.at[9, "venue"] == "Stade Geoffroy Guichard"
    assert row.at[10, "city"] == "Saint Étienne"
    assert row.at[11, "purchased_at"] == pd.Timestamp("2023-04-01 09:05")
    assert codes(fast.rejected) == ["invalid_event_date"] and fast.rejected[0].line == 12
