"""Values as the drivers take them in bulk: exact decimal prices, SQLite's date text, and the
integers a whole frame shares."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def price_text(cents: pd.Series) -> pd.Series:
    """Exact decimals from integer cents, no float on the way (4800 → 48.00): the cents
    reinterpreted as a decimal with two digits after the point."""
    values = pa.array(cents.astype("int64").to_numpy(), type=pa.int64())
    decimals = values.cast(pa.decimal128(19, 0)).view(pa.decimal128(19, 2))
    return pd.Series(pd.arrays.ArrowExtensionArray(decimals), index=cents.index)


def integer_constant(column: pa.ChunkedArray) -> int | None:
    """The integer every row of the column holds, if there is one (no nulls)."""
    if not pa.types.is_integer(column.type) or column.null_count or not len(column):
        return None
    bounds = pc.min_max(column)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    return int(low) if low == high else None


def sqlite_column(column: pa.ChunkedArray) -> list[Any]:
    """Python values for sqlite3, dates in the text form SQLAlchemy stores and reads back."""
    if pa.types.is_timestamp(column.type):  # "2024-02-03 04:05:06.000000", as SQLAlchemy
        column = column.cast(pa.timestamp("us")).cast(pa.string())
    elif pa.types.is_date(column.type):
        column = column.cast(pa.string())
    return column.to_pylist()
