"""Scalar and vectorized parsers turn messy export values into exact typed values or clear errors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arena.ingest.parsers import (
    DateFormatGuess,
    ValueParseError,
    infer_date_format,
    parse_country,
    parse_datetime,
    parse_datetime_series,
    parse_email,
    parse_fixed_width_dates,
    parse_gender,
    parse_phone,
    parse_postal_code,
    parse_price,
    parse_price_series,
)

MESSY_TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789 .,-+/:hHeE€$£()'TZaoûtmrs\u00a0\u202fMme@")),
    max_size=30,
) | st.text(max_size=30)


@settings(max_examples=300, deadline=None)
@given(MESSY_TEXT)
def test_no_input_crashes_a_scalar_parser(raw: str) -> None:
    parsers = [
        lambda: parse_price(raw), lambda: parse_price(raw, in_cents=True),
        lambda: parse_datetime(raw), lambda: parse_datetime(raw, day_first=False),
        lambda: parse_phone(raw), lambda: parse_phone(raw, "BE"),
        lambda: parse_postal_code(raw), lambda: parse_postal_code(raw, None),
        lambda: parse_email(raw), lambda: parse_gender(raw), lambda: parse_country(raw),
    ]
    for parse in parsers:
        try:
            parse()
        except ValueParseError as problem:
            assert problem.code and problem.message


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False))
def test_a_written_amount_reads_back_to_the_same_cents(amount: Decimal) -> None:
    french = f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",") + " €"
    english = f"${amount:,.2f}"
    assert parse_price(french).cents == int(amount * 100)
    assert parse_price(english).cents == int(amount * 100)


@pytest.mark.parametrize(
    ("raw", "cents", "currency"),
    [
        ("50.00", 5000, None),
        ("48,00 €", 4800, "EUR"),
        ("1 234,56", 123456, None),
        ("1\u00a0234,56 EUR", 123456, "EUR"),
        ("1\u202f234,56", 123456, None),
        ("1.234,56", 123456, None),
        ("1,234.56", 123456, None),
        ("1'234.50 CHF", 123450, "CHF"),
        ("£12.5", 1250, "GBP"),
        ("$ 99", 9900, "USD"),
        ("CHF 12.-", 1200, "CHF"),
        ("0", 0, None),
        ("-12,00", -1200, None),
        ("(12.00)", -1200, None),
    ],
)
def test_prices_in_every_export_shape_become_exact_cents(raw: str, cents: int,
                                                         currency: str | None) -> None:
    parsed = parse_price(raw)
    assert parsed.cents == cents
    assert parsed.currency == currency


def test_price_amounts_are_exact_decimals_not_floats() -> None:
    assert parse_price("0,10").amount + parse_price("0,20").amount == Decimal("0.30")


def test_prices_exported_in_cents_are_divided_by_one_hundred() -> None:
    assert parse_price("4800", in_cents=True).cents == 4800
    assert parse_price("4800", in_cents=True).amount == Decimal("48")


@pytest.mark.parametrize(("raw", "code"), [("", "missing_price"), ("gratuit", "invalid_price"),
                                           ("12,50 € $", "invalid_price"), ("1.2.3", "invalid_price")])
def test_unreadable_prices_are_refused_with_a_reason(raw: str, code: str) -> None:
    with pytest.raises(ValueParseError) as problem:
        parse_price(raw)
    assert problem.value.code == code


def test_vectorized_prices_match_the_scalar_parser() -> None:
    raws = ["50.00", "48,00 €", "-12", "", "abc", "1 234,5", "50.00", "1.500", "12.345,67"]
    cents, currency, error = parse_price_series(pd.Series(raws + [None], dtype="str"))
    for position, raw in enumerate(raws):
        try:
            expected = parse_price(raw)
        except ValueParseError as problem:
            assert error.iat[position] == problem.code
            assert pd.isna(cents.iat[position])
        else:
            assert cents.iat[position] == expected.cents
            assert (currency.iat[position] if pd.notna(currency.iat[position]) else None) == expected.currency
    assert error.iat[len(raws)] == "missing_price"


@pytest.mark.parametrize(
    ("raw", "day_first", "expected"),
    [
        ("12/08/2023 20:30", True, datetime(2023, 8, 12, 20, 30)),
        ("01/10/2014 00:02", True, datetime(2014, 10, 1, 0, 2)),
        ("11/29/24 22:28", False, datetime(2024, 11, 29, 22, 28)),
        ("12 août 2023 10:15", True, datetime(2023, 8, 12, 10, 15)),
        ("samedi 12 août 2023 à 20h30", True, datetime(2023, 8, 12, 20, 30)),
        ("1er mars 2024", True, datetime(2024, 3, 1)),
        ("12/08/2023 20h30", True, datetime(2023, 8, 12, 20, 30)),
        ("12/08/2023 20h", True, datetime(2023, 8, 12, 20, 0)),
        ("12.08.23", True, datetime(2023, 8, 12)),
        ("2023-08-12", True, datetime(2023, 8, 12)),
        ("2023-08-12T20:30:00+02:00", True, datetime(2023, 8, 12, 20, 30)),
        ("2023-08-12T18:30:00Z", True, datetime(2023, 8, 12, 20, 30)),
        ("2024-01-15T19:00:00+00:00", True, datetime(2024, 1, 15, 20, 0)),
        ("45150", True, datetime(2023, 8, 12)),
        ("45000", True, datetime(2023, 3, 15)),
        ("45150.854166667", True, datetime(2023, 8, 12, 20, 30)),
    ],
)
def test_dates_in_every_export_shape_become_paris_wall_clock_times(
    raw: str, day_first: bool, expected: datetime
) -> None:
    assert parse_datetime(raw, day_first=day_first) == expected


@pytest.mark.parametrize("raw", ["31/02/2023", "12/13/2023 10:00", "demain", "12/08/1850"])
def test_impossible_dates_are_refused(raw: str) -> None:
    with pytest.raises(ValueParseError) as problem:
        parse_datetime(raw)
    assert problem.value.code == "invalid_date"


def test_a_file_with_a_day_above_twelve_in_second_position_is_read_month_first() -> None:
    guess = infer_date_format(["11/29/24 22:28", "01/02/24 10:00", "03/04/24 09:15"])
    assert guess.day_first is False and guess.order_decided
    assert guess.two_digit_year and guess.has_time
    assert guess.pandas_format == "%m/%d/%y %H:%M"


def test_an_ambiguous_file_is_read_day_first_unless_told_otherwise() -> None:
    values = ["01/02/2024", "03/04/2024"]
    assert infer_date_format(values).day_first is True
    assert infer_date_format(values).order_decided is False
    assert infer_date_format(values, day_first=False).day_first is False


def test_inference_recognizes_serials_iso_and_french_months() -> None:
    assert infer_date_format(["45151", "45152.5"]).kind == "excel_serial"
    assert infer_date_format(["2023-08-12T20:30:00+02:00"]).kind == "iso"
    french = infer_date_format(["12 août 2023 10:15", "3 décembre 2023 20h00"])
    assert french.french_months and french.needs_normalization and french.kind == "dmy"
    assert infer_date_format(["", None]).kind == "empty"


def test_vectorized_dates_flag_serials_and_errors() -> None:
    values = pd.Series(["12/08/2023 20:30", "31/02/2023 10:00", None, "45151.5",
                        "12/08/2023 20h30", "13 août 2023 21:00"], dtype="str")
    moments, serial, error = parse_datetime_series(values, infer_date_format(values.dropna()))
    assert moments.dtype == "datetime64[ns]"
    assert moments.iat[0] == pd.Timestamp("2023-08-12 20:30")
    assert list(error.iloc[1:3]) == ["invalid_date", "missing_date"]
    assert moments.iat[3] == pd.Timestamp("2023-08-13 12:00") and serial.iat[3]
    assert moments.iat[4] == pd.Timestamp("2023-08-12 20:30")
    assert moments.iat[5] == pd.Timestamp("2023-08-13 21:00")
    assert serial.sum() == 1


def test_vectorized_iso_dates_with_mixed_offsets_become_paris_local_time() -> None:
    values = pd.Series(["2023-08-12T18:30:00Z", "2023-08-12T20:30:00+02:00",
                        "2023-08-12T20:30:00"], dtype="str")
    guess = DateFormatGuess(kind="iso", day_first=True)
    moments, _, error = parse_datetime_series(values, guess)
    assert (moments == pd.Timestamp("2023-08-12 20:30")).all()
    assert error.isna().all()


@pytest.mark.parametrize(
    ("raw", "region", "e164", "restored"),
    [
        ("06 12 34 56 78", "FR", "+33612345678", False),
        ("06.12.34.56.78", "FR", "+33612345678", False),
        ("+33 6 12 34 56 78", "FR", "+33612345678", False),
        ("0033612345678", "FR", "+33612345678", False),
        ("612345678", "FR", "+33612345678", True),
        ("0470 12 34 56", "BE", "+32470123456", False),
        ("+41 79 123 45 67", "FR", "+41791234567", False),
    ],
)
def test_phones_become_e164(raw: str, region: str, e164: str, restored: bool) -> None:
    parsed = parse_phone(raw, region)
    assert parsed.e164 == e164
    assert parsed.leading_zero_restored is restored


def test_a_phone_turned_into_scientific_notation_is_recognized_as_lost() -> None:
    with pytest.raises(ValueParseError) as problem:
        parse_phone("3,367E+10")
    assert problem.value.code == "phone_scientific_notation"
    assert "3,367E+10" in problem.value.message


def test_a_phone_that_is_not_a_number_is_invalid() -> None:
    with pytest.raises(ValueParseError) as problem:
        parse_phone("12")
    assert problem.value.code == "invalid_phone"


def test_french_postal_codes_get_back_the_zero_excel_dropped() -> None:
    assert parse_postal_code("3000").code == "03000"
    assert parse_postal_code("3000").padded
    assert parse_postal_code("75 011").code == "75011"
    assert not parse_postal_code("75011").padded


def test_foreign_postal_codes_are_left_alone() -> None:
    assert parse_postal_code("1000", "BE").code == "1000"
    assert parse_postal_code("sw1a 1aa", "GB").code == "SW1A 1AA"


def test_emails_are_lower_cased_and_validated() -> None:
    assert parse_email(" Julie.Pierre@Mail.FR ") == "julie.pierre@mail.fr"
    for raw in ["Julie.pierre3@PIERRE", "no-at-sign.fr", "a@b", "a b@c.fr"]:
        with pytest.raises(ValueParseError) as problem:
            parse_email(raw)
        assert problem.value.code == "invalid_email"


@pytest.mark.parametrize(
    ("raw", "gender"),
    [("M.", "M"), ("Mme", "F"), ("Mlle", "F"), ("Monsieur", "M"), ("Madame", "F"),
     ("F", "F"), ("M", "M"), ("Homme", "M"), ("Femme", "F"), ("male", "M"), ("Female", "F"),
     ("M. et Mme", None), ("", None)],
)
def test_civilities_and_genders_map_to_f_or_m(raw: str, gender: str | None) -> None:
    assert parse_gender(raw) == gender


def test_an_unknown_civility_is_reported() -> None:
    with pytest.raises(ValueParseError) as problem:
        parse_gender("Docteur")
    assert problem.value.code == "unknown_gender"


@pytest.mark.parametrize(
    ("raw", "code"),
    [("France", "FR"), ("FR", "FR"), ("FRA", "FR"), ("france ", "FR"), ("Belgique", "BE"),
     ("Belgium", "BE"), ("Suisse", "CH"), ("Switzerland", "CH"), ("Royaume-Uni", "GB"),
     ("Allemagne", "DE"), ("España", "ES"), ("États-Unis", "US"), ("Pays-Bas", "NL")],
)
def test_country_names_and_codes_become_iso_alpha_2(raw: str, code: str) -> None:
    assert parse_country(raw) == code


def test_an_unknown_country_is_reported() -> None:
    with pytest.raises(ValueParseError) as problem:
        parse_country("Narnia")
    assert problem.value.code == "unknown_country"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.datetimes(min_value=datetime(1850, 1, 1), max_value=datetime(2150, 12, 31)).map(
        lambda moment: moment.strftime("%d/%m/%Y %H:%M")),
    st.from_regex(r"\A[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}\Z"),
    st.from_regex(r"\A[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}( [0-9]{1,2}:[0-9]{2})?\Z"),
    MESSY_TEXT,
), min_size=1, max_size=20))
def test_dates_read_straight_from_bytes_match_strptime(raws: list[str]) -> None:
    for fmt in ("%d/%m/%Y %H:%M", "%m/%d/%y"):
        fast = parse_fixed_width_dates(pa.array(raws, type=pa.large_string()), fmt)
        slow = pd.to_datetime(pd.Series(raws, dtype="str"), format=fmt, errors="coerce")
        read = ~np.isnat(fast)
        # The fast path may leave a value to strptime, but never reads one differently.
        assert (slow.to_numpy()[read] == fast[read]).all()
        assert pd.Series(fast[read]).dt.year.between(1900, 2100).all()


def test_the_byte_reader_takes_the_common_shapes_and_leaves_the_rest() -> None:
    raws = ["12/08/2023 20:30", "29/02/2024 23:59", "29/02/2023 23:59", "1/2/2023 9:05",
            "12/08/2023 24:00", "12/08/1850 20:30", None]
    fast = parse_fixed_width_dates(pa.array(raws, type=pa.large_string()), "%d/%m/%Y %H:%M")
    assert list(fast[:2]) == [np.datetime64("2023-08-12T20:30"), np.datetime64("2024-02-29T23:59")]
    assert np.isnat(fast[2:]).all()
