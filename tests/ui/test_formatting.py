"""Numbers read the French way everywhere in the dashboard."""

import math

from arena.ui.formatting import (
    THIN_SPACE,
    format_count,
    format_euros,
    format_number,
    format_percent,
    format_rate,
)


def test_thousands_are_separated_by_a_narrow_space_and_decimals_by_a_comma() -> None:
    assert format_number(1234567.891, 2) == f"1{THIN_SPACE}234{THIN_SPACE}567,89"


def test_amounts_carry_the_euro_sign_after_the_number() -> None:
    assert format_euros(1234.5) == f"1{THIN_SPACE}234,50{THIN_SPACE}€"
    assert format_euros(250, 0) == f"250{THIN_SPACE}€"


def test_counts_have_no_decimals() -> None:
    assert format_count(12345) == f"12{THIN_SPACE}345"
    assert format_count(7) == "7"


def test_shares_become_french_percentages() -> None:
    assert format_percent(0.8534) == f"85,3{THIN_SPACE}%"
    assert format_percent(1.0, 0) == f"100{THIN_SPACE}%"


def test_missing_values_show_a_dash_instead_of_nan_or_none() -> None:
    assert format_euros(None) == "—"
    assert format_percent(math.nan) == "—"
    assert format_count(None) == "—"


def test_negative_amounts_keep_their_sign() -> None:
    assert format_euros(-1500) == f"-1{THIN_SPACE}500,00{THIN_SPACE}€"


def test_import_rates_are_readable() -> None:
    assert format_rate(123456.7) == f"123{THIN_SPACE}457 rows/s"
