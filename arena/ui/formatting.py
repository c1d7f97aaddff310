"""French-friendly display of numbers: `1 234,50 €`, `12 345`, `85,3 %` (narrow no-break spaces).

Pure functions, no Streamlit: the same strings appear in metrics, tables and chart labels, and a
French reader expects a comma for decimals and a thin space between thousands.
"""

from __future__ import annotations

import math

# U+202F NARROW NO-BREAK SPACE: the French typographic thousands separator; it never wraps.
THIN_SPACE = "\u202f"
# Plotly's `separators` layout attribute: decimal mark then thousands separator.
PLOTLY_SEPARATORS = "," + THIN_SPACE
MISSING = "—"


def _is_missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | int | None, decimals: int = 0) -> str:
    """`1234567.891` → `1 234 567,89` with `decimals=2`; None or NaN → `—`."""
    if _is_missing(value):
        return MISSING
    text = f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]
    return text.replace(",", THIN_SPACE).replace(".", ",")


def format_count(value: float | int | None) -> str:
    """A whole number of things (tickets, buyers): `12 345`."""
    return format_number(value, 0)


def format_euros(value: float | int | None, decimals: int = 2) -> str:
    """An amount in euros, the unit after the number as in French: `1 234,50 €`."""
    if _is_missing(value):
        return MISSING
    return f"{format_number(value, decimals)}{THIN_SPACE}€"


def format_percent(share: float | None, decimals: int = 1) -> str:
    """A share in [0, 1] as a French percentage: `0.8534` → `85,3 %`."""
    if _is_missing(share):
        return MISSING
    return f"{format_number(share * 100, decimals)}{THIN_SPACE}%"  # type: ignore[operator]


def format_rate(rows_per_second: float) -> str:
    """Import throughput for a progress bar: `12 345 rows/s`."""
    return f"{format_count(rows_per_second)} rows/s"
