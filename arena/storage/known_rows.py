"""What one import remembers of the rows it has written, so later chunks need no query.

Customers and orders are written with ids drawn in advance; each chunk must then find the
customers and orders earlier chunks wrote (or earlier imports, looked up once) and know which
of a customer's fields are still empty. Keys live in a `KeyIndex` (about 30 bytes per key), so
this memory grows with distinct customers and orders, never with rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from arena.storage.key_index import KeyIndex

# The columns of a customer an import writes; a customer's fields are filled when empty, never
# overwritten. The "gap" columns decide whether a chunk brings something new for a customer.
CUSTOMER_FILLABLE = (
    "email", "first_name", "last_name", "gender", "birth_date", "phone", "address",
    "postal_code_id", "city_id", "country_id",
)
CUSTOMER_GAP_COLUMNS = (
    "email", "gender", "birth_date", "phone", "address", "postal_code_id", "city_id",
)
# The validated column each gap column is filled from.
GAP_SOURCE_COLUMNS = {
    "email": "email", "gender": "gender", "birth_date": "birth_date", "phone": "phone",
    "address": "address", "postal_code_id": "postal_code", "city_id": "city",
}
CUSTOMER_FIELDS = [
    "customer_key", "email", "first_name", "last_name", "gender", "birth_date", "phone",
    "address", "postal_code", "city", "country",
]
CUSTOMER_COLUMNS = ["id", "organization_id", "customer_key", *CUSTOMER_FILLABLE, "import_id"]
ORDER_COLUMNS = ["id", "organization_id", "source_id", "order_ref", "customer_id", "ordered_at",
                 "import_id"]


class KnownCustomers:
    """The customers an import has written or met so far: their id, and which of their
    fillable fields are still empty in the database (about 60 bytes per customer)."""

    def __init__(self) -> None:
        self._index = KeyIndex()
        self._ids = np.empty(0, dtype=np.int64)
        self._empty = np.empty((0, len(CUSTOMER_GAP_COLUMNS)), dtype=bool)

    @staticmethod
    def returned_columns(alias: str | None = None) -> str:
        prefix = f"{alias}." if alias else ""
        return ", ".join(
            [f"{prefix}customer_key", f"{prefix}id"]
            + [f"{prefix}{c} IS NULL AS {c}_empty" for c in CUSTOMER_GAP_COLUMNS]
        )

    def positions(self, keys: pd.Series | pa.Array) -> np.ndarray:
        """Position of each key among the known customers, -1 when unknown or missing (each
        distinct key looked up once)."""
        encoded = arrow_strings(keys).dictionary_encode()
        distinct = self._index.lookup(encoded.dictionary)
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        return np.where(codes < 0, -1, distinct[np.maximum(codes, 0)] if len(distinct) else -1)

    def remember(self, rows: pd.DataFrame) -> None:
        """Record customers as the database returned them (see `returned_columns`)."""
        if rows.empty:
            return
        empty = np.column_stack(
            [rows[f"{c}_empty"].astype(bool).to_numpy() for c in CUSTOMER_GAP_COLUMNS]
        )
        self._append(rows["customer_key"].to_numpy(), rows["id"].to_numpy(np.int64), empty)

    def add(self, written: pd.DataFrame) -> np.ndarray:
        """Record customers this import has just inserted (with their `id`); their positions."""
        empty = np.column_stack([written[c].isna().to_numpy() for c in CUSTOMER_GAP_COLUMNS])
        return self._append(written["customer_key"].to_numpy(), written["id"].to_numpy(np.int64),
                            empty)

    def _append(self, keys: np.ndarray, ids: np.ndarray, empty: np.ndarray) -> np.ndarray:
        positions = self._index.add(pa.array(keys, type=pa.string()))
        self._ids = np.concatenate([self._ids, ids])
        self._empty = np.concatenate([self._empty, empty])
        return positions

    def _brings(self, rows: pd.DataFrame) -> np.ndarray:
        return np.column_stack([rows[c].notna().to_numpy() for c in CUSTOMER_GAP_COLUMNS])

    def needs_fill(self, known: pd.DataFrame, at: np.ndarray) -> np.ndarray:
        """Which of these known customers (at these positions) the rows bring a value for an
        empty field."""
        if known.empty:
            return np.zeros(0, dtype=bool)
        return (self._empty[at] & self._brings(known)).any(axis=1)

    def may_fill(self, at: np.ndarray, offered: np.ndarray) -> np.ndarray:
        """Which known customers (at >= 0) have an empty field among the `offered` gap
        columns (one flag per `CUSTOMER_GAP_COLUMNS`); False for unknown ones."""
        known = at >= 0
        result = np.zeros(len(at), dtype=bool)
        if known.any() and offered.any():
            result[known] = (self._empty[at[known]] & offered).any(axis=1)
        return result

    def filled(self, rows: pd.DataFrame, at: np.ndarray) -> None:
        """The database filled these customers' empty fields with the rows' values."""
        self._empty[at] &= ~self._brings(rows)

    def ids_at(self, at: np.ndarray) -> pd.arrays.IntegerArray:
        """The customer id at each position (NA where the position is -1)."""
        return _ids_at(self._ids, at)

    def ids(self) -> np.ndarray:
        """Every known customer's id, sorted, each once (8 bytes per customer)."""
        return np.unique(self._ids)


class ImportOrders:
    """The orders this import has written: their reference, id, customer and date, so a later
    chunk finds an order begun in an earlier one, and knows whether its lines there change
    it, without asking the database (about 45 bytes per order)."""

    def __init__(self) -> None:
        self._index = KeyIndex()
        self.ids = np.empty(0, dtype=np.int64)
        self._customer_ids = np.empty(0, dtype=np.int64)  # -1: no customer yet
        self._ordered_at = np.empty(0, dtype="datetime64[ns]")  # NaT: no date yet

    def positions(self, refs: pa.Array) -> np.ndarray:
        return self._index.lookup(refs)

    def add(self, refs: pa.Array, ids: np.ndarray, customer_ids: pd.Series,
            ordered_at: pd.Series) -> None:
        self._index.add(refs)
        self.ids = np.concatenate([self.ids, ids])
        self._customer_ids = np.concatenate([self._customer_ids, _int_or_minus_one(customer_ids)])
        self._ordered_at = np.concatenate([self._ordered_at, _datetimes(ordered_at)])

    def complete(self, at: np.ndarray, customer_ids: pd.Series, ordered_at: pd.Series
                 ) -> np.ndarray:
        """Later lines of orders already written (at these positions): an order takes the
        customer of its first line that names one and its earliest purchase date. Records
        the result; returns which orders changed (the database must follow)."""
        customers = _int_or_minus_one(customer_ids)
        dates = _datetimes(ordered_at)
        had_customer = self._customer_ids[at]
        had_date = self._ordered_at[at]
        gains_customer = (had_customer < 0) & (customers >= 0)
        earlier = ~np.isnat(dates) & (np.isnat(had_date) | (dates < had_date))
        self._customer_ids[at] = np.where(gains_customer, customers, had_customer)
        self._ordered_at[at] = np.where(earlier, dates, had_date)
        return gains_customer | earlier


def _int_or_minus_one(values: pd.Series) -> np.ndarray:
    return pd.array(values, dtype="Int64").to_numpy(dtype=np.int64, na_value=-1)


def _datetimes(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy(dtype="datetime64[ns]")


def _ids_at(ids: np.ndarray, at: np.ndarray) -> pd.arrays.IntegerArray:
    """ids[at] as a nullable array, NA where `at` is -1."""
    missing = at < 0
    values = ids[np.where(missing, 0, at)] if len(ids) else np.zeros(len(at), dtype=np.int64)
    return pd.arrays.IntegerArray(values.astype(np.int64), missing)


def lookup_ids(keys: pd.Series, known: pa.Array, ids: np.ndarray) -> pd.arrays.IntegerArray:
    """The id of each key among `known` keys (parallel to `ids`), NA where absent; Arrow's hash
    lookup on the strings, never Python objects."""
    at = pc.index_in(arrow_strings(keys), value_set=known)
    return _ids_at(ids, at.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64))


def is_in(keys: pd.Series, values: pd.Series) -> np.ndarray:
    found = pc.is_in(arrow_strings(keys), value_set=arrow_strings(values))
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def arrow_strings(values: pd.Series | pa.Array) -> pa.Array:
    """A column of keys as one Arrow string array (nulls for missing values)."""
    if isinstance(values, pa.Array):
        return values
    array = pa.array(values, type=pa.string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
